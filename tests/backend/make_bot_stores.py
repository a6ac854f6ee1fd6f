"""Write the bot's real stores for the erasure tests, with the bot's own code: run by
bot/.venv's Python (Rasa 3.6), not the service's.

    python make_bot_stores.py SPEC.json TRACKER.db OUTBOX.db

SPEC: {"conversations": {sender_id: {"at": epoch, "said": [text...],
"slots": {name: value}}}, "outbox": {key: body}}. Rasa's SQLTrackerStore creates its
``events`` table and saves each conversation as a tracker; bot.actions.outbox's Outbox
keeps each submission.
"""

import asyncio
import json
import sys
from pathlib import Path

from bot.actions.outbox import Outbox
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker


def _events(conversation: dict) -> list:
    at = conversation["at"]
    events = [ActionExecuted("action_session_start", timestamp=at), SessionStarted(timestamp=at)]
    for text in conversation["said"]:
        events += [
            ActionExecuted("action_listen", timestamp=at),
            UserUttered(text, intent={"name": "inform", "confidence": 1.0}, timestamp=at),
            BotUttered(f"Thanks. You said: {text}", timestamp=at),
        ]
    events += [SlotSet(name, value, timestamp=at) for name, value in conversation["slots"].items()]
    return events


async def main(spec: dict, tracker_db: str, outbox_db: str) -> None:
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=tracker_db)
    for sender_id, conversation in spec["conversations"].items():
        await store.save(DialogueStateTracker.from_events(sender_id, _events(conversation)))
    outbox = Outbox(f"sqlite:///{outbox_db}")
    for key, body in spec["outbox"].items():
        await outbox.put(key, body)


if __name__ == "__main__":
    asyncio.run(main(json.loads(Path(sys.argv[1]).read_text()), *sys.argv[2:4]))
