"""Dates as customers write them: "31 January", "end of next month", "from the 1st".

Only what a cancellation date needs; relative to a given day (the case service's
clock), so "the 1st" on 25 November means 1 December.
"""

import calendar
import re
from datetime import date, timedelta

MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (calendar.month_name[number].lower(), calendar.month_abbr[number].lower())
}
MONTHS["sept"] = 9
WEEKDAYS = {calendar.day_name[i].lower(): i for i in range(7)}
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


def parse_date(text: str, today: date) -> date | None:
    """The date meant, or None when the text is not one we can read for sure."""
    text = re.sub(r"\b(from|on|the|of|by|as of|effective)\b", " ", text.lower().strip())
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
    if match := re.fullmatch(r"end (this|next) month", text):
        return _month_end(*_add_months(today, 0 if match.group(1) == "this" else 1))
    if text == "end month":
        return _month_end(today.year, today.month)
    if text in ("today", "tomorrow"):
        return today + timedelta(days=0 if text == "today" else 1)
    match = re.fullmatch(r"(?:next |this )?([a-z]+)", text)
    if match and match.group(1) in WEEKDAYS:
        ahead = (WEEKDAYS[match.group(1)] - today.weekday()) % 7 or 7
        return today + timedelta(days=ahead)
    return None


def describe(day: date) -> str:
    """'Thursday 31 December 2026', as the bot says dates back."""
    return f"{day:%A} {day.day} {day:%B %Y}"
