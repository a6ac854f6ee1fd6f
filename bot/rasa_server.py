"""`rasa run` as this project runs it (scripts/stack.py starts Rasa this way):

- the HTTP API's token taken from RASA_AUTH_TOKEN, never from argv. Rasa 3.6 reads the
  token only from `--auth-token`, and a command line is readable by every user of the
  machine (`ps`, /proc/<pid>/cmdline), so the option is added inside the process;
- the project's changes to Rasa installed, as for training and testing (bot/rasa_cli.py).

    RASA_AUTH_TOKEN=... python -m bot.rasa_server --enable-api --port 5005 ...
"""

import os
import sys

from rasa.__main__ import main

from bot import rasa_cli


def rasa_argv(options: list[str], token: str) -> list[str]:
    """`rasa run` with ``options`` and the token. The token is joined to its option with
    "=": a random token may begin with "-", which argparse would take for an option."""
    return ["rasa", "run", *options, f"--auth-token={token}"]


if __name__ == "__main__":
    token = os.environ.get("RASA_AUTH_TOKEN")
    if not token:
        sys.exit("RASA_AUTH_TOKEN is not set: the HTTP API would be open to anyone")
    rasa_cli.install()
    sys.argv = rasa_argv(sys.argv[1:], token)
    main()
