"""Conversation ids come from the case service, signed; Rasa's socket.io channel lets
nobody into a conversation without one. "Try the bot" clock times count only signed."""

import asyncio
import time
import uuid

import pytest

from bot import signing
from tests.security.clients import Chat, new_session, say, signed_session, user_events

HOURS = "what are your opening hours?"


def forged_ids(harness) -> dict[str, object]:
    real = new_session(harness)["session_id"]
    conversation_id, expires, mac = real.split(".")
    other = uuid.uuid4().hex
    past = int(time.time()) - 60
    guessed = signing.mac("a guessed secret", signing.SESSION, other, expires)
    return {
        "missing": None,
        "not a string": {"session_id": real},
        "unsigned": other,
        "forged": f"{other}.{expires}.{mac}",
        "expiry moved": f"{conversation_id}.{int(expires) + 3600}.{mac}",
        "wrong secret": f"{other}.{expires}.{guessed}",
        "expired": signed_session(harness, other, past),
    }


async def test_unsigned_forged_and_expired_ids_cannot_join(harness):
    async with Chat(harness.url("rasa")) as chat:
        for how, token in forged_ids(harness).items():
            event, _ = await chat.join(token)
            assert event == "session_refused", how


async def test_messages_need_the_id_the_socket_joined_with(harness):
    """A message under another conversation's id (valid or not) is refused and echoed
    back for the widget to send again; the bot never answers it."""
    mine, theirs = new_session(harness), new_session(harness)
    async with Chat(harness.url("rasa")) as chat:
        [(event, data)] = await chat.say(mine["session_id"], HOURS)  # before joining
        assert (event, data["message"]) == ("session_refused", HOURS)
        assert (await chat.join(mine["session_id"]))[0] == "session_confirm"
        for how, token in [*forged_ids(harness).items(), ("theirs", theirs["session_id"])]:
            answer = await chat.say(token, HOURS)
            assert [event for event, _ in answer] == ["session_refused"], how


async def test_a_signed_id_carries_a_conversation_end_to_end(harness):
    """Joined with the service's id, a message is answered and lands in the tracker of
    the conversation the id names (the address added), as a renewed id carries on."""
    session = new_session(harness)
    async with Chat(harness.url("rasa")) as chat:
        assert await chat.join(session["session_id"]) == ("session_confirm", session["session_id"])
        answer = await chat.say(session["session_id"], HOURS)
        assert any("09:00" in (data or {}).get("text", "") for _, data in answer), answer
        renewed = new_session(harness, session["session_id"])["session_id"]
        assert {event for event, _ in await chat.say(renewed, "thanks")} == {"bot_uttered"}
    said = user_events(harness, session["conversation_id"])
    assert [e["text"] for e in said] == [HOURS, "thanks"]
    assert said[0]["metadata"]["client_address"] == "127.0.0.1"


CALLBACK = ["please can someone call me back", "Jo Clock", "07700 900555", "friday morning"]
SATURDAY = "2026-11-28T14:00"


@pytest.mark.parametrize(("signed", "queued"), [(False, False), (True, True)])
def test_only_a_signed_clock_time_is_believed(harness, signed, queued):
    """The service allows clock times (FOCUS_ALLOW_CLOCK_OVERRIDE) and runs on a
    Wednesday morning: a request made "on Saturday" is queued for Monday only when
    the case service signed that time for this conversation."""
    sender = f"try-{uuid.uuid4().hex[:12]}"
    metadata = {"focus_now": SATURDAY}
    if signed:
        mac = signing.mac(harness.session_secret, signing.CLOCK, sender, SATURDAY)
        metadata["focus_now_signature"] = mac
    for text in CALLBACK:
        say(harness, sender, text, metadata)
    reply = say(harness, sender, "yes", metadata)
    assert "your reference is FG-" in reply
    assert ("picked up at 09:00 on Monday 30 November" in reply) is queued, reply


async def test_a_chat_that_ends_leaves_no_error_in_rasas_log(harness):
    """Once a websocket closes, engine.io's route returns no response: Sanic logged
    that as an error with a traceback, once for every chat that ended."""
    log = harness.logs / "rasa.log"
    written = log.stat().st_size
    async with Chat(harness.url("rasa")) as chat:
        event, _ = await chat.join(new_session(harness)["session_id"])
        assert event == "session_confirm"
        assert chat.client.transport() == "websocket"
    await asyncio.sleep(1)  # Rasa has seen the websocket close
    assert "Invalid response type" not in log.read_bytes()[written:].decode()
