"""Where the answers come from: the same named queries run by DuckDB over the curated Parquet on
this machine ([`LocalSource`]) or by Athena in the environment's workgroup ([`AthenaSource`]), and
the clean job's data-quality summary (`clean-<UTC timestamp>.json`, the latest one).

Both sources return [`Result`]s holding Python values (int, float, str, bool, date, datetime,
None), so the page does not know which one ran. `duckdb` and `boto3` are imported only by the
source that uses them.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import time
from decimal import Decimal
from pathlib import Path

from . import ReportError
from .queries import DATASET, QUERY_NAMES, fill, has_parameters, parameters, read_sql

# The curated tables the queries read (pipelines/schema/business_licences.json, zone "curated"; a
# test checks the two agree) and the raw table, read only for the data's freshness.
CURATED_TABLES = ("licences_by_month", "fees_by_business_type", "licences_by_local_area",
                  "status_by_year", "business_types_by_year")
RAW_TABLE = "licences"

# The freshness of the data, from the raw table when it is at hand (local runs with --raw).
FRESHNESS_SQL = """SELECT
    MAX(extract_date) AS latest_extract_date,
    MAX(issued_local_date) AS latest_issued_date,
    COUNT(*) AS licences
FROM licences"""

# The years compared by the year-over-year query, when no --years or --environment names them.
DATA_YEARS_SQL = "SELECT DISTINCT folder_year FROM business_types_by_year ORDER BY folder_year"

QUALITY_NAME = re.compile(r"clean-[^/]*\.json")


class Result:
    """A query's answer: column names and rows of Python values."""

    def __init__(self, columns, rows):
        self.columns = list(columns)
        self.rows = [tuple(r) for r in rows]

    def records(self) -> list[dict]:
        return [dict(zip(self.columns, r)) for r in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"Result({self.columns}, {len(self.rows)} rows)"


class Answer:
    """One named query: its name, the SQL that ran (parameters filled) and its result."""

    def __init__(self, name: str, sql: str, result: Result):
        self.name, self.sql, self.result = name, sql, result


def _plain(value):
    """DuckDB's values as the page expects them: decimals as float."""
    return float(value) if isinstance(value, Decimal) else value


# --------------------------------------------------------------------------- quality summary

def read_quality_file(path: Path) -> tuple[dict, str]:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8")), str(path)
    except OSError as e:
        raise ReportError(f"cannot read the quality report {path}: {e.strerror or e}") from None
    except ValueError as e:
        raise ReportError(f"the quality report {path} is not JSON: {e}") from None


def local_quality(path: Path | None) -> tuple[dict | None, str]:
    """The quality summary from a `clean-*.json` file, or the latest one in a folder. Returns
    (summary or None, where it came from or why there is none)."""
    if path is None:
        return None, "no quality report given (--quality, or --raw with its _quality/ folder)"
    path = Path(path)
    if path.is_file():
        return read_quality_file(path)
    if not path.is_dir():
        raise ReportError(f"--quality {path}: no such file or folder")
    reports = sorted(p for p in path.iterdir() if QUALITY_NAME.fullmatch(p.name))
    if not reports:
        return None, f"no clean-*.json in {path}"
    # The file names carry the run's UTC timestamp (clean-YYYYMMDDTHHMMSSffffffZ.json): the
    # greatest name is the latest run.
    return read_quality_file(reports[-1])


# --------------------------------------------------------------------------- local: DuckDB

class LocalSource:
    """The curate job's output folder (and optionally the clean job's), queried by DuckDB through
    views named like the Glue tables, from the SQL files."""

    kind = "local"

    def __init__(self, curated: Path, raw: Path | None = None, quality: Path | None = None,
                 queries_dir: Path | None = None, years=None, years_origin: str = ""):
        self.curated = Path(curated)
        self.raw = Path(raw) if raw is not None else None
        self.queries_dir = queries_dir
        if not self.curated.is_dir():
            raise ReportError(f"--curated {curated}: no such folder (the curate job's output, "
                              "e.g. out/curated)")
        if self.raw is not None and not self.raw.is_dir():
            raise ReportError(f"--raw {raw}: no such folder (the clean job's output, e.g. out/raw)")
        if quality is None and self.raw is not None and (self.raw / "_quality").is_dir():
            quality = self.raw / "_quality"
        self.quality_path = quality
        self.label = f"DuckDB over {self.curated}" + (f" and {self.raw}" if self.raw else "")
        self.con = self._connect()
        if years is None:
            years = [r[0] for r in self.con.execute(DATA_YEARS_SQL).fetchall()]
            if not years:
                raise ReportError(f"business_types_by_year under {self.curated} has no rows to take "
                                  "the years from: pass --years (e.g. --years 2023,2024)")
            years_origin = "the two latest folder years in the data (no --years or --environment given)"
        self.years = sorted({int(y) for y in years})
        self.values = parameters(self.years)
        self.years_origin = years_origin

    def _table_glob(self, base: Path, table: str) -> str:
        folder = base / DATASET / table
        if not folder.is_dir() or not any(folder.rglob("*.parquet")):
            raise ReportError(f"no table `{table}` in {folder} (no Parquet files there: is "
                              f"{base} the {'curate' if base == self.curated else 'clean'} job's output folder?)")
        return str(folder / "**" / "*.parquet").replace("'", "''")

    def _connect(self):
        import duckdb  # local runs only

        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        tables = [(self.curated, t) for t in CURATED_TABLES]
        if self.raw is not None:
            tables.append((self.raw, RAW_TABLE))
        for base, table in tables:
            # the raw table's partition key as the Glue table types it (DuckDB infers BIGINT)
            cast = " REPLACE (CAST(year AS INTEGER) AS year)" if table == RAW_TABLE else ""
            con.execute(f"CREATE VIEW {table} AS SELECT *{cast} FROM read_parquet("
                        f"'{self._table_glob(base, table)}', hive_partitioning = true)")
        return con

    def _run(self, sql: str, name: str) -> Result:
        import duckdb

        try:
            cur = self.con.execute(sql)
            rows = cur.fetchall()
        except duckdb.Error as e:
            raise ReportError(f"query {name} failed in DuckDB: {' '.join(str(e).split())}") from None
        return Result([d[0] for d in cur.description], [[_plain(v) for v in r] for r in rows])

    def answers(self) -> list[Answer]:
        out = []
        for name in QUERY_NAMES:
            sql = fill(read_sql(name, self.queries_dir), self.values, name)
            out.append(Answer(name, sql, self._run(sql, name)))
        return out

    def freshness(self) -> Answer | None:
        if self.raw is None:
            return None
        return Answer("freshness", FRESHNESS_SQL, self._run(FRESHNESS_SQL, "freshness"))

    def quality(self) -> tuple[dict | None, str]:
        return local_quality(self.quality_path)


# --------------------------------------------------------------------------- AWS: Athena

def convert(value: str | None, athena_type: str):
    """One cell of GetQueryResults (always text, or absent for NULL) as a Python value, by the
    column type in ResultSetMetadata."""
    if value is None:
        return None
    t = athena_type.lower()
    if t in ("tinyint", "smallint", "integer", "int", "bigint"):
        return int(value)
    if t in ("double", "float", "real", "decimal"):
        return float(value)
    if t == "boolean":
        return value.lower() == "true"
    if t == "date":
        return dt.date.fromisoformat(value)
    if t.startswith("timestamp"):
        return parse_timestamp(value)
    return value


def parse_timestamp(text: str) -> dt.datetime:
    """Athena's `2025-10-04 07:08:50.123` (UTC when the column has no zone) or
    `2025-10-04 07:08:50.123 UTC`."""
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?\s*(UTC|Z)?", text.strip())
    if not m:
        raise ReportError(f"athena: cannot read the timestamp `{text}`")
    micro = int(((m.group(3) or ".0")[1:] + "000000")[:6])
    stamp = dt.datetime.strptime(f"{m.group(1)} {m.group(2)}", "%Y-%m-%d %H:%M:%S")
    return stamp.replace(microsecond=micro, tzinfo=dt.timezone.utc)


def one_line(text) -> str:
    return " ".join(str(text).split())


class AthenaSource:
    """The named queries deployed in the environment's workgroup, run by Athena (results go where
    the workgroup says), and the latest quality summary under an S3 prefix."""

    kind = "athena"
    TERMINAL = ("SUCCEEDED", "FAILED", "CANCELLED")

    def __init__(self, workgroup: str, database: str | None = None, region: str | None = None,
                 quality_uri: str | None = None, timeout: float = 600.0,
                 athena=None, s3=None, sleep=time.sleep, clock=time.monotonic):
        self.workgroup, self.database, self.quality_uri = workgroup, database, quality_uri
        self.timeout, self.sleep, self.clock = timeout, sleep, clock
        if athena is None or (quality_uri and s3 is None):
            import boto3  # the reporting host has boto3; local runs never get here

            try:
                session = boto3.session.Session(region_name=region)
                athena = athena or session.client("athena")
                s3 = s3 or (session.client("s3") if quality_uri else None)
            except Exception as e:  # NoRegionError and friends: one line
                raise ReportError(f"athena: {one_line(e)} (pass --region)") from None
        self.athena, self.s3 = athena, s3
        self.label = f"Athena workgroup {workgroup}"
        self.years = None
        self.years_origin = ("the environment file's dataset years, filled in by dap when it "
                             "deployed the named queries")

    def _call(self, client, operation: str, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(client, operation)(**kwargs)
        except ClientError as e:
            err = e.response.get("Error", {})
            raise ReportError(f"{client.meta.service_model.service_name} {operation}: "
                              f"{err.get('Code', 'error')}: {one_line(err.get('Message', e))}") from None
        except BotoCoreError as e:
            raise ReportError(f"{client.meta.service_model.service_name} {operation}: {one_line(e)}") from None

    def named_queries(self) -> dict[str, dict]:
        """The workgroup's named queries by name (ListNamedQueries, then BatchGetNamedQuery by 50)."""
        ids, token = [], None
        while True:
            kwargs = {"WorkGroup": self.workgroup, "MaxResults": 50}
            if token:
                kwargs["NextToken"] = token
            page = self._call(self.athena, "list_named_queries", **kwargs)
            ids.extend(page.get("NamedQueryIds", []))
            token = page.get("NextToken")
            if not token:
                break
        found: dict[str, dict] = {}
        self.unreadable = []
        for i in range(0, len(ids), 50):
            batch = self._call(self.athena, "batch_get_named_query", NamedQueryIds=ids[i:i + 50])
            self.unreadable += batch.get("UnprocessedNamedQueryIds", [])
            for q in batch.get("NamedQueries", []):
                if q["Name"] in found and q["Name"] in QUERY_NAMES:
                    raise ReportError(f"athena: workgroup {self.workgroup} has two named queries "
                                      f"called {q['Name']}; remove the one dap did not deploy")
                found[q["Name"]] = q
        return found

    def answers(self) -> list[Answer]:
        named = self.named_queries()
        missing = [n for n in QUERY_NAMES if n not in named]
        if missing:
            why = "is this the environment's workgroup, and deployed?"
            if self.unreadable:
                u = self.unreadable[0]
                why = (f"{len(self.unreadable)} could not be read: {u.get('ErrorCode', '')} "
                       f"{one_line(u.get('ErrorMessage', ''))}".rstrip())
            raise ReportError(f"athena: workgroup {self.workgroup} has no named quer"
                              f"{'y' if len(missing) == 1 else 'ies'} {', '.join(missing)} "
                              f"(found {len(named)}; {why})")
        started = []
        for name in QUERY_NAMES:
            q = named[name]
            sql = q["QueryString"]
            if has_parameters(sql):
                raise ReportError(f"athena: the named query {name} still has a `{{{{parameter}}}}`; "
                                  "deploy it with dap, which fills them")
            database = self.database or q.get("Database")
            kwargs = {"QueryString": sql, "WorkGroup": self.workgroup}
            if database:
                kwargs["QueryExecutionContext"] = {"Database": database}
            qid = self._call(self.athena, "start_query_execution", **kwargs)["QueryExecutionId"]
            started.append((name, sql, qid))
        return [Answer(name, sql, self._result(name, qid)) for name, sql, qid in started]

    def _wait(self, name: str, qid: str) -> None:
        delay, deadline = 0.25, self.clock() + self.timeout
        while True:
            execution = self._call(self.athena, "get_query_execution",
                                   QueryExecutionId=qid)["QueryExecution"]
            status = execution.get("Status", {})
            state = status.get("State")
            if state == "SUCCEEDED":
                return
            if state in ("FAILED", "CANCELLED"):
                reason = (status.get("StateChangeReason")
                          or status.get("AthenaError", {}).get("ErrorMessage") or "no reason given")
                raise ReportError(f"athena: query {name} ({qid}) {state}: {one_line(reason)}")
            if self.clock() + delay > deadline:
                try:  # best effort: do not leave it running
                    self.athena.stop_query_execution(QueryExecutionId=qid)
                except Exception:  # noqa: BLE001
                    pass
                raise ReportError(f"athena: query {name} ({qid}) still {state} after "
                                  f"{self.timeout:g} s (--timeout)")
            self.sleep(delay)
            delay = min(delay * 2, 5.0)

    def _result(self, name: str, qid: str) -> Result:
        self._wait(name, qid)
        columns, types, rows, token, first = [], [], [], None, True
        while True:
            kwargs = {"QueryExecutionId": qid, "MaxResults": 1000}
            if token:
                kwargs["NextToken"] = token
            page = self._call(self.athena, "get_query_results", **kwargs)
            result_set = page["ResultSet"]
            if first:
                info = result_set["ResultSetMetadata"]["ColumnInfo"]
                columns = [c["Name"] for c in info]
                types = [c["Type"] for c in info]
            data = result_set.get("Rows", [])
            if first and data:
                data = data[1:]  # the first row of a SELECT's first page is the header
            for row in data:
                cells = [d.get("VarCharValue") for d in row.get("Data", [])]
                rows.append([convert(v, t) for v, t in zip(cells, types)])
            first = False
            token = page.get("NextToken")
            if not token:
                return Result(columns, rows)

    def freshness(self) -> Answer | None:
        return None  # the raw table is not the reporting host's to read

    def quality(self) -> tuple[dict | None, str]:
        if not self.quality_uri:
            return None, "no quality report location given (--quality-uri)"
        m = re.fullmatch(r"s3://([^/]+)/?(.*)", self.quality_uri)
        if not m:
            raise ReportError(f"--quality-uri {self.quality_uri}: not an s3://bucket/prefix/ URI")
        bucket, prefix = m.group(1), m.group(2)
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        keys, token = [], None
        while True:
            kwargs = {"Bucket": bucket, "Prefix": prefix}
            if token:
                kwargs["ContinuationToken"] = token
            page = self._call(self.s3, "list_objects_v2", **kwargs)
            keys += [o["Key"] for o in page.get("Contents", [])
                     if QUALITY_NAME.fullmatch(o["Key"][len(prefix):])]
            token = page.get("NextContinuationToken") if page.get("IsTruncated") else None
            if not token:
                break
        if not keys:
            return None, f"no clean-*.json under s3://{bucket}/{prefix}"
        key = max(keys)
        body = self._call(self.s3, "get_object", Bucket=bucket, Key=key)["Body"].read()
        uri = f"s3://{bucket}/{key}"
        try:
            return json.loads(body), uri
        except ValueError as e:
            raise ReportError(f"the quality report {uri} is not JSON: {e}") from None
