"""Porting-delay compensation: which number, what happened; credit to the account."""

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.submission import base_case, submit
from bot.actions.validation import FocusForm


class PortingForm(FocusForm):
    form = "porting_form"
    free_text = frozenset({"porting_summary"})

    async def extract_ported_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        phones = [
            e["value"] for e in tracker.latest_message.get("entities", []) if e["entity"] == "phone"
        ]
        asked = tracker.get_slot("requested_slot") in (None, "ported_number")
        return {"ported_number": phones[0]} if phones and asked else {}

    def summary(self, tracker: Tracker) -> str:
        return (
            f"Here's the compensation claim I'll send:\n"
            f"- Account: {tracker.get_slot('account_number')}\n"
            f"- Number ported: {tracker.get_slot('ported_number')}\n"
            f"- What happened: {tracker.get_slot('porting_summary')}"
        )

    async def finish(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        case = base_case(tracker, self.form, "porting_compensation")
        case["details"] = {
            "number": tracker.get_slot("ported_number"),
            "summary": tracker.get_slot("porting_summary"),
        }
        next_steps = (
            "Customer Relations will look into the delay. If it happened because of something "
            "Focus Group did, the compensation is applied as a credit to your account."
        )
        await submit(dispatcher, tracker, self.form, case, next_steps)
        return []
