"""The "did you mean" suggestions name the likeliest topics in words."""

from pathlib import Path

import yaml

from bot.actions.fallback import TOPICS, button, candidates


def parse(ranking: list[str]) -> dict:
    return {"intent_ranking": [{"name": name, "confidence": 0.3} for name in ranking]}


def test_the_two_likeliest_topics_are_suggested():
    assert candidates(parse(["nlu_fallback", "faq_hours", "report_fault", "greet"])) == [
        "faq_hours",
        "report_fault",
    ]


def test_fallback_and_conversational_intents_are_not_suggested():
    ranking = ["nlu_fallback", "out_of_scope", "affirm", "inform", "stop"]
    assert candidates(parse(ranking)) == []


def test_a_button_sends_the_intent_and_shows_words():
    assert button("faq_hours") == {"title": "What are your opening hours?", "payload": "/faq_hours"}


def test_every_topic_in_the_domain_has_a_title_and_every_title_a_topic():
    domain = yaml.safe_load(Path("domain.yml").read_text())
    not_suggested = {"affirm", "deny", "stop", "inform", "out_of_scope"}
    assert set(domain["intents"]) - not_suggested == set(TOPICS)
