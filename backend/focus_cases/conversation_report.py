"""The bot's report from Rasa's tracker store: fallback rate, forms started,
completed and abandoned, and the messages it did not understand.

The store is Rasa's SQL tracker store (its ``events`` table), read directly and
read-only: Rasa's HTTP API reads one conversation at a time and cannot list them.
Where the store is: focus_cases/stores.py (FOCUS_TRACKER_URL, e.g. PostgreSQL in
production, else the SQLite file FOCUS_TRACKER_DB that scripts/stack.py gives Rasa).

A form's life, per conversation in event order: ``active_loop`` with its name starts
it; ``active_loop`` null while it is the active loop ends it, completed unless the
``form_outcome`` slot said ``stopped`` or ``gave_up`` (bot/actions/validation.py); a
new session, a restart or another form starting first, or no end at all, is "left".
The customers' words in the answer are for staff only: nothing here logs them.
"""

import json
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from aiohttp import web
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from focus_cases.clock import LONDON
from focus_cases.problems import ProblemError
from focus_cases.schemas import (
    ConversationReport,
    DayCount,
    FormOutcomes,
    NotUnderstood,
)
from focus_cases.state import SETTINGS

FALLBACK_INTENT = "nlu_fallback"
ENDED_EARLY = ("stopped", "gave_up")
ENDS_A_FORM = ("session_started", "restart")
RASA_LOOPS = "action_"
"""Rasa's own loops (the two-stage fallback): not forms; one interrupts a form, which
goes on if it comes back and is "left" if it does not."""
TOP = 20
DEFAULT_DAYS, MAX_DAYS = 7, 366
STAFF_TRIES = "try-%"
"""The console's "try the bot" conversations (schemas.TryConversationId): not customers."""

TRACKER = web.AppKey("tracker_engine", AsyncEngine)

# Events of conversations with a customer message in the period; only the slot events
# of form_outcome (a LIKE on its JSON, checked again when read).
_EVENTS = text(
    """
    SELECT sender_id, type_name, timestamp, intent_name, data FROM events
    WHERE sender_id IN (
        SELECT DISTINCT sender_id FROM events
        WHERE type_name = 'user' AND timestamp >= :start AND timestamp < :end
          AND sender_id NOT LIKE :staff
    )
    AND (type_name IN ('user', 'active_loop', 'session_started', 'restart')
         OR (type_name = 'slot' AND data LIKE '%form_outcome%'))
    ORDER BY sender_id, id
    """
)


async def _engine(app: web.Application) -> AsyncIterator[None]:
    engine = create_async_engine(app[SETTINGS].tracker_url, hide_parameters=True)
    app[TRACKER] = engine
    yield
    await engine.dispose()


def setup(app: web.Application) -> None:
    """One read-only engine per app for the tracker store."""
    app.cleanup_ctx.append(_engine)


@dataclass
class _Form:
    name: str
    counted: bool
    """Started in the period (only those are reported)."""
    outcome: str | None = None


@dataclass
class _Tally:
    start: float
    end: float
    conversations: set[str] = field(default_factory=set)
    by_day: Counter[date] = field(default_factory=Counter)
    fallback_by_day: Counter[date] = field(default_factory=Counter)
    words: Counter[str] = field(default_factory=Counter)
    forms: dict[str, Counter[str]] = field(default_factory=dict)

    def in_period(self, stamp: float | None) -> bool:
        return stamp is not None and self.start <= stamp < self.end

    def message(self, sender: str, stamp: float, intent: str | None, data: dict) -> None:
        day = datetime.fromtimestamp(stamp, UTC).astimezone(LONDON).date()
        self.conversations.add(sender)
        self.by_day[day] += 1
        if intent == FALLBACK_INTENT:
            self.fallback_by_day[day] += 1
            words = " ".join(str(data.get("text") or "").split()).lower()
            if words and not words.startswith("/"):
                self.words[words[:300]] += 1

    def count(self, form: _Form | None, what: str) -> None:
        """``what`` (started, or how it ended) for a form started in the period."""
        if form is not None and form.counted:
            self.forms.setdefault(form.name, Counter())[what] += 1


def _data(raw: Any) -> dict:
    try:
        data = json.loads(raw) if isinstance(raw, str) else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def tally(rows: Iterable[Any], start: float, end: float) -> _Tally:
    """Count over the rows of ``_EVENTS`` (grouped by conversation, in order)."""
    out = _Tally(start, end)
    sender, form, active = None, None, None
    for row in rows:
        if row.sender_id != sender:
            out.count(form, "left")
            sender, form, active = row.sender_id, None, None
        data = _data(row.data)
        if row.type_name == "user":
            if out.in_period(row.timestamp):
                out.message(row.sender_id, row.timestamp, row.intent_name, data)
        elif row.type_name == "active_loop":
            name = data.get("name")
            if not name:
                if form is not None and active == form.name:
                    out.count(form, form.outcome or "completed")
                    form = None
            elif not name.startswith(RASA_LOOPS) and (form is None or form.name != name):
                out.count(form, "left")
                form = _Form(name, out.in_period(row.timestamp))
                out.count(form, "started")
            active = name
        elif row.type_name == "slot":
            outcome = data.get("value") if data.get("name") == "form_outcome" else None
            if form and outcome in ENDED_EARLY:
                form.outcome = outcome
        elif row.type_name in ENDS_A_FORM:
            out.count(form, "left")
            form, active = None, None
    out.count(form, "left")
    return out


def _outcomes(name: str, counts: Counter[str]) -> FormOutcomes:
    abandoned = counts["stopped"] + counts["gave_up"] + counts["left"]
    return FormOutcomes(
        form=name,
        started=counts["started"],
        completed=counts["completed"],
        stopped=counts["stopped"],
        gave_up=counts["gave_up"],
        left=counts["left"],
        abandoned=abandoned,
    )


def period(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """The days asked for (both included); default: the seven days to ``today``."""
    last = end or max(today, start or today)
    first = start or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise ProblemError(422, "'to' is before 'from'", slug="invalid-request")
    if (last - first).days >= MAX_DAYS:
        raise ProblemError(422, f"the period is over {MAX_DAYS} days", slug="invalid-request")
    return first, last


def _bounds(first: date, last: date) -> tuple[float, float]:
    """UK midnight at the start of ``first`` to UK midnight after ``last``, as epochs."""
    start = datetime.combine(first, time(), LONDON)
    end = datetime.combine(last + timedelta(days=1), time(), LONDON)
    return start.timestamp(), end.timestamp()


async def report(app: web.Application, first: date, last: date) -> ConversationReport:
    start, end = _bounds(first, last)
    params = {"start": start, "end": end, "staff": STAFF_TRIES}
    try:
        async with app[TRACKER].connect() as connection:
            rows = (await connection.execute(_EVENTS, params)).all()
    except SQLAlchemyError:
        raise ProblemError(
            503, "the bot's conversation store cannot be read just now", slug="tracker-unavailable"
        ) from None
    counted = tally(rows, start, end)
    messages = sum(counted.by_day.values())
    not_understood = sum(counted.fallback_by_day.values())
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return ConversationReport(
        start=first,
        end=last,
        conversations=len(counted.conversations),
        messages=messages,
        not_understood=not_understood,
        fallback_rate=round(not_understood / messages, 4) if messages else 0.0,
        by_day=[
            DayCount(day=d, messages=counted.by_day[d], not_understood=counted.fallback_by_day[d])
            for d in days
        ],
        forms=[_outcomes(name, counts) for name, counts in sorted(counted.forms.items())],
        top_not_understood=[
            NotUnderstood(text=words, count=n) for words, n in counted.words.most_common(TOP)
        ],
    )
