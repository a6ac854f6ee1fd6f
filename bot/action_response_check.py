"""Rasa's check of the action server's responses, with its validators built once.

Rasa 3.6 checks every response against its JSON schema with ``jsonschema.validate``,
which checks the schema itself against the metaschema and builds a new validator each
time: about an eighth of a question turn's CPU in Rasa (`make profile`), and more in a
form. This accepts exactly what that schema accepts, and fails with the same error.

Even built once, the schema is slow to apply: each event is tried against all 23 event
schemas (``oneOf``) to prove that exactly one fits. The event schemas differ in their
``event`` constant, so only the one its ``event`` names can fit: a response is checked
against that one first, and only a response that fails goes through the whole schema,
for Rasa's own error. Installed by bot/rasa_server.py, Rasa's entry point here.
"""

from functools import cache
from typing import Any

from jsonschema import Validator, validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


def _built(schema: dict[str, Any]) -> Validator:
    kind = validators.validator_for(schema)
    kind.check_schema(schema)
    return kind(schema)


@cache
def validator() -> Validator:
    return _built(RemoteAction.action_response_format_spec())


@cache
def _by_event() -> tuple[Validator, dict[str, Validator]]:
    """The response schema with each event checked only for what all events share, and
    a validator per event name for the rest (that event's own schema)."""
    response = RemoteAction.action_response_format_spec()
    events = response["properties"]["events"]
    shared = {key: value for key, value in events["items"].items() if key != "oneOf"}
    outline = {
        **response,
        "properties": {**response["properties"], "events": {**events, "items": shared}},
    }
    own = {
        schema["properties"]["event"]["const"]: _built(schema)
        for schema in events["items"]["oneOf"]
    }
    return _built(outline), own


def fits(result: Any) -> bool:
    """Whether ``result`` fits Rasa's response schema, each event tried against its own
    event schema only (what ``oneOf`` comes to, the event names being distinct)."""
    outline, own = _by_event()
    if not outline.is_valid(result):
        return False
    for event in result.get("events", []) if isinstance(result, dict) else []:
        schema = own.get(event["event"])
        if schema is None or not schema.is_valid(event):
            return False
    return True


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """What ``RemoteAction._validate_action_result`` does (jsonschema.validate's best
    error, with Rasa's hint appended), without rebuilding the validator."""
    if fits(result):
        return True
    error = best_match(validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response "
        f"from the Action endpoint is valid. For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
