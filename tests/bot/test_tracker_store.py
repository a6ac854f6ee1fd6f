"""bot/tracker_store.py writes and reads exactly what Rasa's SQL tracker store does: the
same rows, the same tracker for the latest session, each reading the other's."""

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.tracker_store import PreparedSQLTrackerStore

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet, ask_hours]
slots:
  account: {type: text, mappings: [{type: custom}]}
responses:
  utter_greet: [{text: "Hello"}]
"""
)


def session(start: float, text: str) -> list[Event]:
    """One conversation session, its events a second apart from ``start``."""
    events = [
        ActionExecuted("action_session_start"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered(text, {"name": "greet", "confidence": 0.93}, [{"entity": "x", "value": "1"}]),
        SlotSet("account", "FG123456"),
        ActionExecuted("utter_greet", policy="RulePolicy", confidence=1.0),
        BotUttered("Hello", {"elements": None}, {"utter_action": "utter_greet"}),
        ActionExecuted("action_listen"),
    ]
    for i, event in enumerate(events):
        event.timestamp = start + i
    return events


def stores(folder: Path) -> tuple[SQLTrackerStore, PreparedSQLTrackerStore]:
    """Rasa's store and this project's, each on a database of its own."""
    return (
        SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(folder / "rasa.db")),
        PreparedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(folder / "ours.db")),
    )


async def converse(store: SQLTrackerStore, sender: str) -> list[Event]:
    """Two sessions, saved after every event as Rasa saves turn by turn."""
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    for event in [*session(1000.0, "hi"), *session(5000.0, "hello again")]:
        tracker.update(event)
        await store.save(tracker)
        tracker = await store.retrieve(sender) or tracker
        await store.save(tracker)  # a save with nothing new writes nothing
    return list(tracker.events)


def rows(store: SQLTrackerStore) -> list[tuple]:
    with store.engine.connect() as connection:
        table = sa.text(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
            "FROM events ORDER BY id"
        )
        return list(connection.execute(table))


async def test_the_same_rows_as_rasas_store(tmp_path: Path) -> None:
    rasa, ours = stores(tmp_path)
    await converse(rasa, "customer")
    await converse(ours, "customer")
    assert rows(ours) == rows(rasa)
    assert len(rows(ours)) == 16


async def test_each_reads_the_others_latest_session(tmp_path: Path) -> None:
    rasa, ours = stores(tmp_path)
    await converse(rasa, "customer")
    ours_reading_rasa = PreparedSQLTrackerStore(
        DOMAIN, dialect="sqlite", db=rasa.engine.url.database
    )
    expected = await rasa.retrieve("customer")
    got = await ours_reading_rasa.retrieve("customer")
    assert [e.as_dict() for e in got.events] == [e.as_dict() for e in expected.events]
    # The latest session only, from its SessionStarted on (as Rasa's store reads it).
    assert isinstance(got.events[0], SessionStarted) and got.events[0].timestamp == 5001.0
    assert len(got.events) == 7
    assert got.get_slot("account") == "FG123456"

    await converse(ours, "customer")
    rasa_reading_ours = SQLTrackerStore(DOMAIN, dialect="sqlite", db=ours.engine.url.database)
    assert (await rasa_reading_ours.retrieve("customer")).events == got.events


@pytest.mark.parametrize("sender", ["nobody", ""])
async def test_an_unknown_conversation_is_none(tmp_path: Path, sender: str) -> None:
    _, ours = stores(tmp_path)
    await converse(ours, "customer")
    assert await ours.retrieve(sender) is None


async def test_a_new_conversation_is_written_by_its_first_turn_only(tmp_path: Path) -> None:
    """Rasa's store writes a conversation when it is made, before its turn has any
    events; this one waits for the turn's save, and then writes the same rows."""
    rasa, ours = stores(tmp_path)
    for store in (rasa, ours):
        tracker = await store.get_or_create_tracker("customer")
        assert [type(e) for e in tracker.events] == [ActionExecuted]
        assert tracker.latest_action_name == "action_listen"
    assert len(rows(rasa)) == 1 and rows(ours) == []
    assert await ours.retrieve("customer") is None
    await ours.save(tracker)
    assert [row[:2] for row in rows(ours)] == [("customer", "action")]


async def test_a_sqlite_file_keeps_its_connection_between_turns(tmp_path: Path) -> None:
    _, ours = stores(tmp_path)
    connections = []
    sa.event.listen(ours.engine, "connect", lambda dbapi, _record: connections.append(dbapi))
    await converse(ours, "customer")  # 14 saves and 14 reads
    assert len(connections) == 1


async def test_a_sqlite_file_is_written_ahead_and_still_read_read_only(tmp_path: Path) -> None:
    """Commits go to a write-ahead log (not synced each time); the console's report,
    which opens the file read-only, still reads every row, with the store open or
    closed (its log then folded into the file and deleted)."""
    _, ours = stores(tmp_path)
    await converse(ours, "customer")
    with ours.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    written = len(rows(ours))
    for close in (False, True):
        if close:
            ours.engine.dispose()
        with closing(sqlite3.connect(f"file:{tmp_path / 'ours.db'}?mode=ro", uri=True)) as db:
            assert len(db.execute("SELECT * FROM events").fetchall()) == written > 0
