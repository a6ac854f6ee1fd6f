"""Training a DIET without a transformer (bot/sentence_diet.py): its token-level dense
layer is left out of training, and the trained model is the one stock Rasa trains, to
the bit. A DIET with a transformer is trained and served as Rasa does. (That the served
intents are stock Rasa's: tests/bot/test_served_model.py.)"""

from pathlib import Path

import numpy as np
import pytest
from rasa.core.agent import Agent
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.model_training import train_nlu
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.utils.tensorflow.models import RasaModel

from bot import sentence_diet
from tests.bot.test_fast_fingerprints import NLU

CONFIG = """recipe: default.v1
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 3
  - name: DIETClassifier
    epochs: 3
    number_of_transformer_layers: {layers}
    entity_recognition: false
    random_seed: 7
policies: []
"""
TOKEN_LAYER = "sparse_to_dense.text_sequence"


def train(
    folder: Path, layers: int, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[str], DIETClassifier]:
    """The names of the variables the model was trained on, and the served classifier."""
    trained: list[RasaModel] = []
    instantiate = DIETClassifier._instantiate_model_class

    def kept(self: DIETClassifier, model_data) -> RasaModel:
        trained.append(instantiate(self, model_data))
        return trained[-1]

    monkeypatch.setattr(DIETClassifier, "_instantiate_model_class", kept)
    monkeypatch.setenv("RASA_CACHE_DIRECTORY", str(folder / "cache"))
    folder.mkdir()
    (folder / "nlu.yml").write_text(NLU)
    (folder / "config.yml").write_text(CONFIG.format(layers=layers))
    model = train_nlu(str(folder / "config.yml"), str(folder / "nlu.yml"), str(folder))
    classifier = diet(Agent.load(model).processor.graph_runner)
    return [v.name for v in trained[0].trainable_variables], classifier


def diet(runner: DaskGraphRunner) -> DIETClassifier:
    """The one DIET in ``runner``'s loaded graph."""
    (classifier,) = [
        node._component
        for node in runner._instantiated_nodes.values()
        if isinstance(node._component, DIETClassifier)
    ]
    return classifier


def layer_weights(model: RasaModel) -> list:
    """The network's weights (not the loss metrics' running totals)."""
    return [w for layer in model._tf_layers.values() for w in layer.weights]


def install(patch: pytest.MonkeyPatch) -> None:
    """This project's changes to DIET, undone with ``patch``."""
    for name in ("load", "_predict", "_instantiate_model_class"):
        patch.setattr(DIETClassifier, name, getattr(DIETClassifier, name))
    sentence_diet.install()


def test_the_token_layer_is_left_out_and_the_model_is_stock_rasas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as stock_rasa:
        stock_variables, stock = train(tmp_path / "stock", 0, stock_rasa)
    with monkeypatch.context() as patch:
        install(patch)
        variables, served = train(tmp_path / "served", 0, patch)
        assert served.sentence_network is not None

    assert any(TOKEN_LAYER in name for name in stock_variables)
    assert [name for name in stock_variables if TOKEN_LAYER not in name] == variables
    weights = {w.name: w.numpy() for w in layer_weights(served.model)}
    assert weights.keys() == {w.name for w in layer_weights(stock.model)}
    for w in layer_weights(stock.model):  # the token layer too: Rasa never changed it
        np.testing.assert_array_equal(weights[w.name], w.numpy(), err_msg=w.name)


def test_a_diet_with_a_transformer_is_trained_and_served_as_rasa_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(monkeypatch)
    variables, served = train(tmp_path / "served", 1, monkeypatch)
    assert any(TOKEN_LAYER in name for name in variables)
    assert served.sentence_network is None
