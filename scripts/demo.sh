#!/usr/bin/env bash
# The demo a newcomer runs with `make demo`: render the local environment, deploy it to a
# local moto server (a stand-in for AWS on 127.0.0.1), plan again to show that nothing is
# left to change, verify the live account against the model, stop moto, then run the
# pipeline on the bundled City sample.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh
cargo build --quiet -p dap-cli
dap=target/debug/dap

echo "== dap render --env local" >&2
"$dap" render --env local
echo >&2

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

echo "== dap apply --env local --yes   (moto at $AWS_ENDPOINT_URL, pid $moto_pid)" >&2
"$dap" apply --env local --yes
echo >&2
echo "== dap plan --env local   (again: no changes, exit 0)" >&2
"$dap" plan --env local
echo "   exit code $?" >&2
echo >&2
echo "== dap verify --env local   (the live account read back and compared with the model)" >&2
echo "   moto's CloudFormation accepts but does not create trails, alarms, metric filters," >&2
echo "   bucket policies, subscriptions and several bucket settings, drops log groups' keys," >&2
echo "   ignores a role's managed policies and stores key policies in a form KMS never answers:" >&2
echo "   verify reports each of those, which is exactly its job (exit 2)." >&2
verify_code=0
"$dap" verify --env local --report out/verify || verify_code=$?
echo "   exit code $verify_code (0 live matches the model, 2 differences, 1 error); evidence in out/verify/local/" >&2
if [ "$verify_code" -ne 0 ] && [ "$verify_code" -ne 2 ]; then exit "$verify_code"; fi
kill "$moto_pid" 2>/dev/null || true
wait "$moto_pid" 2>/dev/null || true
trap - EXIT
echo >&2

echo "== the pipeline on the bundled sample" >&2
bash scripts/pipeline-demo.sh
