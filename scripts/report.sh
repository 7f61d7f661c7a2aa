#!/usr/bin/env bash
# Build the insights report from the curate job's output: the named queries (pipelines/athena/*.sql)
# run by DuckDB over the curated Parquet, written as one self-contained page.
#
#   scripts/report.sh CURATED_DIR OUTPUT_DIR [FLAG...]     -> OUTPUT_DIR/index.html
#
# FLAGs go to `python3 -m report build` (pipelines/README.md): --raw DIR (the clean job's output:
# the latest extract date, and the quality summary in DIR/_quality/), --years 2023,2024 or
# --environment environments/<env>.yaml (the years the year-over-year chart compares; default: the
# two latest folder years in the data). Exit 2 with one line when an input is missing.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY="$ROOT/.venv/bin/python"
usage() { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ -x "$PY" ] || { echo "report: $PY missing; run scripts/venv.sh first" >&2; exit 1; }
[ $# -ge 2 ] || usage
curated=$1 output=$2
shift 2
export PYTHONPATH="$ROOT/pipelines${PYTHONPATH:+:$PYTHONPATH}"
exec "$PY" -m report build --curated "$curated" --output "$output" "$@"
