"""The insights report: runs the platform's Athena named queries (on Athena, or in DuckDB over the
curated Parquet) and writes one self-contained HTML page of charts and tables.

    python3 -m report build --curated DIR --output DIR [...]       (local, DuckDB)
    python3 -m report build --athena --workgroup WG --output DIR [...]  (AWS, boto3)

Only the standard library is imported at the top of every module: `duckdb` is imported by the
local source and `boto3` by the Athena source, each when used. The code runs on Python 3.9 (the
reporting host's Amazon Linux 2023) and later.
"""
from __future__ import annotations

__version__ = "1.0.0"

# Every file of the package, flat: the planner ships each one to the reporting host (a test checks
# that this list is exactly the package's files).
MODULES = ("__init__.py", "__main__.py", "queries.py", "sources.py", "charts.py", "page.py")


class ReportError(Exception):
    """A problem the builder reports in one line (exit code 2): a missing input, a missing table,
    a failed query. Anything else is a bug and keeps its traceback."""
