"""Logging a fault: which service, what is wrong (verbatim), since when, who to call."""

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.submission import base_case, submit
from bot.actions.validation import FocusForm

SINCE = re.compile(r"\b(since|from)\b\s+(.{1,60})", re.IGNORECASE)


class FaultForm(FocusForm):
    form = "fault_form"
    free_text = frozenset({"fault_description", "fault_since", "contact_name"})

    async def extract_fault_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The message that opened the form usually describes the fault already."""
        text = (tracker.latest_message.get("text") or "").strip()
        opening = tracker.get_slot("requested_slot") is None
        described = len(text.split()) >= 4 and not tracker.get_slot("fault_description")
        if opening and described and tracker.get_intent_of_latest_message() == "report_fault":
            return {"fault_description": text}
        return {}

    async def extract_fault_since(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = tracker.latest_message.get("text") or ""
        match = SINCE.search(text)
        if tracker.get_slot("requested_slot") is None and match:
            return {"fault_since": match.group(0).rstrip(".!?")}
        return {}

    async def validate_service(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"service": value if self.on_account(dispatcher, tracker, [value]) else None}

    async def validate_fault_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if len(str(value).split()) >= 2:
            return {"fault_description": value}
        dispatcher.utter_message(response="utter_explain_fault_description")
        return {"fault_description": None}

    def summary(self, tracker: Tracker) -> str:
        return (
            f"Here's the fault I'll log:\n"
            f"- Account: {tracker.get_slot('account_number')}\n"
            f"- Service: {tracker.get_slot('service')}\n"
            f"- Fault: {tracker.get_slot('fault_description')}\n"
            f"- Since: {tracker.get_slot('fault_since')}\n"
            f"- We'll call: {tracker.get_slot('contact_name')} "
            f"on {tracker.get_slot('contact_phone')}"
        )

    async def finish(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        case = base_case(tracker, self.form, "fault")
        case["details"] = {
            "service": tracker.get_slot("service"),
            "description": tracker.get_slot("fault_description"),
            "since": tracker.get_slot("fault_since"),
        }
        next_steps = (
            f"Our Customer Service Team will work on it and call {tracker.get_slot('contact_name')}"
            f" on {tracker.get_slot('contact_phone')} with updates."
        )
        await submit(dispatcher, tracker, self.form, case, next_steps)
        return []
