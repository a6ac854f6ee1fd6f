"""The actions' HTTP client against a real running case service."""

import uuid

import aiohttp
import pytest
from aiohttp import web
from rasa_sdk import Tracker

from bot import signing
from bot.actions.backend import CaseService, NotVerified, Unavailable, for_conversation
from scripts.stack import load_secrets

ACCOUNT, POSTCODE = "FG004521", "BN43 6ZZ"


def callback_case(name: str) -> dict:
    return {
        "kind": "callback",
        "customer_words": f"please call {name} <b>now</b>'; DROP TABLE cases; --",
        "contact_name": name,
        "contact_phone": "07700900123",
        "details": {"preferred_time": "after 2pm"},
    }


async def test_hours_come_from_the_service_clock(client):
    hours = await client.hours()
    assert hours["open_now"] is True and hours["now"].startswith("2026-11-25T10:00")


async def test_verification_needs_the_matching_postcode(client):
    source = {"conversation_id": f"client-{uuid.uuid4().hex}", "client_address": None}
    account = await client.verify(ACCOUNT, POSTCODE.lower().replace(" ", ""), source)
    assert {s["tariff_name"] for s in account["services"]} >= {"Business Fibre 500"}
    assert account["verified_at"].startswith("2026-11-25T10:00")  # the service's clock
    with pytest.raises(NotVerified):
        await client.verify(ACCOUNT, "SW1A 9ZZ", source)


async def test_the_same_key_creates_one_case(client):
    key = uuid.uuid4().hex
    first = await client.create_case(callback_case("Ann"), key)
    again = await client.create_case(callback_case("Ann"), key)
    assert first["reference"] == again["reference"]


async def test_a_stopped_service_is_unavailable(case_service, client):
    case_service.stop()
    try:
        with pytest.raises(Unavailable):
            await client.hours()
    finally:
        case_service.start()


async def test_a_hung_service_is_unavailable_not_a_crash(case_service):
    """aiohttp's timeout on Python 3.10 is asyncio.TimeoutError, not TimeoutError."""
    quick = CaseService(
        case_service.url,
        load_secrets()["FOCUS_SERVICE_TOKEN"],
        timeout=aiohttp.ClientTimeout(total=1),
    )
    case_service.pause()
    try:
        with pytest.raises(Unavailable):
            await quick.hours()
    finally:
        case_service.resume()
    assert (await quick.hours())["open_now"] is True


def conversation(metadata: dict, sender: str = "try-abcdef12") -> Tracker:
    events = [{"event": "user", "text": "hi", "metadata": metadata}]
    return Tracker(sender, {}, {}, events, False, None, None, None)


async def test_a_conversation_sends_only_a_signed_clock_to_the_service(monkeypatch):
    """The header as it goes over the wire, seen by a loopback server: the time the
    case service signed for this conversation, and nothing for a customer's own."""
    monkeypatch.setenv("FOCUS_SESSION_SECRET", "a test secret")
    saturday = "2026-11-28T14:00"
    signed = signing.mac("a test secret", signing.CLOCK, "try-abcdef12", saturday)
    seen: list[str | None] = []

    async def hours(request: web.Request) -> web.Response:
        seen.append(request.headers.get("X-Focus-Now"))
        return web.json_response({"open_now": True, "now": "2026-11-25T10:00:00Z"})

    app = web.Application()
    app.router.add_get("/api/hours", hours)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    try:
        for metadata, sender in [
            ({"focus_now": saturday, "focus_now_signature": signed}, "try-abcdef12"),
            ({"focus_now": saturday}, "try-abcdef12"),  # unsigned
            ({"focus_now": saturday, "focus_now_signature": signed}, "someone-else"),
            ({"focus_now": "2026-12-25T10:00", "focus_now_signature": signed}, "try-abcdef12"),
            ({"focus_now": saturday, "focus_now_signature": "forged"}, "try-abcdef12"),
            ({}, "try-abcdef12"),
        ]:
            await for_conversation(conversation(metadata, sender), url).hours()
    finally:
        await runner.cleanup()
    assert seen == [saturday, None, None, None, None, None]
