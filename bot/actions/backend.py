"""The one HTTP client for the case service: timeouts, idempotency keys, clear errors.

Actions never touch the case database; they call this. Every failure the customer
must hear about differently is its own exception.
"""

import asyncio
import os
from typing import Any, TypeVar

import aiohttp
from rasa_sdk import Tracker

from bot import signing
from bot.actions.logs import REQUEST_ID
from bot.actions.metrics import CASE_SERVICE_ERRORS

TIMEOUT = aiohttp.ClientTimeout(total=float(os.environ.get("FOCUS_BACKEND_TIMEOUT", "5")))
# Everything that means "the service did not answer usefully". On Python 3.10 (the
# bot's) aiohttp's timeout is asyncio.TimeoutError, which is not the built-in
# TimeoutError; both are listed so a hung service is an outage, not a crash.
TRANSPORT_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, TimeoutError, OSError, ValueError)


class CaseServiceError(Exception):
    """Base class for everything that can go wrong calling the case service."""


class Unavailable(CaseServiceError):
    """Down, slow or broken (connection error, timeout, 5xx): try again later."""


class NotVerified(CaseServiceError):
    """No account matches that account number and postcode (or no such case)."""


class TooManyAttempts(CaseServiceError):
    """Verification is locked for now after repeated failures."""


class Rejected(CaseServiceError):
    """The service refused the request itself (4xx): retrying will not help."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


E = TypeVar("E", bound=CaseServiceError)


def counted(error: E) -> E:
    """``error``, counted among the case service's failures by its kind."""
    CASE_SERVICE_ERRORS.labels(type(error).__name__.lower()).inc()
    return error


class CaseService:
    """Calls to the case service with the bot's service token."""

    def __init__(
        self,
        base_url: str | None = None,
        token: str | None = None,
        now: str | None = None,
        timeout: aiohttp.ClientTimeout = TIMEOUT,
    ) -> None:
        self.base_url = base_url or os.environ.get("FOCUS_BACKEND_URL", "http://127.0.0.1:8000")
        self.token = token or os.environ.get("FOCUS_SERVICE_TOKEN", "")
        # A staff test conversation may run at a chosen time; the service honours
        # X-Focus-Now only when it was started to allow it.
        self.now = now
        self.timeout = timeout

    async def _call(
        self, method: str, path: str, body: dict | None = None, headers: dict | None = None
    ) -> dict[str, Any]:
        all_headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        if self.now:
            all_headers["X-Focus-Now"] = self.now
        if request_id := REQUEST_ID.get():
            all_headers["X-Request-Id"] = request_id
        try:
            async with (
                aiohttp.ClientSession(timeout=self.timeout) as session,
                session.request(
                    method, f"{self.base_url}{path}", json=body, headers=all_headers
                ) as response,
            ):
                payload = await response.json(content_type=None)
        except TRANSPORT_ERRORS as error:
            raise counted(Unavailable(str(error) or type(error).__name__)) from error
        if response.status >= 500:
            raise counted(Unavailable(f"{response.status}"))
        if not isinstance(payload, dict):
            raise counted(Unavailable(f"{response.status} with a malformed answer"))
        if response.status == 404:
            raise NotVerified(payload.get("detail", ""))
        if response.status == 429:
            raise TooManyAttempts(payload.get("detail", ""))
        if response.status >= 400:
            raise counted(Rejected(response.status, payload.get("detail", "")))
        return payload

    async def _answer(
        self,
        fields: tuple[str, ...],
        method: str,
        path: str,
        body: dict | None = None,
        headers: dict | None = None,
    ) -> dict[str, Any]:
        """A call whose answer must carry ``fields``; without them it is an outage."""
        payload = await self._call(method, path, body, headers)
        if missing := [field for field in fields if field not in payload]:
            raise counted(Unavailable(f"the answer lacks {', '.join(missing)}"))
        return payload

    async def hours(self) -> dict[str, Any]:
        return await self._answer(("now",), "GET", "/api/hours")

    async def verify(
        self, account_number: str, postcode: str, source: dict[str, str | None]
    ) -> dict[str, Any]:
        """The account; ``source`` (conversation, address) counts toward the limits."""
        body = {"account_number": account_number, "postcode": postcode, **source}
        return await self._call("POST", "/api/verify", body)

    async def create_case(
        self, case: dict[str, Any], idempotency_key: str, submitted_age: float | None = None
    ) -> dict[str, Any]:
        """``submitted_age``: seconds since the customer sent it, for a late delivery."""
        headers = {"Idempotency-Key": idempotency_key}
        if submitted_age is not None:
            headers["Submitted-Age"] = f"{submitted_age:.0f}"
        created = ("reference", "status", "due_at_text")
        return await self._answer(created, "POST", "/api/cases", case, headers=headers)

    async def lookup_case(
        self, reference: str, account_number: str, postcode: str, source: dict[str, str | None]
    ) -> dict:
        body = {
            "reference": reference,
            "account_number": account_number,
            "postcode": postcode,
            **source,
        }
        summary = ("reference", "status", "kind", "due_at_text")
        return await self._answer(summary, "POST", "/api/cases/lookup", body)


def _latest_metadata(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The metadata of the latest customer message."""
    for event in reversed(events):
        if event.get("event") == "user":
            return event.get("metadata") or {}
    return {}


def verification_source(tracker: Tracker) -> dict[str, str | None]:
    """Where a verification comes from: this conversation, and the address the input
    channel put on the latest message (bot/channels.py)."""
    address = _latest_metadata(tracker.events).get("client_address")
    return {"conversation_id": tracker.sender_id, "client_address": address}


def for_conversation(tracker: Tracker, base_url: str | None = None) -> CaseService:
    """The client for one conversation, at the clock time its messages ask for.

    The staff console's "try the bot" sends ``{"metadata": {"focus_now": ...,
    "focus_now_signature": ...}}`` with each message; a time without the case
    service's signature for this conversation (a customer's own) is ignored.
    """
    metadata = _latest_metadata(tracker.events)
    return CaseService(base_url, now=signing.clock_time(tracker.sender_id, metadata))
