"""Rasa's REST and socket.io input channels, putting the customer's address on each
message's metadata (``client_address``) so the case service can limit verification
attempts per address.

X-Forwarded-For is believed only from the proxies listed in FOCUS_TRUSTED_PROXIES
(comma-separated addresses); anyone else could write any address into it. Whatever
the client itself sends as ``client_address`` is overwritten.
Registered in credentials.yml by module path.
"""

import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint
from sanic.request import Request

ADDRESS_KEY = "client_address"


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


class AddressedRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def get_metadata(self, request: Request) -> dict[str, Any]:
        """The body's metadata, as Rasa's channel keeps it, with the address."""
        metadata = super().get_metadata(request)
        return {
            **(metadata if isinstance(metadata, dict) else {}),
            ADDRESS_KEY: client_address(request),
        }


class AddressedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        """Rasa's blueprint, its message handler wrapped to add the address the
        socket connected from (its handshake request)."""
        blueprint = super().blueprint(on_new_message)
        sio = self.sio
        handle_message = sio.handlers[self.namespace or "/"][self.user_message_evt]

        async def handle_addressed(sid: str, data: dict) -> None:
            metadata = data.get(self.metadata_key) or {}
            if not isinstance(metadata, dict):
                metadata = {}
            request = sio.get_environ(sid, self.namespace)["sanic.request"]
            data = {**data, self.metadata_key: {**metadata, ADDRESS_KEY: client_address(request)}}
            await handle_message(sid, data)

        sio.on(self.user_message_evt, namespace=self.namespace)(handle_addressed)
        return blueprint
