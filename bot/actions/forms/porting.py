"""Porting-delay compensation: which number, what happened; credit to the account."""

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.validation import FocusForm


class PortingForm(FocusForm):
    form = "porting_form"
    kind = "porting_compensation"
    free_text = frozenset({"porting_summary"})
    opening_slot = "porting_summary"
    heading = "Here's the compensation claim I'll send:"
    summary_lines = {
        "Account": "{account_number}",
        "Number ported": "{ported_number}",
        "What happened": "{porting_summary}",
    }
    details = {"number": "ported_number", "summary": "porting_summary"}
    next_steps = (
        "Customer Relations will look into the delay. If it happened because of something "
        "Focus Group did, the compensation is applied as a credit to your account."
    )

    async def extract_ported_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        phones = [
            e["value"] for e in tracker.latest_message.get("entities", []) if e["entity"] == "phone"
        ]
        asked = tracker.get_slot("requested_slot") in (None, "ported_number")
        return {"ported_number": phones[0]} if phones and asked else {}
