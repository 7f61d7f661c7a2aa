# shellcheck shell=bash
# Skip a `make test` step whose inputs are byte for byte those of its last passing run, as a
# build system skips an up-to-date target. Each step names its inputs (folders and files of
# the repository); their contents (tracked and untracked files, .gitignore respected) are
# hashed; the hash is recorded under target/test-stamps/ when the step passes. CI (CI set),
# `make test FULL=1` and a fresh clone run every step.
#   source scripts/lib/uptodate.sh
#   unless_unchanged pipeline "pipelines environments requirements" bash scripts/pipeline-test.sh

_uptodate_dir=target/test-stamps

# The hash of the inputs' contents (paths and bytes).
inputs_hash() {
  # shellcheck disable=SC2086 # the inputs are a word list on purpose
  git ls-files -z --cached --others --exclude-standard -- $1 \
    | sort -z \
    | xargs -0 -r sha256sum 2>/dev/null \
    | sha256sum | cut -d' ' -f1
}

# unless_unchanged NAME "INPUTS" COMMAND...: run COMMAND unless INPUTS are unchanged since it
# last passed; record them when it passes.
unless_unchanged() {
  local name=$1 inputs=$2 sum stamp
  shift 2
  stamp="$_uptodate_dir/$name"
  sum=$(inputs_hash "$inputs")
  if [ -z "${CI:-}" ] && [ -z "${FULL:-}" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
    echo "   skipped: its inputs ($inputs) are unchanged since it last passed (FULL=1 runs it)" >&2
    return 0
  fi
  rm -f "$stamp"
  "$@"
  mkdir -p "$_uptodate_dir"
  echo "$sum" > "$stamp"
}
