"""Every case rule, in one place: create (idempotent, the account verified first, a
repeat request linked to the open case), lookup (only for the verified account), status
changes, notes, assignment, the queue and its search, the due clock, the 09:00 release.

Handlers parse a request, call one function here and reply; none of these rules
runs anywhere else.
"""

import hashlib
import re
import secrets
from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from focus_cases import audit, hours
from focus_cases.auth import Principal
from focus_cases.clock import LONDON
from focus_cases.mail import queue as mail_queue
from focus_cases.models import Account, Case, CaseEvent, StaffUser
from focus_cases.problems import ProblemError, not_found
from focus_cases.schemas import AnyCase, CaseLookup, CaseQuery, Kind, Status, Summary
from focus_cases.verification import (
    Source,
    matching_account,
    normalise,
    record_failed_pair,
    verify_account,
)

# The statuses a case may move to from each status, the likeliest first (the console
# offers them in this order).
TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    "queued": ("open", "closed"),
    "open": ("in_progress", "resolved", "closed"),
    "in_progress": ("resolved", "open"),
    "resolved": ("closed", "open"),
    "closed": (),
}
# Still with the team: in the queue, and can be due.
ACTIVE: tuple[Status, ...] = ("queued", "open", "in_progress")
# How long the team has to act on a case of each kind, in working time (the due clock
# the queue shows: "due in 3 h", "overdue").
RESPONSE_TIMES: dict[Kind, timedelta] = {
    "fault": timedelta(hours=4),
    "cancellation": 2 * hours.WORKING_DAY,
    "tariff": 2 * hours.WORKING_DAY,
    "complaint": 2 * hours.WORKING_DAY,
    "payment_help": 2 * hours.WORKING_DAY,
    "porting_compensation": 2 * hours.WORKING_DAY,
    "callback": 2 * hours.WORKING_DAY,
    "general": 2 * hours.WORKING_DAY,
}
# A second request of these kinds from the same account this soon after the first, while
# that case is still active, is added to it instead of making another case.
LINKED_KINDS: frozenset[Kind] = frozenset({"tariff"})
LINK_WINDOW = timedelta(days=1)
Outcome = Literal["created", "replayed", "linked"]
LOOKUP_NO_MATCH = "no case matches that reference, account number and postcode"
# How long ago a submission may have been made and still count from its own time: the
# bot's outbox delivers late after an outage, but a week-old submission needs a person.
MAX_SUBMISSION_AGE = timedelta(days=7)
_REFERENCE_TRIES = 10


def new_reference() -> str:
    """FG- and 8 random digits: one reference says nothing about the next."""
    return f"FG-{secrets.randbelow(10**8):08d}"


def submitted_at(now: datetime, age_seconds: float) -> datetime:
    """When a late-delivered submission was made: ``age_seconds`` before ``now``.

    The bot sends the age rather than a time, so its clock and ours never need to
    agree; a negative age or one over MAX_SUBMISSION_AGE is refused (422)."""
    if not 0 <= age_seconds <= MAX_SUBMISSION_AGE.total_seconds():
        raise ProblemError(
            422,
            f"a submission's age must be 0 to {MAX_SUBMISSION_AGE.days} days",
            slug="submission-too-old",
        )
    return now - timedelta(seconds=age_seconds)


def fingerprint(data: AnyCase) -> str:
    return hashlib.sha256(data.model_dump_json().encode()).hexdigest()


async def _replay(sessions: async_sessionmaker, key: str, data: AnyCase) -> Case | None:
    """The case an earlier request with this Idempotency-Key made, if any; 422 when
    that request had another body (a key names one submission, never two)."""
    async with sessions() as session:
        case = await session.scalar(select(Case).where(Case.idempotency_key == key))
    if case is not None and case.request_fingerprint != fingerprint(data):
        raise ProblemError(
            422,
            "this Idempotency-Key was already used with a different request body",
            slug="idempotency-key-reused",
        )
    return case


async def _account(sessions: async_sessionmaker, data: AnyCase) -> Account | None:
    """The account the case is for: the pair must match (404 otherwise). Not counted
    toward the verification limits: only the bot and staff create cases, and the bot
    verified the pair in the conversation, where the limits apply."""
    if data.account_number is None or data.postcode is None:
        return None
    return await matching_account(sessions, data.account_number, data.postcode)


def respond_by(case: Case) -> datetime:
    """When the team should have acted on a case: its kind's response time, in working
    time, from when it was made."""
    return hours.add_working_time(case.created_at, RESPONSE_TIMES[case.kind])


async def _link_to_open_case(
    sessions: async_sessionmaker, data: AnyCase, account_id: int, now: datetime, actor: str
) -> Case | None:
    """The account's active case of the same kind made within LINK_WINDOW, with this
    request's words added to its history; None when there is none (or the kind is not
    linked)."""
    if data.kind not in LINKED_KINDS:
        return None
    async with sessions.begin() as session:
        case = await session.scalar(
            select(Case)
            .where(
                Case.account_id == account_id,
                Case.kind == data.kind,
                Case.status.in_(ACTIVE),
                Case.created_at > now - LINK_WINDOW,
            )
            .order_by(Case.created_at.desc())
            .limit(1)
        )
        if case is None:
            return None
        session.add(
            CaseEvent(
                case_id=case.id,
                event="request_linked",
                note=data.customer_words,
                actor=actor,
                at=now,
            )
        )
        case.updated_at = now
    return case


async def create_case(
    sessions: async_sessionmaker,
    data: AnyCase,
    *,
    now: datetime,
    actor: str,
    idempotency_key: str | None,
    team_email: str,
    submitted: datetime | None = None,
) -> tuple[Case, Outcome]:
    """The case and what happened. A repeated Idempotency-Key returns the first case
    (replayed), also when a concurrent request used it first; else the account pair must
    match; a repeat tariff request is linked to the open case; else the case is made at
    ``submitted`` (a late delivery's own time, else ``now``), due as it would have been
    then: open if that is past, else queued. A new case's mail (the customer's
    confirmation, an out-of-hours fault alert to ``team_email``) is queued with it."""
    if idempotency_key and (existing := await _replay(sessions, idempotency_key, data)):
        return existing, "replayed"
    account = await _account(sessions, data)
    account_id = account.id if account else None
    if account_id is not None and (
        linked := await _link_to_open_case(sessions, data, account_id, now, actor)
    ):
        return linked, "linked"
    created_at = submitted or now
    due = hours.due_at(created_at)
    for _ in range(_REFERENCE_TRIES):
        case = Case(
            reference=new_reference(),
            kind=data.kind,
            status="open" if due <= now else "queued",
            channel=data.channel,
            customer_words=data.customer_words,
            account_id=account_id,
            contact_name=data.contact_name,
            contact_phone=data.contact_phone,
            conversation_id=data.conversation_id,
            details=data.details.model_dump(mode="json", exclude_none=True),
            created_at=created_at,
            due_at=due,
            updated_at=now,
            created_by=actor,
            idempotency_key=idempotency_key,
            request_fingerprint=fingerprint(data) if idempotency_key else None,
        )
        try:
            async with sessions.begin() as session:
                session.add(case)
                await session.flush()
                session.add(
                    CaseEvent(
                        case_id=case.id,
                        event="created",
                        to_status=case.status,
                        actor=actor,
                        at=created_at,
                    )
                )
                mail_queue.for_new_case(session, case, account, respond_by(case), team_email, now)
        except IntegrityError:
            # Either a concurrent request with the same key won, or the random
            # reference collided: return the winner, or try a new reference.
            if idempotency_key and (existing := await _replay(sessions, idempotency_key, data)):
                return existing, "replayed"
            continue
        async with sessions() as session:
            return await session.get_one(Case, case.id), "created"
    raise RuntimeError("could not allocate a unique case reference")


def _by_reference(reference: str) -> Select[tuple[Case]]:
    """References compare without case or outer spaces."""
    return select(Case).where(Case.reference == reference.strip().upper())


async def _find(session: AsyncSession, reference: str, *, with_events: bool = False) -> Case:
    query = _by_reference(reference)
    if with_events:
        query = query.options(selectinload(Case.events))
    case = await session.scalar(query)
    if case is None:
        raise not_found("no case has that reference")
    return case


async def get_case(sessions: async_sessionmaker, reference: str) -> Case:
    """A case with its history."""
    async with sessions() as session:
        return await _find(session, reference, with_events=True)


async def _last_event(session: AsyncSession, case_id: int) -> CaseEvent | None:
    return await session.scalar(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id.desc()).limit(1)
    )


async def lookup_case(
    sessions: async_sessionmaker, lookup: CaseLookup, real_now: datetime, source: Source
) -> tuple[Case, CaseEvent]:
    """A case and its latest event, only when the account pair verifies and the case is
    that account's. Every miss is one answer (404) and counts as a failed verification."""
    try:
        account = await verify_account(
            sessions, lookup.account_number, lookup.postcode, real_now, source
        )
    except ProblemError as error:
        if error.status == 404:
            raise not_found(LOOKUP_NO_MATCH) from None
        raise
    async with sessions() as session:
        case = await session.scalar(_by_reference(lookup.reference))
        last = await _last_event(session, case.id) if case else None
    if case is None or last is None or case.account_id != account.id:
        await record_failed_pair(sessions, lookup.account_number, real_now, source)
        raise not_found(LOOKUP_NO_MATCH)
    return case, last


async def change_status(
    sessions: async_sessionmaker,
    reference: str,
    status: Status,
    note: str | None,
    actor: str,
    now: datetime,
) -> Case:
    """Apply one allowed transition, then the case with its history; 409 when the
    transition is not allowed or when someone else changed the case first."""
    async with sessions.begin() as session:
        case = await _find(session, reference)
        if status not in TRANSITIONS[case.status]:
            raise ProblemError(
                409, f"a {case.status} case cannot become {status}", slug="transition-not-allowed"
            )
        await _change_if_unchanged(
            session,
            case,
            Case.status == case.status,
            CaseEvent(
                case_id=case.id,
                event="status_changed",
                from_status=case.status,
                to_status=status,
                note=note,
                actor=actor,
                at=now,
            ),
            status=status,
        )
    return await get_case(sessions, reference)


async def _change_if_unchanged(
    session: AsyncSession,
    case: Case,
    unchanged: ColumnElement[bool],
    event: CaseEvent,
    **values: object,
) -> None:
    """Update the case only while ``unchanged`` still holds (someone else may have
    changed it since it was read: 409), and record the event."""
    changed = await session.execute(
        update(Case)
        .where(Case.id == case.id, unchanged)
        .values(**values, updated_at=event.at)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        raise ProblemError(409, "the case changed meanwhile; reload it", slug="conflict")
    session.add(event)


async def add_note(
    sessions: async_sessionmaker, reference: str, text: str, actor: str, now: datetime
) -> CaseEvent:
    async with sessions.begin() as session:
        case = await _find(session, reference)
        event = CaseEvent(case_id=case.id, event="note_added", note=text, actor=actor, at=now)
        session.add(event)
        case.updated_at = now
    return event


async def send_tariff_details(
    sessions: async_sessionmaker, reference: str, actor: str, now: datetime
) -> Case:
    """Queue the account's services, tariffs and prices to its e-mail address, with an
    event on the case and an audit entry in the same transaction; then the case with
    its history. 409 unless it is a tariff case of an account with an e-mail address."""
    async with sessions.begin() as session:
        case = await _find(session, reference)
        if case.kind != "tariff":
            raise ProblemError(
                409, "tariff details are sent from a tariff case", slug="not-a-tariff-case"
            )
        if case.account is None or not case.account.email:
            raise ProblemError(
                409,
                "the case has no account with an e-mail address: call the customer instead",
                slug="no-email-address",
            )
        recipient = mail_queue.tariff_details(session, case, case.account, now)
        session.add(
            CaseEvent(case_id=case.id, event="tariff_emailed", note=recipient, actor=actor, at=now)
        )
        case.updated_at = now
        audit.add(session, audit.Action.TARIFF_EMAILED, actor, now, target=case.reference)
    return await get_case(sessions, reference)


async def release_due(sessions: async_sessionmaker, now: datetime) -> int:
    """Open every queued case that is due. Idempotent and safe to run in many instances:
    the conditional UPDATE releases each case once, and its event is written with it."""
    async with sessions.begin() as session:
        released = (
            await session.scalars(
                update(Case)
                .where(Case.status == "queued", Case.due_at <= now)
                .values(status="open", updated_at=now)
                .returning(Case.id)
                .execution_options(synchronize_session=False)
            )
        ).all()
        session.add_all(
            CaseEvent(
                case_id=case_id,
                event="status_changed",
                from_status="queued",
                to_status="open",
                actor="system",
                at=now,
            )
            for case_id in released
        )
    return len(released)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _phone_digits(column: ColumnElement[str | None]) -> ColumnElement[str]:
    """A stored phone number without its spaces, dashes, brackets and plus sign."""
    for character in " -()+":
        column = func.replace(column, character, "")
    return column


def _search(text: str) -> ColumnElement[bool]:
    """One search box: a reference or account number exactly, a company by part of its
    name, a phone number (the case's or the account's) by its national digits."""
    text = text.strip()
    matches = [
        Case.reference == text.upper(),
        Account.account_number == normalise(text),
        Account.company_name.icontains(text, autoescape=True),
    ]
    national = _digits(text).removeprefix("44").lstrip("0")
    if len(national) >= 6:
        matches += [
            _phone_digits(Case.contact_phone).contains(national),
            _phone_digits(Account.phone).contains(national),
        ]
    return or_(*matches)


def _queue(query: CaseQuery, assignee: str | None) -> Select[tuple[Case]]:
    """The staff queue's cases matching the filters, oldest due first."""
    statement = select(Case).outerjoin(Account, Case.account_id == Account.id)
    if query.status:
        statement = statement.where(Case.status == query.status)
    if query.kind:
        statement = statement.where(Case.kind == query.kind)
    if assignee:
        statement = statement.where(Case.assigned_to == assignee)
    if query.q:
        statement = statement.where(_search(query.q))
    return statement.order_by(Case.due_at, Case.id)


async def list_cases(
    sessions: async_sessionmaker, query: CaseQuery, assignee: str | None = None
) -> tuple[list[Case], int]:
    """A page of the queue, and how many cases match (``assignee``: only theirs)."""
    statement = _queue(query, assignee)
    async with sessions() as session:
        total = await session.scalar(
            select(func.count()).select_from(statement.order_by(None).subquery())
        )
        rows = await session.scalars(statement.limit(query.limit).offset(query.offset))
        return list(rows), total or 0


async def export_cases(
    sessions: async_sessionmaker, query: CaseQuery, assignee: str | None = None
) -> AsyncIterator[Case]:
    """Every case the queue's filters match (no paging), streamed from the database."""
    async with sessions() as session:
        async for case in await session.stream_scalars(_queue(query, assignee)):
            yield case


async def _staff_exists(session: AsyncSession, username: str) -> bool:
    return (
        await session.scalar(select(StaffUser.id).where(StaffUser.username == username))
    ) is not None


async def assign(
    sessions: async_sessionmaker,
    reference: str,
    assignee: str | None,
    actor: Principal,
    now: datetime,
) -> Case:
    """Give a case to a staff member (None: to no one), then the case with its history.
    Agents take a free case or let go of their own; admins give any case to anyone.
    403 otherwise, 409 when someone else changed the assignee first, 422 for an unknown
    staff member."""
    async with sessions.begin() as session:
        case = await _find(session, reference)
        if actor.role != "admin":
            if assignee not in (None, actor.name):
                raise ProblemError(403, "agents assign cases to themselves only", slug="forbidden")
            if case.assigned_to not in (None, actor.name):
                raise ProblemError(
                    409, f"the case is assigned to {case.assigned_to}", slug="assigned-to-other"
                )
        if assignee is not None and not await _staff_exists(session, assignee):
            raise ProblemError(422, f"no staff member is called {assignee!r}", slug="unknown-staff")
        await _change_if_unchanged(
            session,
            case,
            Case.assigned_to.is_not_distinct_from(case.assigned_to),
            CaseEvent(
                case_id=case.id,
                event="assigned" if assignee else "unassigned",
                note=assignee or case.assigned_to,
                actor=actor.name,
                at=now,
            ),
            assigned_to=assignee,
        )
    return await get_case(sessions, reference)


async def summary(sessions: async_sessionmaker) -> Summary:
    """Counts by kind, by hour of day (UK time), and the share made out of hours."""
    async with sessions() as session:
        rows = (await session.execute(select(Case.kind, Case.created_at, Case.due_at))).all()
    by_kind = Counter(kind for kind, _, _ in rows)
    by_hour = Counter(str(created.astimezone(LONDON).hour) for _, created, _ in rows)
    out_of_hours = sum(1 for _, created, due in rows if due > created)
    return Summary(
        total=len(rows),
        by_kind=dict(by_kind),
        by_hour={str(h): by_hour.get(str(h), 0) for h in range(24)},
        out_of_hours=out_of_hours,
        out_of_hours_share=round(out_of_hours / len(rows), 4) if rows else 0.0,
    )
