"""Checking a case: nothing is disclosed unless the case belongs to the verified account."""

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.backend import (
    NotVerified,
    Rejected,
    TooManyAttempts,
    Unavailable,
    for_conversation,
    verification_source,
)
from bot.actions.validation import FocusForm

STATUS_WORDS = {
    "queued": "waiting for the team, who pick it up at {due}",
    "open": "open with our team",
    "in_progress": "being worked on",
    "resolved": "resolved",
    "closed": "closed",
}


class CaseStatusForm(FocusForm):
    form = "case_status_form"

    async def finish(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        """Tell the case's status; nothing is submitted."""
        reference = tracker.get_slot("case_ref")
        try:
            case = await for_conversation(tracker).lookup_case(
                reference,
                tracker.get_slot("account_number"),
                tracker.get_slot("postcode"),
                verification_source(tracker),
            )
        except (NotVerified, Rejected):  # no such case for this account, or no such reference
            dispatcher.utter_message(response="utter_case_not_found", reference=reference)
            return []
        except TooManyAttempts:
            dispatcher.utter_message(response="utter_verification_locked")
            return []
        except Unavailable:
            dispatcher.utter_message(response="utter_case_service_down_lookup")
            return []
        status = STATUS_WORDS.get(case["status"], case["status"]).format(due=case["due_at_text"])
        dispatcher.utter_message(
            response="utter_case_status",
            reference=case["reference"],
            kind=case["kind"].replace("_", " "),
            status=status,
        )
        return []
