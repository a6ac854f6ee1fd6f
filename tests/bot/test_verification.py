"""Verification end to end through the REST channel: three failed pairs end the form
with the phone number (the case service then refuses the conversation's fourth), a
new session verifies again, and a check 16 minutes old (by the case service's clock)
is made again before the plans are shown.

Each test speaks from its own address (X-Forwarded-For from a trusted proxy), so
the address limit of one test never reaches another.
"""

import sqlite3
import uuid

import pytest

from tests.stack_fixtures import IN_HOURS

ACCOUNT, POSTCODE = "FG004521", "BN43 6ZZ"
PLANS = "Business Fibre 500"


@pytest.fixture
def address() -> str:
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"


def ask_tariff(stack, sender: str, address: str) -> str:
    return stack.reply(sender, "what tariff are we on", address)


def failures_counted(stack, scope: str, key: str) -> int:
    """Rows in the case service's table of failed attempts (its SQLite file)."""
    with sqlite3.connect(stack.cases.stack.state / "cases.db") as db:
        query = "SELECT count(*) FROM failed_attempts WHERE scope = ? AND key = ?"
        return db.execute(query, (scope, key)).fetchone()[0]


def test_three_failed_pairs_end_the_form_with_the_phone_number(stack, sender, address):
    ask_tariff(stack, sender, address)
    for n in (1, 2):
        stack.reply(sender, f"FG00000{n}", address)
        assert "don't match our records" in stack.reply(sender, "AB1 2CD", address)
    stack.reply(sender, "FG000003", address)
    third = stack.reply(sender, "AB1 2CD", address)
    assert "0330 024 2000" in third and "call you back" in third
    assert "account number" not in third  # the form has ended
    # Counted by conversation and by the address the channel read from X-Forwarded-For.
    assert failures_counted(stack, "conversation", sender) == 3
    assert failures_counted(stack, "address", address) == 3
    # The case service counted the conversation's three: even the right pair is refused.
    ask_tariff(stack, sender, address)
    stack.reply(sender, ACCOUNT, address)
    locked = stack.reply(sender, POSTCODE, address)
    assert "too many attempts" in locked and "0330 024 2000" in locked
    assert PLANS not in locked


def test_a_new_session_verifies_again(stack, sender, address):
    ask_tariff(stack, sender, address)
    stack.reply(sender, ACCOUNT, address)
    assert PLANS in stack.reply(sender, POSTCODE, address)
    stack.reply(sender, "/session_start", address)
    again = ask_tariff(stack, sender, address)
    assert PLANS not in again and "account number" in again


@pytest.fixture
def later(stack):
    """The case service 16 minutes after IN_HOURS; back to IN_HOURS afterwards."""
    yield lambda: stack.cases.start(IN_HOURS.replace("10:00", "10:16"))
    stack.cases.start()


def test_an_old_verification_is_checked_again(stack, sender, address, later):
    ask_tariff(stack, sender, address)
    stack.reply(sender, ACCOUNT, address)
    assert PLANS in stack.reply(sender, POSTCODE, address)
    assert PLANS in ask_tariff(stack, sender, address)  # minutes later: still verified
    later()
    again = ask_tariff(stack, sender, address)
    assert "check your account number and postcode again" in again
    assert PLANS not in again and "account number" in again
    stack.reply(sender, ACCOUNT, address)
    assert PLANS in stack.reply(sender, POSTCODE, address)
