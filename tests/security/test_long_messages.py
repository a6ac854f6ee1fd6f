"""A message longer than the widget lets anyone type (bot/channels.py) is asked again
in fewer words on both channels, and never reaches the bot: understanding it would
hold Rasa's one core for seconds while every other customer waited."""

import uuid

from bot.channels import MAX_MESSAGE_CHARS, TOO_LONG
from tests.security.clients import Chat, new_session, say, user_events

HOURS = "what are your opening hours?"
OVERLONG = ("my line is dead FG004521 BN43 6ZZ " * 4000)[: MAX_MESSAGE_CHARS * 50]


def user_texts(harness, conversation_id: str) -> list[str]:
    return [event["text"] for event in user_events(harness, conversation_id)]


def test_an_overlong_rest_message_is_asked_again_and_kept_out(harness) -> None:
    sender = f"long-{uuid.uuid4().hex[:12]}"
    assert say(harness, sender, OVERLONG) == TOO_LONG
    at_the_limit = (HOURS + " ") * (MAX_MESSAGE_CHARS // len(HOURS + " "))
    at_the_limit += "x" * (MAX_MESSAGE_CHARS - len(at_the_limit))
    assert say(harness, sender, at_the_limit) != TOO_LONG
    assert "09:00" in say(harness, sender, HOURS)
    assert user_texts(harness, sender) == [at_the_limit, HOURS]


async def test_an_overlong_widget_message_is_asked_again_and_kept_out(harness) -> None:
    session = new_session(harness)
    async with Chat(harness.url("rasa")) as chat:
        await chat.join(session["session_id"])
        answer = await chat.say(session["session_id"], OVERLONG)
        assert answer == [("bot_uttered", {"text": TOO_LONG})]
        answer = await chat.say(session["session_id"], HOURS)
        assert any("09:00" in (data or {}).get("text", "") for _, data in answer), answer
    assert user_texts(harness, session["conversation_id"]) == [HOURS]
