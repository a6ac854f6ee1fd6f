"""One module per guided conversation; importing them registers each FocusForm."""

from bot.actions.forms import (  # noqa: F401
    callback,
    cancellation,
    case_status,
    complaint,
    fault,
    payment_help,
    porting,
    tariff,
)
