#!/usr/bin/env bash
# Render every shipped environment afresh and run the external validators over the templates:
# cfn-lint (0 errors, 0 warnings) and checkov (0 failed checks, offline).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Build as `cargo test --workspace` does (dev-dependency features unified, `dap` among the
# tests' dependencies), so that after the tests this is a no-op instead of a second build of
# the AWS SDK with other features.
cargo test --workspace --no-run --quiet
target/debug/dap render --all --out "$out" >/dev/null
# What the validators judge is the rendered templates: when they, the validators' pins and
# this script are byte for byte those of the last passing run, the verdict is the same.
# Outside CI that run is skipped (FULL=1 runs it anyway).
stamp=target/test-stamps/validated-templates
sum=$( (cd "$out" && find . -type f -print0 | sort -z | xargs -0 sha256sum) \
  | cat - requirements/validators.txt scripts/validate-templates.sh | sha256sum | cut -d' ' -f1)
if [ -z "${CI:-}" ] && [ -z "${FULL:-}" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
  echo "validators: the $(ls "$out"/*/*.yaml | wc -l) rendered templates are byte for byte the last validated ones: skipped (FULL=1 runs them)" >&2
  exit 0
fi
rm -f "$stamp"
status=0
echo "cfn-lint $(.venv/bin/cfn-lint --version | awk '{print $2}') over $(ls "$out"/*/*.yaml | wc -l) templates" >&2
if ! .venv/bin/cfn-lint -- "$out"/*/*.yaml; then
  echo "cfn-lint: findings above" >&2
  status=1
fi
for env_dir in "$out"/*/; do
  env=$(basename "$env_dir")
  if ! BC_SKIP_MAPPING=TRUE CKV_SKIP_PACKAGE_UPDATE_CHECK=true \
    .venv/bin/checkov --directory "$env_dir" --framework cloudformation --skip-download \
      --compact --quiet --output cli > "$out/checkov-$env.txt" 2>&1; then
    cat "$out/checkov-$env.txt" >&2
    echo "checkov: failed checks in $env" >&2
    status=1
  else
    echo "checkov $env: $(grep -o 'Passed checks: [0-9]*, Failed checks: [0-9]*, Skipped checks: [0-9]*' "$out/checkov-$env.txt" || echo 'no checks')" >&2
  fi
done
if [ "$status" -eq 0 ]; then
  mkdir -p "$(dirname "$stamp")"
  echo "$sum" > "$stamp"
fi
exit $status
