"""No part logs a customer's personal data, even when an action fails with a
conversation full of it (the failing action's request carries the whole tracker)."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from tests.bot.impostor import Impostor
from tests.security.clients import say

NAME, PHONE = "Perpetua Quillfeather", "07700 900461"
ACCOUNT, POSTCODE = "FG004521", "BN43 6ZZ"
WORDS = "the ethernet in our stockroom crackles"
# What must appear in no log line, each as the customer typed it or as the bot stores it.
PRIVATE = [
    *(NAME, "Quillfeather", PHONE, "07700900461", "900461"),
    *(ACCOUNT, POSTCODE, "BN436ZZ", WORDS),
]


@contextmanager
def nonsense(harness) -> Iterator[None]:
    """A case service whose answers are JSON of the wrong shape: the next action that
    reads an account raises."""
    harness.stop("cases")
    impostor = Impostor(harness.ports["cases"], b'{"now": "2026-11-25T10:00Z", "services": 5}')
    try:
        yield
    finally:
        impostor.close()
        harness.start("cases")


def test_a_failing_action_leaves_no_personal_data_in_any_log(harness):
    """A callback request goes to the case service; then, in the same conversation,
    the tariff form crashes on a nonsense answer with all of it in the tracker."""
    sender = f"pii-{uuid.uuid4().hex[:12]}"
    for text in [f"please can someone call me back, {WORDS}", NAME, PHONE, "friday morning"]:
        say(harness, sender, text)
    assert "your reference is FG-" in say(harness, sender, "yes")
    with nonsense(harness):
        say(harness, sender, "can you tell me what tariff we're on")
        say(harness, sender, ACCOUNT)
        reply = say(harness, sender, POSTCODE)
    logs = sorted(harness.logs.glob("*.log"))
    assert {log.stem for log in logs} == set(harness.parts)  # every part, the mail sink too
    found = [
        f"{log.name}: {line.strip()}"
        for log in logs
        for line in log.read_text(errors="replace").splitlines()
        if any(private.lower() in line.lower() for private in PRIVATE)
    ]
    assert not found, "\n".join(found)
    assert "something went wrong on my side" in reply  # the action did fail
