"""DIET without a transformer (config.yml's): only the sentence features reach the intent.

Without transformer layers, DIET reads a message's intent from the sentence position of
its sequence only, and nothing mixes the token positions into it. So the intent is a
small function of the sentence-level features: the sparse ones through one dense layer,
concatenated with the dense ones, embedded by another, compared with each intent's
embedding (made when the model loads) and turned into confidences by a softmax. Two
things follow:

- *Prediction in NumPy.* Rasa computes the intent by stacking the message's sparse
  matrices into a batch and calling a TensorFlow function with the whole batch
  structure. In a concurrency profile that was a fifth of Rasa's CPU, and TensorFlow's
  arithmetic a tenth of that: the rest was building the batch and TensorFlow checking
  and converting its inputs. Here the same arithmetic runs on the loaded model's own
  weights. tests/bot/test_served_model.py holds it to stock Rasa's confidences.
- *The token-level dense layer is left out of training.* Its output is masked to zero
  at the sentence position, so its gradient is zero, and Rasa adds the regularisation
  gradient only where that one is positive: training never changed its weights. Yet
  every step computed that zero gradient and an optimizer update of a (vocabulary x
  128) matrix. Now the layer is created and initialised as before (so the random draws
  are the same) and not trained: the trained model is the same to the bit
  (tests/bot/test_sentence_diet.py), and training takes about 20 s less.

A DIET of any other shape (a transformer, entities, masked-language modelling, a hidden
layer, a response selector) keeps Rasa's training and prediction, as does a message
without sentence features. Installed by bot/rasa_cli.py.
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
    MASKED_LM,
    SENTENCE,
    SEQUENCE,
    SOFTMAX,
)
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel
from rasa.utils.tensorflow.rasa_layers import RasaSequenceLayer
from tensorflow.keras.activations import linear

RASA_LOAD = DIETClassifier.load.__func__
RASA_PREDICT = DIETClassifier._predict
RASA_INSTANTIATE = DIETClassifier._instantiate_model_class


def text_layer(classifier: DIETClassifier, model: RasaModel) -> RasaSequenceLayer | None:
    """``model``'s text layer, if only its sentence position reaches the loss."""
    config = classifier.component_config
    if (
        type(model) is not DIET
        or not config[INTENT_CLASSIFICATION]
        or config[ENTITY_RECOGNITION]
        or config[MASKED_LM]
    ):
        return None
    layer = model._tf_layers[f"sequence_layer.{TEXT}"]
    return None if layer._has_transformer else layer


def sparse_to_dense(text: RasaSequenceLayer, feature_type: str) -> Any:
    """The dense layer ``text`` turns that type's sparse features with, or None."""
    combining = text._tf_layers[text.FEATURE_COMBINING]._tf_layers
    layer = combining.get(f"sparse_dense.{feature_type}")
    return layer and layer._tf_layers.get(layer.SPARSE_TO_DENSE)


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
        model = classifier.model
        text = text_layer(classifier, model)
        if text is None:
            return None
        to_dense = sparse_to_dense(text, SENTENCE)
        loss = model._tf_layers[f"loss.{LABEL}"]
        if (
            text._tf_layers[text.FFNN]._ffn_layers
            or any(
                name.startswith("unify_dims")
                for name in text._tf_layers[text.FEATURE_COMBINING]._tf_layers
            )
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
            classifier.component_config[FEATURIZERS],
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


def _instantiate_model_class(self: DIETClassifier, model_data: RasaModelData) -> RasaModel:
    """The model to train, its token-level dense layer frozen where it can't matter."""
    model = RASA_INSTANTIATE(self, model_data)
    text = text_layer(self, model)
    if text and (tokens := sparse_to_dense(text, SEQUENCE)):
        tokens.trainable = False
    return model


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
    """Every DIET trained or loaded from here on (bot/rasa_cli.py calls it)."""
    DIETClassifier._instantiate_model_class = _instantiate_model_class
    DIETClassifier.load = classmethod(load)
    DIETClassifier._predict = _predict
