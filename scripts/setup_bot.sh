#!/usr/bin/env bash
# Create bot/.venv (Python 3.10) exactly as bot/requirements.lock pins it, then add the
# data-only packages of bot/requirements.weights.txt without their dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x bot/.venv/bin/python ]; then
  scripts/uv.sh venv --quiet --python "$(scripts/python310.sh)" bot/.venv
fi
VIRTUAL_ENV=bot/.venv scripts/uv.sh pip sync --quiet bot/requirements.lock
VIRTUAL_ENV=bot/.venv scripts/uv.sh pip install --quiet --no-deps --require-hashes \
  -r bot/requirements.weights.txt
touch bot/.venv/.synced
