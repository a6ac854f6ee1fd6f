"""The API's handlers: each parses its request, calls one function (the case rules are
in cases, Rasa in rasa_api, the response shapes in views) and replies.

Registered in the route table (endpoints) with their roles and shapes; app adds
them as routes.
"""

import asyncio
import csv
import io
import math
import re
from dataclasses import asdict, replace
from datetime import UTC, datetime

from aiohttp import web
from pydantic import TypeAdapter, ValidationError

from focus_cases import (
    accounts_import,
    audit,
    auth,
    cases,
    conversation_report,
    db,
    erasure,
    metrics,
    rasa_api,
    signing,
    staff,
    verification,
    views,
)
from focus_cases.clock import LONDON
from focus_cases.endpoints import (
    ADMIN,
    ANY_ORIGIN,
    SERVICE,
    STAFF,
    endpoint,
    idempotency_key,
    principal,
    read_body,
    read_query,
    real_now,
    reply,
)
from focus_cases.problems import ProblemError, not_found
from focus_cases.schemas import (
    AccountOut,
    Assignment,
    AuditList,
    AuditQuery,
    CaseCreate,
    CaseCreated,
    CaseDetail,
    CaseList,
    CaseLookup,
    CaseQuery,
    CaseSummary,
    ChatSession,
    ChatSessionRequest,
    ConversationId,
    ConversationReport,
    ConversationReportQuery,
    ErasureOut,
    ErasureRequest,
    EventOut,
    Health,
    HoursOut,
    ImportQuery,
    ImportReport,
    Liveness,
    Login,
    Me,
    Meta,
    NoteCreate,
    PasswordChange,
    PasswordReset,
    Released,
    StaffList,
    StaffOut,
    StatusChange,
    StoryOut,
    StoryQuery,
    Summary,
    Transcript,
    TryMessage,
    TryTurn,
    VerificationAlert,
    VerificationSource,
    VerifyRequest,
    WidgetConfig,
)
from focus_cases.state import NOW, OPENAPI, REQUEST_ID, SESSIONS, SETTINGS
from focus_cases.verification import Source, verify_account


def source(body: VerificationSource) -> Source:
    return Source(conversation_id=body.conversation_id, client_address=body.client_address)


SUBMITTED_AGE = "Submitted-Age"

# --- public --------------------------------------------------------------------------


@endpoint("GET", "/health/live", "Liveness: the process answers", responses={200: Liveness})
async def health_live(_request: web.Request) -> web.Response:
    return reply(Liveness(status="ok"))


async def _readiness(request: web.Request) -> web.Response:
    """200 when the database answers and its schema is at the code's migration head."""
    try:
        found = await db.revisions(request.app[SESSIONS])
    except Exception:
        raise ProblemError(503, "database unavailable", slug="database-unavailable") from None
    expected = db.head_revisions()
    if found != expected:
        detail = (
            f"database schema at {', '.join(sorted(found)) or 'no revision'}, "
            f"expected {', '.join(sorted(expected))}: run migrations"
        )
        raise ProblemError(503, detail, slug="schema-not-at-head")
    return reply(Health(status="ok", database="ok"))


@endpoint(
    "GET",
    "/health/ready",
    "Readiness: the database answers and its schema is migrated to head",
    responses={200: Health, 503: None},
)
async def health_ready(request: web.Request) -> web.Response:
    return await _readiness(request)


@endpoint("GET", "/health", "Readiness (as /health/ready)", responses={200: Health, 503: None})
async def health(request: web.Request) -> web.Response:
    return await _readiness(request)


@endpoint(
    "GET",
    "/metrics",
    "Prometheus metrics (FOCUS_METRICS_TOKEN as a bearer token, or a direct request from "
    "FOCUS_METRICS_ALLOW, default loopback)",
    responses={200: None, 403: None},
)
async def get_metrics(request: web.Request) -> web.Response:
    settings = request.app[SETTINGS]
    if not metrics.may_scrape(request, settings.metrics_allow, settings.metrics_token):
        raise ProblemError(403, "metrics are for the monitoring system only", slug="forbidden")
    state = await metrics.snapshot(request.app[SESSIONS], real_now(request))
    return web.Response(
        body=metrics.exposition(state), headers={"Content-Type": metrics.CONTENT_TYPE}
    )


@endpoint(
    "GET",
    "/api/hours",
    "Whether the team is open now and when it next opens",
    responses={200: HoursOut},
)
async def get_hours(request: web.Request) -> web.Response:
    return reply(views.hours_out(request[NOW]))


@endpoint(
    "GET",
    "/api/meta",
    "The vocabulary of the staff console: case kinds, statuses and their moves, the hours",
    responses={200: Meta},
)
async def get_meta(request: web.Request) -> web.Response:
    return reply(views.meta())


# --- the bot (service token) ---------------------------------------------------------


@endpoint(
    "POST",
    "/api/verify",
    "Verify a customer by account number and postcode",
    roles=SERVICE,
    body=VerifyRequest,
    responses={200: AccountOut, 404: None, 429: None},
)
async def verify(request: web.Request) -> web.Response:
    body = await read_body(request, VerifyRequest)
    now = real_now(request)
    account = await verify_account(
        request.app[SESSIONS], body.account_number, body.postcode, now, source(body)
    )
    return reply(views.account_out(account, now))


@endpoint(
    "POST",
    "/api/cases",
    "Create a case (idempotent by Idempotency-Key; a repeat tariff request within a day "
    "returns the open case with linked: true)",
    roles=SERVICE | STAFF,
    body=CaseCreate,
    idempotency_key=True,
    responses={201: CaseCreated, 200: CaseCreated, 404: None, 429: None},
)
async def create_case(request: web.Request) -> web.Response:
    key = idempotency_key(request)
    now = request[NOW]
    submitted = _submitted_at(request)
    today = (submitted or now).astimezone(LONDON).date()
    data = (await read_body(request, CaseCreate, today=today)).root
    case, outcome = await cases.create_case(
        request.app[SESSIONS],
        data,
        now=now,
        actor=principal(request).name,
        idempotency_key=key,
        team_email=request.app[SETTINGS].mail.team_email,
        submitted=submitted,
    )
    return reply(
        views.case_created(case, linked=outcome == "linked"),
        201 if outcome == "created" else 200,
        Location=f"/api/cases/{case.reference}",
    )


def _submitted_at(request: web.Request) -> datetime | None:
    """The time of a submission the bot's outbox delivers late, from its
    Submitted-Age header (seconds ago); only the bot's service token may send it."""
    age = request.headers.get(SUBMITTED_AGE)
    if age is None:
        return None
    if principal(request).role != "service":
        raise ProblemError(403, f"only the bot's service sends {SUBMITTED_AGE}", slug="forbidden")
    try:
        seconds = float(age)
    except ValueError:
        raise ProblemError(400, f"{SUBMITTED_AGE} must be a number of seconds") from None
    if not math.isfinite(seconds):
        raise ProblemError(400, f"{SUBMITTED_AGE} must be a number of seconds")
    return cases.submitted_at(request[NOW], seconds)


@endpoint(
    "POST",
    "/api/cases/lookup",
    "A verified customer's case summary",
    roles=SERVICE,
    body=CaseLookup,
    responses={200: CaseSummary, 404: None, 429: None},
)
async def lookup_case(request: web.Request) -> web.Response:
    body = await read_body(request, CaseLookup)
    case, last = await cases.lookup_case(
        request.app[SESSIONS], body, real_now(request), source(body)
    )
    return reply(views.case_summary(case, last))


@endpoint(
    "POST",
    "/api/release",
    "Open the queued cases that are due (idempotent)",
    roles=SERVICE | ADMIN,
    responses={200: Released},
)
async def release(request: web.Request) -> web.Response:
    return reply(Released(released=await cases.release_due(request.app[SESSIONS], request[NOW])))


# --- staff ---------------------------------------------------------------------------


@endpoint(
    "POST",
    "/api/auth/login",
    "Staff login: sets the session cookie",
    body=Login,
    responses={200: Me, 401: None, 429: None},
)
async def login(request: web.Request) -> web.Response:
    body = await read_body(request, Login)
    token, user, csrf = await auth.login(
        request.app[SESSIONS], body.username, body.password, real_now(request)
    )
    me = Me(
        username=user.username,
        role=user.role,  # type: ignore[arg-type]
        csrf_token=csrf,
        must_change_password=user.must_change_password,
    )
    response = reply(me)
    response.set_cookie(
        auth.SESSION_COOKIE,
        token,
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="Strict",
        secure=request.app[SETTINGS].secure_cookies,
    )
    return response


@endpoint(
    "POST",
    "/api/auth/logout",
    "End the staff session",
    roles=STAFF,
    before_password_change=True,
    responses={204: None},
)
async def logout(request: web.Request) -> web.Response:
    await auth.logout(
        request.app[SESSIONS],
        request.cookies[auth.SESSION_COOKIE],
        principal(request).name,
        real_now(request),
    )
    response = web.Response(status=204)
    response.del_cookie(auth.SESSION_COOKIE, path="/")
    return response


@endpoint(
    "GET",
    "/api/auth/me",
    "The logged-in staff member and their CSRF token",
    roles=STAFF,
    before_password_change=True,
    responses={200: Me},
)
async def me(request: web.Request) -> web.Response:
    return reply(views.me(principal(request)))


@endpoint(
    "POST",
    "/api/auth/password",
    "Change my password (the only call a one-time password allows, with logout)",
    roles=STAFF,
    body=PasswordChange,
    before_password_change=True,
    responses={200: Me},
)
async def change_password(request: web.Request) -> web.Response:
    body = await read_body(request, PasswordChange)
    caller = principal(request)
    await staff.change_password(
        request.app[SESSIONS],
        caller.name,
        body.current_password,
        body.new_password,
        request.cookies[auth.SESSION_COOKIE],
        real_now(request),
    )
    return reply(views.me(replace(caller, must_change_password=False)))


# --- administrators --------------------------------------------------------------------


@endpoint("GET", "/api/staff", "The staff accounts", roles=ADMIN, responses={200: StaffList})
async def list_staff(request: web.Request) -> web.Response:
    accounts = await staff.list_staff(request.app[SESSIONS])
    return reply(StaffList(staff=[views.staff_out(user) for user in accounts]))


async def _set_disabled(request: web.Request, disabled: bool) -> web.Response:
    user = await staff.set_disabled(
        request.app[SESSIONS],
        principal(request).name,
        request.match_info["username"],
        disabled,
        real_now(request),
    )
    return reply(views.staff_out(user))


@endpoint(
    "POST",
    "/api/staff/{username}/disable",
    "Disable a staff account: its sessions end and it cannot log in",
    roles=ADMIN,
    responses={200: StaffOut, 404: None, 409: None},
)
async def disable_staff(request: web.Request) -> web.Response:
    return await _set_disabled(request, True)


@endpoint(
    "POST",
    "/api/staff/{username}/enable",
    "Let a disabled staff account log in again",
    roles=ADMIN,
    responses={200: StaffOut, 404: None},
)
async def enable_staff(request: web.Request) -> web.Response:
    return await _set_disabled(request, False)


@endpoint(
    "POST",
    "/api/staff/{username}/reset",
    "Reset a staff account's password: a new one-time password, shown once",
    roles=ADMIN,
    responses={200: PasswordReset, 404: None},
)
async def reset_staff_password(request: web.Request) -> web.Response:
    user, password = await staff.reset_password(
        request.app[SESSIONS],
        principal(request).name,
        request.match_info["username"],
        real_now(request),
    )
    return reply(PasswordReset(username=user.username, one_time_password=password))


@endpoint(
    "GET",
    "/api/audit",
    "The audit log, newest first",
    roles=ADMIN,
    query=AuditQuery,
    responses={200: AuditList},
)
async def audit_log(request: web.Request) -> web.Response:
    query = read_query(request, AuditQuery)
    rows, total = await audit.entries(
        request.app[SESSIONS], query.action, query.limit, query.offset
    )
    entries = [views.audit_entry_out(entry) for entry in rows]
    return reply(AuditList(entries=entries, total=total, limit=query.limit, offset=query.offset))


def _assignee(request: web.Request, query: CaseQuery) -> str | None:
    """The queue's "my cases" filter: the caller's name when asked for."""
    return principal(request).name if query.mine else None


@endpoint(
    "GET",
    "/api/cases",
    "The case queue, oldest due first",
    roles=STAFF,
    query=CaseQuery,
    responses={200: CaseList},
)
async def list_cases(request: web.Request) -> web.Response:
    query = read_query(request, CaseQuery)
    rows, total = await cases.list_cases(request.app[SESSIONS], query, _assignee(request, query))
    items = [views.case_list_item(case, request[NOW]) for case in rows]
    return reply(CaseList(cases=items, total=total, limit=query.limit, offset=query.offset))


@endpoint(
    "GET",
    "/api/cases.csv",
    "The case queue as CSV, with the queue's filters (no paging)",
    roles=STAFF,
    query=CaseQuery,
    responses={200: None},
)
async def export_cases(request: web.Request) -> web.StreamResponse:
    query = read_query(request, CaseQuery)
    now = request[NOW]
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="cases-{now:%Y%m%d-%H%M}.csv"',
            "X-Request-Id": request[REQUEST_ID],
        }
    )
    await response.prepare(request)
    buffer = io.StringIO()
    out = csv.writer(buffer)
    out.writerow(views.CSV_COLUMNS)
    async for case in cases.export_cases(request.app[SESSIONS], query, _assignee(request, query)):
        out.writerow(views.case_csv_row(case, now))
        if buffer.tell() > 64 * 1024:
            await response.write(buffer.getvalue().encode())
            buffer.seek(0)
            buffer.truncate()
    await response.write(buffer.getvalue().encode())
    await response.write_eof()
    return response


@endpoint(
    "GET",
    "/api/cases/{reference}",
    "A case in full, with its history",
    roles=STAFF,
    responses={200: CaseDetail, 404: None},
)
async def get_case(request: web.Request) -> web.Response:
    case = await cases.get_case(request.app[SESSIONS], request.match_info["reference"])
    return reply(views.case_detail(case, request[NOW]))


@endpoint(
    "POST",
    "/api/cases/{reference}/status",
    "Change a case's status",
    roles=STAFF,
    body=StatusChange,
    responses={200: CaseDetail, 404: None, 409: None},
)
async def change_status(request: web.Request) -> web.Response:
    body = await read_body(request, StatusChange)
    case = await cases.change_status(
        request.app[SESSIONS],
        request.match_info["reference"],
        body.status,
        body.note,
        principal(request).name,
        request[NOW],
    )
    await audit.record(
        request.app[SESSIONS],
        audit.Action.STATUS_CHANGED,
        principal(request).name,
        real_now(request),
        target=case.reference,
        detail=f"to {body.status}",
    )
    return reply(views.case_detail(case, request[NOW]))


@endpoint(
    "POST",
    "/api/cases/{reference}/notes",
    "Add a note to a case",
    roles=STAFF,
    body=NoteCreate,
    responses={201: EventOut, 404: None},
)
async def add_note(request: web.Request) -> web.Response:
    body = await read_body(request, NoteCreate)
    event = await cases.add_note(
        request.app[SESSIONS],
        request.match_info["reference"],
        body.text,
        principal(request).name,
        request[NOW],
    )
    return reply(views.event_out(event), 201)


@endpoint(
    "POST",
    "/api/cases/{reference}/tariff-email",
    "E-mail the account's services, tariffs and prices to its address (a tariff case)",
    roles=STAFF,
    responses={200: CaseDetail, 404: None, 409: None},
)
async def send_tariff_details(request: web.Request) -> web.Response:
    case = await cases.send_tariff_details(
        request.app[SESSIONS],
        request.match_info["reference"],
        principal(request).name,
        request[NOW],
    )
    return reply(views.case_detail(case, request[NOW]))


@endpoint(
    "PUT",
    "/api/cases/{reference}/assignee",
    "Assign a case (agents: to themselves, or null to let go of their own; admins: anyone)",
    roles=STAFF,
    body=Assignment,
    responses={200: CaseDetail, 403: None, 404: None, 409: None, 422: None},
)
async def assign_case(request: web.Request) -> web.Response:
    body = await read_body(request, Assignment)
    case = await cases.assign(
        request.app[SESSIONS],
        request.match_info["reference"],
        body.username,
        principal(request),
        request[NOW],
    )
    return reply(views.case_detail(case, request[NOW]))


@endpoint(
    "GET",
    "/api/reports/summary",
    "Counts by kind, by hour of day, out-of-hours share",
    roles=STAFF,
    responses={200: Summary},
)
async def report_summary(request: web.Request) -> web.Response:
    return reply(await cases.summary(request.app[SESSIONS]))


@endpoint(
    "GET",
    "/api/reports/conversations",
    "The bot with customers over a period (from, to: UK dates): fallback rate, forms "
    "started, completed and abandoned, the messages it did not understand",
    roles=STAFF,
    query=ConversationReportQuery,
    responses={200: ConversationReport, 503: None},
)
async def report_conversations(request: web.Request) -> web.Response:
    query = read_query(request, ConversationReportQuery)
    today = request[NOW].astimezone(LONDON).date()
    first, last = conversation_report.period(query.start, query.end, today)
    return reply(await conversation_report.report(request.app, first, last))


@endpoint(
    "GET",
    "/api/reports/verification",
    "Failed verifications in the last hour, and whether they are above the alert threshold",
    roles=STAFF,
    responses={200: VerificationAlert},
)
async def report_verification(request: web.Request) -> web.Response:
    failures = await verification.failures_since(
        request.app[SESSIONS], real_now(request) - verification.ALERT_WINDOW
    )
    threshold = verification.ALERT_THRESHOLD
    return reply(
        VerificationAlert(
            failures_last_hour=failures, threshold=threshold, alert=failures > threshold
        )
    )


# --- admin ---------------------------------------------------------------------------

MAX_IMPORT_BYTES = 64 * 1024 * 1024


async def _csv_text(request: web.Request) -> str:
    """The body as text: CSV in UTF-8 (a spreadsheet's byte-order mark allowed), read
    from the stream because it is larger than the API's usual body limit."""
    if request.content_type != "text/csv":
        raise ProblemError(415, "send the file as text/csv", slug="unsupported-media-type")
    data = await request.content.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise ProblemError(
            413, f"the file is over {MAX_IMPORT_BYTES // 2**20} MiB", slug="too-large"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ProblemError(
            422, f"the file is not UTF-8 (byte {error.start})", slug="not-utf-8"
        ) from None


@endpoint(
    "POST",
    "/api/admin/accounts/import",
    "Upsert accounts and their services from a CSV file (text/csv); any bad row rejects it",
    roles=ADMIN,
    query=ImportQuery,
    responses={200: ImportReport, 413: None, 415: None, 422: None},
)
async def import_accounts(request: web.Request) -> web.Response:
    query = read_query(request, ImportQuery)
    text = await _csv_text(request)
    parsed = await asyncio.to_thread(accounts_import.parse, io.StringIO(text, newline=""))
    report = await accounts_import.import_accounts(
        request.app[SESSIONS], parsed, dry_run=query.dry_run
    )
    if report.rejected:
        raise ProblemError(
            422,
            f"{len(report.rejected)} rows rejected; nothing was imported",
            slug="import-rejected",
            errors=[r.model_dump() for r in report.rejected],
        )
    return reply(report)


@endpoint(
    "POST",
    "/api/admin/erasures",
    "UK GDPR erasure of an account's or a case's data: cases anonymised, conversations "
    "and waiting submissions deleted, recorded in the audit log",
    roles=ADMIN,
    body=ErasureRequest,
    responses={200: ErasureOut, 404: None, 422: None},
)
async def erase(request: web.Request) -> web.Response:
    body = await read_body(request, ErasureRequest)
    result = await erasure.erase(
        request.app[SESSIONS],
        request.app[SETTINGS].stores,
        principal(request).name,
        real_now(request),
        account=body.account_number,
        reference=body.reference,
        dry_run=body.dry_run,
    )
    return reply(ErasureOut(dry_run=body.dry_run, summary=result.describe(), **asdict(result)))


# --- the bot, for the web pages ------------------------------------------------------


@endpoint(
    "GET",
    "/api/widget-config",
    "Where the chat widget finds the bot, and whether the team is open (any origin)",
    responses={200: WidgetConfig},
)
async def widget_config(request: web.Request) -> web.Response:
    config = views.widget_config(request[NOW], request.app[SETTINGS].rasa_socket_url)
    # The widget may be embedded on the company's own site: a public read, no cookies.
    return reply(config, **ANY_ORIGIN)


@endpoint(
    "POST",
    "/api/chat/session",
    "A signed conversation id for the chat widget: the one sent, renewed while valid, "
    "else a new one (any origin)",
    body=ChatSessionRequest,
    responses={200: ChatSession, 503: None},
    any_origin=True,
)
async def chat_session(request: web.Request) -> web.Response:
    secret = request.app[SETTINGS].session_secret
    if not secret:
        raise ProblemError(
            503, "the service has no FOCUS_SESSION_SECRET to sign chats", slug="chat-unavailable"
        )
    body = await read_body(request, ChatSessionRequest)
    # Real time, never the demo clock (FOCUS_NOW): Rasa checks the expiry by its own.
    session = signing.issue_session(secret, datetime.now(UTC), body.session_id)
    out = ChatSession(
        session_id=session.token,
        conversation_id=session.conversation_id,
        expires_at=session.expires_at,
    )
    return reply(out, **ANY_ORIGIN)


_CONVERSATION_ID = TypeAdapter(ConversationId)


def _conversation_id(request: web.Request) -> str:
    """Rasa sender ids as the channels make them; anything else cannot be one."""
    try:
        return _CONVERSATION_ID.validate_python(request.match_info["conversation_id"])
    except ValidationError:
        raise not_found("no conversation has that id") from None


async def _transcript_read(request: web.Request, conversation_id: str, how: str) -> None:
    await audit.record(
        request.app[SESSIONS],
        audit.Action.TRANSCRIPT_READ,
        principal(request).name,
        real_now(request),
        target=conversation_id,
        detail=how,
    )


@endpoint(
    "GET",
    "/api/conversations/{conversation_id}",
    "A conversation from Rasa's tracker (the transcript behind a case)",
    roles=STAFF,
    responses={200: Transcript, 502: None, 503: None},
)
async def get_conversation(request: web.Request) -> web.Response:
    conversation_id = _conversation_id(request)
    tracker = await rasa_api.tracker(request.app, conversation_id)
    await _transcript_read(request, conversation_id, "transcript")
    return reply(Transcript(conversation_id=conversation_id, events=rasa_api.conversation(tracker)))


@endpoint(
    "GET",
    "/api/conversations/{conversation_id}/story",
    "A conversation as a Rasa test story (YAML for tests/stories/)",
    roles=STAFF,
    query=StoryQuery,
    responses={200: StoryOut, 502: None, 503: None},
)
async def get_story(request: web.Request) -> web.Response:
    conversation_id = _conversation_id(request)
    query = read_query(request, StoryQuery)
    yaml = await rasa_api.story(request.app, conversation_id, query.name)
    await _transcript_read(request, conversation_id, "as a test story")
    slug = re.sub(r"[^a-z0-9]+", "_", (query.name or conversation_id).lower()).strip("_")
    return reply(StoryOut(conversation_id=conversation_id, filename=f"test_{slug}.yml", yaml=yaml))


@endpoint(
    "POST",
    "/api/try",
    "Try the bot: send one message, get the replies and what the bot made of it",
    roles=STAFF,
    body=TryMessage,
    responses={200: TryTurn, 502: None, 503: None},
)
async def try_message(request: web.Request) -> web.Response:
    body = await read_body(request, TryMessage)
    settings = request.app[SETTINGS]
    replies = await rasa_api.send(request.app, body.conversation_id, body.message, body.now)
    tracker = await rasa_api.tracker(request.app, body.conversation_id)
    return reply(
        TryTurn(
            conversation_id=body.conversation_id,
            message=body.message,
            now=body.now,
            clock_override_honoured=settings.allow_clock_override and bool(settings.session_secret),
            replies=replies,
            **rasa_api.latest_turn(tracker),
        )
    )


@endpoint("GET", "/api/openapi.json", "This document")
async def openapi_document(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI])
