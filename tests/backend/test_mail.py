"""E-mail through a real SMTP server (aiosmtpd, the project's own sink) and the real app:
the confirmation of a new case, the out-of-hours fault alert, the tariff details staff
send, and the queue keeping mail while the server is down."""

import asyncio
import email
import email.policy
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from aiosmtpd.controller import Controller
from conftest import BEARER, MakeClient, MovableClock, create, fault_case, london, staff_login
from sqlalchemy import select, update

from focus_cases.db import make_engine, sessionmaker
from focus_cases.mail import sender
from focus_cases.mail.settings import MailSettings
from focus_cases.mail.sink import controller
from focus_cases.models import Account, AuditEntry, Mail
from focus_cases.state import SESSIONS

TEAM = "team@focus.example"
TARIFF = {"kind": "tariff", "customer_words": "What am I paying?", "details": {}}


class Sink:
    """The mail sink on a free port, writing to a folder; stopped and started at will."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.settings = MailSettings(
            smtp_host="127.0.0.1", smtp_port=self.port, team_email=TEAM, interval=0.05
        )
        """The service's settings to send here."""
        self.server: Controller | None = None

    def start(self) -> None:
        self.server = controller(self.folder, "127.0.0.1", self.port)  # one per run
        self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for path in sorted(self.folder.glob("*.eml"))
        ]

    async def wait_for(self, count: int) -> list[EmailMessage]:
        """The messages, once ``count`` have arrived or 10 s have passed (then a moment
        more, to see any extra)."""
        for _ in range(200):
            if len(self.messages()) >= count:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        return self.messages()


@pytest.fixture
def sink(tmp_path: Path) -> Iterator[Sink]:
    running = Sink(tmp_path / "mail")
    running.start()
    yield running
    running.stop()


@pytest.fixture
async def client(make_client: MakeClient, sink: Sink) -> TestClient:
    """The app with its sender delivering to the sink."""
    return await make_client(mail=sink.settings)


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain text and HTML bodies of a multipart/alternative message."""
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


async def queue(client: TestClient) -> list[Mail]:
    async with client.app[SESSIONS]() as session:
        return list(await session.scalars(select(Mail).order_by(Mail.id)))


async def test_a_new_case_sends_one_confirmation_with_its_reference_and_time(
    client: TestClient, sink: Sink
) -> None:
    status, case = await create(client, fault_case())  # Wednesday 10:00, open
    assert status == 201
    [message] = await sink.wait_for(1)
    assert message["To"] == "alex@bakery.example"
    assert case["reference"] in message["Subject"]
    text, html = parts(message)
    assert case["reference"] in text and case["reference"] in html
    # A fault is due in 4 working hours: by 14:00 the same day.
    assert "aims to respond by Wednesday 25 November 2026, 14:00" in text
    assert "Wednesday 25 November 2026, 14:00" in html
    assert "0330 024 2000" in text  # the bot's phone number (domain.yml)
    [mail] = await queue(client)
    assert mail.status == "sent" and mail.attempts == 1 and mail.kind == "confirmation"
    assert message["Message-ID"] == mail.message_id


async def test_a_repeated_submission_or_a_case_without_e_mail_sends_nothing_more(
    client: TestClient, sink: Sink
) -> None:
    await create(client, fault_case(), key="same-key")
    await create(client, fault_case(), key="same-key")  # replayed: the same case
    await create(client, {**TARIFF, "contact_phone": "01273 000111"})  # no account
    assert len(await sink.wait_for(2)) == 1
    assert len(await queue(client)) == 1


async def test_an_out_of_hours_fault_is_queued_for_nine_and_alerts_the_team(
    client: TestClient, sink: Sink, clock: MovableClock
) -> None:
    clock.at = london(2026, 11, 28, 14, 0)  # Saturday
    _, case = await create(client, fault_case(contact_name="<b>Alex</b> & co"))
    assert case["status"] == "queued"
    await create(client, {**fault_case(), **TARIFF})  # not a fault: no alert
    messages = await sink.wait_for(3)
    alerts = [m for m in messages if m["To"] == TEAM]
    assert len(messages) == 3 and len(alerts) == 1
    [confirmation] = [m for m in messages if m["To"] != TEAM and case["reference"] in m["Subject"]]
    text, html = parts(confirmation)
    assert "pick it up at Monday 30 November 2026, 09:00" in text
    assert "Dear <b>Alex</b> & co," in text
    assert "Dear &lt;b&gt;Alex&lt;/b&gt; &amp; co," in html and "<b>Alex" not in html
    text, html = parts(alerts[0])
    assert case["reference"] in alerts[0]["Subject"]
    assert "Saturday 28 November 2026, 14:00" in text
    assert "Monday 30 November 2026, 09:00" in text
    assert "Our broadband has been down since 8am" in text and "Data Connectivity" in html


async def test_staff_send_the_tariff_details_from_a_tariff_case(
    client: TestClient, sink: Sink
) -> None:
    _, case = await create(client, {**fault_case(), **TARIFF})
    await sink.wait_for(1)  # its confirmation
    path = f"/api/cases/{case['reference']}/tariff-email"
    agent = await staff_login(client, "agent")
    response = await client.post(path, headers=agent)
    assert response.status == 200, await response.text()
    detail = await response.json()
    assert detail["events"][-1]["event"] == "tariff_emailed"
    assert detail["events"][-1]["note"] == "alex@bakery.example"
    messages = await sink.wait_for(2)
    [tariff] = [m for m in messages if "tariff details" in m["Subject"]]
    assert tariff["To"] == "alex@bakery.example"
    text, html = parts(tariff)
    for words in ("Business Fibre 500", "£49.00", "Business Lines Plus", "£36.50", "£85.50"):
        assert words in text and words in html
    assert "Friday 1 March 2024 to Sunday 28 February 2027" in text
    async with client.app[SESSIONS]() as session:
        [entry] = await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "tariff_emailed")
        )
    assert entry.target == case["reference"]


async def test_tariff_send_needs_staff_csrf_a_tariff_case_and_an_address(
    client: TestClient, sink: Sink
) -> None:
    _, fault = await create(client, fault_case())
    _, anonymous = await create(client, {**TARIFF, "contact_phone": "01273 000111"})
    _, tariff = await create(client, {**fault_case(), **TARIFF})
    path = f"/api/cases/{tariff['reference']}/tariff-email"
    assert (await client.post(path)).status == 401
    assert (await client.post(path, headers=BEARER)).status == 403  # the bot may not
    agent = await staff_login(client, "agent")
    response = await client.post(path)  # no CSRF token
    assert response.status == 403 and (await response.json())["type"] == "/problems/csrf"
    response = await client.post(f"/api/cases/{fault['reference']}/tariff-email", headers=agent)
    assert response.status == 409
    assert (await response.json())["type"] == "/problems/not-a-tariff-case"
    response = await client.post(f"/api/cases/{anonymous['reference']}/tariff-email", headers=agent)
    assert response.status == 409
    assert (await response.json())["type"] == "/problems/no-email-address"
    response = await client.post("/api/cases/FG-00000000/tariff-email", headers=agent)
    assert response.status == 404
    await sink.wait_for(2)
    assert [m.kind for m in await queue(client)] == ["confirmation", "confirmation"]


async def test_mail_waits_while_the_server_is_down_and_is_sent_once_it_is_back(
    client: TestClient, sink: Sink, clock: MovableClock
) -> None:
    sink.stop()
    _, case = await create(client, fault_case())
    for _ in range(100):
        [mail] = await queue(client)
        if mail.last_error:
            break
        await asyncio.sleep(0.05)
    assert mail.status == "queued" and mail.attempts == 1
    assert mail.last_error == "SMTPConnectError"  # the error's type: no address, no words
    assert mail.next_attempt_at == clock.at + sender.retry_delay(1)
    sink.start()
    await asyncio.sleep(0.3)
    assert sink.messages() == []  # not due again yet
    clock.at += sender.retry_delay(1)
    [message] = await sink.wait_for(1)
    assert case["reference"] in message["Subject"]
    [mail] = await queue(client)
    assert mail.status == "sent" and mail.attempts == 2 and mail.last_error is None


async def test_after_the_last_attempt_the_mail_is_failed_and_staff_see_it(
    make_client: MakeClient, sink: Sink, clock: MovableClock
) -> None:
    client = await make_client()  # no sender task: the test runs the sender itself
    sink.stop()
    _, case = await create(client, fault_case())
    for attempt in range(1, sender.MAX_ATTEMPTS + 1):
        assert await sender.send_due(client.app[SESSIONS], sink.settings, clock) == (0, 1)
        clock.at += sender.retry_delay(attempt)
    [mail] = await queue(client)
    assert mail.status == "failed" and mail.attempts == sender.MAX_ATTEMPTS
    assert await sender.send_due(client.app[SESSIONS], sink.settings, clock) == (0, 0)
    await staff_login(client, "agent")
    detail = await (await client.get(f"/api/cases/{case['reference']}")).json()
    assert detail["events"][-1]["event"] == "email_failed"
    assert "SMTPConnectError" in detail["events"][-1]["note"]


async def test_two_senders_at_once_send_each_mail_once(
    make_client: MakeClient, sink: Sink, database_url: str, clock: MovableClock
) -> None:
    client = await make_client()
    for _ in range(6):
        await create(client, fault_case())
    # Two replicas: each with its own engine (connection pool) on the same database.
    engines = [make_engine(database_url) for _ in range(2)]
    try:
        results = await asyncio.gather(
            *(
                sender.send_due(sessionmaker(engine), sink.settings, clock)
                for engine in engines
                for _ in range(2)
            )
        )
    finally:
        for engine in engines:
            await engine.dispose()
    assert sum(sent for sent, _ in results) == 6
    messages = await sink.wait_for(6)
    assert len(messages) == 6
    assert len({m["Message-ID"] for m in messages}) == 6
    assert {m.status for m in await queue(client)} == {"sent"}


async def test_without_an_smtp_host_mail_is_queued_and_nothing_is_sent(
    make_client: MakeClient, sink: Sink, caplog: pytest.LogCaptureFixture
) -> None:
    client = await make_client()
    assert "FOCUS_SMTP_HOST is not set" in caplog.text
    await create(client, fault_case())
    async with client.app[SESSIONS].begin() as session:
        await session.execute(update(Account).values(email=None))
    await create(client, fault_case())
    await asyncio.sleep(0.3)
    assert sink.messages() == []
    [mail] = await queue(client)
    assert mail.status == "queued" and mail.attempts == 0
