"""The words of dates, shared by the spaCy rules that tag a date and the parser that
reads it (bot/actions/dates.py), so that whatever is tagged can be read.

Standard library only: the action server imports it without spaCy.
"""

import calendar

MONTHS: dict[str, int] = {
    name: number
    for number in range(1, 13)
    for name in (calendar.month_name[number].lower(), calendar.month_abbr[number].lower())
} | {"sept": 9}
WEEKDAYS: dict[str, int] = {
    name: number
    for number in range(7)
    for name in (calendar.day_name[number].lower(), calendar.day_abbr[number].lower())
    if name != "wed"  # spaCy's English tokenizer splits "wed" into "we" + "d"
} | {"tues": 1, "thur": 3, "thurs": 3}
DAY_OFFSETS: dict[str, int] = {"yesterday": -1, "today": 0, "tomorrow": 1}
PERIODS: tuple[str, ...] = ("week", "month", "year")
"""Periods with an end ("end of next month") and a start ("next week")."""
RELATIVE: dict[str, int] = {"this": 0, "next": 1}
"""How many periods ahead: "this month" is 0, "next month" is 1."""
FILLER: tuple[str, ...] = ("as of", "from", "on", "the", "of", "by", "effective")
"""Words around a date that don't change it."""


def alternatives(words: dict[str, int] | tuple[str, ...]) -> str:
    """A regex alternation of the words, longest first."""
    return "|".join(sorted(words, key=len, reverse=True))
