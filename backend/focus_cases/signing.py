"""What the service signs for the bot: chat session ids and "try the bot" clock times.

Customers choose nothing the bot trusts. The widget's conversation id is issued here
as a token, ``<id>.<expires>.<mac>`` (expires: Unix seconds; mac: HMAC-SHA256 with
FOCUS_SESSION_SECRET, base64url), which Rasa's socket.io channel checks before it
lets a socket into that conversation. A clock time the staff console chooses travels
with a MAC bound to its conversation, which the actions check before they pass it on.
bot/signing.py is the bot's side of the same format; the secret is shared by the
environment only.
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SESSION_LIFETIME = timedelta(minutes=30)
"""The widget forgets a chat unused this long; each message it sends renews the id."""

_SESSION, _CLOCK = "session", "focus_now"  # what a MAC is for: one cannot pass as the other


def _mac(secret: str, purpose: str, *fields: str) -> str:
    message = "\x00".join((purpose, *fields)).encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True)
class ChatSession:
    conversation_id: str
    expires_at: datetime
    token: str


def session_id(secret: str, token: str, now: datetime) -> str | None:
    """The conversation id of a token this service signed that has not expired, else None."""
    conversation_id, _, rest = token.partition(".")
    expires, _, mac = rest.partition(".")
    if not (conversation_id and expires.isascii() and expires.isdigit() and mac):
        return None
    expected = _mac(secret, _SESSION, conversation_id, expires)
    if not hmac.compare_digest(mac.encode(), expected.encode()):
        return None
    return conversation_id if int(expires) > now.timestamp() else None


def issue_session(secret: str, now: datetime, renewing: str | None = None) -> ChatSession:
    """A token for a new conversation, or for the one ``renewing`` names when that token
    is still valid (the conversation carries on for another SESSION_LIFETIME)."""
    conversation_id = (renewing and session_id(secret, renewing, now)) or secrets.token_hex(16)
    expires = int((now + SESSION_LIFETIME).timestamp())
    token = f"{conversation_id}.{expires}.{_mac(secret, _SESSION, conversation_id, str(expires))}"
    return ChatSession(conversation_id, datetime.fromtimestamp(expires, UTC), token)


def sign_clock(secret: str, conversation_id: str, now: str) -> str:
    """The MAC that lets the actions believe ``now`` in this conversation."""
    return _mac(secret, _CLOCK, conversation_id, now)
