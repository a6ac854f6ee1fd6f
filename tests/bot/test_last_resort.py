"""An action that crashes outright still answers: an apology and the phone number
(the action server's last-resort guard), never a silent turn."""

from collections.abc import Iterator

import pytest

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
