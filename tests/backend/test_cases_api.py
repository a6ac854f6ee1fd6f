"""Cases through the real app and database: creation, hours, idempotency, lifecycle."""

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient
from conftest import BEARER, MakeClient, MovableClock, create, fault_case, london, staff_login
from sqlalchemy import func, select

from focus_cases.models import Case, CaseEvent
from focus_cases.state import SESSIONS


async def count(client: TestClient, model: Any) -> int:
    async with client.app[SESSIONS]() as session:
        return await session.scalar(select(func.count()).select_from(model))


async def test_in_hours_case_is_open_and_due_now(client: TestClient) -> None:
    status, body = await create(client, fault_case())
    assert status == 201
    assert body["status"] == "open" and body["open_now"] is True
    assert body["due_at"] == body["created_at"] == "2026-11-25T10:00:00Z"
    assert body["reference"].startswith("FG-") and len(body["reference"]) == 11
    assert body["account_number"] == "FG004521"
    assert body["details"] == fault_case()["details"]


async def test_out_of_hours_case_is_queued_until_next_opening(
    client: TestClient, clock: MovableClock
) -> None:
    clock.at = london(2026, 11, 27, 17, 31)  # Friday after closing
    status, body = await create(client, fault_case())
    assert status == 201
    assert body["status"] == "queued" and body["open_now"] is False
    assert body["due_at"] == "2026-11-30T09:00:00Z"
    assert body["due_at_text"] == "09:00 on Monday 30 November"


async def test_due_at_local_carries_the_uk_offset(client: TestClient, clock: MovableClock) -> None:
    clock.at = london(2026, 7, 3, 18, 0)  # Friday evening, BST
    _, body = await create(client, fault_case())
    assert body["due_at"] == "2026-07-06T08:00:00Z"
    assert body["due_at_local"] == "2026-07-06T09:00:00+01:00"


async def test_customer_words_and_hostile_text_stored_verbatim(
    client: TestClient, admin: dict[str, str]
) -> None:
    words = "<script>alert(1)</script> ' OR 1=1; DROP TABLE cases; -- \u00e9\U0001f600\n  spaced  "
    _, body = await create(client, fault_case(customer_words=words, contact_name="O'Brien"))
    response = await client.get(f"/api/cases/{body['reference']}")
    case = await response.json()
    assert case["customer_words"] == words and case["contact_name"] == "O'Brien"
    assert await count(client, Case) == 1


async def test_each_kind_validates_its_details(client: TestClient) -> None:
    valid = {
        "fault": {"service": "broadband", "description": "slow", "since": "Monday"},
        "cancellation": {"services": ["Mobile Pro 30"], "effective_date": "2027-01-31"},
        "tariff": {},
        "complaint": {"summary": "billing"},
        "payment_help": {"summary": "cash flow"},
        "porting_compensation": {"number": "01273 000000"},
        "callback": {"preferred_time": "tomorrow morning"},
        "general": {},
    }
    for kind, details in valid.items():
        status, body = await create(client, fault_case(kind=kind, details=details))
        assert status == 201, (kind, body)
        assert body["kind"] == kind
    invalid = {
        "fault": {"service": "broadband"},
        "cancellation": {"services": [], "effective_date": "2027-01-31"},
        "complaint": {"summary": "x", "extra": 1},
        "porting_compensation": {},
        "callback": {"preferred_time": 9},
    }
    for kind, details in invalid.items():
        status, body = await create(client, fault_case(kind=kind, details=details))
        assert status == 422, (kind, body)
        assert body["errors"]


async def test_cancellation_date_not_in_the_past(client: TestClient) -> None:
    details = {"services": ["x"], "effective_date": "2026-11-24"}
    status, body = await create(client, fault_case(kind="cancellation", details=details))
    assert status == 422
    assert "past" in body["errors"][0]["msg"]
    details["effective_date"] = "2026-11-25"
    assert (await create(client, fault_case(kind="cancellation", details=details)))[0] == 201


async def test_account_pair_must_verify(client: TestClient) -> None:
    status, body = await create(client, fault_case(postcode="XX1 1XX"))
    assert status == 404
    assert body["detail"] == "no account matches that account number and postcode"
    status, _ = await create(client, fault_case(postcode=None))
    assert status == 422
    body = fault_case()
    del body["account_number"], body["postcode"]
    status, created = await create(client, body)
    assert status == 201 and created["account_number"] is None


async def test_idempotent_replay_returns_same_case(client: TestClient) -> None:
    first_status, first = await create(client, fault_case(), key="key-1")
    again_status, again = await create(client, fault_case(), key="key-1")
    assert (first_status, again_status) == (201, 200)
    assert again == first
    assert await count(client, Case) == 1


async def test_idempotency_key_reused_with_other_body(client: TestClient) -> None:
    await create(client, fault_case(), key="key-2")
    status, body = await create(client, fault_case(customer_words="different"), key="key-2")
    assert status == 422
    assert body["type"] == "/problems/idempotency-key-reused"


async def test_concurrent_duplicates_make_one_case(client: TestClient) -> None:
    results = await asyncio.gather(*(create(client, fault_case(), key="race") for _ in range(10)))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] * 9 + [201]
    assert len({body["reference"] for _, body in results}) == 1
    assert await count(client, Case) == 1
    assert await count(client, CaseEvent) == 1


async def test_service_token_needs_idempotency_key(client: TestClient) -> None:
    response = await client.post("/api/cases", json=fault_case(), headers=BEARER)
    assert response.status == 400
    assert "Idempotency-Key" in (await response.json())["detail"]


async def test_release_opens_due_cases_once(client: TestClient, clock: MovableClock) -> None:
    clock.at = london(2026, 11, 28, 14, 0)  # Saturday
    _, queued = await create(client, fault_case())
    release = {"headers": BEARER}
    assert await (await client.post("/api/release", **release)).json() == {"released": 0}
    clock.at = london(2026, 11, 30, 9, 0)  # Monday opening
    results = await asyncio.gather(*(client.post("/api/release", **release) for _ in range(5)))
    released = [(await r.json())["released"] for r in results]
    assert sorted(released) == [0, 0, 0, 0, 1]
    headers = await staff_login(client)
    case = await (await client.get(f"/api/cases/{queued['reference']}", headers=headers)).json()
    assert case["status"] == "open"
    events = [(e["event"], e["to_status"], e["actor"]) for e in case["events"]]
    assert events == [("created", "queued", "service"), ("status_changed", "open", "system")]


async def test_release_runs_at_startup(make_client: MakeClient, clock: MovableClock) -> None:
    clock.at = london(2026, 11, 28, 14, 0)
    first = await make_client()
    _, queued = await create(first, fault_case())
    clock.at = london(2026, 11, 30, 9, 5)
    second = await make_client()  # a restart (or a second instance) after 09:00
    headers = await staff_login(second)
    case = await (await second.get(f"/api/cases/{queued['reference']}", headers=headers)).json()
    assert case["status"] == "open"


async def test_status_transitions_enforced(client: TestClient, admin: dict[str, str]) -> None:
    _, created = await create(client, fault_case())
    url = f"/api/cases/{created['reference']}/status"
    for status, expected in [
        ("resolved", 200),
        ("in_progress", 409),
        ("open", 200),
        ("in_progress", 200),
        ("closed", 409),
        ("resolved", 200),
        ("closed", 200),
        ("open", 409),
    ]:
        response = await client.post(url, json={"status": status, "note": "n"}, headers=admin)
        assert response.status == expected, (status, await response.text())
    case = await response.json()
    assert case["type"] == "/problems/transition-not-allowed"
    detail = await (await client.get(f"/api/cases/{created['reference']}")).json()
    assert detail["status"] == "closed"
    assert [e["to_status"] for e in detail["events"]] == [
        "open",
        "resolved",
        "open",
        "in_progress",
        "resolved",
        "closed",
    ]


async def test_notes_and_case_detail(client: TestClient, admin: dict[str, str]) -> None:
    _, created = await create(client, fault_case(conversation_id="rasa-sender-1"))
    response = await client.post(
        f"/api/cases/{created['reference']}/notes", json={"text": "called back"}, headers=admin
    )
    assert response.status == 201
    note = await response.json()
    assert note["event"] == "note_added" and note["note"] == "called back"
    assert note["actor"].startswith("admin-")
    detail = await (await client.get(f"/api/cases/{created['reference'].lower()}")).json()
    assert detail["conversation_id"] == "rasa-sender-1"
    assert detail["company_name"] == "Example Bakery Ltd (demo)"
    assert [e["event"] for e in detail["events"]] == ["created", "note_added"]
    missing = await client.get("/api/cases/FG-00000000")
    assert missing.status == 404


async def test_queue_oldest_due_first(client: TestClient, clock: MovableClock) -> None:
    clock.at = london(2026, 11, 25, 14, 0)
    _, late = await create(client, fault_case())
    clock.at = london(2026, 11, 25, 11, 0)
    _, early = await create(client, fault_case(kind="general", details={}))
    clock.at = london(2026, 11, 25, 20, 0)
    _, queued = await create(client, fault_case())
    await staff_login(client)  # now: a session from before would have idled out
    listing = await (await client.get("/api/cases")).json()
    assert [c["reference"] for c in listing["cases"]] == [
        early["reference"],
        late["reference"],
        queued["reference"],
    ]
    assert [c["due_now"] for c in listing["cases"]] == [True, True, False]
    assert listing["total"] == 3
    only = await (await client.get("/api/cases?status=queued")).json()
    assert [c["reference"] for c in only["cases"]] == [queued["reference"]]
    general = await (await client.get("/api/cases?kind=general&limit=1")).json()
    assert general["total"] == 1 and general["limit"] == 1
    assert (await client.get("/api/cases?status=bogus")).status == 422
    assert (await client.get("/api/cases?limit=0")).status == 422


async def test_lookup_only_for_the_verified_account(client: TestClient) -> None:
    _, created = await create(client, fault_case())
    ok = await client.post(
        "/api/cases/lookup",
        json={
            "reference": created["reference"],
            "account_number": "fg004521",
            "postcode": "bn436zz",
        },
        headers=BEARER,
    )
    assert ok.status == 200
    summary = await ok.json()
    assert summary["status"] == "open" and summary["last_event"] == "case created"
    other_account = {"account_number": "FG001234", "postcode": "RH10 9ZZ"}
    wrong = await client.post(
        "/api/cases/lookup",
        json={"reference": created["reference"], **other_account},
        headers=BEARER,
    )
    unknown = await client.post(
        "/api/cases/lookup", json={"reference": "FG-00000001", **other_account}, headers=BEARER
    )
    assert wrong.status == unknown.status == 404
    assert (await wrong.json())["detail"] == (await unknown.json())["detail"]


async def test_summary_report(client: TestClient, clock: MovableClock) -> None:
    await create(client, fault_case())
    clock.at = london(2026, 11, 25, 19, 15)
    await create(client, fault_case(kind="general", details={}))
    await staff_login(client)  # now: a session from 10:00 would have idled out
    report = await (await client.get("/api/reports/summary")).json()
    assert report["total"] == 2
    assert report["by_kind"] == {"fault": 1, "general": 1}
    assert report["by_hour"]["10"] == 1 and report["by_hour"]["19"] == 1
    assert report["out_of_hours"] == 1 and report["out_of_hours_share"] == 0.5


async def test_staff_can_create_without_idempotency_key(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = fault_case(channel="phone")
    response = await client.post("/api/cases", json=body, headers=admin)
    assert response.status == 201
    created = await response.json()
    assert created["channel"] == "phone"
