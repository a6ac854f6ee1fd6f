"""The action server: rasa-sdk's app on localhost, with the outbox courier running.

Started by scripts/stack.py as ``python -m bot.actions.server``.
"""

import argparse
import logging

from rasa_sdk.endpoint import create_app

from bot.actions.backend import CaseService
from bot.actions.outbox import Outbox, courier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    app = create_app("bot.actions")

    @app.after_server_start
    async def start_courier(app, _loop) -> None:
        app.add_task(courier(Outbox(), CaseService()))

    app.run(args.host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
