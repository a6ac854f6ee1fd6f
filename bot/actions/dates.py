"""Dates as customers write them: "31 January", "end of next month", "from the 1st".

Only what a cancellation date needs; relative to a given day (the case service's
clock), so "the 1st" on 25 November means 1 December. The words are those the spaCy
rules tag as a date (bot/nlp/date_words.py), so whatever is tagged can be read.
"""

import calendar
import re
from datetime import date, timedelta

from bot.nlp.date_words import (
    DAY_OFFSETS,
    FILLER,
    MONTHS,
    PERIODS,
    RELATIVE,
    WEEKDAYS,
    alternatives,
)

ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(day: date, months: int) -> tuple[int, int]:
    index = day.month - 1 + months
    return day.year + index // 12, index % 12 + 1


def _next_day_of_month(today: date, number: int) -> date | None:
    for months in range(0, 13):
        year, month = _add_months(today, months)
        if number <= calendar.monthrange(year, month)[1] and date(year, month, number) >= today:
            return date(year, month, number)
    return None


def _day_month(today: date, number: int, month: int, year: int | None) -> date | None:
    try:
        if year is not None:
            return date(year if year > 100 else 2000 + year, month, number)
        candidate = date(today.year, month, number)
        return candidate if candidate >= today else date(today.year + 1, month, number)
    except ValueError:
        return None


def _period(today: date, period: str, ahead: int) -> tuple[date, date]:
    """The first and last day of this (ahead=0) or the next (1) week, month or year."""
    if period == "week":
        start = today - timedelta(days=today.weekday()) + timedelta(weeks=ahead)
        return start, start + timedelta(days=6)
    if period == "month":
        year, month = _add_months(today, ahead)
        return date(year, month, 1), _month_end(year, month)
    return date(today.year + ahead, 1, 1), date(today.year + ahead, 12, 31)


def parse_date(text: str, today: date) -> date | None:
    """The date meant, or None when the text is not one we can read for sure."""
    text = re.sub(rf"\b({alternatives(FILLER)})\b", " ", text.lower().strip())
    text = re.sub(r"[,\s]+", " ", text).strip()
    if match := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
        try:
            return date(*map(int, match.groups()))
        except ValueError:
            return None
    if match := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?", text):
        day, month, year = match.groups()
        return _day_month(today, int(day), int(month), int(year) if year else None)
    if match := re.fullmatch(rf"{ORDINAL} ([a-z]+)(?: (\d{{4}}))?", text):
        day, month, year = match.groups()
        if month in MONTHS:
            return _day_month(today, int(day), MONTHS[month], int(year) if year else None)
    if match := re.fullmatch(rf"([a-z]+) {ORDINAL}(?: (\d{{4}}))?", text):
        month, day, year = match.groups()
        if month in MONTHS:
            return _day_month(today, int(day), MONTHS[month], int(year) if year else None)
    if match := re.fullmatch(ORDINAL, text):
        return _next_day_of_month(today, int(match.group(1)))
    periods, relative = alternatives(PERIODS), alternatives(RELATIVE)
    if match := re.fullmatch(rf"end (?:({relative}) )?({periods})", text):
        return _period(today, match.group(2), RELATIVE.get(match.group(1) or "this", 0))[1]
    if match := re.fullmatch(rf"next ({periods})", text):
        return _period(today, match.group(1), 1)[0]
    if text in DAY_OFFSETS:
        return today + timedelta(days=DAY_OFFSETS[text])
    match = re.fullmatch(rf"(?:({relative}) )?([a-z]+)", text)
    if match and match.group(2) in WEEKDAYS:
        ahead = (WEEKDAYS[match.group(2)] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    return None


def describe(day: date) -> str:
    """'Thursday 31 December 2026', as the bot says dates back."""
    return f"{day:%A} {day.day} {day:%B %Y}"
