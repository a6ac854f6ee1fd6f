"""The static-embedding featurizer: the packaged weights load, and every message gets
one feature row per token and one for the sentence, with meaning in them."""

import numpy as np
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlp import static_embeddings
from bot.nlp.static_embeddings import StaticEmbeddingFeaturizer, mean_embeddings


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_the_packaged_weights_load() -> None:
    tokenizer, weights = static_embeddings.load()
    assert weights.shape == (32000, static_embeddings.DIMENSIONS)
    assert weights.dtype == np.float32 and np.isfinite(weights).all()
    assert tokenizer.encode("broadband", add_special_tokens=False).ids


def test_like_messages_are_closer_than_unlike_ones() -> None:
    down, offline, hours, alarm = mean_embeddings(
        [
            "our broadband is down",
            "the internet connection keeps dropping",
            "when are you open",
            "set an alarm for seven",
        ]
    )
    assert cosine(down, offline) > cosine(down, hours) + 0.1
    assert cosine(down, offline) > cosine(down, alarm) + 0.1


def test_each_token_and_the_sentence_get_features() -> None:
    featurizer = StaticEmbeddingFeaturizer(
        "static", {**StaticEmbeddingFeaturizer.get_default_config(), "alias": "static"}
    )
    text = "SIP trunk down!!"
    words = ["SIP", "trunk", "down", "!!"]
    starts = [text.index(w) for w in words]
    message = Message({TEXT: text})
    message.set(TOKENS_NAMES[TEXT], [Token(w, s) for w, s in zip(words, starts, strict=True)])
    featurizer.process([message])
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence.features.shape == (4, static_embeddings.DIMENSIONS)
    assert sentence.features.shape == (1, static_embeddings.DIMENSIONS)
    assert np.abs(sequence.features).sum(axis=1).min() > 0  # no token left without meaning
    empty = Message({TEXT: ""})
    featurizer.process([empty])
    assert empty.get_dense_features(TEXT) == (None, None)
