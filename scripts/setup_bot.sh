#!/usr/bin/env bash
# Create bot/.venv (Python 3.10) exactly as bot/requirements.lock pins it.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x bot/.venv/bin/python ]; then
  scripts/uv.sh venv --quiet --python "$(scripts/python310.sh)" bot/.venv
fi
VIRTUAL_ENV=bot/.venv scripts/uv.sh pip sync --quiet bot/requirements.lock
touch bot/.venv/.synced
