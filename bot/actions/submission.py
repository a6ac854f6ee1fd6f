"""Turning a completed form into a case: idempotency, outbox, and what to tell.

One place decides what the customer hears after a submission, in hours, out of
hours (the case service says when it will be picked up) or with the service down.
"""

import hashlib
import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.backend import NotVerified, Rejected, Unavailable, for_conversation
from bot.actions.outbox import Outbox

logger = logging.getLogger(__name__)


def _form_events(tracker: Tracker, form: str) -> list[dict[str, Any]]:
    """This run of the form, from the customer message that opened it."""
    events = tracker.events
    start = max(
        (
            i
            for i, e in enumerate(events)
            if e.get("event") == "active_loop" and e.get("name") == form
        ),
        default=0,
    )
    opener = max(
        (i for i, e in enumerate(events[:start]) if e.get("event") == "user"), default=start
    )
    return events[opener:]


def idempotency_key(tracker: Tracker, form: str) -> str:
    """Same conversation, same run of the form: same key, so a retry makes one case."""
    opened = _form_events(tracker, form)
    seed = f"{tracker.sender_id}|{form}|{opened[0].get('timestamp') if opened else ''}"
    return hashlib.sha256(seed.encode()).hexdigest()[:32]


def customer_words(tracker: Tracker, form: str) -> str:
    """Everything the customer typed in this run of the form, verbatim."""
    return "\n".join(
        event["text"]
        for event in _form_events(tracker, form)
        if event.get("event") == "user" and event.get("text") and not event["text"].startswith("/")
    )[:10_000]


def base_case(tracker: Tracker, form: str, kind: str) -> dict[str, Any]:
    case: dict[str, Any] = {
        "kind": kind,
        "channel": "chat",
        "customer_words": customer_words(tracker, form) or "(no words given)",
        "conversation_id": tracker.sender_id,
    }
    for slot in ("account_number", "postcode", "contact_name", "contact_phone"):
        if tracker.get_slot(slot):
            case[slot] = tracker.get_slot(slot)
    return case


async def submit(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    form: str,
    case: dict[str, Any],
    next_steps: str,
) -> dict[str, Any] | None:
    """Create the case and tell the customer; on an outage keep it in the outbox."""
    key = idempotency_key(tracker, form)
    try:
        created = await for_conversation(tracker).create_case(case, key)
    except (NotVerified, Rejected):
        dispatcher.utter_message(response="utter_case_not_accepted")
        return None
    except Exception as error:  # noqa: BLE001 (a confirmed submission is never lost)
        # Unavailable is the expected outage; anything else is a bug, but the
        # customer still gets an answer and the submission still waits to be sent.
        if not isinstance(error, Unavailable):
            logger.error("submission %s failed unexpectedly: %s", key, type(error).__name__)
        await keep(dispatcher, key, case)
        return None
    tell_created(dispatcher, created, next_steps)
    return created


def tell_created(
    dispatcher: CollectingDispatcher, created: dict[str, Any], next_steps: str
) -> None:
    """What the customer hears once the case service has the request: the reference,
    and when it is picked up; a repeat request (linked to the open case the same account
    made earlier) hears that the earlier request stands."""
    if created.get("linked"):
        dispatcher.utter_message(
            response="utter_case_already_requested", reference=created["reference"]
        )
    elif created.get("status") == "queued":
        dispatcher.utter_message(
            response="utter_case_queued",
            reference=created["reference"],
            due=created["due_at_text"],
        )
    else:
        dispatcher.utter_message(
            response="utter_case_created", reference=created["reference"], next_steps=next_steps
        )
    return created


async def keep(dispatcher: CollectingDispatcher, key: str, case: dict[str, Any]) -> None:
    """Put a submission in the outbox and say so; if even the outbox fails, the
    customer is not told it was kept, but to call."""
    try:
        await Outbox().put(key, case)
    except Exception:  # noqa: BLE001 (the outbox's database is down too)
        logger.exception("submission %s could not be kept in the outbox", key)
        dispatcher.utter_message(response="utter_case_not_accepted")
        return
    dispatcher.utter_message(response="utter_case_service_down")
