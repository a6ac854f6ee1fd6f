"""Settings and the typed keys of application and request state."""

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from focus_cases.auth import DEFAULT_IDLE_TIMEOUT, Principal
from focus_cases.clock import Clock, fixed_from_env
from focus_cases.db import BACKEND_DIR, database_url
from focus_cases.mail.settings import MailSettings
from focus_cases.metrics import LOOPBACK, Network, networks
from focus_cases.retention import Retention
from focus_cases.stores import Stores, read_only

DEFAULT_RASA_URL = "http://127.0.0.1:5005"


@dataclass(frozen=True)
class Settings:
    database_url: str
    service_token: str
    fixed_now: datetime | None = None
    allow_clock_override: bool = False
    secure_cookies: bool = False
    release_interval: float = 30.0
    web_dir: Path = BACKEND_DIR / "web"
    rasa_url: str = DEFAULT_RASA_URL
    """Where the service reaches Rasa's HTTP API for the staff console (RASA_URL)."""
    rasa_auth_token: str | None = None
    """Rasa's HTTP API token (RASA_AUTH_TOKEN); only the service ever holds it."""
    rasa_public_url: str | None = None
    """Where browsers reach Rasa's socket.io, when not at ``rasa_url`` (FOCUS_RASA_PUBLIC_URL)."""
    staff_idle_timeout: timedelta = DEFAULT_IDLE_TIMEOUT
    """A staff session unused this long ends (FOCUS_STAFF_IDLE_MINUTES)."""
    tracker_url: str = "sqlite+aiosqlite://"
    """Rasa's SQL tracker store as the console's report reads it: ``stores.tracker``
    opened read-only."""
    metrics_allow: tuple[Network, ...] = networks(LOOPBACK)
    """Who may scrape /metrics without the token (FOCUS_METRICS_ALLOW)."""
    metrics_token: str | None = None
    """A bearer token that may scrape /metrics from anywhere (FOCUS_METRICS_TOKEN)."""
    session_secret: str | None = None
    """Signs the chat widget's conversation ids and "try the bot" clock times, shared
    with Rasa and the actions (FOCUS_SESSION_SECRET; see signing)."""
    mail: MailSettings = field(default_factory=MailSettings)
    """SMTP and addresses (FOCUS_SMTP_*, FOCUS_MAIL_FROM, FOCUS_TEAM_EMAIL)."""
    stores: Stores = field(default_factory=Stores)
    """Rasa's tracker store and the bot's outbox, for erasure and retention."""
    retention: Retention = field(default_factory=Retention)
    purge_interval: float = 24 * 3600.0
    """Seconds between retention purges (the first runs at startup)."""

    @property
    def rasa_socket_url(self) -> str:
        """The Rasa address the chat widget is given (and its pages may connect to)."""
        return self.rasa_public_url or self.rasa_url

    @classmethod
    def from_env(cls, service_token: str) -> "Settings":
        public_url = os.environ.get("FOCUS_RASA_PUBLIC_URL")
        stores = Stores.from_env()
        return cls(
            database_url=database_url(),
            service_token=service_token,
            fixed_now=fixed_from_env(),
            allow_clock_override=os.environ.get("FOCUS_ALLOW_CLOCK_OVERRIDE") == "1",
            secure_cookies=os.environ.get("FOCUS_SECURE_COOKIES") == "1",
            rasa_url=os.environ.get("RASA_URL", DEFAULT_RASA_URL).rstrip("/"),
            rasa_auth_token=os.environ.get("RASA_AUTH_TOKEN") or None,
            rasa_public_url=public_url.rstrip("/") if public_url else None,
            staff_idle_timeout=timedelta(
                minutes=float(os.environ.get("FOCUS_STAFF_IDLE_MINUTES", "30"))
            ),
            tracker_url=read_only(stores.tracker),
            metrics_allow=networks(os.environ.get("FOCUS_METRICS_ALLOW", LOOPBACK)),
            metrics_token=os.environ.get("FOCUS_METRICS_TOKEN") or None,
            session_secret=os.environ.get("FOCUS_SESSION_SECRET") or None,
            mail=MailSettings.from_env(),
            stores=stores,
            retention=Retention.from_env(),
        )


SETTINGS = web.AppKey("settings", Settings)
CLOCK = web.AppKey("clock", Clock)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", async_sessionmaker)
OPENAPI = web.AppKey("openapi", dict)

REQUEST_ID = web.RequestKey("request_id", str)
PRINCIPAL = web.RequestKey("principal", Principal | None)
NOW = web.RequestKey("now", datetime)
