#!/usr/bin/env bash
# `make bench`: speed figures for the bot and the case service, printed.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONPATH=$PWD
mkdir -p reports
echo "== bot"
bot/.venv/bin/python tests/bench/bench_bot.py "$@"
echo "== Rasa replicas behind nginx, 1 against 2"
bot/.venv/bin/python tests/bench/bench_replicas.py
echo "== case service"
make -C backend bench
