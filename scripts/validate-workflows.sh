#!/usr/bin/env bash
# Check the GitHub Actions workflows in .github/workflows/, offline, in about 5 s:
#   check-jsonschema  against GitHub's workflow schema (bundled with it: no download);
#   zizmor            security audit (template injection, credentials left in checkouts,
#                     dangerous triggers, ...), configured by .github/zizmor.yml;
#   tests/workflows   the project's rules (timeouts, least permissions, pinned actions, deploy
#                     order, environments, concurrency), the dap command lines, the scripts run
#                     with a stand-in dap, the sticky comment's script under Node.js, and proof
#                     that both validators above fail on a broken workflow.
# Needs .venv with requirements/validators.txt and pipeline.txt (pytest): scripts/venv.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in check-jsonschema zizmor python; do
  [ -x ".venv/bin/$tool" ] || { echo "validate-workflows: .venv/bin/$tool missing; run scripts/venv.sh first" >&2; exit 1; }
done
workflows=(.github/workflows/*.yml)
echo "check-jsonschema $(.venv/bin/check-jsonschema --version | awk '{print $NF}') over ${#workflows[@]} workflows" >&2
.venv/bin/check-jsonschema --builtin-schema vendor.github-workflows "${workflows[@]}"
echo "$(.venv/bin/zizmor --version) over .github/workflows" >&2
.venv/bin/zizmor --quiet --offline --no-progress --strict-collection --config .github/zizmor.yml .github/workflows
exec .venv/bin/python -m pytest tests/workflows -q "$@"
