"""DIET's intent prediction in NumPy, for a DIET without a transformer (config.yml's).

Without transformer layers, DIET reads a message's intent from the sentence position of
its sequence only, and nothing mixes the token positions into it. So the intent is a
small function of the sentence-level features: the sparse ones through one dense layer,
concatenated with the dense ones, embedded by another, compared with each intent's
embedding (made when the model loads) and turned into confidences by a softmax.

Rasa computes it by stacking the message's sparse matrices into a batch and calling a
TensorFlow function with the whole batch structure. In a concurrency profile that was a
fifth of Rasa's CPU, and TensorFlow's arithmetic was a tenth of that: the rest was
building the batch and TensorFlow checking and converting its inputs. Here the same
arithmetic runs on the loaded model's own weights.

A DIET of any other shape (a transformer, entities, a hidden layer, a response
selector) and a message without sentence features keep Rasa's prediction. Installed by
bot/rasa_cli.py; tests/bot/test_served_model.py holds it to stock Rasa's confidences.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.constants import (
    ENTITY_RECOGNITION,
    FEATURIZERS,
    INNER,
    INTENT_CLASSIFICATION,
    LABEL,
    SENTENCE,
    SOFTMAX,
)
from tensorflow.keras.activations import linear

RASA_LOAD = DIETClassifier.load.__func__
RASA_PREDICT = DIETClassifier._predict


@dataclass(frozen=True)
class SentenceNetwork:
    """The weights from a message's sentence features to its intents' confidences."""

    sparse_kernel: np.ndarray  # (sparse feature columns, units)
    sparse_bias: np.ndarray
    embed_kernel: np.ndarray  # (units + dense feature columns, embedding)
    embed_bias: np.ndarray
    labels: np.ndarray  # (intents, embedding)
    featurizers: list[str]

    @classmethod
    def of(cls, classifier: DIETClassifier) -> "SentenceNetwork | None":
        """The network of ``classifier``'s loaded model, if it is of that shape."""
        config, model = classifier.component_config, classifier.model
        if (
            type(model) is not DIET
            or not config[INTENT_CLASSIFICATION]
            or config[ENTITY_RECOGNITION]
        ):
            return None
        sequence = model._tf_layers[f"sequence_layer.{TEXT}"]
        combining = sequence._tf_layers[sequence.FEATURE_COMBINING]._tf_layers
        to_dense = combining.get(f"sparse_dense.{SENTENCE}")
        to_dense = to_dense and to_dense._tf_layers.get(to_dense.SPARSE_TO_DENSE)
        loss = model._tf_layers[f"loss.{LABEL}"]
        if (
            sequence._has_transformer
            or sequence._tf_layers[sequence.FFNN]._ffn_layers
            or any(name.startswith("unify_dims") for name in combining)
            or to_dense is None
            or to_dense.activation is not linear
            or (loss.similarity_type, loss.model_confidence) != (INNER, SOFTMAX)
        ):
            return None
        embed = model._tf_layers[f"embed.{TEXT}"]._dense
        return cls(
            to_dense.kernel.numpy(),
            to_dense.bias.numpy(),
            embed.kernel.numpy(),
            embed.bias.numpy(),
            model.all_labels_embed.numpy(),
            config[FEATURIZERS],
        )

    def confidences(self, message: Message) -> np.ndarray | None:
        """Each intent's confidence, as DIET's `i_scores`; None if the message's
        sentence features are not the ones the network was trained on."""
        sparse, dense = [], []
        for f in message.features:
            if (
                f.attribute == TEXT
                and f.type == FEATURE_TYPE_SENTENCE
                and (f.origin in self.featurizers or not self.featurizers)
            ):
                (sparse if f.is_sparse() else dense).append(f.features)
        hidden, column = self.sparse_bias.copy(), 0
        for matrix in sparse:  # their columns, side by side, are the kernel's rows
            coo = matrix.tocoo()
            hidden += coo.data @ self.sparse_kernel[column + coo.col]
            column += coo.shape[1]
        if not sparse or column != len(self.sparse_kernel):
            return None
        features = np.concatenate([hidden, *(d.reshape(-1) for d in dense)])
        if len(features) != len(self.embed_kernel):
            return None
        similarities = self.labels @ (features @ self.embed_kernel + self.embed_bias)
        exp = np.exp(similarities - similarities.max())
        return (exp / exp.sum())[np.newaxis, :]


def load(cls: type[DIETClassifier], *args: Any, **kwargs: Any) -> DIETClassifier:
    """`DIETClassifier.load`, with the network kept beside the TensorFlow model."""
    classifier = RASA_LOAD(cls, *args, **kwargs)
    classifier.sentence_network = classifier.model and SentenceNetwork.of(classifier)
    return classifier


def _predict(self: DIETClassifier, message: Message) -> dict[str, Any] | None:
    """DIET's prediction for ``message``: from the network where it applies."""
    network = getattr(self, "sentence_network", None)
    scores = network.confidences(message) if network else None
    return {"i_scores": scores} if scores is not None else RASA_PREDICT(self, message)


def install() -> None:
    """Every DIET loaded from here on (bot/rasa_cli.py calls it)."""
    DIETClassifier.load = classmethod(load)
    DIETClassifier._predict = _predict
