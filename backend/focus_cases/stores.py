"""The bot's own stores, as the case service reaches them to erase and age out data (and,
read-only, for the console's report):
Rasa's SQL tracker store (its ``events`` table, one row per event, keyed by the
conversation's ``sender_id``) and the action server's outbox (the ``outbox`` table of
bot/actions/outbox.py). Both tables belong to their owners; only the columns used
here are named.

Where they are: FOCUS_TRACKER_URL (any SQLAlchemy URL), else the SQLite file
FOCUS_TRACKER_DB that endpoints.yml gives Rasa; FOCUS_OUTBOX_URL, as the action server
reads it. Without them, the files `make run` uses (bot/var/tracker.db, outbox.db).
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

from focus_cases.db import BACKEND_DIR

BOT_VAR = BACKEND_DIR.parent / "bot" / "var"

EVENTS = sa.table("events", sa.column("sender_id"), sa.column("timestamp"))
"""Rasa's SQLTrackerStore table (rasa/core/tracker_store.py); timestamps in epoch seconds."""
OUTBOX = sa.table("outbox", sa.column("key"), sa.column("body"))
"""Submissions waiting for the case service; ``body`` is the case as JSON."""

_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def tracker_url() -> str:
    """Rasa's tracker store (the one place its setting is read), as a sync URL."""
    url = os.environ.get("FOCUS_TRACKER_URL")
    if url:
        return url
    return f"sqlite:///{os.environ.get('FOCUS_TRACKER_DB') or BOT_VAR / 'tracker.db'}"


def outbox_url() -> str:
    return os.environ.get("FOCUS_OUTBOX_URL") or f"sqlite:///{BOT_VAR / 'outbox.db'}"


@dataclass(frozen=True)
class Stores:
    """Where the bot's stores are; None: not reached (tests of the service alone)."""

    tracker: str | None = None
    outbox: str | None = None

    @classmethod
    def from_env(cls) -> "Stores":
        return cls(tracker=tracker_url(), outbox=outbox_url())


def _with_async_driver(url: URL) -> URL:
    backend = url.get_backend_name()
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"unsupported store database {backend!r} (SQLite or PostgreSQL)")
    return url.set(drivername=_ASYNC_DRIVERS[backend])


def _async(url: str) -> URL | None:
    """The URL with an asyncio driver; None for a SQLite file that does not exist
    (the bot has not written to it yet, so it holds nothing)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and not (
        parsed.database and Path(parsed.database).is_file()
    ):
        return None
    return _with_async_driver(parsed)


def read_only(url: str) -> str:
    """``url`` with an asyncio driver, for readers that must never write to the store (the
    console's report): a SQLite file is opened read-only."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "").resolve()
        return f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true"
    return _with_async_driver(parsed).render_as_string(hide_password=False)


@asynccontextmanager
async def transaction(
    url: str | None, table: sa.TableClause
) -> AsyncIterator[AsyncConnection | None]:
    """One transaction on the store at ``url``; None when the store or its table does
    not exist (or no URL is configured): there is nothing in it to erase."""
    target = _async(url) if url else None
    if target is None:
        yield None
        return
    engine = create_async_engine(target, hide_parameters=True)
    try:
        async with engine.begin() as connection:
            exists = await connection.run_sync(lambda sync: sa.inspect(sync).has_table(table.name))
            yield connection if exists else None
    finally:
        await engine.dispose()
