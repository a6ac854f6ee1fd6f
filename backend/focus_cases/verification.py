"""Customer verification (account number + postcode) and the failure limits.

Failures are rows in the database, so the limit holds across restarts and
instances. Unknown account and wrong postcode give the same answer.
"""

import re
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from focus_cases.models import Account, FailedAttempt
from focus_cases.problems import ProblemError, not_found

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
NO_MATCH = "no account matches that account number and postcode"


def normalise(value: str) -> str:
    """Account numbers and postcodes compare without case or spaces."""
    return re.sub(r"\s+", "", value).upper()


async def check_limit(session: AsyncSession, scope: str, key: str, now: datetime) -> None:
    """Refuse with 429 once ``key`` has had too many recent failures."""
    recent = await session.scalar(
        select(func.count())
        .select_from(FailedAttempt)
        .where(
            FailedAttempt.scope == scope, FailedAttempt.key == key, FailedAttempt.at > now - WINDOW
        )
    )
    if recent and recent >= MAX_FAILURES:
        raise ProblemError(
            429,
            "too many failed attempts; please try again in 15 minutes",
            slug="too-many-attempts",
            headers={"Retry-After": str(int(WINDOW.total_seconds()))},
        )


async def record_failure(sessions: async_sessionmaker, scope: str, key: str, now: datetime) -> None:
    async with sessions.begin() as session:
        session.add(FailedAttempt(scope=scope, key=key[:64], at=now))


async def verify_account(
    sessions: async_sessionmaker, account_number: str, postcode: str, now: datetime
) -> Account:
    """The account when the pair matches; else 404 (counted) or 429 (over the limit)."""
    key = normalise(account_number)[:64]
    async with sessions.begin() as session:
        await check_limit(session, "verify", key, now)
        account = await session.scalar(select(Account).where(Account.account_number == key))
    if account is not None and normalise(account.postcode) == normalise(postcode):
        return account
    await record_failure(sessions, "verify", key, now)
    raise not_found(NO_MATCH)
