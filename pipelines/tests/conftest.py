"""Shared fixtures: one local SparkSession per test session, and one run of each job per input set."""
from __future__ import annotations

import glob
import json
import os
import shutil
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
PIPELINES = ROOT / "pipelines"
FIXTURES = PIPELINES / "tests" / "fixtures"
EXTRACTS = FIXTURES / "extracts"
CURRENT_EXTRACT = EXTRACTS / "business-licences-2024-2025-restaurants-issued.csv"
LEGACY_EXTRACT = EXTRACTS / "business-licences-1997-2012-sample.csv"
PROBLEMS = FIXTURES / "problems"
SCHEMA_FILE = PIPELINES / "schema" / "business_licences.json"
ATHENA = PIPELINES / "athena"
DATASET = "business-licences"

sys.path.insert(0, str(PIPELINES / "glue"))  # the jobs, and dataquality.py next to them
sys.path.insert(0, str(PIPELINES))  # the report builder: `import report`

# Java 17 is on PATH; PySpark wants JAVA_HOME on some setups.
if not os.environ.get("JAVA_HOME") and shutil.which("java"):
    os.environ["JAVA_HOME"] = str(Path(os.path.realpath(shutil.which("java"))).parents[1])
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

import clean  # noqa: E402
import curate  # noqa: E402


@pytest.fixture(scope="session")
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text())


@pytest.fixture(scope="session")
def tables(schema) -> dict:
    return {t["name"]: t for t in schema["tables"]}


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("dap-pipeline-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.default.parallelism", "2")
               .config("spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
               .config("spark.driver.memory", "2g")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def table_sql(base: Path, table: str) -> str:
    """A table written by a job as DuckDB reads it: Hive partitions, and the raw table's `year` as
    INTEGER, the Glue type (DuckDB infers BIGINT from `year=YYYY` folders; an empty raw table has
    `year` as a column of its one file, where `hive_types` would be refused)."""
    src = f"read_parquet('{base}/{DATASET}/{table}/**/*.parquet', hive_partitioning = true)"
    if table == "licences":
        return f"SELECT * REPLACE (CAST(year AS INTEGER) AS year) FROM {src}"
    return f"SELECT * FROM {src}"


def read_table(base: Path, table: str) -> pd.DataFrame:
    """A table written by a job, read back with DuckDB (hive partitions), as pandas."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con.execute(table_sql(base, table)).df()


class Run:
    def __init__(self, raw: Path, report: dict, curated: Path | None = None, summary: dict | None = None):
        self.raw, self.report, self.curated, self.summary = raw, report, curated, summary

    def licences(self) -> pd.DataFrame:
        return read_table(self.raw, "licences")

    def duckdb(self) -> duckdb.DuckDBPyConnection:
        """Views named like the curated tables (and the raw one), as Athena's database would have."""
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        for base, names in ((self.raw, ["licences"]), (self.curated, curate.TABLES)):
            for name in names:
                con.execute(f"CREATE VIEW {name} AS {table_sql(base, name)}")
        return con


@pytest.fixture(scope="session")
def full_run(spark, tmp_path_factory) -> Run:
    """clean + curate over the folder holding both real extracts (current and legacy layouts)."""
    out = tmp_path_factory.mktemp("full")
    report = clean.main(["clean.py", "--source", str(EXTRACTS), "--target", str(out / "raw"),
                         "--quality_report", str(out / "quality")])
    summary = curate.main(["curate.py", "--source", str(out / "raw"), "--target", str(out / "curated"),
                           "--quality_report", str(out / "curated" / "_quality")])
    return Run(out / "raw", report, out / "curated", summary)


@pytest.fixture(scope="session")
def full_licences(full_run) -> pd.DataFrame:
    return full_run.licences()


@pytest.fixture(scope="session")
def problems_run(spark, tmp_path_factory) -> Run:
    """clean over the hand-picked problem rows: two files given as files, one via its folder."""
    out = tmp_path_factory.mktemp("problems")
    report = clean.main(["clean.py",
                         "--source", f"{PROBLEMS / 'current-layout-real.csv'},{PROBLEMS / 'legacy-layout-real.csv'}",
                         "--source", str(PROBLEMS),
                         "--target", str(out / "raw"), "--quality_report", str(out / "quality")])
    return Run(out / "raw", report)


@pytest.fixture(scope="session")
def problem_rows(problems_run) -> dict:
    """Kept rows by licence number, as dicts."""
    df = problems_run.licences()
    assert df.licence_number.is_unique
    return {r["licence_number"]: r for r in df.to_dict("records")}


def quality_files(base: Path) -> list[str]:
    return sorted(glob.glob(str(base / "clean-*.json")))
