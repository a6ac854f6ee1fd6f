"""The cached check of action server responses answers exactly as Rasa's own."""

from datetime import datetime

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core import events

from bot import action_response_check

RASAS_OWN = RemoteAction._validate_action_result
GOOD = {
    "events": [
        {"event": "slot", "name": "postcode", "value": "BN43 6ZZ"},
        {"event": "active_loop", "name": "fault_form"},
    ],
    "responses": [{"response": "utter_ask_contact_name"}],
}
BAD = [
    {"events": "not a list"},
    {"events": [{"event": "slot"}]},  # a slot event without its name
    {"events": [{"event": "no_such_event"}]},
    {"events": [], "responses": "nope"},
]


# Every kind of event an action may return, as Rasa writes it.
EVENTS = [
    events.UserUttered("hello", {"name": "greet", "confidence": 0.9}),
    events.ActionExecuted("utter_greet"),
    events.SlotSet("postcode", "BN43 6ZZ"),
    events.EntitiesAdded([{"entity": "postcode", "value": "BN43 6ZZ", "start": 0, "end": 8}]),
    events.ReminderScheduled("EXTERNAL_x", datetime(2026, 11, 26, 9), name="r"),
    events.ReminderCancelled(name="r"),
    events.ActionExecutionRejected("fault_form"),
    events.LoopInterrupted(True),
    events.ActiveLoop("fault_form"),
    events.AllSlotsReset(),
    events.ConversationResumed(),
    events.ConversationPaused(),
    events.FollowupAction("action_listen"),
    events.StoryExported(),
    events.Restarted(),
    events.ActionReverted(),
    events.UserUtteranceReverted(),
    events.BotUttered("Hello", {"buttons": []}),
    events.SessionStarted(),
    events.AgentUttered("hi"),
    events.DefinePrevUserUtteredFeaturization(False),
]
RESPONSES = (
    [{"events": [event.as_dict()]} for event in EVENTS]
    + [GOOD, *BAD]
    + [
        {"events": [{"event": "slot", "name": 3, "value": 1}]},  # a name that is not text
        {"events": [{"event": "user", "text": "hi", "timestamp": "noon"}]},
        {"events": [{"event": "bot", "text": "hi"}, {"name": "no event"}]},
        {"events": [{"event": "active_loop", "name": "f"}], "responses": [3]},
        [],
    ]
)


def test_every_event_rasa_writes_fits() -> None:
    for event in EVENTS:
        assert action_response_check.fits({"events": [event.as_dict()]}), event


@pytest.mark.parametrize("response", RESPONSES)
def test_the_fast_check_accepts_exactly_what_the_schema_accepts(response) -> None:
    """Each event tried against its own schema only: the same verdict as ``oneOf``."""
    rasas = action_response_check.validator().is_valid(response)
    assert action_response_check.fits(response) == rasas


@pytest.fixture
def action() -> RemoteAction:
    return RemoteAction("action_test", None)


def test_a_good_response_passes(action) -> None:
    assert RASAS_OWN(action, GOOD)
    assert action_response_check.validate_action_result(action, GOOD)


@pytest.mark.parametrize("response", BAD)
def test_a_bad_response_fails_with_rasas_error(action, response) -> None:
    with pytest.raises(ValidationError) as rasas:
        RASAS_OWN(action, response)
    with pytest.raises(ValidationError) as ours:
        action_response_check.validate_action_result(action, response)
    assert ours.value.message == rasas.value.message
    assert list(ours.value.path) == list(rasas.value.path)


def test_install_replaces_rasas_check(monkeypatch, action) -> None:
    monkeypatch.setattr(RemoteAction, "_validate_action_result", RASAS_OWN)
    action_response_check.install()
    assert RemoteAction._validate_action_result is action_response_check.validate_action_result
    with pytest.raises(ValidationError):
        action._validate_action_result(BAD[0])
