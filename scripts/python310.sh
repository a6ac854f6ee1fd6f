#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6's ceiling).
# pyenv's 3.10 if present (uv does not find it when pyenv's global is newer),
# else one on PATH, else one installed by uv.
set -euo pipefail
for candidate in "$(pyenv root 2>/dev/null)"/versions/3.10.*/bin/python3.10 \
                 "$(command -v python3.10 || true)"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; exit 0; fi
done
uv=$(dirname "$0")/uv.sh
"$uv" python install 3.10 >&2
"$uv" python find 3.10
