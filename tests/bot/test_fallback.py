"""The "did you mean" suggestions name the likeliest topics in words from the domain."""

from pathlib import Path

import pytest
import yaml

from bot.actions.fallback import STARTERS, button, candidates, topic_titles


@pytest.fixture(scope="module")
def titles() -> dict[str, str]:
    return topic_titles(yaml.safe_load(Path("domain.yml").read_text()))


def parse(ranking: list[str]) -> dict:
    return {"intent_ranking": [{"name": name, "confidence": 0.3} for name in ranking]}


def test_the_two_likeliest_topics_are_suggested(titles):
    ranking = ["nlu_fallback", "faq_hours", "report_fault", "greet"]
    assert candidates(parse(ranking), titles) == ["faq_hours", "report_fault"]


def test_fallback_and_conversational_intents_are_not_suggested(titles):
    ranking = ["nlu_fallback", "out_of_scope", "affirm", "inform", "stop"]
    assert candidates(parse(ranking), titles) == []


def test_a_button_sends_the_intent_and_shows_the_domains_words(titles):
    assert button("faq_hours", titles) == {
        "title": "What are your opening hours?",
        "payload": "/faq_hours",
    }


def test_titles_come_only_from_title_responses():
    domain = {
        "responses": {
            "utter_topic_faq_hours": [{"text": "Opening hours"}],
            "utter_faq_hours": [{"text": "We open at 09:00"}],
        }
    }
    assert topic_titles(domain) == {"faq_hours": "Opening hours"}


def test_every_starter_has_a_title(titles):
    assert set(STARTERS) <= set(titles)
