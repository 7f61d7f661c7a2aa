#!/usr/bin/env bash
# Create (or refresh) the project's virtualenv in .venv from the pinned requirements files.
#   scripts/venv.sh              every set in requirements/ (what `make test` needs)
#   scripts/venv.sh moto pipeline  only these sets (what `make demo` needs: no validators)
# Idempotent: a set is installed again only when its file changed. While pip works, a line
# every 20 s says so.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/progress.sh
PY=${PYTHON:-python3}
sets=("$@")
if [ ${#sets[@]} -eq 0 ]; then
  for req in requirements/*.txt; do sets+=("$(basename "$req" .txt)"); done
fi
for set in "${sets[@]}"; do
  [ -f "requirements/$set.txt" ] || { echo "venv: no such set: requirements/$set.txt" >&2; exit 1; }
done
if [ ! -x .venv/bin/python ]; then
  echo "venv: creating .venv with $("$PY" --version 2>&1)" >&2
  "$PY" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
fi
mkdir -p .venv/.stamps
for set in "${sets[@]}"; do
  req="requirements/$set.txt"
  stamp=".venv/.stamps/$set.txt.sha256"
  sum=$(sha256sum "$req" | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
    # The file's first line says what the set is for and roughly how much it downloads.
    echo "venv: installing $req: $(head -n 1 "$req" | sed 's/^# *//')" >&2
    heartbeat "pip install -r $req" \
      .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$req"
    echo "$sum" > "$stamp"
  else
    echo "venv: $req is installed" >&2
  fi
done
