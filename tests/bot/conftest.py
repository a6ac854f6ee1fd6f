"""The real running stack for conversation tests: case service, action server, Rasa.

scripts/stack.py starts them (tests/stack_fixtures.py says where their files go):
the case service first, for the client tests; Rasa and the action server once per
session, when a test needs them, with the model `make test` trained
(FOCUS_TEST_MODEL). A test can restart the case service with another clock
(FOCUS_NOW), stop it as an outage or pause it as a hang, while Rasa keeps running.
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from bot.actions.backend import CaseService as Client
from scripts.stack import Stack as Harness
from scripts.stack import load_secrets
from tests.stack_fixtures import CaseService, required_model, suite_stack


@dataclass
class Stack:
    rasa_url: str
    token: str
    cases: CaseService

    def say(self, sender: str, text: str, address: str | None = None) -> list[dict]:
        """One message; ``address``: the customer's, as a trusted proxy forwards it."""
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            headers={"X-Forwarded-For": address} if address else {},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()

    def reply(self, sender: str, text: str, address: str | None = None) -> str:
        """All the bot's texts for one message, as one string."""
        return "\n".join(m.get("text", "") for m in self.say(sender, text, address))


@pytest.fixture(scope="session")
def harness() -> Iterator[Harness]:
    """The suite's stack; the actions give up on a silent case service after 3 s; Rasa
    believes X-Forwarded-For from the tests themselves (a proxy on 127.0.0.1)."""
    stack = suite_stack(
        "bot",
        {
            "actions": {"FOCUS_BACKEND_TIMEOUT": "3"},
            "rasa": {"FOCUS_TRUSTED_PROXIES": "127.0.0.1"},
        },
    )
    yield stack
    stack.stop()


@pytest.fixture(scope="session")
def case_service(harness: Harness) -> CaseService:
    harness.start("cases")
    return CaseService(harness, harness.create_staff(f"tester-{uuid.uuid4().hex[:6]}"))


@pytest.fixture
def client(case_service: CaseService) -> Client:
    """The actions' HTTP client on the suite's case service."""
    return Client(case_service.url, load_secrets()["FOCUS_SERVICE_TOKEN"])


@pytest.fixture(scope="session")
def stack(harness: Harness, case_service: CaseService) -> Stack:
    required_model()
    harness.start("actions", "rasa")
    return Stack(harness.url("rasa"), harness.secrets["RASA_AUTH_TOKEN"], case_service)


@pytest.fixture
def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"
