"""An action that crashes outright still answers: an apology and the phone number
(the action server's last-resort guard), never a silent turn. So does a turn whose
action server is gone: Rasa goes on without the action, and the channel asks again."""

from collections.abc import Iterator

import pytest

from bot.channels import NOT_ANSWERED
from tests.bot.impostor import Impostor

ACCOUNT, POSTCODE = "FG004521", "BN43 6ZZ"
PHONE = "0330 024 2000"
APOLOGY = "something went wrong on my side"  # utter_action_failed


@pytest.fixture
def nonsense(stack, harness) -> Iterator[None]:
    """A case service whose answers are JSON of the wrong shape."""
    stack.cases.stop()
    impostor = Impostor(harness.ports["cases"], b'{"now": "2026-11-25T10:00Z", "services": 5}')
    yield
    impostor.close()
    stack.cases.start()


def test_an_action_that_crashes_still_answers(stack, nonsense, sender):
    """The tariff form reads a nonsense account and raises: the last-resort guard."""
    stack.reply(sender, "can you tell me what tariff we're on")
    stack.reply(sender, ACCOUNT)
    reply = stack.reply(sender, POSTCODE)
    assert APOLOGY in reply and PHONE in reply


def test_a_turn_whose_action_server_is_gone_asks_for_the_message_again(stack, harness, sender):
    """The fault form's first question comes from the action server: refused, Rasa
    goes on without it, after "I'll log it". Sent again, the message is answered."""
    fault = "our broadband's been down since 8 this morning"
    harness.stop("actions")
    try:
        reply = stack.reply(sender, fault)
    finally:
        harness.start("actions")
    assert reply.endswith(NOT_ANSWERED)
    assert "account number" in stack.reply(sender, fault)
