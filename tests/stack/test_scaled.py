"""The production layout on one machine (`make run-scaled`), end to end: PostgreSQL,
Redis, two Rasa replicas, an action server and two case services behind nginx.

One customer chats through nginx's socket.io while each Rasa replica in turn is
stopped and restarted, and the conversation carries on where it was (the tracker is
in PostgreSQL, not in a replica); the form's case is then read through nginx with a
staff login. Rasa's HTTP API and REST channel are not reachable through nginx, pages
of other sites may not open a chat, every part listens on 127.0.0.1 only (nginx too: in
real life a TLS terminator in front of it faces the internet), no token is on a command
line, the customer's address reaches Rasa through nginx, and Rasa locks in Redis.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import pytest
import socketio
from redis import Redis

from scripts.stack import SCALED_PORTS, Scale, Stack, free_port
from tests.stack_fixtures import IN_HOURS, REPORTS, CaseService, required_model

ACCOUNT, POSTCODE = "FG004521", "BN43 6ZZ"  # demo: broadband + phone lines
FIRST_REPLY, QUIET = 90.0, 3.0  # seconds: a reply may wait for a replica; then the rest


@pytest.fixture(scope="module")
def stack() -> Iterator[Stack]:
    model = required_model()
    folder = REPORTS / f"stack-scaled-{SCALED_PORTS['public']}"
    shutil.rmtree(folder, ignore_errors=True)
    scaled = Stack(
        model=model,
        scale=Scale(rasa=2, actions=1, cases=2),
        state=folder / "state",
        logs=folder / "logs",
        ports={"pg": free_port()},  # a cluster of its own, beside CI's on FOCUS_PG_PORT
        env={"cases": {"FOCUS_NOW": IN_HOURS}},
    )
    with scaled:
        scaled.start(timeout=600)
        yield scaled


class Chat:
    """One customer on the widget's socket.io channel, through nginx, websocket first:
    it asks for its session again after every reconnection, as the widget does."""

    def __init__(self, url: str, http_session: aiohttp.ClientSession | None = None) -> None:
        self.url = url
        self.http_session = http_session
        self.session = ""  # the signed id the case service issues (open)
        self.conversation_id = ""
        self.client = socketio.AsyncClient(
            reconnection_delay=0.5, reconnection_delay_max=2, http_session=http_session
        )
        self.ready = asyncio.Event()  # the session is confirmed on the current connection
        self.replies: asyncio.Queue[str] = asyncio.Queue()
        self.client.on("connect", self._on_connect)
        self.client.on("disconnect", self.ready.clear)
        self.client.on("session_confirm", lambda _session: self.ready.set())
        self.client.on("bot_uttered", lambda data: self.replies.put_nowait(data.get("text", "")))

    async def _on_connect(self) -> None:
        await self.client.emit("session_request", {"session_id": self.session})

    async def open(self) -> None:
        """Ask the case service for a signed session, as the widget does, then connect."""
        async with aiohttp.ClientSession() as own:
            http = self.http_session or own
            async with http.post(f"{self.url}/api/chat/session", json={}) as response:
                issued = await response.json()
        self.session, self.conversation_id = issued["session_id"], issued["conversation_id"]
        await self.client.connect(self.url, transports=["websocket", "polling"], wait_timeout=10)

    async def say(self, text: str) -> str:
        """Everything the bot answers ``text``, as one string."""
        await asyncio.wait_for(self.ready.wait(), FIRST_REPLY)
        await self.client.emit("user_uttered", {"message": text, "session_id": self.session})
        replies = [await asyncio.wait_for(self.replies.get(), FIRST_REPLY)]
        while True:
            try:
                replies.append(await asyncio.wait_for(self.replies.get(), QUIET))
            except asyncio.TimeoutError:  # not the built-in one on Python 3.10
                return "\n".join(replies)


def _through_nginx(stack: Stack, method: str, path: str) -> tuple[int, str]:
    """Status and content type of a request sent as written (no path clean-up)."""
    connection = http.client.HTTPConnection("127.0.0.1", stack.ports["public"], timeout=10)
    try:
        connection.request(method, path, body=b"{}" if method == "POST" else None)
        response = connection.getresponse()
        response.read()
        return response.status, response.getheader("Content-Type", "")
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/status"),
        ("GET", "/model"),
        ("GET", "/version"),
        ("GET", "/conversations/someone/tracker"),
        ("POST", "/webhooks/rest/webhook"),
        ("POST", "/model/parse"),
        ("GET", "/socket.io/../status"),
        ("GET", "/socket.io/%2e%2e/version"),
    ],
)
def test_rasa_http_api_is_not_published(stack: Stack, method: str, path: str) -> None:
    """Every path but /socket.io/ goes to the case service, which has none of these."""
    status, content_type = _through_nginx(stack, method, path)
    assert (status, content_type.split(";")[0]) == (404, "application/problem+json")


def test_other_sites_may_not_open_a_chat(stack: Stack) -> None:
    client = socketio.Client()
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect(
            stack.public_url,
            headers={"Origin": "https://elsewhere.example"},
            transports=["polling"],
            wait_timeout=10,
        )


def _listening() -> dict[int, set[str]]:
    """Each listening TCP port on this machine and the addresses it is bound to."""
    listening: dict[int, set[str]] = {}
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            if state != "0A":  # LISTEN
                continue
            address, port = local.split(":")
            listening.setdefault(int(port, 16), set()).add(
                "127.0.0.1" if address == "0100007F" else f"other ({address[:width]})"
            )
    return listening


def test_every_part_listens_on_loopback_only(stack: Stack) -> None:
    listening = _listening()
    ports = {name: stack.ports[name] for name in ("public", "rasa", "actions", "cases", "redis")}
    ports |= {name: part.port for name, part in stack.parts.items()}
    ports["postgres"] = stack.ports["pg"]
    assert {name: listening.get(port) for name, port in ports.items()} == {
        name: {"127.0.0.1"} for name in ports
    }


def test_no_token_is_on_a_command_line(stack: Stack) -> None:
    """Any user of the machine can read a command line; tokens come from the environment."""
    for part in stack.parts.values():
        command = Path(f"/proc/{part.pid}/cmdline").read_bytes().decode()
        assert not [name for name, token in stack.secrets.items() if token in command], part.name


async def _greet_from(address: str, url: str) -> str:
    """Say hello from the local ``address``; the conversation's id."""
    connector = aiohttp.TCPConnector(local_addr=(address, 0))
    async with aiohttp.ClientSession(connector=connector) as http_session:
        chat = Chat(url, http_session)
        await chat.open()
        try:
            await chat.say("hello")
            return chat.conversation_id
        finally:
            await chat.client.disconnect()


def test_the_customers_address_reaches_rasa_through_nginx(stack: Stack) -> None:
    """nginx passes the customer's address on in X-Forwarded-For and Rasa believes
    nginx (FOCUS_TRUSTED_PROXIES), so the verification limits count per customer, not
    per proxy. The customer is another loopback address than nginx's."""
    session = asyncio.run(_greet_from("127.0.0.2", stack.public_url))
    token = stack.secrets["RASA_AUTH_TOKEN"]
    tracker_url = f"{stack.url('rasa')}/conversations/{session}/tracker?token={token}"
    with urllib.request.urlopen(tracker_url, timeout=30) as response:
        events = json.load(response)["events"]
    [said] = [event for event in events if event["event"] == "user"]
    assert said["metadata"]["client_address"] == "127.0.0.2"


def test_rasa_locks_each_conversation_in_redis(stack: Stack) -> None:
    """The lock store is Redis (endpoints.scaled.yml), shared by the replicas: a
    message is handled under a lock taken there."""
    redis = Redis(port=stack.ports["redis"])
    before = redis.info("stats")["total_commands_processed"]
    asyncio.run(_greet_from("127.0.0.1", stack.public_url))
    # Besides the INFO commands themselves, the lock's own (taken, checked, released).
    assert redis.info("stats")["total_commands_processed"] - before > 3


async def _rolling_restart_conversation(stack: Stack) -> str:
    """A fault reported while each Rasa replica is stopped and restarted in turn;
    returns the bot's last answer."""
    chat = Chat(stack.public_url)
    await chat.open()
    try:
        assert "account number" in await chat.say("our broadband's been down since 8 this morning")
        assert "postcode" in await chat.say(ACCOUNT)
        await asyncio.to_thread(stack.stop, "rasa-1")
        await asyncio.sleep(1)  # a socket on rasa-1 has noticed, and reconnects to rasa-2
        assert "name" in await chat.say(POSTCODE)
        await asyncio.to_thread(stack.restart, "rasa-1", 600)
        await asyncio.to_thread(stack.stop, "rasa-2")
        await asyncio.sleep(1)
        # Only the freshly started rasa-1 is left: it knows the conversation from PostgreSQL.
        assert "phone number" in await chat.say("Sam Patel")
        assert "Data Connectivity" in await chat.say("07700 900123")
        return await chat.say("yes")
    finally:
        await chat.client.disconnect()


def test_a_conversation_survives_each_rasa_replica_restarting(stack: Stack) -> None:
    done = asyncio.run(_rolling_restart_conversation(stack))
    assert "your reference is FG-" in done

    staff = CaseService(stack, stack.create_staff("scaled-admin"))
    staff.url = stack.public_url  # the console's way in: through nginx
    [case] = staff.cases()
    assert case["reference"] in done and case["kind"] == "fault"
    assert case["account_number"] == ACCOUNT and case["contact_phone"] == "07700900123"
