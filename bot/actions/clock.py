"""The time and date as the case service sees them, so the bot and the service agree.

The service's clock honours FOCUS_NOW; when the service cannot be reached (or
answers nonsense) the bot falls back to FOCUS_NOW itself, then the real UK time.
"""

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.actions.backend import CaseService, CaseServiceError

LONDON = ZoneInfo("Europe/London")


def parse(timestamp: str) -> datetime:
    """An ISO time from the service (Python 3.10 lacks "Z")."""
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


async def now(service: CaseService) -> datetime:
    try:
        return parse((await service.hours())["now"]).astimezone(LONDON)
    except (CaseServiceError, AttributeError, TypeError, ValueError):  # down, refused, malformed
        return _local_now()


def _local_now() -> datetime:
    """FOCUS_NOW when it is set (and readable), else the real UK time."""
    try:
        moment = datetime.fromisoformat(os.environ["FOCUS_NOW"])
    except (KeyError, ValueError):
        return datetime.now(LONDON)
    return moment if moment.tzinfo else moment.replace(tzinfo=LONDON)


async def today(service: CaseService) -> date:
    return (await now(service)).date()
