"""Quality rules declared once (pipelines/quality/business-licences/*.dqdl) and evaluated locally by
pipelines/glue/dataquality.py exactly as AWS Glue Data Quality evaluates them.

The agreement test: every rule of every shipped file has at least one case that must pass and one
that must fail, on small DataFrames typed by pipelines/schema/business_licences.json, with the
outcome written from AWS's documented semantics (the `why` of each case). A rule added to a file
without cases fails `test_every_shipped_rule_has_cases`."""
from __future__ import annotations

import datetime as dt
import json
import sys
import types
from decimal import Decimal

import pytest
from pyspark.sql import types as T

from conftest import DATASET, PIPELINES

import dataquality as dq

RULES_DIR = PIPELINES / "quality" / DATASET
FILES = sorted(RULES_DIR.glob("*.dqdl"))
TABLES = ["licences", "licences_by_month", "fees_by_business_type", "licences_by_local_area",
          "status_by_year", "business_types_by_year"]
D = dt.date
ROWCOUNT = "Dataset.*.RowCount"


def shipped(table: str) -> list[dq.Rule]:
    path = RULES_DIR / f"{table}.dqdl"
    return dq.load_rules(path.read_text(encoding="utf-8"), str(path))


# --------------------------------------------------------------------------- typed frames

_TYPES = {"bigint": T.LongType(), "int": T.IntegerType(), "string": T.StringType(),
          "double": T.DoubleType(), "boolean": T.BooleanType(), "date": T.DateType(),
          "timestamp": T.TimestampType()}


def _type(name: str) -> T.DataType:
    if name.startswith("decimal("):
        p, s = name[8:-1].split(",")
        return T.DecimalType(int(p), int(s))
    return _TYPES[name]


@pytest.fixture(scope="session")
def schemas(tables) -> dict[str, T.StructType]:
    return {name: T.StructType([T.StructField(c["name"], _type(c["type"]))
                                for c in t["columns"] + t["partition_keys"]])
            for name, t in tables.items()}


@pytest.fixture(scope="session")
def frame(spark, schemas):
    def make(table: str, rows: list[dict]):
        schema = schemas[table]
        unknown = {k for r in rows for k in r} - set(schema.names)
        assert not unknown, f"{table} has no column {unknown}"
        return spark.createDataFrame([tuple(r.get(n) for n in schema.names) for r in rows], schema)
    return make


def outcome(spark, df, rule: dq.Rule, history=None) -> dict:
    [result] = dq.evaluate(spark, df, [rule], history)
    return result


# --------------------------------------------------------------------------- base rows

def L(n: int = 1, **kw) -> dict:        # raw licences: a valid licence of folder year 2024
    return {"licence_rsn": n, "licence_number": f"24-{n:06d}", "licence_revision_number": "00",
            "folder_year": "24", "status": "Issued", "issued_local_date": D(2024, 3, 1),
            "postal_code": "V5K 0A1", "fee_paid": Decimal("100.00"), "year": 2024, **kw}


def F(**kw) -> dict:
    return {"folder_year": 2024, "business_type": "Restaurant", "licence_count": 3, "fee_count": 2,
            "fee_total": Decimal("300.00"), "fee_min": Decimal("100.00"), "fee_max": Decimal("200.00"), **kw}


def M(**kw) -> dict:
    return {"month_start": D(2024, 3, 1), "issued_year": 2024, "issued_month": 3, "folder_year": 2024,
            "licence_count": 5, **kw}


def A(**kw) -> dict:
    return {"folder_year": 2024, "local_area": "Downtown", "is_city_local_area": True, "licence_count": 4,
            "issued_count": 3, "employee_total": 10.0, **kw}


def S(**kw) -> dict:
    return {"folder_year": 2024, "status": "Issued", "licence_count": 10, **kw}


def B(**kw) -> dict:
    return {"folder_year": 2024, "business_type": "Restaurant", "licence_count": 3, "issued_count": 2, **kw}


BASE = {"licences": [L(1), L(2, postal_code=None, fee_paid=None, issued_local_date=None)],
        "fees_by_business_type": [F(), F(business_type="Cafe", fee_count=0, fee_total=None,
                                           fee_min=None, fee_max=None)],
        "licences_by_month": [M(), M(folder_year=2025)],
        "licences_by_local_area": [A(), A(local_area="Unknown", is_city_local_area=False,
                                          employee_total=None)],
        "status_by_year": [S(), S(status="Pending", licence_count=1)],
        "business_types_by_year": [B(), B(business_type="Cafe", issued_count=0)]}


class Case:
    """A rule's expected outcomes: every frame in `passes` Passed, every one in `fails` Failed."""

    def __init__(self, why: str, passes: list, fails: list, history_fail=None):
        self.why, self.passes, self.fails, self.history_fail = why, passes, fails, history_fail


def common(table: str, row) -> dict[str, Case]:
    return {
        "RowCount > 0": Case(
            "RowCount is the number of rows; > is strict", [[row]], [[]]),
        "RowCount >= avg(last(3)) * 0.5": Case(
            "last(3) with no earlier run is [0.0] (AWS: 'If no data points are available, last(k) "
            "will return the default value 0.0'), so 1 >= 0 passes; after a run of 10 rows, "
            "1 >= avg([10]) * 0.5 = 5 fails", [[row]], [[row]], history_fail=[{ROWCOUNT: 10.0}]),
    }


def primary_key(table, row, cols, other) -> Case:
    dup = [row, dict(row)]
    nulls = [[row, {**other, c: None}] for c in cols]
    return Case(f"IsPrimaryKey: all values of ({', '.join(cols)}) unique and complete (non-null); "
                "a duplicate key or a null in a key column fails", [[row, other]], [dup] + nulls)


CASES: dict[str, dict[str, Case]] = {
    "licences": {
        **common("licences", L(1)),
        'IsComplete "licence_number"': Case(
            "IsComplete: every value non-null", [[L(1), L(2)]], [[L(1), L(2, licence_number=None)]]),
        'IsComplete "status"': Case(
            "IsComplete: every value non-null", [[L(1)]], [[L(1), L(2, status=None)]]),
        'IsPrimaryKey "licence_number"': primary_key("licences", L(1), ["licence_number"], L(2)),
        'ColumnValues "postal_code" matches "^[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] [0-9][ABCEGHJ-NPRSTV-Z][0-9]$" where "postal_code is not null"': Case(
            "ColumnValues fails NULL rows, but the where clause keeps only non-null postal codes, so a "
            "null passes; every kept value must match the whole pattern",
            [[L(1), L(2, postal_code=None)], [L(1, postal_code="T2P 1J9")]],
            [[L(1, postal_code="V5K0A1")], [L(1, postal_code="v5k 0a1")], [L(1, postal_code="D5K 0A1")],
             [L(1, postal_code="V5K 0A1 X")], [L(1), L(2, postal_code="V5K 0A")]]),
        'ColumnValues "fee_paid" >= 0 where "fee_paid is not null"': Case(
            ">= is inclusive; null fees are filtered out by the where clause",
            [[L(1, fee_paid=Decimal("0.00")), L(2, fee_paid=None)]],
            [[L(1), L(2, fee_paid=Decimal("-0.01"))]]),
        'CustomSql "select coalesce(avg(case when issued_local_date between make_date(year - 1, 1, 1) and make_date(year + 1, 12, 31) then 1.0 else 0.0 end), 1.0) from primary where issued_local_date is not null" >= 0.99': Case(
            "CustomSql: the statement's single number against >= 0.99; Spark SQL's between is "
            "inclusive (Jan 1 of year-1 and Dec 31 of year+1 are in range); undated rows are not counted; "
            "1 out of range in 200 is 0.995 (passes), 1 in 2 is 0.5 (fails)",
            [[L(1, issued_local_date=D(2023, 1, 1)), L(2, issued_local_date=D(2025, 12, 31)),
              L(3, issued_local_date=None)],
             [L(i) for i in range(1, 200)] + [L(200, issued_local_date=D(2022, 12, 31))]],
            [[L(1), L(2, issued_local_date=D(2022, 12, 31))],
             [L(1), L(2, issued_local_date=D(2026, 1, 1))]]),
    },
    "fees_by_business_type": {
        **common("fees_by_business_type", F()),
        'IsPrimaryKey "folder_year" "business_type"': primary_key(
            "fees_by_business_type", F(), ["folder_year", "business_type"], F(business_type="Cafe")),
        'ColumnValues "licence_count" > 0': Case(
            "> is strict; a NULL fails any ColumnValues condition but != and not in (AWS)",
            [[F(licence_count=1)]], [[F(licence_count=0)], [F(), F(business_type="Cafe", licence_count=None)]]),
        'ColumnValues "fee_total" >= 0 where "fee_total is not null"': Case(
            "inclusive; null totals (no fee in the group) are filtered out",
            [[F(fee_total=Decimal("0.00")), F(business_type="Cafe", fee_total=None)]],
            [[F(fee_total=Decimal("-1.00"))]]),
        'ColumnValues "fee_min" >= 0 where "fee_min is not null"': Case(
            "inclusive; null minimums are filtered out",
            [[F(fee_min=Decimal("0.00")), F(business_type="Cafe", fee_min=None)]],
            [[F(fee_min=Decimal("-5.00"))]]),
        'CustomSql "select count(*) from primary where fee_count > licence_count or fee_min > fee_max" = 0': Case(
            "the count of inconsistent rows must equal 0; comparisons with null are not true",
            [[F(), F(business_type="Cafe", fee_count=3, licence_count=3, fee_min=None, fee_max=None)]],
            [[F(fee_count=4)], [F(fee_min=Decimal("300.00"))]]),
    },
    "licences_by_month": {
        **common("licences_by_month", M()),
        'IsPrimaryKey "month_start" "folder_year"': primary_key(
            "licences_by_month", M(), ["month_start", "folder_year"], M(folder_year=2025)),
        'ColumnValues "issued_month" in [1,2,3,4,5,6,7,8,9,10,11,12]': Case(
            "in: the value is one of the list; NULL fails",
            [[M(issued_month=1), M(folder_year=2025, issued_month=12)]],
            [[M(issued_month=13)], [M(issued_month=0)], [M(issued_month=None)]]),
        'ColumnValues "licence_count" > 0': Case(
            "> is strict; NULL fails", [[M(licence_count=1)]], [[M(licence_count=0)], [M(licence_count=None)]]),
        'CustomSql "select count(*) from primary where month_start != make_date(issued_year, issued_month, 1)" = 0': Case(
            "no row where month_start is not the 1st of (issued_year, issued_month)",
            [[M(), M(folder_year=2025, month_start=D(2024, 12, 1), issued_month=12)]],
            [[M(month_start=D(2024, 3, 2))], [M(issued_month=4)], [M(issued_year=2023)]]),
    },
    "licences_by_local_area": {
        **common("licences_by_local_area", A()),
        'IsPrimaryKey "folder_year" "local_area"': primary_key(
            "licences_by_local_area", A(), ["folder_year", "local_area"], A(local_area="Kitsilano")),
        'IsComplete "is_city_local_area"': Case(
            "every value non-null", [[A()]], [[A(), A(local_area="UBC", is_city_local_area=None)]]),
        'ColumnValues "licence_count" > 0': Case(
            "> is strict; NULL fails", [[A(licence_count=1, issued_count=1)]],
            [[A(licence_count=0, issued_count=0)], [A(licence_count=None)]]),
        'ColumnValues "employee_total" >= 0 where "employee_total is not null"': Case(
            "inclusive; null totals filtered out", [[A(employee_total=0.0), A(local_area="UBC", employee_total=None)]],
            [[A(employee_total=-1.0)]]),
        'CustomSql "select count(*) from primary where issued_count < 0 or issued_count > licence_count" = 0': Case(
            "no row with a negative issued count or more issued than licences",
            [[A(issued_count=4), A(local_area="UBC", issued_count=0)]],
            [[A(issued_count=5)], [A(issued_count=-1)]]),
    },
    "status_by_year": {
        **common("status_by_year", S()),
        'IsPrimaryKey "folder_year" "status"': primary_key(
            "status_by_year", S(), ["folder_year", "status"], S(status="Cancelled")),
        'ColumnValues "status" in ["Issued","Pending","Gone Out of Business","Inactive","Cancelled"]': Case(
            "in: exact (case-sensitive) string match; NULL fails",
            [[S(status=s) for s in ["Issued", "Pending", "Gone Out of Business", "Inactive", "Cancelled"]]],
            [[S(), S(status="Expired")], [S(status="issued")], [S(), S(folder_year=2025, status=None)]]),
        'ColumnValues "licence_count" > 0': Case(
            "> is strict; NULL fails", [[S(licence_count=1)]], [[S(licence_count=0)], [S(licence_count=None)]]),
    },
    "business_types_by_year": {
        **common("business_types_by_year", B()),
        'IsPrimaryKey "folder_year" "business_type"': primary_key(
            "business_types_by_year", B(), ["folder_year", "business_type"], B(folder_year=2025)),
        'ColumnValues "licence_count" > 0': Case(
            "> is strict; NULL fails", [[B(licence_count=2)]], [[B(licence_count=0, issued_count=0)],
                                                                [B(licence_count=None)]]),
        'CustomSql "select count(*) from primary where issued_count < 0 or issued_count > licence_count" = 0': Case(
            "no row with a negative issued count or more issued than licences",
            [[B(issued_count=3)]], [[B(issued_count=4)], [B(issued_count=-1)]]),
    },
}

ALL_RULES = [(table, rule.text) for table in TABLES for rule in shipped(table)]


# --------------------------------------------------------------------------- the shipped files

def test_one_file_per_table_and_every_rule_supported(tables):
    """Every shipped file parses with nothing refused; one file per table of the schema."""
    assert sorted(p.stem for p in FILES) == sorted(TABLES) == sorted(tables)
    for path in FILES:
        text = path.read_text(encoding="utf-8")
        assert text.endswith("\n") and "\r" not in text and "\t" not in text, path
        # what AWS accepts as a Ruleset: printable ASCII and line ends, at most 65,536 characters
        assert all(" " <= ch <= "~" or ch == "\n" for ch in text) and len(text) <= 65536, path
        assert text.lstrip().splitlines()[0].startswith("#")
        rules = dq.load_rules(text, str(path))
        assert len(rules) >= 5, path
        t = tables[path.stem]
        names = {c["name"] for c in t["columns"] + t["partition_keys"]}
        for rule in rules:
            assert set(rule.columns) <= names, (path, rule.text)


def test_every_shipped_rule_has_cases():
    for table in TABLES:
        assert set(CASES[table]) == {r.text for r in shipped(table)}, table


@pytest.mark.parametrize("table,text", ALL_RULES, ids=[f"{t}:{i}" for i, (t, _) in enumerate(ALL_RULES)])
def test_rule_agrees_with_aws_semantics(spark, frame, table, text):
    """The agreement test: the local evaluator gives AWS's documented outcome for the rule."""
    [rule] = [r for r in shipped(table) if r.text == text]
    case = CASES[table][text]
    for rows in case.passes:
        got = outcome(spark, frame(table, rows), rule)
        assert got["outcome"] == "Passed", (case.why, rows, got)
        assert got["failure_reason"] is None
    for rows in case.fails:
        got = outcome(spark, frame(table, rows), rule, case.history_fail)
        assert got["outcome"] == "Failed", (case.why, rows, got)
        assert got["failure_reason"], got


@pytest.mark.parametrize("table", TABLES)
def test_whole_ruleset_passes_on_valid_rows_and_reports_each_rule_as_written(spark, frame, table):
    """All rules pass on the table's valid base rows, in one evaluation; each result's `rule` is the
    file's text (whitespace normalised), which is also what AWS's DQRule.toString prints, so
    Glue's ruleOutcomes.Rule and the local results line up."""
    rules = shipped(table)
    results = dq.evaluate(spark, frame(table, BASE[table]), rules)
    assert [r["outcome"] for r in results] == ["Passed"] * len(rules), results
    source = (RULES_DIR / f"{table}.dqdl").read_text(encoding="utf-8")
    flat = " ".join(" ".join(line for line in source.splitlines()
                             if not line.strip().startswith("#")).split())
    for rule, result in zip(rules, results):
        assert result["rule"] == rule.text == rule.canonical()
        assert " ".join(rule.text.split()) == rule.text
        assert rule.text in flat


def test_shipped_rules_pass_on_the_real_extracts(full_run):
    """clean + curate over the real City extracts: every shipped rule passes (the jobs evaluated them
    on the rows they wrote: their summaries' `quality`)."""
    results = {"licences": full_run.report["quality"]["licences"]["rules"],
               **{t: b["rules"] for t, b in full_run.summary["quality"].items()}}
    assert list(results) == TABLES
    for table, got in results.items():
        failed = [r for r in got if r["outcome"] != "Passed"]
        assert not failed, (table, failed)
        assert [r["rule"] for r in got] == [r.text for r in shipped(table)]
    assert results["licences"][0]["evaluated_metrics"] == {ROWCOUNT: float(full_run.report["rows_kept"])}
    assert results["status_by_year"][0]["evaluated_metrics"] == {
        ROWCOUNT: float(full_run.summary["tables"]["status_by_year"]["rows"])}


# --------------------------------------------------------------------------- refused syntax

REFUSED = [
    ('Rules = [\n    RowCount > 0,\n    ColumnLength "x" > 2\n]\n', 3, "unsupported rule type ColumnLength",
     'ColumnLength "x" > 2'),
    ('Rules = [\n    (IsComplete "a") and (IsUnique "a")\n]\n', 2, "composite rules", '(IsComplete "a")'),
    ('Rules = [\n    IsComplete "a" and IsUnique "a"\n]\n', 2, "", 'IsComplete "a"'),
    ('Rules = [\n  Completeness "a" > 0.5 with threshold > 0.9\n]\n', 2, "'with threshold' is not supported",
     'Completeness "a" > 0.5 with threshold > 0.9'),
    ('Rules = [\n  RowCount > 0 labels=["team"="data"]\n]\n', 2, "labels", "RowCount > 0 labels"),
    ('Rules = [\n  ColumnValues "a" not matches "[a-z]+"\n]\n', 2, "not matches", 'ColumnValues "a" not matches'),
    ('Rules = [\n  ColumnValues "a" in ["x", NULL]\n]\n', 2, "NULL", 'ColumnValues "a" in ["x", NULL]'),
    ('Rules = [\n  ColumnValues "d" > "2024-01-01"\n]\n', 2, "date conditions", 'ColumnValues "d" > "2024-01-01"'),
    ('Rules = [\n  ColumnValues "d" > (now() - 3 days)\n]\n', 2, "", 'ColumnValues "d" > (now() - 3 days)'),
    ('Rules = [\n  ColumnValues "a" > avg(last(3))\n]\n', 2, "dynamic", 'ColumnValues "a" > avg(last(3))'),
    ('Rules = [\n  RowCount > avg(last(3)) * 0.5 + 1\n]\n', 2, "parenthesise", "RowCount > avg(last(3)) * 0.5 + 1"),
    ('Rules = [\n  RowCount > median(last(3))\n]\n', 2, "unsupported function median", "RowCount > median"),
    ('Rules = [\n  CustomSql "select id from primary where a > 1"\n]\n', 2, "needs a condition", "CustomSql"),
    ('Rules = [\n  CustomSql "select 1" = 1 where "a > 1"\n]\n', 2, "where clause", 'CustomSql "select 1" = 1'),
    ('Rules = [\n  DataFreshness "d" <= 24 hours\n]\n', 2, "unsupported rule type DataFreshness", "DataFreshness"),
    ('Rules = [\n  RowCount > 0,\n  IsComplete "a",\n]\n', 3, "trailing comma", ""),
    ('Rules = [\n  IsComplete "a",\n  IsComplete   "a"\n]\n', 3, "duplicate rule (also line 2)", 'IsComplete "a"'),
    ('Rules = [\n  ColumnValues "a" matches "\\\\d+"\n]\n', 2, "backslash", ""),
    ('Rules = [\r\n  RowCount > 0\r\n]\r\n', 1, "carriage return", ""),
    ('Rules = [ RowCount > 0 ]\nAnalyzers = [ RowCount ]\n', 2, "Analyzers section", ""),
    ('sql = "select 1"\nRules = [ CustomSql $sql = 1 ]\n', 1, "variables", ""),
    ('Metadata = { "Version": "1.0" }\nRules = [ RowCount > 0 ]\n', 1, "Metadata section", ""),
    ('DefaultLabels = ["a"="b"]\nRules = [ RowCount > 0 ]\n', 1, "DefaultLabels section", ""),
    ('# nothing\n', 1, "empty document", ""),
    ('Rules = [\n]\n', 2, "empty rule list: a ruleset needs at least one rule", ""),
    ('Rules = []', 1, "empty rule list", ""),
    ('Rules = [\n  IsPrimaryKey "a" "b" > 0.5\n]\n', 2, "unexpected", 'IsPrimaryKey "a" "b" > 0.5'),
]


@pytest.mark.parametrize("text,line,why,rule", REFUSED, ids=[f"refused{i}" for i in range(len(REFUSED))])
def test_unsupported_syntax_refused_with_file_and_line(text, line, why, rule):
    with pytest.raises(dq.DQDLError) as e:
        dq.load_rules(text, "pipelines/quality/x/bad.dqdl")
    msg = str(e.value)
    assert msg.startswith(f"pipelines/quality/x/bad.dqdl:{line}: "), msg
    assert why in msg and rule in msg, msg


def test_supported_syntax_beyond_the_shipped_files(spark, frame):
    """Documented forms the files may use: bare column names, where on every column rule,
    thresholds on ColumnValues, not in / != (which pass NULLs), exclusive between."""
    rules = dq.load_rules("""Rules = [
        Completeness status >= 0.5 where "year = 2024",
        Uniqueness "licence_number" "status" > 0.9,
        IsUnique "status",
        RowCount between 1 and 3,
        RowCount between 2 and 3,
        RowCount not between 2 and 5,
        ColumnValues "status" not in ["Cancelled"],
        ColumnValues "status" != "Cancelled",
        ColumnValues "fee_paid" between 0 and 100,
        ColumnValues "postal_code" matches "V[0-9]K [0-9]A[0-9]" with threshold >= 0.5,
        ColumnValues "fee_paid" in [100] with threshold > 0.4
    ]""", "extra.dqdl")
    df = frame("licences", [L(1, fee_paid=Decimal("100.00")), L(2, status=None, postal_code="T2P 1J9")])
    got = {r["rule"]: r for r in dq.evaluate(spark, df, rules)}
    verdict = {k: v["outcome"] for k, v in got.items()}
    assert verdict == {
        'Completeness status >= 0.5 where "year = 2024"': "Passed",      # 1 of 2 complete
        'Uniqueness "licence_number" "status" > 0.9': "Passed",
        'IsUnique "status"': "Passed",                 # the all-null key row is left out (deequ)
        "RowCount between 1 and 3": "Passed",
        "RowCount between 2 and 3": "Failed",          # 2 rows: between is exclusive (AWS)
        "RowCount not between 2 and 5": "Passed",      # 2 <= 2: inclusive
        'ColumnValues "status" not in ["Cancelled"]': "Passed",          # NULL passes not in
        'ColumnValues "status" != "Cancelled"': "Passed",                # and !=
        'ColumnValues "fee_paid" between 0 and 100': "Failed",           # exclusive: 100 is out
        'ColumnValues "postal_code" matches "V[0-9]K [0-9]A[0-9]" with threshold >= 0.5': "Passed",
        'ColumnValues "fee_paid" in [100] with threshold > 0.4': "Passed",
    }
    assert got['Uniqueness "licence_number" "status" > 0.9']["evaluated_metrics"] == {
        "Multicolumn.licence_number,status.Uniqueness": 1.0}
    assert got['ColumnValues "fee_paid" between 0 and 100']["evaluated_metrics"] == {
        "Column.fee_paid.ColumnValues.Compliance": 0.0}


def test_rule_text_keeps_quoted_strings_as_written():
    """Whitespace is normalised between tokens only: SQL and patterns are passed to AWS as written."""
    rules = dq.load_rules('Rules = [\n  CustomSql "select count(*)\n    from  primary" = 0,  # c\n'
                          '  RowCount   >=\n 1 ,ColumnValues "a" matches "[A-Z]  [0-9]"\n]\n', "x.dqdl")
    assert [r.text for r in rules] == ['CustomSql "select count(*)\n    from  primary" = 0', "RowCount >= 1",
                                       'ColumnValues "a" matches "[A-Z]  [0-9]"']
    assert [r.line for r in rules] == [2, 4, 5]
    assert [r.canonical() for r in rules] == [r.text for r in rules]


def test_missing_column_invalid_where_and_bad_sql_fail_the_rule_not_the_run(spark, frame):
    rules = dq.load_rules("""Rules = [
        IsComplete "nope",
        RowCount > 0 where "no_such_column > 1",
        CustomSql "select count(*) from no_such_table" = 0,
        CustomSql "select licence_number, status from primary" = 0,
        CustomSql "select max(fee_paid) from primary where year = 1900" = 0,
        RowCount > 0
    ]""", "edge.dqdl")
    results = dq.evaluate(spark, frame("licences", [L(1)]), rules)
    assert [r["outcome"] for r in results] == ["Failed"] * 5 + ["Passed"]
    assert results[0]["failure_reason"] == "Input data does not include column nope!"
    assert "invalid where clause" in results[1]["failure_reason"]
    assert results[2]["failure_reason"].startswith("Custom SQL failed")
    assert "exactly one value" in results[3]["failure_reason"]
    assert results[4]["failure_reason"] == "Custom SQL returned NULL"


def test_column_rules_on_zero_rows_fail_with_empty_state(spark, frame):
    rules = dq.load_rules('Rules = [ IsComplete "status", ColumnValues "fee_paid" >= 0 where "fee_paid is not null" ]')
    results = dq.evaluate(spark, frame("licences", [L(1, fee_paid=None)]), rules)
    assert [r["outcome"] for r in results] == ["Passed", "Failed"]
    assert results[1]["failure_reason"].startswith("Empty state")


# --------------------------------------------------------------------------- dynamic rules, history

def test_dynamic_rule_with_no_history_passes_and_fails_when_the_drop_is_too_large(spark, frame):
    [rule] = dq.load_rules("Rules = [ RowCount >= avg(last(3)) * 0.5 ]")
    one, five = frame("licences", [L(1)]), frame("licences", [L(i) for i in range(1, 6)])
    assert outcome(spark, one, rule)["outcome"] == "Passed"                     # last(3) = [0.0]
    assert outcome(spark, one, rule, [])["outcome"] == "Passed"
    assert outcome(spark, one, rule, [{"Column.x.Completeness": 1.0}])["outcome"] == "Passed"  # no RowCount
    got = outcome(spark, one, rule, [{ROWCOUNT: 10.0}])
    assert got["outcome"] == "Failed"
    assert got["failure_reason"] == "Value: 1.0 does not meet the constraint requirement!"
    assert got["evaluated_metrics"] == {ROWCOUNT: 1.0}
    # fewer than k runs: all of them; more: only the k most recent
    assert outcome(spark, one, rule, [{ROWCOUNT: 2.0}])["outcome"] == "Passed"
    assert outcome(spark, five, rule, [{ROWCOUNT: 10.0}] * 3 + [{ROWCOUNT: 1000.0}])["outcome"] == "Passed"
    assert outcome(spark, five, rule, [{ROWCOUNT: 1000.0}] + [{ROWCOUNT: 10.0}] * 3)["outcome"] == "Failed"


def test_other_dynamic_functions(spark, frame):
    df = frame("licences", [L(1), L(2)])
    hist = [{ROWCOUNT: 4.0}, {ROWCOUNT: 1.0}, {ROWCOUNT: 3.0}]
    cases = {"RowCount < max(last(3))": "Passed", "RowCount > min(last(3))": "Passed",
             "RowCount = index(last(3), 1) + 1": "Passed", "RowCount > last()": "Failed",
             "RowCount < sum(last(2))": "Passed", "RowCount = abs(-2)": "Passed",
             "RowCount > index(last(3), 5)": "Failed", "RowCount > last(3)": "Failed",
             "Completeness \"status\" >= avg(last(2))": "Passed"}
    rules = dq.load_rules("Rules = [" + ",\n".join(cases) + "]")
    results = dq.evaluate(spark, df, rules, hist + [{"Column.status.Completeness": 1.0}])
    assert {r["rule"]: r["outcome"] for r in results} == cases
    by = {r["rule"]: r for r in results}
    assert "out of range" in by["RowCount > index(last(3), 5)"]["failure_reason"]
    assert "list" in by["RowCount > last(3)"]["failure_reason"]


def test_history_from_reports(tmp_path):
    def report(at, rows, table="licences"):
        return {"job": "clean", "generated_at": at, "quality": {table: dq.summarise(
            [{"rule": "RowCount > 0", "outcome": "Passed", "failure_reason": None,
              "evaluated_metrics": {ROWCOUNT: rows}},
             {"rule": 'IsComplete "status"', "outcome": "Passed", "failure_reason": None,
              "evaluated_metrics": {"Column.status.Completeness": 1.0}}], "licences.dqdl")}}
    folder = tmp_path / "_quality"
    folder.mkdir()
    (folder / "clean-20250101T000000Z.json").write_text(json.dumps(report("2025-01-01T00:00:00Z", 10)))
    (folder / "clean-20250301T000000Z.json").write_text(json.dumps(report("2025-03-01T00:00:00Z", 30)))
    (folder / "clean-old.json").write_text(json.dumps({"job": "clean", "rows_kept": 5}))   # before quality
    (folder / "broken.json").write_text("{")
    extra = report("2025-02-01T00:00:00Z", 20)
    other = report("2025-04-01T00:00:00Z", 99, table="status_by_year")
    got = dq.history_from_reports([folder, extra, other, tmp_path / "missing"], "licences")
    assert got == [{ROWCOUNT: 30.0, "Column.status.Completeness": 1.0},
                   {ROWCOUNT: 20.0, "Column.status.Completeness": 1.0},
                   {ROWCOUNT: 10.0, "Column.status.Completeness": 1.0}]
    assert dq.history_from_reports([tmp_path / "missing"], "licences") == []
    assert report("x", 1)["quality"]["licences"]["passed"] == 2


def test_summary_round_trip_drives_the_dynamic_rule(spark, frame, tmp_path):
    """What a job writes under `quality` is what the next run reads back as history."""
    rules = shipped("licences")
    big = dq.evaluate(spark, frame("licences", [L(i) for i in range(1, 11)]), rules)
    (tmp_path / "clean-1.json").write_text(json.dumps(
        {"generated_at": "2025-01-01T00:00:00Z", "quality": {"licences": dq.summarise(big, "licences.dqdl")}}))
    history = dq.history_from_reports([tmp_path], "licences")
    small = dq.evaluate(spark, frame("licences", [L(1), L(2)]), rules, history)
    summary = dq.summarise(small, "licences.dqdl")
    assert summary["failed"] == 1 and summary["passed"] == len(rules) - 1
    assert [r["rule"] for r in small if r["outcome"] == "Failed"] == ["RowCount >= avg(last(3)) * 0.5"]


# --------------------------------------------------------------------------- Spark jobs

def test_column_rules_share_one_aggregation(spark, frame):
    """Adding column rules adds no Spark job; each CustomSql adds its own."""
    df = frame("licences", [L(i) for i in range(1, 6)]).cache()
    df.count()
    sc, tracker = spark.sparkContext, spark.sparkContext.statusTracker()
    rules = shipped("licences")
    column_rules = [r for r in rules if r.rule_type != "CustomSql"]
    one = [r for r in rules if r.rule_type == "IsPrimaryKey"]

    def jobs(rs, group):
        sc.setJobGroup(group, group)
        try:
            dq.evaluate(spark, df, rs)
        finally:
            sc.setLocalProperty("spark.jobGroup.id", None)
        return len(tracker.getJobIdsForGroup(group))

    assert jobs(column_rules, "dq-all-column-rules") == jobs(one, "dq-one-rule")
    assert jobs(rules, "dq-with-sql") > jobs(column_rules, "dq-all-column-rules-again")
    df.unpersist()


# --------------------------------------------------------------------------- the AWS path

@pytest.fixture
def fake_glue(monkeypatch, spark):
    calls = []
    outcome_schema = T.StructType([
        T.StructField("Rule", T.StringType()), T.StructField("Outcome", T.StringType()),
        T.StructField("FailureReason", T.StringType()),
        T.StructField("EvaluatedMetrics", T.MapType(T.StringType(), T.DoubleType()))])
    answer = []

    class DynamicFrame:
        def __init__(self, df):
            self.df = df

        @classmethod
        def fromDF(cls, df, glue_context, name):
            calls.append(("fromDF", df, glue_context, name))
            return cls(df)

        def toDF(self):
            return self.df

    class EvaluateDataQuality:
        @staticmethod
        def apply(frame, ruleset, publishing_options):
            calls.append(("apply", frame, ruleset, publishing_options))
            return DynamicFrame(spark.createDataFrame(answer, outcome_schema))

    for name, attrs in {"awsglue": {}, "awsglue.dynamicframe": {"DynamicFrame": DynamicFrame},
                        "awsgluedq": {}, "awsgluedq.transforms": {"EvaluateDataQuality": EvaluateDataQuality}}.items():
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        monkeypatch.setitem(sys.modules, name, m)
    return calls, answer


def test_evaluate_on_glue_calls_evaluate_data_quality_and_converts_rule_outcomes(spark, frame, fake_glue):
    calls, answer = fake_glue
    text = (RULES_DIR / "status_by_year.dqdl").read_text(encoding="utf-8")
    rules = dq.load_rules(text)
    df = frame("status_by_year", BASE["status_by_year"])
    local = dq.evaluate(spark, df, rules)
    # what Glue returns: AWS's Rule strings, its own order, PascalCase columns
    answer.extend((r["rule"], r["outcome"], r["failure_reason"], r["evaluated_metrics"]) for r in reversed(local))
    answer[0] = (answer[0][0], "Failed", "Value: 0.0 does not meet the constraint requirement!",
                 {"Column.licence_count.Minimum": 0.0})
    glue_context = object()
    got = dq.evaluate_on_glue(glue_context, df, text, "dap-dev-business-licences-status_by_year")
    assert calls[0] == ("fromDF", df, glue_context, "dap-dev-business-licences-status_by_year")
    assert calls[1][0] == "apply" and calls[1][2] == text           # the DQDL verbatim
    assert calls[1][3] == {"dataQualityEvaluationContext": "dap-dev-business-licences-status_by_year",
                           "enableDataQualityCloudWatchMetrics": False,
                           "enableDataQualityResultsPublishing": True}
    assert [r["rule"] for r in got] == [r.text for r in rules]       # the ruleset's order again
    assert got[:-1] == local[:-1]
    assert got[-1] == {"rule": 'ColumnValues "licence_count" > 0', "outcome": "Failed",
                       "failure_reason": "Value: 0.0 does not meet the constraint requirement!",
                       "evaluated_metrics": {"Column.licence_count.Minimum": 0.0}}
    assert dq.summarise(got, "dap-dev-business-licences-status_by_year")["failed"] == 1


class _Client:
    def __init__(self, service, **kw):
        self.service, self.kw, self.calls = service, kw, []

    def put_metric_data(self, **kw):
        self.calls.append(("put_metric_data", kw))

    def get_data_quality_ruleset(self, **kw):
        self.calls.append(("get_data_quality_ruleset", kw))
        return {"Name": kw["Name"], "Ruleset": "Rules = [ RowCount > 0 ]", "TargetTable": {}}


@pytest.fixture
def fake_boto3(monkeypatch):
    clients = []
    m = types.ModuleType("boto3")

    def client(service, **kw):
        clients.append(_Client(service, **kw))
        return clients[-1]
    m.client = client
    monkeypatch.setitem(sys.modules, "boto3", m)
    return clients


def test_publish_metric(fake_boto3):
    results = [{"rule": "a", "outcome": "Passed"}, {"rule": "b", "outcome": "Failed"},
               {"rule": "c", "outcome": "Failed"}]
    dq.publish_metric(results, "dap-dev-clean", "dap/dap-dev/quality", region="ca-central-1")
    [c] = fake_boto3
    assert (c.service, c.kw) == ("cloudwatch", {"region_name": "ca-central-1"})
    dims = [{"Name": "JobName", "Value": "dap-dev-clean"}]
    assert c.calls == [("put_metric_data", {"Namespace": "dap/dap-dev/quality", "MetricData": [
        {"MetricName": "RulesFailed", "Dimensions": dims, "Value": 2.0, "Unit": "Count"},
        {"MetricName": "RulesEvaluated", "Dimensions": dims, "Value": 3.0, "Unit": "Count"}]})]
    dq.publish_metric([], "dap-dev-clean")          # no namespace: the default
    assert (fake_boto3[1].kw, fake_boto3[1].calls[0][1]["MetricData"][0]["Value"]) == ({}, 0.0)
    assert fake_boto3[1].calls[0][1]["Namespace"] == dq.METRIC_NAMESPACE


def test_ruleset_from_glue(fake_boto3):
    assert dq.ruleset_from_glue("dap-dev-business-licences-licences") == "Rules = [ RowCount > 0 ]"
    [c] = fake_boto3
    assert c.service == "glue"
    assert c.calls == [("get_data_quality_ruleset", {"Name": "dap-dev-business-licences-licences"})]


def test_aws_clients_are_imported_lazily():
    """boto3, awsglue and awsgluedq exist on Glue only: the module imports none of them."""
    source = (PIPELINES / "glue" / "dataquality.py").read_text(encoding="utf-8")
    top = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert all(m in {"from __future__ import annotations", "import glob", "import json", "import math",
                     "import os", "import re", "from dataclasses import dataclass, field"} for m in top), top


def test_job_arguments_helpers():
    assert dq.parse_rulesets("licences=dap-dev-bl-licences, status_by_year=dap-dev-bl-status") == {
        "licences": "dap-dev-bl-licences", "status_by_year": "dap-dev-bl-status"}
    assert dq.parse_rulesets("") == {}
    with pytest.raises(ValueError):
        dq.parse_rulesets("licences")
    text, source = dq.read_ruleset(dq.DEFAULT_RULES_DIR, "licences")
    assert source == str(RULES_DIR / "licences.dqdl")
    assert text == (RULES_DIR / "licences.dqdl").read_text(encoding="utf-8")


def test_check_table_locally_and_on_glue(spark, frame, fake_glue, fake_boto3, tmp_path):
    """The one call a job makes per table: locally the repository's file, on Glue the deployed
    ruleset through EvaluateDataQuality; an error on Glue is recorded and counts as a failure."""
    df = frame("status_by_year", BASE["status_by_year"])
    block = dq.check_table(spark, df, "status_by_year")
    assert block["ruleset"] == str(RULES_DIR / "status_by_year.dqdl")
    assert (block["passed"], block["failed"]) == (5, 0)
    (tmp_path / "status_by_year.dqdl").write_text('Rules = [ RowCount > 5 ]\n')
    mine = dq.check_table(spark, df, "status_by_year", rules_dir=str(tmp_path))
    assert (mine["passed"], mine["failed"], mine["rules"][0]["failure_reason"]) == (
        0, 1, "Value: 2.0 does not meet the constraint requirement!")
    assert dq.check_table(spark, df, "status_by_year", history=[{ROWCOUNT: 100.0}])["failed"] == 1
    (tmp_path / "licences.dqdl").write_text('Rules = [ ColumnLength "x" > 1 ]\n')
    with pytest.raises(dq.DQDLError, match="licences.dqdl:1: unsupported rule type ColumnLength"):
        dq.check_table(spark, df, "licences", rules_dir=str(tmp_path))

    calls, answer = fake_glue
    answer.append(("RowCount > 0", "Passed", None, {ROWCOUNT: 2.0}))
    on_glue = dq.check_table(None, df, "status_by_year", glue_context="gc", ruleset_name="dap-dev-status")
    assert fake_boto3[0].calls == [("get_data_quality_ruleset", {"Name": "dap-dev-status"})]
    assert calls[1][2] == "Rules = [ RowCount > 0 ]"              # the deployed DQDL, verbatim
    assert on_glue == {"ruleset": "dap-dev-status", "passed": 1, "failed": 0, "rules": [
        {"rule": "RowCount > 0", "outcome": "Passed", "failure_reason": None,
         "evaluated_metrics": {ROWCOUNT: 2.0}}]}
    missing = dq.check_table(None, df, "status_by_year", glue_context="gc", ruleset_name=None)
    assert (missing["failed"], missing["rules"]) == (1, [])
    assert "no ruleset for table 'status_by_year'" in missing["error"]
    dq.publish_metric({"status_by_year": on_glue, "licences": missing}, "dap-dev-curate")
    sent = fake_boto3[-1].calls[0][1]["MetricData"]
    assert [(m["MetricName"], m["Value"]) for m in sent] == [("RulesFailed", 1.0), ("RulesEvaluated", 1.0)]
