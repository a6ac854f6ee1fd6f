"""Observability: /metrics in Prometheus' text format with the stored state and the
process's counters, and who may read it; liveness and readiness; request ids in every
log line; no personal data in any log line."""

import asyncio
import io
import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from conftest import BEARER, MakeClient, create, fault_case
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from focus_cases.logs import JsonFormatter
from focus_cases.metrics import networks
from focus_cases.state import ENGINE

WORDS = "Our broadband has been down since 8am, ask for Priya Shah on 07700 900123."
SCRAPE_TOKEN = "scrape-me"
PERSONAL = ["FG004521", "BN43 6ZZ", "XX1 1XX", "Priya", "07700 900123", "broadband has been"]


async def scrape(client: TestClient, **headers: str) -> dict[tuple[str, tuple], float]:
    """Every sample as {(name, sorted labels): value}."""
    response = await client.get("/metrics", headers=headers)
    assert response.status == 200, await response.text()
    assert response.content_type == "text/plain"
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(await response.text())
        for sample in family.samples
    }


def sample(samples: dict[tuple[str, tuple], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_carry_cases_queue_failures_and_latency(client: TestClient) -> None:
    before = await scrape(client)
    for _ in range(2):
        assert (await create(client, fault_case()))[0] == 201
    assert (await create(client, fault_case(kind="callback", details={})))[0] in (201, 422)
    wrong = {"account_number": "FG004521", "postcode": "XX1 1XX", "conversation_id": "c1"}
    assert (await client.post("/api/verify", json=wrong, headers=BEARER)).status == 404

    after = await scrape(client)
    assert sample(after, "focus_cases", kind="fault", status="open") == 2
    assert sample(after, "focus_queue_depth") >= 2
    assert sample(after, "focus_queue_oldest_age_seconds") >= 0
    failures = ("focus_verification_failures_total", {"reason": "no_match"})
    assert (
        sample(after, failures[0], **failures[1]) - sample(before, failures[0], **failures[1]) == 1
    )
    created = {"method": "POST", "route": "/api/cases", "status": "201"}
    grew = sample(after, "focus_http_requests_total", **created) - sample(
        before, "focus_http_requests_total", **created
    )
    assert grew >= 2
    timed = {"method": "POST", "route": "/api/cases", "le": "+Inf"}
    assert sample(after, "focus_http_request_duration_seconds_bucket", **timed) >= 2


async def test_metrics_are_not_public(make_client: MakeClient) -> None:
    client = await make_client(metrics_token=SCRAPE_TOKEN)
    assert (await client.get("/metrics")).status == 200  # loopback, direct
    proxied = await client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.1"})
    assert proxied.status == 403
    assert proxied.content_type == "application/problem+json"
    wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status == 403
    token = {"Authorization": f"Bearer {SCRAPE_TOKEN}"}
    await scrape(client, **token, **{"X-Forwarded-For": "198.51.100.1"})

    elsewhere = await make_client(metrics_allow=networks("10.0.0.0/8"))
    assert (await elsewhere.get("/metrics")).status == 403


async def test_live_and_ready(client: TestClient) -> None:
    live = await client.get("/health/live")
    assert live.status == 200 and await live.json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status == 200 and await ready.json() == {"status": "ok", "database": "ok"}


async def test_not_ready_below_the_migration_head(client: TestClient) -> None:
    """A schema an older release left (its recorded revision behind the code's head)."""
    engine = client.app[ENGINE]
    async with engine.begin() as connection:
        head = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        await connection.execute(text("UPDATE alembic_version SET version_num = '0002_old'"))
    try:
        response = await client.get("/health/ready")
        body = await response.json()
        assert response.status == 503 and body["type"] == "/problems/schema-not-at-head"
        assert "0002_old" in body["detail"] and head in body["detail"]
        assert (await client.get("/health")).status == 503
        assert (await client.get("/health/live")).status == 200
    finally:  # the PostgreSQL test database is shared: the next test migrates from here
        async with engine.begin() as connection:
            restore = text("UPDATE alembic_version SET version_num = :head")
            await connection.execute(restore, {"head": head})


def replace_with_folder(database: Path) -> None:
    """The database file (and its journal) gone, a folder in its place: nothing opens."""
    for file in database.parent.glob(f"{database.name}*"):
        file.unlink()
    database.mkdir()


async def test_not_ready_when_the_database_is_gone(client: TestClient, database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("removes the SQLite file")
    assert (await client.get("/health/ready")).status == 200
    path = Path(database_url.removeprefix("sqlite+aiosqlite:///"))
    await client.app[ENGINE].dispose()  # no pooled connection keeps the old file open
    await asyncio.to_thread(replace_with_folder, path)
    response = await client.get("/health/ready")
    assert response.status == 503
    assert (await response.json())["type"] == "/problems/database-unavailable"
    assert (await client.get("/health/live")).status == 200


Lines = Callable[[], list[dict]]


@pytest.fixture
def logged() -> Iterator[Lines]:
    """Every line the process logs at INFO and above (as served) during the test, as
    the JSON formatter writes it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(level)


async def test_every_log_line_of_a_request_carries_its_id(
    client: TestClient, logged: Lines
) -> None:
    wrong = {"account_number": "FG000001", "postcode": "XX1 1XX"}
    given = await client.post(
        "/api/verify", json=wrong, headers={**BEARER, "X-Request-Id": "req-42"}
    )
    made = await client.get("/api/hours")
    assert given.headers["X-Request-Id"] == "req-42"
    generated = made.headers["X-Request-Id"]
    assert len(generated) == 32
    ours = [line for line in logged() if line["logger"].startswith("focus_cases")]
    # The failure's own line and the request's line, then the other request's line.
    assert [line.get("request_id") for line in ours] == ["req-42", "req-42", generated], ours
    assert ours[0]["message"] == "verification failed" and ours[0]["reason"] == "no_match"
    assert ours[1]["route"] == "/api/verify" and ours[1]["status"] == 404


async def test_logs_carry_no_personal_data(client: TestClient, logged: Lines) -> None:
    wrong = {
        "account_number": "FG004521",
        "postcode": "XX1 1XX",
        "conversation_id": "conv-1",
        "client_address": "203.0.113.5",
    }
    assert (await client.post("/api/verify", json=wrong, headers=BEARER)).status == 404
    body = fault_case(customer_words=WORDS, contact_name="Priya Shah", contact_phone="07700 900123")
    assert (await create(client, body))[0] == 201
    bad = fault_case(customer_words=WORDS, contact_phone="07700 900123 " * 10)
    assert (await create(client, bad))[0] == 422
    lines = logged()
    assert {line["message"] for line in lines} >= {"request", "verification failed"}
    text = json.dumps(lines).lower()
    for word in PERSONAL:
        assert word.lower() not in text, word
