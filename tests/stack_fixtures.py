"""The running stack as the bot and browser suites use it (scripts/stack.py underneath).

A suite's run keeps its databases, outbox and logs in reports/<suite>-<cases port>/, so
two runs on different ports (FOCUS_*_PORT) never share a file. The case service runs at
a fixed UK time (FOCUS_NOW, IN_HOURS unless a test says otherwise); a test can restart
it at another, stop it (an outage) or pause it (a hang) while Rasa keeps running.
Standard library only: the bot suite runs on the bot's Python, the browser suite on
the backend's.
"""

from __future__ import annotations

import json
import os
import shutil
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from scripts.stack import PORTS, ROOT, Stack, Staff

if TYPE_CHECKING:
    from collections.abc import Callable

    from scripts.stack import Env

IN_HOURS = "2026-11-25T10:00"  # a Wednesday morning
REPORTS = Path(os.environ.get("FOCUS_REPORTS_DIR", ROOT / "reports"))


def required_model() -> str:
    """The model `make test` trained, which the suite's Rasa serves."""
    model = os.environ.get("FOCUS_TEST_MODEL")
    if not model:
        pytest.fail("FOCUS_TEST_MODEL is not set: run the suite through `make test`")
    return model


def suite_stack(suite: str, env: dict[str, Env]) -> Stack:
    """The stack for one suite's run, in a fresh folder; ``env``: the suite's own
    variables per part, over the test clock."""
    folder = REPORTS / f"{suite}-{PORTS['cases']}"
    shutil.rmtree(folder, ignore_errors=True)
    return Stack(
        model=os.environ.get("FOCUS_TEST_MODEL", ""),
        state=folder / "state",
        logs=folder / "logs",
        env={**env, "cases": {"FOCUS_NOW": IN_HOURS, **env.get("cases", {})}},
    )


class CaseService:
    """The stack's case service as the tests drive it, with a staff login to read cases."""

    def __init__(self, stack: Stack, staff: Staff) -> None:
        self.stack = stack
        self.url = stack.url("cases")
        self.username, self.password = staff.username, staff.password

    def start(self, now: str | None = IN_HOURS) -> None:
        """(Re)start at the UK time ``now`` (None: the real clock); back when it answers."""
        self.stack.restart("cases", FOCUS_NOW=now)

    def stop(self) -> None:
        self.stack.stop("cases")

    def pause(self) -> None:
        """Hang the service (SIGSTOP): connections open, nothing answers."""
        self.stack.pause("cases")

    def resume(self) -> None:
        self.stack.resume("cases")

    def staff_reader(self) -> Callable[[str], Any]:
        """GET as the logged-in staff member: path -> the JSON answer."""
        staff = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        login = urllib.request.Request(
            f"{self.url}/api/auth/login",
            data=json.dumps({"username": self.username, "password": self.password}).encode(),
            headers={"Content-Type": "application/json"},
        )
        staff.open(login, timeout=10).close()

        def get(path: str) -> Any:
            with staff.open(f"{self.url}{path}", timeout=10) as response:
                return json.load(response)

        return get

    def cases(self) -> list[dict[str, Any]]:
        """Every stored case, with details and words (staff API)."""
        get = self.staff_reader()
        listed = get("/api/cases?limit=200")
        return [get(f"/api/cases/{case['reference']}") for case in listed["cases"]]
