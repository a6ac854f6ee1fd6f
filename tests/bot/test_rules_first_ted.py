"""TED skipped where the rules and memoization decide (bot/rules_first_ted.py): the
conversation's next action must be exactly what it is with TED run every time."""

import random

from rasa.core.policies.ensemble import DefaultPolicyPredictionEnsemble
from rasa.core.policies.memoization import MemoizationPolicy
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.constants import PLACEHOLDER_TRACKER
from rasa.engine.graph import GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.rules_first_ted import PREDICT, RulesFirstTEDPolicy, decided, install

DOMAIN = Domain.from_yaml("version: '3.1'\nactions: [action_one, action_two, action_three]")
TED_PRIORITY = 1


def prediction(rng: random.Random, name: str, priority: int, no_user: bool) -> PolicyPrediction:
    """Confidences as a policy gives them: often a sure 1.0, sometimes none at all."""
    probabilities = [0.0] * DOMAIN.num_actions
    kind = rng.choice(["sure", "unsure", "none"])
    if kind != "none":
        probabilities[rng.randrange(DOMAIN.num_actions)] = 1.0 if kind == "sure" else rng.random()
    return PolicyPrediction(probabilities, name, priority, is_no_user_prediction=no_user)


def tracker(rng: random.Random) -> DialogueStateTracker:
    last = (
        ActionExecutionRejected("action_one")
        if rng.random() < 0.2
        else ActionExecuted(rng.choice(["action_one", ACTION_LISTEN_NAME]))
    )
    events = [ActionExecuted(ACTION_LISTEN_NAME), UserUttered("hi", {"name": "greet"}), last]
    return DialogueStateTracker.from_events("s", events)


def winner(predictions: list[PolicyPrediction], tracker: DialogueStateTracker) -> tuple:
    copies = [PolicyPrediction(list(p.probabilities), p.policy_name, p.policy_priority,
                               is_no_user_prediction=p.is_no_user_prediction)
              for p in predictions]  # fmt: skip
    best = DefaultPolicyPredictionEnsemble().combine_predictions(copies, tracker, DOMAIN)
    return best.policy_name, best.probabilities, best.is_no_user_prediction


def test_decided_means_no_prediction_of_ted_changes_the_ensembles_choice() -> None:
    rng = random.Random(7)
    outcomes = {True: 0, False: 0}
    for _ in range(3000):
        others = [
            prediction(rng, "RulePolicy", 6, no_user=rng.random() < 0.1),
            prediction(rng, "MemoizationPolicy", 3, no_user=False),
        ]
        conversation = tracker(rng)
        verdict = decided(others, conversation, TED_PRIORITY, e2e=False)
        outcomes[verdict] += 1
        if verdict:
            skipped = PolicyPrediction([0.0] * DOMAIN.num_actions, "TED", TED_PRIORITY)
            for _ in range(5):
                ted = prediction(rng, "TED", TED_PRIORITY, no_user=False)
                assert winner([*others, ted], conversation) == winner(
                    [*others, skipped], conversation
                )
    assert outcomes[True] > 500 and outcomes[False] > 500


def test_after_a_rejected_action_or_for_an_end_to_end_ted_nothing_is_decided() -> None:
    sure = PolicyPrediction([1.0] + [0.0] * (DOMAIN.num_actions - 1), "RulePolicy", 6)
    listened = DialogueStateTracker.from_events("s", [ActionExecuted(ACTION_LISTEN_NAME)])
    rejected = DialogueStateTracker.from_events("s", [ActionExecutionRejected("action_one")])
    assert decided([sure], listened, TED_PRIORITY, e2e=False)
    assert not decided([sure], rejected, TED_PRIORITY, e2e=False)
    assert not decided([sure], listened, TED_PRIORITY, e2e=True)


def node(uses: type, fn: str = PREDICT) -> SchemaNode:
    return SchemaNode(
        needs={"tracker": PLACEHOLDER_TRACKER}, uses=uses, constructor_name="load", fn=fn, config={}
    )


def test_install_gives_ted_in_every_new_runner_the_other_policies_predictions(monkeypatch) -> None:
    schema = GraphSchema({
        "run_rules": node(RulePolicy),
        "run_memo": node(MemoizationPolicy),
        "run_ted": node(RulesFirstTEDPolicy),
        "select": node(DefaultPolicyPredictionEnsemble, "combine_predictions_from_kwargs"),
    })  # fmt: skip
    monkeypatch.setattr(DaskGraphRunner, "create", DaskGraphRunner.create)
    install()
    seen = []
    monkeypatch.setattr(DaskGraphRunner, "__init__", lambda self, schema, *a: seen.append(schema))
    DaskGraphRunner.create(schema, None, None)
    nodes = seen[0].nodes
    assert nodes["run_ted"].needs == {
        "tracker": PLACEHOLDER_TRACKER,
        "prediction_of_run_rules": "run_rules",
        "prediction_of_run_memo": "run_memo",
    }
    assert {name: n.needs for name, n in nodes.items() if name != "run_ted"} == {
        name: n.needs for name, n in schema.nodes.items() if name != "run_ted"
    }
