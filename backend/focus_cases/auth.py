"""Who is calling: the bot's service token, or a staff member's server-side session.

A session ends at logout, SESSION_LIFETIME after login, after the idle timeout without
a request, or when an administrator disables or resets the account. While the
account's password is a one-time one, the session may only change it (the route
table marks the routes it may call).
"""

import asyncio
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from focus_cases import audit
from focus_cases.models import StaffSession, StaffUser
from focus_cases.passwords import hash_password, needs_rehash, verify_password
from focus_cases.problems import ProblemError
from focus_cases.verification import LOGIN, check_limit, record_failure

SESSION_COOKIE = "focus_session"
SESSION_LIFETIME = timedelta(hours=12)
DEFAULT_IDLE_TIMEOUT = timedelta(minutes=30)
TOUCH_EVERY = timedelta(minutes=1)
"""How stale last_seen_at may get before a request writes it again."""


@dataclass(frozen=True)
class Principal:
    """An authenticated caller; ``role`` is "service", "agent" or "admin"."""

    name: str
    role: str
    csrf_token: str | None = None
    must_change_password: bool = False


# Checked when the username is unknown, so a miss costs the same time as a hit.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def end_sessions(session: AsyncSession, user_id: int, keep: str | None = None) -> None:
    """End every session of a user (but the one whose token is ``keep``)."""
    query = delete(StaffSession).where(StaffSession.user_id == user_id)
    if keep is not None:
        query = query.where(StaffSession.token_hash != token_hash(keep))
    await session.execute(query)


async def login(
    sessions: async_sessionmaker, username: str, password: str, now: datetime
) -> tuple[str, StaffUser, str]:
    """Start a session: (cookie token, user, CSRF token); 401 on bad credentials, 403
    for a disabled account. An outdated hash of the right password is replaced."""
    key = username.lower()
    async with sessions.begin() as session:
        await check_limit(session, LOGIN, key, now)
        user = await session.scalar(select(StaffUser).where(StaffUser.username == username))
    stored = user.password_hash if user else _DUMMY_HASH
    ok = await asyncio.to_thread(verify_password, password, stored)
    if user is None or not ok:
        await record_failure(sessions, LOGIN.scope, key, now)
        await audit.record(
            sessions, audit.Action.LOGIN_FAILED, username, now, detail="wrong password"
        )
        raise ProblemError(401, "wrong username or password", slug="login-failed")
    if user.disabled_at is not None:
        await audit.record(
            sessions, audit.Action.LOGIN_FAILED, username, now, detail="account disabled"
        )
        raise ProblemError(
            403, "this account is disabled; ask an administrator", slug="account-disabled"
        )
    rehashed = await asyncio.to_thread(hash_password, password) if needs_rehash(stored) else None
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    async with sessions.begin() as session:
        await session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
        if rehashed:
            await session.execute(
                update(StaffUser).where(StaffUser.id == user.id).values(password_hash=rehashed)
            )
        session.add(
            StaffSession(
                token_hash=token_hash(token),
                user_id=user.id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
                last_seen_at=now,
            )
        )
        audit.add(session, audit.Action.LOGIN_SUCCEEDED, user.username, now)
    return token, user, csrf


async def session_principal(
    sessions: async_sessionmaker,
    token: str,
    now: datetime,
    idle_timeout: timedelta,
    touch: bool = True,
) -> Principal | None:
    """The session's staff member, or None when it has ended. ``touch``: this request
    is the staff member's own (not a background refresh), so it counts as use."""
    async with sessions() as session:
        row = await session.get(StaffSession, token_hash(token))
    if row is None or row.expires_at <= now:
        return None
    if row.last_seen_at + idle_timeout <= now:
        async with sessions.begin() as session:
            await session.execute(
                delete(StaffSession).where(StaffSession.token_hash == row.token_hash)
            )
            audit.add(session, audit.Action.LOGOUT, row.user.username, now, detail="idle timeout")
        return None
    if touch and now - row.last_seen_at >= TOUCH_EVERY:
        async with sessions.begin() as session:
            await session.execute(
                update(StaffSession)
                .where(StaffSession.token_hash == row.token_hash)
                .values(last_seen_at=now)
            )
    user = row.user
    return Principal(user.username, user.role, row.csrf_token, user.must_change_password)


async def logout(sessions: async_sessionmaker, token: str, username: str, now: datetime) -> None:
    async with sessions.begin() as session:
        await session.execute(
            delete(StaffSession).where(StaffSession.token_hash == token_hash(token))
        )
        audit.add(session, audit.Action.LOGOUT, username, now)


def service_principal(presented: str, expected: str) -> Principal | None:
    if hmac.compare_digest(presented.encode(), expected.encode()):
        return Principal("service", "service")
    return None


def load_or_create_token(path: Path) -> str:
    """The dev service token in a git-ignored file, made on first use."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    path.write_text(token + "\n")
    path.chmod(0o600)
    return token
