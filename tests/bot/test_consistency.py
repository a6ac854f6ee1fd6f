"""Every topic and form is whole: a half-added one is named with what it lacks.

A Code of Practice topic `faq_<topic>` needs NLU examples, a response
`utter_faq_<topic>`, a rule that answers with it, a "did you mean" title
`utter_topic_faq_<topic>` and a test story. A form needs a FocusForm module, its
validation action in the domain, a question for every slot it asks, rules that open
and close it, an opening intent with examples and a title, and a test story.
"""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import bot.actions.forms  # noqa: F401 (registers the forms)
from bot.actions.validation import FocusForm

ROOT = Path(__file__).resolve().parents[2]
MIN_EXAMPLES = 20
# Slots a form fills without asking a question of its own.
NOT_ASKED = {"confirmed"}  # asked by action_ask_confirmed with the summary


def documents(folder: Path) -> Iterator[dict[str, Any]]:
    for path in sorted(folder.rglob("*.yml")):
        yield yaml.safe_load(path.read_text()) or {}


class Project:
    """The domain, training data and test stories, read as plain YAML."""

    def __init__(self) -> None:
        self.domain = yaml.safe_load((ROOT / "domain.yml").read_text())
        self.responses = set(self.domain["responses"])
        self.actions = set(self.domain.get("actions", []))
        self.examples: Counter[str] = Counter()
        self.rules: list[list[dict]] = []
        self.stories: list[list[dict]] = []
        for doc in documents(ROOT / "bot" / "data"):
            for block in doc.get("nlu", []):
                if "intent" in block:
                    self.examples[block["intent"]] += block["examples"].count("\n- ") + 1
            self.rules += [rule["steps"] for rule in doc.get("rules", [])]
            self.stories += [story["steps"] for story in doc.get("stories", [])]
        self.test_stories = [
            story["steps"]
            for doc in documents(ROOT / "tests" / "stories")
            for story in doc.get("stories", [])
        ]

    def answered_by_rule(self, intent: str, action: str) -> bool:
        return any(
            [step.get("intent"), step2.get("action")] == [intent, action]
            for steps in self.rules
            for step, step2 in zip(steps, steps[1:], strict=False)
        )

    def tested(self, intent: str, action: str) -> bool:
        """A test story where a customer's words classified as `intent` lead to `action`."""
        return any(
            step.get("intent") == intent
            and step.get("user")
            and any(later.get("action") == action for later in steps[i + 1 :])
            for steps in self.test_stories
            for i, step in enumerate(steps)
        )

    def opens(self, form: str) -> list[str]:
        """The intents whose rule starts `form`."""
        return [
            steps[0]["intent"]
            for steps in self.rules
            if "intent" in steps[0] and {"action": form} in steps
        ]

    def closes(self, form: str) -> bool:
        return any(
            {"action": form} in steps and {"action": "action_finish_form"} in steps
            for steps in self.rules
        )


@pytest.fixture(scope="module")
def project() -> Project:
    return Project()


def missing_for_topic(project: Project, intent: str) -> list[str]:
    response, title = f"utter_{intent}", f"utter_topic_{intent}"
    checks = {
        f"at least {MIN_EXAMPLES} NLU examples in bot/data/nlu": project.examples[intent]
        >= MIN_EXAMPLES,
        f"response {response} in domain.yml": response in project.responses,
        f"a rule in bot/data answering it with {response}": project.answered_by_rule(
            intent, response
        ),
        f'a "did you mean" title {title} in domain.yml': title in project.responses,
        f"a test story in tests/stories where it leads to {response}": project.tested(
            intent, response
        ),
    }
    return [f"{intent}: {what}" for what, ok in checks.items() if not ok]


def missing_for_form(project: Project, form: str, spec: dict) -> list[str]:
    problems = []
    if form not in FocusForm.registry:
        problems.append("a FocusForm subclass in bot/actions/forms/ with this form name")
    if f"validate_{form}" not in project.actions:
        problems.append(f"validate_{form} in the domain's actions")
    for slot in spec.get("required_slots", []):
        asked = {f"utter_ask_{slot}", f"action_ask_{slot}"} & (project.responses | project.actions)
        if slot not in NOT_ASKED and not asked:
            problems.append(f"a question utter_ask_{slot} in domain.yml")
    openers = project.opens(form)
    if not openers:
        problems.append("a rule in bot/data/forms/ that opens it from an intent")
    if not project.closes(form):
        problems.append("a rule in bot/data/forms/ that ends it with action_finish_form")
    for intent in openers:
        if project.examples[intent] < MIN_EXAMPLES:
            problems.append(f"at least {MIN_EXAMPLES} NLU examples of {intent}")
        if f"utter_topic_{intent}" not in project.responses:
            problems.append(f'a "did you mean" title utter_topic_{intent} in domain.yml')
        if not project.tested(intent, form):
            problems.append(f"a test story in tests/stories where {intent} opens it")
    return [f"{form}: {what}" for what in problems]


def test_every_code_of_practice_topic_is_whole(project):
    topics = [intent for intent in project.domain["intents"] if intent.startswith("faq_")]
    assert len(topics) >= 17
    assert [problem for topic in topics for problem in missing_for_topic(project, topic)] == []


def test_every_form_is_whole(project):
    forms = project.domain["forms"]
    assert set(forms) == set(FocusForm.registry)
    assert [
        problem for form, spec in forms.items() for problem in missing_for_form(project, form, spec)
    ] == []


def test_every_intent_has_examples(project):
    thin = {i: project.examples[i] for i in project.domain["intents"] if project.examples[i] < 20}
    assert thin == {}


def test_a_half_added_topic_is_named_with_what_it_lacks(project):
    """The check itself: a topic with only NLU examples is reported, item by item."""
    project.examples["faq_new_topic"] = MIN_EXAMPLES
    try:
        problems = missing_for_topic(project, "faq_new_topic")
    finally:
        del project.examples["faq_new_topic"]
    assert len(problems) == 4 and all(p.startswith("faq_new_topic: ") for p in problems)
    assert any("utter_faq_new_topic in domain.yml" in p for p in problems)
