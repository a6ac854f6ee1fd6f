"""The cached check of action server responses answers exactly as Rasa's own."""

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

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
