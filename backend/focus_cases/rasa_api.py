"""Rasa's HTTP API, called by the service on behalf of the staff console.

The browser never holds Rasa's token: staff pages ask the service, which adds the
token and calls Rasa (Settings: RASA_AUTH_TOKEN, RASA_URL). A Rasa that cannot be
reached is a 503 problem, a Rasa that answers with an error a 502, never a 500. The
tracker's raw events are turned here into the small shapes the console shows.
"""

import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from focus_cases import redaction, signing
from focus_cases.problems import ProblemError
from focus_cases.schemas import (
    ActionOut,
    BotReply,
    Button,
    ConversationEvent,
    EntityOut,
    IntentOut,
)
from focus_cases.state import SETTINGS

# Rasa on 2 busy cores can take many seconds for one message (model, actions, service).
MESSAGE_TIMEOUT = 90.0
READ_TIMEOUT = 20.0
# Shown nowhere in "try the bot": the clock chosen is on screen already.
_INTERNAL_SLOTS = {"session_started_metadata"}

HTTP = web.AppKey("rasa_http", aiohttp.ClientSession)


async def _client(app: web.Application) -> AsyncIterator[None]:
    async with aiohttp.ClientSession() as session:
        app[HTTP] = session
        yield


def setup(app: web.Application) -> None:
    """One HTTP client per app for Rasa's API (its address and token are in Settings)."""
    app.cleanup_ctx.append(_client)


async def _call(
    app: web.Application, method: str, path: tuple[str, ...], seconds: float, **kwargs: Any
) -> aiohttp.ClientResponse:
    settings = app[SETTINGS]
    if not settings.rasa_auth_token:
        raise ProblemError(
            503, "the service has no RASA_AUTH_TOKEN to reach the bot", slug="rasa-unavailable"
        )
    url = URL(settings.rasa_url).joinpath(*path).with_query(token=settings.rasa_auth_token)
    try:
        response = await app[HTTP].request(
            method, url, timeout=aiohttp.ClientTimeout(total=seconds), **kwargs
        )
        await response.read()
    except (aiohttp.ClientError, TimeoutError):
        raise ProblemError(
            503, "the bot (Rasa) cannot be reached just now; try again", slug="rasa-unavailable"
        ) from None
    if response.status >= 400:
        raise ProblemError(
            502, f"the bot (Rasa) answered with HTTP {response.status}", slug="rasa-error"
        )
    return response


async def _json(response: aiohttp.ClientResponse) -> Any:
    try:
        return await response.json(content_type=None)
    except ValueError:
        raise ProblemError(
            502, "the bot (Rasa) sent a malformed answer", slug="rasa-error"
        ) from None


async def tracker(app: web.Application, conversation_id: str) -> dict[str, Any]:
    """The conversation's tracker (an unknown id gives an empty one, as Rasa does)."""
    path = ("conversations", conversation_id, "tracker")
    data = await _json(await _call(app, "GET", path, READ_TIMEOUT))
    if not isinstance(data, dict):
        raise ProblemError(502, "the bot (Rasa) sent a malformed tracker", slug="rasa-error")
    return data


async def send(
    app: web.Application, conversation_id: str, text: str, now: str | None
) -> list[BotReply]:
    """One message through the REST channel; ``now`` travels as metadata, signed for
    this conversation: the bot's actions pass only a signed one to the case service
    (as X-Focus-Now). Without FOCUS_SESSION_SECRET it goes unsigned, so unheeded."""
    secret = app[SETTINGS].session_secret
    metadata = {"focus_now": now} if now else {}
    if now and secret:
        metadata["focus_now_signature"] = signing.sign_clock(secret, conversation_id, now)
    body = {"sender": conversation_id, "message": text, "metadata": metadata}
    path = ("webhooks", "rest", "webhook")
    data = await _json(await _call(app, "POST", path, MESSAGE_TIMEOUT, json=body))
    if not isinstance(data, list):
        raise ProblemError(502, "the bot (Rasa) sent a malformed answer", slug="rasa-error")
    return [_reply(item) for item in data if isinstance(item, dict)]


async def story(app: web.Application, conversation_id: str, name: str | None) -> str:
    """The conversation as a Rasa test story (YAML), the customer's personal data
    redacted (it is saved into the repository), optionally renamed."""
    response = await _call(app, "GET", ("conversations", conversation_id, "story"), READ_TIMEOUT)
    yaml = redaction.redact_story(await response.text())
    if name:
        # A JSON string is a valid YAML scalar: the name needs no escaping of its own.
        yaml = re.sub(
            r"^(\s*- story: ).*$", lambda m: m[1] + json.dumps(name), yaml, count=1, flags=re.M
        )
    return f"# Saved from the staff console (conversation {conversation_id}).\n{yaml}"


# --- the tracker's events as the console's shapes -----------------------------------------


def _buttons(items: Any) -> list[Button]:
    return [
        Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
        for b in items or []
        if isinstance(b, dict)
    ]


def _reply(item: dict[str, Any]) -> BotReply:
    return BotReply(text=item.get("text"), buttons=_buttons(item.get("buttons")))


def _intent(data: Any) -> IntentOut | None:
    if not isinstance(data, dict) or not data.get("name"):
        return None
    return IntentOut(name=str(data["name"]), confidence=float(data.get("confidence") or 0.0))


def _entities(parse_data: dict[str, Any]) -> list[EntityOut]:
    return [
        EntityOut(
            entity=str(e.get("entity", "")),
            value=e.get("value"),
            start=e.get("start"),
            end=e.get("end"),
            extractor=e.get("extractor"),
        )
        for e in parse_data.get("entities") or []
        if isinstance(e, dict)
    ]


def _at(event: dict[str, Any]) -> datetime | None:
    stamp = event.get("timestamp")
    return datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, int | float) else None


def _action(event: dict[str, Any]) -> ActionOut:
    return ActionOut(
        name=str(event.get("name", "")),
        policy=event.get("policy"),
        confidence=event.get("confidence"),
    )


def conversation(tracker: dict[str, Any]) -> list[ConversationEvent]:
    """What the customer said, what the bot said and did (not its listening)."""
    out: list[ConversationEvent] = []
    for event in tracker.get("events") or []:
        kind = event.get("event")
        if kind == "user":
            parse = event.get("parse_data") or {}
            out.append(
                ConversationEvent(
                    kind="user",
                    at=_at(event),
                    text=event.get("text"),
                    intent=_intent(parse.get("intent")),
                    entities=_entities(parse),
                )
            )
        elif kind == "bot":
            data = event.get("data") or {}
            buttons = data.get("buttons") or data.get("quick_replies")
            out.append(
                ConversationEvent(
                    kind="bot", at=_at(event), text=event.get("text"), buttons=_buttons(buttons)
                )
            )
        elif kind == "action" and event.get("name") not in (None, "action_listen"):
            out.append(ConversationEvent(kind="action", at=_at(event), action=_action(event)))
    return out


def latest_turn(tracker: dict[str, Any]) -> dict[str, Any]:
    """The last user message's intent, ranking and entities, the actions since, the
    slots and the active form: the fields of a TryTurn."""
    events = tracker.get("events") or []
    last_user = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=-1)
    parse = (events[last_user].get("parse_data") or {}) if last_user >= 0 else {}
    ranking = [i for i in map(_intent, parse.get("intent_ranking") or []) if i]
    actions = [
        _action(e)
        for e in events[last_user + 1 :]
        if e.get("event") == "action" and e.get("name") != "action_listen"
    ]
    slots = {
        name: value
        for name, value in (tracker.get("slots") or {}).items()
        if value is not None and not name.startswith("fact_") and name not in _INTERNAL_SLOTS
    }
    loop = tracker.get("active_loop") or {}
    return {
        "intent": _intent(parse.get("intent")),
        "intent_ranking": ranking[:5],
        "entities": _entities(parse),
        "slots": slots,
        "actions": actions,
        "active_loop": loop.get("name"),
    }
