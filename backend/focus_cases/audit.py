"""The audit log: logins, logouts, account changes and reads of customers' data.

Entries are only added (the database refuses UPDATE and DELETE on the table) and
never carry a password or what a customer said: the actor, the action, what it was
done to, and a short fact about it.
"""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from focus_cases.models import AuditEntry


class Action(StrEnum):
    LOGIN_SUCCEEDED = "login_succeeded"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (an action's name)
    PASSWORD_RESET = "password_reset"  # noqa: S105
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_ENABLED = "account_enabled"
    TRANSCRIPT_READ = "transcript_read"
    STATUS_CHANGED = "status_changed"
    TARIFF_EMAILED = "tariff_emailed"
    ERASED = "erased"
    PURGED = "purged"


def add(
    session: AsyncSession,
    action: Action,
    actor: str,
    at: datetime,
    target: str | None = None,
    detail: str | None = None,
) -> None:
    """Add an entry to the caller's transaction (so it stands or falls with the change)."""
    session.add(
        AuditEntry(
            action=action,
            actor=actor[:100],
            at=at,
            target=target[:200] if target else None,
            detail=detail[:300] if detail else None,
        )
    )


async def record(
    sessions: async_sessionmaker, action: Action, actor: str, at: datetime, **fact: str
) -> None:
    """Add an entry in a transaction of its own (after a read, or a failure)."""
    async with sessions.begin() as session:
        add(session, action, actor, at, **fact)


async def entries(
    sessions: async_sessionmaker, action: Action | None, limit: int, offset: int
) -> tuple[list[AuditEntry], int]:
    """Newest first, optionally one action only; and how many there are in all."""
    where = [AuditEntry.action == action] if action else []
    async with sessions() as session:
        total = await session.scalar(select(func.count()).select_from(AuditEntry).where(*where))
        rows = await session.scalars(
            select(AuditEntry)
            .where(*where)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(rows), total or 0
