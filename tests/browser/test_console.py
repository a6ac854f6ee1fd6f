"""The staff console against the real stack in Chromium: queue, case, transcript, status,
notes, try the bot, reports, hostile text, logout."""

import re

from conftest import FAULT_DIALOGUE_START, HOSTILE, SATURDAY, Stack, log_in, screenshot
from playwright.sync_api import Page, expect


def test_case_from_the_widget_in_the_queue_and_worked(
    page: Page, stack: Stack, reported_fault: dict[str, str]
) -> None:
    reference = reported_fault["reference"]
    log_in(page, stack)
    due_now = page.get_by_role("region", name="Due now")
    link = due_now.get_by_role("link", name=reference)
    expect(link).to_be_visible()
    screenshot(page, "console-queue")
    page.get_by_label("Kind").select_option("complaint")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("link", name=reference)).to_have_count(0)
    page.get_by_label("Kind").select_option("fault")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name=reference).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    expect(page.locator(".words")).to_contain_text("broadband")
    # The conversation that made the case, from Rasa's tracker, with the intents.
    transcript = page.locator(".transcript")
    expect(transcript).to_contain_text(FAULT_DIALOGUE_START, timeout=30_000)
    expect(transcript).to_contain_text("your reference is")
    expect(transcript.locator(".bubble--user .meta").first).to_contain_text("%")
    expect(page.get_by_text(reported_fault["session"])).to_be_visible()
    screenshot(page, "console-case")
    screenshot(page, "console-case-full", full_page=True)

    page.get_by_label("New status").select_option("in_progress")
    page.get_by_label("Note (optional)").fill("Calling the customer now")
    page.get_by_role("button", name="Change status").click()
    expect(page.locator("#case-status")).to_have_text("In progress")
    expect(page.locator(".history")).to_contain_text("Open → In progress")
    page.get_by_label("Add a note").fill("Line test booked for 14:00")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".history")).to_contain_text("Line test booked for 14:00")

    page.get_by_role("link", name="Queue", exact=True).click()
    in_progress = page.get_by_role("region", name="In progress")
    expect(in_progress.get_by_role("link", name=reference)).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Staff login")).to_be_visible()
    page.goto(f"{stack.url}/staff/#/queue")
    expect(page.get_by_role("heading", name="Staff login")).to_be_visible()


def _staff_create_case(page: Page, stack: Stack, words: str) -> str:
    """A case made by staff through the API in the page's own session (with CSRF)."""
    body = {
        "kind": "general",
        "channel": "phone",
        "customer_words": words,
        "details": {"summary": words},
    }
    result = page.evaluate(
        """async body => {
            const me = await (await fetch('/api/auth/me')).json();
            const r = await fetch('/api/cases', {method: 'POST', body: JSON.stringify(body),
                headers: {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token}});
            return [r.status, await r.json()];
        }""",
        body,
    )
    assert result[0] == 201, result
    return result[1]["reference"]


def test_hostile_text_is_shown_as_text_in_the_console(page: Page, stack: Stack) -> None:
    log_in(page, stack)
    reference = _staff_create_case(page, stack, HOSTILE + ' "quoted" & <b>bold</b>')
    page.goto(f"{stack.url}/staff/#/case/{reference}")
    expect(page.locator(".words")).to_have_text(HOSTILE + ' "quoted" & <b>bold</b>')
    page.get_by_label("Add a note").fill(HOSTILE)
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".history .note")).to_have_text(HOSTILE)
    assert page.locator("main img, main b").count() == 0
    screenshot(page, "console-hostile-text")


def test_try_the_bot_at_a_chosen_time(page: Page, stack: Stack) -> None:
    log_in(page, stack)
    page.get_by_role("link", name="Try the bot").click()
    page.get_by_label("Clock (UK time) for this conversation").fill(SATURDAY)
    page.get_by_label("Message to the bot").fill("what are your opening hours?")
    page.get_by_role("button", name="Send").click()
    turn = page.locator(".turn").last
    expect(turn.locator(".analysis")).to_be_visible(timeout=90_000)
    expect(turn.locator(".intent strong")).to_have_text("faq_hours")
    expect(turn.locator(".confidence")).to_have_text(re.compile(r"^\d+\.\d%$"))
    expect(turn.locator(".analysis")).to_contain_text("utter_faq_hours")
    expect(turn.locator(".bubble--bot").first).to_contain_text("09:00")
    expect(page.get_by_label("Clock (UK time) for this conversation")).to_be_disabled()

    page.get_by_label("Message to the bot").fill(HOSTILE)
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".turn")).to_have_count(2)
    expect(page.locator(".turn").last.locator(".analysis")).to_be_visible(timeout=90_000)
    expect(page.locator(".turn .bubble--user").last).to_have_text(re.compile(re.escape(HOSTILE)))
    assert page.locator("main img").count() == 0
    screenshot(page, "console-try-the-bot", full_page=True)

    page.get_by_text("Save this conversation as a test story").click()
    page.get_by_label("Story name").fill("Opening hours on a Saturday")
    page.get_by_role("button", name="Save as test story").click()
    yaml = page.get_by_label("Test story YAML")
    expect(yaml).to_contain_text('- story: "Opening hours on a Saturday"')
    expect(yaml).to_contain_text("intent: faq_hours")
    expect(yaml).to_contain_text("what are your opening hours?")
    download = page.get_by_role("link", name=re.compile(r"Download test_opening_hours"))
    expect(download).to_be_visible()


def test_reports_page_plots(page: Page, stack: Stack) -> None:
    log_in(page, stack)
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Cases by kind")).to_be_visible()
    charts = page.locator("svg.chart")
    expect(charts).to_have_count(3)
    assert page.locator("svg.chart rect.bar").count() > 10
    summary = _summary(page)
    expect(page.locator(".lead")).to_contain_text(f"{summary['total']} cases")
    screenshot(page, "console-reports", full_page=True)


def _summary(page: Page) -> dict:
    return page.evaluate("async () => (await fetch('/api/reports/summary')).json()")
