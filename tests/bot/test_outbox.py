"""The shared outbox against the real case service: each entry on its own, exactly
once across replicas and restarts, at its submission time, refusals to staff."""

import asyncio
import json
import os
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from bot.actions.backend import CaseService
from bot.actions.outbox import Outbox, entries

POSTGRES_URL = os.environ.get("FOCUS_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgres"])
def url(request, tmp_path: Path) -> str:
    """The outbox on SQLite, and on PostgreSQL when FOCUS_TEST_POSTGRES_URL is set
    (the case service's test database; the outbox table is emptied for each test)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'outbox.db'}"
    if not POSTGRES_URL:
        pytest.skip("FOCUS_TEST_POSTGRES_URL not set")
    url = POSTGRES_URL.replace("+asyncpg", "")  # the bot's SQLAlchemy speaks psycopg2
    with Outbox(url).engine.begin() as connection:
        connection.execute(entries.delete())
    return url


def callback_case(name: str) -> dict:
    return {
        "kind": "callback",
        "customer_words": f"please call {name}",
        "contact_name": name,
        "contact_phone": "07700900123",
        "details": {"preferred_time": "after 2pm"},
    }


def named(case_service, prefix: str) -> list[dict]:
    return [c for c in case_service.cases() if (c.get("contact_name") or "").startswith(prefix)]


@asynccontextmanager
async def proxy(target: str, poison: set[str], posted: list[str]) -> AsyncIterator[str]:
    """A loopback proxy to the real service that records each Idempotency-Key posted
    and answers 500 for the ``poison`` keys."""

    async def forward(request: web.Request) -> web.Response:
        key = request.headers.get("Idempotency-Key")
        if key:
            posted.append(key)
        if key in poison:
            return web.Response(status=500, text="<html>boom</html>")
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method, target + request.path_qs, data=await request.read(), headers=headers
            ) as answer,
        ):
            body = await answer.read()
        return web.Response(status=answer.status, body=body, content_type=answer.content_type)

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", forward)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def test_a_stopped_service_keeps_entries_until_it_is_back(case_service, client, url):
    outbox = Outbox(url, first_retry=0.01)
    name = f"Back {uuid.uuid4().hex[:6]}"
    await outbox.put("k-" + uuid.uuid4().hex, callback_case(name))
    case_service.stop()
    try:
        assert await outbox.deliver(client) == 0
        [entry] = await outbox.pending()
        assert entry["attempts"] == 1 and "Unavailable" in entry["last_error"]
    finally:
        case_service.start()
    assert await outbox.deliver(client) == 1
    assert await outbox.pending() == []
    [case] = named(case_service, name)
    assert case["customer_words"] == f"please call {name}"


async def test_a_failing_entry_in_front_never_blocks_the_others(case_service, client, url):
    outbox = Outbox(url)
    prefix = f"Many {uuid.uuid4().hex[:6]}"
    await outbox.put("poison", callback_case(f"{prefix} poison"), submitted_at=1.0)
    for n in range(12):
        await outbox.put(f"k-{prefix}-{n}", callback_case(f"{prefix} {n}"))
    posted: list[str] = []
    async with proxy(case_service.url, {"poison"}, posted) as through:
        delivered = await outbox.deliver(CaseService(through, client.token))
    assert delivered == 12 and posted[0] == "poison"
    [left] = await outbox.pending()
    assert left["key"] == "poison" and left["attempts"] == 1
    assert left["next_try_at"] > time.time()  # backs off on its own
    assert len(named(case_service, prefix)) == 12


async def test_two_replicas_deliver_each_entry_once(case_service, client, url):
    prefix = f"Pair {uuid.uuid4().hex[:6]}"
    first, second = Outbox(url), Outbox(url)
    for n in range(16):
        await first.put(f"k-{prefix}-{n}", callback_case(f"{prefix} {n}"))
    posted: list[str] = []
    async with proxy(case_service.url, set(), posted) as through:
        service = CaseService(through, client.token)
        counts = await asyncio.gather(first.deliver(service), second.deliver(service))
    assert sum(counts) == 16 and sorted(posted) == sorted(set(posted))
    assert len(named(case_service, prefix)) == 16


async def test_a_courier_dying_mid_delivery_still_makes_one_case(case_service, client, url):
    name = f"Restart {uuid.uuid4().hex[:6]}"
    key = "k-" + uuid.uuid4().hex
    dead = Outbox(url, lease=1.0)
    await dead.put(key, callback_case(name))
    entry = await dead.claim()
    await client.create_case(json.loads(entry.body), key)  # sent, then the courier died
    restarted = Outbox(url)
    assert await restarted.deliver(client) == 0  # still held by the dead courier
    await asyncio.sleep(1.1)
    assert await restarted.deliver(client) == 1
    assert await restarted.pending() == []
    assert len(named(case_service, name)) == 1


async def test_a_cancellation_from_2359_delivered_after_midnight_is_accepted(
    case_service, client, url
):
    outbox = Outbox(url)
    words = f"cancel from today {uuid.uuid4().hex[:6]}"
    case = {
        "kind": "cancellation",
        "customer_words": words,
        "details": {"services": ["Data Connectivity"], "effective_date": "2026-11-25"},
    }
    case_service.start("2026-11-26T00:05")  # a frozen clock: 6 minutes after it was sent
    try:
        await outbox.put("k-" + uuid.uuid4().hex, case, submitted_at=time.time() - 360)
        assert await outbox.deliver(client) == 1
        [stored] = [c for c in case_service.cases() if c["customer_words"] == words]
    finally:
        case_service.start()
    assert stored["kind"] == "cancellation"
    assert stored["created_at"].startswith("2026-11-25T23:59")


async def test_a_refused_entry_becomes_a_case_for_staff(case_service, client, url):
    outbox = Outbox(url)
    words = f"our line is dead {uuid.uuid4().hex[:6]}"
    await outbox.put("k-" + uuid.uuid4().hex, {"kind": "fault", "customer_words": words})
    assert await outbox.deliver(client) == 0
    assert await outbox.pending() == []
    [case] = [c for c in case_service.cases() if c["customer_words"] == words]
    assert case["kind"] == "general" and case["status"] == "open"
    assert case["details"]["summary"].startswith("NEEDS ATTENTION")
    assert "422" in case["details"]["summary"]


async def test_files_of_the_old_outbox_are_moved_in_and_none_is_lost(
    case_service, client, url, tmp_path
):
    folder = tmp_path / "outbox"
    (folder / "rejected").mkdir(parents=True)
    tag = uuid.uuid4().hex[:6]
    good = {"key": f"old-{tag}", "case": callback_case(f"Old {tag}")}
    (folder / f"old-{tag}.json").write_text(json.dumps(good))
    (folder / f"torn-{tag}.json").write_text(f'{{"case": {{"customer_words": "torn {tag}')
    refused = {"key": f"no-{tag}", "case": {"kind": "fault", "customer_words": f"no {tag}"}}
    (folder / "rejected" / f"no-{tag}.json").write_text(json.dumps({**refused, "reason": "422"}))
    (folder / "locked.json").mkdir()  # cannot be opened: left alone, nothing stalls
    outbox = Outbox(url)
    assert outbox.migrate(folder) == 3
    assert list(folder.rglob("*.json")) == [folder / "locked.json"]
    assert await outbox.deliver(client) == 1
    assert await outbox.pending() == []
    cases = case_service.cases()
    assert len(named(case_service, f"Old {tag}")) == 1
    staff = [c for c in cases if c["kind"] == "general" and tag in c["customer_words"]]
    assert len(staff) == 2
