"""The route table: every API endpoint with its roles, request and response shapes.

The same table drives authorisation (middleware) and the OpenAPI document.
"""

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import text as sql
from yarl import URL

from focus_cases import auth, cases, hours, openapi, rasa_api, views
from focus_cases.clock import LONDON
from focus_cases.problems import ProblemError, not_found
from focus_cases.schemas import (
    AccountOut,
    CaseCreate,
    CaseCreated,
    CaseDetail,
    CaseList,
    CaseLookup,
    CaseQuery,
    CaseSummary,
    ConversationId,
    EventOut,
    Health,
    HoursOut,
    Login,
    Me,
    NoteCreate,
    Released,
    StatusChange,
    StoryOut,
    StoryQuery,
    Summary,
    Transcript,
    TryMessage,
    TryTurn,
    VerifyRequest,
    WidgetConfig,
)
from focus_cases.state import CLOCK, NOW, PRINCIPAL, SESSIONS, SETTINGS
from focus_cases.verification import normalise, record_failure, verify_account

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SERVICE = frozenset({"service"})
STAFF = frozenset({"agent", "admin"})
ADMIN = frozenset({"admin"})


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    handler: Handler
    summary: str
    roles: frozenset[str] = frozenset()
    """Who may call it; empty means public."""
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    responses: dict[int, type[BaseModel] | None] = field(default_factory=dict)
    idempotency_key: bool = False


ENDPOINTS: list[Endpoint] = []
ENDPOINTS_BY_HANDLER: dict[Handler, Endpoint] = {}
OPENAPI = web.AppKey("openapi", dict)


def endpoint(method: str, path: str, summary: str, **spec: object) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        entry = Endpoint(method, path, handler, summary, **spec)  # type: ignore[arg-type]
        ENDPOINTS.append(entry)
        ENDPOINTS_BY_HANDLER[handler] = entry
        return handler

    return register


def _validation_problem(error: ValidationError) -> ProblemError:
    errors = [
        {"loc": ".".join(str(part) for part in e["loc"]), "msg": e["msg"], "type": e["type"]}
        for e in error.errors(include_input=False, include_url=False, include_context=False)
    ]
    if any(e["type"] == "json_invalid" for e in errors):
        return ProblemError(400, "the body is not valid JSON", slug="malformed-json", errors=errors)
    return ProblemError(422, "the request is not valid", slug="invalid-request", errors=errors)


async def read_body[M: BaseModel](request: web.Request, model: type[M], **context: object) -> M:
    """The JSON body validated against ``model`` (strict, no unknown fields)."""
    if request.content_type != "application/json":
        raise ProblemError(415, "send the body as application/json", slug="unsupported-media-type")
    raw = await request.read()
    try:
        return model.model_validate_json(raw, context=context)
    except ValidationError as error:
        raise _validation_problem(error) from None


def read_query[M: BaseModel](request: web.Request, model: type[M]) -> M:
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as error:
        raise _validation_problem(error) from None


def reply(model: BaseModel, status: int = 200, **headers: str) -> web.Response:
    return web.Response(
        status=status,
        text=model.model_dump_json(),
        content_type="application/json",
        headers=headers or None,
    )


def _real_now(request: web.Request) -> datetime:
    """The service clock, ignoring X-Focus-Now: failure limits and sessions use it."""
    return request.app[CLOCK].now()


def _principal(request: web.Request) -> auth.Principal:
    principal = request[PRINCIPAL]
    assert principal is not None, "the middleware admits only authenticated callers here"
    return principal


# --- public --------------------------------------------------------------------------


@endpoint("GET", "/health", "Liveness and database check", responses={200: Health, 503: None})
async def health(request: web.Request) -> web.Response:
    try:
        async with request.app[SESSIONS]() as session:
            await session.execute(sql("SELECT 1"))
    except Exception:
        raise ProblemError(503, "database unavailable", slug="database-unavailable") from None
    return reply(Health(status="ok", database="ok"))


@endpoint(
    "GET",
    "/api/hours",
    "Whether the team is open now and when it next opens",
    responses={200: HoursOut},
)
async def get_hours(request: web.Request) -> web.Response:
    return reply(views.hours_out(request[NOW]))


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
    account = await verify_account(
        request.app[SESSIONS], body.account_number, body.postcode, _real_now(request)
    )
    return reply(views.account_out(account))


@endpoint(
    "POST",
    "/api/cases",
    "Create a case (idempotent by Idempotency-Key)",
    roles=SERVICE | STAFF,
    body=CaseCreate,
    idempotency_key=True,
    responses={201: CaseCreated, 200: CaseCreated, 404: None, 429: None},
)
async def create_case(request: web.Request) -> web.Response:
    principal = _principal(request)
    now = request[NOW]
    key = request.headers.get("Idempotency-Key")
    if principal.role == "service" and not key:
        raise ProblemError(400, "the Idempotency-Key header is required", slug="idempotency-key")
    if key is not None and not 1 <= len(key) <= 200:
        raise ProblemError(
            400, "Idempotency-Key must be 1 to 200 characters", slug="idempotency-key"
        )
    data = (await read_body(request, CaseCreate, today=now.astimezone(LONDON).date())).root
    sessions = request.app[SESSIONS]
    if key and (existing := await cases.find_replay(sessions, key, data)):
        return reply(views.case_created(existing), 200)
    account_id = None
    if data.account_number is not None and data.postcode is not None:
        account = await verify_account(
            sessions, data.account_number, data.postcode, _real_now(request)
        )
        account_id = account.id
    case, created = await cases.create_case(
        sessions, data, account_id=account_id, now=now, actor=principal.name, idempotency_key=key
    )
    return reply(
        views.case_created(case), 201 if created else 200, Location=f"/api/cases/{case.reference}"
    )


LOOKUP_NO_MATCH = "no case matches that reference, account number and postcode"


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
    sessions, real_now = request.app[SESSIONS], _real_now(request)
    try:
        account = await verify_account(sessions, body.account_number, body.postcode, real_now)
    except ProblemError as error:
        if error.status == 404:
            raise not_found(LOOKUP_NO_MATCH) from None
        raise
    async with sessions() as session:
        case = await session.scalar(cases.by_reference(body.reference))
        last = await cases.last_event(session, case.id) if case else None
    if case is None or last is None or case.account_id != account.id:
        await record_failure(sessions, "verify", normalise(body.account_number), real_now)
        raise not_found(LOOKUP_NO_MATCH)
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
        request.app[SESSIONS], body.username, body.password, _real_now(request)
    )
    response = reply(Me(username=user.username, role=user.role, csrf_token=csrf))
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


@endpoint("POST", "/api/auth/logout", "End the staff session", roles=STAFF, responses={204: None})
async def logout(request: web.Request) -> web.Response:
    await auth.logout(request.app[SESSIONS], request.cookies[auth.SESSION_COOKIE])
    response = web.Response(status=204)
    response.del_cookie(auth.SESSION_COOKIE, path="/")
    return response


@endpoint(
    "GET",
    "/api/auth/me",
    "The logged-in staff member and their CSRF token",
    roles=STAFF,
    responses={200: Me},
)
async def me(request: web.Request) -> web.Response:
    principal = _principal(request)
    return reply(
        Me(username=principal.name, role=principal.role, csrf_token=principal.csrf_token or "")
    )


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
    async with request.app[SESSIONS]() as session:
        rows, total = await cases.list_cases(session, query)
    items = [views.case_list_item(case, request[NOW]) for case in rows]
    return reply(CaseList(cases=items, total=total, limit=query.limit, offset=query.offset))


@endpoint(
    "GET",
    "/api/cases/{reference}",
    "A case in full, with its history",
    roles=STAFF,
    responses={200: CaseDetail, 404: None},
)
async def get_case(request: web.Request) -> web.Response:
    async with request.app[SESSIONS]() as session:
        case = await cases.get_case(session, request.match_info["reference"], with_events=True)
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
    reference = request.match_info["reference"]
    await cases.change_status(
        request.app[SESSIONS],
        reference,
        body.status,
        body.note,
        _principal(request).name,
        request[NOW],
    )
    return await get_case(request)


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
        _principal(request).name,
        request[NOW],
    )
    return reply(views.event_out(event), 201)


@endpoint(
    "GET",
    "/api/reports/summary",
    "Counts by kind, by hour of day, out-of-hours share",
    roles=STAFF,
    responses={200: Summary},
)
async def report_summary(request: web.Request) -> web.Response:
    async with request.app[SESSIONS]() as session:
        return reply(await cases.summary(session))


# --- the bot, for the web pages ------------------------------------------------------


@endpoint(
    "GET",
    "/api/widget-config",
    "Where the chat widget finds the bot, and whether the team is open (any origin)",
    responses={200: WidgetConfig},
)
async def widget_config(request: web.Request) -> web.Response:
    now = hours.hours_at(request[NOW])
    config = WidgetConfig(
        socket_url=request.app[rasa_api.RASA].public_url,
        open_now=now.open_now,
        next_open_text=hours.describe(now.next_open),
        hours_summary=hours.SUMMARY,
    )
    # The widget may be embedded on the company's own site: a public read, no cookies.
    return reply(config, **{"Access-Control-Allow-Origin": "*"})


_CONVERSATION_ID = TypeAdapter(ConversationId)


def _conversation_id(request: web.Request) -> str:
    """Rasa sender ids as the channels make them; anything else cannot be one."""
    try:
        return _CONVERSATION_ID.validate_python(request.match_info["conversation_id"])
    except ValidationError:
        raise not_found("no conversation has that id") from None


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
    replies = await rasa_api.send(request.app, body.conversation_id, body.message, body.now)
    tracker = await rasa_api.tracker(request.app, body.conversation_id)
    return reply(
        TryTurn(
            conversation_id=body.conversation_id,
            message=body.message,
            now=body.now,
            clock_override_honoured=request.app[SETTINGS].allow_clock_override,
            replies=replies,
            **rasa_api.latest_turn(tracker),
        )
    )


@endpoint("GET", "/api/openapi.json", "This document")
async def openapi_document(request: web.Request) -> web.Response:
    return web.json_response(request.app[OPENAPI])


# --- web pages -----------------------------------------------------------------------

_PLACEHOLDER = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Focus Group</title>"
    "<h1>Focus Group case service</h1><p>The web pages are not installed yet. "
    "The API is described at <a href=/api/openapi.json>/api/openapi.json</a>.</p></html>"
)


def _page_headers(app: web.Application, relative: str) -> dict[str, str]:
    """A strict Content-Security-Policy: scripts and styles from files only, so even
    a slip in escaping could not run injected script. The customer page may also
    talk to Rasa's socket.io; the staff console cannot be framed."""
    common = "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'"
    headers = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
    if relative.startswith("staff/"):
        policy = f"{common}; form-action 'self'; frame-ancestors 'none'"
        return {**headers, "Content-Security-Policy": policy, "X-Frame-Options": "DENY"}
    rasa = URL(app[rasa_api.RASA].public_url)
    socket = rasa.with_scheme("wss" if rasa.scheme == "https" else "ws")
    policy = f"{common}; connect-src 'self' {rasa.origin()} {socket.origin()}"
    return {**headers, "Content-Security-Policy": policy}


def _page(relative: str) -> Handler:
    async def serve(request: web.Request) -> web.StreamResponse:
        page = request.app[SETTINGS].web_dir / relative
        if page.is_file():
            return web.FileResponse(page, headers=_page_headers(request.app, relative))
        return web.Response(text=_PLACEHOLDER, content_type="text/html")

    return serve


async def _to_staff(request: web.Request) -> web.StreamResponse:
    raise web.HTTPPermanentRedirect("/staff/")


def setup_routes(app: web.Application) -> None:
    rasa_api.setup(app)
    app[OPENAPI] = openapi.document(ENDPOINTS)
    for entry in ENDPOINTS:
        app.router.add_route(entry.method, entry.path, entry.handler)
    app.router.add_get("/", _page("index.html"))
    app.router.add_get("/staff", _to_staff)
    app.router.add_get("/staff/", _page("staff/index.html"))
    web_dir = app[SETTINGS].web_dir
    if web_dir.is_dir():
        app.router.add_static("/static/", web_dir)
