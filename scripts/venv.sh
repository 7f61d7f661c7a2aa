#!/usr/bin/env bash
# Create (or refresh) the project's virtualenv in .venv from the pinned requirements/*.txt.
# Idempotent: a requirements file is installed again only when its content changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
mkdir -p .venv/.stamps
for req in requirements/*.txt; do
  stamp=".venv/.stamps/$(basename "$req").sha256"
  sum=$(sha256sum "$req" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    echo "venv: installing $req" >&2
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
    echo "$sum" > "$stamp"
  fi
done
