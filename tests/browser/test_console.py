"""The staff console against the real stack in Chromium: queue, case, transcript, status,
notes, search, assigning, e-mailing tariff details, the vocabulary from /api/meta, try
the bot, reports, hostile text, logout."""

import email
import email.policy
import re
import time

from conftest import FAULT_DIALOGUE_START, HOSTILE, SATURDAY, Stack, log_in, screenshot
from focus_cases.cases import TRANSITIONS
from playwright.sync_api import Locator, Page, Route, expect

# "please can someone call me back", then what the customer says and the bot then asks.
CALLBACK_DIALOGUE = [
    ("Sam Patel", "phone number"),
    ("07700 900123", "When would suit you"),
    ("tomorrow morning", "Shall I send this"),
    ("yes", "your reference is FG-"),
]


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


def _staff_create_case(
    page: Page, words: str, kind: str = "general", now: str | None = None, **fields: str
) -> dict:
    """A case made by staff through the API in the page's own session (with CSRF), at
    the service's time or at ``now`` (UK time; the browser stack allows the override);
    ``fields`` adds fields of the body (a contact phone...)."""
    body = {"kind": kind, "channel": "phone", "customer_words": words, "details": {}, **fields}
    if kind == "porting_compensation":
        body["details"] = {"number": "01273 000000"}
    result = page.evaluate(
        """async ([body, now]) => {
            const me = await (await fetch('/api/auth/me')).json();
            const headers = {'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf_token};
            if (now) headers['X-Focus-Now'] = now;
            const r = await fetch('/api/cases',
                {method: 'POST', body: JSON.stringify(body), headers});
            return [r.status, await r.json()];
        }""",
        [body, now],
    )
    assert result[0] == 201, result
    return result[1]


def _get(page: Page, path: str) -> dict:
    """A GET of the API in the page's session."""
    return page.evaluate("async path => (await fetch(path)).json()", path)


def test_search_then_assign_to_me_and_my_cases(page: Page, stack: Stack) -> None:
    log_in(page, stack)
    mine = _staff_create_case(page, "Please call about our line", contact_phone="01632 960123")
    other = _staff_create_case(page, "Another customer's question")
    search = page.get_by_label("Search")
    search.fill("+44 1632 960123")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("link", name=mine["reference"])).to_be_visible()
    expect(page.get_by_role("link", name=other["reference"])).to_have_count(0)
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=mine["reference"]))
    expect(row).to_contain_text(re.compile(r"due in \d+ (min|h|days)"))
    search.fill(other["reference"].lower())
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("link", name=other["reference"])).to_be_visible()
    expect(page.get_by_role("link", name=mine["reference"])).to_have_count(0)

    page.get_by_role("link", name=other["reference"]).click()
    expect(page.locator("#case-assignee")).to_have_text("No one yet")
    page.get_by_role("button", name="Assign to me").click()
    expect(page.locator("#case-assignee")).to_have_text(stack.cases.username)
    expect(page.locator(".history")).to_contain_text(f"Assigned to {stack.cases.username}")
    expect(page.get_by_role("button", name="Assign to me")).to_have_count(0)
    screenshot(page, "console-assigned")

    page.get_by_role("link", name="Queue", exact=True).click()
    page.get_by_label("My cases").check()
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("link", name=other["reference"])).to_be_visible()
    expect(page.get_by_role("link", name=mine["reference"])).to_have_count(0)
    export = page.get_by_role("link", name="Export CSV")
    expect(export).to_have_attribute("href", re.compile(r"^/api/cases\.csv\?.*mine=true"))
    page.get_by_role("link", name=other["reference"]).click()
    page.get_by_role("button", name="Unassign").click()
    expect(page.locator("#case-assignee")).to_have_text("No one yet")


def test_tariff_details_are_e_mailed_from_a_tariff_case(page: Page, stack: Stack) -> None:
    log_in(page, stack)
    account = {"account_number": "FG001234", "postcode": "RH10 9ZZ"}
    case = _staff_create_case(page, "What are we paying for our phones?", "tariff", **account)
    page.goto(f"{stack.url}/staff/#/case/{case['reference']}")
    page.get_by_role("button", name="E-mail tariff details").click()
    expect(page.locator(".history")).to_contain_text("Tariff details e-mailed")
    expect(page.locator(".history")).to_contain_text("sam@surveyors.example")
    screenshot(page, "console-tariff-emailed")
    mail_dir = stack.cases.stack.mail_dir
    for _ in range(60):  # the sink gets it within the sender's interval
        sent = [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in mail_dir.glob("*.eml")
        ]
        tariffs = [m for m in sent if "tariff details" in str(m["Subject"])]
        if tariffs:
            break
        time.sleep(0.5)
    [message] = tariffs
    assert message["To"] == "sam@surveyors.example"
    assert "Cloud Voice 12" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    other = _staff_create_case(page, "A question about our bill", "general", **account)
    page.goto(f"{stack.url}/staff/#/case/{other['reference']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(other["reference"])
    expect(page.get_by_role("button", name="E-mail tariff details")).to_have_count(0)


def test_hostile_text_is_shown_as_text_in_the_console(page: Page, stack: Stack) -> None:
    log_in(page, stack)
    words = HOSTILE + ' "quoted" & <b>bold</b>'
    reference = _staff_create_case(page, words)["reference"]
    page.goto(f"{stack.url}/staff/#/case/{reference}")
    expect(page.locator(".words")).to_have_text(words)
    page.get_by_label("Add a note").fill(HOSTILE)
    page.get_by_role("button", name="Add note").click()
    expect(page.locator(".history .note")).to_have_text(HOSTILE)
    assert page.locator("main img, main b").count() == 0
    screenshot(page, "console-hostile-text")


def _options(page: Page, label: str) -> list[tuple[str, str]]:
    """(value, text) of each option of the select with this label."""
    options = page.get_by_label(label).evaluate(
        "select => Array.from(select.options, o => [o.value, o.textContent])"
    )
    return [tuple(option) for option in options]


def test_filters_and_status_choices_come_from_meta(page: Page, stack: Stack) -> None:
    log_in(page, stack)
    meta = _get(page, "/api/meta")
    kinds = [(k["value"], k["label"]) for k in meta["kinds"]]
    statuses = [(s["value"], s["label"]) for s in meta["statuses"]]
    assert _options(page, "Kind") == [("", "All kinds"), *kinds]
    status_options = _options(page, "Status")
    assert status_options[0] == ("active", "Active (queued, open, in progress)")
    assert status_options[2:] == statuses
    # An open case offers exactly the moves the service allows from "open", in its order.
    reference = _staff_create_case(page, "Please check our line")["reference"]
    page.goto(f"{stack.url}/staff/#/case/{reference}")
    expect(page.locator("#case-status")).to_have_text("Open")
    offered = [value for value, _ in _options(page, "New status")]
    assert offered == list(TRANSITIONS["open"])
    assert [text for _, text in _options(page, "New status")] == [
        dict(statuses)[value] for value in offered
    ]

    # The console keeps no copy: change what /api/meta says and the console follows.
    def changed_meta(route: Route) -> None:
        vocabulary = route.fetch().json()
        vocabulary["transitions"]["open"] = ["closed"]
        vocabulary["kinds"][0]["label"] = "Line or broadband fault"
        vocabulary["hours"]["opens"] = "08:15"
        route.fulfill(json=vocabulary)

    page.route("**/api/meta", changed_meta)
    page.reload()
    expect(page.locator("#case-status")).to_have_text("Open")
    assert _options(page, "New status") == [("closed", "Closed")]
    page.get_by_role("link", name="Queue", exact=True).click()
    assert ("fault", "Line or broadband fault") in _options(page, "Kind")
    expect(page.get_by_text("until 08:15 on the next working day")).to_be_visible()


def _send(page: Page, text: str, turns: int) -> Locator:
    """Send a message in "try the bot"; the turn once the bot has answered it."""
    page.get_by_label("Message to the bot").fill(text)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".turn")).to_have_count(turns)
    turn = page.locator(".turn").last
    expect(turn.locator(".analysis")).to_be_visible(timeout=90_000)
    return turn


def test_try_the_bot_at_a_chosen_time(page: Page, stack: Stack) -> None:
    """A callback asked for on a Saturday (the service's own clock says Wednesday 10:00):
    only the chosen time makes the case queued for Monday 09:00."""
    log_in(page, stack)
    page.get_by_role("link", name="Try the bot").click()
    page.get_by_label("Clock (UK time) for this conversation").fill(SATURDAY)
    conversation_id = page.locator(".try-controls code").inner_text()
    turn = _send(page, "please can someone call me back", 1)
    expect(turn.locator(".intent strong")).to_have_text("request_human")
    expect(turn.locator(".confidence")).to_have_text(re.compile(r"^\d+\.\d%$"))
    expect(turn.locator(".analysis")).to_contain_text("utter_callback_offer")
    expect(turn.locator(".analysis")).to_contain_text("callback_form")
    expect(page.get_by_label("Clock (UK time) for this conversation")).to_be_disabled()
    for count, (text, asked) in enumerate(CALLBACK_DIALOGUE, start=2):
        turn = _send(page, text, count)
        expect(turn.locator(".bubble--bot").last).to_contain_text(asked)
    done = turn.locator(".bubble--bot").last.inner_text()
    assert "queued and will be picked up at 09:00 on Monday 30 November" in done
    reference = re.search(r"FG-\d{8}", done)
    assert reference, done
    case = _get(page, f"/api/cases/{reference[0]}")
    assert case["status"] == "queued" and case["created_at"] == "2026-11-28T14:00:00Z"
    assert case["due_at_text"] == "09:00 on Monday 30 November"
    assert case["conversation_id"] == conversation_id
    assert case["contact_name"] == "Sam Patel"

    _send(page, HOSTILE, len(CALLBACK_DIALOGUE) + 2)
    expect(page.locator(".turn .bubble--user").last).to_have_text(re.compile(re.escape(HOSTILE)))
    assert page.locator("main img").count() == 0
    screenshot(page, "console-try-the-bot", full_page=True)

    page.get_by_text("Save this conversation as a test story").click()
    page.get_by_label("Story name").fill("Callback on a Saturday")
    page.get_by_role("button", name="Save as test story").click()
    yaml = page.get_by_label("Test story YAML")
    expect(yaml).to_contain_text('- story: "Callback on a Saturday"')
    expect(yaml).to_contain_text("intent: request_human")
    expect(yaml).to_contain_text("please can someone call me back")
    download = page.get_by_role("link", name=re.compile(r"Download test_callback_on_a_saturday"))
    expect(download).to_be_visible()


def _bars(page: Page, chart: int, length: str) -> dict[str, tuple[int, float]]:
    """The bars of the report's chart number ``chart``: key -> (value, drawn ``length``)."""
    return (
        page.locator("svg.chart")
        .nth(chart)
        .evaluate(
            """(svg, length) => Object.fromEntries(
            Array.from(svg.querySelectorAll('rect.bar[data-key]'), bar => [
                bar.dataset.key, [Number(bar.dataset.value), Number(bar.getAttribute(length))],
            ]))""",
            length,
        )
    )


def test_reports_plot_the_cases_made(page: Page, stack: Stack) -> None:
    """Two porting-compensation cases made at 19:xx: their kind's and their hour's bars
    carry the service's counts, and every bar is drawn to scale."""
    log_in(page, stack)
    before = _get(page, "/api/reports/summary")
    for now in ("2026-11-25T19:10", "2026-11-25T19:40"):
        _staff_create_case(page, "The port took a week", "porting_compensation", now)
    summary = _get(page, "/api/reports/summary")
    made = summary["by_kind"].get("porting_compensation", 0)
    assert made == before["by_kind"].get("porting_compensation", 0) + 2
    assert summary["by_hour"]["19"] == before["by_hour"]["19"] + 2
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Cases by kind")).to_be_visible()
    expect(page.locator(".lead")).to_contain_text(f"{summary['total']} cases")
    kinds, hours = _bars(page, 0, "width"), _bars(page, 1, "height")
    meta = _get(page, "/api/meta")
    assert {key: value for key, (value, _) in kinds.items()} == {
        k["value"]: summary["by_kind"].get(k["value"], 0) for k in meta["kinds"]
    }
    assert {key: value for key, (value, _) in hours.items()} == summary["by_hour"]
    for bars in (kinds, hours):
        top_value, top_length = max(bars.values())
        for value, drawn in bars.values():
            assert abs(drawn - top_length * value / top_value) <= 1, (value, drawn)
    porting = page.locator('svg.chart rect.bar[data-key="porting_compensation"] title')
    expect(porting).to_have_text(f"Porting compensation: {made}")
    evening = page.locator('svg.chart rect.bar[data-key="19"]')
    expect(evening).to_have_class(re.compile(r"\bbar--ooh\b"))
    expect(page.locator('svg.chart rect.bar[data-key="10"]')).not_to_have_class(
        re.compile(r"\bbar--ooh\b")
    )
    screenshot(page, "console-reports", full_page=True)


def test_reports_plot_how_the_bot_did(
    page: Page, stack: Stack, reported_fault: dict[str, str]
) -> None:
    """The widget's fault conversation shows in the bot's plots: messages each day and
    the fault form, each bar carrying the conversation report's count."""
    log_in(page, stack)
    page.get_by_role("link", name="Reports").click()
    expect(page.locator("#chart-forms")).to_be_visible()
    start = page.locator("#report-from").input_value()
    end = page.locator("#report-to").input_value()
    report = _get(page, f"/api/reports/conversations?from={start}&to={end}")
    expect(page.locator("#fallback-rate")).to_contain_text(f"{report['messages']} messages")
    days = _bars(page, 3, "height")
    messages = {key: value for key, (value, _) in days.items() if ":" not in key}
    assert messages == {day["day"]: day["messages"] for day in report["by_day"]}
    assert sum(messages.values()) >= 6  # the widget's fault dialogue at least
    forms = {key: value for key, (value, _) in _bars(page, 4, "width").items()}
    fault = next(form for form in report["forms"] if form["form"] == "fault_form")
    assert forms["fault_form:completed"] == fault["completed"] >= 1
    screenshot(page, "console-reports-bot", full_page=True)
