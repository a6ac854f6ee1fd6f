"""The model as bot/rasa_server.py serves it (DIET and TED loaded without a training
step, DIET's intents computed in NumPy, TED skipped where the rules and memoization
decide) understands and predicts exactly as stock Rasa serves the same model file."""

import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from rasa.core.channels import UserMessage
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.storage import ModelMetadata
from rasa.shared.core.events import ActionExecuted
from rasa.shared.core.generator import TrainingDataGenerator
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.importers.importer import TrainingDataImporter
from rasa.shared.nlu.training_data.loading import load_data
from rasa.utils.tensorflow.models import RasaModel

from bot import tf_model_load
from bot.rules_first_ted import RulesFirstTEDPolicy, with_other_predictions
from scripts.stack import ROOT
from tests.bot.test_sentence_diet import diet
from tests.bot.test_sentence_diet import install as install_sentence_diet
from tests.stack_fixtures import required_model


@pytest.fixture(scope="module")
def graphs(tmp_path_factory: pytest.TempPathFactory, monkeypatch_module):
    """(metadata, stock runner, served runner) for the model `make test` trained."""
    monkeypatch_module.chdir(ROOT)  # the spaCy pipeline's path is relative to the root

    def unpacked(files: Path) -> tuple[LocalModelStorage, ModelMetadata]:
        return LocalModelStorage.from_model_archive(files, Path(required_model()))

    def runner(schema: GraphSchema, storage: LocalModelStorage) -> DaskGraphRunner:
        context = ExecutionContext(graph_schema=schema, model_id=metadata.model_id)
        return DaskGraphRunner(schema, storage, context)

    storage, metadata = unpacked(tmp_path_factory.mktemp("stock"))
    stock = runner(metadata.predict_schema, storage)
    monkeypatch_module.setattr(RasaModel, "load", RasaModel.load)
    tf_model_load.install()
    install_sentence_diet(monkeypatch_module)
    files = tmp_path_factory.mktemp("served")
    served = runner(with_other_predictions(metadata.predict_schema), unpacked(files)[0])
    shutil.rmtree(files)  # as `rasa test` does once loaded: the served model reads no file
    return metadata, stock, served


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def test_messages_get_the_same_intents_and_confidences(graphs) -> None:
    metadata, stock, served = graphs
    # Stock Rasa's DIET predicts through TensorFlow; the served one, in NumPy.
    assert not hasattr(diet(stock), "sentence_network")
    assert diet(served).sentence_network is not None
    texts = [
        m.get("text") for m in load_data(str(ROOT / "tests/nlu/paraphrases.yml")).intent_examples
    ]
    for text in random.Random(3).sample(texts, 150):
        parsed = []
        for runner in (stock, served):
            tracker = DialogueStateTracker("s", metadata.domain.slots)
            inputs = {PLACEHOLDER_MESSAGE: [UserMessage(text)], PLACEHOLDER_TRACKER: tracker}
            (message,) = runner.run(inputs, [metadata.nlu_target])[metadata.nlu_target]
            ranking = message.get("intent_ranking")
            parsed.append(([i["name"] for i in ranking], [i["confidence"] for i in ranking]))
        (stock_names, stock_confidences), (names, confidences) = parsed
        assert names == stock_names, text
        np.testing.assert_allclose(confidences, stock_confidences, rtol=1e-5, atol=1e-6)


def conversations(metadata) -> list[DialogueStateTracker]:
    """The test stories (written apart from the training data, unhappy paths included),
    and each again cut short by an action no story has there: turns no rule or story
    covers, where TED decides."""
    importer = TrainingDataImporter.load_from_dict(
        domain_path=str(ROOT / "domain.yml"), training_data_paths=[str(ROOT / "tests/stories")]
    )
    stories = TrainingDataGenerator(
        importer.get_conversation_tests(), metadata.domain,
        use_story_concatenation=False, augmentation_factor=0,
    ).generate()  # fmt: skip
    rng = random.Random(5)
    actions = sorted(a for a in metadata.domain.user_actions if a.startswith("utter_"))
    off_script = []
    for story in stories:
        events = list(story.events)
        for end in rng.sample(range(2, len(events)), min(3, len(events) - 2)):
            off_script.append(DialogueStateTracker.from_events(
                story.sender_id, [*events[:end], ActionExecuted(rng.choice(actions))],
                metadata.domain.slots,
            ))  # fmt: skip
    return [*stories, *off_script]


def test_conversations_get_the_same_next_actions_with_ted_skipped_where_rules_decide(
    graphs,
) -> None:
    metadata, stock, served = graphs
    target = metadata.core_target
    (ted,) = [
        n for n, node in metadata.predict_schema.nodes.items() if node.uses is RulesFirstTEDPolicy
    ]
    decided_by = {"rules": 0, "TED": 0}
    for conversation in conversations(metadata):
        events = list(conversation.events)
        ends = [i for i, e in enumerate(events) if isinstance(e, ActionExecuted) and i > 0]
        for end in [*ends, len(events)]:
            before = DialogueStateTracker.from_events("s", events[:end], metadata.domain.slots)
            expected = stock.run({PLACEHOLDER_TRACKER: before}, [target, ted])
            got = served.run({PLACEHOLDER_TRACKER: before.copy()}, [target, ted])
            step = f"{conversation.sender_id}: {events[end - 1]}"
            assert (got[target].policy_name, got[target].max_confidence_index) == (
                expected[target].policy_name,
                expected[target].max_confidence_index,
            ), step
            assert got[target].max_confidence == pytest.approx(expected[target].max_confidence)
            if any(got[ted].probabilities):  # TED ran: as stock TED, from the same weights
                decided_by["TED"] += 1
                np.testing.assert_allclose(
                    got[ted].probabilities, expected[ted].probabilities, atol=1e-6, err_msg=step
                )
            else:
                decided_by["rules"] += 1
    # Both paths taken: TED skipped mostly, run where the conversation left the stories.
    assert decided_by["rules"] > 100 and decided_by["TED"] > 10, decided_by
