"""Where the case service finds the bot's stores: one setting for Rasa's tracker store,
read-only for the console's report, writable for erasure."""

import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import create_async_engine

from focus_cases.state import Settings
from focus_cases.stores import read_only


async def test_the_report_reads_a_sqlite_tracker_but_cannot_write_to_it(tmp_path: Path) -> None:
    path = tmp_path / "tracker.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE events (sender_id TEXT)")
        db.execute("INSERT INTO events VALUES ('c1')")
    engine = create_async_engine(read_only(f"sqlite:///{path}"))
    try:
        async with engine.connect() as connection:
            assert (await connection.execute(sa.text("SELECT sender_id FROM events"))).all() == [
                ("c1",)
            ]
            with pytest.raises(OperationalError, match="readonly"):
                await connection.execute(sa.text("DELETE FROM events"))
    finally:
        await engine.dispose()


def test_a_postgresql_tracker_is_read_with_asyncpg_and_its_password() -> None:
    url = "postgresql://focus:s3cret@10.0.0.5:5432/focus_bot"
    assert read_only(url) == "postgresql+asyncpg://focus:s3cret@10.0.0.5:5432/focus_bot"


def test_another_database_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="SQLite or PostgreSQL"):
        read_only("mysql://focus@db/focus_bot")


def test_one_setting_gives_erasure_and_the_report_the_same_store(monkeypatch) -> None:
    monkeypatch.setenv("FOCUS_TRACKER_URL", "postgresql://focus@127.0.0.1:5999/focus_bot")
    settings = Settings.from_env("token")
    assert settings.stores.tracker == "postgresql://focus@127.0.0.1:5999/focus_bot"
    assert settings.tracker_url == "postgresql+asyncpg://focus@127.0.0.1:5999/focus_bot"
