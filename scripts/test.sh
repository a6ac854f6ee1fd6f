#!/usr/bin/env bash
# The whole test run (`make test`, called by .ci/run). Reports go to reports/.
# Four jobs run in the background beside others, because much of their time is spent
# waiting (timeouts, a browser, a server's answer) or on one core (Rasa's training uses
# little more than one of the two): the held-out split's training beside the served
# model's training and the NLU steps, the case service (its tests take free ports) from
# the start to the end of the bot's pytest, the browser beside the bot's pytest and the
# security suite beside the stack suites (both on ports of their own). Their output
# goes to reports/<name>.log, shown when they end.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONPATH=$PWD PYTHONWARNINGS=ignore
PY=bot/.venv/bin/python
RASA="$PY -m bot.rasa_cli"  # Rasa with the project's changes, as served (bot/rasa_cli.py)
CI_MODELS=bot/models/ci
step() { printf '\n== %s (%s)\n' "$1" "$(date +%T)"; }

declare -A jobs=()
trap 'for pid in "${jobs[@]}"; do kill -- "-$pid" 2>/dev/null || true; done' EXIT
background() {  # NAME COMMAND...: run in its own process group (setsid), killed on exit
  local name=$1 && shift
  step "$name (in the background)"
  setsid "$@" >"reports/$name.log" 2>&1 &
  jobs[$name]=$!
}
collect() {  # NAME: wait for a background suite, show its output, fail if it failed
  local name=$1 status=0
  step "$name (its result)"
  wait "${jobs[$name]}" || status=$?
  unset "jobs[$name]"
  cat "reports/$name.log"
  [ $status -eq 0 ] || { echo "$name failed (exit $status)" >&2; exit $status; }
}

rm -rf reports && mkdir -p reports

step "lint"
bot/.venv/bin/ruff check bot tests scripts
bot/.venv/bin/ruff format --check bot tests scripts

background "case service" make -C backend test
# A cache of its own: two trainings at once would share Rasa's cache database.
background "held-out split" env RASA_CACHE_DIRECTORY="$PWD/reports/held-out-cache" \
  scripts/heldout.sh config.yml reports/nlu-heldout

step "validate the training data and train (config.yml)"
$RASA train --config config.yml --domain domain.yml --data bot/data \
  --out "$CI_MODELS" --fixed-model-name focus-ci
export FOCUS_TEST_MODEL=$PWD/$CI_MODELS/focus-ci.tar.gz

step "test stories (tests/stories)"
$RASA test core --e2e --model "$FOCUS_TEST_MODEL" --stories tests/stories \
  --out reports/stories --fail-on-prediction-errors

step "NLU: paraphrases written apart from the training data (tests/nlu)"
$RASA test nlu --model "$FOCUS_TEST_MODEL" --nlu tests/nlu --out reports/nlu-paraphrase
$PY scripts/check_nlu.py paraphrase reports/nlu-paraphrase

collect "held-out split"
step "NLU: the held-out 20% split"
$PY scripts/check_nlu.py heldout reports/nlu-heldout

# The browser suite's stack on ports of its own, beside the default ones of the suites
# that run meanwhile (bot, security, the scaled profile's mail sink).
background "browser" env FOCUS_CASES_PORT=8010 FOCUS_RASA_PORT=5015 FOCUS_ACTIONS_PORT=5065 \
  FOCUS_MAIL_PORT=2535 make -C backend test-browser

step "pytest: bot"
bot/.venv/bin/pytest tests/bot

collect "case service"

# On ports of its own too, beside the stack suites (which need the default ones).
background "security" env FOCUS_CASES_PORT=8040 FOCUS_RASA_PORT=5045 FOCUS_ACTIONS_PORT=5095 \
  FOCUS_MAIL_PORT=2545 bot/.venv/bin/pytest tests/security

# Two runs: the launcher test needs `make run`'s ports, which the scaled stack (shared by
# its modules for the whole session, tests/stack/conftest.py) holds until pytest ends.
step "pytest: the launcher restarts a part that dies, Ctrl-C leaves nothing (tests/stack)"
bot/.venv/bin/pytest tests/stack/test_supervision.py

step "pytest: the scaled profile and its short load test (tests/stack)"
bot/.venv/bin/pytest tests/stack --ignore=tests/stack/test_supervision.py

collect "security"
collect "browser"
