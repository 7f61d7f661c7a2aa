"""The report builder's command line, query parameters and packaging (no Spark): parameters filled
as the planner fills them, readable one-line errors with exit code 2, and a package the reporting
host can run (its files listed, Python 3.9 syntax, only the standard library at import)."""
from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

import pytest

from conftest import ATHENA, PIPELINES, ROOT, SCHEMA_FILE
from report import MODULES, ReportError
from report.queries import (QUERY_NAMES, environment_years, fill, parameters, parse_years, read_sql)
from report.sources import CURATED_TABLES
from report_helpers import CURATED_COLUMNS, Page, curated, num, run_cli

REPORT = PIPELINES / "report"


# --------------------------------------------------------------------------- parameters

@pytest.mark.parametrize("years,latest,previous", [
    ([2024], 2024, 2023),  # one year: the year before it
    ([2023, 2024], 2024, 2023),
    ([2024, 2023], 2024, 2023),
    ([2021, 2025, 2023], 2025, 2023),  # the year before it in the list, not latest - 1
    ([2024, 2024, 2022], 2024, 2022),
])
def test_parameters_are_the_planners(years, latest, previous):
    assert parameters(years) == {"latest_year": str(latest), "previous_year": str(previous)}


def test_no_years_is_an_error():
    with pytest.raises(ReportError, match="no dataset years"):
        parameters([])


def test_fill_replaces_known_parameters_and_refuses_others():
    values = parameters([2024, 2025])
    assert fill("a {{latest_year}} b {{ previous_year }} c {{latest_year}}", values) == "a 2025 b 2024 c 2025"
    assert fill("no parameters", {}) == "no parameters"
    with pytest.raises(ReportError, match=r"q\.sql: unknown parameter `\{\{nope\}\}`"):
        fill("SELECT {{ nope }}", values, "q")
    with pytest.raises(ReportError, match="without"):
        fill("SELECT {{latest_year", values, "q")


def test_every_query_file_fills_completely():
    values = parameters([2023, 2024])
    assert sorted(QUERY_NAMES) == sorted(p.stem for p in ATHENA.glob("*.sql"))
    for name in QUERY_NAMES:
        assert "{{" not in fill(read_sql(name), values, name)
    assert "{{latest_year}}" in read_sql("change_by_business_type_year_over_year")


def test_years_flag():
    assert parse_years("2023, 2024") == [2023, 2024]
    for bad in ("23", "2023;2024", "", "2023,"):
        with pytest.raises(ReportError, match="four-digit"):
            parse_years(bad)


def test_years_of_every_shipped_environment():
    yaml = pytest.importorskip("yaml")  # the independent reader, when the venv has it
    for path in sorted((ROOT / "environments").glob("*.yaml")):
        expected = yaml.safe_load(path.read_text())["datasets"]["business-licences"]["years"]
        assert environment_years(path) == expected, path.name


@pytest.mark.parametrize("text,years", [
    ("datasets:\n  business-licences:\n    years:\n      - 2023\n      - 2024  # two\nretention: {}\n", [2023, 2024]),
    ("# c\ndatasets:\n  other:\n    years: [1999]\n  business-licences:\n    years: [2024, 2025]\n", [2024, 2025]),
    ("datasets:\n  business-licences:\n    years:\n    - 2022\n    - \"2023\"\n", [2022, 2023]),
])
def test_environment_reader(tmp_path, text, years):
    f = tmp_path / "env.yaml"
    f.write_text(text)
    assert environment_years(f) == years


@pytest.mark.parametrize("text", [
    "datasets: {business-licences: {years: [2024]}}\n",  # flow mapping: beyond the small reader
    "datasets:\n  other:\n    years: [2024]\nbusiness-licences:\n  years: [2024]\n",
    "name: x\n",
    "datasets:\n  business-licences:\n    years:\n      - twenty\n",
])
def test_environment_reader_says_when_it_cannot(tmp_path, text):
    f = tmp_path / "env.yaml"
    f.write_text(text)
    with pytest.raises(ReportError, match="--environment"):
        environment_years(f)


# --------------------------------------------------------------------------- a small local build

def test_a_local_build_from_hand_made_tables(tmp_path):
    out = tmp_path / "report"
    done = run_cli("build", "--curated", str(curated(tmp_path)), "--years", "2024,2025", "--output", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"report: wrote {out / 'index.html'} (DuckDB over ")
    p = Page((out / "index.html").read_text())
    assert [(r[0], num(r[1])) for r in p.chart_table("licences_issued_per_month")["rows"]] == [
        ("2024-01", 5), ("2025-03", 4)]
    assert p.chart_table("top_local_areas")["rows"] == [["Downtown", "5", "4"], ["Kitsilano", "4", "4"]]
    assert p.chart_table("average_fee_by_business_type")["rows"] == [
        ["Restaurant", "3", "$133.33"], ['Café "Le <Chat>" & Co', "1", "$10.00"]]  # highest average first
    assert p.chart_table("change_by_business_type_year_over_year")["rows"] == [
        ['Café "Le <Chat>" & Co', "0", "1", "+1", "—"], ["Restaurant", "3", "4", "+1", "+33.3 %"]]  # ties by name
    assert p.facts["Years compared"] == "2025 with 2024: --years 2024,2025"
    assert p.no_data["quality"].startswith("No quality report: no quality report given")
    assert not list(out.glob(".index-*")), "the temporary file is renamed into place"


def test_years_default_to_the_data_and_the_environment_file_is_read(tmp_path):
    base = curated(tmp_path)
    done = run_cli("build", "--curated", str(base), "--output", str(tmp_path / "a"))
    assert done.returncode == 0, done.stderr
    assert Page((tmp_path / "a" / "index.html").read_text()).facts["Years compared"].startswith(
        "2025 with 2024: the two latest folder years in the data")
    done = run_cli("build", "--curated", str(base), "--environment", str(ROOT / "environments" / "dev.yaml"),
                   "--output", str(tmp_path / "b"))
    assert done.returncode == 0, done.stderr
    p = Page((tmp_path / "b" / "index.html").read_text())
    assert p.chart_table("change_by_business_type_year_over_year")["rows"] == [
        ["Restaurant", "0", "3", "+3", "—"]]  # dev lists 2023 and 2024


def test_the_quality_report_is_the_latest_in_the_folder(tmp_path):
    q = tmp_path / "raw" / "_quality"
    q.mkdir(parents=True)
    for stamp, read in (("20250101T000000000000Z", 1), ("20250301T000000000000Z", 3), ("20250201T000000000000Z", 2)):
        (q / f"clean-{stamp}.json").write_text(json.dumps(
            {"rows_read": read, "rows_kept": read, "rows_rejected": 0, "rejected_by_reason": {},
             "input_files": 1, "generated_at": "2025-03-01T00:00:00Z"}))
    (q / "notes.json").write_text("{}")
    done = run_cli("build", "--curated", str(curated(tmp_path)), "--quality", str(q), "--output", str(tmp_path / "o"))
    assert done.returncode == 0, done.stderr
    p = Page((tmp_path / "o" / "index.html").read_text())
    assert p.quality_tables()["Rows of the last clean run"]["rows"][0] == ["read", "3"]


# --------------------------------------------------------------------------- errors: one line, exit 2

def one_line_error(done, *needles: str) -> str:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("report: "), done.stderr
    assert "Traceback" not in done.stderr
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


def test_missing_curated_folder(tmp_path):
    one_line_error(run_cli("build", "--curated", str(tmp_path / "nope"), "--output", str(tmp_path / "o")),
                   "no such folder", "nope")
    assert not (tmp_path / "o").exists()


def test_missing_table(tmp_path):
    base = curated(tmp_path)
    for f in (base / "business-licences" / "status_by_year").iterdir():
        f.unlink()
    one_line_error(run_cli("build", "--curated", str(base), "--output", str(tmp_path / "o")),
                   "no table `status_by_year`", "curate job's output folder")


def test_missing_raw_and_quality(tmp_path):
    base = curated(tmp_path)
    one_line_error(run_cli("build", "--curated", str(base), "--raw", str(tmp_path / "raw"), "--output", str(tmp_path / "o")),
                   "--raw")
    (tmp_path / "raw2").mkdir()
    one_line_error(run_cli("build", "--curated", str(base), "--raw", str(tmp_path / "raw2"), "--output", str(tmp_path / "o")),
                   "no table `licences`")
    one_line_error(run_cli("build", "--curated", str(base), "--quality", str(tmp_path / "q.json"), "--output", str(tmp_path / "o")),
                   "--quality")


def test_unknown_parameter_in_a_query_file(tmp_path):
    queries = tmp_path / "queries"
    queries.mkdir()
    for p in ATHENA.glob("*.sql"):
        (queries / p.name).write_text(p.read_text())
    (queries / "top_local_areas.sql").write_text("-- d\nSELECT {{ latest_yaer }} AS x")
    one_line_error(run_cli("build", "--curated", str(curated(tmp_path)), "--queries", str(queries),
                           "--output", str(tmp_path / "o")), "unknown parameter `{{latest_yaer}}`")


def test_a_query_that_fails_in_duckdb(tmp_path):
    queries = tmp_path / "queries"
    queries.mkdir()
    for p in ATHENA.glob("*.sql"):
        (queries / p.name).write_text(p.read_text())
    (queries / "top_local_areas.sql").write_text("-- d\nSELECT nope FROM\n  licences_by_local_area")
    one_line_error(run_cli("build", "--curated", str(curated(tmp_path)), "--queries", str(queries),
                           "--output", str(tmp_path / "o")), "query top_local_areas failed in DuckDB")


@pytest.mark.parametrize("args,needle", [
    ([], "--curated DIR (local) or --athena"),
    (["--athena"], "--athena needs --workgroup"),
    (["--athena", "--workgroup", "wg", "--curated", "x"], "--curated is for the local source"),
    (["--curated", "x", "--workgroup", "wg"], "--workgroup is for the Athena source"),
    (["--curated", "x", "--quality-uri", "s3://b/p/"], "--quality-uri is for the Athena source"),
    (["--curated", "x", "--years", "24"], "four-digit year"),
])
def test_flag_mistakes(tmp_path, args, needle):
    if "--years" in args:
        args = ["--curated", str(curated(tmp_path)), "--years", "24"]
    one_line_error(run_cli("build", *args, "--output", str(tmp_path / "o")), needle)


def test_argparse_mistakes_exit_2_too(tmp_path):
    done = run_cli("build", "--curated", "x")  # no --output
    assert done.returncode == 2 and "--output" in done.stderr and "Traceback" not in done.stderr
    done = run_cli("build", "--years", "2024", "--environment", "e.yaml", "--output", "o")
    assert done.returncode == 2 and "not allowed with" in done.stderr


# --------------------------------------------------------------------------- what the host runs

def test_the_module_list_is_the_package():
    assert sorted(p.name for p in REPORT.glob("*.py")) == sorted(MODULES)
    assert not [p for p in REPORT.iterdir() if p.is_file() and p.suffix not in (".py",)]


def test_the_curated_tables_are_the_schemas():
    schema = json.loads(SCHEMA_FILE.read_text())
    assert sorted(CURATED_TABLES) == sorted(t["name"] for t in schema["tables"] if t["zone"] == "curated")
    assert sorted(CURATED_TABLES) == sorted(CURATED_COLUMNS)


@pytest.mark.parametrize("module", MODULES)
def test_python_3_9_syntax_and_stdlib_imports(module):
    """The host runs Python 3.9 with the standard library and boto3: every module parses as 3.9,
    postpones its annotations, and imports only the standard library or the package at the top;
    duckdb, boto3 and botocore only inside the functions that use them."""
    source = (REPORT / module).read_text()
    tree = ast.parse(source, filename=module, feature_version=(3, 9))
    assert "from __future__ import annotations" in source
    for node in tree.body:
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module]
        for name in names:
            top = name.split(".")[0]
            assert top == "__future__" or top in sys.stdlib_module_names, f"{module}: import {name}"
    lazy = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    lazy |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and n.level == 0}
    assert lazy <= set(sys.stdlib_module_names) | {"__future__", "duckdb", "boto3", "botocore"}, lazy
    for node in ast.walk(tree):  # 3.10+ only
        assert not isinstance(node, getattr(ast, "Match", ())), f"{module}: match statement"
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "zip":
            assert not [k for k in node.keywords if k.arg == "strict"], f"{module}: zip(strict=)"


def test_the_package_imports_and_renders_without_duckdb_or_boto3(tmp_path):
    script = (
        "import sys\n"
        "for m in ('duckdb', 'boto3', 'botocore', 'pandas', 'numpy', 'yaml'): sys.modules[m] = None\n"
        "import report.__main__, report.page, report.sources, report.charts, report.queries\n"
        "from report.sources import Answer, Result\n"
        "from report.page import render\n"
        "cols = {'licences_issued_per_month': ['month_start','issued_year','issued_month','licences_issued'],\n"
        " 'average_fee_by_business_type': ['business_type','licences_with_fee','total_fee','average_fee'],\n"
        " 'top_local_areas': ['local_area','licences','issued_licences'],\n"
        " 'status_breakdown_by_year': ['folder_year','status','licence_count','pct_of_year'],\n"
        " 'change_by_business_type_year_over_year': ['business_type','previous_year','latest_year',\n"
        "   'licences_previous','licences_latest','licence_change','pct_change']}\n"
        "html = render({n: Answer(n, 'SELECT 1', Result(c, [])) for n, c in cols.items()})\n"
        "assert html.startswith('<!DOCTYPE html>')\n"
        "print('ok')\n")
    import subprocess

    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env={"PYTHONPATH": str(PIPELINES)}, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
