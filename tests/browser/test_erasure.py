"""UK GDPR in the browser against the real stack: an admin erases a case from the
console (after a confirm), which deletes its conversation from Rasa's own SQL tracker
store; the widget links to the privacy notice."""

import json
import os
import sqlite3
import urllib.request

from conftest import DESKTOP, Stack, Widget, log_in, screenshot
from playwright.sync_api import Browser, Page, expect

WORDS = "the fax line in the annexe hums"


def _post(url: str, body: dict, **headers: str) -> dict:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json", **headers}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.load(response)


def _tracker_rows(stack: Stack, sender_id: str) -> int:
    harness = stack.cases.stack
    with sqlite3.connect(harness.state / "tracker.db") as db:
        query = "SELECT count(*) FROM events WHERE sender_id = ?"
        return db.execute(query, (sender_id,)).fetchone()[0]


def _case_with_conversation(stack: Stack) -> tuple[str, str]:
    """A conversation in Rasa and a case made in it: (case reference, conversation id)."""
    harness = stack.cases.stack
    sender = f"erase-{os.urandom(4).hex()}"
    _post(f"{harness.url('rasa')}/webhooks/rest/webhook", {"sender": sender, "message": WORDS})
    assert _tracker_rows(stack, sender) > 0
    token = harness.secrets["FOCUS_SERVICE_TOKEN"]
    case = {
        "kind": "callback",
        "customer_words": WORDS,
        "contact_name": "Robin Erasable",
        "contact_phone": "07700 900777",
        "conversation_id": sender,
        "details": {"preferred_time": "tomorrow morning"},
    }
    service = {"Authorization": f"Bearer {token}", "Idempotency-Key": sender}
    created = _post(f"{stack.url}/api/cases", case, **service)
    return created["reference"], sender


def test_admin_erases_a_case_and_its_conversation(browser: Browser, stack: Stack) -> None:
    reference, sender = _case_with_conversation(stack)
    admin = stack.create_staff("admin-eraser", "admin")

    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    confirms: list[str] = []
    page.on("dialog", lambda dialog: (confirms.append(dialog.message), dialog.accept()))
    log_in(page, stack, admin)
    page.goto(f"{stack.url}/staff/#/case/{reference}")
    expect(page.locator(".words")).to_have_text(WORDS)
    page.get_by_role("button", name="Erase this case").click()
    expect(page.locator(".words")).to_have_text("[erased]")
    expect(page.locator(".history")).to_contain_text("details were erased")
    expect(page.get_by_text("Robin Erasable")).to_have_count(0)
    expect(page.get_by_text("The conversation was erased.")).to_be_visible()
    screenshot(page, "console-case-erased")
    context.close()

    assert len(confirms) == 1 and "cannot be undone" in confirms[0]
    assert _tracker_rows(stack, sender) == 0


def test_an_agent_has_no_erase_button(page: Page, stack: Stack) -> None:
    reference, _ = _case_with_conversation(stack)
    log_in(page, stack)
    page.goto(f"{stack.url}/staff/#/case/{reference}")
    expect(page.locator(".words")).to_have_text(WORDS)
    expect(page.get_by_role("button", name="Erase this case")).to_have_count(0)


def test_the_widget_links_to_the_privacy_notice(page: Page, stack: Stack) -> None:
    page.goto(f"{stack.url}/")
    widget = Widget(page)
    widget.open()
    link = page.get_by_role("link", name="How we use your data")
    expect(link).to_be_visible()
    with page.context.expect_page() as opened:
        link.click()
    notice = opened.value
    expect(notice.get_by_role("heading", level=1)).to_contain_text("Privacy notice")
    expect(notice.locator("table")).to_contain_text("90 days after your last message")
