"""A shared, durable outbox for case submissions the case service could not take.

Pending submissions are rows of one SQL table that every action-server replica sees
(SQLite by default, PostgreSQL when FOCUS_OUTBOX_URL says so). Couriers deliver them:
- a courier claims one entry at a time with a conditional UPDATE of its lease, so two
  replicas never deliver the same entry at once, and a courier that dies mid-way only
  holds it until the lease runs out;
- the submission's idempotency key makes a repeated delivery return the same case,
  so delivery is exactly once;
- each entry is retried on its own, with backoff: a failing entry never blocks the
  others;
- the time a submission was made is kept and sent as its age (Submitted-Age), so a
  cancellation "from today" delivered after midnight is judged by the day it was made;
- an entry the service refuses (or cannot read) is not set aside: it becomes a
  "needs attention" case for staff with the customer's words and the reason.
"""

import asyncio
import dataclasses
import functools
import json
import logging
import os
import random
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.actions.backend import CaseService, NotVerified, Rejected, TooManyAttempts, Unavailable

logger = logging.getLogger(__name__)

LEGACY_DIR = Path(__file__).resolve().parents[1] / "var" / "outbox"
"""Where the outbox kept one JSON file per submission before it was a table."""
LEASE = 60.0
"""Seconds a courier holds a claimed entry: well over one delivery's timeout."""
FIRST_RETRY, LAST_RETRY = 5.0, 600.0
"""Backoff bounds, in seconds: 5, 10, 20 ... up to 10 minutes between tries."""

metadata = sa.MetaData()
entries = sa.Table(
    "outbox",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),  # the idempotency key
    sa.Column("body", sa.Text, nullable=False),  # the case as JSON (as found, if unreadable)
    sa.Column("submitted_at", sa.Float, nullable=False),  # epoch seconds
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_try_at", sa.Float, nullable=False, index=True),
    sa.Column("lease_owner", sa.String(64)),
    sa.Column("lease_until", sa.Float),
    sa.Column("refused", sa.Text),  # why the service refused it: staff must look
    sa.Column("last_error", sa.Text),
)


@dataclass(frozen=True)
class Entry:
    key: str
    body: str
    submitted_at: float
    attempts: int
    refused: str | None


def legacy_folder() -> Path:
    return Path(os.environ.get("FOCUS_OUTBOX_DIR", LEGACY_DIR))


def default_url() -> str:
    """FOCUS_OUTBOX_URL, else a SQLite file beside the old outbox folder."""
    return os.environ.get("FOCUS_OUTBOX_URL", f"sqlite:///{legacy_folder().parent / 'outbox.db'}")


@functools.cache
def _engine(url: str) -> Engine:
    """One engine per database, its table created on first use."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    # hide_parameters: an error's log line never shows a submission (personal data).
    engine = sa.create_engine(url, future=True, pool_pre_ping=True, hide_parameters=True)
    metadata.create_all(engine)
    return engine


def backoff(attempts: int, first: float = FIRST_RETRY) -> float:
    """Seconds before the next try after ``attempts`` failures, with some jitter so
    replicas do not retry in step."""
    return min(LAST_RETRY, first * 2 ** max(attempts - 1, 0)) * random.uniform(0.8, 1.0)


def attention_case(entry: Entry, reason: str) -> dict[str, Any]:
    """A general case telling staff a submission could not be logged, with its words."""
    try:
        case = json.loads(entry.body)
        words = str(case.get("customer_words") or "")
    except (ValueError, AttributeError):
        case, words = {}, ""
    attention: dict[str, Any] = {
        "kind": "general",
        "channel": "chat",
        "customer_words": (words or entry.body or "(no words)")[:10_000],
        "details": {
            "summary": f"NEEDS ATTENTION: the case service refused this submission "
            f"({reason}). The customer was told it would be logged. As sent: "
            f"{entry.body}"[:2000]
        },
    }
    conversation = case.get("conversation_id") if isinstance(case, dict) else None
    if isinstance(conversation, str) and 0 < len(conversation) <= 200:
        attention["conversation_id"] = conversation
    return attention


class Outbox:
    """The outbox table as one courier (or one submitting action) uses it."""

    def __init__(
        self, url: str | None = None, lease: float = LEASE, first_retry: float = FIRST_RETRY
    ) -> None:
        self.engine = _engine(url or default_url())
        self.lease = lease
        self.first_retry = first_retry
        self.owner = uuid.uuid4().hex

    # --- keeping ---------------------------------------------------------------

    async def put(
        self, key: str, case: dict[str, Any] | str, submitted_at: float | None = None
    ) -> None:
        """Keep a submission until it is delivered; the same key is kept once."""
        body = case if isinstance(case, str) else json.dumps(case)
        await asyncio.to_thread(self._insert, key, body, submitted_at or time.time(), None)

    def _insert(self, key: str, body: str, submitted_at: float, refused: str | None) -> None:
        row = {
            "key": key,
            "body": body,
            "submitted_at": submitted_at,
            "attempts": 0,
            "next_try_at": 0.0,
            "refused": refused,
        }
        try:
            with self.engine.begin() as connection:
                connection.execute(entries.insert().values(**row))
        except sa.exc.IntegrityError:
            pass  # already kept: a retry of the same submission

    async def pending(self) -> list[dict[str, Any]]:
        """Every entry still waiting, oldest submission first."""

        def read() -> list[dict[str, Any]]:
            with self.engine.connect() as connection:
                query = entries.select().order_by(entries.c.submitted_at)
                return [dict(row._mapping) for row in connection.execute(query)]

        return await asyncio.to_thread(read)

    def depth(self) -> tuple[int, float | None]:
        """How many entries wait, and when the oldest was submitted (epoch seconds)."""
        query = sa.select(sa.func.count(), sa.func.min(entries.c.submitted_at))
        with self.engine.connect() as connection:
            count, oldest = connection.execute(query).one()
        return count, oldest

    def migrate(self, folder: Path) -> int:
        """Move the files an older outbox left in ``folder`` (and its ``rejected/``)
        into the table, keeping their time; unreadable ones go to staff as they are.
        A file that cannot be opened stays where it is (and is tried at the next start)."""
        moved = 0
        for path in [*folder.glob("*.json"), *folder.glob("rejected/*.json")]:
            try:
                text = path.read_text(errors="replace")
            except OSError as error:
                logger.error("outbox: cannot open %s, left in place: %s", path, error)
                continue
            try:
                record = json.loads(text)
                key, body = str(record["key"]), json.dumps(record["case"])
                refused = record.get("reason")
            except (ValueError, KeyError, TypeError):
                key, body, refused = path.stem, text, "the outbox file could not be read"
            self._insert(key, body, path.stat().st_mtime, refused)
            path.unlink()
            moved += 1
        return moved

    # --- delivering ------------------------------------------------------------

    async def claim(self, due_by: float | None = None) -> Entry | None:
        """The next entry due by ``due_by`` (default now) that nobody holds, leased to
        this courier; None when there is none."""
        return await asyncio.to_thread(self._claim, due_by)

    def _claim(self, due_by: float | None) -> Entry | None:
        now = time.time()
        free = sa.or_(entries.c.lease_until.is_(None), entries.c.lease_until < now)
        with self.engine.connect() as connection:
            candidates = connection.execute(
                entries.select()
                .where(entries.c.next_try_at <= (now if due_by is None else due_by), free)
                .order_by(entries.c.next_try_at)
                .limit(10)
            ).all()
        for row in candidates:
            # Each claim is its own short transaction: the conditional UPDATE is
            # atomic on SQLite and PostgreSQL alike, and only one courier wins it.
            with self.engine.begin() as connection:
                won = connection.execute(
                    entries.update()
                    .where(entries.c.key == row.key, free)
                    .values(lease_owner=self.owner, lease_until=now + self.lease)
                ).rowcount
            if won == 1:
                return Entry(row.key, row.body, row.submitted_at, row.attempts, row.refused)
        return None

    def _update(self, key: str, **values: Any) -> None:
        """Change a claimed entry, only while this courier holds it."""
        mine = entries.c.key == key, entries.c.lease_owner == self.owner
        with self.engine.begin() as connection:
            connection.execute(entries.update().where(*mine).values(**values))

    def _release(self, key: str) -> None:
        """Done with a claimed entry: it became a case."""
        mine = entries.c.key == key, entries.c.lease_owner == self.owner
        with self.engine.begin() as connection:
            connection.execute(entries.delete().where(*mine))

    async def deliver(self, service: CaseService) -> int:
        """Try each entry due now once, each on its own; how many became cases.
        (An entry that fails is due again only after its backoff, so after this round.)"""
        delivered, started = 0, time.time()
        while entry := await self.claim(due_by=started):
            delivered += await self._deliver(service, entry)
        return delivered

    async def _deliver(self, service: CaseService, entry: Entry) -> int:
        case = None
        if not entry.refused:
            try:
                case = json.loads(entry.body)
            except ValueError:
                entry = await self._refuse(entry, "the stored submission could not be read")
        try:
            if entry.refused:
                key = f"attention-{entry.key}"[:200]
                await service.create_case(attention_case(entry, entry.refused), key)
                logger.warning("outbox: %s refused (%s), sent to staff", entry.key, entry.refused)
            else:
                age = max(0.0, time.time() - entry.submitted_at)
                created = await service.create_case(case, entry.key, submitted_age=age)
                logger.info("outbox: delivered %s as %s", entry.key, created.get("reference"))
        except (Rejected, NotVerified) as error:
            if entry.refused:  # even the note to staff was refused: keep it, loudly
                logger.error("outbox: %s cannot reach staff: %s", entry.key, error)
                return await self._retry_later(entry, error)
            return await self._deliver(service, await self._refuse(entry, str(error)))
        except Exception as error:  # noqa: BLE001 (an outage or a bug: retry this one later)
            if not isinstance(error, Unavailable | TooManyAttempts):
                logger.exception("outbox: delivering %s failed", entry.key)
            return await self._retry_later(entry, error)
        await asyncio.to_thread(self._release, entry.key)
        return 0 if entry.refused else 1

    async def _refuse(self, entry: Entry, reason: str) -> Entry:
        """Mark a claimed entry refused: from now on it goes to staff."""
        await asyncio.to_thread(self._update, entry.key, refused=reason)
        return dataclasses.replace(entry, refused=reason)

    async def _retry_later(self, entry: Entry, error: Exception) -> int:
        attempts = entry.attempts + 1
        await asyncio.to_thread(
            self._update,
            entry.key,
            lease_owner=None,
            lease_until=None,
            attempts=attempts,
            next_try_at=time.time() + backoff(attempts, self.first_retry),
            last_error=f"{type(error).__name__}: {error}"[:1000],
        )
        return 0


async def courier(service: CaseService, every: float = 5.0) -> None:
    """Deliver due submissions until cancelled (runs in each action-server replica),
    after moving in what an older outbox left on disk."""
    outbox = None
    while True:
        try:
            if outbox is None:  # the database may be down at start: retried next round
                opened = Outbox()
                if moved := await asyncio.to_thread(opened.migrate, legacy_folder()):
                    logger.info("outbox: moved %d file(s) from %s", moved, legacy_folder())
                outbox = opened
            await outbox.deliver(service)
        except Exception:  # the courier must outlive anything, a database outage included
            logger.exception("outbox: delivery round failed")
        await asyncio.sleep(every)
