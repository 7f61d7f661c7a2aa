#!/usr/bin/env bash
# Run a business-licences pipeline job locally under PySpark (the same script Glue runs).
#
#   scripts/pipeline-job.sh clean  [--encoding NAME] [--max_rejected_percent N] INPUT... OUTPUT
#                                                   portal CSV files and/or folders (any mix of years and
#                                                   layouts) -> OUTPUT/business-licences/licences/year=YYYY/
#                                                   plus a quality summary in OUTPUT/_quality/clean-*.json
#   scripts/pipeline-job.sh curate RAW_DIR OUTPUT    RAW_DIR/business-licences/licences/
#                                                   -> OUTPUT/business-licences/<curated table>/
#                                                   plus a summary in OUTPUT/_quality/curate-*.json
#
# Both jobs evaluate the tables' data-quality rules (pipelines/quality/business-licences/*.dqdl) and
# print one line per table (`quality licences: 8 rules, 8 passed`); the summaries in OUTPUT/_quality
# are the history of the dynamic rules of the next run into the same OUTPUT.
# Output is Parquet that DuckDB and Athena read as is. Exit codes as the jobs': 0 written, 2 bad
# input or a refused load (one line on stderr), 1 a bug. Needs .venv (scripts/venv.sh) and Java 17.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY="$ROOT/.venv/bin/python"
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ -x "$PY" ] || { echo "pipeline-job: $PY missing; run scripts/venv.sh first" >&2; exit 1; }
if [ -z "${JAVA_HOME:-}" ] && command -v java >/dev/null; then
  JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  export JAVA_HOME
fi
export PYSPARK_PYTHON="$PY"
[ $# -ge 1 ] || usage
job=$1; shift
case "$job" in
  clean)
    args=()
    while [ $# -gt 0 ] && case "$1" in --encoding|--max_rejected_percent) true ;; *) false ;; esac; do
      [ $# -ge 2 ] || usage
      args+=("$1" "$2"); shift 2
    done
    [ $# -ge 2 ] || usage
    out=${*: -1}
    for input in "${@:1:$#-1}"; do
      [ -e "$input" ] || { echo "pipeline-job: no such input: $input" >&2; exit 2; }
      args+=(--source "$(readlink -f "$input")")
    done
    mkdir -p "$out"; out=$(readlink -f "$out")
    exec "$PY" "$ROOT/pipelines/glue/clean.py" "${args[@]}" --target "$out" --quality_report "$out/_quality"
    ;;
  curate)
    [ $# -eq 2 ] || usage
    [ -d "$1/business-licences/licences" ] || { echo "pipeline-job: no raw table under $1/business-licences/licences" >&2; exit 2; }
    mkdir -p "$2"; out=$(readlink -f "$2")
    exec "$PY" "$ROOT/pipelines/glue/curate.py" --source "$(readlink -f "$1")" --target "$out" --quality_report "$out/_quality"
    ;;
  *) usage ;;
esac
