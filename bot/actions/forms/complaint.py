"""Making a complaint: what went wrong, in the customer's words."""

from bot.actions.validation import FocusForm


class ComplaintForm(FocusForm):
    form = "complaint_form"
    kind = "complaint"
    free_text = frozenset({"complaint_summary"})
    opening_slot = "complaint_summary"
    heading = "Here's the complaint I'll pass to Customer Relations:"
    summary_lines = {"Account": "{account_number}", "Your complaint": "{complaint_summary}"}
    details = {"summary": "complaint_summary"}
    next_steps = (
        "Customer Relations will handle it under our Customer Complaints Code and "
        "contact you about it."
    )
