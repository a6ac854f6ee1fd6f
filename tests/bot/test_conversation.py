"""Conversations through the REST channel of the real running stack."""

import pytest
import requests

from bot.channels import TOO_LONG

OUT_OF_SCOPE = "Sorry, that's not something I can help with."


def test_http_api_refuses_requests_without_the_token(stack):
    assert requests.get(f"{stack.rasa_url}/status", timeout=10).status_code == 401
    parse = requests.post(f"{stack.rasa_url}/model/parse", json={"text": "hi"}, timeout=10)
    assert parse.status_code == 401
    status = requests.get(f"{stack.rasa_url}/status", params={"token": stack.token}, timeout=10)
    assert status.status_code == 200
    assert status.json()["model_file"]


def test_a_question_gets_the_exact_facts(stack, sender):
    reply = stack.reply(sender, "whats ur phone number and email pls")
    assert "0330 024 2000" in reply
    assert "customerservice@focusgroup.co.uk" in reply
    assert "Monday to Friday between the hours of 09:00 and 17:30" in reply


def test_the_hours_the_bot_says_are_the_services(stack, sender):
    """domain.yml's fact_hours is the bot's wording of hours.py: they must agree."""
    hours = requests.get(f"{stack.cases.url}/api/hours", timeout=10).json()
    reply = stack.reply(sender, "when are you open")
    days = hours["working_days"]
    said = f"{days[0]} to {days[-1]} between the hours of {hours['opens']} and {hours['closes']}"
    assert said in reply


@pytest.mark.parametrize(
    "text",
    [
        "Bonjour, je voudrais réserver une table pour deux ce soir",
        "<img src=x onerror=alert(1)>",
        "'; DROP TABLE cases; --",
        "what's the weather doing in Brighton tomorrow",
    ],
)
def test_foreign_hostile_or_unrelated_text_gets_a_friendly_no(stack, sender, text):
    messages = stack.say(sender, text)
    reply = "\n".join(m.get("text", "") for m in messages)
    assert OUT_OF_SCOPE in reply or "Did you mean" in reply or "didn't catch" in reply
    assert "0330 024 2000" in reply or messages[0].get("buttons")


@pytest.mark.parametrize("text", ["", "   ", "😀😀🙈", "🤔"])
def test_empty_or_emoji_only_gets_a_prompt_with_choices(stack, sender, text):
    messages = stack.say(sender, text)
    assert messages, "the bot must always answer"
    reply = "\n".join(m.get("text", "") for m in messages)
    assert "Sorry" in reply
    assert any(message.get("buttons") for message in messages) or "0330 024 2000" in reply


def test_ten_thousand_characters_are_asked_again_in_fewer_words(stack, sender):
    """More than the widget lets anyone type (bot/channels.py); the conversation goes on."""
    rambling = ("Hi, so our office broadband has been dropping out all week and " * 200)[:10_000]
    assert stack.reply(sender, rambling) == TOO_LONG
    assert "0330 024 2000" in stack.reply(sender, "our office broadband keeps dropping out")


def test_two_stage_fallback_suggests_then_offers_a_person(stack, sender):
    first = stack.say(sender, "/nlu_fallback")
    assert [b["payload"] for b in first[0]["buttons"]] == [
        "/report_fault",
        "/faq_contact",
        "/request_human",
    ]
    assert "say it another way" in stack.reply(sender, "/out_of_scope")
    assert "Here are some things I can help with" in stack.reply(sender, "/nlu_fallback")
    given_up = stack.say(sender, "/out_of_scope")
    assert "0330 024 2000" in given_up[0]["text"]
    assert given_up[0]["buttons"] == [{"title": "Talk to a person", "payload": "/request_human"}]


def test_picking_a_suggestion_answers_it(stack, sender):
    stack.say(sender, "/nlu_fallback")
    assert "I'll log it for our Customer Service Team" in stack.reply(sender, "/report_fault")
