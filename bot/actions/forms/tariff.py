"""Asking about a tariff: the plans and contract end dates on a verified account.

Tariffs are not published, so Customer Relations e-mails the full details to the
account's address (staff send them from the console): the form also creates a tariff
case for that, and says so only when the account has an e-mail address.
"""

from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.dates import describe
from bot.actions.validation import FocusForm, SlotText


class TariffForm(FocusForm):
    form = "tariff_form"
    kind = "tariff"
    next_steps = (
        "Customer Relations will email the full details of your tariff to the address on "
        "your account."
    )
    no_email_steps = (
        "We have no e-mail address for your account, so Customer Relations will be in touch "
        "with the full details of your tariff; you can also call them on {fact_phone}."
    )

    def case_details(self, tracker: Tracker) -> dict[str, Any]:
        return {"services": [s["product"] for s in self.account_services(tracker)] or None}

    def next_steps_text(self, tracker: Tracker) -> str:
        """The tariff goes by e-mail only where the account has an address (staff send it
        from the console)."""
        account = tracker.get_slot("account") or {}
        steps = self.next_steps if account.get("has_email") else self.no_email_steps
        return steps.format_map(SlotText(tracker))

    async def finish(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """The plans first, then the case that asks for the full tariff by e-mail."""
        if services := self.account_services(tracker):
            plans = "\n".join(
                f"- {s['product']}: {s['tariff_name']}, contract ends "
                f"{describe(date.fromisoformat(s['contract_end']))}"
                for s in services
            )
            dispatcher.utter_message(response="utter_tariff_plans", plans=plans)
        return await super().finish(dispatcher, tracker)
