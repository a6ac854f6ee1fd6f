"""The real running stack for the trust-boundary tests: who may join a conversation,
whose clock the bot believes, what reaches the logs.

scripts/stack.py starts the case service, the action server and Rasa (the model in
FOCUS_TEST_MODEL) once per run, with the run's FOCUS_SESSION_SECRET, their files in
reports/security-<port>/ (tests/stack_fixtures.py); the case service allows "try the
bot" clock times, so only the signature decides whether one is believed. How the
tests talk to it: tests/security/clients.py.
"""

from collections.abc import Iterator

import pytest

from scripts.stack import Stack
from tests.stack_fixtures import required_model, suite_stack


@pytest.fixture(scope="session")
def harness() -> Iterator[Stack]:
    required_model()
    stack = suite_stack("security", {"cases": {"FOCUS_ALLOW_CLOCK_OVERRIDE": "1"}})
    try:
        stack.start()
        yield stack
    finally:
        stack.stop()
