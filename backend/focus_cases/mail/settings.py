"""Where and how mail is sent, from the environment (read by ``Settings.from_env``)."""

import os
from dataclasses import dataclass

from focus_cases import facts


@dataclass(frozen=True)
class MailSettings:
    smtp_host: str | None = None
    """FOCUS_SMTP_HOST; unset: mail is queued and nothing is sent."""
    smtp_port: int = 25
    starttls: bool = False
    """FOCUS_SMTP_STARTTLS=1: upgrade the connection with STARTTLS (refuse if not offered)."""
    username: str | None = None
    password: str | None = None
    sender: str = f"Focus Group Customer Relations <{facts.EMAIL}>"
    """FOCUS_MAIL_FROM: the From header."""
    team_email: str = facts.EMAIL
    """FOCUS_TEAM_EMAIL: where out-of-hours fault alerts go."""
    timeout: float = 30.0
    interval: float = 5.0
    """Seconds between the sender's looks at the queue."""

    @classmethod
    def from_env(cls) -> "MailSettings":
        env = os.environ
        defaults = cls()
        return cls(
            smtp_host=env.get("FOCUS_SMTP_HOST") or None,
            smtp_port=int(env.get("FOCUS_SMTP_PORT", defaults.smtp_port)),
            starttls=env.get("FOCUS_SMTP_STARTTLS") == "1",
            username=env.get("FOCUS_SMTP_USER") or None,
            password=env.get("FOCUS_SMTP_PASSWORD") or None,
            sender=env.get("FOCUS_MAIL_FROM") or defaults.sender,
            team_email=env.get("FOCUS_TEAM_EMAIL") or defaults.team_email,
            timeout=float(env.get("FOCUS_SMTP_TIMEOUT", defaults.timeout)),
            interval=float(env.get("FOCUS_MAIL_INTERVAL", defaults.interval)),
        )
