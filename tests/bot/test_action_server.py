"""The action server keeps an idle connection open longer than Rasa's HTTP client keeps
one in its pool (aiohttp: 15 s). Sanic's default, 5 s, let the server close a connection
just as Rasa reused it for an action call: the call failed ("Cannot write to closing
transport") and the turn lost its action, a confirmed submission included."""

import socket
import time
from urllib.parse import urlsplit

RASAS_POOL_IDLE = 15.0  # aiohttp.TCPConnector's keepalive_timeout


def ask_health(connection: socket.socket) -> bytes:
    connection.sendall(b"GET /health HTTP/1.1\r\nHost: actions\r\n\r\n")
    return connection.recv(4096)


def test_an_idle_connection_outlives_rasas_pool(stack, harness) -> None:
    address = urlsplit(harness.url("actions"))
    with socket.create_connection((address.hostname, address.port), timeout=10) as connection:
        assert ask_health(connection).startswith(b"HTTP/1.1 200")
        time.sleep(RASAS_POOL_IDLE + 1)
        assert ask_health(connection).startswith(b"HTTP/1.1 200")
