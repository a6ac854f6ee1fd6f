"""The hours rule: examples at the edges, and properties over years of instants."""

from datetime import UTC, datetime, timedelta

import holidays
from conftest import london
from hypothesis import given, settings
from hypothesis import strategies as st

from focus_cases import hours
from focus_cases.clock import LONDON, Clock, parse_instant

BANK_HOLIDAYS = holidays.country_holidays("GB", subdiv="ENG")


def test_friday_before_and_after_close() -> None:
    assert hours.hours_at(london(2026, 11, 27, 17, 29)).open_now
    late = hours.hours_at(london(2026, 11, 27, 17, 31))
    assert not late.open_now
    assert late.next_open == london(2026, 11, 30, 9, 0)
    assert hours.describe(late.next_open) == "09:00 on Monday 30 November"


def test_open_and_close_edges() -> None:
    assert not hours.hours_at(london(2026, 11, 25, 8, 59, 59)).open_now
    at_nine = hours.hours_at(london(2026, 11, 25, 9, 0))
    assert at_nine.open_now and at_nine.closes_at == london(2026, 11, 25, 17, 30)
    assert not hours.hours_at(london(2026, 11, 25, 17, 30)).open_now
    # Before 09:00 on a working day: due the same morning.
    assert hours.due_at(london(2026, 11, 25, 7, 0)) == london(2026, 11, 25, 9, 0)


def test_saturday_waits_for_monday() -> None:
    assert hours.due_at(london(2026, 11, 28, 14, 0)) == london(2026, 11, 30, 9, 0)


def test_in_hours_due_at_once() -> None:
    now = london(2026, 11, 25, 14, 0)
    assert hours.due_at(now) == now


def test_christmas_on_weekend_uses_substitute_days() -> None:
    # 2027: Christmas Saturday, Boxing Day Sunday; substitute days Mon 27 and Tue 28.
    assert not hours.is_working_day(datetime(2027, 12, 27).date())
    assert not hours.is_working_day(datetime(2027, 12, 28).date())
    assert hours.due_at(london(2027, 12, 24, 18, 0)) == london(2027, 12, 29, 9, 0)
    # 2026: Christmas Friday, Boxing Day Saturday, substitute Monday 28.
    assert hours.due_at(london(2026, 12, 24, 17, 45)) == london(2026, 12, 29, 9, 0)


def test_easter_and_early_may() -> None:
    # Good Friday 2027 is 26 March, Easter Monday 29 March.
    assert hours.due_at(london(2027, 3, 25, 18, 0)) == london(2027, 3, 30, 9, 0)
    assert hours.due_at(london(2026, 5, 1, 17, 45)) == london(2026, 5, 5, 9, 0)


def test_clock_changes() -> None:
    # Last Sunday of March 2026 (29th): BST starts; Monday 09:00 BST is 08:00 UTC.
    assert hours.due_at(london(2026, 3, 29, 0, 30)) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    assert hours.due_at(london(2026, 3, 29, 12, 0)) == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)
    # Last Sunday of October 2026 (25th): GMT again; Monday 09:00 GMT is 09:00 UTC.
    assert hours.due_at(london(2026, 10, 25, 1, 30)) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)
    # Friday in BST, due Monday: the offset changes over the weekend.
    friday_evening = datetime(2026, 10, 23, 17, 0, tzinfo=UTC)  # 18:00 BST
    assert hours.due_at(friday_evening) == datetime(2026, 10, 26, 9, 0, tzinfo=UTC)


def test_parse_instant_naive_is_uk_time() -> None:
    assert parse_instant("2026-07-01T14:00") == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)
    assert parse_instant("2026-11-28T14:00") == datetime(2026, 11, 28, 14, 0, tzinfo=UTC)
    assert parse_instant("2026-07-01T14:00+00:00") == datetime(2026, 7, 1, 14, 0, tzinfo=UTC)
    fixed = parse_instant("2026-11-28T14:00")
    assert Clock(fixed).now() == fixed


instants = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=500, deadline=None)
@given(instants)
def test_due_at_is_a_working_day_opening_never_past(now: datetime) -> None:
    due = hours.due_at(now)
    assert due >= now
    if due == now:
        local = now.astimezone(LONDON)
        assert hours.is_working_day(local.date())
        assert hours.OPENS <= local.time() < hours.CLOSES
        return
    local_due = due.astimezone(LONDON)
    assert local_due.time() == hours.OPENS
    assert local_due.weekday() < 5 and local_due.date() not in BANK_HOLIDAYS
    # It is the first opening: no working day between now and then was skipped.
    day = now.astimezone(LONDON).date() + timedelta(days=1)
    while day < local_due.date():
        assert not hours.is_working_day(day)
        day += timedelta(days=1)
    assert due - now < timedelta(days=7)


@settings(max_examples=300, deadline=None)
@given(instants)
def test_open_now_matches_the_rule(now: datetime) -> None:
    local = now.astimezone(LONDON)
    expected = (
        local.weekday() < 5
        and local.date() not in BANK_HOLIDAYS
        and (9, 0) <= (local.hour, local.minute) < (17, 30)
    )
    h = hours.hours_at(now)
    assert h.open_now == expected
    assert (h.closes_at is not None) == expected
