"""First stage of the two-stage fallback: "Did you mean …?" with friendly buttons.

Rasa's default asks "Did you mean 'faq_hours'?"; customers need the topic in
words and a choice of the likeliest two, with "Something else" leading to a
rephrase, or a few starting points when the message gave nothing to go on.
"""

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

# intent -> button title
TOPICS: dict[str, str] = {
    "greet": "Say hello",
    "goodbye": "Say goodbye",
    "thank": "Say thanks",
    "bot_challenge": "Ask whether I'm a bot",
    "report_fault": "Report a fault",
    "request_cancellation": "Cancel a service",
    "ask_tariff": "Find out my tariff",
    "check_case_status": "Check on a case",
    "make_complaint": "Make a complaint",
    "payment_difficulty": "Get help paying a bill",
    "porting_compensation": "Compensation for a porting delay",
    "request_human": "Talk to a person",
    "faq_contact": "How can I contact you?",
    "faq_hours": "What are your opening hours?",
    "faq_address": "What is your postal address?",
    "faq_website": "What is your website?",
    "faq_account_manager": "How do I reach my account manager?",
    "faq_products": "What products and services do you offer?",
    "faq_sales": "How do I order a new service?",
    "faq_terms": "Which terms and conditions apply to me?",
    "faq_early_termination": "Are there early termination charges?",
    "faq_complaints_code": "What is your complaints code?",
    "faq_prices": "What are your prices?",
    "faq_compensation": "Do you pay compensation for loss of service?",
    "faq_billing": "How often will I get a bill?",
    "faq_payment_methods": "How can I pay my bill?",
    "faq_data_protection": "How do you protect my data?",
    "faq_marketing": "Which marketing codes do you follow?",
    "faq_commitment": "What is your commitment to customers?",
}
# Offered when the model has no idea at all (an empty message, emoji only).
STARTERS = ["report_fault", "faq_contact", "request_human"]
MAX_SUGGESTIONS = 2


def candidates(parse_data: dict[str, Any]) -> list[str]:
    """The likeliest topics worth suggesting, best first."""
    ranked = [item.get("name") for item in parse_data.get("intent_ranking", [])]
    return [name for name in ranked if name in TOPICS][:MAX_SUGGESTIONS]


def button(topic: str) -> dict[str, str]:
    return {"title": TOPICS[topic], "payload": f"/{topic}"}


class ActionDefaultAskAffirmation(Action):
    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        message = tracker.latest_message
        suggestions = candidates(message) if (message.get("text") or "").strip() else []
        if suggestions:
            text = "Sorry, I'm not sure I understood. Did you mean:"
            buttons = [button(topic) for topic in suggestions]
            buttons.append({"title": "Something else", "payload": "/out_of_scope"})
        else:
            text = "Sorry, I didn't catch that. Here are some things I can help with:"
            buttons = [button(topic) for topic in STARTERS]
        dispatcher.utter_message(text=text, buttons=buttons)
        return []
