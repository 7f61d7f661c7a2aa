#!/usr/bin/env bash
# Open every environment's HTML report (docs/generated/<env>/<env>.html) in headless Chromium at
# 1,280 × 800 and check that nothing is wider than the screen, that the appendices are folded
# and that the access matrices are heat maps; then the insights report (built here into
# out/browser-test/report/ from the pipeline's curated output on the bundled sample): no console
# error, nothing fetched, one mark per table row. Full-page screenshots go to out/screenshots/.
# Needs .venv (scripts/venv.sh), Java 17 when the sample's pipeline output must be made, and
# Debian's chromium (apt-get install chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || { echo "browser-test: .venv missing; run scripts/venv.sh first" >&2; exit 1; }
command -v "${DAP_CHROMIUM:-/usr/bin/chromium}" >/dev/null || {
  echo "browser-test: chromium missing; apt-get install chromium (or set DAP_CHROMIUM)" >&2
  exit 1
}
# The insights report needs the curate job's output on the bundled sample: the demo's
# (out/pipeline-demo) when it is newer than the jobs and the extracts, else clean + curate once
# (about a minute on 2 cores). Building the page itself takes well under a second.
demo=out/pipeline-demo
if [ ! -d "$demo/curated/business-licences" ] \
  || [ -n "$(find pipelines/glue pipelines/tests/fixtures/extracts -newer "$demo/curated" -print -quit)" ]; then
  echo "browser-test: clean + curate on the bundled sample into $demo (about a minute)" >&2
  bash scripts/pipeline-demo.sh "$demo" >/dev/null
fi
bash scripts/report.sh "$demo/curated" out/browser-test/report --raw "$demo/raw" >&2
exec .venv/bin/python -m pytest tests/browser -q "$@"
