"""The action server: rasa-sdk's app on localhost, with the outbox courier running,
a last-resort answer for any action that fails, and its logs redacted (bot/redaction).

Started by scripts/stack.py as ``python -m bot.actions.server``.
"""

import argparse
import logging

from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import CollectingDispatcher
from sanic import Sanic, response
from sanic.request import Request

from bot import redaction
from bot.actions.backend import CaseService
from bot.actions.outbox import courier

logger = logging.getLogger(__name__)


def apologise_on_failure(app: Sanic) -> None:
    """An action that raises still answers the turn: an apology with the phone number
    (utter_action_failed) instead of rasa-sdk's 500, which Rasa would turn into
    silence. Replaces rasa-sdk's own handler for Exception, whose answer echoes the
    request (the whole tracker) for Rasa to log; other routes get a 500 without it."""

    @app.exception(Exception)
    async def answer(request: Request, exception: Exception) -> response.HTTPResponse:
        try:
            action = (request.json or {}).get("next_action")
        except Exception:  # noqa: BLE001 (a body that is not JSON has no action)
            action = None
        logger.error("action %s failed", action, exc_info=exception)
        if request.path != "/webhook" or not action:
            return response.json({"error": "the action server failed"}, status=500)
        dispatcher = CollectingDispatcher()
        dispatcher.utter_message(response="utter_action_failed")
        return response.json({"events": [], "responses": dispatcher.messages})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args()
    redaction.install()
    logging.basicConfig(level=logging.INFO)
    app = create_app("bot.actions")
    apologise_on_failure(app)

    @app.after_server_start
    async def start_courier(app, _loop) -> None:
        app.add_task(courier(CaseService()))

    app.run(args.host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
