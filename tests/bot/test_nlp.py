"""The project's spaCy rules and the values the Rasa extractor gives forms."""

import pytest

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
