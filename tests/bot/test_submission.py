"""Idempotency keys and the customer's words, from a conversation's events."""

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.submission import customer_words, idempotency_key, tell_created


def tracker(events: list[dict], sender: str = "chat-1") -> Tracker:
    return Tracker(sender, {}, {}, events, False, None, {}, "action_listen")


def user(text: str, at: float) -> dict:
    return {"event": "user", "text": text, "timestamp": at}


OPENED = [
    user("hello", 1),
    user("our broadband is down", 2),
    {"event": "active_loop", "name": "fault_form", "timestamp": 3},
    user("FG004521", 4),
    user("/affirm", 5),
]


def test_words_are_the_customers_messages_since_the_form_was_opened():
    assert customer_words(tracker(OPENED), "fault_form") == "our broadband is down\nFG004521"


def test_a_retry_of_the_same_form_run_has_the_same_key():
    later = [*OPENED, user("yes", 6)]
    assert idempotency_key(tracker(OPENED), "fault_form") == idempotency_key(
        tracker(later), "fault_form"
    )


def test_another_run_or_conversation_has_another_key():
    again = [
        *OPENED,
        user("another fault", 7),
        {"event": "active_loop", "name": "fault_form", "timestamp": 8},
    ]
    key = idempotency_key(tracker(OPENED), "fault_form")
    assert idempotency_key(tracker(again), "fault_form") != key
    assert idempotency_key(tracker(OPENED, "chat-2"), "fault_form") != key


def test_a_request_linked_to_the_open_case_is_told_the_earlier_reference():
    said = CollectingDispatcher()
    linked = {"reference": "FG-12345678", "status": "open", "linked": True}
    tell_created(said, linked, "We'll email you.")
    assert said.messages == [
        {**said.messages[0], "response": "utter_case_already_requested", "reference": "FG-12345678"}
    ]
    said = CollectingDispatcher()
    tell_created(said, {**linked, "linked": False}, "We'll email you.")
    assert said.messages[0]["response"] == "utter_case_created"
