"""A real running stack (case service, action server, Rasa) for conversation tests.

Started once per test session with the model `make test` trained
(FOCUS_TEST_MODEL) through the same script as `make run`, on the usual ports.
"""

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PORTS = (8000, 5005, 5055)


@dataclass
class Stack:
    rasa_url: str
    token: str

    def say(self, sender: str, text: str) -> list[dict]:
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _env_value(key: str) -> str:
    for line in (ROOT / ".env").read_text().splitlines():
        if line.startswith(f"{key}="):
            return line.split("=", 1)[1]
    raise KeyError(key)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    model = os.environ.get("FOCUS_TEST_MODEL")
    if not model:
        pytest.fail("FOCUS_TEST_MODEL is not set: run the suite through `make test`")
    busy = [port for port in PORTS if _port_in_use(port)]
    if busy:
        pytest.fail(f"ports {busy} are in use: stop `make run` before the tests")
    logs = ROOT / "reports" / "stack-logs"
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "scripts" / "stack.py"),
            "--model",
            model,
            "--logs",
            str(logs),
            "--state",
            str(ROOT / "reports" / "stack-state"),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    for line in process.stdout:
        if line.startswith("stack: ready"):
            break
    else:
        pytest.fail(f"the stack did not start; see {logs}")
    time.sleep(0.5)
    try:
        yield Stack("http://127.0.0.1:5005", _env_value("RASA_AUTH_TOKEN"))
    finally:
        process.terminate()
        process.wait(timeout=60)


@pytest.fixture
def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"
