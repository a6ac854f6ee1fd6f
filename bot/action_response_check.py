"""Rasa's check of the action server's responses, with its validator built once.

Rasa 3.6 checks every response against its JSON schema with ``jsonschema.validate``,
which checks the schema itself against the metaschema and builds a new validator each
time: about an eighth of a question turn's CPU in Rasa (`make profile`), and more in a
form. This checks the same schema, with the same error, from one validator.
Installed by bot/rasa_server.py, Rasa's entry point in this project.
"""

from functools import cache
from typing import Any

from jsonschema import Validator, validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


@cache
def validator() -> Validator:
    schema = RemoteAction.action_response_format_spec()
    kind = validators.validator_for(schema)
    kind.check_schema(schema)
    return kind(schema)


def validate_action_result(_action: RemoteAction, result: dict[str, Any]) -> bool:
    """What ``RemoteAction._validate_action_result`` does (jsonschema.validate's best
    error, with Rasa's hint appended), without rebuilding the validator."""
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
