"""Training-data fingerprints computed from bytes, not from formatted text.

Rasa fingerprints every NLU node's output while training, for its cache. Each of the
~5,700 examples is fingerprinted again after each of the pipeline's eight components,
and Rasa formats each token (six hashes and a JSON dump) and each sparse matrix (a
line of text per non-zero value) before hashing: 28 s of a 3-minute training (py-spy,
README "Speed"). The same contents hashed from their bytes give fingerprints that
still change with any token or feature value; only their spelling differs from stock
Rasa's, so a cache filled by stock `rasa train` is not reused (retrained, never a
wrong hit).
"""

import json
from hashlib import md5

from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.training_data.features import Features


def token_fingerprint(token: Token) -> str:
    """One hash of everything Rasa's own fingerprint covers."""
    fields = [token.text, token.start, token.end, token.lemma, token.data]
    return md5(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()


def features_fingerprint(features: Features) -> str:
    """The matrix's values, positions and shape, with the features' labels."""
    if features._cached_fingerprint is None:
        digest = md5(json.dumps([features.type, features.origin, features.attribute]).encode())
        if features.is_dense():
            digest.update(str(features.features.shape).encode())
            digest.update(features.features.tobytes())
        else:
            matrix = features.features.tocoo()
            digest.update(str((matrix.shape, matrix.dtype)).encode())
            for part in (matrix.row, matrix.col, matrix.data):
                digest.update(part.tobytes())
        features._cached_fingerprint = digest.hexdigest()
    return features._cached_fingerprint


def install() -> None:
    """Every fingerprint of a token or of features from here on (bot/rasa_cli.py)."""
    Token.fingerprint = token_fingerprint
    Features.fingerprint = features_fingerprint
