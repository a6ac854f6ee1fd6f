"""`rasa` as this project runs it: Rasa's own command line with the project's changes
to Rasa installed first, so that what is trained and tested is what is served
(`make train`, `make test` and bot/rasa_server.py all come through here):

- the action server's responses checked by a validator built once
  (bot/action_response_check.py), not rebuilt for every response;
- TED given the other policies' predictions, to skip itself where they decide
  (bot/rules_first_ted.py);
- DIET's and TED's networks loaded without tracing a training step (bot/tf_model_load.py);
- DIET without a transformer: intents predicted in NumPy, the token-level layer that
  cannot reach them left out of training (bot/sentence_diet.py);
- training data fingerprinted from bytes, not formatted text (bot/fast_fingerprints.py);
- each turn's failed custom actions noted, for the channel to ask again
  (bot/failed_actions.py).

    python -m bot.rasa_cli train --config config.yml ...
"""

from rasa.__main__ import main

from bot import (
    action_response_check,
    failed_actions,
    fast_fingerprints,
    rules_first_ted,
    sentence_diet,
    tf_model_load,
)


def install() -> None:
    """Every change above, for the rest of this process."""
    action_response_check.install()
    rules_first_ted.install()
    tf_model_load.install()
    sentence_diet.install()
    fast_fingerprints.install()
    failed_actions.install()


if __name__ == "__main__":
    install()
    main()
