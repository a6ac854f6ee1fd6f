"""The project's spaCy rules and the values the Rasa extractor gives forms."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlp.answers import IdentifierAnswerClassifier, only_identifiers
from bot.nlp.build import build
from bot.nlp.extractor import normalise


@pytest.fixture(scope="module")
def nlp():
    return build()


def entities(nlp, text: str) -> list[tuple[str, str | None]]:
    return [(ent.label_, normalise(ent.label_, ent.text, ent.ent_id_)) for ent in nlp(text).ents]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("our brodband is down again", [("product", "Data Connectivity")]),
        ("the Leased Line keeps dropping", [("product", "Data Connectivity")]),
        ("hosted phones not ringing", [("product", "On Premise and Hosted Telephone Systems")]),
        ("can I get an 0800 number", [("product", "Non Geographic Numbers")]),
        ("any news on fg-12345678?", [("case_ref", "FG-12345678")]),
        ("account no is fg001234", [("account_number", "FG001234")]),
        ("postcode bn43 6pa", [("postcode", "BN43 6PA")]),
        ("postcode BN436PA", [("postcode", "BN43 6PA")]),
        ("ring me on 07700 900123", [("phone", "07700900123")]),
        ("call +44 20 7946 0000 pls", [("phone", "02079460000")]),
        ("our number is (01273) 123456", [("phone", "01273123456")]),
        ("email me at Sarah.Jones@Example.co.uk", [("email", "sarah.jones@example.co.uk")]),
        ("cancel from the 31st of January", [("date", "the 31st of January")]),
        ("end of next month please", [("date", "end of next month")]),
    ],
)
def test_rules_find_and_normalise(nlp, text, expected):
    assert entities(nlp, text) == expected


def test_short_numbers_are_not_phone_numbers(nlp):
    assert [value for label, value in entities(nlp, "call 0123 45678") if label == "phone"] == [
        None
    ]


@pytest.mark.parametrize(
    "text",
    [
        "i want to speak to someone about my bill",
        "what time do you open in the morning",
        "may i ask how the end of a contract works",  # "may", "end of" alone are no date
        "we have 12 staff and 3 sites",
    ],
)
def test_plain_words_give_no_entities(nlp, text):
    assert entities(nlp, text) == []


def test_saved_pipeline_loads_by_path(tmp_path):
    import spacy

    build().to_disk(tmp_path / "spacy_en")
    loaded = spacy.load(tmp_path / "spacy_en")
    assert [e.label_ for e in loaded("FG-00000001").ents] == ["case_ref"]


def rule_entities(nlp, text: str) -> list[dict]:
    return [
        {"entity": ent.label_, "start": ent.start_char, "end": ent.end_char}
        for ent in nlp(text).ents
    ]


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("BN43 6ZZ", True),
        ("fg004521", True),
        ("07700 900123.", True),
        ("FG004521, BN43 6ZZ", True),
        ("FG004521 and BN43 6ZZ", True),
        ("sarah@example.co.uk", True),
        ("FG-12345678?", True),
        ("my postcode is BN43 6ZZ", False),  # the classifier has words to go on
        ("cancel FG004521", False),  # a request carrying its details keeps its intent
        ("broadband", False),  # a product can be a request's subject
        ("31 January", False),
        ("hello", False),
        ("", False),
    ],
)
def test_only_identifiers_make_an_answer(nlp, text, answer):
    assert only_identifiers(text, rule_entities(nlp, text)) is answer


def test_an_identifier_answer_overrides_the_classifier_and_keeps_the_ranking(nlp):
    text = "BN43 6ZZ"
    ranking = [{"name": "nlu_fallback", "confidence": 0.6}, {"name": "inform", "confidence": 0.3}]
    message = Message(
        data={
            "text": text,
            "entities": rule_entities(nlp, text),
            "intent": ranking[0],
            "intent_ranking": ranking,
        }
    )
    IdentifierAnswerClassifier().process([message])
    assert message.get("intent") == {"name": "inform", "confidence": 1.0}
    assert [r["name"] for r in message.get("intent_ranking")] == ["inform", "nlu_fallback"]


def test_other_messages_keep_the_classifiers_intent(nlp):
    text = "cancel FG004521"
    intent = {"name": "request_cancellation", "confidence": 0.9}
    message = Message(data={"text": text, "entities": rule_entities(nlp, text), "intent": intent})
    IdentifierAnswerClassifier().process([message])
    assert message.get("intent") == intent
