"""Difficulty paying: the Accounts Department arranges a different way to pay."""

from bot.actions.validation import FocusForm


class PaymentHelpForm(FocusForm):
    form = "payment_help_form"
    kind = "payment_help"
    free_text = frozenset({"payment_summary"})
    opening_slot = "payment_summary"
    heading = "I'll ask our Accounts Department to help:"
    summary_lines = {"Account": "{account_number}", "What you told me": "{payment_summary}"}
    details = {"summary": "payment_summary"}
    next_steps = (
        "Our Accounts Department will contact you to arrange a different way of paying; "
        "we'll do all we can to help you manage your bills and avoid disconnection."
    )
