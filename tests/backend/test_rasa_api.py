"""The web pages' routes: widget config, and the staff console's view of Rasa (transcript,
try the bot, test story) against a fake Rasa HTTP API; the page security headers."""

import socket
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from conftest import MakeClient, MovableClock, london, staff_login

from focus_cases import signing
from focus_cases.state import SETTINGS, Settings

RASA_TOKEN = "rasa-test-token"
SECRET = "session-test-secret"
HOSTILE = "<img src=x onerror=alert(1)>"

TRACKER: dict[str, Any] = {
    "sender_id": "abc123",
    "slots": {"account_number": "FG004521", "fact_phone": "0345 000 0000", "postcode": None},
    "active_loop": {"name": "fault_form"},
    "events": [
        {"event": "action", "name": "action_session_start", "timestamp": 1764064800.0},
        {"event": "action", "name": "action_listen", "timestamp": 1764064800.1},
        {
            "event": "user",
            "timestamp": 1764064801.0,
            "text": HOSTILE,
            "parse_data": {
                "intent": {"name": "report_fault", "confidence": 0.93},
                "intent_ranking": [
                    {"name": "report_fault", "confidence": 0.93},
                    {"name": "faq_contact", "confidence": 0.04},
                ],
                "entities": [{"entity": "product", "value": "broadband", "start": 4, "end": 13}],
            },
        },
        {
            "event": "action",
            "name": "fault_form",
            "policy": "RulePolicy",
            "confidence": 1.0,
            "timestamp": 1764064802.0,
        },
        {
            "event": "bot",
            "timestamp": 1764064802.1,
            "text": "What's your account number?",
            "data": {"buttons": [{"title": "I don't know", "payload": "/dont_know"}]},
        },
        {"event": "action", "name": "action_listen", "timestamp": 1764064802.2},
    ],
}


@pytest.fixture
async def fake_rasa(aiohttp_server: Any) -> dict[str, Any]:
    """Rasa's HTTP API as far as the service uses it; records what it was sent."""
    seen: dict[str, Any] = {"messages": [], "status": 200}

    def check(request: web.Request) -> None:
        if request.query.get("token") != RASA_TOKEN:
            raise web.HTTPUnauthorized()
        if seen["status"] != 200:
            raise web.HTTPInternalServerError()

    async def tracker(request: web.Request) -> web.Response:
        check(request)
        return web.json_response({**TRACKER, "sender_id": request.match_info["id"]})

    async def story(request: web.Request) -> web.Response:
        check(request)
        sender = request.match_info["id"]
        return web.Response(
            text=f'version: "3.1"\nstories:\n- story: {sender}\n  steps:\n  - user: |\n'
            f"      {HOSTILE} ring me on [07700 900123](phone)\n    intent: report_fault\n",
            content_type="text/yaml",
        )

    async def webhook(request: web.Request) -> web.Response:
        if seen["status"] != 200:
            raise web.HTTPInternalServerError()
        seen["messages"].append(await request.json())
        return web.json_response(
            [
                {"recipient_id": "x", "text": "What's your account number?"},
                {"recipient_id": "x", "text": "Or", "buttons": [{"title": "A", "payload": "/a"}]},
            ]
        )

    app = web.Application()
    app.router.add_get("/conversations/{id}/tracker", tracker)
    app.router.add_get("/conversations/{id}/story", story)
    app.router.add_post("/webhooks/rest/webhook", webhook)
    server = await aiohttp_server(app)
    seen["url"] = str(server.make_url("")).rstrip("/")
    return seen


@pytest.fixture
async def rasa_client(make_client: MakeClient, fake_rasa: dict[str, Any]) -> TestClient:
    return await make_client(
        allow_clock_override=True,
        rasa_url=fake_rasa["url"],
        rasa_auth_token=RASA_TOKEN,
        session_secret=SECRET,
    )


async def test_widget_config_is_public_and_embeddable(
    rasa_client: TestClient, fake_rasa: dict[str, Any], clock: MovableClock
) -> None:
    response = await rasa_client.get("/api/widget-config")
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = await response.json()
    assert body["socket_url"] == fake_rasa["url"] and body["socket_path"] == "/socket.io"
    assert body["open_now"] is True
    assert RASA_TOKEN not in await response.text()
    clock.at = london(2026, 11, 28, 14, 0)  # a Saturday
    body = await (await rasa_client.get("/api/widget-config")).json()
    assert body["open_now"] is False
    assert body["next_open_text"] == "09:00 on Monday 30 November"


async def test_staff_only_and_csrf(rasa_client: TestClient) -> None:
    message = {"conversation_id": "try-abcdef12", "message": "hi"}
    for method, path, body in [
        ("GET", "/api/conversations/abc123", None),
        ("GET", "/api/conversations/abc123/story", None),
        ("POST", "/api/try", message),
    ]:
        response = await rasa_client.request(method, path, json=body)
        assert response.status == 401, path
    await staff_login(rasa_client, "agent")
    response = await rasa_client.post("/api/try", json=message)
    assert response.status == 403 and (await response.json())["type"] == "/problems/csrf"


async def test_transcript_keeps_words_verbatim(rasa_client: TestClient) -> None:
    await staff_login(rasa_client, "agent")
    response = await rasa_client.get("/api/conversations/abc123")
    assert response.status == 200
    body = await response.json()
    assert body["conversation_id"] == "abc123"
    kinds = [e["kind"] for e in body["events"]]
    assert kinds == ["action", "user", "action", "bot"]  # never action_listen
    user = body["events"][1]
    assert user["text"] == HOSTILE
    assert user["intent"] == {"name": "report_fault", "confidence": 0.93}
    assert body["events"][3]["buttons"] == [{"title": "I don't know", "payload": "/dont_know"}]
    bad = await rasa_client.get("/api/conversations/a%20b")
    assert bad.status == 404


async def test_transcript_reads_are_audited(rasa_client: TestClient) -> None:
    await staff_login(rasa_client, "agent")
    agent = (await (await rasa_client.get("/api/auth/me")).json())["username"]
    assert (await rasa_client.get("/api/conversations/abc123")).status == 200
    assert (await rasa_client.get("/api/conversations/abc123/story")).status == 200
    rasa_client.session.cookie_jar.clear()
    await staff_login(rasa_client, "admin")
    response = await rasa_client.get("/api/audit", params={"action": "transcript_read"})
    reads = [(e["actor"], e["target"], e["detail"]) for e in (await response.json())["entries"]]
    assert reads == [(agent, "abc123", "as a test story"), (agent, "abc123", "transcript")]


async def test_try_the_bot_turn(rasa_client: TestClient, fake_rasa: dict[str, Any]) -> None:
    csrf = await staff_login(rasa_client, "agent")
    saturday = "2026-11-28T14:00"
    message = {"conversation_id": "try-abcdef12", "message": HOSTILE, "now": saturday}
    response = await rasa_client.post("/api/try", json=message, headers=csrf)
    assert response.status == 200, await response.text()
    turn = await response.json()
    signature = signing.sign_clock(SECRET, "try-abcdef12", saturday)
    metadata = {"focus_now": saturday, "focus_now_signature": signature}
    assert fake_rasa["messages"] == [
        {"sender": "try-abcdef12", "message": HOSTILE, "metadata": metadata}
    ]
    assert turn["message"] == HOSTILE and turn["clock_override_honoured"] is True
    assert turn["intent"] == {"name": "report_fault", "confidence": 0.93}
    assert [i["name"] for i in turn["intent_ranking"]] == ["report_fault", "faq_contact"]
    assert turn["entities"][0]["value"] == "broadband"
    assert turn["slots"] == {"account_number": "FG004521"}  # no facts, no empty slots
    assert turn["actions"] == [{"name": "fault_form", "policy": "RulePolicy", "confidence": 1.0}]
    assert turn["active_loop"] == "fault_form"
    assert turn["replies"][1]["buttons"] == [{"title": "A", "payload": "/a"}]


async def test_try_the_bot_without_a_secret_sends_an_unsigned_time_and_says_so(
    make_client: MakeClient, fake_rasa: dict[str, Any]
) -> None:
    """Unsigned, the bot's actions ignore the time: the console is told it is not honoured."""
    client = await make_client(
        allow_clock_override=True, rasa_url=fake_rasa["url"], rasa_auth_token=RASA_TOKEN
    )
    csrf = await staff_login(client, "agent")
    message = {"conversation_id": "try-abcdef12", "message": "hi", "now": "2026-11-28T14:00"}
    turn = await (await client.post("/api/try", json=message, headers=csrf)).json()
    assert fake_rasa["messages"][-1]["metadata"] == {"focus_now": "2026-11-28T14:00"}
    assert turn["clock_override_honoured"] is False


async def test_try_the_bot_refuses_other_conversations_and_bad_times(
    rasa_client: TestClient,
) -> None:
    csrf = await staff_login(rasa_client, "agent")
    for bad in [
        {"conversation_id": "a-customers-session", "message": "hi"},
        {"conversation_id": "try-abcdef12", "message": "hi", "now": "Saturday"},
        {"conversation_id": "try-abcdef12", "message": "hi", "now": "2026-13-40T25:00"},
        {"conversation_id": "try-abcdef12", "message": ""},
    ]:
        response = await rasa_client.post("/api/try", json=bad, headers=csrf)
        assert response.status == 422, bad


async def test_story_named_and_ready_for_tests_stories(rasa_client: TestClient) -> None:
    await staff_login(rasa_client, "agent")
    response = await rasa_client.get(
        "/api/conversations/try-abcdef12/story", params={"name": 'Fault: "Saturday" run'}
    )
    assert response.status == 200
    body = await response.json()
    assert body["filename"] == "test_fault_saturday_run.yml"
    assert '- story: "Fault: \\"Saturday\\" run"' in body["yaml"]
    assert HOSTILE in body["yaml"]
    assert "[07700 900000](phone)" in body["yaml"]  # redacted (backend/.../redaction.py)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_rasa_down_is_a_clear_503(make_client: MakeClient) -> None:
    client = await make_client(
        rasa_url=f"http://127.0.0.1:{_closed_port()}", rasa_auth_token=RASA_TOKEN
    )
    csrf = await staff_login(client, "agent")
    for response in [
        await client.get("/api/conversations/abc123"),
        await client.post(
            "/api/try", json={"conversation_id": "try-abcdef12", "message": "hi"}, headers=csrf
        ),
    ]:
        assert response.status == 503
        assert response.content_type == "application/problem+json"
        assert (await response.json())["type"] == "/problems/rasa-unavailable"


async def test_rasa_errors_and_missing_token(
    rasa_client: TestClient, fake_rasa: dict[str, Any], make_client: MakeClient
) -> None:
    await staff_login(rasa_client, "agent")
    fake_rasa["status"] = 500
    response = await rasa_client.get("/api/conversations/abc123")
    assert response.status == 502 and (await response.json())["type"] == "/problems/rasa-error"
    client = await make_client(rasa_url=fake_rasa["url"])  # no RASA_AUTH_TOKEN
    await staff_login(client, "agent")
    response = await client.get("/api/conversations/abc123")
    assert response.status == 503 and "RASA_AUTH_TOKEN" in (await response.json())["detail"]


async def test_pages_carry_a_strict_content_security_policy(rasa_client: TestClient) -> None:
    staff = await rasa_client.get("/staff/")
    assert staff.status == 200
    assert "script-src" not in staff.headers["Content-Security-Policy"]  # default-src 'self'
    assert "frame-ancestors 'none'" in staff.headers["Content-Security-Policy"]
    assert staff.headers["X-Frame-Options"] == "DENY"
    home = await rasa_client.get("/")
    port = rasa_client.app[SETTINGS].rasa_url.rsplit(":", 1)[1]
    assert f"ws://127.0.0.1:{port}" in home.headers["Content-Security-Policy"]
    moved = await rasa_client.get("/staff", allow_redirects=False)
    assert moved.status == 308 and moved.headers["Location"] == "/staff/"


def test_rasa_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_URL", "http://rasa.internal:5005/")
    monkeypatch.setenv("RASA_AUTH_TOKEN", RASA_TOKEN)
    monkeypatch.delenv("FOCUS_RASA_PUBLIC_URL", raising=False)
    settings = Settings.from_env("service-token")
    assert settings.rasa_url == "http://rasa.internal:5005"
    assert settings.rasa_auth_token == RASA_TOKEN
    assert settings.rasa_socket_url == "http://rasa.internal:5005"
    monkeypatch.setenv("FOCUS_RASA_PUBLIC_URL", "https://chat.example.com/")
    monkeypatch.setenv("RASA_AUTH_TOKEN", "")
    settings = Settings.from_env("service-token")
    assert settings.rasa_socket_url == "https://chat.example.com"
    assert settings.rasa_auth_token is None


async def test_browsers_get_the_public_rasa_address(make_client: MakeClient) -> None:
    client = await make_client(
        rasa_url="http://rasa.internal:5005", rasa_public_url="https://chat.example.com"
    )
    config = await (await client.get("/api/widget-config")).json()
    assert config["socket_url"] == "https://chat.example.com"
    policy = (await client.get("/")).headers["Content-Security-Policy"]
    assert "https://chat.example.com wss://chat.example.com" in policy
    assert "rasa.internal" not in policy
