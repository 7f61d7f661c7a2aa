#!/usr/bin/env bash
# Benchmark: how long the insights report takes to build (`python -m report build`, a new
# interpreter each run) on the 3,385-row extract after clean + curate, and on the same output with
# every raw and curated Parquet file copied SCALE times. Prints figures; asserts nothing.
#   scripts/report-bench.sh [RUNS] [SCALE]      (defaults: 5 runs, scale 10)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${JAVA_HOME:-}" ] && command -v java >/dev/null; then
  JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  export JAVA_HOME
fi
export PYSPARK_PYTHON="$ROOT/.venv/bin/python"
exec "$ROOT/.venv/bin/python" "$ROOT/pipelines/tools/report_bench.py" --runs "${1:-5}" --scale "${2:-10}"
