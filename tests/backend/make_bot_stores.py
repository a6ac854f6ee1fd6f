"""Write the bot's real stores for the erasure tests, with the bot's own code: run by
bot/.venv's Python (Rasa 3.6), not the service's.

    python make_bot_stores.py SPEC.json FOLDER

SPEC: {"conversations": {sender_id: {"at": epoch, "said": [[text, entity or null]...],
"slots": {name: value}}}, "outbox": {key: body}}. In FOLDER: tracker.db, where Rasa's
SQLTrackerStore saves each conversation as a tracker; outbox.db, where
bot.actions.outbox's Outbox keeps each submission; <sender_id>.yml, each conversation as
the test story Rasa's HTTP API gives the staff console.
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
from rasa.shared.core.training_data.story_writer.yaml_story_writer import YAMLStoryWriter


def _events(conversation: dict) -> list:
    at = conversation["at"]
    events = [ActionExecuted("action_session_start", timestamp=at), SessionStarted(timestamp=at)]
    for text, entity in conversation["said"]:
        tagged = [{"entity": entity, "value": text, "start": 0, "end": len(text)}]
        events += [
            ActionExecuted("action_listen", timestamp=at),
            UserUttered(
                text,
                intent={"name": "inform", "confidence": 1.0},
                entities=tagged if entity else [],
                timestamp=at,
            ),
            BotUttered(f"Thanks. You said: {text}", timestamp=at),
        ]
    events += [SlotSet(name, value, timestamp=at) for name, value in conversation["slots"].items()]
    return events


async def main(spec: dict, folder: Path) -> None:
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(folder / "tracker.db"))
    for sender_id, conversation in spec["conversations"].items():
        tracker = DialogueStateTracker.from_events(sender_id, _events(conversation))
        await store.save(tracker)
        story = YAMLStoryWriter().dumps(tracker.as_story().story_steps, is_test_story=True)
        (folder / f"{sender_id}.yml").write_text(story)
    outbox = Outbox(f"sqlite:///{folder / 'outbox.db'}")
    for key, body in spec["outbox"].items():
        await outbox.put(key, body)


if __name__ == "__main__":
    asyncio.run(main(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2])))
