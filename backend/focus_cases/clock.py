"""The injectable clock: every "now" in the service comes from here.

``FOCUS_NOW`` freezes time for demos and tests; a trusted request may carry
``X-Focus-Now`` when the service allows clock overrides (staff "try the bot").
"""

import os
from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def parse_instant(text: str) -> datetime:
    """An ISO 8601 instant as aware UTC; a naive value is UK local time."""
    value = datetime.fromisoformat(text.strip())
    if value.tzinfo is None:
        value = value.replace(tzinfo=LONDON)
    return value.astimezone(UTC)


def fixed_from_env() -> datetime | None:
    """``FOCUS_NOW``, when set: the instant the service's clock stands at."""
    text = os.environ.get("FOCUS_NOW")
    return parse_instant(text) if text else None


class Clock:
    """Real time, or a fixed instant when one is given."""

    def __init__(self, fixed: datetime | None = None, source: Callable[[], datetime] | None = None):
        self._fixed = fixed
        self._source = source or (lambda: datetime.now(UTC))

    def now(self) -> datetime:
        return self._fixed if self._fixed is not None else self._source()
