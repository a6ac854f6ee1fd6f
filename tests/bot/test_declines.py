"""An optional question's own "skip" answers it, even when the classifier reads "stop":
the bot offers "skip" for the cancellation reason, and a customer who takes the offer
must not lose the whole request."""

import asyncio
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.forms.cancellation import CancellationForm

DOMAIN = Domain.load(Path(__file__).parents[2] / "domain.yml").as_dict()


def asked_reason(text: str, intent: str) -> Tracker:
    slots = {"requested_slot": "cancel_reason", "account_number": "FG004521"}
    ranked = {"name": intent, "confidence": 0.9}
    message = {"text": text, "intent": ranked, "intent_ranking": [ranked], "entities": []}
    return Tracker(
        "chat-1", slots, message, [], False, None, {"name": "cancellation_form"}, "action_listen"
    )


def run(text: str, intent: str) -> tuple[dict, list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(CancellationForm().run(dispatcher, asked_reason(text, intent), DOMAIN))
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}, dispatcher.messages


@pytest.mark.parametrize("text", ["skip", "Skip.", "none", "rather not say"])
def test_skip_read_as_stop_leaves_the_reason_out_and_the_form_goes_on(text):
    slots, messages = run(text, "stop")
    assert slots.get("cancel_reason") == "not given"
    assert "form_outcome" not in slots
    assert all(m.get("response") != "utter_stopped" for m in messages)


def test_stop_itself_still_stops_the_form():
    slots, messages = run("stop, forget the whole thing", "stop")
    assert slots.get("form_outcome") == "stopped"
    assert [m.get("response") for m in messages] == ["utter_stopped"]
