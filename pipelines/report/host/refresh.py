"""Rebuild the insights report when the curate job has finished a run since the last build.

Run by `dap-report-refresh.timer` every few minutes (the environment's
`reporting_host.refresh_minutes`); a run that finds nothing new costs one Glue API call. The
settings come from the environment (`/etc/dap-report/env`, written at first boot):

    DAP_REGION      the region of the curate job
    DAP_CURATE_JOB  the curate job's name
    DAP_BUILD_ARGS  the builder's source arguments (`--athena --workgroup ... --quality-uri ...`)
    DAP_STATE       where the served report (`site/`) and the last run seen are kept
    DAP_APP         the folder holding the `report` package

The new report is built beside the served one and swapped in with one rename, so a reader
never sees half a page and a failed build leaves the last good report up.
    --force   build even when the curate job has not run since the last build
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

STAMP = "last-curate-run"


def latest_curate_run(glue, job: str) -> str | None:
    """The id and end time of the curate job's latest successful run (None: never ran)."""
    best = None
    for page in glue.get_paginator("get_job_runs").paginate(JobName=job, PaginationConfig={"MaxItems": 50}):
        for run in page.get("JobRuns", []):
            if run.get("JobRunState") == "SUCCEEDED" and run.get("CompletedOn"):
                key = (run["CompletedOn"], run["Id"])
                if best is None or key > best:
                    best = key
    return None if best is None else f"{best[1]} {best[0].isoformat()}"


def build(env: dict[str, str], site: Path) -> None:
    staging = site.with_name(site.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    cmd = [sys.executable, "-m", "report", "build", *shlex.split(env["DAP_BUILD_ARGS"]),
           "--output", str(staging)]
    subprocess.run(cmd, check=True, cwd=env["DAP_APP"],
                   env={**os.environ, "PYTHONPATH": env["DAP_APP"]})
    old = site.with_name(site.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if site.exists():
        site.rename(old)
    staging.rename(site)
    shutil.rmtree(old, ignore_errors=True)


def main(argv: list[str]) -> int:
    import boto3  # only on the host (or a test's moto endpoint)

    env = os.environ
    missing = [k for k in ("DAP_REGION", "DAP_CURATE_JOB", "DAP_BUILD_ARGS", "DAP_STATE", "DAP_APP")
               if not env.get(k)]
    if missing:
        print(f"refresh: missing settings: {', '.join(missing)}", file=sys.stderr)
        return 2
    state = Path(env["DAP_STATE"])
    site, stamp = state / "site", state / STAMP
    glue = boto3.client("glue", region_name=env["DAP_REGION"])
    try:
        run = latest_curate_run(glue, env["DAP_CURATE_JOB"])
    except Exception as e:  # noqa: BLE001 (one readable line for the journal)
        print(f"refresh: cannot read the runs of {env['DAP_CURATE_JOB']}: {e}", file=sys.stderr)
        return 1
    seen = stamp.read_text().strip() if stamp.exists() else None
    have_report = (site / "index.html").exists()
    if "--force" not in argv and have_report and (run or "") == seen:
        print(f"refresh: up to date (curate run {run or 'none yet'})", file=sys.stderr)
        return 0
    try:
        build(env, site)
    except subprocess.CalledProcessError as e:
        print(f"refresh: the report build failed (exit {e.returncode}); the last report stays up",
              file=sys.stderr)
        return 1
    stamp.write_text((run or "") + "\n")
    print(f"refresh: report rebuilt for curate run {run or 'none yet'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
