"""Staff accounts: creating them, changing and resetting passwords, disabling.

A new or reset account gets a random one-time password, shown once; its first
session can only change it (see auth). Disabling or resetting an account ends its
sessions at once. Every change is in the audit log.
"""

import asyncio
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from focus_cases import audit
from focus_cases.auth import end_sessions
from focus_cases.models import StaffUser
from focus_cases.passwords import hash_password, verify_password, weaknesses
from focus_cases.problems import ProblemError, not_found


def _one_time_password() -> str:
    return secrets.token_urlsafe(12)


async def create_staff(
    sessions: async_sessionmaker, username: str, role: str, now: datetime
) -> str:
    """Create a staff user with a random one-time password, which is returned."""
    password = _one_time_password()
    async with sessions.begin() as session:
        session.add(
            StaffUser(
                username=username,
                password_hash=hash_password(password),
                role=role,
                created_at=now,
                must_change_password=True,
            )
        )
    return password


async def _user(session: AsyncSession, username: str) -> StaffUser:
    user = await session.scalar(select(StaffUser).where(StaffUser.username == username))
    if user is None:
        raise not_found("no staff account has that username")
    return user


async def change_password(
    sessions: async_sessionmaker,
    username: str,
    current: str,
    new: str,
    session_token: str,
    now: datetime,
) -> StaffUser:
    """Replace the caller's password (422 with the reasons when the new one is weak or
    the current one is wrong); the caller's other sessions end."""
    async with sessions() as session:
        user = await _user(session, username)
    if not await asyncio.to_thread(verify_password, current, user.password_hash):
        raise ProblemError(
            422,
            "the current password is wrong",
            slug="invalid-request",
            errors=[{"loc": "current_password", "msg": "is wrong", "type": "wrong_password"}],
        )
    reasons = weaknesses(new, username)
    if new == current:  # ``current`` is verified: no second hash to compare with
        reasons.append("must differ from your current password")
    if reasons:
        raise ProblemError(
            422,
            "choose another password",
            slug="weak-password",
            errors=[{"loc": "new_password", "msg": m, "type": "weak_password"} for m in reasons],
        )
    new_hash = await asyncio.to_thread(hash_password, new)
    async with sessions.begin() as session:
        user = await _user(session, username)
        user.password_hash = new_hash
        user.must_change_password = False
        await end_sessions(session, user.id, keep=session_token)
        audit.add(session, audit.Action.PASSWORD_CHANGED, username, now, target=username)
    return user


async def list_staff(sessions: async_sessionmaker) -> list[StaffUser]:
    async with sessions() as session:
        return list(await session.scalars(select(StaffUser).order_by(StaffUser.username)))


async def set_disabled(
    sessions: async_sessionmaker, actor: str, username: str, disabled: bool, now: datetime
) -> StaffUser:
    """Disable (ending its sessions) or re-enable an account; no one disables themselves."""
    if disabled and actor == username:
        raise ProblemError(409, "you cannot disable your own account", slug="conflict")
    async with sessions.begin() as session:
        user = await _user(session, username)
        user.disabled_at = now if disabled else None
        if disabled:
            await end_sessions(session, user.id)
        action = audit.Action.ACCOUNT_DISABLED if disabled else audit.Action.ACCOUNT_ENABLED
        audit.add(session, action, actor, now, target=username)
    return user


async def reset_password(
    sessions: async_sessionmaker, actor: str, username: str, now: datetime
) -> tuple[StaffUser, str]:
    """A new one-time password (returned, to be shown once); the account's sessions end."""
    password = _one_time_password()
    new_hash = await asyncio.to_thread(hash_password, password)
    async with sessions.begin() as session:
        user = await _user(session, username)
        user.password_hash = new_hash
        user.must_change_password = True
        await end_sessions(session, user.id)
        audit.add(session, audit.Action.PASSWORD_RESET, actor, now, target=username)
    return user, password
