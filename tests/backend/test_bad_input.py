"""Bad input gets a 4xx problem with a reason, never a 500."""

import json
import logging

import pytest
from aiohttp.test_utils import TestClient
from conftest import BEARER, fault_case

from focus_cases.endpoints import ENDPOINTS

HEADERS = {**BEARER, "Idempotency-Key": "bad-input", "Content-Type": "application/json"}


async def post_raw(client: TestClient, data: bytes | str, **headers: str) -> tuple[int, dict]:
    response = await client.post("/api/cases", data=data, headers={**HEADERS, **headers})
    assert response.content_type == "application/problem+json"
    body = await response.json()
    assert {"type", "title", "status", "detail"} <= body.keys()
    assert body["status"] == response.status
    return response.status, body


async def test_malformed_json(client: TestClient) -> None:
    status, body = await post_raw(client, b'{"kind": "fault",')
    assert status == 400 and body["type"] == "/problems/malformed-json"
    assert (await post_raw(client, b"\xff\xfe"))[0] == 400


async def test_unknown_field_wrong_type_bad_enum(client: TestClient) -> None:
    for body in [
        fault_case(colour="blue"),
        fault_case(customer_words=42),
        fault_case(kind="refund"),
        fault_case(channel="fax"),
        fault_case(customer_words=""),
        fault_case(customer_words="x" * 10_001),
        fault_case(customer_words="nul\x00byte"),
        [],
        "just a string",
    ]:
        status, problem = await post_raw(client, json.dumps(body))
        assert status == 422, body
        assert problem["errors"]


async def test_oversize_body(client: TestClient) -> None:
    status, body = await post_raw(client, "x" * (65 * 1024))
    assert status == 413 and "65536" in body["detail"]


async def test_wrong_content_type(client: TestClient) -> None:
    status, _ = await post_raw(client, "kind=fault", **{"Content-Type": "text/plain"})
    assert status == 415


async def test_unknown_route_and_method(client: TestClient) -> None:
    missing = await client.get("/api/nothing")
    assert missing.status == 404 and missing.content_type == "application/problem+json"
    wrong_method = await client.delete("/api/hours")
    assert wrong_method.status == 405 and "GET" in wrong_method.headers["Allow"]


async def test_request_id_echoed(client: TestClient) -> None:
    response = await client.get("/health", headers={"X-Request-Id": "abc-123"})
    assert response.headers["X-Request-Id"] == "abc-123"
    assert await response.json() == {"status": "ok", "database": "ok"}


async def test_openapi_describes_every_route(client: TestClient) -> None:
    doc = await (await client.get("/api/openapi.json")).json()
    assert doc["openapi"].startswith("3.1")
    for entry in ENDPOINTS:
        assert entry.method.lower() in doc["paths"][entry.path], entry.path
    create = doc["paths"]["/api/cases"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "CaseCreate"
    )
    assert "fault" in str(doc["components"]["schemas"]["CaseCreate"])


async def test_personal_data_not_logged(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await client.post(
        "/api/verify", json={"account_number": "FG004521", "postcode": "BN43 6ZZ"}, headers=BEARER
    )
    await client.post(
        "/api/cases",
        json=fault_case(customer_words="secret words"),
        headers={**BEARER, "Idempotency-Key": "log"},
    )
    assert "BN43" not in caplog.text and "secret words" not in caplog.text
