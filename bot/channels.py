"""Rasa's REST and socket.io input channels, putting the customer's address on each
message's metadata (``client_address``) so the case service can limit verification
attempts per address. The socket.io channel (the widget's, the only one published in
production) takes only conversation ids the case service signed; the REST channel is
for development, tests and the staff console's "try the bot", reached on localhost.

X-Forwarded-For is believed only from the proxies listed in FOCUS_TRUSTED_PROXIES
(comma-separated addresses); anyone else could write any address into it. Whatever
the client itself sends as ``client_address`` is overwritten. Every message is
answered (``answered``): one longer than the widget lets anyone type by the channel,
without reaching the bot; a turn that failed, in part or whole, with an apology.
Registered in credentials.yml by module path.
"""

import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint, Sanic
from sanic.request import Request

from bot import failed_actions, redaction, signing

logger = logging.getLogger(__name__)
redaction.install()  # Rasa imports this module at start-up: its logs are redacted from then

ADDRESS_KEY = "client_address"
CONVERSATION_KEY = "conversation_id"  # in a socket's session: the conversation it joined
SESSION_REFUSED = "session_refused"
MAX_MESSAGE_CHARS = 2000  # the widget's own limit (maxlength, backend/web/widget.js)
TOO_LONG = (
    "Sorry, that message is too long for me. Could you tell me in a few sentences "
    "(up to 2,000 characters)?"
)
NOT_ANSWERED = (
    "Sorry, something went wrong on our side and I couldn't finish that. "
    "Could you send your last message again?"
)


def trusted_proxies() -> frozenset[str]:
    return frozenset(
        p.strip() for p in os.environ.get("FOCUS_TRUSTED_PROXIES", "").split(",") if p.strip()
    )


def client_address(request: Request) -> str:
    """The nearest address that is not a trusted proxy: the peer, or when the peer is
    a trusted proxy, the right-most untrusted hop of its X-Forwarded-For."""
    trusted = trusted_proxies()
    address = request.ip
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    while address in trusted and hops:
        address = hops.pop()
    return address


def answered(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
) -> Callable[[UserMessage], Awaitable[Any]]:
    """Rasa's message handler, always answering the customer.

    - A message longer than the widget lets anyone type is asked again in fewer words
      and kept out of the conversation. Understanding a message costs more than its
      length: Rasa's regex featurizer matches every pattern against every token, 16 s
      of the one core a Rasa process has for a 100 kB text, while every other customer
      waits.
    - A turn in which a custom action could not be run, that failed, or that ended
      without a word gets an apology asking for the message again. Rasa goes on
      without the events of an action that failed (an action server killed while
      answering gives a 502), so the customer would read half an answer or none, and
      wait for the rest. Sent again, the message is handled as new: a form is still
      where it was, and a submission's idempotency key makes it one case."""

    async def handle(message: UserMessage) -> Any:
        channel = message.output_channel
        if isinstance(message.text, str) and len(message.text) > MAX_MESSAGE_CHARS:
            logger.info("A message of %d characters answered as too long", len(message.text))
            await channel.send_text_message(message.sender_id, TOO_LONG)
            return None
        send = channel.send_response
        sent = 0

        async def counted(recipient_id: str, response: dict[str, Any]) -> None:
            nonlocal sent
            sent += 1
            await send(recipient_id, response)

        channel.send_response = counted  # type: ignore[method-assign]  # this message's own
        result = None
        with failed_actions.watched() as failed:
            try:
                result = await on_new_message(message)
            except Exception:
                logger.exception("A turn failed")
                failed.append("the turn")
        if failed or not sent:
            logger.error("Not answered in full (%s): asked again", ", ".join(failed) or "silent")
            await channel.send_text_message(message.sender_id, NOT_ANSWERED)
        return result

    return handle


class AddressedRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return super().blueprint(answered(on_new_message))

    def get_metadata(self, request: Request) -> dict[str, Any]:
        """The body's metadata, as Rasa's channel keeps it, with the address."""
        metadata = super().get_metadata(request)
        return {
            **(metadata if isinstance(metadata, dict) else {}),
            ADDRESS_KEY: client_address(request),
        }


def _engineio_route(app: Sanic, engineio_server: Any, endpoint: str) -> None:
    """engine.io's Sanic route (its driver's create_route), marked as a websocket
    handler: once a chat's websocket closes, engine.io returns no response, which Sanic
    logs as an error ("Invalid response type None"), with a traceback and a second one
    from answering a closed connection: about 4,800 of them in a 10-minute load test,
    hiding any real error."""

    async def engineio(request: Request, *args: Any, **kwargs: Any) -> Any:
        return await engineio_server.handle_request(request, *args, **kwargs)

    engineio.is_websocket = True  # type: ignore[attr-defined]  # Sanic: None is fine
    app.add_route(engineio, endpoint, methods=["GET", "POST", "OPTIONS"])
    app.enable_websocket()


class SignedSocketIOInput(SocketIOInput):
    """Rasa's socket.io channel on conversation ids the case service signed: a socket
    joins a conversation only with a valid session id (bot/signing.py), and its
    messages must carry that conversation's id. Anything else is answered with a
    SESSION_REFUSED event (the widget fetches a new id and asks again) and never
    reaches the bot. Each message's metadata gets the socket's client address.

    Rasa's own handlers would take any id a client names (and make one up when none
    is given), so whoever held an id could continue that chat."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's blueprint with its session_request and message handlers replaced;
        messages that pass go on to Rasa's own message handler."""
        blueprint = super().blueprint(answered(on_new_message))
        sio, namespace = self.sio, self.namespace
        sio.eio._async = {**sio.eio._async, "create_route": _engineio_route}  # this server's
        handle_message = sio.handlers[namespace or "/"][self.user_message_evt]
        if not signing.secret():
            logger.error("FOCUS_SESSION_SECRET is not set: every chat session is refused")

        async def refuse(sid: str, message: object = None) -> None:
            refusal = {"reason": "no session id, or not one signed, current and joined here"}
            if isinstance(message, str):
                refusal["message"] = message  # for the widget to send again
            await sio.emit(SESSION_REFUSED, refusal, room=sid, namespace=namespace)

        async def session_request(sid: str, data: object) -> None:
            token = data.get("session_id") if isinstance(data, dict) else None
            conversation_id = signing.session_id(token)
            if conversation_id is None:
                await refuse(sid)
                return
            async with sio.session(sid, namespace=namespace) as session:
                session[CONVERSATION_KEY] = conversation_id
            sio.enter_room(sid, conversation_id, namespace=namespace)
            await sio.emit("session_confirm", token, room=sid, namespace=namespace)

        async def user_message(sid: str, data: object) -> None:
            if not isinstance(data, dict):
                await refuse(sid)
                return
            conversation_id = signing.session_id(data.get("session_id"))
            joined = (await sio.get_session(sid, namespace=namespace)).get(CONVERSATION_KEY)
            if conversation_id is None or conversation_id != joined:
                await refuse(sid, data.get("message"))
                return
            metadata = data.get(self.metadata_key)
            request = sio.get_environ(sid, namespace)["sanic.request"]
            addressed = {
                **(metadata if isinstance(metadata, dict) else {}),
                ADDRESS_KEY: client_address(request),
            }
            # Rasa's handler takes session_id as the sender: the bare conversation id.
            await handle_message(
                sid, {**data, "session_id": conversation_id, self.metadata_key: addressed}
            )

        sio.on("session_request", namespace=namespace)(session_request)
        sio.on(self.user_message_evt, namespace=namespace)(user_message)
        return blueprint
