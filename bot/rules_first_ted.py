"""TED run only where the rules and memoization leave the next action open.

Rasa runs every policy for every prediction; the ensemble then takes the most confident,
a tie going to the higher priority. Rules and memoization answer with confidence 1.0
whenever they know: every question's answer, every form step, every listen after them.
TED (the lowest priority, confidences at most 1.0) cannot win those, yet its TensorFlow
call and featurising of the tracker were a quarter of a turn's CPU (`make profile`).

`RulesFirstTEDPolicy` is TED that, given the other policies' predictions for the same
tracker, predicts nothing (all zeros, as TED does untrained) when one of them wins
whatever TED says. Rasa's default recipe gives a policy only the tracker, the domain
and the rule data, so `install()` (called by bot/rasa_cli.py, Rasa's entry point here)
adds the other policies' predictions to TED's inputs in every prediction graph it
loads. A model loaded without it (stock `rasa`) runs TED every time, to the same
outcome.
"""

import dataclasses
from typing import Any

from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.graph import GraphSchema
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT

PREDICT = "predict_action_probabilities"
ACTION_EVENTS = (ActionExecuted, ActionExecutionRejected)


def decided(
    others: list[PolicyPrediction], tracker: DialogueStateTracker, priority: int, e2e: bool
) -> bool:
    """Whether one of ``others`` wins Rasa's ensemble whatever a policy of ``priority``
    (confidences at most 1.0; end-to-end if ``e2e``) predicts. It mirrors
    DefaultPolicyPredictionEnsemble: a "no user" prediction overrules all others; an
    end-to-end one overrules those from intents; then the highest confidence wins, a tie
    going to the higher priority. After a rejected action the ensemble zeroes that action
    in every prediction, so nothing is decided beforehand."""
    actions = (e for e in reversed(tracker.events) if isinstance(e, ACTION_EVENTS))
    if isinstance(next(actions, None), ActionExecutionRejected):
        return False
    if any(p.is_no_user_prediction for p in others):
        return True
    if e2e or any(p.is_end_to_end_prediction for p in others):
        return False
    return any(p.max_confidence >= 1.0 and p.policy_priority > priority for p in others)


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True
)
class RulesFirstTEDPolicy(TEDPolicy):
    """TEDPolicy, skipped when the other policies' predictions (given as extra inputs by
    `install()`) already decide the next action."""

    def predict_action_probabilities(
        self, tracker: DialogueStateTracker, domain: Domain, **kwargs: Any
    ) -> PolicyPrediction:
        others = [value for value in kwargs.values() if isinstance(value, PolicyPrediction)]
        e2e = TEXT in self.fake_features
        if others and decided(others, tracker, self.priority, e2e):
            return self._prediction(self._default_predictions(domain))
        return super().predict_action_probabilities(tracker, domain, **kwargs)


def with_other_predictions(schema: GraphSchema) -> GraphSchema:
    """``schema`` with every RulesFirstTEDPolicy node also given the predictions of the
    other policy nodes."""
    policies = {name: node for name, node in schema.nodes.items() if node.fn == PREDICT}
    nodes = dict(schema.nodes)
    for name, node in policies.items():
        if issubclass(node.uses, RulesFirstTEDPolicy):
            others = {f"prediction_of_{other}": other for other in policies if other != name}
            nodes[name] = dataclasses.replace(node, needs={**node.needs, **others})
    return GraphSchema(nodes)


def install() -> None:
    """Every graph runner Rasa creates from here on gives RulesFirstTEDPolicy the other
    policies' predictions (training graphs have no prediction nodes: unchanged)."""
    create = DaskGraphRunner.create.__func__

    def create_with_predictions(cls, graph_schema: GraphSchema, *args: Any, **kwargs: Any):
        return create(cls, with_other_predictions(graph_schema), *args, **kwargs)

    DaskGraphRunner.create = classmethod(create_with_predictions)
