"""Asking about a tariff: the plans and contract end dates on a verified account.

Tariffs are not published, so Customer Relations emails the full details: the
form also creates a tariff case for that.
"""

from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.dates import describe
from bot.actions.validation import FocusForm


class TariffForm(FocusForm):
    form = "tariff_form"
    kind = "tariff"
    next_steps = "Customer Relations will email the full details of your tariff."

    def case_details(self, tracker: Tracker) -> dict[str, Any]:
        return {"services": [s["product"] for s in self.account_services(tracker)] or None}

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
