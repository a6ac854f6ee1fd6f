"""Talking to a person: a callback from Customer Relations at a preferred time."""

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.submission import base_case, submit
from bot.actions.validation import FocusForm


class CallbackForm(FocusForm):
    form = "callback_form"
    free_text = frozenset({"contact_name", "preferred_time"})

    def summary(self, tracker: Tracker) -> str:
        return (
            f"I'll ask Customer Relations to call you back:\n"
            f"- Name: {tracker.get_slot('contact_name')}\n"
            f"- Number: {tracker.get_slot('contact_phone')}\n"
            f"- When: {tracker.get_slot('preferred_time')}"
        )

    async def finish(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        case = base_case(tracker, self.form, "callback")
        case["details"] = {"preferred_time": tracker.get_slot("preferred_time")}
        next_steps = (
            f"Customer Relations will call {tracker.get_slot('contact_name')} on "
            f"{tracker.get_slot('contact_phone')} ({tracker.get_slot('preferred_time')})."
        )
        await submit(dispatcher, tracker, self.form, case, next_steps)
        return []
