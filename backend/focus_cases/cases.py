"""Case operations: create (idempotent), status changes, notes, the 09:00 release."""

import hashlib
import secrets
from collections import Counter
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload

from focus_cases import hours
from focus_cases.clock import LONDON
from focus_cases.models import Case, CaseEvent
from focus_cases.problems import ProblemError, not_found
from focus_cases.schemas import AnyCase, CaseQuery, Summary

TRANSITIONS: dict[str, frozenset[str]] = {
    "queued": frozenset({"open", "closed"}),
    "open": frozenset({"in_progress", "resolved", "closed"}),
    "in_progress": frozenset({"resolved", "open"}),
    "resolved": frozenset({"closed", "open"}),
    "closed": frozenset(),
}
ACTIVE = ("queued", "open", "in_progress")
_REFERENCE_TRIES = 10


def new_reference() -> str:
    """FG- and 8 random digits: one reference says nothing about the next."""
    return f"FG-{secrets.randbelow(10**8):08d}"


def fingerprint(data: AnyCase) -> str:
    return hashlib.sha256(data.model_dump_json().encode()).hexdigest()


async def _by_key(session: AsyncSession, key: str) -> Case | None:
    return await session.scalar(select(Case).where(Case.idempotency_key == key))


def _replay(case: Case, data: AnyCase) -> Case:
    if case.request_fingerprint != fingerprint(data):
        raise ProblemError(
            422,
            "this Idempotency-Key was already used with a different request body",
            slug="idempotency-key-reused",
        )
    return case


async def find_replay(sessions: async_sessionmaker, key: str, data: AnyCase) -> Case | None:
    """The case an earlier request with this Idempotency-Key made, if any."""
    async with sessions() as session:
        existing = await _by_key(session, key)
    return _replay(existing, data) if existing else None


async def create_case(
    sessions: async_sessionmaker,
    data: AnyCase,
    *,
    account_id: int | None,
    now: datetime,
    actor: str,
    idempotency_key: str | None,
) -> tuple[Case, bool]:
    """(case, created). A key that a concurrent request used first returns that case."""
    due = hours.due_at(now)
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
            created_at=now,
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
                        case_id=case.id, event="created", to_status=case.status, actor=actor, at=now
                    )
                )
        except IntegrityError:
            # Either a concurrent request with the same key won, or the random
            # reference collided: return the winner, or try a new reference.
            if idempotency_key and (existing := await find_replay(sessions, idempotency_key, data)):
                return existing, False
            continue
        async with sessions() as session:
            return await session.get_one(Case, case.id), True
    raise RuntimeError("could not allocate a unique case reference")


def by_reference(reference: str) -> Select[tuple[Case]]:
    return select(Case).where(Case.reference == reference.strip().upper())


async def get_case(session: AsyncSession, reference: str, *, with_events: bool = False) -> Case:
    query = by_reference(reference)
    if with_events:
        query = query.options(selectinload(Case.events))
    case = await session.scalar(query)
    if case is None:
        raise not_found("no case has that reference")
    return case


async def change_status(
    sessions: async_sessionmaker,
    reference: str,
    status: str,
    note: str | None,
    actor: str,
    now: datetime,
) -> None:
    """Apply one allowed transition; 409 when not allowed or when someone else got there first."""
    async with sessions.begin() as session:
        case = await get_case(session, reference)
        if status not in TRANSITIONS[case.status]:
            raise ProblemError(
                409, f"a {case.status} case cannot become {status}", slug="transition-not-allowed"
            )
        changed = await session.execute(
            update(Case)
            .where(Case.id == case.id, Case.status == case.status)
            .values(status=status, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:
            raise ProblemError(409, "the case changed meanwhile; reload it", slug="conflict")
        session.add(
            CaseEvent(
                case_id=case.id,
                event="status_changed",
                from_status=case.status,
                to_status=status,
                note=note,
                actor=actor,
                at=now,
            )
        )


async def add_note(
    sessions: async_sessionmaker, reference: str, text: str, actor: str, now: datetime
) -> CaseEvent:
    async with sessions.begin() as session:
        case = await get_case(session, reference)
        event = CaseEvent(case_id=case.id, event="note_added", note=text, actor=actor, at=now)
        session.add(event)
        case.updated_at = now
    return event


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


async def list_cases(session: AsyncSession, query: CaseQuery) -> tuple[list[Case], int]:
    """Oldest due first, for the staff queue."""
    where = []
    if query.status:
        where.append(Case.status == query.status)
    if query.kind:
        where.append(Case.kind == query.kind)
    total = await session.scalar(select(func.count()).select_from(Case).where(*where))
    rows = await session.scalars(
        select(Case)
        .where(*where)
        .order_by(Case.due_at, Case.id)
        .limit(query.limit)
        .offset(query.offset)
    )
    return list(rows), total or 0


async def last_event(session: AsyncSession, case_id: int) -> CaseEvent | None:
    return await session.scalar(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id.desc()).limit(1)
    )


async def summary(session: AsyncSession) -> Summary:
    """Counts by kind, by hour of day (UK time), and the share made out of hours."""
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
