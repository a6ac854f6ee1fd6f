"""Asking about a tariff: the plans and contract end dates on a verified account.

Tariffs are not published, so Customer Relations emails the full details: the
form also creates a tariff case for that.
"""

from datetime import date

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.dates import describe
from bot.actions.submission import base_case, submit
from bot.actions.validation import FocusForm


class TariffForm(FocusForm):
    form = "tariff_form"

    def summary(self, tracker: Tracker) -> str:
        return ""

    async def finish(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        services = self.account_services(tracker)
        if services:
            plans = "\n".join(
                f"- {s['product']}: {s['tariff_name']}, contract ends "
                f"{describe(date.fromisoformat(s['contract_end']))}"
                for s in services
            )
            dispatcher.utter_message(response="utter_tariff_plans", plans=plans)
        case = base_case(tracker, self.form, "tariff")
        case["details"] = {"services": [s["product"] for s in services] or None}
        next_steps = "Customer Relations will email the full details of your tariff."
        await submit(dispatcher, tracker, self.form, case, next_steps)
        return []
