"""Training-data fingerprints from bytes (bot/fast_fingerprints.py): the same for the
same contents and changed by any token or feature value, or Rasa's training cache
would reuse a stale component or never reuse one."""

import logging
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
from rasa.model_training import train_nlu
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.features import Features

from bot.fast_fingerprints import features_fingerprint, token_fingerprint

NLU = """version: "3.1"
nlu:
- intent: report_fault
  examples: |
    - my line has gone dead
    - there is no dial tone on our phones
    - the broadband keeps dropping out
    - calls cut off after a minute
    - our internet is down again
    - the handsets show no service
- intent: ask_tariff
  examples: |
    - what am I paying per month
    - which plan are we on
    - how much do calls to mobiles cost
    - tell me about my tariff
    - is there a cheaper bundle
    - what does my contract include
"""

CONFIG = """recipe: default.v1
language: en
pipeline:
  - name: WhitespaceTokenizer
  - name: LexicalSyntacticFeaturizer
  - name: CountVectorsFeaturizer
  - name: bot.nlp.static_embeddings.StaticEmbeddingFeaturizer
  - name: DIETClassifier
    epochs: 1
    number_of_transformer_layers: 0
policies: []
"""


def sparse(values: list[float], columns: list[int]) -> Features:
    matrix = scipy.sparse.coo_matrix((values, ([0] * len(values), columns)), shape=(1, 8))
    return Features(matrix, "sequence", "text", "CountVectorsFeaturizer")


def test_the_same_contents_give_the_same_fingerprint() -> None:
    token = Token("line", 3, lemma="line", data={"pos": "NOUN"})
    assert token_fingerprint(token) == token_fingerprint(
        Token("line", 3, lemma="line", data={"pos": "NOUN"})
    )
    assert features_fingerprint(sparse([1.0, 2.0], [1, 5])) == features_fingerprint(
        sparse([1.0, 2.0], [1, 5])
    )


@pytest.mark.parametrize(
    "other",
    [
        Token("lime", 3, lemma="line", data={"pos": "NOUN"}),
        Token("line", 4, lemma="line", data={"pos": "NOUN"}),
        Token("line", 3, lemma="lines", data={"pos": "NOUN"}),
        Token("line", 3, lemma="line", data={"pos": "VERB"}),
    ],
)
def test_any_change_to_a_token_changes_its_fingerprint(other: Token) -> None:
    assert token_fingerprint(Token("line", 3, lemma="line", data={"pos": "NOUN"})) != (
        token_fingerprint(other)
    )


@pytest.mark.parametrize(
    "other",
    [
        sparse([1.0, 3.0], [1, 5]),
        sparse([1.0, 2.0], [1, 6]),
        Features(
            scipy.sparse.coo_matrix(([1.0, 2.0], ([0, 0], [1, 5])), shape=(1, 8)),
            "sentence",
            "text",
            "CountVectorsFeaturizer",
        ),
        Features(np.array([[1.0, 2.0]]), "sequence", "text", "CountVectorsFeaturizer"),
    ],
)
def test_any_change_to_features_changes_their_fingerprint(other: Features) -> None:
    assert features_fingerprint(sparse([1.0, 2.0], [1, 5])) != features_fingerprint(other)


def test_a_second_training_reuses_every_component(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Rasa keys a component's cached output by the fingerprints of its inputs, taken as
    they arrive: with these fingerprints, the next training still finds each one."""
    monkeypatch.setattr(Token, "fingerprint", token_fingerprint)
    monkeypatch.setattr(Features, "fingerprint", features_fingerprint)
    monkeypatch.setenv("RASA_CACHE_DIRECTORY", str(tmp_path / "cache"))
    (tmp_path / "nlu.yml").write_text(NLU)
    (tmp_path / "config.yml").write_text(CONFIG)

    def trained_components() -> list[str]:
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="rasa.engine.training.hooks"):
            train_nlu(str(tmp_path / "config.yml"), str(tmp_path / "nlu.yml"), str(tmp_path))
        return [r.getMessage() for r in caplog.records if "Starting to train" in r.getMessage()]

    assert any("DIETClassifier" in line for line in trained_components())
    assert trained_components() == []
