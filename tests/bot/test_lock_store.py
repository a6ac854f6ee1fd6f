"""bot/lock_store.py on a real Redis: a message waiting behind a replica that died is
served once the dead replica's ticket expires, however long it waits; a turn that
outlasts its ticket's lifetime keeps the lock; a conversation's messages are handled
one at a time, in order.

A dead replica is a ticket issued and never finished. Rasa's own store fails the
first three tests: the waiting ticket expires before the dead one and is never served,
and a held ticket expires while its turn runs."""

import asyncio
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from rasa.utils.endpoints import EndpointConfig

from bot.lock_store import RenewingRedisLockStore
from scripts.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
POLL = 0.05  # seconds between a waiting message's looks at the lock


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    """A Redis of the module's own (scripts/redis.sh, as the scaled profile runs it)."""
    port = free_port()
    server = subprocess.Popen(
        ["bash", str(ROOT / "scripts" / "redis.sh"), "run"],
        env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "FOCUS_REDIS_PORT": str(port)},
        stdout=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 60  # the first run may install redis-server
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


LIFETIME = 0.3  # seconds a ticket lives unrenewed (the store's setting)


@pytest.fixture
def store(redis_port: int) -> RenewingRedisLockStore:
    config = EndpointConfig(url="127.0.0.1", port=redis_port, db=0, lifetime=LIFETIME)
    return RenewingRedisLockStore(config)


@pytest.fixture
def conversation() -> str:
    return uuid.uuid4().hex


async def served_after(store: RenewingRedisLockStore, conversation: str, lifetime: float) -> float:
    """Seconds until a message of ``conversation`` holds the lock (at most 10)."""
    started = time.monotonic()

    async def wait() -> None:
        async with store.lock(conversation, lock_lifetime=lifetime, wait_time_in_seconds=POLL):
            pass

    await asyncio.wait_for(wait(), 10)
    return time.monotonic() - started


async def test_a_message_behind_a_dead_replica_is_served_when_its_ticket_expires(
    store: RenewingRedisLockStore, conversation: str
) -> None:
    store.issue_ticket(conversation, 1.5)  # a replica took the conversation and died
    # The waiting message's ticket lives a third as long as the dead one: Rasa's would
    # expire while waiting, as one issued a moment after the dead one does in a second.
    waited = await served_after(store, conversation, lifetime=0.5)
    assert 1.3 < waited < 3
    assert store.get_lock(conversation) is None  # finished: nothing left behind


async def test_a_message_held_up_past_its_tickets_lifetime_queues_again(
    store: RenewingRedisLockStore, conversation: str
) -> None:
    store.issue_ticket(conversation, 1.0)  # the dead replica's ticket
    waiting = asyncio.create_task(served_after(store, conversation, lifetime=0.2))
    await asyncio.sleep(POLL)  # the waiting message has its ticket
    time.sleep(0.5)  # the whole process held up: the waiting ticket expires unrenewed
    assert 0.7 < await waiting < 3


async def test_a_turn_outlasting_its_tickets_lifetime_keeps_the_lock(
    store: RenewingRedisLockStore, conversation: str
) -> None:
    released = asyncio.Event()
    entered_after_release: list[bool] = []

    async def long_turn() -> None:
        async with store.lock(conversation, lock_lifetime=LIFETIME, wait_time_in_seconds=POLL):
            await asyncio.sleep(4 * LIFETIME)
        released.set()

    async def next_message() -> None:
        async with store.lock(conversation, lock_lifetime=LIFETIME, wait_time_in_seconds=POLL):
            entered_after_release.append(released.is_set())

    turn = asyncio.create_task(long_turn())
    await asyncio.sleep(POLL)  # the turn holds the lock
    await asyncio.wait_for(asyncio.gather(turn, next_message()), 10)
    assert entered_after_release == [True]


async def test_a_conversations_messages_are_handled_one_at_a_time(
    store: RenewingRedisLockStore, conversation: str
) -> None:
    holding: list[int] = []
    overlaps: list[tuple[int, ...]] = []

    async def handle(message: int) -> None:
        async with store.lock(conversation, wait_time_in_seconds=POLL):  # its lifetime
            holding.append(message)
            overlaps.append(tuple(holding))
            await asyncio.sleep(2 * LIFETIME)  # the turn's work, longer than its ticket lives
            holding.remove(message)

    await asyncio.gather(*(handle(n) for n in range(4)))
    assert overlaps == [(0,), (1,), (2,), (3,)]  # one at a time, in the order they came
