#!/usr/bin/env bash
# Everything CI runs, in order; the first failure stops the run. Outside CI, a step whose
# inputs are unchanged since it last passed is skipped (scripts/lib/uptodate.sh; FULL=1 runs
# everything).
set -euo pipefail
cd "$(dirname "$0")/.."
export INSTA_UPDATE=no
source scripts/lib/progress.sh
source scripts/lib/uptodate.sh
progress_start "$(grep -c '^step "' "$0")"
trap progress_summary EXIT

step "format"
cargo fmt --all --check
step "clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
step "rustdoc"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
step "python virtualenv"
bash scripts/venv.sh
step "GitHub workflows (check-jsonschema, zizmor, tests/workflows)"
unless_unchanged workflows ".github tests/workflows requirements scripts" \
  bash scripts/validate-workflows.sh
step "resource provider data is current (create-only properties, handler permissions)"
.venv/bin/python scripts/gen-provider-data.py --check
step "cargo test (built once; the moto suites beside the rest)"
# insta records every snapshot a test asserts; the next step rejects the ones nobody asserts.
refs="$PWD/target/insta-references.txt"
rm -f "$refs"
INSTA_SNAPSHOT_REFERENCES_FILE="$refs" bash scripts/cargo-test.sh
step "no unreferenced snapshots (insta's references, as cargo insta test --unreferenced=reject)"
bash scripts/unreferenced-snapshots.sh "$refs"
step "template validators (cfn-lint, checkov)"
# Skipped outside CI when the rendered templates are the last validated ones (in the script).
bash scripts/validate-templates.sh
step "pipeline tests (PySpark, DuckDB)"
unless_unchanged pipeline "pipelines environments requirements scripts crates/dap-cost/data" \
  bash scripts/pipeline-test.sh
step "HTML reports in a browser (headless Chromium, 1,280 x 800)"
unless_unchanged browser "tests/browser docs/generated pipelines environments requirements scripts" \
  bash scripts/browser-test.sh
