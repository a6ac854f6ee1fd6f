"""The team's working hours: the one place the rule lives.

Monday to Friday 09:00-17:30 Europe/London, closed on bank holidays in England
and Wales (substitute days included). Instants are UTC in and out; the rule is
computed in London time so GMT/BST changes need no special handling.
"""

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import holidays

from focus_cases.clock import LONDON

WORKING_WEEKDAYS = range(calendar.MONDAY, calendar.FRIDAY + 1)
OPENS = time(9, 0)
CLOSES = time(17, 30)
WORKING_DAYS = [calendar.day_name[weekday] for weekday in WORKING_WEEKDAYS]
SUMMARY = (
    f"{WORKING_DAYS[0]} to {WORKING_DAYS[-1]}, {OPENS:%H:%M} to {CLOSES:%H:%M} (UK time), "
    "closed on bank holidays"
)

WORKING_DAY = datetime.combine(date.min, CLOSES) - datetime.combine(date.min, OPENS)
"""The working time in one day (8 h 30 min)."""

_BANK_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG")


def is_working_day(day: date) -> bool:
    return day.weekday() in WORKING_WEEKDAYS and day not in _BANK_HOLIDAYS


def _at(day: date, clock_time: time) -> datetime:
    return datetime.combine(day, clock_time, tzinfo=LONDON).astimezone(UTC)


@dataclass(frozen=True)
class Hours:
    """Whether the team is open at an instant, and the edges around it."""

    now: datetime
    open_now: bool
    next_open: datetime
    """The start of the next working period; ``now`` itself when open."""
    closes_at: datetime | None


def hours_at(now: datetime) -> Hours:
    """The hours rule: open now?, when it next opens, when it closes."""
    local = now.astimezone(LONDON)
    day = local.date()
    if is_working_day(day) and OPENS <= local.time() < CLOSES:
        return Hours(now, True, now, _at(day, CLOSES))
    if not (is_working_day(day) and local.time() < OPENS):
        day += timedelta(days=1)
        while not is_working_day(day):
            day += timedelta(days=1)
    return Hours(now, False, _at(day, OPENS), None)


def due_at(created_at: datetime) -> datetime:
    """When a case made at ``created_at`` is due: at once in hours, else next opening."""
    return hours_at(created_at).next_open


def add_working_time(start: datetime, duration: timedelta) -> datetime:
    """The instant ``duration`` of working time after ``start``: 4 h from 16:00 on a
    Friday is 11:30 on Monday (closed hours, weekends and bank holidays do not count)."""
    at, left = hours_at(start).next_open, duration
    while True:
        closes = _at(at.astimezone(LONDON).date(), CLOSES)
        if at + left <= closes:
            return at + left
        left -= closes - at
        at = hours_at(closes).next_open


def describe(instant: datetime) -> str:
    """A time as the bot says it, e.g. "09:00 on Monday 30 November"."""
    local = instant.astimezone(LONDON)
    return f"{local:%H:%M} on {local:%A} {local.day} {local:%B}"
