#!/usr/bin/env bash
# How long `dap plan` takes to say that no credentials exist (issue 14's goal: under a second),
# with the instance metadata service left on (the slow case) and off. Prints figures; asserts
# nothing. Needs the dap binary: builds it first.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet -p dap
dap=$PWD/target/debug/dap
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
cp -r environments "$home/"
runs=${RUNS:-10}
measure() {
  local label=$1; shift
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$runs"); do
    (cd "$home" && env -i PATH="$PATH" HOME="$home" "$@" "$dap" plan --env dev >/dev/null 2>&1) || true
  done
  end=$(date +%s%N)
  awk -v l="$label:" -v ns=$((end - start)) -v n="$runs" \
    'BEGIN { printf "no credentials, %-28s %6.0f ms a run (mean of %d)\n", l, ns / 1e6 / n, n }'
}
measure "metadata service on" env
measure "metadata service off" env AWS_EC2_METADATA_DISABLED=true
