"""UK GDPR erasure: a customer's cases anonymised, their conversations and waiting
submissions deleted, and the erasure recorded.

What an anonymised case keeps is what the company must: its reference, kind, status,
channel, dates, who worked it, and the dates a cancellation takes effect. The
customer's words, name, phone, the link to the account and the conversation, the
free-text details and the notes of its history go.

Stores, each in one transaction, in this order: Rasa's tracker store and the outbox
first (the case rows say which conversations to delete), then the case database
(cases, their events, failed verifications, the audit entry). An erasure cut short
is finished by running it again: every step is idempotent.
"""

import json
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import ColumnElement, String, cast, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from focus_cases import audit
from focus_cases.models import Account, Case, CaseEvent, FailedAttempt, Mail
from focus_cases.problems import not_found
from focus_cases.stores import EVENTS, OUTBOX, Stores, transaction
from focus_cases.verification import normalise

ERASED = "[erased]"
"""What an anonymised case's customer words become (and how it is known to be one)."""
KEPT_DETAILS = frozenset({"effective_date", "early_termination_warning"})
"""Kind-specific details that are facts the company keeps, not the customer's words."""
KEPT_NOTES = frozenset({"assigned", "unassigned"})
"""Events whose note is a staff member's username, not anything the customer said."""


@dataclass(frozen=True)
class Erasure:
    """How many of each were erased (or, on a dry run, would be)."""

    cases: int = 0
    conversations: int = 0
    outbox_entries: int = 0
    failed_attempts: int = 0

    def describe(self) -> str:
        """The counts in words, for the audit log: no personal data."""
        return counted(self)


def counted(result: object) -> str:
    """A dataclass of counts in words: "1 case, 2 conversations"."""
    parts = []
    for field in fields(result):  # type: ignore[arg-type]
        count, name = getattr(result, field.name), field.name.replace("_", " ")
        if count == 1:
            name = name[:-3] + "y" if name.endswith("ies") else name.removesuffix("s")
        parts.append(f"{count} {name}")
    return ", ".join(parts)


@dataclass(frozen=True)
class _Found:
    cases: list[Case]
    conversations: set[str]
    account_number: str | None
    """Set when erasing an account: its outbox entries and failed verifications go too."""


async def _find(session: AsyncSession, account: str | None, reference: str | None) -> _Found:
    """The cases to erase: the account's (linked, or naming it in their details) or the
    one case; with every case made in the same conversations (a note to staff about a
    refused submission carries the customer's words too)."""
    number = None
    if reference is not None:
        found = list(
            await session.scalars(select(Case).where(Case.reference == reference.strip().upper()))
        )
        if not found:
            raise not_found("no case has that reference")
    else:
        number = normalise(account or "")
        holder = await session.scalar(select(Account).where(Account.account_number == number))
        if holder is None:
            raise not_found("no account has that account number")
        found = list(
            await session.scalars(
                select(Case).where(
                    or_(Case.account_id == holder.id, cast(Case.details, String).contains(number))
                )
            )
        )
    conversations = {c.conversation_id for c in found if c.conversation_id}
    if conversations:
        found += await session.scalars(
            select(Case).where(
                Case.conversation_id.in_(conversations), Case.id.not_in([c.id for c in found])
            )
        )
    return _Found(found, conversations, number)


def _anonymise(case: Case, now: datetime) -> None:
    case.customer_words = ERASED
    case.contact_name = None
    case.contact_phone = None
    case.account_id = None
    case.conversation_id = None
    case.idempotency_key = None
    case.request_fingerprint = None
    case.details = {k: v for k, v in case.details.items() if k in KEPT_DETAILS}
    case.updated_at = now


def _is_theirs(body: str, found: _Found) -> bool:
    """An outbox entry made in one of the conversations, or for the account (an entry
    that cannot be read is matched by the account number in its text)."""
    try:
        case = json.loads(body)
    except ValueError:
        return bool(found.account_number) and found.account_number in body.upper()
    if not isinstance(case, dict):
        return False
    if case.get("conversation_id") in found.conversations:
        return True
    number = case.get("account_number")
    return (
        bool(found.account_number)
        and isinstance(number, str)
        and (normalise(number) == found.account_number)
    )


async def _erase_conversations(stores: Stores, found: _Found, dry_run: bool) -> int:
    async with transaction(stores.tracker, EVENTS) as tracker:
        if tracker is None or not found.conversations:
            return 0
        present = set(
            await tracker.scalars(
                select(EVENTS.c.sender_id)
                .where(EVENTS.c.sender_id.in_(found.conversations))
                .distinct()
            )
        )
        if present and not dry_run:
            await tracker.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(present)))
        return len(present)


async def _erase_outbox(stores: Stores, found: _Found, dry_run: bool) -> int:
    async with transaction(stores.outbox, OUTBOX) as outbox:
        if outbox is None:
            return 0
        rows = await outbox.execute(select(OUTBOX.c.key, OUTBOX.c.body))
        keys = [key for key, body in rows if _is_theirs(body, found)]
        if keys and not dry_run:
            await outbox.execute(delete(OUTBOX).where(OUTBOX.c.key.in_(keys)))
        return len(keys)


def _attempts_of(found: _Found) -> list[ColumnElement[bool]]:
    """Failed verifications keyed by the account (alone or with a source) or by one of
    the conversations (see verification._buckets)."""
    keys = [FailedAttempt.key.in_(found.conversations)]
    if found.account_number:
        keys += [
            FailedAttempt.key == found.account_number,
            FailedAttempt.key.startswith(found.account_number + "|", autoescape=True),
        ]
    return [FailedAttempt.scope != "login", or_(*keys)]


async def anonymise_cases(
    session: AsyncSession, cases: list[Case], actor: str, now: datetime
) -> None:
    """Anonymise ``cases`` and the notes of their history, adding an ``erased`` event;
    their e-mails (sent or waiting: addresses and bodies) are deleted."""
    ids = [case.id for case in cases]
    for case in cases:
        _anonymise(case, now)
    await session.execute(delete(Mail).where(Mail.case_id.in_(ids)))
    await session.execute(
        update(CaseEvent)
        .where(CaseEvent.case_id.in_(ids), CaseEvent.event.not_in(KEPT_NOTES))
        .values(note=None)
    )
    session.add_all(CaseEvent(case_id=i, event="erased", actor=actor, at=now) for i in ids)


async def erase(
    sessions: async_sessionmaker,
    stores: Stores,
    actor: str,
    now: datetime,
    *,
    account: str | None = None,
    reference: str | None = None,
    dry_run: bool = False,
) -> Erasure:
    """Erase everything about one account (``account``) or one case (``reference``).
    404 for an unknown one. On a dry run nothing changes and nothing is recorded."""
    if (account is None) == (reference is None):
        raise ValueError("give an account number or a case reference, not both")
    async with sessions() as session:
        found = await _find(session, account, reference)
    conversations = await _erase_conversations(stores, found, dry_run)
    outbox_entries = await _erase_outbox(stores, found, dry_run)
    async with sessions.begin() as session:
        cases = list(
            await session.scalars(select(Case).where(Case.id.in_([c.id for c in found.cases])))
        )
        attempts = await session.scalar(
            select(func.count()).select_from(FailedAttempt).where(*_attempts_of(found))
        )
        result = Erasure(len(cases), conversations, outbox_entries, attempts or 0)
        if not dry_run:
            await anonymise_cases(session, cases, actor, now)
            await session.execute(delete(FailedAttempt).where(*_attempts_of(found)))
            target = (
                f"account {found.account_number}"
                if account is not None
                else f"case {found.cases[0].reference}"
            )
            detail = result.describe()
            audit.add(session, audit.Action.ERASED, actor, now, target=target, detail=detail)
    return result
