"""Build the project's spaCy pipeline: blank English plus entity rules.

No spaCy model can be downloaded here, and none is needed: the classifier learns
from the project's own data, and the entities customers give (products, case
references, account numbers, UK phone numbers, postcodes, e-mail addresses and
dates) follow rules. Run ``python -m bot.nlp.build [OUT]``; Rasa loads the result
by path (``SpacyNLP: model: bot/models/spacy_en``).
"""

import sys
from pathlib import Path

import spacy
from spacy.language import Language

from bot.nlp.catalogue import PRODUCTS
from bot.nlp.date_words import DAY_OFFSETS, MONTHS, PERIODS, RELATIVE, WEEKDAYS, alternatives

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "models" / "spacy_en"

DAY_NUMBER = r"(?i)^(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?$"


def _regex(pattern: str) -> dict:
    return {"TEXT": {"REGEX": pattern}}


def product_patterns() -> list[dict]:
    """Phrase patterns matched on lower-cased text, the canonical name as the id."""
    return [
        {"label": "product", "pattern": phrase, "id": canonical}
        for canonical, phrases in PRODUCTS.items()
        for phrase in [canonical.lower(), *phrases]
    ]


def identifier_patterns() -> list[dict]:
    """Token patterns for references, account numbers, phones, postcodes, e-mail."""
    outward = r"(?i)^[a-z]{1,2}\d[a-z\d]?$"
    inward = r"(?i)^\d[a-z]{2}$"
    lead = r"^(?:\+44|0)\d{2,5}$"
    return [
        {"label": "case_ref", "pattern": [_regex(r"(?i)^fg-\d{6,10}$")]},
        {"label": "account_number", "pattern": [_regex(r"(?i)^fg\d{6}$")]},
        {"label": "postcode", "pattern": [_regex(outward), _regex(inward)]},
        {"label": "postcode", "pattern": [_regex(r"(?i)^[a-z]{1,2}\d[a-z\d]?\d[a-z]{2}$")]},
        {"label": "email", "pattern": [{"LIKE_EMAIL": True}]},
        # UK numbers as written: 01273123456, 07700 900123, 020 7946 0000,
        # +44 20 7946 0000, (01273) 123456. The extractor checks the digit count.
        {"label": "phone", "pattern": [_regex(r"^(?:\+44|0)\d{9,10}$")]},
        {"label": "phone", "pattern": [_regex(lead), _regex(r"^\d{5,8}$")]},
        {"label": "phone", "pattern": [_regex(lead), _regex(r"^\d{3,4}$"), _regex(r"^\d{3,4}$")]},
        {
            "label": "phone",
            "pattern": [
                {"TEXT": "+44"},
                _regex(r"^\(?0?\)?\d{2,4}$"),
                _regex(r"^\d{3,4}$"),
                _regex(r"^\d{3,4}$"),
            ],
        },
        {"label": "phone", "pattern": [{"TEXT": "+44"}, _regex(r"^\d{4}$"), _regex(r"^\d{6}$")]},
        {
            "label": "phone",
            "pattern": [
                {"TEXT": "("},
                _regex(r"^0\d{2,4}$"),
                {"TEXT": ")"},
                _regex(r"^\d{3,8}$"),
                {"TEXT": {"REGEX": r"^\d{3,4}$"}, "OP": "?"},
            ],
        },
    ]


def date_patterns() -> list[dict]:
    """Dates as customers write them, from the words the parser reads (date_words)."""
    month = {"LOWER": {"REGEX": f"^(?:{alternatives(MONTHS)})$"}}
    day = _regex(DAY_NUMBER)
    the = {"LOWER": "the", "OP": "?"}
    of = {"LOWER": "of", "OP": "?"}
    relative = {"LOWER": {"IN": [*RELATIVE, "the"]}, "OP": "?"}
    return [
        {"label": "date", "pattern": [the, day, of, month, _regex(r"^\d{4}$")]},
        {"label": "date", "pattern": [the, day, of, month]},
        {"label": "date", "pattern": [month, day]},
        {"label": "date", "pattern": [{"LOWER": "the"}, day]},
        {"label": "date", "pattern": [_regex(r"^\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?$")]},
        # 2027-01-31: the tokenizer splits at the hyphens between digits
        {
            "label": "date",
            "pattern": [
                _regex(r"^\d{4}$"),
                {"TEXT": "-"},
                _regex(r"^\d{2}$"),
                {"TEXT": "-"},
                _regex(r"^\d{2}$"),
            ],
        },
        {"label": "date", "pattern": [{"LOWER": {"IN": list(DAY_OFFSETS)}}]},
        {
            "label": "date",
            "pattern": [relative, {"LOWER": {"REGEX": f"^(?:{alternatives(WEEKDAYS)})$"}}],
        },
        {
            "label": "date",
            "pattern": [
                {"LOWER": "end"},
                {"LOWER": "of"},
                relative,
                {"LOWER": {"IN": list(PERIODS)}},
            ],
        },
        {"label": "date", "pattern": [{"LOWER": "next"}, {"LOWER": {"IN": list(PERIODS)}}]},
    ]


def build() -> Language:
    """The pipeline: blank English tokenizer and one entity ruler."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns(product_patterns() + identifier_patterns() + date_patterns())
    nlp.meta["name"] = "focus_en"
    nlp.meta["description"] = "Focus Group rules: products, references, accounts, phones, postcodes"
    return nlp


def main(argv: list[str]) -> None:
    out = Path(argv[0]) if argv else DEFAULT_OUT
    build().to_disk(out)
    print(f"spaCy pipeline written to {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
