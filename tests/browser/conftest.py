"""The real stack and Debian's Chromium, for the browser tests of the widget and console.

scripts/stack.py starts the case service, the action server and Rasa (the model in
FOCUS_TEST_MODEL) once per run, on the FOCUS_*_PORT ports, with their files where
tests/stack_fixtures.py says; a test can restart the case service with another clock
(FOCUS_NOW). Screenshots go to reports/screenshots/. Chromium is /usr/bin/chromium
(scripts/chromium.sh); Playwright never downloads one.
"""

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from scripts.stack import Staff
from tests.stack_fixtures import REPORTS, CaseService, required_model, suite_stack

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


@dataclass
class Stack:
    """The running stack, with the staff account the tests log in with (an agent)."""

    cases: CaseService

    @property
    def url(self) -> str:
        return self.cases.url

    @property
    def credentials(self) -> tuple[str, str]:
        return self.cases.username, self.cases.password

    def create_staff(self, username: str, role: str, first_login: bool = True) -> Staff:
        """Another account (``first_login``: its one-time password already replaced)."""
        return self.cases.stack.create_staff(username, role, first_login)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """The widget learns Rasa's address from the case service: the local one, whatever
    FOCUS_RASA_PUBLIC_URL says; "try the bot" may set its conversation's clock."""
    required_model()
    SHOTS.mkdir(parents=True, exist_ok=True)
    harness = suite_stack(
        "browser",
        {"cases": {"FOCUS_ALLOW_CLOCK_OVERRIDE": "1", "FOCUS_RASA_PUBLIC_URL": None}},
    )
    try:
        harness.start()
        yield Stack(CaseService(harness, harness.create_staff("agent-browser", "agent")))
    finally:
        harness.stop()


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


def log_in(page: Page, stack: Stack, staff: Staff | None = None, lands_on: str = "Queue") -> None:
    """Log in to the console (as the suite's agent unless ``staff`` is given)."""
    username, password = (staff.username, staff.password) if staff else stack.credentials
    page.goto(f"{stack.url}/staff/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name=lands_on, exact=True)).to_be_visible()


def conversation_id(page: Page) -> str | None:
    """The conversation the widget's kept session id names (its signed token's first
    part: the token itself is renewed with every message)."""
    token = page.evaluate("JSON.parse(localStorage.getItem('fg-chat:session'))")
    return token.split(".")[0] if token else None


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
    session = conversation_id(page)
    page.reload()
    widget.wait_online()
    expect(widget.log).to_contain_text(FAULT_DIALOGUE_START)
    expect(widget.log).to_contain_text("FG004521")
    assert session and conversation_id(page) == session
    reply = ""
    for text, asked in FAULT_DIALOGUE_REST:
        reply = widget.say(text, until=asked)
    screenshot(page, "widget-fault-reported")
    context.close()
    match = re.search(r"FG-\d{8}", reply)
    assert match, f"no case reference in the last reply: {reply!r}"
    return {"reference": match[0], "session": session, "reply": reply}
