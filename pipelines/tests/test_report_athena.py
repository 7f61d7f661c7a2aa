"""The report builder's Athena source, on scripted AWS answers (botocore's Stubber; nothing leaves
the machine): named queries found by name across pages, queries started in the workgroup and polled
with backoff, results read across pages and typed by their column metadata, the latest quality
summary read from S3, and every failure reported in one line."""
from __future__ import annotations

import datetime as dt
import io
import json

import boto3
import pytest
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from report import ReportError
from report.__main__ import main
from report.queries import QUERY_NAMES, fill, parameters, read_sql
from report.sources import AthenaSource, LocalSource, convert
from report import page
from report_helpers import Page, curated

WG, DB = "dap-test-analytics", "dap_test_business_licences"
QUALITY = "s3://dap-test-raw/_quality/business-licences/"
VALUES = parameters([2024, 2025])

# The column types Athena reports for each named query (ResultSetMetadata.ColumnInfo[].Type).
TYPES = {
    "licences_issued_per_month": ["date", "integer", "integer", "bigint"],
    "average_fee_by_business_type": ["varchar", "bigint", "double", "double"],
    "top_local_areas": ["varchar", "bigint", "bigint"],
    "status_breakdown_by_year": ["integer", "varchar", "bigint", "double"],
    "change_by_business_type_year_over_year": ["varchar", "integer", "integer", "bigint", "bigint",
                                               "bigint", "double"],
}


@pytest.fixture
def aws(monkeypatch):
    for k, v in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                 "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    athena = boto3.client("athena", region_name="ca-central-1")
    s3 = boto3.client("s3", region_name="ca-central-1")
    with Stubber(athena) as sa, Stubber(s3) as ss:
        yield athena, s3, sa, ss
        sa.assert_no_pending_responses()
        ss.assert_no_pending_responses()


def text(value) -> dict:
    """A cell as GetQueryResults writes it: text, or no VarCharValue for NULL."""
    if value is None:
        return {}
    if isinstance(value, bool):
        return {"VarCharValue": str(value).lower()}
    if isinstance(value, (dt.date, dt.datetime)):
        return {"VarCharValue": value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()}
    return {"VarCharValue": str(value)}


def result_pages(columns, types, rows, page_size=2) -> list[dict]:
    """GetQueryResults pages: the header row first on the first page, NextToken between pages."""
    data = [{"Data": [{"VarCharValue": c} for c in columns]}] + [{"Data": [text(v) for v in r]} for r in rows]
    chunks = [data[i:i + page_size] for i in range(0, len(data), page_size)] or [[]]
    meta = {"ColumnInfo": [{"Name": c, "Type": t} for c, t in zip(columns, types)]}
    pages = []
    for i, chunk in enumerate(chunks):
        p = {"ResultSet": {"Rows": chunk, "ResultSetMetadata": meta}, "UpdateCount": 0}
        if i < len(chunks) - 1:
            p["NextToken"] = f"page-{i + 1}"
        pages.append(p)
    return pages


def script_named_queries(sa, extra=(), missing=()):
    names = [n for n in QUERY_NAMES if n not in missing] + list(extra)
    ids = [f"id-{i}" for i in range(len(names))]
    sa.add_response("list_named_queries", {"NamedQueryIds": ids[:2], "NextToken": "more"},
                    {"WorkGroup": WG, "MaxResults": 50})
    sa.add_response("list_named_queries", {"NamedQueryIds": ids[2:]},
                    {"WorkGroup": WG, "MaxResults": 50, "NextToken": "more"})
    queries = [{"Name": n, "Database": DB, "WorkGroup": WG, "NamedQueryId": i,
                "QueryString": fill(read_sql(n), VALUES, n) if n in QUERY_NAMES else "SELECT 1"}
               for n, i in zip(names, ids)]
    sa.add_response("batch_get_named_query", {"NamedQueries": queries, "UnprocessedNamedQueryIds": []},
                    {"NamedQueryIds": ids})
    return {q["Name"]: q for q in queries}


def script_run(sa, named, answers: dict, states=("QUEUED", "RUNNING", "SUCCEEDED"), page_size=2):
    for n in QUERY_NAMES:
        sa.add_response("start_query_execution", {"QueryExecutionId": f"q-{n}"},
                        {"QueryString": named[n]["QueryString"], "WorkGroup": WG,
                         "QueryExecutionContext": {"Database": DB}})
    for n in QUERY_NAMES:
        for state in states:
            sa.add_response("get_query_execution",
                            {"QueryExecution": {"QueryExecutionId": f"q-{n}", "Status": {"State": state}}},
                            {"QueryExecutionId": f"q-{n}"})
        columns, rows = answers[n]
        for i, p in enumerate(result_pages(columns, TYPES[n], rows, page_size)):
            params = {"QueryExecutionId": f"q-{n}", "MaxResults": 1000}
            if i:
                params["NextToken"] = f"page-{i}"
            sa.add_response("get_query_results", p, params)


def local_answers(tmp_path):
    source = LocalSource(curated(tmp_path), years=[2024, 2025], years_origin="test")
    return source, {a.name: a for a in source.answers()}


# --------------------------------------------------------------------------- the happy path

def test_athena_answers_equal_duckdbs_typed_and_paginated(aws, tmp_path):
    athena, s3, sa, _ = aws
    source, local = local_answers(tmp_path)
    named = script_named_queries(sa, extra=["someone_elses_query"])
    script_run(sa, named, {n: (a.result.columns, a.result.rows) for n, a in local.items()})
    slept = []
    remote = {a.name: a for a in AthenaSource(WG, DB, athena=athena, s3=s3, sleep=slept.append).answers()}
    for n in QUERY_NAMES:
        assert remote[n].result.columns == local[n].result.columns, n
        assert remote[n].result.rows == local[n].result.rows, n
        for r, l in zip(remote[n].result.rows, local[n].result.rows):
            assert [type(v) for v in r] == [type(v) for v in l], n  # typed, not text
        assert remote[n].sql == local[n].sql  # the planner's filled SQL is the local filled SQL
    assert slept == [0.25, 0.5] * len(QUERY_NAMES)  # QUEUED, RUNNING: backoff doubles
    # Same answers, same page (but for where they came from).
    when = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    a = Page(page.render(remote, generated_at=when))
    b = Page(page.render(local, generated_at=when, years=source.years))
    assert a.tables == b.tables and a.marks == b.marks


def test_conversion_by_column_type():
    assert convert("1814", "bigint") == 1814 and isinstance(convert("7", "integer"), int)
    assert convert("1474.67", "double") == 1474.67 and convert("1.0E7", "double") == 1e7
    assert convert("12.50", "decimal") == 12.5
    assert convert("true", "boolean") is True and convert("false", "boolean") is False
    assert convert("2024-03-01", "date") == dt.date(2024, 3, 1)
    assert convert("2025-10-04 07:08:50.123", "timestamp") == dt.datetime(
        2025, 10, 4, 7, 8, 50, 123000, tzinfo=dt.timezone.utc)
    assert convert("2025-10-04 07:08:50.000 UTC", "timestamp with time zone").hour == 7
    assert convert(None, "bigint") is None
    assert convert("", "varchar") == "" and convert("<b>&", "varchar") == "<b>&"


def test_the_quality_report_is_the_latest_clean_json_under_the_prefix(aws):
    athena, s3, _, ss = aws
    prefix = "_quality/business-licences/"
    ss.add_response("list_objects_v2", {"IsTruncated": True, "NextContinuationToken": "c1", "Contents": [
        {"Key": prefix + "clean-20250101T000000000000Z.json"},
        {"Key": prefix + "old/clean-20991231T000000000000Z.json"},  # not directly under the prefix
        {"Key": prefix + "notes.txt"}]}, {"Bucket": "dap-test-raw", "Prefix": prefix})
    ss.add_response("list_objects_v2", {"IsTruncated": False, "Contents": [
        {"Key": prefix + "clean-20250301T000000000000Z.json"},
        {"Key": prefix + "clean-20250201T000000000000Z.json"}]},
        {"Bucket": "dap-test-raw", "Prefix": prefix, "ContinuationToken": "c1"})
    body = json.dumps({"rows_read": 3, "rows_kept": 2, "rows_rejected": 1}).encode()
    ss.add_response("get_object", {"Body": StreamingBody(io.BytesIO(body), len(body))},
                    {"Bucket": "dap-test-raw", "Key": prefix + "clean-20250301T000000000000Z.json"})
    quality, origin = AthenaSource(WG, athena=athena, s3=s3, quality_uri=QUALITY.rstrip("/")).quality()
    assert quality["rows_read"] == 3
    assert origin == f"{QUALITY}clean-20250301T000000000000Z.json"


def test_no_quality_report_yet_is_a_note(aws):
    athena, s3, _, ss = aws
    ss.add_response("list_objects_v2", {"IsTruncated": False, "KeyCount": 0},
                    {"Bucket": "dap-test-raw", "Prefix": "_quality/business-licences/"})
    quality, origin = AthenaSource(WG, athena=athena, s3=s3, quality_uri=QUALITY).quality()
    assert quality is None and origin == f"no clean-*.json under {QUALITY}"


# --------------------------------------------------------------------------- failures: one line

def test_a_failed_query_is_one_line(aws, tmp_path):
    athena, s3, sa, _ = aws
    named = script_named_queries(sa)
    for n in QUERY_NAMES:
        sa.add_response("start_query_execution", {"QueryExecutionId": f"q-{n}"},
                        {"QueryString": ANY, "WorkGroup": WG, "QueryExecutionContext": ANY})
    sa.add_response("get_query_execution", {"QueryExecution": {"QueryExecutionId": "q-x", "Status": {
        "State": "FAILED",
        "StateChangeReason": "TABLE_NOT_FOUND: line 5:6: Table 'awsdatacatalog.db.licences_by_month'\n"
                             "   does not exist"}}}, {"QueryExecutionId": f"q-{QUERY_NAMES[0]}"})
    with pytest.raises(ReportError) as e:
        AthenaSource(WG, athena=athena, s3=s3, sleep=lambda s: None).answers()
    assert str(e.value) == (f"athena: query {QUERY_NAMES[0]} (q-{QUERY_NAMES[0]}) FAILED: TABLE_NOT_FOUND: "
                            "line 5:6: Table 'awsdatacatalog.db.licences_by_month' does not exist")
    assert named  # the named queries were read first


def test_a_query_that_runs_too_long_is_stopped(aws):
    athena, s3, sa, _ = aws
    script_named_queries(sa)
    for n in QUERY_NAMES:
        sa.add_response("start_query_execution", {"QueryExecutionId": f"q-{n}"},
                        {"QueryString": ANY, "WorkGroup": WG, "QueryExecutionContext": ANY})
    first = f"q-{QUERY_NAMES[0]}"
    for _ in range(4):
        sa.add_response("get_query_execution", {"QueryExecution": {"Status": {"State": "RUNNING"}}},
                        {"QueryExecutionId": first})
    sa.add_response("stop_query_execution", {}, {"QueryExecutionId": first})
    now = [0.0]

    def sleep(s):
        now[0] += s

    source = AthenaSource(WG, athena=athena, s3=s3, timeout=2, sleep=sleep, clock=lambda: now[0])
    with pytest.raises(ReportError, match=rf"query {QUERY_NAMES[0]} \({first}\) still RUNNING after 2 s"):
        source.answers()


def test_a_missing_named_query_is_named(aws):
    athena, s3, sa, _ = aws
    script_named_queries(sa, missing=["top_local_areas", "status_breakdown_by_year"])
    with pytest.raises(ReportError, match=f"workgroup {WG} has no named queries top_local_areas, "
                                          r"status_breakdown_by_year \(found 3; is this the environment's"):
        AthenaSource(WG, athena=athena, s3=s3).answers()


def test_named_queries_athena_could_not_read_are_said(aws):
    athena, s3, sa, _ = aws
    ids = [f"id-{i}" for i in range(len(QUERY_NAMES))]
    sa.add_response("list_named_queries", {"NamedQueryIds": ids}, {"WorkGroup": WG, "MaxResults": 50})
    sa.add_response("batch_get_named_query", {"NamedQueries": [
        {"Name": n, "Database": DB, "QueryString": "SELECT 1", "NamedQueryId": i}
        for n, i in zip(QUERY_NAMES[1:], ids[1:])], "UnprocessedNamedQueryIds": [
        {"NamedQueryId": ids[0], "ErrorCode": "INTERNAL_ERROR", "ErrorMessage": "try\nagain"}]},
        {"NamedQueryIds": ids})
    with pytest.raises(ReportError, match=rf"no named query {QUERY_NAMES[0]} \(found 4; 1 could not be "
                                          r"read: INTERNAL_ERROR try again\)"):
        AthenaSource(WG, athena=athena, s3=s3).answers()


def test_an_unfilled_parameter_is_refused(aws):
    athena, s3, sa, _ = aws
    ids = [f"id-{i}" for i in range(len(QUERY_NAMES))]
    sa.add_response("list_named_queries", {"NamedQueryIds": ids}, {"WorkGroup": WG, "MaxResults": 50})
    sa.add_response("batch_get_named_query", {"NamedQueries": [
        {"Name": n, "Database": DB, "QueryString": read_sql(n), "NamedQueryId": i}
        for n, i in zip(QUERY_NAMES, ids)], "UnprocessedNamedQueryIds": []}, {"NamedQueryIds": ids})
    for n in QUERY_NAMES[:4]:  # the first four have no parameter
        sa.add_response("start_query_execution", {"QueryExecutionId": f"q-{n}"},
                        {"QueryString": ANY, "WorkGroup": WG, "QueryExecutionContext": ANY})
    with pytest.raises(ReportError, match="change_by_business_type_year_over_year still has"):
        AthenaSource(WG, athena=athena, s3=s3).answers()


def test_access_denied_is_one_line(aws):
    athena, s3, sa, _ = aws
    sa.add_client_error("list_named_queries", "AccessDeniedException",
                        "User: arn:aws:sts::1:assumed-role/r/i is not authorized\nto perform athena:ListNamedQueries")
    with pytest.raises(ReportError) as e:
        AthenaSource(WG, athena=athena, s3=s3).answers()
    assert str(e.value) == ("athena list_named_queries: AccessDeniedException: User: "
                            "arn:aws:sts::1:assumed-role/r/i is not authorized to perform athena:ListNamedQueries")


# --------------------------------------------------------------------------- the command line

@pytest.fixture
def cli_clients(aws, monkeypatch):
    athena, s3, sa, ss = aws
    monkeypatch.setattr(boto3.session.Session, "client",
                        lambda self, name, **kw: {"athena": athena, "s3": s3}[name])
    monkeypatch.setattr("time.sleep", lambda s: None)
    return aws


def test_the_command_line_builds_from_athena(cli_clients, tmp_path, capsys):
    athena, s3, sa, ss = cli_clients
    _, local = local_answers(tmp_path)
    named = script_named_queries(sa)
    script_run(sa, named, {n: (a.result.columns, a.result.rows) for n, a in local.items()}, page_size=50)
    ss.add_response("list_objects_v2", {"IsTruncated": False, "KeyCount": 0}, {"Bucket": "dap-test-raw", "Prefix": ANY})
    code = main(["build", "--athena", "--workgroup", WG, "--database", DB, "--region", "ca-central-1",
                 "--quality-uri", QUALITY, "--output", str(tmp_path / "out")])
    assert code == 0, capsys.readouterr().err
    p = Page((tmp_path / "out" / "index.html").read_text())
    assert p.facts["Source"] == f"Athena workgroup {WG}"
    assert p.facts["Latest extract date"].startswith("not read")
    assert p.facts["Years compared"].startswith("2025 with 2024: the environment file's dataset years")
    assert len(p.marks["top_local_areas"]) == len(local["top_local_areas"].result.rows)


def test_the_command_line_reports_a_failed_query_in_one_line(cli_clients, tmp_path, capsys):
    athena, s3, sa, ss = cli_clients
    script_named_queries(sa)
    for n in QUERY_NAMES:
        sa.add_response("start_query_execution", {"QueryExecutionId": f"q-{n}"},
                        {"QueryString": ANY, "WorkGroup": WG, "QueryExecutionContext": ANY})
    sa.add_response("get_query_execution", {"QueryExecution": {"Status": {
        "State": "FAILED", "AthenaError": {"ErrorMessage": "Insufficient permissions to execute\nthe query"}}}},
        {"QueryExecutionId": f"q-{QUERY_NAMES[0]}"})
    code = main(["build", "--athena", "--workgroup", WG, "--output", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err == (f"report: athena: query {QUERY_NAMES[0]} (q-{QUERY_NAMES[0]}) FAILED: Insufficient "
                   "permissions to execute the query\n")
    assert not (tmp_path / "out" / "index.html").exists()
