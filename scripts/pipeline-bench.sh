#!/usr/bin/env bash
# Benchmark: rows per second of the clean job under local Spark (local[2]) on the bundled sample
# (3,935 rows) and on the sample repeated SCALE times, with Spark jobs per run, median phase times and
# the load average (the machine may be shared). Prints figures; asserts nothing.
#   scripts/pipeline-bench.sh [RUNS] [SCALE]      (defaults: 3 runs, scale 10)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${JAVA_HOME:-}" ] && command -v java >/dev/null; then
  JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  export JAVA_HOME
fi
export PYSPARK_PYTHON="$ROOT/.venv/bin/python"
exec "$ROOT/.venv/bin/python" "$ROOT/pipelines/tools/bench.py" --runs "${1:-3}" --scale "${2:-10}"
