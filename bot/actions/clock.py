"""Today's date as the case service sees it, so the bot and the service agree.

The service's clock honours FOCUS_NOW; when the service cannot be reached (or
answers nonsense) the bot falls back to FOCUS_NOW itself, then the real UK date.
"""

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.actions.backend import CaseService, CaseServiceError

LONDON = ZoneInfo("Europe/London")


async def today(service: CaseService) -> date:
    try:
        now = (await service.hours())["now"].replace("Z", "+00:00")  # 3.10 lacks "Z"
        return datetime.fromisoformat(now).astimezone(LONDON).date()
    except (CaseServiceError, AttributeError, ValueError):  # down, refused or malformed
        return _local_today()


def _local_today() -> date:
    """FOCUS_NOW's date when it is set (and readable), else the real UK date."""
    try:
        return datetime.fromisoformat(os.environ["FOCUS_NOW"]).date()
    except (KeyError, ValueError):
        return datetime.now(LONDON).date()
