"""The two steps every form shares: the summary to confirm, and what happens after.

Both look the form up in FocusForm.registry, so a form module is the only place
that knows its own summary and submission.
"""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

import bot.actions.forms  # noqa: F401 (registers the forms)
from bot.actions.validation import GAVE_UP, IDENTITY, STOPPED, FocusForm

# IDENTITY is kept after a form so the customer is not asked to verify twice in one
# session; a form starting more than 15 minutes after the check verifies again.
BOOKKEEPING = ("confirmed", "form_outcome", "form_failures")


def last_form(tracker: Tracker) -> str | None:
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name"):
            return event["name"]
    return None


class ActionAskConfirmed(Action):
    def name(self) -> str:
        return "action_ask_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        form = FocusForm.registry[tracker.active_loop.get("name")]()
        dispatcher.utter_message(
            text=f"{form.summary(tracker)}\n\nShall I send this?",
            buttons=[
                {"title": "Yes, send it", "payload": "/affirm"},
                {"title": "No, change something", "payload": "/deny"},
            ],
        )
        return []


class ActionFinishForm(Action):
    """Submit a completed form, then clear what it collected."""

    def name(self) -> str:
        return "action_finish_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        name = last_form(tracker)
        if name not in FocusForm.registry:
            return []
        required = domain.get("forms", {}).get(name, {}).get("required_slots", [])
        outcome = tracker.get_slot("form_outcome")
        complete = outcome not in (STOPPED, GAVE_UP) and all(
            tracker.get_slot(slot) is not None for slot in required
        )
        events = await FocusForm.registry[name]().finish(dispatcher, tracker) if complete else []
        verified = bool(tracker.get_slot("account"))
        kept = IDENTITY if verified else ()
        cleared = [slot for slot in (*required, *BOOKKEEPING) if slot not in kept]
        return events + [SlotSet(slot, None) for slot in dict.fromkeys(cleared)]
