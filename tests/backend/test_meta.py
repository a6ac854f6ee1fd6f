"""GET /api/meta, the console's vocabulary: it must say what the service does (the
kinds it takes, the moves it allows, the hours it keeps), since the console trusts it."""

from datetime import date, datetime, timedelta
from typing import get_args

from aiohttp.test_utils import TestClient
from conftest import MovableClock, create, fault_case, london, staff_login

from focus_cases.schemas import AnyCase, Kind, Status


async def meta(client: TestClient) -> dict:
    response = await client.get("/api/meta")
    assert response.status == 200
    return await response.json()


async def test_meta_is_public_and_described(client: TestClient) -> None:
    body = await meta(client)
    assert [k["value"] for k in body["kinds"]] == list(get_args(Kind))
    assert {"value": "payment_help", "label": "Payment help"} in body["kinds"]
    assert [s["value"] for s in body["statuses"]] == list(get_args(Status))
    assert {"value": "in_progress", "label": "In progress", "active": True} in body["statuses"]
    active = [s["value"] for s in body["statuses"] if s["active"]]
    assert active == ["queued", "open", "in_progress"]
    doc = await (await client.get("/api/openapi.json")).json()
    operation = doc["paths"]["/api/meta"]["get"]
    assert "security" not in operation and "x-roles" not in operation
    assert doc["paths"]["/api/staff"]["get"]["x-roles"] == ["admin"]
    assert doc["paths"]["/api/cases"]["post"]["x-roles"] == ["admin", "agent", "service"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/Meta"
    )


async def test_every_kind_in_meta_can_be_made(client: TestClient) -> None:
    """The kinds offered are exactly those POST /api/cases takes (one details shape each)."""
    creatable = {get_args(case.model_fields["kind"].annotation)[0] for case in get_args(AnyCase)}
    assert {k["value"] for k in (await meta(client))["kinds"]} == creatable


async def _case_in(client: TestClient, clock: MovableClock, status: str, csrf: dict) -> str:
    """A new case with the given status, reached the way staff and the service would."""
    # Before 09:00 a new case is queued (a later day would outlive the staff session).
    clock.at = london(2026, 11, 25, 7, 0) if status == "queued" else london(2026, 11, 25, 10, 0)
    _, created = await create(client, fault_case())
    reference = created["reference"]
    if status not in ("queued", "open"):
        response = await client.post(
            f"/api/cases/{reference}/status", json={"status": status}, headers=csrf
        )
        assert response.status == 200, await response.text()
    return reference


async def test_transitions_are_exactly_what_the_service_allows(
    client: TestClient, clock: MovableClock
) -> None:
    csrf = await staff_login(client)
    transitions = (await meta(client))["transitions"]
    assert set(transitions) == set(get_args(Status))
    assert transitions["open"] == ["in_progress", "resolved", "closed"]
    for start in get_args(Status):
        for target in get_args(Status):
            reference = await _case_in(client, clock, start, csrf)
            response = await client.post(
                f"/api/cases/{reference}/status", json={"status": target}, headers=csrf
            )
            allowed = target in transitions[start]
            assert response.status == (200 if allowed else 409), (start, target)


def _at(day: date, hh_mm: str, minutes: int) -> datetime:
    """UK time ``hh_mm`` on ``day``, moved by ``minutes``."""
    hour, minute = map(int, hh_mm.split(":"))
    return london(day.year, day.month, day.day, hour, minute) + timedelta(minutes=minutes)


async def test_hours_say_when_the_service_is_open(client: TestClient, clock: MovableClock) -> None:
    hours = (await meta(client))["hours"]
    assert hours["working_days"] == ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
    assert (hours["opens"], hours["closes"]) == ("09:00", "17:30")
    assert hours["timezone"] == "Europe/London"
    assert f"{hours['opens']} to {hours['closes']}" in hours["summary"]
    now = await (await client.get("/api/hours")).json()
    assert {key: now[key] for key in hours} == hours
    config = await (await client.get("/api/widget-config")).json()
    assert config["hours_summary"] == hours["summary"]
    # The times in meta are the rule's edges: open from "opens", closed from "closes".
    wednesday = date(2026, 11, 25)
    for hh_mm, minutes, open_now in [
        (hours["opens"], -1, False),
        (hours["opens"], 0, True),
        (hours["closes"], -1, True),
        (hours["closes"], 0, False),
    ]:
        clock.at = _at(wednesday, hh_mm, minutes)
        assert (await (await client.get("/api/hours")).json())["open_now"] is open_now, hh_mm
    clock.at = london(2026, 11, 28, 12, 0)  # a Saturday: not among the working days
    assert (await (await client.get("/api/hours")).json())["open_now"] is False
