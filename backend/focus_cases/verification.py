"""Customer verification (account number + postcode) and the limits on guessing.

Failures are rows in the database, so the limits hold across restarts and instances.
Unknown account and wrong postcode give the same answer. Each attempt is counted in
several buckets, each with its own limit:
- the conversation (3 failed pairs an hour): the form stops and offers the phone;
- the client address (10 an hour): one browser cannot walk through account numbers;
- the account from this source (5 in 15 minutes; the source is the client address,
  else the conversation): a stranger's failures never lock out the customer's own
  chat, which is another source;
- the account from every source (50 an hour): refused only for a source that has
  itself failed on the account, so the real customer's first try always counts.

Atomic without locks on SQLite and PostgreSQL: an attempt first commits its rows,
then counts. Any two concurrent attempts both commit before counting, so the later
count sees the other's rows; no more attempts than a limit allows get through. The
rows are deleted when the pair matches or the attempt is refused.
"""

import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from focus_cases.metrics import VERIFICATION_FAILURES
from focus_cases.models import Account, FailedAttempt
from focus_cases.problems import ProblemError, not_found

log = logging.getLogger("focus_cases.verification")

NO_MATCH = "no account matches that account number and postcode"
# Failed pairs in the last hour, from any source, above which staff see an alert.
ALERT_THRESHOLD = 30
ALERT_WINDOW = timedelta(hours=1)
# Rows older than this count for no limit and are pruned.
KEEP = timedelta(hours=1)


@dataclass(frozen=True)
class Limit:
    scope: str
    max_failures: int
    window: timedelta
    detail: str


CONVERSATION = Limit(
    "conversation",
    3,
    timedelta(hours=1),
    "too many failed attempts in this conversation; please call us instead",
)
ADDRESS = Limit(
    "address",
    10,
    timedelta(hours=1),
    "too many failed attempts from this address; please try again in an hour",
)
ACCOUNT_SOURCE = Limit(
    "account_source",
    5,
    timedelta(minutes=15),
    "too many failed attempts; please try again in 15 minutes",
)
ACCOUNT = Limit(
    "account",
    50,
    timedelta(hours=1),
    "too many failed attempts on this account; please call us instead",
)
LOGIN = Limit(
    "login", 5, timedelta(minutes=15), "too many failed attempts; please try again in 15 minutes"
)


@dataclass(frozen=True)
class Source:
    """Where a verification comes from, as the bot reports it."""

    conversation_id: str | None = None
    client_address: str | None = None

    @property
    def name(self) -> str:
        return self.client_address or self.conversation_id or "service"


def normalise(value: str) -> str:
    """Account numbers and postcodes compare without case or spaces."""
    return re.sub(r"\s+", "", value).upper()


def _key(*parts: str) -> str:
    """A bucket's key; long ones hashed to fit the column."""
    key = "|".join(parts)
    return key if len(key) <= 64 else hashlib.sha256(key.encode()).hexdigest()


def _buckets(account_number: str, source: Source) -> list[tuple[Limit, str]]:
    account = normalise(account_number)
    buckets = [(ACCOUNT, _key(account)), (ACCOUNT_SOURCE, _key(account, source.name))]
    if source.conversation_id:
        buckets.append((CONVERSATION, _key(source.conversation_id)))
    if source.client_address:
        buckets.append((ADDRESS, _key(source.client_address)))
    return buckets


def too_many(limit: Limit) -> ProblemError:
    return ProblemError(
        429,
        limit.detail,
        slug="too-many-attempts",
        headers={"Retry-After": str(int(limit.window.total_seconds()))},
    )


async def _count(session: AsyncSession, limit: Limit, key: str, now: datetime) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(FailedAttempt)
            .where(
                FailedAttempt.scope == limit.scope,
                FailedAttempt.key == key,
                FailedAttempt.at > now - limit.window,
            )
        )
        or 0
    )


async def check_limit(session: AsyncSession, limit: Limit, key: str, now: datetime) -> None:
    """Refuse with 429 once ``key`` has had ``limit.max_failures`` recent failures."""
    if await _count(session, limit, key, now) >= limit.max_failures:
        raise too_many(limit)


async def record_failure(sessions: async_sessionmaker, scope: str, key: str, now: datetime) -> None:
    async with sessions.begin() as session:
        session.add(FailedAttempt(scope=scope, key=key[:64], at=now))


async def _refuse_if_over(
    session: AsyncSession, buckets: list[tuple[Limit, str]], now: datetime
) -> None:
    """The counts include this attempt's own rows, hence ``>``."""
    counts = {limit: await _count(session, limit, key, now) for limit, key in buckets}
    for limit, count in counts.items():
        if limit is not ACCOUNT and count > limit.max_failures:
            raise too_many(limit)
    # Across sources only for a source that has failed on this account before.
    if counts[ACCOUNT] > ACCOUNT.max_failures and counts[ACCOUNT_SOURCE] > 1:
        raise too_many(ACCOUNT)


async def verify_account(
    sessions: async_sessionmaker,
    account_number: str,
    postcode: str,
    now: datetime,
    source: Source = Source(),
) -> Account:
    """The account when the pair matches; else 404 (counted) or 429 (over a limit)."""
    buckets = _buckets(account_number, source)
    async with sessions.begin() as session:
        rows = [FailedAttempt(scope=limit.scope, key=key, at=now) for limit, key in buckets]
        session.add_all(rows)
    ids = [row.id for row in rows]
    try:
        async with sessions() as session:
            await _refuse_if_over(session, buckets, now)
            account = await session.scalar(
                select(Account).where(Account.account_number == normalise(account_number)[:64])
            )
    except ProblemError:
        await _forget(sessions, ids)
        failed("over_limit")
        raise
    if _matches(account, postcode):
        await _forget(sessions, ids)
        return account
    failed("no_match")
    raise not_found(NO_MATCH)


def failed(reason: str) -> None:
    """Count and log a refused pair by its reason only (the pair is personal data)."""
    VERIFICATION_FAILURES.labels(reason).inc()
    log.info("verification failed", extra={"fields": {"reason": reason}})


async def matching_account(
    sessions: async_sessionmaker, account_number: str, postcode: str
) -> Account:
    """The account when the pair matches, else 404, with no limit: for callers that
    cannot be guessing (the bot submitting a case it verified in the conversation, or
    staff). Counting them would refuse a burst of correct submissions."""
    async with sessions() as session:
        account = await session.scalar(
            select(Account).where(Account.account_number == normalise(account_number)[:64])
        )
    if _matches(account, postcode):
        return account
    raise not_found(NO_MATCH)


def _matches(account: Account | None, postcode: str) -> bool:
    return account is not None and normalise(account.postcode) == normalise(postcode)


async def record_failed_pair(
    sessions: async_sessionmaker, account_number: str, now: datetime, source: Source = Source()
) -> None:
    """A failure found after the pair matched (a case lookup for another account)."""
    failed("no_match")
    async with sessions.begin() as session:
        session.add_all(
            FailedAttempt(scope=limit.scope, key=key, at=now)
            for limit, key in _buckets(account_number, source)
        )


async def _forget(sessions: async_sessionmaker, ids: list[int]) -> None:
    async with sessions.begin() as session:
        await session.execute(delete(FailedAttempt).where(FailedAttempt.id.in_(ids)))


async def failures_since(sessions: async_sessionmaker, since: datetime) -> int:
    """Failed pairs (one ``account`` row each) from every source since ``since``."""
    async with sessions() as session:
        return (
            await session.scalar(
                select(func.count())
                .select_from(FailedAttempt)
                .where(FailedAttempt.scope == ACCOUNT.scope, FailedAttempt.at > since)
            )
            or 0
        )


async def prune(sessions: async_sessionmaker, now: datetime) -> int:
    """Delete the rows no limit counts any more; how many were deleted."""
    async with sessions.begin() as session:
        result = await session.execute(delete(FailedAttempt).where(FailedAttempt.at <= now - KEEP))
    return result.rowcount
