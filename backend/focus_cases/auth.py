"""Who is calling: the bot's service token, or a staff member's server-side session."""

import asyncio
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from focus_cases.models import StaffSession, StaffUser
from focus_cases.problems import ProblemError
from focus_cases.verification import LOGIN, check_limit, record_failure

SESSION_COOKIE = "focus_session"
SESSION_LIFETIME = timedelta(hours=12)
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller; ``role`` is "service", "agent" or "admin"."""

    name: str
    role: str
    csrf_token: str | None = None


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, maxmem=2**26, dklen=32)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    _, n, r, p, salt, digest = stored.split("$")
    actual = _scrypt(password, bytes.fromhex(salt), int(n), int(r), int(p))
    return hmac.compare_digest(actual, bytes.fromhex(digest))


# Checked when the username is unknown, so a miss costs the same time as a hit.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def login(
    sessions: async_sessionmaker, username: str, password: str, now: datetime
) -> tuple[str, StaffUser, str]:
    """Start a session: (cookie token, user, CSRF token); 401 on bad credentials."""
    key = username.lower()
    async with sessions.begin() as session:
        await check_limit(session, LOGIN, key, now)
        user = await session.scalar(select(StaffUser).where(StaffUser.username == username))
    stored = user.password_hash if user else _DUMMY_HASH
    ok = await asyncio.to_thread(verify_password, password, stored)
    if user is None or not ok:
        await record_failure(sessions, LOGIN.scope, key, now)
        raise ProblemError(401, "wrong username or password", slug="login-failed")
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    async with sessions.begin() as session:
        await session.execute(delete(StaffSession).where(StaffSession.expires_at <= now))
        session.add(
            StaffSession(
                token_hash=_token_hash(token),
                user_id=user.id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
        )
    return token, user, csrf


async def session_principal(
    sessions: async_sessionmaker, token: str, now: datetime
) -> Principal | None:
    async with sessions() as session:
        row = await session.get(StaffSession, _token_hash(token))
    if row is None or row.expires_at <= now:
        return None
    return Principal(row.user.username, row.user.role, row.csrf_token)


async def logout(sessions: async_sessionmaker, token: str) -> None:
    async with sessions.begin() as session:
        await session.execute(
            delete(StaffSession).where(StaffSession.token_hash == _token_hash(token))
        )


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


async def create_staff(
    sessions: async_sessionmaker, username: str, role: str, now: datetime
) -> str:
    """Create a staff user with a random one-time password, which is returned."""
    password = secrets.token_urlsafe(12)
    async with sessions.begin() as session:
        session.add(
            StaffUser(
                username=username, password_hash=hash_password(password), role=role, created_at=now
            )
        )
    return password
