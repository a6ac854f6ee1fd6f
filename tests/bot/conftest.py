"""The real running stack for conversation tests: case service, action server, Rasa.

Rasa and the action server start once per session with the model `make test`
trained (FOCUS_TEST_MODEL), through the same script as `make run`. The case
service runs apart so a test can restart it with another clock (FOCUS_NOW) or
stop it, as an outage, while Rasa keeps running. Everything is on the usual
ports, with databases under reports/stack-state.
"""

import os
import shutil
import signal
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

from scripts.stack import PORTS, URLS, load_secrets

ROOT = Path(__file__).resolve().parents[2]
STATE = ROOT / "reports" / "stack-state"
LOGS = ROOT / "reports" / "stack-logs"
IN_HOURS = "2026-11-25T10:00"  # a Wednesday morning


def env_value(key: str) -> str:
    """A shared secret from .env, generated as `make run` would on a fresh clone."""
    return load_secrets()[key]


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


class CaseServiceProcess:
    """The case service with a chosen clock, and a staff login to read cases."""

    url = URLS["cases"]
    python = str(ROOT / "backend" / ".venv" / "bin" / "python")

    def __init__(self) -> None:
        self.process: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "FOCUS_DATABASE_URL": f"sqlite+aiosqlite:///{STATE / 'cases.db'}",
            "FOCUS_SERVICE_TOKEN": env_value("FOCUS_SERVICE_TOKEN"),
        }
        subprocess.run(
            [self.python, "-m", "focus_cases", "seed-demo"],
            env=self.env,
            check=True,
            cwd=ROOT / "backend",
            stdout=subprocess.DEVNULL,
        )
        created = subprocess.run(
            [self.python, "-m", "focus_cases", "create-admin", f"tester-{uuid.uuid4().hex[:6]}"],
            env=self.env,
            check=True,
            cwd=ROOT / "backend",
            capture_output=True,
            text=True,
        ).stdout
        self.username = created.split("'")[1]
        self.password = created.rsplit("one-time password: ", 1)[1].strip()

    def start(self, now: str | None = IN_HOURS) -> None:
        self.stop()
        env = {**self.env, **({"FOCUS_NOW": now} if now else {})}
        log = open(LOGS / "cases.log", "a")  # noqa: SIM115 (kept open for the child)
        self.process = subprocess.Popen(
            [
                self.python,
                "-m",
                "focus_cases",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(PORTS["cases"]),
            ],
            env=env,
            cwd=ROOT / "backend",
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/health", timeout=1).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        raise RuntimeError("the case service did not start; see reports/stack-logs/cases.log")

    def pause(self) -> None:
        """Hang the service (SIGSTOP): connections open, nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None

    def cases(self) -> list[dict]:
        """Every stored case, with details and words (staff API)."""
        with requests.Session() as staff:
            staff.post(
                f"{self.url}/api/auth/login",
                json={"username": self.username, "password": self.password},
                timeout=10,
            ).raise_for_status()
            listed = staff.get(f"{self.url}/api/cases", params={"limit": 200}, timeout=10).json()
            return [
                staff.get(f"{self.url}/api/cases/{c['reference']}", timeout=10).json()
                for c in listed["cases"]
            ]


@dataclass
class Stack:
    rasa_url: str
    token: str
    cases: CaseServiceProcess

    def say(self, sender: str, text: str) -> list[dict]:
        response = requests.post(
            f"{self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()

    def reply(self, sender: str, text: str) -> str:
        """All the bot's texts for one message, as one string."""
        return "\n".join(m.get("text", "") for m in self.say(sender, text))


def _prepare_state() -> None:
    if not STATE.exists():
        STATE.mkdir(parents=True)
    LOGS.mkdir(parents=True, exist_ok=True)


@pytest.fixture(scope="session")
def case_service() -> Iterator[CaseServiceProcess]:
    if _port_in_use(PORTS["cases"]):
        pytest.fail(f"port {PORTS['cases']} is in use: stop `make run` or set FOCUS_CASES_PORT")
    shutil.rmtree(STATE, ignore_errors=True)
    _prepare_state()
    service = CaseServiceProcess()
    service.start()
    yield service
    service.stop()


@pytest.fixture(scope="session")
def stack(case_service: CaseServiceProcess) -> Iterator[Stack]:
    model = os.environ.get("FOCUS_TEST_MODEL")
    if not model:
        pytest.fail("FOCUS_TEST_MODEL is not set: run the suite through `make test`")
    busy = [port for port in (PORTS["rasa"], PORTS["actions"]) if _port_in_use(port)]
    if busy:
        pytest.fail(f"ports {busy} are in use: stop `make run` or set FOCUS_*_PORT")
    process = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "scripts" / "stack.py"),
            "--model",
            model,
            "--parts",
            "actions,rasa",
            "--logs",
            str(LOGS),
            "--state",
            str(STATE),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "FOCUS_OUTBOX_DIR": str(STATE / "outbox"), "FOCUS_BACKEND_TIMEOUT": "3"},
    )
    for line in process.stdout:
        if line.startswith("stack: ready"):
            break
    else:
        pytest.fail(f"the stack did not start; see {LOGS}")
    try:
        yield Stack(URLS["rasa"], env_value("RASA_AUTH_TOKEN"), case_service)
    finally:
        process.terminate()
        process.wait(timeout=60)


@pytest.fixture
def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"
