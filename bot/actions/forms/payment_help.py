"""Difficulty paying: the Accounts Department arranges a different way to pay."""

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.submission import base_case, submit
from bot.actions.validation import FocusForm


class PaymentHelpForm(FocusForm):
    form = "payment_help_form"
    free_text = frozenset({"payment_summary"})

    def summary(self, tracker: Tracker) -> str:
        return (
            f"I'll ask our Accounts Department to help:\n"
            f"- Account: {tracker.get_slot('account_number')}\n"
            f"- What you told me: {tracker.get_slot('payment_summary')}"
        )

    async def finish(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        case = base_case(tracker, self.form, "payment_help")
        case["details"] = {"summary": tracker.get_slot("payment_summary")}
        next_steps = (
            "Our Accounts Department will contact you to arrange a different way of paying; "
            "we'll do all we can to help you manage your bills and avoid disconnection."
        )
        await submit(dispatcher, tracker, self.form, case, next_steps)
        return []
