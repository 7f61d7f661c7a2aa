"""The jobs evaluate their tables' rulesets (pipelines/quality/business-licences/<table>.dqdl) on the
rows they are about to write and record the results in their summaries (clean-*.json, curate-*.json);
the dynamic rule's history is the earlier summaries in the --quality_report folder."""
import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import CURRENT_EXTRACT, DATASET, PIPELINES, clean, curate

import dataquality as dq

RULES_DIR = PIPELINES / "quality" / DATASET
ROW_COUNT_CHANGE = "RowCount >= avg(last(3)) * 0.5"


def rule_texts(table: str) -> list[str]:
    return [r.text for r in dq.load_rules((RULES_DIR / f"{table}.dqdl").read_text(encoding="utf-8"))]


def test_default_rules_folder_is_the_repositorys():
    for job in (clean, curate):
        assert str(RULES_DIR) == os.path.normpath(job.DEFAULT_QUALITY_RULES)


def test_clean_summary_has_every_rule_of_the_file_all_passed(full_run):
    report = full_run.report
    assert list(report["quality"]) == ["licences"]
    block = report["quality"]["licences"]
    assert block["ruleset"] == str(RULES_DIR / "licences.dqdl")
    assert [r["rule"] for r in block["rules"]] == rule_texts("licences")
    assert [r for r in block["rules"] if r["outcome"] != "Passed"] == []
    assert (block["passed"], block["failed"]) == (len(rule_texts("licences")), 0)
    assert block["rules"][0]["evaluated_metrics"] == {"Dataset.*.RowCount": float(report["rows_kept"])}
    assert json.loads(Path(report["report_uri"]).read_text())["quality"] == report["quality"]


def test_second_run_with_far_fewer_rows_fails_only_the_row_count_change(full_run, tmp_path, capsys):
    """History: the first run's summary (3,933 rows kept); 100 rows are less than half of it."""
    shutil.copytree(full_run.raw.parent / "quality", tmp_path / "quality")
    lines = CURRENT_EXTRACT.read_bytes().splitlines(keepends=True)
    (tmp_path / "small.csv").write_bytes(b"".join(lines[:101]))
    capsys.readouterr()
    report = clean.main(["clean.py", "--source", str(tmp_path / "small.csv"), "--target", str(tmp_path / "raw"),
                         "--quality_report", str(tmp_path / "quality")])
    block = report["quality"]["licences"]
    assert report["rows_kept"] == 100
    failed = [r for r in block["rules"] if r["outcome"] != "Passed"]
    assert [r["rule"] for r in failed] == [ROW_COUNT_CHANGE]
    assert failed[0]["failure_reason"] == "Value: 100.0 does not meet the constraint requirement!"
    assert (block["passed"], block["failed"]) == (len(rule_texts("licences")) - 1, 1)
    out = capsys.readouterr().out
    assert (f"quality licences: {len(block['rules'])} rules, {block['passed']} passed, 1 failed: "
            f"{ROW_COUNT_CHANGE} (Value: 100.0 does not meet the constraint requirement!)") in out.splitlines()
    # the rule monitors, the contract gates: the load was written
    assert report["outcome"] == "ok" and report["table_written"]


def test_curate_writes_its_summary_with_the_five_tables_results(full_run, capsys):
    [path] = sorted((full_run.curated / "_quality").glob("curate-*.json"))
    summary = json.loads(path.read_text())
    assert summary["generated_at"] and summary["job"] == "curate"
    assert list(summary["quality"]) == list(curate.TABLES)
    for table, block in summary["quality"].items():
        assert block["ruleset"] == str(RULES_DIR / f"{table}.dqdl")
        assert [r["rule"] for r in block["rules"]] == rule_texts(table)
        assert block["failed"] == 0, (table, [r for r in block["rules"] if r["outcome"] != "Passed"])
        rows = summary["tables"][table]["rows"]
        assert block["rules"][0]["evaluated_metrics"] == {"Dataset.*.RowCount": float(rows)}
    assert summary["quality"] == full_run.summary["quality"]
    assert dq.outcome_lines(summary["quality"])[0] == \
        f"quality licences_by_month: {len(rule_texts('licences_by_month'))} rules, " \
        f"{len(rule_texts('licences_by_month'))} passed"


@pytest.mark.parametrize("content, message", [
    (None, "No such file or directory"),
    ('Rules = [\n  ColumnLength "x" > 1\n]\n', "licences.dqdl:2: unsupported rule type ColumnLength"),
])
def test_a_bad_rules_folder_is_one_line_before_reading_data(capsys, tmp_path, content, message):
    if content is not None:
        for table in ["licences", *curate.TABLES]:
            (tmp_path / f"{table}.dqdl").write_text(content)
    with pytest.raises(SystemExit) as e:
        clean.main(["clean.py", "--source", str(CURRENT_EXTRACT), "--target", str(tmp_path / "raw"),
                    "--quality_rules", str(tmp_path)])
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"clean: --quality_rules {tmp_path}: ") and message in err and "\n" not in err
    assert not (tmp_path / "raw").exists()
