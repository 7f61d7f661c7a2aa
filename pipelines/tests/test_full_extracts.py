"""The clean and curate jobs on the full real extracts (3,385 current rows + 550 legacy rows)."""
import json

import pandas as pd

import reference as ref
from conftest import CURRENT_EXTRACT, LEGACY_EXTRACT, quality_files


def test_one_row_per_licence_number_on_full_current_extract(full_licences):
    cur = full_licences[full_licences.source_layout == "current"]
    assert cur.licence_number.is_unique
    assert len(cur) == 3384  # 3,385 rows, one of them a near duplicate of LicenceRSN 4776470
    src = pd.read_csv(CURRENT_EXTRACT, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert len(src) == 3385
    assert set(cur.licence_number) == set(src.LicenceNumber)
    assert set(cur.groupby("year").size().to_dict().items()) == {(2024, 1704), (2025, 1680)}


def test_legacy_extract_parses(full_licences):
    leg = full_licences[full_licences.source_layout == "legacy"]
    assert leg.licence_number.is_unique
    assert len(leg) == 549  # 550 rows; 97-049283 appears under two RSNs
    assert sorted(leg.year.unique()) == list(range(1997, 2013))
    assert leg.licence_number.str.fullmatch(r"\d\d-\d{6}").all()
    assert (leg.folder_year == leg.licence_number.str[:2]).all()
    assert set(leg.status) == {"Issued", "Pending", "Gone Out of Business", "Cancelled", "Inactive"}
    assert leg.issued_date.notna().sum() == 461 - 1  # the dropped 97-049283 row had a date
    assert leg.fee_paid.notna().sum() == 457


def test_whole_table_unique_and_matches_reference(full_licences):
    assert full_licences.licence_number.is_unique and full_licences.licence_rsn.is_unique
    lic = ref.one_row_per_licence(ref.read_exports([CURRENT_EXTRACT, LEGACY_EXTRACT]))
    ours = full_licences.set_index("licence_number").sort_index()
    theirs = lic.set_index("LicenceNumber").sort_index()
    assert list(ours.index) == list(theirs.index)
    assert (ours.licence_rsn == theirs.LicenceRSN.astype(int)).all()
    assert (ours.year == theirs.folder_year).all()
    assert (ours.status == theirs.Status).all()
    fees = ours.fee_paid.map(lambda v: None if pd.isna(v) else float(v))
    assert fees.fillna(-1).tolist() == theirs.fee.fillna(-1).tolist()
    issued = ours.issued_local_date.map(lambda v: "" if pd.isna(v) else v.strftime("%Y-%m-%d"))
    assert issued.tolist() == theirs.IssuedDate.str[:10].tolist()


def test_quality_report_for_full_extracts(full_run):
    files = quality_files(full_run.raw.parent / "quality")
    assert len(files) == 1
    report = json.loads(open(files[0]).read())
    assert report == full_run.report
    assert report["rows_read"] == 3935 and report["rows_kept"] == 3933
    assert report["rejected_by_reason"] == {"duplicate_licence_rsn": 1, "duplicate_licence_number": 1}
    by_file = {k.rsplit("/", 1)[1]: v for k, v in report["by_file"].items()}
    assert by_file[CURRENT_EXTRACT.name]["rows_read"] == 3385
    assert by_file[LEGACY_EXTRACT.name]["rows_read"] == 550
    assert report["by_year"]["2024"]["rows_kept"] == 1704
    assert report["checks_on_kept_rows"]["issued_before_folder_year"] == 2192
    assert report["checks_on_kept_rows"]["expired_before_issued"] == 5


def test_curate_summary_counts_rows(full_run):
    assert full_run.summary["source_rows"] == 3933
    assert set(full_run.summary["tables"]) == {
        "licences_by_month", "fees_by_business_type", "licences_by_local_area", "status_by_year",
        "business_types_by_year"}
    con = full_run.duckdb()
    for table in ("status_by_year", "business_types_by_year", "fees_by_business_type"):
        assert con.execute(f"SELECT SUM(licence_count) FROM {table}").fetchone()[0] == 3933
    assert con.execute("SELECT SUM(licence_count) FROM licences_by_local_area").fetchone()[0] == 3933
    assert con.execute("SELECT SUM(licence_count) FROM licences_by_month").fetchone()[0] == 3933 - 89  # 89 licences without an issue date


def test_rerun_overwrites_only_its_partitions(spark, full_run, tmp_path):
    """Dynamic partition overwrite: loading one year again leaves the other years in place."""
    import shutil

    import clean

    raw = tmp_path / "raw"
    shutil.copytree(full_run.raw, raw)
    clean.main(["clean.py", "--source", str(LEGACY_EXTRACT), "--target", str(raw)])
    from conftest import read_table
    again = read_table(raw, "licences")
    assert len(again) == 3933
    assert again.licence_number.is_unique
