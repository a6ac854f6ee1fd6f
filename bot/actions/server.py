"""The action server: rasa-sdk's app on localhost, with the outbox courier running,
a last-resort answer for any action that fails, JSON logs with a request id per
action call, Prometheus metrics at ``GET /metrics``, and its logs redacted
(bot/redaction).

The action server is private as a whole (its /webhook runs actions for anyone who
reaches it: keep it on localhost or a private network); /metrics shares that boundary.
Started by scripts/stack.py as ``python -m bot.actions.server``.
"""

import argparse
import asyncio
import logging
import re
import time
import uuid
from collections.abc import Iterable

from prometheus_client import REGISTRY, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import CollectingDispatcher
from sanic import Sanic, response
from sanic.request import Request

from bot import redaction
from bot.actions import logs
from bot.actions.backend import CaseService
from bot.actions.metrics import ACTION_FAILURES, ACTION_SECONDS
from bot.actions.outbox import Outbox, courier

logger = logging.getLogger("bot.actions.server")  # not __main__, as it runs

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_ACTION_NAME = re.compile(r"^[a-z0-9_]{1,64}$")
PROMETHEUS_TEXT = "text/plain; version=0.0.4"


def _action(request: Request) -> str | None:
    try:
        return (request.json or {}).get("next_action")
    except Exception:  # noqa: BLE001 (a body that is not JSON has no action)
        return None


def apologise_on_failure(app: Sanic) -> None:
    """An action that raises still answers the turn: an apology with the phone number
    (utter_action_failed) instead of rasa-sdk's 500, which Rasa would turn into
    silence. Replaces rasa-sdk's own handler for Exception, whose answer echoes the
    request (the whole tracker) for Rasa to log; other routes get a 500 without it."""

    @app.exception(Exception)
    async def answer(request: Request, exception: Exception) -> response.HTTPResponse:
        action = _action(request)
        logger.error("action failed", exc_info=exception, extra={"fields": {"action": action}})
        request.ctx.action_failed = True
        if request.path != "/webhook" or not action:
            return response.json({"error": "the action server failed"}, status=500)
        dispatcher = CollectingDispatcher()
        dispatcher.utter_message(response="utter_action_failed")
        return response.json({"events": [], "responses": dispatcher.messages})


class OutboxCollector(Collector):
    """The outbox table's depth and the age of its oldest entry, at scrape time."""

    def collect(self) -> Iterable[Metric]:
        depth, oldest = Outbox().depth()
        yield GaugeMetricFamily(
            "focus_outbox_depth", "Submissions waiting in the outbox", value=depth
        )
        age = time.time() - oldest if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "focus_outbox_oldest_age_seconds", "Age of the oldest waiting submission", value=age
        )


def observe(app: Sanic) -> None:
    """A request id per call (X-Request-Id in, else new; echoed, and on every log line),
    each action call timed and its failure counted, and ``GET /metrics``."""
    REGISTRY.register(OutboxCollector())

    @app.on_request
    async def start(request: Request) -> None:
        incoming = request.headers.get("X-Request-Id", "")
        request.ctx.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        logs.REQUEST_ID.set(request.ctx.request_id)
        request.ctx.started = time.perf_counter()
        request.ctx.action_failed = False

    @app.on_response
    async def finish(request: Request, answer: response.HTTPResponse) -> None:
        if not hasattr(request.ctx, "started"):
            return
        answer.headers["X-Request-Id"] = request.ctx.request_id
        if request.path != "/webhook":
            return
        name = _action(request)
        label = name if isinstance(name, str) and _ACTION_NAME.match(name) else "other"
        seconds = time.perf_counter() - request.ctx.started
        ACTION_SECONDS.labels(label).observe(seconds)
        failed = request.ctx.action_failed or answer.status >= 400
        if failed:
            ACTION_FAILURES.labels(label).inc()
        fields = {"action": label, "status": answer.status, "failed": failed}
        logger.info("action", extra={"fields": {**fields, "ms": round(seconds * 1000, 1)}})

    @app.get("/metrics")
    async def metrics(_request: Request) -> response.HTTPResponse:
        body = await asyncio.to_thread(generate_latest, REGISTRY)
        return response.raw(body, content_type=PROMETHEUS_TEXT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args()
    logs.configure()
    redaction.install()
    app = create_app("bot.actions")
    # Longer than Rasa's client keeps an idle connection (aiohttp: 15 s), so the server
    # never closes one just as Rasa reuses it (Sanic's default is 5 s).
    app.config.KEEP_ALIVE_TIMEOUT = 75
    apologise_on_failure(app)
    observe(app)

    @app.after_server_start
    async def start_courier(app, _loop) -> None:
        app.add_task(courier(CaseService()))

    app.run(args.host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
