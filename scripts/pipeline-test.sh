#!/usr/bin/env bash
# Run the data-pipeline test suite (PySpark jobs, schema, Athena SQL in DuckDB). Needs .venv and Java 17.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/python ] || { echo "pipeline-test: .venv missing; run scripts/venv.sh first" >&2; exit 1; }
if [ -z "${JAVA_HOME:-}" ] && command -v java >/dev/null; then
  JAVA_HOME=$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")
  export JAVA_HOME
fi
exec .venv/bin/python -m pytest pipelines/tests -q "$@"
