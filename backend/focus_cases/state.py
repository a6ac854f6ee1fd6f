"""Settings and the typed keys of application and request state."""

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from focus_cases.auth import Principal
from focus_cases.clock import Clock, fixed_from_env
from focus_cases.db import BACKEND_DIR, database_url


@dataclass(frozen=True)
class Settings:
    database_url: str
    service_token: str
    fixed_now: datetime | None = None
    allow_clock_override: bool = False
    secure_cookies: bool = False
    release_interval: float = 30.0
    web_dir: Path = BACKEND_DIR / "web"

    @classmethod
    def from_env(cls, service_token: str) -> "Settings":
        return cls(
            database_url=database_url(),
            service_token=service_token,
            fixed_now=fixed_from_env(),
            allow_clock_override=os.environ.get("FOCUS_ALLOW_CLOCK_OVERRIDE") == "1",
            secure_cookies=os.environ.get("FOCUS_SECURE_COOKIES") == "1",
        )


SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker)

REQUEST_ID = web.RequestKey("request_id", str)
PRINCIPAL = web.RequestKey("principal", Principal | None)
NOW = web.RequestKey("now", datetime)
