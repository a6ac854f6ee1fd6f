"""Guided conversations end to end: REST channel in, cases in the case service out.

The case service runs with a fixed clock (FOCUS_NOW) per test, restarted while
Rasa and the action server keep running; what the bot says and what was stored
are both checked.
"""

import time

import pytest

ACCOUNT, POSTCODE = "FG004521", "BN43 6ZZ"  # demo: broadband + phone lines


@pytest.fixture
def clock(stack):
    """Restart the case service at a given UK time; back to in-hours afterwards."""
    yield stack.cases.start
    stack.cases.start()


def references(stack) -> set[str]:
    return {case["reference"] for case in stack.cases.cases()}


def new_cases(stack, before: set[str]) -> list[dict]:
    """Cases stored since `before` (the clock is frozen, so not by time)."""
    return [case for case in stack.cases.cases() if case["reference"] not in before]


def report_fault(stack, sender: str) -> str:
    """A fault conversation up to the summary; returns the summary text."""
    assert "account number" in stack.reply(sender, "our broadband's been down since 8 this morning")
    assert "postcode" in stack.reply(sender, ACCOUNT)
    assert "name" in stack.reply(sender, POSTCODE)  # service, fault and since came from message 1
    assert "phone number" in stack.reply(sender, "Sam Patel")
    return stack.reply(sender, "07700 900123")


def test_fault_in_hours_is_opened_with_the_customers_words(stack, sender):
    before = references(stack)
    summary = report_fault(stack, sender)
    assert "Data Connectivity" in summary and "since 8 this morning" in summary
    done = stack.reply(sender, "yes")
    assert "your reference is FG-" in done
    assert "call Sam Patel on 07700900123" in done
    [case] = new_cases(stack, before)
    assert case["reference"] in done
    assert case["kind"] == "fault" and case["status"] == "open"
    assert case["details"] == {
        "service": "Data Connectivity",
        "description": "our broadband's been down since 8 this morning",
        "since": "since 8 this morning",
    }
    assert case["customer_words"].startswith("our broadband's been down since 8 this morning")
    assert case["contact_phone"] == "07700900123" and case["account_number"] == ACCOUNT


def test_a_vague_opening_is_not_taken_as_the_fault(stack, sender):
    """ "Report a problem" says nothing a technician can use: the form asks."""
    assert "account number" in stack.reply(sender, "hello, I need to report a problem please")
    stack.reply(sender, ACCOUNT)
    assert "Which service" in stack.reply(sender, POSTCODE)
    assert "describe the fault" in stack.reply(sender, "the broadband")
    assert "Since when" in stack.reply(sender, "router lights flashing red, nothing loads")
    stack.reply(sender, "about an hour ago")
    stack.reply(sender, "Sam Patel")
    summary = stack.reply(sender, "07700 900123")
    assert "- Fault: router lights flashing red, nothing loads" in summary


@pytest.mark.parametrize(
    ("now", "picked_up"),
    [
        ("2026-11-28T14:00", "09:00 on Monday 30 November"),  # Saturday
        ("2026-12-25T10:00", "09:00 on Tuesday 29 December"),  # Christmas; Boxing Day moved
        ("2026-11-27T17:31", "09:00 on Monday 30 November"),  # Friday, just after closing
    ],
)
def test_out_of_hours_requests_are_queued_for_nine(stack, clock, sender, now, picked_up):
    clock(now)
    before = references(stack)
    report_fault(stack, sender)
    done = stack.reply(sender, "yes")
    assert f"queued and will be picked up at {picked_up}" in done
    [case] = new_cases(stack, before)
    assert case["status"] == "queued" and case["reference"] in done


def test_friday_1729_is_still_in_hours(stack, clock, sender):
    clock("2026-11-27T17:29")
    report_fault(stack, sender)
    done = stack.reply(sender, "yes")
    assert "your reference is FG-" in done and "queued" not in done


def test_faq_mid_form_is_answered_and_the_same_question_asked_again(stack, sender):
    stack.reply(sender, "i need to report a fault")
    reply = stack.reply(sender, "what time do you close?")
    assert "09:00 and 17:30" in reply
    assert "account number" in reply


def test_stop_abandons_without_creating_anything(stack, sender):
    before = references(stack)
    stack.reply(sender, "the phones keep cutting out")
    stack.reply(sender, ACCOUNT)
    assert "nothing has been sent" in stack.reply(sender, "forget it")
    assert "Ham Road" in stack.reply(sender, "what's your postal address?")
    assert references(stack) == before


def test_wrong_answers_get_a_reason_and_three_strikes_offer_a_person(stack, sender):
    stack.reply(sender, "our line is dead")
    first = stack.reply(sender, "no idea")
    assert "FG followed by six digits" in first
    stack.reply(sender, "dunno sorry")
    third = stack.reply(sender, "not sure")
    assert "0330 024 2000" in third and "call you back" in third


def test_account_and_postcode_must_match(stack, sender):
    stack.reply(sender, "what tariff are we on")
    stack.reply(sender, ACCOUNT)
    reply = stack.reply(sender, "SW1A 9ZZ")  # another account's postcode
    assert "don't match our records" in reply
    assert "Business Fibre 500" not in reply


def test_correction_at_the_summary_updates_the_answer(stack, sender):
    report_fault(stack, sender)
    summary = stack.reply(sender, "actually the phone number is 01273 123456")
    assert "on 01273123456" in summary and "Shall I send this?" in summary


def test_tariff_shows_plans_and_asks_customer_relations_to_email(stack, sender):
    before = references(stack)
    stack.reply(sender, "can you tell me what tariff we're on")
    stack.reply(sender, ACCOUNT)
    reply = stack.reply(sender, POSTCODE)
    assert "Business Fibre 500, contract ends Sunday 28 February 2027" in reply
    assert "email the full details of your tariff to the address on your account" in reply
    [case] = new_cases(stack, before)
    assert case["kind"] == "tariff"


def test_tariff_promises_no_email_to_an_account_without_an_address(stack, sender):
    before = references(stack)
    stack.reply(sender, "can you tell me what tariff we're on")
    stack.reply(sender, "FG009876")  # demo: no e-mail address on the account
    reply = stack.reply(sender, "SW1A 9ZZ")
    assert "Ethernet 100" in reply
    assert "We have no e-mail address for your account" in reply and "0330 024 2000" in reply
    assert "will email" not in reply
    [case] = new_cases(stack, before)
    assert case["kind"] == "tariff"


def test_cancellation_rejects_a_past_date_and_warns_of_early_termination(stack, sender):
    before = references(stack)
    stack.reply(sender, "we want to cancel our broadband")
    stack.reply(sender, ACCOUNT)
    assert "date" in stack.reply(sender, POSTCODE)
    assert "already passed" in stack.reply(sender, "1 March 2026")
    assert "why" in stack.reply(sender, "end of next month")
    summary = stack.reply(sender, "skip")
    assert "From: Thursday 31 December 2026" in summary
    assert "early termination charge may apply" in summary
    assert "written notice" in stack.reply(sender, "yes")
    [case] = new_cases(stack, before)
    assert case["details"]["effective_date"] == "2026-12-31"
    assert case["details"]["services"] == ["Data Connectivity"]
    assert case["details"]["early_termination_warning"] is True


@pytest.mark.parametrize(
    "opening",
    [
        "we need to terminate the broadband from 31 january please",
        "pls cancel our internet connection at the end of next month",
    ],
)
def test_a_request_with_its_details_keeps_them(stack, sender, opening):
    """The service and date in the opening message are a cancellation's answers, not a
    bare answer with nothing to do: only the account and the reason are asked."""
    assert "account number" in stack.reply(sender, opening)
    stack.reply(sender, ACCOUNT)
    assert "why" in stack.reply(sender, POSTCODE)
    summary = stack.reply(sender, "moving offices")
    assert "Cancel: Data Connectivity" in summary and "From: " in summary


def test_case_status_is_told_only_to_the_cases_account(stack, sender):
    report_fault(stack, sender)
    reference = stack.reply(sender, "yes").split("reference is ")[1][:11]
    other = sender + "-b"
    stack.reply(other, f"any update on {reference}?")
    stack.reply(other, "FG001234")
    assert "can't find a case" in stack.reply(other, "RH10 9ZZ")
    third = sender + "-c"
    stack.reply(third, f"any update on {reference}?")
    stack.reply(third, ACCOUNT)
    assert f"Case {reference} (fault) is open with our team" in stack.reply(third, POSTCODE)


def test_service_down_keeps_the_request_and_delivers_it_once(stack, sender):
    before = references(stack)
    stack.reply(sender, "please can someone call me back")
    stack.reply(sender, "Jo Bloggs")
    stack.reply(sender, "07700 900456")
    stack.reply(sender, "tomorrow after 2pm")
    stack.cases.stop()
    try:
        reply = stack.reply(sender, "yes")
    finally:
        stack.cases.start()
    assert "isn't responding" in reply and "0330 024 2000" in reply
    deadline = time.monotonic() + 30
    while references(stack) == before and time.monotonic() < deadline:
        time.sleep(1)
    time.sleep(6)  # another courier round: it must not deliver twice
    [case] = new_cases(stack, before)
    assert case["kind"] == "callback" and case["contact_name"] == "Jo Bloggs"
    assert case["details"]["preferred_time"] == "tomorrow after 2pm"


def test_hung_service_still_answers_and_makes_one_case(stack, sender):
    """A service that hangs (not down) at "yes, send it": the customer is answered,
    the submission goes to the outbox, and the hung request plus the courier's
    delivery still make one case (same idempotency key)."""
    before = references(stack)
    stack.reply(sender, "please can someone call me back")
    stack.reply(sender, "Kim Hung")
    stack.reply(sender, "07700 900789")
    stack.reply(sender, "friday morning")
    stack.cases.pause()
    try:
        reply = stack.reply(sender, "yes")
    finally:
        stack.cases.resume()
    assert "isn't responding" in reply and "0330 024 2000" in reply
    deadline = time.monotonic() + 30
    while references(stack) == before and time.monotonic() < deadline:
        time.sleep(1)
    time.sleep(6)  # another courier round: the replayed key must not make a second case
    [case] = new_cases(stack, before)
    assert case["kind"] == "callback" and case["contact_name"] == "Kim Hung"
