"""The bot's side of what the case service signs (backend/focus_cases/signing.py):
chat session ids, checked by the socket.io channel, and "try the bot" clock times,
checked by the actions.

A session id is ``<conversation id>.<expires>.<mac>``; a clock time's MAC is bound to
its conversation. Both are HMAC-SHA256 with FOCUS_SESSION_SECRET, which the case
service, Rasa and the action server get from their environment (scripts/stack.py makes
one per run). Without it nothing verifies: every session and clock time is refused.
"""

import base64
import hashlib
import hmac
import os
import time

SESSION, CLOCK = "session", "focus_now"  # what a MAC is for: one cannot pass as the other


def secret() -> str:
    return os.environ.get("FOCUS_SESSION_SECRET", "")


def mac(key: str, purpose: str, *fields: str) -> str:
    message = "\x00".join((purpose, *fields)).encode()
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _matches(sent: str, purpose: str, *fields: str) -> bool:
    key = secret()
    return bool(key) and hmac.compare_digest(sent.encode(), mac(key, purpose, *fields).encode())


def session_id(token: object) -> str | None:
    """The conversation id of a session id the case service signed and that has not
    expired; None for anything else (missing, unsigned, forged, expired, not a string)."""
    if not isinstance(token, str):
        return None
    conversation_id, _, rest = token.partition(".")
    expires, _, sent = rest.partition(".")
    if not (conversation_id and expires.isascii() and expires.isdigit() and sent):
        return None
    if not _matches(sent, SESSION, conversation_id, expires):
        return None
    return conversation_id if int(expires) > time.time() else None


def clock_time(conversation_id: str, metadata: dict) -> str | None:
    """The message's ``focus_now`` if the case service signed it for this conversation."""
    now, sent = metadata.get("focus_now"), metadata.get("focus_now_signature")
    if not (isinstance(now, str) and isinstance(sent, str)):
        return None
    return now if _matches(sent, CLOCK, conversation_id, now) else None
