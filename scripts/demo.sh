#!/usr/bin/env bash
# The demo a newcomer runs with `make demo`: build dap, render the local environment, deploy
# it to a local moto server (a stand-in for AWS on 127.0.0.1), plan again to show that nothing
# is left to change, verify the live account against the model, write the auditors' report
# page, then run the pipeline on the bundled City sample and build the insights report (charts of
# the sample's licences) from its curated output. Every step is numbered and timed;
# a long silent command prints a line every 20 s.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/progress.sh
progress_start 8
dap=target/debug/dap

step "Python virtualenv: moto (the local AWS endpoint) and the pipeline's PySpark and DuckDB"
bash scripts/venv.sh moto pipeline

step "build dap (cargo build -p dap; the first build compiles the AWS SDK: about 6½ min on 2 cores)"
# Cargo prints a line per crate it compiles (a progress bar on a terminal); the heartbeat
# covers the few crates that take more than a minute on their own.
heartbeat "cargo build" cargo build -p dap
echo "   the binary: $dap" >&2

step "dap render --env local   (templates into out/local/)"
"$dap" render --env local

# moto on 127.0.0.1: port 5000 (the endpoint in environments/local.yaml) when free, another
# free port otherwise (passed through AWS_ENDPOINT_URL, which wins over the file).
port=5000
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
fi
mkdir -p out
# `timeout` makes sure the server stops by itself even if this script is killed.
timeout 900 .venv/bin/moto_server -H 127.0.0.1 -p "$port" >out/moto-demo.log 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_REGION AWS_DEFAULT_REGION AWS_SESSION_TOKEN

step "dap apply --env local --yes   (moto at $AWS_ENDPOINT_URL, pid $moto_pid)"
"$dap" apply --env local --yes

step "dap plan --env local   (again: no changes, exit 0) and dap verify --env local"
"$dap" plan --env local
echo "   plan exit code $? (0: nothing left to change)" >&2
echo >&2
echo "   verify reads the live account back and compares it with the model. moto's" >&2
echo "   CloudFormation accepts but does not create trails, alarms, metric filters, bucket" >&2
echo "   policies, subscriptions and several bucket settings, drops log groups' keys, ignores a" >&2
echo "   role's managed policies and stores key policies in a form KMS never answers: verify" >&2
echo "   reports each of those, which is exactly its job (exit 2)." >&2
verify_code=0
"$dap" verify --env local --report out/verify || verify_code=$?
echo "   verify exit code $verify_code (0 live matches the model, 2 differences, 1 error)" >&2
if [ "$verify_code" -ne 0 ] && [ "$verify_code" -ne 2 ]; then exit "$verify_code"; fi
kill "$moto_pid" 2>/dev/null || true
wait "$moto_pid" 2>/dev/null || true
trap - EXIT

step "dap docs --env local --out out/docs   (the auditors' reports and their HTML page)"
"$dap" docs --env local --out out/docs

step "the pipeline on the bundled City sample (clean and curate on PySpark, queries in DuckDB)"
heartbeat "pipeline" bash scripts/pipeline-demo.sh

step "the insights report from the sample's curated output (make report: the named queries in DuckDB, SVG charts)"
bash scripts/report.sh out/pipeline-demo/curated out/report --raw out/pipeline-demo/raw
echo "   the page: $PWD/out/report/index.html   (open it in a browser)" >&2
progress_end

cat >&2 <<NEXT

What next
  templates      out/local/*.yaml and out/local/manifest.json      (dap render)
  reports        out/docs/local/*.md and the architecture diagram   (dap docs)
  report page    out/docs/local/local.html: open it in a browser
  live evidence  out/verify/local/verify.html                       (dap verify --report)
  curated data   out/pipeline-demo/curated/ (Parquet; the Athena queries run on it in DuckDB)
  insights page  out/report/index.html: the named queries' answers as charts and tables (make report)

  Three commands to try next:
    $dap check --all                          # the security rules over every environment
    $dap docs --env prod --out out/docs       # prod's reports: out/docs/prod/prod.html
    make job-clean INPUT="your-extract.csv" OUTPUT=out/raw   # the clean job on a City extract

  dap on your PATH: cargo install --path .   (then: dap --help)
  Against AWS: dap plan --env dev --profile <your profile>  (README: "Deploying")
NEXT
