"""Talking to a person: a callback from Customer Relations at a preferred time."""

from bot.actions.validation import FocusForm


class CallbackForm(FocusForm):
    form = "callback_form"
    kind = "callback"
    free_text = frozenset({"contact_name", "preferred_time"})
    heading = "I'll ask Customer Relations to call you back:"
    summary_lines = {
        "Name": "{contact_name}",
        "Number": "{contact_phone}",
        "When": "{preferred_time}",
    }
    details = {"preferred_time": "preferred_time"}
    next_steps = (
        "Customer Relations will call {contact_name} on {contact_phone} ({preferred_time})."
    )
