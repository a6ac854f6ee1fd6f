"""No action ever fails a turn: every form, end to end through the REST channel, with
the case service stopped, hung, slow or answering nonsense.

Each turn gets an answer; a form that submits ends with "kept, we'll log it, or call"
and its submission in the outbox; the case lookup says it cannot reach the system.
Within one kind of outage the eight conversations run at once: most of their time is
spent waiting for the actions' 3-second timeout, and they share nothing but the stack.
"""

import asyncio
import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.actions.outbox import Outbox
from tests.bot.impostor import Impostor

ACCOUNT, POSTCODE = "FG004521", "BN43 6ZZ"
PHONE = "0330 024 2000"
KEPT = "isn't responding"  # utter_case_service_down
NO_LOOKUP = "can't reach our case system"  # utter_case_service_down_lookup
APOLOGY = "something went wrong on my side"  # the last resort (test_last_resort)

# form -> (the customer's messages, what the last reply says)
CONVERSATIONS = {
    "fault": (
        ["our broadband's been down since 8 this morning", ACCOUNT, POSTCODE, "Sam Patel"]
        + ["07700 900123", "yes"],
        KEPT,
    ),
    "cancellation": (
        ["we want to cancel our broadband", ACCOUNT, POSTCODE, "end of next month", "skip", "yes"],
        KEPT,
    ),
    "tariff": (["can you tell me what tariff we're on", ACCOUNT, POSTCODE], KEPT),
    "complaint": (
        ["i want to make a formal complaint, the engineer was rude and left the job half done"]
        + [ACCOUNT, POSTCODE, "yes"],
        KEPT,
    ),
    "payment_help": (
        ["we're struggling to pay this month's bill", ACCOUNT, POSTCODE, "yes"],
        KEPT,
    ),
    "porting": (
        ["our number port was delayed by two weeks, can we get compensation", ACCOUNT]
        + [POSTCODE, "01273 123456", "yes"],
        KEPT,
    ),
    "callback": (
        ["please can someone call me back", "Jo Bloggs", "07700 900456", "tomorrow after 2pm"]
        + ["yes"],
        KEPT,
    ),
    "case_status": (["any update on FG-12345678?", ACCOUNT, POSTCODE], NO_LOOKUP),
}


@pytest.fixture(scope="module", params=["stopped", "hung", "slow", "malformed"])
def outage(request, stack, harness) -> Iterator[str]:
    """The case service in one kind of trouble for the module's conversations."""
    cases = stack.cases
    impostor = None
    if request.param == "hung":
        cases.pause()
    else:
        cases.stop()
        if request.param == "slow":  # the real answer, too late (timeout: 3 s)
            impostor = Impostor(harness.ports["cases"], b'{"now": "2026-11-25T10:00Z"}', 4.5)
        elif request.param == "malformed":
            impostor = Impostor(harness.ports["cases"], b'{"now": "2026-11-25T10:00Z", "refer')
    yield request.param
    if impostor:
        impostor.close()
    if request.param == "hung":
        cases.resume()
    else:
        cases.start()


def kept_for(harness, sender: str) -> list[dict]:
    """The outbox entries of one conversation."""
    pending = asyncio.run(Outbox(f"sqlite:///{harness.state / 'outbox.db'}").pending())
    return [e for e in pending if json.loads(e["body"]).get("conversation_id") == sender]


@pytest.fixture(scope="module")
def transcripts(stack, outage) -> dict[str, tuple[str, list[str]]]:
    """Every form's conversation during the outage, all at once: form -> (sender, replies)."""

    def converse(form: str) -> tuple[str, list[str]]:
        sender = f"outage-{outage}-{form}-{uuid.uuid4().hex[:8]}"
        return sender, [stack.reply(sender, message) for message in CONVERSATIONS[form][0]]

    with ThreadPoolExecutor(len(CONVERSATIONS)) as pool:
        return dict(zip(CONVERSATIONS, pool.map(converse, CONVERSATIONS), strict=True))


@pytest.mark.parametrize("form", CONVERSATIONS)
def test_every_turn_is_answered_and_a_submission_kept(harness, transcripts, form):
    messages, last = CONVERSATIONS[form]
    sender, replies = transcripts[form]
    assert all(replies), f"a turn went unanswered: {list(zip(messages, replies, strict=False))}"
    assert not any(APOLOGY in reply for reply in replies), replies
    assert last in replies[-1] and PHONE in replies[-1], replies
    if last == KEPT:
        [entry] = kept_for(harness, sender)
        assert entry["attempts"] == 0 or "Unavailable" in entry["last_error"]
