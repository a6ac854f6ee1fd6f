"""Cancellation dates as customers write them, relative to the service's today."""

from datetime import date

import pytest

from bot.actions.dates import describe, parse_date

TODAY = date(2026, 11, 25)  # a Wednesday


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("31 January", date(2027, 1, 31)),
        ("the 31st of January 2027", date(2027, 1, 31)),
        ("January 31", date(2027, 1, 31)),
        ("end of next month", date(2026, 12, 31)),
        ("end of the month", date(2026, 11, 30)),
        ("from the 1st", date(2026, 12, 1)),
        ("the 30th", date(2026, 11, 30)),
        ("31/01/2027", date(2027, 1, 31)),
        ("2027-01-31", date(2027, 1, 31)),
        ("tomorrow", date(2026, 11, 26)),
        ("next friday", date(2026, 11, 27)),
        ("1 March 2026", date(2026, 3, 1)),  # in the past: the form re-asks
    ],
)
def test_dates_are_read(text, expected):
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["soon", "30 February", "asap please", "13/13/2027", ""])
def test_unreadable_dates_are_none(text):
    assert parse_date(text, TODAY) is None


def test_dates_are_said_in_full():
    assert describe(date(2026, 12, 31)) == "Thursday 31 December 2026"
