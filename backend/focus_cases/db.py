"""Engine, sessions and migrations for SQLite (default) or PostgreSQL (by URL)."""

import functools
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

BACKEND_DIR = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """``FOCUS_DATABASE_URL``, or the embedded SQLite file under backend/var/."""
    url = os.environ.get("FOCUS_DATABASE_URL")
    if url:
        return url
    var = BACKEND_DIR / "var"
    var.mkdir(exist_ok=True)
    return f"sqlite+aiosqlite:///{var / 'focus.db'}"


def make_engine(url: str) -> AsyncEngine:
    # hide_parameters: error messages (and so logs) must not carry customers' words.
    if not url.startswith("sqlite"):
        return create_async_engine(
            url, pool_size=10, max_overflow=10, pool_pre_ping=True, hide_parameters=True
        )
    engine = create_async_engine(url, connect_args={"timeout": 30}, hide_parameters=True)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the driver, open transactions (see _on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Take the write lock up front: a deferred transaction that reads and then
        # writes fails with SQLITE_BUSY under concurrency instead of waiting.
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


async def revisions(sessions: async_sessionmaker) -> set[str]:
    """The schema's Alembic revisions (raises if the database cannot be read)."""
    async with sessions() as session:
        return set((await session.scalars(text("SELECT version_num FROM alembic_version"))).all())


@functools.cache
def head_revisions() -> frozenset[str]:
    """The revisions the code expects the schema to be at."""
    script = ScriptDirectory(str(BACKEND_DIR / "migrations"))
    return frozenset(script.get_heads())


def alembic_config(url: str) -> Config:
    config = Config(str(BACKEND_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(BACKEND_DIR / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    """Upgrade the schema (synchronous: Alembic's env.py runs its own event loop)."""
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)
