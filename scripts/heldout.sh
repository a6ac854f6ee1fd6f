#!/usr/bin/env bash
# Train on 80% of bot/data/nlu and score the other 20% (fixed seed, so the same split
# every run). Usage: scripts/heldout.sh CONFIG OUT_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
config=$1 out=$2
RASA="bot/.venv/bin/python -m bot.rasa_cli"  # Rasa as the project runs it
rm -rf "$out" && mkdir -p "$out"
$RASA data split nlu --nlu bot/data/nlu --training-fraction 0.8 --random-seed 42 --out "$out/split"
$RASA train nlu --config "$config" --domain domain.yml --nlu "$out/split/training_data.yml" \
  --out "$out" --fixed-model-name heldout
$RASA test nlu --model "$out/heldout.tar.gz" --nlu "$out/split/test_data.yml" --out "$out"
