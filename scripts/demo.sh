#!/usr/bin/env bash
# The demo a newcomer runs with `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh
echo "== dap render --env local" >&2
cargo run --quiet --release -p dap-cli -- render --env local
echo >&2
echo "== the pipeline on the bundled sample" >&2
bash scripts/pipeline-demo.sh
