"""Requesting a cancellation: the written notice the Code of Practice asks for.

Which services, from when (a date in the future, in the customer's words), an
optional reason, and a warning when a contract runs past that date (early
termination charges may apply).
"""

import re
from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.backend import for_conversation
from bot.actions.clock import today
from bot.actions.dates import describe, parse_date
from bot.actions.validation import FocusForm

ALL = re.compile(r"\b(all|everything|every service|the lot|all of (them|it))\b", re.IGNORECASE)
NO_REASON = re.compile(r"^(no|nope|none|skip|n/a|rather not say|prefer not to say)\b", re.I)


class CancellationForm(FocusForm):
    form = "cancellation_form"
    kind = "cancellation"
    free_text = frozenset({"effective_date", "cancel_reason"})
    declines = {"cancel_reason": NO_REASON}
    next_steps = (
        "This is recorded as your written notice. Customer Relations will confirm the "
        "cancellation, and any early termination charge, in writing."
    )

    async def extract_cancel_services(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        products = [
            e["value"]
            for e in tracker.latest_message.get("entities", [])
            if e["entity"] == "product"
        ]
        if products:
            return {"cancel_services": list(dict.fromkeys(products))}
        asked = tracker.get_slot("requested_slot") == "cancel_services"
        if asked and ALL.search(tracker.latest_message.get("text") or ""):
            return {"cancel_services": [s["product"] for s in self.account_services(tracker)]}
        return {}

    async def extract_effective_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        dates = [
            e["value"] for e in tracker.latest_message.get("entities", []) if e["entity"] == "date"
        ]
        return {"effective_date": dates[0]} if dates else {}

    async def extract_cancel_reason(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        asked = tracker.get_slot("requested_slot") == "cancel_reason"
        text = tracker.latest_message.get("text") or ""
        if asked and (
            tracker.get_intent_of_latest_message() == "deny" or self.declined("cancel_reason", text)
        ):
            return {"cancel_reason": "not given"}
        return {}

    async def validate_cancel_services(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        chosen = value if isinstance(value, list) else [value]
        return {"cancel_services": chosen if self.on_account(dispatcher, tracker, chosen) else None}

    async def validate_effective_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        now = await today(for_conversation(tracker))
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            day = parse_date(str(value), now)
        if day is None:
            dispatcher.utter_message(response="utter_explain_effective_date")
            return {"effective_date": None}
        if day < now:
            dispatcher.utter_message(response="utter_effective_date_past", date=describe(day))
            return {"effective_date": None}
        return {"effective_date": day.isoformat()}

    async def validate_cancel_reason(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"cancel_reason": "not given" if NO_REASON.match(str(value)) else value}

    def early_termination(self, tracker: Tracker) -> list[str]:
        """Services whose contract ends after the cancellation date."""
        effective = tracker.get_slot("effective_date")
        chosen = tracker.get_slot("cancel_services") or []
        return [
            f"{service['product']} (contract ends "
            f"{describe(date.fromisoformat(service['contract_end']))})"
            for service in self.account_services(tracker)
            if service["product"] in chosen and effective and service["contract_end"] > effective
        ]

    def summary(self, tracker: Tracker) -> str:
        effective = date.fromisoformat(tracker.get_slot("effective_date"))
        lines = [
            "Here's the cancellation request I'll record as your written notice:",
            f"- Account: {tracker.get_slot('account_number')}",
            f"- Cancel: {', '.join(tracker.get_slot('cancel_services') or [])}",
            f"- From: {describe(effective)}",
            f"- Reason: {tracker.get_slot('cancel_reason')}",
        ]
        if early := self.early_termination(tracker):
            lines.append(
                "Please note: an early termination charge may apply, as the contract runs past "
                f"that date for {'; '.join(early)}. It will be explained to you, and is set "
                "out in your Terms and Conditions."
            )
        return "\n".join(lines)

    def case_details(self, tracker: Tracker) -> dict[str, Any]:
        reason = tracker.get_slot("cancel_reason")
        return {
            "services": tracker.get_slot("cancel_services"),
            "effective_date": tracker.get_slot("effective_date"),
            "reason": None if reason == "not given" else reason,
            "early_termination_warning": bool(self.early_termination(tracker)),
        }
