"""The production layout on one machine (`make run-scaled`), end to end: PostgreSQL,
Redis, two replicas each of Rasa, the action server and the case service behind nginx
(the `stack` fixture, tests/stack/conftest.py, shared with the short load test).

One customer chats through nginx's socket.io while each Rasa replica in turn is
stopped and restarted, and the conversation carries on where it was (the tracker is
in PostgreSQL, not in a replica); the form's case is then read through nginx with a
staff login. Rasa's HTTP API and REST channel are not reachable through nginx, pages
of other sites may not open a chat, every part listens on 127.0.0.1 only (nginx too: in
real life a TLS terminator in front of it faces the internet), no token is on a command
line, the customer's address reaches Rasa through nginx, Rasa locks in Redis, an
action server killed while answering goes unnoticed, and so does a long conversation.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import signal
import urllib.request
import uuid
from pathlib import Path

import aiohttp
import pytest
import socketio
from redis import Redis

from bot.channels import NOT_ANSWERED
from scripts.stack import Stack
from tests.load.chat import Chat
from tests.stack_fixtures import CaseService

ACCOUNT, POSTCODE = "FG004521", "BN43 6ZZ"  # demo: broadband + phone lines


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
            await chat.close()


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


def _waiting_on(port: int) -> bool:
    """Whether a connection to ``port`` on loopback is open (/proc/net/tcp): nginx keeps
    none to an upstream between requests, so with the server paused, a request waits."""
    with open("/proc/net/tcp") as table:
        rows = [line.split() for line in table.readlines()[1:]]
    return any(row[2].endswith(f":{port:04X}") and row[3] == "01" for row in rows)


async def _fault_while_an_action_server_dies(stack: Stack) -> tuple[str, str]:
    """A fault reported with actions-1 paused: the first action request nginx passes
    to it hangs, and actions-1 is killed while holding it. Returns the answer to that
    turn, and the bot's last answer."""
    chat = Chat(stack.public_url)
    await chat.open()
    stack.pause("actions-1")
    try:
        hung = said = ""
        for text in ("our broadband's been down since 8 this morning", ACCOUNT, POSTCODE):
            turn = asyncio.create_task(chat.say(text))
            while not (hung or turn.done() or _waiting_on(stack.ports["actions-1"])):
                await asyncio.sleep(0.1)
            if not (hung or turn.done()):
                stack.parts["actions-1"].send(signal.SIGKILL)
                hung = await turn
            said = await turn
        for text in ("Sam Patel", "07700 900123", "yes"):
            said = await chat.say(text)
        return hung, said
    finally:
        await chat.close()
        await asyncio.to_thread(stack.restart, "actions-1", 120)


def test_an_action_server_dying_mid_request_is_not_noticed(stack: Stack) -> None:
    """nginx passes the request to the other action server (non_idempotent): the
    customer is answered as usual, not asked to send the message again."""
    hung, last = asyncio.run(_fault_while_an_action_server_dies(stack))
    assert hung, "no action request reached actions-1"
    assert NOT_ANSWERED not in hung
    assert "your reference is FG-" in last


def _rasa_api(stack: Stack, path: str, body: object) -> object:
    """POST to Rasa's HTTP API through nginx's internal balancer (the console's way)."""
    token = stack.secrets["RASA_AUTH_TOKEN"]
    request = urllib.request.Request(
        f"{stack.url('rasa')}{path}?token={token}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def test_a_long_conversation_still_reaches_the_action_servers(stack: Stack) -> None:
    """Rasa sends the whole conversation with every action call: once that passed
    nginx's default 1 MB body limit, every action was refused (413)."""
    sender = uuid.uuid4().hex
    _rasa_api(stack, "/webhooks/rest/webhook", {"sender": sender, "message": "hello"})
    said = {"event": "bot", "text": "An earlier answer. " * 100}  # 1.9 kB
    for _ in range(6):  # 600 answers, 1.1 MB, in posts under the API's own limit
        _rasa_api(stack, f"/conversations/{sender}/tracker/events", [said] * 100)
    fault = {"sender": sender, "message": "our broadband's been down since 8 this morning"}
    replies = _rasa_api(stack, "/webhooks/rest/webhook", fault)
    assert "account number" in " ".join(reply.get("text", "") for reply in replies)


async def _rolling_restart_conversation(stack: Stack) -> str:
    """A fault reported while each Rasa replica is stopped and restarted in turn;
    returns the bot's last answer. It leaves rasa-2 stopped: this test runs last in
    tests/stack (test_loadtest needs every replica and runs before this module)."""
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
        await chat.close()


def test_a_conversation_survives_each_rasa_replica_restarting(stack: Stack) -> None:
    done = asyncio.run(_rolling_restart_conversation(stack))
    assert "your reference is FG-" in done

    staff = CaseService(stack, stack.create_staff("scaled-admin"))
    staff.url = stack.public_url  # the console's way in: through nginx
    reference = done.split("your reference is ")[1][:11]
    case = staff.staff_reader()(f"/api/cases/{reference}")
    assert case["kind"] == "fault"
    assert case["account_number"] == ACCOUNT and case["contact_phone"] == "07700900123"
