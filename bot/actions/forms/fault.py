"""Logging a fault: which service, what is wrong (verbatim), since when, who to call."""

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.validation import FocusForm

SINCE = re.compile(r"\b(since|from)\b\s+(.{1,60})", re.IGNORECASE)


class FaultForm(FocusForm):
    form = "fault_form"
    kind = "fault"
    free_text = frozenset({"fault_description", "fault_since", "contact_name"})
    opening_slot = "fault_description"
    heading = "Here's the fault I'll log:"
    summary_lines = {
        "Account": "{account_number}",
        "Service": "{service}",
        "Fault": "{fault_description}",
        "Since": "{fault_since}",
        "We'll call": "{contact_name} on {contact_phone}",
    }
    details = {"service": "service", "description": "fault_description", "since": "fault_since"}
    next_steps = (
        "Our Customer Service Team will work on it and call {contact_name} "
        "on {contact_phone} with updates."
    )

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
