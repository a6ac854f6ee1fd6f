"""The staff loop through the real app: the due clock, assigning, "my cases", search,
the CSV export, and a repeat tariff request linked to the open case."""

import csv
import io
from typing import Any

from aiohttp.test_utils import TestClient
from conftest import BEARER, MovableClock, create, fault_case, london, staff_login

TARIFF = {"kind": "tariff", "customer_words": "What am I paying for broadband?", "details": {}}
OTHER_ACCOUNT = {"account_number": "FG001234", "postcode": "RH10 9ZZ"}


async def get(client: TestClient, path: str, **params: str) -> dict[str, Any]:
    response = await client.get(path, params=params)
    assert response.status == 200, await response.text()
    return await response.json()


async def assign(
    client: TestClient, headers: dict[str, str], reference: str, username: str | None
) -> tuple[int, dict[str, Any]]:
    response = await client.put(
        f"/api/cases/{reference}/assignee", json={"username": username}, headers=headers
    )
    return response.status, await response.json()


# --- the due clock ---------------------------------------------------------------------


async def test_due_clock_counts_working_time_by_kind(
    client: TestClient, admin: dict[str, str], clock: MovableClock
) -> None:
    _, fault = await create(client, fault_case())  # Wednesday 10:00
    _, tariff = await create(client, {**fault_case(), **TARIFF})
    clock.at = london(2026, 11, 25, 13, 0)
    await staff_login(client, "admin")  # sessions idle out after 30 minutes
    items = {c["reference"]: c for c in (await get(client, "/api/cases"))["cases"]}
    assert items[fault["reference"]]["respond_by"] == "2026-11-25T14:00:00Z"  # 4 working hours
    assert items[fault["reference"]]["due_in_text"] == "due in 1 h"
    # Two working days of 8 h 30: Wednesday 10:00 to 17:30, Thursday, Friday to 10:00.
    assert items[tariff["reference"]]["respond_by"] == "2026-11-27T10:00:00Z"
    assert items[tariff["reference"]]["due_in_text"] == "due in 45 h"
    clock.at = london(2026, 11, 25, 14, 0)
    admin = await staff_login(client, "admin")
    case = await get(client, f"/api/cases/{fault['reference']}")
    assert case["overdue"] is True and case["due_in_text"] == "overdue"
    response = await client.post(
        f"/api/cases/{fault['reference']}/status", json={"status": "resolved"}, headers=admin
    )
    assert response.status == 200
    resolved = await response.json()
    assert resolved["overdue"] is False and resolved["due_in_text"] is None


async def test_due_clock_skips_the_weekend(client: TestClient, clock: MovableClock) -> None:
    clock.at = london(2026, 11, 27, 16, 0)  # Friday
    await create(client, fault_case())
    clock.at = london(2026, 11, 28, 12, 0)  # Saturday
    await staff_login(client, "agent")
    [listed] = (await get(client, "/api/cases"))["cases"]
    assert listed["respond_by"] == "2026-11-30T11:30:00Z"  # Monday, 1 h 30 into the day
    assert listed["due_in_text"] == "due in 47 h" and listed["overdue"] is False


# --- assigning and "my cases" ------------------------------------------------------------


async def login(client: TestClient, role: str) -> tuple[dict[str, str], str]:
    """Log in as a new staff member (the cookie jar holds one session): CSRF header, name."""
    headers = await staff_login(client, role)
    return headers, (await get(client, "/api/auth/me"))["username"]


async def test_agents_take_and_release_their_own_cases_admins_assign_anyone(
    client: TestClient,
) -> None:
    _, case = await create(client, fault_case())
    _, other = await create(client, fault_case(contact_name="Other"))
    reference = case["reference"]

    first, first_name = await login(client, "agent")
    status, body = await assign(client, first, reference.lower(), first_name)
    assert status == 200 and body["assigned_to"] == first_name
    assert body["events"][-1]["event"] == "assigned"
    assert (await get(client, f"/api/cases/{reference}"))["assigned_to"] == first_name
    mine = await get(client, "/api/cases", mine="true")
    assert [c["reference"] for c in mine["cases"]] == [reference]
    assert mine["cases"][0]["assigned_to"] == first_name
    status, problem = await assign(client, first, other["reference"], "someone-else")
    assert status == 403 and problem["type"] == "/problems/forbidden"
    status, body = await assign(client, first, reference, None)  # lets go of their own
    assert status == 200 and body["assigned_to"] is None
    assert body["events"][-1]["event"] == "unassigned"
    assert body["events"][-1]["note"] == first_name
    assert (await get(client, "/api/cases", mine="true"))["total"] == 0
    assert (await assign(client, first, reference, first_name))[0] == 200

    second, second_name = await login(client, "agent")
    status, problem = await assign(client, second, reference, second_name)
    assert status == 409 and problem["detail"] == f"the case is assigned to {first_name}"
    assert (await assign(client, second, reference, None))[0] == 409
    assert (await get(client, "/api/cases", mine="true"))["total"] == 0

    admin, _ = await login(client, "admin")
    status, body = await assign(client, admin, reference, second_name)
    assert status == 200 and body["assigned_to"] == second_name
    status, problem = await assign(client, admin, reference, "nobody-here")
    assert status == 422 and problem["type"] == "/problems/unknown-staff"
    status, body = await assign(client, admin, reference, None)
    assert status == 200 and body["assigned_to"] is None


async def test_assign_needs_staff_csrf_and_a_known_case(client: TestClient) -> None:
    _, case = await create(client, fault_case())
    path = f"/api/cases/{case['reference']}/assignee"
    assert (await client.put(path, json={"username": None})).status == 401
    assert (await client.put(path, json={"username": None}, headers=BEARER)).status == 403
    admin = await staff_login(client, "admin")
    response = await client.put(path, json={"username": None})
    assert response.status == 403 and (await response.json())["type"] == "/problems/csrf"
    assert (await assign(client, admin, "FG-00000000", None))[0] == 404
    response = await client.put(path, json={"user": "x"}, headers=admin)
    assert response.status == 422


# --- search ------------------------------------------------------------------------------


async def test_one_search_box_finds_reference_account_company_and_phone(
    client: TestClient, admin: dict[str, str]
) -> None:
    _, bakery = await create(client, fault_case(contact_phone="01273 000111"))
    _, surveyors = await create(client, fault_case(**OTHER_ACCOUNT))
    _, anonymous = await create(
        client, {**TARIFF, "kind": "general", "contact_phone": "+44 (0)20 7946 0999"}
    )

    async def search(q: str) -> list[str]:
        return [c["reference"] for c in (await get(client, "/api/cases", q=q))["cases"]]

    assert await search(f" {bakery['reference'].lower()} ") == [bakery["reference"]]
    assert await search("fg 001 234") == [surveyors["reference"]]
    assert await search("surveyors") == [surveyors["reference"]]
    assert await search("+44 1273 000111") == [bakery["reference"]]
    assert await search("020 7946 0999") == [anonymous["reference"]]
    assert await search("100%_") == []
    assert await search("FG-99999999") == []
    combined = await get(client, "/api/cases", q="example bakery", kind="tariff")
    assert combined["total"] == 0


# --- the CSV export ----------------------------------------------------------------------


async def test_export_streams_the_filtered_queue_as_csv(
    client: TestClient, admin: dict[str, str]
) -> None:
    _, fault = await create(client, fault_case(contact_name='=HYPERLINK("http://x")'))
    await create(client, {**fault_case(**OTHER_ACCOUNT), **TARIFF})
    response = await client.get("/api/cases.csv", params={"kind": "fault"})
    assert response.status == 200
    assert response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(await response.text())))
    assert len(rows) == 1
    [row] = rows
    assert row["reference"] == fault["reference"] and row["kind"] == "fault"
    assert row["company_name"] == "Example Bakery Ltd (demo)"
    assert row["respond_by"] == "2026-11-25T14:00:00+00:00" and row["overdue"] == "False"
    assert row["contact_name"] == '\'=HYPERLINK("http://x")'  # text, never a formula
    everything = await client.get("/api/cases.csv", params={"q": "surveyors"})
    assert len(list(csv.DictReader(io.StringIO(await everything.text())))) == 1


async def test_export_is_for_staff(client: TestClient) -> None:
    assert (await client.get("/api/cases.csv")).status == 401
    assert (await client.get("/api/cases.csv", headers=BEARER)).status == 403
    await staff_login(client, "agent")
    response = await client.get("/api/cases.csv", params={"kind": "nonsense"})
    assert response.status == 422


# --- a repeat tariff request ---------------------------------------------------------------


async def test_a_second_tariff_request_within_a_day_joins_the_open_case(
    client: TestClient, admin: dict[str, str], clock: MovableClock
) -> None:
    status, first = await create(client, {**fault_case(), **TARIFF})
    assert status == 201 and first["linked"] is False
    clock.at = london(2026, 11, 25, 16, 0)
    again = {**fault_case(), **TARIFF, "customer_words": "Me again about my tariff"}
    status, second = await create(client, again)
    assert status == 200 and second["linked"] is True
    assert second["reference"] == first["reference"]
    await staff_login(client, "admin")  # sessions idle out after 30 minutes
    case = await get(client, f"/api/cases/{first['reference']}")
    assert case["events"][-1]["event"] == "request_linked"
    assert case["events"][-1]["note"] == "Me again about my tariff"
    # Another account, or another kind, makes its own case.
    assert (await create(client, {**fault_case(**OTHER_ACCOUNT), **TARIFF}))[0] == 201
    assert (await create(client, fault_case()))[0] == 201
    # A day later, or once the first is resolved, a new request is a new case.
    clock.at = london(2026, 11, 26, 10, 1)
    status, later = await create(client, {**fault_case(), **TARIFF})
    assert status == 201 and later["reference"] != first["reference"]
    admin = await staff_login(client, "admin")  # the first session has expired
    response = await client.post(
        f"/api/cases/{later['reference']}/status", json={"status": "resolved"}, headers=admin
    )
    assert response.status == 200, await response.text()
    status, after_resolved = await create(client, {**fault_case(), **TARIFF})
    assert status == 201 and after_resolved["reference"] != later["reference"]
