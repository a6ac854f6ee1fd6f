"""POST /api/chat/session: the chat widget's conversation ids, issued and signed by the
service (signing), renewed while valid, replaced when not."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from conftest import MakeClient

from focus_cases import signing

SECRET = "session-test-secret"
URL = "/api/chat/session"


@pytest.fixture
async def chat(make_client: MakeClient) -> TestClient:
    return await make_client(session_secret=SECRET)


async def session(client: TestClient, renewing: Any = None) -> dict[str, Any]:
    response = await client.post(URL, json={"session_id": renewing})
    assert response.status == 200, await response.text()
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return await response.json()


async def test_a_new_session_is_signed_and_expires_in_30_minutes(chat: TestClient) -> None:
    issued = await session(chat)
    now = datetime.now(UTC)
    assert signing.session_id(SECRET, issued["session_id"], now) == issued["conversation_id"]
    expires = datetime.fromisoformat(issued["expires_at"])
    assert timedelta(minutes=29) < expires - now <= timedelta(minutes=30)
    later = now + timedelta(minutes=31)
    assert signing.session_id(SECRET, issued["session_id"], later) is None
    assert signing.session_id("another secret", issued["session_id"], now) is None
    assert (await session(chat))["conversation_id"] != issued["conversation_id"]


async def test_a_valid_id_is_renewed_and_anything_else_replaced(chat: TestClient) -> None:
    issued = await session(chat)
    conversation_id, expires, mac = issued["session_id"].split(".")
    assert (await session(chat, issued["session_id"]))["conversation_id"] == conversation_id
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    expired = signing.issue_session(SECRET, an_hour_ago, issued["session_id"]).token
    for other in [
        expired,
        f"{conversation_id}.{int(expires) + 60}.{mac}",  # expiry moved
        f"{conversation_id}.{expires}.{mac[:-1]}{'B' if mac.endswith('A') else 'A'}",  # forged
        conversation_id,  # unsigned
        "é.²³.ü",  # not ASCII
        "",
    ]:
        assert (await session(chat, other))["conversation_id"] != conversation_id, other


@pytest.mark.parametrize(
    ("body", "status"),
    [({"session_id": 5}, 422), ({"session_id": "x" * 201}, 422), ({"other": 1}, 422)],
)
async def test_bad_requests_get_a_reason(chat: TestClient, body: Any, status: int) -> None:
    response = await chat.post(URL, json=body)
    assert response.status == status
    assert response.content_type == "application/problem+json"


async def test_without_a_secret_no_session_is_issued(client: TestClient) -> None:
    response = await client.post(URL, json={})
    assert response.status == 503
    assert "FOCUS_SESSION_SECRET" in (await response.json())["detail"]


async def test_any_page_may_ask_for_a_session(chat: TestClient) -> None:
    """The widget may be embedded on another site: its JSON POST needs a preflight."""
    response = await chat.options(URL, headers={"Origin": "https://example.com"})
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Headers"] == "Content-Type"
    assert (await session(chat))["session_id"]
