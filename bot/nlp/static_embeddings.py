"""Rasa component: dense features from WordLlama's static token embeddings.

The weights ship inside the `wordllama` wheel from PyPI (``l2_supercat_256``: Llama 2's
32,000-token vocabulary, 256 dimensions, 16 MB), so nothing is downloaded at run time.
Only its data files are read (the package's Python API needs pydantic 2, which Rasa 3.6
can't share): the tokenizer with `tokenizers`, the safetensors file with numpy.
A message's sentence feature is the mean of its subword embeddings (how WordLlama was
trained); each Rasa token gets the mean of its own subwords as its sequence feature.
"""

import importlib.util
import json
import struct
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import FEATURIZER_CLASS_ALIAS, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from tokenizers import Tokenizer

MODEL = "l2_supercat"
DIMENSIONS = 256


def package_folder() -> Path:
    """The installed wordllama package, found without importing it."""
    spec = importlib.util.find_spec("wordllama")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("wordllama (its wheel carries the embedding weights)")
    return Path(spec.submodule_search_locations[0])


def read_safetensors(path: Path) -> np.ndarray:
    """The one tensor of a safetensors file (8-byte header size, JSON header, raw data)."""
    raw = path.read_bytes()
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8 : 8 + size])
    [(name, tensor)] = [(k, v) for k, v in header.items() if k != "__metadata__"]
    if tensor["dtype"] != "F16":
        raise ValueError(f"{name}: expected F16 weights, found {tensor['dtype']}")
    start, end = tensor["data_offsets"]
    data = np.frombuffer(raw, dtype="<f2", count=(end - start) // 2, offset=8 + size + start)
    return data.reshape(tensor["shape"]).astype(np.float32)


@cache
def load() -> tuple[Tokenizer, np.ndarray]:
    """The tokenizer and embedding matrix, read once per process."""
    folder = package_folder()
    tokenizer = Tokenizer.from_file(str(folder / "tokenizers" / f"{MODEL}_tokenizer_config.json"))
    tokenizer.no_padding()
    tokenizer.no_truncation()
    weights = read_safetensors(folder / "weights" / f"{MODEL}_{DIMENSIONS}.safetensors")
    return tokenizer, weights


def mean_embeddings(texts: list[str]) -> np.ndarray:
    """One row per text: the mean of its subword embeddings (zeros for no subwords)."""
    tokenizer, weights = load()
    rows = np.zeros((len(texts), weights.shape[1]), dtype=np.float32)
    for i, encoding in enumerate(tokenizer.encode_batch(texts, add_special_tokens=False)):
        if encoding.ids:
            rows[i] = weights[encoding.ids].mean(axis=0)
    return rows


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class StaticEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Adds WordLlama sentence and token features to each message's text."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "StaticEmbeddingFeaturizer":
        load()  # fail at load time, not on the first message
        return cls(execution_context.node_name, config)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Nothing to configure."""

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            tokens = message.get(TOKENS_NAMES[TEXT])
            if not message.get(TEXT) or not tokens:
                continue
            sequence = mean_embeddings([token.text for token in tokens])
            sentence = mean_embeddings([message.get(TEXT)])
            alias = self._config[FEATURIZER_CLASS_ALIAS]
            message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, TEXT, alias))
            message.add_features(Features(sentence, FEATURE_TYPE_SENTENCE, TEXT, alias))
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
