"""A submission the bot's outbox delivers late counts from when it was made
(Submitted-Age, seconds ago), within a week, and only from the bot's service token."""

import os
from typing import Any

from aiohttp.test_utils import TestClient
from conftest import BEARER, MovableClock, fault_case, london


async def deliver(
    client: TestClient, body: dict[str, Any], age: str, headers: dict[str, str] = BEARER
) -> tuple[int, dict[str, Any]]:
    headers = {**headers, "Idempotency-Key": os.urandom(8).hex(), "Submitted-Age": age}
    response = await client.post("/api/cases", json=body, headers=headers)
    return response.status, await response.json()


def cancellation(effective: str) -> dict[str, Any]:
    return fault_case(kind="cancellation", details={"services": ["x"], "effective_date": effective})


async def test_a_cancellation_from_2359_delivered_after_midnight_is_accepted(
    client: TestClient, clock: MovableClock
) -> None:
    clock.at = london(2026, 11, 26, 0, 5)  # Thursday, six minutes after the submission
    status, body = await deliver(client, cancellation("2026-11-25"), "360")
    assert status == 201, body
    assert body["created_at"] == "2026-11-25T23:59:00Z"
    status, body = await deliver(client, cancellation("2026-11-25"), "0")
    assert status == 422 and "past" in body["errors"][0]["msg"]


async def test_a_late_case_is_due_as_it_would_have_been_and_open_once_past(
    client: TestClient, clock: MovableClock
) -> None:
    clock.at = london(2026, 11, 30, 9, 30)  # Monday in hours; submitted Saturday
    status, body = await deliver(client, fault_case(), str(44 * 3600))
    assert status == 201
    assert body["created_at"] == "2026-11-28T13:30:00Z"
    assert body["due_at"] == "2026-11-30T09:00:00Z" and body["status"] == "open"


async def test_the_age_is_bounded_and_a_number(client: TestClient) -> None:
    week = 7 * 24 * 3600
    assert (await deliver(client, fault_case(), str(week)))[0] == 201
    status, body = await deliver(client, fault_case(), str(week + 1))
    assert status == 422 and body["type"] == "/problems/submission-too-old"
    assert (await deliver(client, fault_case(), "-5"))[0] == 422
    assert (await deliver(client, fault_case(), "1e300"))[0] == 422
    for bad in ("soon", "nan", "inf"):
        status, body = await deliver(client, fault_case(), bad)
        assert status == 400 and "Submitted-Age" in body["detail"]


async def test_only_the_bots_service_may_backdate(
    client: TestClient, admin: dict[str, str]
) -> None:
    status, body = await deliver(client, fault_case(), "60", admin)
    assert status == 403 and "Submitted-Age" in body["detail"]
