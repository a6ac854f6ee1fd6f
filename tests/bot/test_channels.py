"""The input channels: the client address they put on each message (X-Forwarded-For is
believed only from a trusted proxy), and the customer always answered."""

from types import SimpleNamespace

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels import (
    MAX_MESSAGE_CHARS,
    NOT_ANSWERED,
    TOO_LONG,
    AddressedRestInput,
    answered,
    client_address,
)


def request(peer: str, forwarded_for: str | None = None) -> SimpleNamespace:
    headers = {"x-forwarded-for": forwarded_for} if forwarded_for else {}
    return SimpleNamespace(ip=peer, headers=headers)


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded_for", "address"),
    [
        ("", "198.51.100.1", None, "198.51.100.1"),
        ("", "198.51.100.1", "203.0.113.9", "198.51.100.1"),  # nobody trusted
        ("10.0.0.1", "198.51.100.1", "203.0.113.9", "198.51.100.1"),  # peer not trusted
        ("10.0.0.1", "10.0.0.1", "203.0.113.9", "203.0.113.9"),
        ("10.0.0.1", "10.0.0.1", "1.1.1.1, 203.0.113.9", "203.0.113.9"),  # first hop forged
        ("10.0.0.1,10.0.0.2", "10.0.0.1", "203.0.113.9, 10.0.0.2", "203.0.113.9"),
        ("10.0.0.1", "10.0.0.1", None, "10.0.0.1"),
    ],
)
def test_client_address(monkeypatch, trusted, peer, forwarded_for, address):
    monkeypatch.setenv("FOCUS_TRUSTED_PROXIES", trusted)
    assert client_address(request(peer, forwarded_for)) == address


def test_rest_metadata_keeps_the_body_and_replaces_a_claimed_address(monkeypatch):
    monkeypatch.setenv("FOCUS_TRUSTED_PROXIES", "")
    sent = {"metadata": {"focus_now": "2026-11-28T14:00", "client_address": "192.0.2.1"}}
    incoming = SimpleNamespace(ip="198.51.100.1", headers={}, json=sent)
    assert AddressedRestInput().get_metadata(incoming) == {
        "focus_now": "2026-11-28T14:00",
        "client_address": "198.51.100.1",
    }


class Turn:
    """A stand-in for Rasa's message handler: answers with ``texts``, then raises
    ``error`` if given."""

    def __init__(self, texts: list[str], error: Exception | None = None) -> None:
        self.texts = texts
        self.error = error
        self.handled: list[str] = []

    async def __call__(self, message: UserMessage) -> None:
        self.handled.append(message.text)
        for text in self.texts:
            await message.output_channel.send_response(message.sender_id, {"text": text})
        if self.error:
            raise self.error


async def heard(turn: Turn, text: str = "our line is down") -> list[str]:
    """What the customer reads after ``text``, through ``answered``."""
    channel = CollectingOutputChannel()
    await answered(turn)(UserMessage(text, channel, "someone"))
    return [message["text"] for message in channel.messages]


async def test_a_turn_that_answers_is_passed_on_unchanged():
    assert await heard(Turn(["Which service?", "Broadband?"])) == ["Which service?", "Broadband?"]


@pytest.mark.parametrize(
    "turn",
    [Turn([]), Turn([], RuntimeError("the lock store is gone"))],
    ids=["silent", "failed"],
)
async def test_a_turn_without_an_answer_asks_for_the_message_again(turn):
    assert await heard(turn) == [NOT_ANSWERED]


async def test_a_turn_that_failed_after_answering_also_asks_again():
    assert await heard(Turn(["Which service?"], RuntimeError("saving failed"))) == [
        "Which service?",
        NOT_ANSWERED,
    ]


async def test_a_message_too_long_is_asked_again_without_reaching_the_bot():
    turn = Turn(["never said"])
    assert await heard(turn, "x" * (MAX_MESSAGE_CHARS + 1)) == [TOO_LONG]
    assert turn.handled == []
