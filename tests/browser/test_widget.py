"""The chat widget on the customer page, against the real stack in Chromium."""

import json
import re
import urllib.request

from conftest import (
    FAULT_DIALOGUE_START,
    HOSTILE,
    PHONE,
    SATURDAY,
    Stack,
    Widget,
    conversation_id,
    log_in,
    screenshot,
)
from playwright.sync_api import Browser, Page, Route, expect


def test_fault_reported_in_the_widget_is_the_case_in_the_service(
    page: Page, stack: Stack, reported_fault: dict[str, str]
) -> None:
    """What the customer typed in the page, in this browser session, is the case the
    service holds under the reference the page showed."""
    log_in(page, stack)
    case = page.evaluate(
        "async ref => (await fetch('/api/cases/' + ref)).json()", reported_fault["reference"]
    )
    assert case["reference"] == reported_fault["reference"]
    assert (case["kind"], case["channel"]) == ("fault", "chat")
    assert case["conversation_id"] == reported_fault["session"]
    assert FAULT_DIALOGUE_START in case["customer_words"]
    assert case["account_number"] == "FG004521"
    assert (case["contact_name"], case["contact_phone"]) == ("Sam Patel", "07700900123")


def test_page_shows_the_hours_the_service_keeps(page: Page, stack: Stack) -> None:
    """The customer page holds no copy of the hours: it shows what the service sends."""
    with urllib.request.urlopen(f"{stack.url}/") as response:
        html = response.read().decode()
    with urllib.request.urlopen(f"{stack.url}/api/hours") as response:
        summary = json.load(response)["summary"]
    assert "09:00" not in html and "17:30" not in html
    page.goto(f"{stack.url}/")
    expect(page.locator("[data-fg-hours]")).to_have_text(summary)
    expect(page.locator("[data-fg-hours]")).to_be_visible()

    def other_hours(route: Route) -> None:
        config = route.fetch().json()
        route.fulfill(json={**config, "hours_summary": "Monday to Thursday, 08:00 to 16:00"})

    page.route("**/api/widget-config", other_hours)
    page.reload()
    expect(page.locator("[data-fg-hours]")).to_have_text("Monday to Thursday, 08:00 to 16:00")


def test_buttons_and_keyboard_only(page: Page, stack: Stack) -> None:
    """Tab to the launcher, open it, talk, use a quick reply, close with Escape: no mouse."""
    page.goto(f"{stack.url}/")
    launcher = page.locator(".fg-chat__launcher")
    for _ in range(10):
        page.keyboard.press("Tab")
        if launcher.evaluate("node => node === document.activeElement"):
            break
    expect(launcher).to_be_focused()
    page.keyboard.press("Enter")
    widget = Widget(page)
    expect(widget.input).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    widget.wait_online()
    # Screen readers: a labelled log that announces new messages, a status line.
    expect(page.get_by_role("log", name="Conversation")).to_be_visible()
    expect(page.locator("#fg-chat [role=status]")).to_have_count(1)
    page.keyboard.type("hi")
    before = widget.bot.count()
    page.keyboard.press("Enter")
    reply = widget.wait_reply(before)
    assert "Focus Group assistant" in reply
    quick = page.get_by_role("group", name="Quick replies").last.get_by_role("button")
    expect(quick.first).to_be_visible()
    title = quick.first.inner_text()
    page.keyboard.press("Shift+Tab")  # from the input back into the quick replies
    for _ in range(10):
        if quick.first.evaluate("node => node === document.activeElement"):
            break
        page.keyboard.press("Shift+Tab")
    expect(quick.first).to_be_focused()
    before = widget.bot.count()
    page.keyboard.press("Enter")
    widget.wait_reply(before)
    expect(page.locator(".fg-chat__msg--me").last).to_contain_text(title)
    expect(quick.first).to_be_disabled()
    expect(widget.input).to_be_focused()
    screenshot(page, "widget-keyboard")
    page.keyboard.press("Escape")
    expect(page.locator("#fg-chat-panel")).to_be_hidden()
    expect(launcher).to_be_focused()


def test_hostile_message_shows_as_text(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.url}/")
    widget = Widget(page)
    widget.open()
    widget.say(HOSTILE)
    expect(page.locator(".fg-chat__msg--me .fg-chat__text").last).to_have_text(HOSTILE)
    assert page.locator("#fg-chat img").count() == 0
    screenshot(page, "widget-hostile-text")


def test_connecting_state_when_the_bot_is_unreachable(page: Page, stack: Stack) -> None:
    # Both transports refused: long polling (HTTP) and the websocket, tried first.
    page.route(re.compile(r".*/socket\.io/.*"), lambda route: route.abort())
    page.route_web_socket(re.compile(r".*/socket\.io/.*"), lambda ws: ws.close())
    page.goto(f"{stack.url}/")
    page.get_by_role("button", name="Chat with us").click()
    status = page.locator("#fg-chat [role=status]")
    expect(status).to_contain_text("Connecting")
    expect(page.locator("#fg-chat")).to_have_attribute("data-state", "connecting")
    # Typed meanwhile: kept on screen, sent when the bot is back.
    widget = Widget(page)
    widget.input.fill("hello?")
    widget.input.press("Enter")
    expect(page.locator(".fg-chat__msg--me")).to_have_text(re.compile("hello"))
    screenshot(page, "widget-connecting")


def test_out_of_hours_note_on_a_saturday(browser: Browser, stack: Stack) -> None:
    stack.cases.start(now=SATURDAY)
    try:
        context = browser.new_context(**PHONE)
        page = context.new_page()
        page.goto(f"{stack.url}/")
        Widget(page).open()
        note = page.locator(".fg-chat__notice")
        expect(note).to_be_visible()
        expect(note).to_contain_text(
            "We\u2019re closed now: your request will be picked up at 09:00 on Monday 30 November"
        )
        # A phone: the open chat fills the screen.
        box = page.locator("#fg-chat-panel").bounding_box()
        assert box is not None and box["width"] >= 380
        screenshot(page, "widget-phone-out-of-hours")
        context.close()
    finally:
        stack.cases.start()


def test_a_refused_session_id_is_replaced_and_the_chat_carries_on(page: Page, stack: Stack) -> None:
    """Rasa refuses a session id the case service did not sign (here the first one the
    widget is handed is forged): the widget gets a real one, joins with it, and the
    customer chats as if nothing happened."""
    forged = "0123abcd.9999999999.not-a-signature"
    handed: list[str] = []

    def forge_the_first(route: Route) -> None:
        if handed:
            route.continue_()
            return
        handed.append(forged)
        session = {
            "session_id": forged,
            "conversation_id": "0123abcd",
            "expires_at": "2099-01-01T00:00:00Z",
        }
        route.fulfill(status=200, content_type="application/json", body=json.dumps(session))

    page.route("**/api/chat/session", forge_the_first)
    page.goto(f"{stack.url}/")
    widget = Widget(page)
    widget.open()
    assert handed and conversation_id(page) not in (None, "0123abcd")
    assert "09:00" in widget.say("what are your opening hours?")


def test_start_again_forgets_the_verified_customer(page: Page, stack: Stack) -> None:
    """After "Start again" nothing of the chat is kept in the browser, and the old
    conversation was restarted in Rasa: reopened by its id, it asks to verify again."""
    page.goto(f"{stack.url}/")
    widget = Widget(page)
    widget.open()
    widget.say("what tariff are we on", until="account number")
    widget.say("FG004521", until="postcode")
    widget.say("BN43 6ZZ", until="Business Fibre 500")
    old = page.evaluate("localStorage.getItem('fg-chat:session')")
    old_conversation = conversation_id(page)
    page.get_by_role("button", name="Start again").click()
    widget.wait_online()
    expect(widget.log).not_to_contain_text("FG004521")
    assert "FG004521" not in (page.evaluate("localStorage.getItem('fg-chat:messages')") or "")
    assert conversation_id(page) not in (None, old_conversation)
    # The old id brought back by hand: its conversation no longer knows the customer.
    page.evaluate("id => localStorage.setItem('fg-chat:session', id)", old)
    page.reload()
    widget.wait_online()
    again = widget.say("what tariff are we on", until="account number")
    assert "Business Fibre 500" not in again


def test_kept_chat_is_forgotten_after_30_minutes(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.url}/")
    widget = Widget(page)
    widget.open()
    widget.say("what are your opening hours?")
    old = conversation_id(page)
    page.reload()
    widget.wait_online()
    expect(widget.log).to_contain_text("what are your opening hours?")  # a reload keeps it
    page.evaluate("localStorage.setItem('fg-chat:touched', String(Date.now() - 31 * 60000))")
    page.reload()
    widget.wait_online()
    expect(widget.log).not_to_contain_text("what are your opening hours?")
    assert conversation_id(page) not in (None, old)
