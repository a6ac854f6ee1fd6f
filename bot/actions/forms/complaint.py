"""Making a complaint: what went wrong, in the customer's words."""

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.submission import base_case, submit
from bot.actions.validation import FocusForm


class ComplaintForm(FocusForm):
    form = "complaint_form"
    free_text = frozenset({"complaint_summary"})

    def summary(self, tracker: Tracker) -> str:
        return (
            f"Here's the complaint I'll pass to Customer Relations:\n"
            f"- Account: {tracker.get_slot('account_number')}\n"
            f"- Your complaint: {tracker.get_slot('complaint_summary')}"
        )

    async def finish(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        case = base_case(tracker, self.form, "complaint")
        case["details"] = {"summary": tracker.get_slot("complaint_summary")}
        next_steps = (
            "Customer Relations will handle it under our Customer Complaints Code and "
            "contact you about it."
        )
        await submit(dispatcher, tracker, self.form, case, next_steps)
        return []
