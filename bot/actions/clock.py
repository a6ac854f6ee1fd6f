"""Today's date as the case service sees it, so the bot and the service agree.

The service's clock honours FOCUS_NOW; when the service cannot be reached the
bot falls back to FOCUS_NOW itself, then the real UK date.
"""

import os
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.actions.backend import CaseService, Unavailable

LONDON = ZoneInfo("Europe/London")


async def today(service: CaseService) -> date:
    try:
        now = (await service.hours())["now"].replace("Z", "+00:00")  # 3.10 lacks "Z"
        return datetime.fromisoformat(now).astimezone(LONDON).date()
    except (Unavailable, KeyError, ValueError):
        fixed = os.environ.get("FOCUS_NOW")
        return datetime.fromisoformat(fixed).date() if fixed else datetime.now(LONDON).date()
