"""Cancellation dates as customers write them, relative to the service's today."""

from datetime import date

import pytest

from bot.actions.dates import describe, parse_date
from bot.nlp.build import build
from bot.nlp.date_words import DAY_OFFSETS, MONTHS, PERIODS, RELATIVE, WEEKDAYS

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
        ("from next thurs", date(2026, 11, 26)),
        ("end of this week", date(2026, 11, 29)),
        ("end of the year", date(2026, 12, 31)),
        ("end of next year", date(2027, 12, 31)),
        ("next week", date(2026, 11, 30)),
        ("next month", date(2026, 12, 1)),
        ("yesterday", date(2026, 11, 24)),  # in the past: the form re-asks
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


def tagged_phrases() -> list[str]:
    """A phrase for every date word, in each shape the spaCy rules tag."""
    return [
        *(f"the 3rd of {month}" for month in MONTHS),
        *(f"{month} 3" for month in MONTHS),
        *(f"{relative} {weekday}" for relative in RELATIVE for weekday in WEEKDAYS),
        *WEEKDAYS,
        *DAY_OFFSETS,
        *(f"end of {relative} {period}" for relative in [*RELATIVE, "the"] for period in PERIODS),
        *(f"next {period}" for period in PERIODS),
        "the 1st",
        "31/01/2027",
        "2027-01-31",
    ]


@pytest.fixture(scope="module")
def nlp():
    return build()


def test_whatever_the_rules_tag_as_a_date_the_parser_reads(nlp):
    unread = []
    for phrase in tagged_phrases():
        dates = [ent.text for ent in nlp(f"cancel it from {phrase} please").ents]
        if dates != [phrase] or parse_date(phrase, TODAY) is None:
            unread.append((phrase, dates))
    assert unread == []
