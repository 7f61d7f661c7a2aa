"""Benchmark the clean job under local Spark: rows read per second. Prints figures, asserts nothing.

    python pipelines/tools/bench.py [--runs N] [--scale K]

Runs clean.run() (read + clean + dedupe + the data-quality rules + write Parquet + quality summary) on the bundled sample
(both real extracts), then on the sample's files copied K times (same rows again: the job reads and
deduplicates them all). Session start-up and one warm-up run are excluded from the timings; each
line also shows the Spark jobs per run and the median time of the phases (inputs: listing and checking
the files' encoding and header; plan: building the read/clean/dedupe DataFrame; summary: the one
aggregation, which runs the read, cleaning, both dedupe shuffles and fills the cache; write: the rest,
mostly the Parquet write), and the load average before and after, as the machine may be shared.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "pipelines" / "glue"))
import clean  # noqa: E402
import dataquality as dq  # noqa: E402

SAMPLE = ROOT / "pipelines" / "tests" / "fixtures" / "extracts"


PHASES = {"inputs": ["list_input_files", "inspect_input"], "plan": ["read_landing", "clean_columns", "deduplicate"],
          "summary": ["quality_summary"]}
_spent: dict[str, float] = {}


def _timed(phase: str, fn):
    def timed(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _spent[phase] = _spent.get(phase, 0.0) + time.perf_counter() - t0
    return timed


for _phase, _names in PHASES.items():
    for _name in _names:
        setattr(clean, _name, _timed(_phase, getattr(clean, _name)))


def bench(spark, source: Path, runs: int, work: Path, label: str) -> None:
    times, jobs, phases, report = [], [], {p: [] for p in [*PHASES, "write"]}, None
    load = os.getloadavg()[0]
    for i in range(runs):
        target = work / f"out-{label}-{i}"
        group = f"bench-{label}-{i}"
        spark.sparkContext.setJobGroup(group, group)
        _spent.clear()
        t0 = time.perf_counter()
        # As the job runs: the data-quality rules of pipelines/quality/ evaluated on the kept rows.
        rules = dq.LocalRules(spark, dq.DEFAULT_RULES_DIR, None, [clean.TABLE]).check
        report = clean.run(spark, [str(source)], str(target), str(target / "_quality"), quality=rules)
        times.append(time.perf_counter() - t0)
        jobs.append(len(spark.sparkContext.statusTracker().getJobIdsForGroup(group)))
        for p in PHASES:
            phases[p].append(_spent.get(p, 0.0))
        phases["write"].append(times[-1] - sum(_spent.values()))
        shutil.rmtree(target, ignore_errors=True)
    spark.sparkContext.setJobGroup("bench", "bench")
    rows = report["rows_read"]
    med = statistics.median(times)
    print(f"{label:<14} rows_read={rows:>8,}  rows_kept={report['rows_kept']:>6,}  runs={runs}  "
          f"median={med:6.2f}s  min={min(times):6.2f}s  rows/s={rows / med:>10,.0f}")
    print(f"{'':<14} Spark jobs/run={statistics.median(jobs):g}  phases (median s): "
          + "  ".join(f"{p}={statistics.median(v):.2f}" for p, v in phases.items())
          + f"  load average {load:.2f} -> {os.getloadavg()[0]:.2f}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--scale", type=int, default=10)
    a = p.parse_args()
    spark = clean.local_spark("dap-clean-bench")
    print(f"Spark {spark.version}, master {spark.sparkContext.master}, "
          f"{os.cpu_count()} CPUs, shuffle partitions {spark.conf.get('spark.sql.shuffle.partitions')}")
    with tempfile.TemporaryDirectory(prefix="dap-bench-") as tmp:
        work = Path(tmp)
        clean.run(spark, [str(SAMPLE)], str(work / "warmup"), None)  # JIT / class loading
        bench(spark, SAMPLE, a.runs, work, "sample")
        if a.scale > 1:
            scaled = work / "scaled"
            scaled.mkdir()
            for k in range(a.scale):
                for f in SAMPLE.glob("*.csv"):
                    shutil.copy(f, scaled / f"{f.stem}-{k:03d}.csv")
            bench(spark, scaled, a.runs, work, f"sample x{a.scale}")
    spark.stop()


if __name__ == "__main__":
    main()
