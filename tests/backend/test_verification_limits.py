"""The limits on guessing account pairs: per conversation, per client address, per
account from one source (a stranger cannot lock the customer out), across sources
only for a source that failed itself; atomic under concurrency; the staff alert;
pruning."""

import asyncio
from datetime import timedelta

from aiohttp.test_utils import TestClient
from conftest import BEARER, MovableClock, staff_login
from sqlalchemy import func, select

from focus_cases import verification
from focus_cases.models import FailedAttempt
from focus_cases.state import SESSIONS

GOOD = {"account_number": "FG004521", "postcode": "BN43 6ZZ"}
WRONG = {"account_number": "FG004521", "postcode": "XX1 1XX"}


async def verify(
    client: TestClient, pair: dict[str, str], conversation: str, address: str | None = None
) -> int:
    source = {"conversation_id": conversation, "client_address": address}
    response = await client.post("/api/verify", json={**pair, **source}, headers=BEARER)
    body = await response.json()
    if response.status == 429:
        assert body["type"] == "/problems/too-many-attempts" and body["detail"]
    return response.status


async def test_three_failed_pairs_end_the_conversation(client: TestClient) -> None:
    chat = ("chat-1", "203.0.113.7")
    for account in ("FG000001", "FG000002", "FG000003"):
        assert await verify(client, {**WRONG, "account_number": account}, *chat) == 404
    assert await verify(client, GOOD, *chat) == 429
    # The same browser in a new conversation is still below the address limit.
    assert await verify(client, GOOD, "chat-2", "203.0.113.7") == 200


async def test_one_address_cannot_walk_through_account_numbers(client: TestClient) -> None:
    for n in range(10):
        pair = {"account_number": f"FG10{n:04d}", "postcode": "BN43 6ZZ"}
        assert await verify(client, pair, f"c{n}", "198.51.100.9") == 404
    assert await verify(client, GOOD, "fresh", "198.51.100.9") == 429
    assert await verify(client, GOOD, "fresh", "198.51.100.10") == 200


async def test_a_stranger_cannot_lock_the_customer_out(client: TestClient) -> None:
    for n in range(5):
        assert await verify(client, WRONG, f"s{n}", "192.0.2.66") == 404
    assert await verify(client, GOOD, "s9", "192.0.2.66") == 429
    # The customer's own chat, from their own address, is not affected.
    assert await verify(client, WRONG, "mine", "192.0.2.1") == 404
    assert await verify(client, GOOD, "mine", "192.0.2.1") == 200


async def test_account_cap_across_sources_spares_a_source_without_failures(
    client: TestClient,
) -> None:
    # 51 failures on one account from many addresses, each below its own limits.
    for n in range(51):
        assert await verify(client, WRONG, f"bot{n}", f"10.0.{n // 4}.{n % 4}") == 404
    # A source that failed on the account before is refused now...
    assert await verify(client, GOOD, "bot0x", "10.0.0.0") == 429
    # ...the real customer, who never failed, is not.
    assert await verify(client, GOOD, "real", "192.0.2.1") == 200


async def test_concurrent_failures_never_exceed_the_limit(client: TestClient) -> None:
    """A burst may be refused more than needed (each sees the others' attempts in
    flight), never less: with the tries after it, exactly the limit get an answer."""
    chat = ("burst", "203.0.113.50")
    statuses = await asyncio.gather(*(verify(client, WRONG, *chat) for _ in range(12)))
    assert set(statuses) <= {404, 429}
    answered = statuses.count(404)
    while await verify(client, WRONG, *chat) == 404:
        answered += 1
    assert answered == verification.CONVERSATION.max_failures
    assert await verify(client, GOOD, *chat) == 429
    # Refused attempts leave no rows: the conversation holds only its real failures.
    async with client.app[SESSIONS]() as session:
        rows = await session.scalar(
            select(func.count())
            .select_from(FailedAttempt)
            .where(FailedAttempt.scope == "conversation")
        )
    assert rows == answered


async def test_staff_see_an_alert_when_failures_spike(client: TestClient) -> None:
    csrf = await staff_login(client, "agent")
    quiet = await (await client.get("/api/reports/verification", headers=csrf)).json()
    assert quiet == {"failures_last_hour": 0, "threshold": 30, "alert": False}
    for n in range(31):
        pair = {"account_number": f"FG20{n:04d}", "postcode": "AB1 2CD"}
        await verify(client, pair, f"a{n}", f"10.1.{n}.1")
    spike = await (await client.get("/api/reports/verification", headers=csrf)).json()
    assert spike == {"failures_last_hour": 31, "threshold": 30, "alert": True}
    assert (await client.get("/api/reports/verification", headers=BEARER)).status == 403


async def test_old_failures_are_pruned(client: TestClient, clock: MovableClock) -> None:
    for _ in range(3):
        assert await verify(client, WRONG, "old", "10.9.9.9") == 404
    clock.at += verification.KEEP + timedelta(seconds=1)
    assert await verify(client, WRONG, "new", "10.9.9.9") == 404
    sessions = client.app[SESSIONS]
    # 3 old attempts x 4 rows each; the new attempt's 4 rows stay.
    assert await verification.prune(sessions, clock.now()) == 12
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(FailedAttempt)) == 4
