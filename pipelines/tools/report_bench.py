"""Benchmark the insights report's build: wall time of `python -m report build` (a new interpreter
each run, as the reporting host's timer starts it) and, in-process, the queries and the rendering.
Prints figures, asserts nothing.

    python pipelines/tools/report_bench.py [--runs N] [--scale K]

Input: the 3,385-row extract (the current-layout one in pipelines/tests/fixtures/extracts/) through
clean + curate under local Spark (not timed), then the same output with every Parquet file of the
raw and curated tables copied K times (K times the rows for DuckDB to read and sum; the answers
keep their number of rows, the counts grow K times).
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "pipelines" / "glue"))
sys.path.insert(0, str(ROOT / "pipelines"))
EXTRACT = ROOT / "pipelines" / "tests" / "fixtures" / "extracts" / "business-licences-2024-2025-restaurants-issued.csv"


def prepare(work: Path) -> Path:
    """clean + curate the extract into work/base/{raw,curated}."""
    import clean
    import curate

    spark = clean.local_spark("dap-report-bench")
    base = work / "base"
    clean.run(spark, [str(EXTRACT)], str(base / "raw"), str(base / "raw" / "_quality"))
    curate.run(spark, str(base / "raw"), str(base / "curated"))
    spark.stop()
    return base


def scaled(base: Path, work: Path, k: int) -> Path:
    """A copy of base whose every Parquet file is there k times."""
    out = work / f"x{k}"
    shutil.copytree(base, out)
    for f in list(out.rglob("*.parquet")):
        for i in range(1, k):
            shutil.copy(f, f.with_name(f"copy{i:03d}-{f.name}"))
    return out


def rows(base: Path) -> tuple[int, int]:
    import duckdb

    con = duckdb.connect()
    raw = con.execute(f"SELECT COUNT(*) FROM read_parquet('{base}/raw/business-licences/licences/**/*.parquet')").fetchone()[0]
    cur = con.execute(f"SELECT COUNT(*) FROM read_parquet('{base}/curated/business-licences/*/*.parquet', union_by_name = true)").fetchone()[0]
    return raw, cur


def bench(base: Path, runs: int, label: str) -> None:
    args = ["build", "--curated", str(base / "curated"), "--raw", str(base / "raw"),
            "--output", str(base / "report")]
    env = {**os.environ, "PYTHONPATH": str(ROOT / "pipelines")}
    walls = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "report", *args], check=True, env=env, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - t0)

    # In-process: where the time goes once the interpreter is up.
    from report import page, sources

    inner = []
    for _ in range(runs):
        t0 = time.perf_counter()
        src = sources.LocalSource(base / "curated", raw=base / "raw")
        answers = {a.name: a for a in src.answers()}
        fresh = src.freshness()
        quality, origin = src.quality()
        t1 = time.perf_counter()
        html = page.render(answers, quality=quality, quality_origin=origin, freshness=fresh,
                           source_label=src.label, years=src.years, years_origin=src.years_origin)
        t2 = time.perf_counter()
        inner.append((t1 - t0, t2 - t1))
    raw, cur = rows(base)
    q = statistics.median(a for a, _ in inner)
    r = statistics.median(b for _, b in inner)
    print(f"{label:<22} raw rows={raw:>7,}  curated rows={cur:>7,}  runs={runs}  "
          f"build median={statistics.median(walls):5.2f}s min={min(walls):5.2f}s  "
          f"(in-process: queries {q * 1000:5.0f} ms, page {r * 1000:4.0f} ms, {len(html) / 1024:4.0f} KiB)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--scale", type=int, default=10)
    a = p.parse_args()
    import duckdb

    print(f"Python {sys.version.split()[0]}, DuckDB {duckdb.__version__}, {os.cpu_count()} CPUs; "
          f"input {EXTRACT.name} (clean + curate under Spark first, not timed)")
    with tempfile.TemporaryDirectory(prefix="dap-report-bench-") as tmp:
        work = Path(tmp)
        base = prepare(work)
        bench(base, a.runs, "3,385-row extract")
        if a.scale > 1:
            bench(scaled(base, work, a.scale), a.runs, f"x{a.scale} (Parquet copied)")


if __name__ == "__main__":
    main()
