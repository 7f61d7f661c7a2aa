"""The reporting host's first boot and its two services, run on this machine: the user data
script (shellcheck-clean) downloads the builder from an S3 bucket (a local moto server) and
checks each file's sha256, makes the TLS certificate and writes the systemd units under a
temporary root; the refresh unit's command builds the report when the curate job has a new
run, and the serve unit's command serves it over HTTPS on 127.0.0.1. A typo in any of them
fails here, not on a host."""
from __future__ import annotations

import hashlib
import os
import re
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from conftest import ATHENA, PIPELINES
from report import MODULES
from report_helpers import curated

HOST = PIPELINES / "report" / "host"
BOOTSTRAP = HOST / "bootstrap.sh"
BUCKET = "dap-test-assets"
JOB = "dap-test-business-licences-curate"
REGION = "ca-central-1"


def shellcheck() -> str:
    found = shutil.which("shellcheck") or str(Path(sys.executable).parent / "shellcheck")
    assert Path(found).exists(), "shellcheck is missing: scripts/venv.sh validators installs it"
    return found


def test_user_data_is_shellcheck_clean():
    out = subprocess.run([shellcheck(), "--severity=style", str(BOOTSTRAP)],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stdout


def files() -> list[tuple[str, Path]]:
    """What the planner ships (crates/dap-planner/src/assets.rs REPORT_FILES checks the same)."""
    return ([(f"report/{m}", PIPELINES / "report" / m) for m in MODULES]
            + [("serve.py", HOST / "serve.py"), ("refresh.py", HOST / "refresh.py")])


@pytest.fixture(scope="module")
def moto():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def aws_env(endpoint: str) -> dict[str, str]:
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true"}


def boot(tmp: Path, endpoint: str, port: int, tamper: str | None = None):
    import boto3

    s3 = boto3.client("s3", region_name=REGION, endpoint_url=endpoint,
                      aws_access_key_id="testing", aws_secret_access_key="testing")
    try:
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass
    triples = []
    for path, source in files():
        body = source.read_bytes()
        sha = hashlib.sha256(body).hexdigest()
        key = f"reporting-host/{path.replace('/', '.')}-{sha[:16]}"
        s3.put_object(Bucket=BUCKET, Key=key, Body=body + (b"#" if path == tamper else b""))
        triples.append(f"{path}={key}={sha}")
    env = {**os.environ, **aws_env(endpoint),
           "DAP_REGION": REGION, "DAP_ASSETS_BUCKET": BUCKET, "DAP_REPORT_FILES": " ".join(triples),
           "DAP_WORKGROUP": "dap-test", "DAP_DATABASE": "dap_test_business_licences",
           "DAP_QUALITY_URI": "s3://dap-test-raw/_quality/business-licences/",
           "DAP_CURATE_JOB": JOB, "DAP_REFRESH_MINUTES": "15",
           "DAP_ROOT": str(tmp), "DAP_PACKAGES": "0", "DAP_SYSTEMD": "0",
           "DAP_PYTHON": sys.executable, "DAP_BIND": "127.0.0.1", "DAP_PORT": str(port)}
    return subprocess.run(["bash", str(BOOTSTRAP)], env=env, capture_output=True, text=True,
                          timeout=120)


def unit(tmp: Path, name: str) -> dict[str, str]:
    text = (tmp / "etc/systemd/system" / name).read_text()
    return dict(re.findall(r"^(\w+)=(.*)$", text, re.M))


def exec_env(tmp: Path, service: str, endpoint: str) -> dict[str, str]:
    env = {**os.environ, **aws_env(endpoint)}
    u = unit(tmp, service)
    if "EnvironmentFile" in u:
        for line in Path(u["EnvironmentFile"]).read_text().splitlines():
            key, _, value = line.partition("=")
            env[key] = value
    return env


def test_a_tampered_file_stops_the_boot(tmp_path, moto):
    out = boot(tmp_path, moto, free_port(), tamper="report/page.py")
    assert out.returncode != 0
    assert "sha256 differs from the plan's" in out.stderr, out.stderr
    assert not (tmp_path / "etc/systemd/system/dap-report-serve.service").exists()


def test_boot_then_refresh_then_serve(tmp_path, moto):
    import boto3

    port = free_port()
    out = boot(tmp_path, moto, port)
    assert out.returncode == 0, out.stderr
    assert "ready: https://" in out.stderr
    app = tmp_path / "opt/dap-report"
    for path, source in files():
        assert (app / path).read_bytes() == source.read_bytes(), path
    key = tmp_path / "etc/dap-report/tls/key.pem"
    assert key.stat().st_mode & 0o077 == 0, oct(key.stat().st_mode)
    settings = (tmp_path / "etc/dap-report/env").read_text()
    assert "DAP_BUILD_ARGS=--athena --workgroup dap-test --database dap_test_business_licences " \
           f"--region {REGION} --quality-uri s3://dap-test-raw/_quality/business-licences/" in settings
    timer = unit(tmp_path, "dap-report-refresh.timer")
    assert timer["OnUnitActiveSec"] == "15min"
    units = sorted(str(p) for p in (tmp_path / "etc/systemd/system").iterdir())
    verify = shutil.which("systemd-analyze")
    if verify:  # Debian's systemd package: checks keys, sections and that ExecStart exists
        v = subprocess.run([verify, "verify", *units], capture_output=True, text=True,
                           env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"})
        bad = [l for l in v.stderr.splitlines()
               if "dap-report" in l and "User" not in l and "network-online" not in l]
        assert not bad, v.stderr

    # The refresh unit's command, as systemd would run it (its settings from the env file);
    # the builder reads hand-made curated tables instead of Athena (moto has no
    # BatchGetNamedQuery; the Athena path is tested with scripted responses).
    refresh = shlex.split(unit(tmp_path, "dap-report-refresh.service")["ExecStart"])
    env = exec_env(tmp_path, "dap-report-refresh.service", moto)
    athena_args = env["DAP_BUILD_ARGS"]
    env["DAP_BUILD_ARGS"] = f"--curated {curated(tmp_path)} --years 2024,2025 --queries {ATHENA}"
    run = lambda *a: subprocess.run(refresh + list(a), env=env, capture_output=True, text=True,
                                    cwd=app, timeout=120)
    glue = boto3.client("glue", region_name=REGION, **{
        k: v for k, v in (("endpoint_url", moto), ("aws_access_key_id", "testing"),
                          ("aws_secret_access_key", "testing"))})
    glue.create_job(Name=JOB, Role="arn:aws:iam::123456789012:role/x",
                    Command={"Name": "glueetl", "ScriptLocation": "s3://x/y.py"})
    first = run()  # no curate run yet and no report: build one
    assert first.returncode == 0, first.stderr
    assert "report rebuilt" in first.stderr
    site = tmp_path / "var/lib/dap-report/site/index.html"
    assert site.exists()
    assert "up to date" in run().stderr
    run_id = glue.start_job_run(JobName=JOB)["JobRunId"]
    for _ in range(5):  # moto moves the run along on each read
        if glue.get_job_run(JobName=JOB, RunId=run_id)["JobRun"]["JobRunState"] == "SUCCEEDED":
            break
    after_curate = run()
    assert "report rebuilt for curate run " + run_id in after_curate.stderr, after_curate.stderr
    # A failing build leaves the last report up.
    before = site.read_bytes()
    env["DAP_BUILD_ARGS"] = athena_args
    failed = run("--force")
    assert failed.returncode == 1 and "the last report stays up" in failed.stderr, failed.stderr
    assert site.read_bytes() == before

    # The serve unit's command, on 127.0.0.1.
    serve = shlex.split(unit(tmp_path, "dap-report-serve.service")["ExecStart"])
    proc = subprocess.Popen(serve, env=exec_env(tmp_path, "dap-report-serve.service", moto),
                            stderr=subprocess.PIPE, text=True)
    try:
        ctx = ssl.create_default_context(cafile=str(tmp_path / "etc/dap-report/tls/cert.pem"))
        ctx.check_hostname = False

        def get(path: str, method: str = "GET"):
            req = urllib.request.Request(f"https://127.0.0.1:{port}{path}", method=method)
            try:
                with urllib.request.urlopen(req, context=ctx, timeout=5) as r:
                    return r.status, dict(r.headers), r.read()
            except urllib.error.HTTPError as e:
                return e.code, dict(e.headers), e.read()

        for _ in range(50):
            try:
                status, headers, body = get("/")
                break
            except (urllib.error.URLError, ConnectionError, ssl.SSLError):
                time.sleep(0.1)
        else:
            pytest.fail("the server did not answer: " + proc.stderr.read())
        assert status == 200 and body == before
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert get("/index.html")[0] == 200
        for bad in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/.index.html", "/nope"):
            assert get(bad)[0] == 404, bad
        assert get("/", "POST")[0] in (405, 501)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
