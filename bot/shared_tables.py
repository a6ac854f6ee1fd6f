"""Create the tables every bot replica shares, once, before any replica starts: Rasa's
SQL tracker store from an endpoints file, and the outbox (FOCUS_OUTBOX_URL), in
databases that exist already. The scaled profile's migration step runs it; replicas
starting together then find the tables there instead of racing to create them.

    python -m bot.shared_tables endpoints.scaled.yml
"""

import sys

from rasa.core.tracker_store import TrackerStore
from rasa.utils.endpoints import read_endpoint_config

from bot.actions.outbox import Outbox


def main(endpoints: str) -> None:
    TrackerStore.create(read_endpoint_config(endpoints, "tracker_store"))
    Outbox()


if __name__ == "__main__":
    main(sys.argv[1])
