#!/usr/bin/env bash
# `make eval`: how well the assistant understands, with the production config.yml:
# 5-fold cross-validation of bot/data/nlu, the held-out 20% split, and the paraphrase
# set (tests/nlu). Per-intent tables are printed; each report folder under
# reports/eval/ has intent_report.json and intent_confusion_matrix.png.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONPATH=$PWD PYTHONWARNINGS=ignore
RASA="bot/.venv/bin/python -m bot.rasa_cli"  # Rasa as the project runs it
PY=bot/.venv/bin/python
OUT=reports/eval
rm -rf "$OUT" && mkdir -p "$OUT"

echo "== paraphrases (model trained on all of bot/data)"
$RASA train --config config.yml --domain domain.yml --data bot/data --out "$OUT" \
  --fixed-model-name full
$RASA test nlu --model "$OUT/full.tar.gz" --nlu tests/nlu --out "$OUT/paraphrase"
status=0
$PY scripts/check_nlu.py paraphrase "$OUT/paraphrase" || status=1

echo "== held-out 20% split"
scripts/heldout.sh config.yml "$OUT/heldout"
$PY scripts/check_nlu.py heldout "$OUT/heldout" || status=1

echo "== 5-fold cross-validation"
$RASA test nlu --nlu bot/data/nlu --config config.yml --cross-validation --folds 5 \
  --out "$OUT/cv"
$PY scripts/check_nlu.py cv "$OUT/cv"
exit $status
