"""Fixtures: a migrated database (SQLite always, PostgreSQL when FOCUS_TEST_POSTGRES_URL
is set: the same tests run on both), the real app on it, and logged-in callers."""

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import create_engine, text

from focus_cases import demo, staff
from focus_cases.app import create_app
from focus_cases.clock import LONDON, Clock
from focus_cases.db import make_engine, migrate
from focus_cases.models import Base
from focus_cases.state import SESSIONS, Settings

TOKEN = "test-service-token"
STRONG = "correct horse battery staple"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
POSTGRES_URL = os.environ.get("FOCUS_TEST_POSTGRES_URL")
# Wednesday 25 November 2026, 10:00 UK time: the team is open.
OPEN_TIME = datetime(2026, 11, 25, 10, 0, tzinfo=LONDON)


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)  # type: ignore[misc]


class MovableClock(Clock):
    """A frozen clock that a test can set."""

    def __init__(self, now: datetime):
        self.at = now
        super().__init__(source=lambda: self.at)


_postgres_migrated = False


async def _reset_postgres(url: str) -> None:
    """Migrate once per run (from a clean schema), then empty the tables for each test."""
    global _postgres_migrated
    engine = make_engine(url)
    async with engine.begin() as conn:
        if not _postgres_migrated:
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        else:
            tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    await engine.dispose()
    if not _postgres_migrated:
        await asyncio.to_thread(migrate, url)
        _postgres_migrated = True


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        await asyncio.to_thread(migrate, url)
        return url
    if not POSTGRES_URL:
        pytest.skip("FOCUS_TEST_POSTGRES_URL not set")
    await _reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(OPEN_TIME.astimezone(UTC))


MakeClient = Callable[..., Awaitable[TestClient]]


@pytest.fixture
async def make_client(aiohttp_client: Any, database_url: str, clock: MovableClock) -> MakeClient:
    """Start the real app (demo data loaded) on the test database."""

    async def make(**settings: Any) -> TestClient:
        app = create_app(
            Settings(database_url=database_url, service_token=TOKEN, **settings), clock=clock
        )
        client = await aiohttp_client(app)
        await demo.seed(app[SESSIONS])
        return client

    return make


@pytest.fixture
async def client(make_client: MakeClient) -> TestClient:
    return await make_client()


async def new_staff(client: TestClient, role: str = "admin") -> tuple[str, str]:
    """A new staff account: (username, one-time password)."""
    username = f"{role}-{os.urandom(3).hex()}"
    password = await staff.create_staff(client.app[SESSIONS], username, role, datetime.now(UTC))
    return username, password


async def log_in(client: TestClient, username: str, password: str) -> dict[str, Any]:
    response = await client.post(
        "/api/auth/login", json={"username": username, "password": password}
    )
    assert response.status == 200, await response.text()
    return await response.json()


async def staff_login(client: TestClient, role: str = "admin") -> dict[str, str]:
    """A new staff user, logged in, its one-time password changed (to STRONG); the CSRF
    header to send (the cookie is in the jar)."""
    username, password = await new_staff(client, role)
    headers = {"X-CSRF-Token": (await log_in(client, username, password))["csrf_token"]}
    change = {"current_password": password, "new_password": STRONG}
    response = await client.post("/api/auth/password", json=change, headers=headers)
    assert response.status == 200, await response.text()
    return headers


@pytest.fixture
async def admin(client: TestClient) -> dict[str, str]:
    return await staff_login(client, "admin")


def fault_case(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "fault",
        "customer_words": "Our broadband has been down since 8am, nothing works.",
        "account_number": "FG004521",
        "postcode": "BN43 6ZZ",
        "details": {"service": "Data Connectivity", "description": "no sync", "since": "08:00"},
    }
    body.update(overrides)
    return body


async def create(
    client: TestClient, body: dict[str, Any], key: str | None = None
) -> tuple[int, dict[str, Any]]:
    headers = {**BEARER, "Idempotency-Key": key or os.urandom(8).hex()}
    response = await client.post("/api/cases", json=body, headers=headers)
    return response.status, await response.json()


# Rasa 3.6's SQLTrackerStore table (rasa/core/tracker_store.py, SQLEvent).
EVENTS_TABLE = """CREATE TABLE events (
    id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"""


def tracker_store(path: Path, conversations: dict[str, list[dict[str, Any]]], at: float) -> str:
    """A SQLite tracker store holding ``conversations``, a second between events."""
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(text(EVENTS_TABLE))
        stamp = at
        for sender, events in conversations.items():
            for event in events:
                stamp += 1
                parse = event.get("parse_data", {})
                row = {
                    "sender": sender,
                    "type": event["event"],
                    "at": stamp,
                    "intent": parse.get("intent", {}).get("name"),
                    "data": json.dumps({**event, "timestamp": stamp}),
                }
                connection.execute(
                    text(
                        "INSERT INTO events (sender_id, type_name, timestamp, intent_name, data)"
                        " VALUES (:sender, :type, :at, :intent, :data)"
                    ),
                    row,
                )
    engine.dispose()
    return f"sqlite+aiosqlite:///{path}"
