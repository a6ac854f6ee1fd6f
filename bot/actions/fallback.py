"""First stage of the two-stage fallback: "Did you mean …?" with friendly buttons.

Rasa's default asks "Did you mean 'faq_hours'?"; customers need the topic in
words and a choice of the likeliest two, with "Something else" leading to a
rephrase, or a few starting points when the message gave nothing to go on.
The words come from the domain: `utter_topic_<intent>` is the title of a topic,
and an intent without one is never suggested.
"""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

TITLE = "utter_topic_{}"
# Offered when the model has no idea at all (an empty message, emoji only).
STARTERS = ["report_fault", "faq_contact", "request_human"]
MAX_SUGGESTIONS = 2


def topic_titles(domain: dict[str, Any]) -> dict[str, str]:
    """intent -> button title, for every intent that has a title response."""
    prefix, _ = TITLE.split("{}")
    return {
        name.removeprefix(prefix): variations[0]["text"]
        for name, variations in domain.get("responses", {}).items()
        if name.startswith(prefix) and variations
    }


def candidates(parse_data: dict[str, Any], titles: dict[str, str]) -> list[str]:
    """The likeliest topics worth suggesting, best first."""
    ranked = [item.get("name") for item in parse_data.get("intent_ranking", [])]
    return [name for name in ranked if name in titles][:MAX_SUGGESTIONS]


def button(topic: str, titles: dict[str, str]) -> dict[str, str]:
    return {"title": titles[topic], "payload": f"/{topic}"}


class ActionDefaultAskAffirmation(Action):
    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        titles = topic_titles(domain)
        message = tracker.latest_message
        suggestions = candidates(message, titles) if (message.get("text") or "").strip() else []
        if suggestions:
            text = "Sorry, I'm not sure I understood. Did you mean:"
            buttons = [button(topic, titles) for topic in suggestions]
            buttons.append({"title": "Something else", "payload": "/out_of_scope"})
        else:
            text = "Sorry, I didn't catch that. Here are some things I can help with:"
            buttons = [button(topic, titles) for topic in STARTERS]
        dispatcher.utter_message(text=text, buttons=buttons)
        return []
