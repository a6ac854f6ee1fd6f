"""How the trust-boundary tests talk to the stack: the case service's session route,
Rasa's REST channel, and its socket.io channel as the widget speaks it."""

import asyncio
import time
from typing import Any

import requests
import socketio

from bot import signing
from scripts.stack import Stack

BOT_REPLY_SECONDS = 90  # Rasa on two busy cores
QUIET_SECONDS = 2.0  # a reply can be several messages: done once none came for this long


def new_session(harness: Stack, renewing: str | None = None) -> dict[str, Any]:
    """A session from the case service, as the widget asks for one."""
    response = requests.post(
        f"{harness.url('cases')}/api/chat/session", json={"session_id": renewing}, timeout=10
    )
    response.raise_for_status()
    return response.json()


def signed_session(harness: Stack, conversation_id: str, expires: int) -> str:
    """A session id signed with the run's secret, expiring at ``expires`` (Unix time)."""
    mac = signing.mac(harness.session_secret, signing.SESSION, conversation_id, str(expires))
    return f"{conversation_id}.{expires}.{mac}"


def say(harness: Stack, sender: str, text: str, metadata: dict | None = None) -> str:
    """One message through the REST channel; the bot's texts as one string."""
    response = requests.post(
        f"{harness.url('rasa')}/webhooks/rest/webhook",
        json={"sender": sender, "message": text, "metadata": metadata or {}},
        timeout=BOT_REPLY_SECONDS,
    )
    response.raise_for_status()
    return "\n".join(m.get("text", "") for m in response.json())


def user_events(harness: Stack, conversation_id: str) -> list[dict[str, Any]]:
    """The customer's messages in the conversation's tracker, from Rasa's HTTP API."""
    tracker = requests.get(
        f"{harness.url('rasa')}/conversations/{conversation_id}/tracker",
        params={"token": harness.secrets["RASA_AUTH_TOKEN"]},
        timeout=30,
    ).json()
    return [e for e in tracker["events"] if e["event"] == "user"]


class Chat:
    """A browser on Rasa's socket.io channel, speaking the widget's events."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.client = socketio.AsyncClient(reconnection=False)
        self.events: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        for name in ("session_confirm", "session_refused", "bot_uttered"):
            self.client.on(name, self._recorder(name))

    def _recorder(self, name: str):  # noqa: ANN202 (a socket.io handler)
        async def record(data: Any) -> None:
            await self.events.put((name, data))

        return record

    async def __aenter__(self) -> "Chat":
        await self.client.connect(self.url, wait_timeout=30)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.client.disconnect()

    async def send(self, event: str, data: Any) -> list[tuple[str, Any]]:
        """Emit one event; the events that come back until the channel goes quiet."""
        await self.client.emit(event, data)
        received = [await asyncio.wait_for(self.events.get(), BOT_REPLY_SECONDS)]
        deadline = time.monotonic() + BOT_REPLY_SECONDS
        while time.monotonic() < deadline:
            try:
                received.append(await asyncio.wait_for(self.events.get(), QUIET_SECONDS))
            except asyncio.TimeoutError:
                break
        return received

    async def join(self, token: Any) -> tuple[str, Any]:
        [answer] = await self.send("session_request", {"session_id": token})
        return answer

    async def say(self, token: Any, text: str) -> list[tuple[str, Any]]:
        return await self.send("user_uttered", {"session_id": token, "message": text})
