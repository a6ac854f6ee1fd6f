"""Rasa component: a message that is nothing but identifiers is an answer (`inform`).

"BN43 6ZZ", "FG004521", "07700 900123" or "FG004521 BN43 6ZZ" carry no request of their
own: inside a form they answer the question asked. The entity rules recognise them
exactly, but the intent classifier sees only letters and digits it has rarely met, so
a bare postcode could fall to nlu_fallback and the form lost its answer (a story broke
that way with fewer training epochs and with the static embeddings of issue 9). Placed
after DIETClassifier and before FallbackClassifier, this makes such a message `inform`
with confidence 1, whatever the classifier thought; every other message is left alone.
"""

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

IDENTIFIERS = frozenset({"account_number", "postcode", "phone", "email", "case_ref"})
"""Entity labels that only ever answer a question (dates and products can be requests)."""
ANSWER = "inform"
LEFT_OVER = re.compile(r"[\s,.;:!?&/+-]|\band\b", re.IGNORECASE)
"""What may stand between identifiers: spaces, punctuation, "and"."""


def only_identifiers(text: str, entities: list[dict[str, Any]]) -> bool:
    """Whether ``text`` is identifier entities and nothing else that means anything."""
    spans = [
        (entity[ENTITY_ATTRIBUTE_START], entity[ENTITY_ATTRIBUTE_END])
        for entity in entities
        if entity.get(ENTITY_ATTRIBUTE_TYPE) in IDENTIFIERS and ENTITY_ATTRIBUTE_START in entity
    ]
    if not spans:
        return False
    rest = text
    for start, end in sorted(spans, reverse=True):
        rest = rest[:start] + " " + rest[end:]
    return not LEFT_OVER.sub("", rest)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class IdentifierAnswerClassifier(GraphComponent):
    """Sets `inform` for messages made only of identifiers."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "IdentifierAnswerClassifier":
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if only_identifiers(message.get(TEXT) or "", message.get(ENTITIES) or []):
                answer = {INTENT_NAME_KEY: ANSWER, PREDICTED_CONFIDENCE_KEY: 1.0}
                others = [
                    ranked
                    for ranked in message.get(INTENT_RANKING_KEY) or []
                    if ranked.get(INTENT_NAME_KEY) != ANSWER
                ]
                message.set(INTENT, answer, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [answer, *others], add_to_output=True)
        return messages
