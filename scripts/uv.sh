#!/usr/bin/env bash
# Run uv: the one on PATH, else a private copy installed from PyPI into .tools/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# Installed packages get their bytecode compiled once, here. Without it every process
# compiles what it imports from source wherever PYTHONDONTWRITEBYTECODE is set (as on our
# CI machines): importing Rasa and TensorFlow took 20 CPU seconds instead of 7.
export UV_COMPILE_BYTECODE=1
if command -v uv >/dev/null 2>&1; then exec uv "$@"; fi
if [ ! -x "$root/.tools/bin/uv" ]; then
  python3 -m venv "$root/.tools" >&2
  "$root/.tools/bin/pip" install --quiet "uv>=0.5,<1" >&2
fi
exec "$root/.tools/bin/uv" "$@"
