#!/usr/bin/env bash
# The whole test run (`make test`, called by .ci/run). Reports go to reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONPATH=$PWD PYTHONWARNINGS=ignore
RASA=bot/.venv/bin/rasa
PY=bot/.venv/bin/python
CI_MODELS=bot/models/ci
step() { printf '\n== %s (%s)\n' "$1" "$(date +%T)"; }

rm -rf reports && mkdir -p reports

step "lint"
bot/.venv/bin/ruff check bot tests scripts
bot/.venv/bin/ruff format --check bot tests scripts

step "validate training data"
$RASA data validate --domain domain.yml --data bot/data --config config.yml

step "train with the CI config (same data and seeds, fewer epochs)"
$PY scripts/ci_config.py reports/config.ci.yml
$RASA train --config reports/config.ci.yml --domain domain.yml --data bot/data \
  --out "$CI_MODELS" --fixed-model-name focus-ci
export FOCUS_TEST_MODEL=$PWD/$CI_MODELS/focus-ci.tar.gz

step "test stories (tests/stories)"
$RASA test core --e2e --model "$FOCUS_TEST_MODEL" --stories tests/stories \
  --out reports/stories --fail-on-prediction-errors

step "NLU: paraphrases written apart from the training data (tests/nlu)"
$RASA test nlu --model "$FOCUS_TEST_MODEL" --nlu tests/nlu --out reports/nlu-paraphrase
$PY scripts/check_nlu.py paraphrase reports/nlu-paraphrase

step "NLU: a held-out 20% split"
scripts/heldout.sh reports/config.ci.yml reports/nlu-heldout
$PY scripts/check_nlu.py heldout reports/nlu-heldout

step "pytest: bot"
bot/.venv/bin/pytest tests/bot

step "pytest: signed chat sessions and clock times, no personal data in any log (tests/security)"
bot/.venv/bin/pytest tests/security

step "pytest: the launcher restarts a part that dies, Ctrl-C leaves nothing (tests/stack)"
bot/.venv/bin/pytest tests/stack

step "case service"
make -C backend test

step "browser: widget and staff console in Chromium"
make -C backend test-browser
