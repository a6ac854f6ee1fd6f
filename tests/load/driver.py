"""The load driver (`make loadtest`, its short variant in tests/stack, the replica bench).

Simulated customers chat through nginx on the widget's socket.io channel, each from a
loopback address of its own (nginx's ip_hash spreads them over the Rasa replicas, and
the case service's limits see separate customers). Each visit is a new conversation:
Code of Practice questions, or a complete form that makes a case (a fault or a
cancellation for a demo account, which the bot verifies first, or a callback). A
customer answers whatever the bot asks, as a person reading the chat would, so a
re-ask or a repeated turn does not derail it.

While the load runs, a chaos task SIGKILLs one Rasa replica, one action server and one
case-service replica at spread-out times, and the launcher's supervisor restarts them.
Then the cases are counted through the staff API (through nginx): every form the bot
confirmed ("your reference is", or kept safely in the outbox) must be stored once,
found by its conversation id. Submissions parked in the outbox are waited for.

Counting:
- a turn is an error when no complete answer came (FIRST_REPLY seconds, or the
  connection dropped twice); a turn sent again because the connection dropped while it
  was answered (the replica was killed) is counted as resent, not as an error;
- a conversation is broken when it cannot go on: it could not connect, a turn failed,
  or a form did not reach its confirmation within MAX_FORM_TURNS answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
import socketio

from scripts.stack import ROOT, SCALED_PORTS, Scale, Stack, free_port
from tests.load.chat import Chat, TurnFailed

if TYPE_CHECKING:
    from scripts.stack import Say, Staff

QUESTIONS = (
    "what are your opening hours?",
    "what's your postal address",
    "how do i pay by direct debit",
    "what's your complaints code?",
    "can I get compensation if my line is down?",
    "do you sell mobiles?",
    "what's the minimum contract term?",
    "how do you use my data?",
)
ACCOUNTS = (("FG004521", "BN43 6ZZ"), ("FG001234", "RH10 9ZZ"), ("FG009876", "SW1A 9ZZ"))
OPENINGS = {  # a form's opening message
    "fault": "our broadband's been down since 8 this morning",
    "cancellation": "we'd like to cancel our services",
    "callback": "please can someone call me back",
}
CONFIRMED = ("your reference is", "kept your request safely")
"""A submitted form's answer: stored now, or waiting in the outbox."""
MAX_FORM_TURNS = 15
KILLED = ("rasa-1", "actions-1", "cases-1")
KILL_AT = (0.2, 0.45, 0.7)  # of the run's duration, one per part in KILLED
SETTLE_SECONDS = 240.0  # the longest wait for the outbox and the killed parts


def answers(account: str, postcode: str, phone: str) -> tuple[tuple[str, str], ...]:
    """A customer's answer to each of the bot's questions (a phrase in its last message);
    the first phrase found wins."""
    return (
        ("Shall I send this?", "yes"),
        ("account number", account),
        ("postcode", postcode),
        ("Which service has the fault", "broadband"),
        ("describe the fault", "the line keeps dropping every few minutes"),
        ("Since when", "since 8 this morning"),
        ("Your name", "Sam Patel"),
        ("phone number", phone),
        ("services would you like to cancel", "all of them"),
        ("From what date", "end of next month"),
        ("why you're cancelling", "moving offices"),
        ("When would suit you for a call", "tomorrow after 2pm"),
    )


def reply_to(said: str, table: tuple[tuple[str, str], ...]) -> str | None:
    for phrase, answer in table:
        if phrase in said:
            return answer
    return None


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


@dataclass
class Tally:
    """What the customers saw, added up."""

    latencies: list[float] = field(default_factory=list)  # seconds, one per answered turn
    errors: int = 0
    resent: int = 0
    conversations: int = 0
    broken: list[str] = field(default_factory=list)  # when and why, one per broken conversation
    forms: set[str] = field(default_factory=set)  # conversation ids of the forms started
    confirmed: set[str] = field(default_factory=set)  # conversation ids the bot confirmed
    started: float = field(default_factory=time.monotonic)

    def broke(self, why: str) -> None:
        """A broken conversation, with the second of the run it broke in (to set beside
        the kills and the parts' logs)."""
        self.broken.append(f"at {time.monotonic() - self.started:.0f} s, {why}")


@dataclass
class Report:
    customers: int
    seconds: float
    tally: Tally
    stored: Counter[str]  # conversation id -> cases stored, for the run's form conversations
    kills: list[str]  # one line per kill: when, what, back after how long

    @property
    def lost(self) -> list[str]:
        return sorted(cid for cid in self.tally.confirmed if not self.stored[cid])

    @property
    def duplicated(self) -> list[str]:
        return sorted(cid for cid, count in self.stored.items() if count > 1)

    def lines(self) -> list[str]:
        tally = self.tally
        turns = len(tally.latencies)
        unconfirmed = sum(1 for cid in self.stored if cid not in tally.confirmed)
        return [
            f"customers {self.customers}, duration {self.seconds:.0f} s, "
            f"conversations {tally.conversations}",
            f"turns {turns}, {turns / self.seconds:.1f} turns/s, "
            + ", ".join(
                f"p{round(q * 100)} {percentile(tally.latencies, q) * 1000:.0f} ms"
                for q in (0.5, 0.95, 0.99)
            ),
            f"errors {tally.errors} (turns sent again after a dropped connection: "
            f"{tally.resent}), conversations broken {len(tally.broken)}",
            f"cases expected {len(tally.confirmed)}, stored {sum(self.stored.values())}, "
            f"lost {len(self.lost)}, duplicated {len(self.duplicated)} "
            f"(stored without the customer seeing the confirmation: {unconfirmed})",
            *self.kills,
            *(f"broken: {why}" for why in tally.broken[:10]),
        ]


class Customer:
    """One simulated customer: visits (new conversations) one after another until
    ``until`` (monotonic), pausing ``think`` seconds (a range) before each message."""

    def __init__(
        self, number: int, url: str, tally: Tally, think: tuple[float, float], forms: float
    ) -> None:
        self.number = number
        self.url = url
        self.tally = tally
        self.think = think
        self.forms = forms  # the share of visits that fill in a form
        self.random = random.Random(number)
        # Loopback addresses differing in the third byte: ip_hash hashes the first three.
        self.address = f"127.{1 + number // 250}.{number % 250 + 1}.1"
        self.visits = 0

    async def run(self, until: float) -> None:
        connector = aiohttp.TCPConnector(local_addr=(self.address, 0))
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
            await asyncio.sleep(self.random.uniform(0, self.think[1]))  # arrivals spread out
            while time.monotonic() < until:
                await self.visit(http)

    async def visit(self, http: aiohttp.ClientSession) -> None:
        self.visits += 1
        self.tally.conversations += 1
        kind = None
        if self.random.random() < self.forms:
            kind = self.random.choice(list(OPENINGS))
        chat = Chat(self.url, http)
        try:
            await chat.open()
        except (
            aiohttp.ClientError,
            socketio.exceptions.ConnectionError,
            OSError,
            asyncio.TimeoutError,
            ValueError,
        ) as error:
            self.tally.broke(f"customer {self.number}: could not connect ({error!r})")
            await asyncio.sleep(1)
            return
        try:
            if kind is None:
                await self.ask_questions(chat)
            else:
                await self.fill_in(chat, kind)
        except (TurnFailed, asyncio.TimeoutError) as error:
            self.tally.errors += 1
            self.tally.broke(f"{chat.conversation_id} ({kind or 'questions'}): {error}")
        finally:
            with contextlib.suppress(Exception):
                await chat.close()

    async def say(self, chat: Chat, text: str, complete: Callable[[str], bool] | None) -> str:
        """One turn after a pause: the bot's last message."""
        await asyncio.sleep(self.random.uniform(*self.think))
        replies, seconds, resent = await chat.turn(text, complete)
        self.tally.latencies.append(seconds)
        self.tally.resent += resent
        return replies[-1]

    async def ask_questions(self, chat: Chat) -> None:
        for question in self.random.sample(QUESTIONS, 3):
            await self.say(chat, question, lambda _said: True)

    async def fill_in(self, chat: Chat, kind: str) -> None:
        account, postcode = self.random.choice(ACCOUNTS)
        phone = f"07700 1{self.number:03d}{self.visits % 100:02d}"
        table = answers(account, postcode, phone)

        def complete(said: str) -> bool:
            return any(done in said for done in CONFIRMED) or reply_to(said, table) is not None

        self.tally.forms.add(chat.conversation_id)
        said = await self.say(chat, OPENINGS[kind], complete)
        for _ in range(MAX_FORM_TURNS):
            if any(done in said for done in CONFIRMED):
                self.tally.confirmed.add(chat.conversation_id)
                return
            answer = reply_to(said, table)
            if answer is None:
                break
            said = await self.say(chat, answer, complete)
        last = said[:120]
        self.tally.broke(f"{chat.conversation_id} ({kind}): no confirmation; last words {last!r}")


class Chaos:
    """SIGKILLs one replica of each kind in KILLED at KILL_AT of the run; the stack's
    supervisor (a thread of ours while the load runs) restarts each."""

    def __init__(self, stack: Stack, started: float, seconds: float) -> None:
        self.stack = stack
        self.started = started  # monotonic
        self.seconds = seconds
        self.killed: dict[str, float] = {}  # part -> monotonic time of its kill
        self.back: dict[str, float] = {}  # part -> seconds from its kill until it answered
        self.watches: list[asyncio.Task] = []
        self.stopping = threading.Event()
        self.supervisor = threading.Thread(target=stack.supervise, args=(self.stopping,))

    async def run(self) -> None:
        self.supervisor.start()
        for name, at in zip(KILLED, KILL_AT, strict=True):
            await asyncio.sleep(max(0.0, self.started + at * self.seconds - time.monotonic()))
            self.stack.parts[name].send(signal.SIGKILL)
            self.killed[name] = time.monotonic()
            self.watches.append(asyncio.create_task(self._watch(name)))

    async def _watch(self, name: str) -> None:
        """Note when the killed part answers again (its new process, not the dead one)."""
        part = self.stack.parts[name]
        deadline = self.killed[name] + SETTLE_SECONDS
        await asyncio.sleep(1)
        while time.monotonic() < deadline:
            if part.exit_code() is None and await asyncio.to_thread(part.answers):
                self.back[name] = time.monotonic() - self.killed[name]
                return
            await asyncio.sleep(1)

    async def settle(self) -> None:
        """Wait until every killed part answers again, then stop supervising."""
        await asyncio.gather(*self.watches)
        self.stopping.set()
        await asyncio.to_thread(self.supervisor.join)

    def lines(self) -> list[str]:
        return [
            f"killed {name} at {self.killed[name] - self.started:.0f} s: "
            + (f"answered again {self.back[name]:.0f} s later" if name in self.back else "NOT BACK")
            for name in self.killed
        ]


class StaffReader:
    """The staff API through nginx, logged in: the run's cases by conversation id."""

    def __init__(self, url: str, staff: Staff) -> None:
        self.url = url
        self.staff = staff

    async def stored(self, conversations: set[str]) -> Counter[str]:
        """How many cases each of ``conversations`` has."""
        jar = aiohttp.CookieJar(unsafe=True)  # keep the session cookie of an IP address
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(cookie_jar=jar, timeout=timeout) as http:
            login = {"username": self.staff.username, "password": self.staff.password}
            async with http.post(f"{self.url}/api/auth/login", json=login) as response:
                response.raise_for_status()
            references: list[str] = []
            while True:
                page = await self._get(http, f"/api/cases?limit=200&offset={len(references)}")
                references += [case["reference"] for case in page["cases"]]
                if not page["cases"] or len(references) >= page["total"]:
                    break
            limit = asyncio.Semaphore(8)

            async def conversation(reference: str) -> str | None:
                async with limit:
                    case = await self._get(http, f"/api/cases/{reference}")
                return case.get("conversation_id")

            found = await asyncio.gather(*(conversation(ref) for ref in references))
        return Counter(cid for cid in found if cid in conversations)

    async def _get(self, http: aiohttp.ClientSession, path: str) -> Any:
        async with http.get(f"{self.url}{path}") as response:
            response.raise_for_status()
            return await response.json()

    async def settled(self, tally: Tally) -> Counter[str]:
        """The stored counts once every confirmed form has its case and a further poll
        finds no more (the outbox delivers late ones), or SETTLE_SECONDS have passed."""
        deadline = time.monotonic() + SETTLE_SECONDS
        stored = await self.stored(tally.forms)
        while time.monotonic() < deadline:
            await asyncio.sleep(10)
            again = await self.stored(tally.forms)
            if again == stored and tally.confirmed <= set(again):
                return again
            stored = again
        return stored


def own_stack(name: str, scale: Scale, model: str | None, say: Say | None = None) -> Stack:
    """A scaled stack for a command of its own (`make loadtest`, `make bench`), its
    state and logs in reports/<name>-<public port>/, on ``model`` (default: the newest
    model `make train` built)."""
    folder = ROOT / "reports" / f"{name}-{SCALED_PORTS['public']}"
    shutil.rmtree(folder, ignore_errors=True)
    models = (ROOT / "bot" / "models").glob("*.tar.gz")
    return Stack(
        model=model or str(max(models, key=os.path.getmtime)),
        scale=scale,
        state=folder / "state",
        logs=folder / "logs",
        ports={"pg": free_port()},  # a cluster of its own
        say=say,
    )


async def run_load(
    stack: Stack,
    staff: Staff,
    customers: int,
    seconds: float,
    *,
    chaos: bool = True,
    think: tuple[float, float] = (2.0, 6.0),
    forms: float = 0.5,
) -> Report:
    """``customers`` customers for ``seconds`` through nginx (with the kills if
    ``chaos``); the report once the cases are counted."""
    tally = Tally()
    started = tally.started
    until = started + seconds
    crowd = [Customer(n, stack.public_url, tally, think, forms) for n in range(customers)]
    killer = Chaos(stack, started, seconds) if chaos else None
    tasks = [asyncio.create_task(customer.run(until)) for customer in crowd]
    if killer:
        tasks.append(asyncio.create_task(killer.run()))
    try:
        await asyncio.gather(*tasks)
    finally:
        elapsed = time.monotonic() - started  # the load's time, not the wait after it
        if killer:
            await killer.settle()
    stored = await StaffReader(stack.public_url, staff).settled(tally)
    return Report(customers, elapsed, tally, stored, killer.lines() if killer else [])
