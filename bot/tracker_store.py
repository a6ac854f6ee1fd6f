"""Rasa's SQL tracker store, doing less work for each turn.

At 20 concurrent conversations the tracker store took a third of Rasa's CPU (py-spy):
SQLAlchemy's ORM rebuilt each query and its cache key on every call, and wrote every
new event as an ORM object through its unit of work. Here the same queries are built
once, new events go in one multi-row INSERT, and the conversation is read as its JSON
column alone. A new conversation is written once, by the turn that began it (Rasa's
store writes it when it is made, then again at the end of the turn). A SQLite file
keeps its connection (SQLAlchemy 1.4 opens and closes one for every session there:
three times a turn), and its commits go to a write-ahead log without waiting for the
disk. The tables and rows are Rasa's own, so Rasa's store, the staff console's report
and this one read each other's conversations (tests/bot/test_tracker_store.py).

    tracker_store:
      type: bot.tracker_store.PreparedSQLTrackerStore
      dialect: sqlite   # or postgresql, with Rasa's SQL store's settings
"""

import itertools
import json
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import QueuePool

MEMORY = (None, "", ":memory:")  # SQLite databases without a file


class PreparedSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore with its per-turn statements built once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite" and self.engine.url.database not in MEMORY:
            url = self.engine.url
            self.engine.dispose()
            # Rasa calls the store from one thread at a time; the pool lends it out.
            self.engine = sa.create_engine(
                url, poolclass=QueuePool, connect_args={"check_same_thread": False}
            )
            sa.event.listen(self.engine, "connect", _write_ahead_log)
            self.sessionmaker = sessionmaker(bind=self.engine)
        events = self.SQLEvent.__table__
        sender = events.c.sender_id == sa.bindparam("sender_id")
        session_start = (
            sa.select(sa.func.max(events.c.timestamp))
            .where(sender, events.c.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        # Rasa's `_event_query`: the events since the latest session start, if any.
        latest_session = sa.and_(
            sender, sa.or_(events.c.timestamp >= session_start, session_start.is_(None))
        )
        self._events = sa.select(events.c.data).where(latest_session).order_by(events.c.id)
        self._stored = sa.select(sa.func.count()).select_from(events).where(latest_session)
        self._insert = events.insert()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The tracker for the latest conversation session, as Rasa's store gives it."""
        with self.session_scope() as session:
            rows = session.execute(self._events, {"sender_id": sender_id}).scalars()
            events = [json.loads(data) for data in rows]
        if not (self.domain and events):
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    async def create_tracker(
        self, sender_id: str, append_action_listen: bool = True
    ) -> DialogueStateTracker:
        """A new conversation's tracker, written by the first save of its turn."""
        tracker = self.init_tracker(sender_id)
        if append_action_listen:
            tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """The events the database does not have yet, in one statement."""
        await self.stream_events(tracker)
        with self.session_scope() as session:
            count = {"sender_id": tracker.sender_id}
            stored = session.execute(self._stored, count).scalar_one()
            new = itertools.islice(tracker.events, stored, None)
            rows = [_row(tracker.sender_id, event) for event in new]
            if rows:
                session.execute(self._insert, rows)
                session.commit()


def _write_ahead_log(connection: Any, _: Any) -> None:
    """A SQLite file in WAL mode, synced at checkpoints: a commit appends to the log
    and does not wait for the disk, while it blocks Rasa's event loop (1.3 ms a commit
    here in SQLite's default rollback journal, 0.04 ms in WAL). A power cut may lose
    the last turns written, never the file; a crashed process loses nothing."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _row(sender_id: str, event: Event) -> dict[str, Any]:
    """The columns Rasa's SQLTrackerStore.save writes for ``event``."""
    data = event.as_dict()
    return {
        "sender_id": sender_id,
        "type_name": event.type_name,
        "timestamp": data.get("timestamp"),
        "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
        "action_name": data.get("name"),
        "data": json.dumps(data),
    }
