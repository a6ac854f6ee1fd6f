"""One customer on the widget's socket.io channel, through nginx: the client the scaled
profile's tests, the load test and the replica benchmark share."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import aiohttp
import socketio

FIRST_REPLY, QUIET = 90.0, 3.0  # seconds: a reply may wait for a replica; then the rest


class TurnFailed(Exception):
    """No complete answer to a message, even after the one resend a dropped connection allows."""


class Chat:
    """One customer on the widget's socket.io channel, through nginx, websocket first:
    it asks for its session again after every reconnection, as the widget does.

    ``http_session``: the customer's own aiohttp session (e.g. bound to a local address
    of its own, so nginx's ip_hash and the verification limits see separate customers)."""

    def __init__(self, url: str, http_session: aiohttp.ClientSession | None = None) -> None:
        self.url = url
        self.http_session = http_session
        self.session = ""  # the signed id the case service issues (open)
        self.conversation_id = ""
        self.client = socketio.AsyncClient(
            reconnection_delay=0.5, reconnection_delay_max=2, http_session=http_session
        )
        self.ready = asyncio.Event()  # the session is confirmed on the current connection
        self.connections = 0  # connections so far: a change means the previous one dropped
        self.replies: asyncio.Queue[str] = asyncio.Queue()
        self.client.on("connect", self._on_connect)
        self.client.on("disconnect", self.ready.clear)
        self.client.on("session_confirm", lambda _session: self.ready.set())
        self.client.on("bot_uttered", lambda data: self.replies.put_nowait(data.get("text", "")))

    async def _on_connect(self) -> None:
        self.connections += 1
        await self.client.emit("session_request", {"session_id": self.session})

    async def open(self) -> None:
        """Ask the case service for a signed session, as the widget does, then connect,
        trying again for up to FIRST_REPLY seconds as the widget's socket.io client does
        (a busy or restarting replica may not finish the handshake in time)."""
        async with aiohttp.ClientSession() as own:
            http = self.http_session or own
            async with http.post(f"{self.url}/api/chat/session", json={}) as response:
                response.raise_for_status()
                issued = await response.json()
        self.session, self.conversation_id = issued["session_id"], issued["conversation_id"]
        deadline = time.monotonic() + FIRST_REPLY
        while True:
            try:
                await self.client.connect(
                    self.url, transports=["websocket", "polling"], wait_timeout=10
                )
                return
            except socketio.exceptions.ConnectionError:
                await self.client.disconnect()  # a handshake that timed out stays connected
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(1)

    async def close(self) -> None:
        await self.client.disconnect()

    async def say(self, text: str) -> str:
        """Everything the bot answers ``text``, as one string (done once it is quiet)."""
        replies, _seconds, _resent = await self.turn(text)
        return "\n".join(replies)

    async def turn(
        self, text: str, complete: Callable[[str], bool] | None = None
    ) -> tuple[list[str], float, bool]:
        """Send ``text``; the bot's messages, the seconds until the last of them, and
        whether it had to be sent again.

        The answer is complete once a message satisfies ``complete`` (waiting up to
        FIRST_REPLY seconds: under load the messages of one answer come seconds apart),
        else once the channel is quiet for QUIET seconds. If the connection drops before that (the
        replica handling it was killed), the message is sent once more after the
        reconnection, as a customer would type it again; Rasa's tracker only keeps a
        turn it finished, and a submission's idempotency key makes a repeated one the
        same case. Raises TurnFailed if no answer comes."""
        while not self.replies.empty():  # the tail of an earlier answer
            self.replies.get_nowait()
        started = time.monotonic()
        for resent in (False, True):
            await asyncio.wait_for(self.ready.wait(), FIRST_REPLY)
            connection = self.connections
            await self.client.emit("user_uttered", {"message": text, "session_id": self.session})
            replies = await self._answer(connection, complete)
            if replies:
                return replies, time.monotonic() - started, resent
            if self.connections == connection and self.ready.is_set():
                break  # still connected: the bot just did not answer
        raise TurnFailed(f"no answer to {text!r}")

    async def _answer(self, connection: int, complete: Callable[[str], bool] | None) -> list[str]:
        """The messages answering the last one sent on ``connection``: [] if none came in
        FIRST_REPLY seconds or the connection dropped before the answer was complete."""
        replies: list[str] = []
        deadline = time.monotonic() + FIRST_REPLY
        quiet_until = deadline
        while time.monotonic() < min(deadline, quiet_until):
            if self.connections != connection or not self.ready.is_set():
                return []  # the replica went away mid-answer: the turn is not trustworthy
            try:
                reply = await asyncio.wait_for(self.replies.get(), 0.25)
            except asyncio.TimeoutError:  # not the built-in one on Python 3.10
                continue
            replies.append(reply)
            if complete is None:
                quiet_until = time.monotonic() + QUIET
            elif complete(reply):
                return replies
        return replies
