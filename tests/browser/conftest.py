"""The real stack and Debian's Chromium, for the browser tests of the widget and console.

Rasa and the action server start once per run (scripts/stack.py, the model in
FOCUS_TEST_MODEL); the case service runs apart so a test can restart it with another
clock (FOCUS_NOW), as tests/bot/conftest.py does. Ports come from scripts.stack.PORTS
(FOCUS_*_PORT), state and logs go under reports/, screenshots to reports/screenshots/.
Chromium is /usr/bin/chromium (scripts/chromium.sh); Playwright never downloads one.
"""

import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from scripts.stack import PORTS, URLS, load_secrets

ROOT = Path(__file__).resolve().parents[2]
REPORTS = Path(os.environ.get("FOCUS_REPORTS_DIR", ROOT / "reports"))
STATE = REPORTS / "browser-state"
LOGS = REPORTS / "browser-logs"
SHOTS = REPORTS / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IN_HOURS = "2026-11-25T10:00"  # a Wednesday morning
SATURDAY = "2026-11-28T14:00"
BOT_REPLY_SECONDS = 90  # Rasa on two busy cores
HOSTILE = "<img src=x onerror=alert(1)>"
FAULT_DIALOGUE_START = "our broadband's been down since 8 this morning"
# The rest of the fault dialogue: what the customer says, and what the bot then asks.
FAULT_DIALOGUE_REST = [
    ("BN43 6ZZ", "name"),
    ("Sam Patel", "phone number"),
    ("07700 900123", "Shall I send this"),
    ("yes", "your reference is FG-"),
]

# British locale and clock in the browser, as staff and customers have.
DESKTOP = {
    "viewport": {"width": 1280, "height": 860},
    "locale": "en-GB",
    "timezone_id": "Europe/London",
}
PHONE = {**DESKTOP, "viewport": {"width": 390, "height": 780}, "is_mobile": True}

expect.set_options(timeout=15_000)


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


class CaseService:
    """The case service on PORTS["cases"], restartable with another clock, plus the
    staff account the tests log in with (made by create-admin, as a person would)."""

    url = URLS["cases"]
    python = str(ROOT / "backend" / ".venv" / "bin" / "python")

    def __init__(self, secrets: dict[str, str]) -> None:
        self.process: subprocess.Popen | None = None
        self.env = {
            **os.environ,
            "FOCUS_DATABASE_URL": f"sqlite+aiosqlite:///{STATE / 'cases.db'}",
            "FOCUS_SERVICE_TOKEN": secrets["FOCUS_SERVICE_TOKEN"],
            "FOCUS_ALLOW_CLOCK_OVERRIDE": "1",
            "RASA_URL": URLS["rasa"],
            "RASA_AUTH_TOKEN": secrets["RASA_AUTH_TOKEN"],
        }
        self.env.pop("FOCUS_RASA_PUBLIC_URL", None)
        self._cli("seed-demo")
        created = self._cli("create-admin", "agent-browser", "--role", "agent")
        match = re.search(r"created agent '([^']+)'; one-time password: (\S+)", created)
        assert match, created
        self.username, self.password = match[1], match[2]

    def _cli(self, *args: str) -> str:
        return subprocess.run(
            [self.python, "-m", "focus_cases", *args],
            env=self.env,
            cwd=ROOT / "backend",
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def start(self, now: str = IN_HOURS) -> None:
        self.stop()
        log = open(LOGS / "cases.log", "a")  # noqa: SIM115 (kept open for the child)
        self.process = subprocess.Popen(
            [self.python, "-m", "focus_cases", "serve", "--port", str(PORTS["cases"])],
            env={**self.env, "FOCUS_NOW": now},
            cwd=ROOT / "backend",
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while not _answers(f"{self.url}/health"):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"the case service did not start; see {LOGS / 'cases.log'}")
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None


class BotProcess:
    """Rasa and the action server through scripts/stack.py, started in the background
    so the browser and case service get ready meanwhile."""

    def __init__(self, model: str) -> None:
        self.ready = threading.Event()
        self.process = subprocess.Popen(
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
            env={**os.environ, "FOCUS_OUTBOX_DIR": str(STATE / "outbox")},
        )
        threading.Thread(target=self._watch, daemon=True).start()

    def _watch(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("stack: ready"):
                self.ready.set()

    def wait(self, timeout: float = 400) -> None:
        if not self.ready.wait(timeout):
            pytest.fail(f"Rasa and the action server did not start; see {LOGS}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


@dataclass
class Stack:
    cases: CaseService
    bot: BotProcess

    @property
    def url(self) -> str:
        return URLS["cases"]


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    model = os.environ.get("FOCUS_TEST_MODEL")
    if not model:
        pytest.fail("FOCUS_TEST_MODEL is not set: run `make -C backend test-browser` with it")
    busy = [port for port in PORTS.values() if _port_in_use(port)]
    if busy:
        pytest.fail(f"ports {busy} are in use: stop `make run` or set FOCUS_*_PORT")
    shutil.rmtree(STATE, ignore_errors=True)
    for folder in (STATE, LOGS, SHOTS):
        folder.mkdir(parents=True, exist_ok=True)
    secrets = load_secrets()
    bot = BotProcess(model)
    cases = CaseService(secrets)
    try:
        cases.start()
        bot.wait()
        yield Stack(cases, bot)
    finally:
        bot.stop()
        cases.stop()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/chromium.sh")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser, stack: Stack) -> Iterator[Page]:
    """A fresh browser profile (no cookies, no localStorage) at desktop size. Any
    JavaScript dialog (an injected alert) fails the test."""
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    yield page
    context.close()
    assert not dialogs, f"a script ran a dialog: {dialogs}"
    assert not errors, f"JavaScript errors: {errors}"


def screenshot(page: Page, name: str, **options: object) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), **options)


def log_in(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.url}/staff/")
    page.get_by_label("Username").fill(stack.cases.username)
    page.get_by_label("Password").fill(stack.cases.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Queue", exact=True)).to_be_visible()


class Widget:
    """The chat widget on the demo page, driven as a customer would."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.log = page.locator(".fg-chat__log")
        self.bot = page.locator(".fg-chat__msg--bot")
        self.input = page.get_by_label("Your message")

    def open(self) -> None:
        self.page.get_by_role("button", name="Chat with us").click()
        expect(self.input).to_be_focused()
        self.wait_online()

    def wait_online(self) -> None:
        expect(self.page.locator("#fg-chat")).to_have_attribute(
            "data-state", "online", timeout=30_000
        )

    def say(self, text: str, until: str | None = None) -> str:
        """Send a message; the bot's answer: its messages until one contains ``until``
        (case-insensitive), or else until they stop coming for a moment."""
        before = self.bot.count()
        self.input.fill(text)
        self.input.press("Enter")
        return self.wait_reply(before, until)

    def replies(self, before: int) -> str:
        return "\n".join(self.bot.nth(i).inner_text() for i in range(before, self.bot.count()))

    def wait_reply(self, before: int, until: str | None = None) -> str:
        deadline = time.monotonic() + BOT_REPLY_SECONDS
        while self.bot.count() == before or (
            until is not None and until.lower() not in self.replies(before).lower()
        ):
            if time.monotonic() > deadline:
                raise AssertionError(f"the bot did not answer {until!r}: {self.replies(before)!r}")
            self.page.wait_for_timeout(200)
        count = self.bot.count()
        while until is None:  # a reply can be several messages: wait until they stop
            self.page.wait_for_timeout(1200)
            if self.bot.count() == count:
                break
            count = self.bot.count()
        return self.replies(before)


@pytest.fixture(scope="session")
def reported_fault(browser: Browser, stack: Stack) -> dict[str, str]:
    """A customer reports a fault in the widget, with a page reload half way through
    (the conversation carries on: same session, same messages on screen)."""
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.goto(f"{stack.url}/")
    widget = Widget(page)
    widget.open()
    widget.say(FAULT_DIALOGUE_START, until="account number")
    widget.say("FG004521", until="postcode")
    session = page.evaluate("localStorage.getItem('fg-chat:session')")
    page.reload()
    widget.wait_online()
    expect(widget.log).to_contain_text(FAULT_DIALOGUE_START)
    expect(widget.log).to_contain_text("FG004521")
    assert page.evaluate("localStorage.getItem('fg-chat:session')") == session
    reply = ""
    for text, asked in FAULT_DIALOGUE_REST:
        reply = widget.say(text, until=asked)
    screenshot(page, "widget-fault-reported")
    context.close()
    match = re.search(r"FG-\d{8}", reply)
    assert match, f"no case reference in the last reply: {reply!r}"
    return {"reference": match[0], "session": session.strip('"'), "reply": reply}
