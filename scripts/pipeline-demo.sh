#!/usr/bin/env bash
# Demo: clean + curate the bundled real extracts locally, then print insights computed by running the
# Athena named queries (pipelines/athena/*.sql) in DuckDB over the curated Parquet.
#   scripts/pipeline-demo.sh [OUTPUT_DIR]     (default: out/pipeline-demo)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/out/pipeline-demo}
rm -rf "$OUT/raw" "$OUT/curated"
mkdir -p "$OUT"
echo "== clean: $ROOT/pipelines/tests/fixtures/extracts -> $OUT/raw" >&2
run() { "$ROOT/scripts/pipeline-job.sh" "$@" >>"$OUT/demo.log" 2>&1 || { cat "$OUT/demo.log" >&2; exit 1; }; }
: >"$OUT/demo.log"
run clean "$ROOT/pipelines/tests/fixtures/extracts" "$OUT/raw"
echo "== curate: $OUT/raw -> $OUT/curated" >&2
run curate "$OUT/raw" "$OUT/curated"
exec "$ROOT/.venv/bin/python" "$ROOT/pipelines/tools/insights.py" "$OUT/curated" "$OUT/raw"
