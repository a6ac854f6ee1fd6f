"""The console's conversation report from the tracker store that real conversations
through Rasa filled: the messages the bot did not understand (and its fallback rate),
a form stopped, a form completed."""

from datetime import date, timedelta

import requests

# Vague enough that the CI model's top intent is under the FallbackClassifier's
# threshold (checked with Rasa first: another model may read them otherwise).
FALLBACK_CANDIDATES = ["what about the other one", "something else", "and then", "tell me"]


def not_understood(stack) -> list[str]:
    """The candidates this model reads as nlu_fallback (asked of Rasa itself)."""
    found = []
    for text in FALLBACK_CANDIDATES:
        parsed = requests.post(
            f"{stack.rasa_url}/model/parse",
            params={"token": stack.token},
            json={"text": text},
            timeout=30,
        ).json()
        if parsed["intent"]["name"] == "nlu_fallback":
            found.append(text)
    assert found, "no candidate falls back with this model: add one"
    return found


def report(stack) -> dict:
    today = date.today()
    period = f"from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
    return stack.cases.staff_reader()(f"/api/reports/conversations?{period}")


def forms(body: dict) -> dict[str, dict]:
    return {form["form"]: form for form in body["forms"]}


def grew(before: dict, after: dict, form: str, outcome: str) -> int:
    return forms(after).get(form, {}).get(outcome, 0) - forms(before).get(form, {}).get(outcome, 0)


def test_the_report_counts_real_conversations(stack, sender):
    misunderstood = not_understood(stack)[0]
    before = report(stack)

    # The vague message last in each: the fallback's "did you mean" waits for an answer.
    stack.reply(sender, "our broadband's been down since 8 this morning")
    assert "nothing has been sent" in stack.reply(sender, "forget it")
    stack.reply(sender, misunderstood)
    other = f"{sender}-2"
    for message in ["please can someone call me back", "Jo Bloggs", "07700 900456"]:
        stack.reply(other, message)
    stack.reply(other, "tomorrow after 2pm")
    assert "your reference is FG-" in stack.reply(other, "yes")
    stack.reply(other, misunderstood.upper())

    after = report(stack)
    assert after["messages"] - before["messages"] == 9
    assert after["not_understood"] - before["not_understood"] == 2
    assert after["conversations"] - before["conversations"] == 2
    assert after["fallback_rate"] == round(after["not_understood"] / after["messages"], 4)
    assert grew(before, after, "fault_form", "started") == 1
    assert grew(before, after, "fault_form", "stopped") == 1
    assert grew(before, after, "callback_form", "started") == 1
    assert grew(before, after, "callback_form", "completed") == 1
    assert not [form for form in after["forms"] if form["form"].startswith("action_")]
    counts = {item["text"]: item["count"] for item in after["top_not_understood"]}
    earlier = {item["text"]: item["count"] for item in before["top_not_understood"]}
    assert counts[misunderstood] - earlier.get(misunderstood, 0) == 2
