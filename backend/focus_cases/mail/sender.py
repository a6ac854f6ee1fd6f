"""The sender: claims due mail from the queue, sends it over SMTP, records the outcome.

Safe with several case-service instances: a claim takes due rows with SELECT ... FOR
UPDATE SKIP LOCKED (PostgreSQL; SQLite's write lock serialises claims) and moves their
next attempt LEASE ahead, so no other instance takes them while they are being sent
(one message per claim, so a lease covers one send);
an instance that dies mid-send leaves them to be taken again when the lease ends.

A failed send is retried with backoff per message: RETRY_FIRST, doubling up to
RETRY_MAX. After MAX_ATTEMPTS (about four hours of retries) the mail is marked
``failed`` and a ``email_failed`` event on its case tells staff. Errors are recorded
and logged as their type and SMTP code only: never an address or the message.
"""

import asyncio
import contextlib
import email.utils
import logging
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from email.message import EmailMessage

import aiosmtplib
from aiohttp import web
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import async_sessionmaker

from focus_cases.clock import LONDON, Clock
from focus_cases.mail.settings import MailSettings
from focus_cases.models import CaseEvent, Mail
from focus_cases.state import CLOCK, SESSIONS, SETTINGS

log = logging.getLogger("focus_cases.mail")

LEASE = timedelta(minutes=10)
"""Longer than one message's send can take (each SMTP step times out after
FOCUS_SMTP_TIMEOUT, 30 s by default)."""
RETRY_FIRST = timedelta(minutes=1)
RETRY_MAX = timedelta(hours=1)
MAX_ATTEMPTS = 10
BATCH = 20


def retry_delay(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure: 1, 2, 4 ... minutes, at most an hour."""
    return min(RETRY_FIRST * 2 ** (attempts - 1), RETRY_MAX)


def message(mail: Mail, settings: MailSettings) -> EmailMessage:
    """The MIME message: plain text with an HTML alternative."""
    out = EmailMessage()
    out["From"] = settings.sender
    out["To"] = mail.recipient
    out["Subject"] = mail.subject
    out["Date"] = email.utils.format_datetime(mail.created_at.astimezone(LONDON))
    out["Message-ID"] = mail.message_id
    out.set_content(mail.body_text)
    out.add_alternative(mail.body_html, subtype="html")
    return out


async def claim(sessions: async_sessionmaker, now: datetime, limit: int) -> list[Mail]:
    """Take up to ``limit`` due mails for this instance: counted as an attempt, and
    leased so no other instance takes them meanwhile."""
    async with sessions.begin() as session:
        mails = list(
            await session.scalars(
                select(Mail)
                .where(Mail.status == "queued", Mail.next_attempt_at <= now)
                .order_by(Mail.next_attempt_at, Mail.id)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        for mail in mails:
            mail.attempts += 1
            mail.next_attempt_at = now + LEASE
    return mails


def _describe(error: Exception) -> str:
    """An error without its message (which may quote an address): type and SMTP code."""
    code = getattr(error, "code", None)
    return f"{type(error).__name__} {code}" if isinstance(code, int) else type(error).__name__


async def _record_sent(sessions: async_sessionmaker, mail: Mail, now: datetime) -> None:
    async with sessions.begin() as session:
        await session.execute(
            update(Mail)
            .where(Mail.id == mail.id, Mail.status == "queued")
            .values(status="sent", sent_at=now, last_error=None)
        )


async def _record_failure(
    sessions: async_sessionmaker, mail: Mail, error: str, now: datetime
) -> None:
    """Retry later, or after MAX_ATTEMPTS give up and tell staff on the case."""
    given_up = mail.attempts >= MAX_ATTEMPTS
    async with sessions.begin() as session:
        await session.execute(
            update(Mail)
            .where(Mail.id == mail.id, Mail.status == "queued")
            .values(
                status="failed" if given_up else "queued",
                next_attempt_at=now + retry_delay(mail.attempts),
                last_error=error,
            )
        )
        if given_up and mail.case_id is not None:
            session.add(
                CaseEvent(
                    case_id=mail.case_id,
                    event="email_failed",
                    note=f"{mail.kind.replace('_', ' ')} to {mail.recipient}: {error}",
                    actor="system",
                    at=now,
                )
            )
    level = logging.ERROR if given_up else logging.WARNING
    what = "given up" if given_up else f"retry in {retry_delay(mail.attempts)}"
    log.log(level, "mail id=%d kind=%s attempt %d failed (%s); %s", *_facts(mail), error, what)


def _facts(mail: Mail) -> tuple[int, str, int]:
    return mail.id, mail.kind, mail.attempts


async def send_due(
    sessions: async_sessionmaker, settings: MailSettings, clock: Clock
) -> tuple[int, int]:
    """Claim due mail one message at a time (so a lease never has to outlast more than
    one send) and send it, up to BATCH; (sent, failed) this round."""
    sent = failed = 0
    for _ in range(BATCH):
        claimed = await claim(sessions, clock.now(), limit=1)
        if not claimed:
            break
        [mail] = claimed
        try:
            await aiosmtplib.send(
                message(mail, settings),
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                start_tls=settings.starttls,
                username=settings.username,
                password=settings.password,
                timeout=settings.timeout,
            )
        except Exception as error:  # one bad mail must not stop the others
            failed += 1
            await _record_failure(sessions, mail, _describe(error), clock.now())
            continue
        sent += 1
        await _record_sent(sessions, mail, clock.now())
        log.info("mail id=%d kind=%s sent at attempt %d", *_facts(mail))
    return sent, failed


async def _send_periodically(app: web.Application) -> None:
    settings = app[SETTINGS].mail
    while True:
        try:
            await send_due(app[SESSIONS], settings, app[CLOCK])
        except Exception:
            log.exception("the mail sender failed; will retry")
        await asyncio.sleep(settings.interval)


async def run_sender(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: the sender task, when there is an SMTP server to send to."""
    if not app[SETTINGS].mail.smtp_host:
        log.warning("FOCUS_SMTP_HOST is not set: e-mails are queued and not sent")
        yield
        return
    task = asyncio.create_task(_send_periodically(app))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
