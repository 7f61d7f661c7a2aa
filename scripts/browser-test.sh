#!/usr/bin/env bash
# Open every environment's HTML report (docs/generated/<env>/<env>.html) in headless Chromium at
# 1,280 × 800 and check that nothing is wider than the screen, that the appendices are folded
# and that the access matrices are heat maps; full-page screenshots go to out/screenshots/.
# Needs .venv (scripts/venv.sh) and Debian's chromium (apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || { echo "browser-test: .venv missing; run scripts/venv.sh first" >&2; exit 1; }
command -v "${DAP_CHROMIUM:-/usr/bin/chromium}" >/dev/null || {
  echo "browser-test: chromium missing; apt-get install chromium (or set DAP_CHROMIUM)" >&2
  exit 1
}
exec .venv/bin/python -m pytest tests/browser -q "$@"
