"""Rasa component: entities from the project's spaCy rules, with normalised values.

Rasa's own SpacyEntityExtractor returns the matched text only; forms need the
canonical product name (the rule's id), ``FG-12345678`` however it was typed, a
postcode as ``BN43 6PA`` and a phone number as digits. Matches that fail the
finer checks (a phone number of the wrong length) are dropped here.
"""

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message


def normalise(label: str, text: str, rule_id: str) -> str | None:
    """The value a form can use, or None when the match is not a valid one."""
    if label == "product":
        return rule_id or text
    if label in ("case_ref", "account_number"):
        return text.upper()
    if label == "postcode":
        compact = re.sub(r"\s+", "", text).upper()
        return f"{compact[:-3]} {compact[-3:]}"
    if label == "phone":
        digits = re.sub(r"\D", "", text)
        if digits.startswith("44"):
            digits = "0" + digits[2:].removeprefix("0")
        return digits if len(digits) == 11 and digits.startswith("0") else None
    if label == "email":
        return text.lower()
    return text


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False, model_from="SpacyNLP"
)
class RuleEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Adds the spaCy pipeline's rule-based entities to each message."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [SpacyNLP]

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "RuleEntityExtractor":
        return cls()

    @staticmethod
    def required_packages() -> list[str]:
        return ["spacy"]

    def process(self, messages: list[Message], model: SpacyModel) -> list[Message]:
        for message in messages:
            # Run on the original text: SpacyNLP's own doc is lower-cased.
            doc = model.model(message.get(TEXT) or "")
            found = []
            for ent in doc.ents:
                value = normalise(ent.label_, ent.text, ent.ent_id_)
                if value is not None:
                    found.append(
                        {
                            "entity": ent.label_,
                            "value": value,
                            "start": ent.start_char,
                            "end": ent.end_char,
                            "confidence": 1.0,
                        }
                    )
            message.set(
                ENTITIES,
                message.get(ENTITIES, []) + self.add_extractor_name(found),
                add_to_output=True,
            )
        return messages
