"""The console's conversation report over a tracker store with Rasa's own table
(tests/bot/test_reports.py reads one that real conversations filled): the fallback
rate, each form's outcomes, the top messages not understood, the period, errors."""

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from conftest import MakeClient, staff_login, tracker_store

from focus_cases.clock import LONDON

DAY = datetime(2026, 11, 24, 10, 0, tzinfo=LONDON).timestamp()  # Tuesday


def user(text: str, intent: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": intent}}}


def loop(name: str | None) -> dict[str, Any]:
    return {"event": "active_loop", "name": name}


def slot(name: str, value: Any) -> dict[str, Any]:
    return {"event": "slot", "name": name, "value": value}


CONVERSATIONS: dict[str, list[dict[str, Any]]] = {
    "stopped": [
        user("hi", "greet"),
        user("flibber the jabberwock", "nlu_fallback"),
        user("our broadband is down", "report_fault"),
        loop("fault_form"),
        slot("requested_slot", "account_number"),
        user("stop", "stop"),
        slot("form_outcome", "stopped"),
        loop(None),
    ],
    "completed": [
        user("Flibber   the JABBERWOCK", "nlu_fallback"),
        loop("action_two_stage_fallback"),  # Rasa's own loop: not a form
        loop(None),
        user("/nlu_fallback", "nlu_fallback"),
        user("cancel our mobiles", "request_cancellation"),
        loop("cancellation_form"),
        user("hmm", "nlu_fallback"),
        loop("action_two_stage_fallback"),  # interrupts the form, which comes back
        loop(None),
        loop("cancellation_form"),
        user("yes", "affirm"),
        loop(None),
    ],
    "went-away": [user("what tariff are we on", "ask_tariff"), loop("tariff_form")],
    "new-session": [
        user("call me back", "request_human"),
        loop("callback_form"),
        {"event": "session_started"},
        user("zzz qqq", "nlu_fallback"),
    ],
    "try-0123456789abcdef": [user("staff testing nonsense", "nlu_fallback"), loop("fault_form")],
}


@pytest.fixture
async def reporting(make_client: MakeClient, tmp_path: Path) -> TestClient:
    url = tracker_store(tmp_path / "tracker.db", CONVERSATIONS, DAY)
    client = await make_client(tracker_url=url)
    await staff_login(client, "agent")
    return client


async def test_report_counts_fallbacks_forms_and_words(reporting: TestClient) -> None:
    response = await reporting.get("/api/reports/conversations?from=2026-11-24&to=2026-11-25")
    assert response.status == 200, await response.text()
    report = await response.json()
    assert report["conversations"] == 4  # staff's "try the bot" left out
    assert report["messages"] == 12 and report["not_understood"] == 5
    assert report["fallback_rate"] == round(5 / 12, 4)
    assert report["by_day"] == [
        {"day": "2026-11-24", "messages": 12, "not_understood": 5},
        {"day": "2026-11-25", "messages": 0, "not_understood": 0},
    ]
    forms = {form.pop("form"): form for form in report["forms"]}
    assert forms == {
        "callback_form": outcomes(left=1),
        "cancellation_form": outcomes(completed=1),
        "fault_form": outcomes(stopped=1),
        "tariff_form": outcomes(left=1),
    }
    assert report["top_not_understood"] == [
        {"text": "flibber the jabberwock", "count": 2},
        {"text": "hmm", "count": 1},
        {"text": "zzz qqq", "count": 1},
    ]


def outcomes(**counts: int) -> dict[str, int]:
    base = {"started": 1, "completed": 0, "stopped": 0, "gave_up": 0, "left": 0}
    merged = {**base, **counts}
    return {**merged, "abandoned": merged["stopped"] + merged["gave_up"] + merged["left"]}


async def test_report_period(reporting: TestClient) -> None:
    before = await reporting.get("/api/reports/conversations?from=2026-11-20&to=2026-11-23")
    body = await before.json()
    assert body["messages"] == 0 and body["forms"] == [] and len(body["by_day"]) == 4
    default = await (await reporting.get("/api/reports/conversations")).json()
    assert (default["start"], default["end"]) == ("2026-11-19", "2026-11-25")  # the clock's week
    assert default["messages"] == 12
    for query, status in [
        ("from=2026-11-25&to=2026-11-24", 422),
        ("from=2020-01-01&to=2026-11-24", 422),
        ("from=yesterday", 422),
    ]:
        response = await reporting.get(f"/api/reports/conversations?{query}")
        assert response.status == status, query
        assert response.content_type == "application/problem+json"


async def test_report_is_for_staff_and_survives_a_missing_store(
    make_client: MakeClient, tmp_path: Path
) -> None:
    client = await make_client(tracker_url=f"sqlite+aiosqlite:///{tmp_path / 'none.db'}")
    assert (await client.get("/api/reports/conversations")).status == 401
    await staff_login(client, "agent")
    response = await client.get("/api/reports/conversations")
    assert response.status == 503
    assert (await response.json())["type"] == "/problems/tracker-unavailable"
