"""One test per "Known data problem" of the source README, on hand-picked rows (fixtures/problems/,
see fixtures/README.md: real rows verbatim, plus real rows with one documented edit each)."""
import json
import math
from decimal import Decimal

import pandas as pd
import pytest

from conftest import PROBLEMS, clean, quality_files



def ts(s: str) -> pd.Timestamp:
    return pd.Timestamp(s, tz="UTC")


def d(s: str) -> pd.Timestamp:
    return pd.Timestamp(s)  # DuckDB hands DATE columns to pandas as datetime64


def is_null(v) -> bool:
    return v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


# ---------------------------------------------------------------- reading the exports

def test_all_problem_rows_read_once_from_files_and_folder(problems_run):
    # current real 19 lines, legacy real 11, derived 19; the two files named explicitly are also
    # under the folder given: each file is read once
    assert problems_run.report["rows_read"] == 19 + 11 + 19
    assert problems_run.report["input_files"] == 3
    by_file = {k.rsplit("/", 1)[1]: v for k, v in problems_run.report["by_file"].items()}
    assert by_file["legacy-layout-real.csv"]["layout"] == "legacy"
    assert by_file["current-layout-real.csv"]["layout"] == "current"
    assert by_file["current-layout-derived.csv"]["layout"] == "current"


def test_layouts_detected_by_header_in_one_run(problem_rows):
    assert problem_rows["97-144521"]["source_layout"] == "legacy"
    assert problem_rows["24-148301"]["source_layout"] == "current"
    assert is_null(problem_rows["97-144521"]["longitude"])  # legacy: empty Geom, no geo_point_2d
    assert problem_rows["97-144521"]["source_file"].endswith("legacy-layout-real.csv")


def test_detect_layout_by_header_names():
    layout, pos = clean.detect_layout(clean.CURRENT_LAYOUT)
    assert layout == "current" and pos["geo_point_2d"] == 24
    layout, pos = clean.detect_layout(clean.LEGACY_LAYOUT)
    assert layout == "legacy" and "geo_point_2d" not in pos
    # header case and column order do not matter
    shuffled = [h.upper() for h in reversed(clean.LEGACY_LAYOUT)]
    layout, pos = clean.detect_layout(shuffled)
    assert layout == "legacy" and pos["FOLDERYEAR"] == 23
    with pytest.raises(ValueError, match="unknown layout"):
        clean.detect_layout(["id", "name", "value"])


def test_bom_and_crlf_do_not_leak_into_values(problem_rows):
    for r in problem_rows.values():
        assert r["folder_year"].isdigit() and len(r["folder_year"]) == 2
        for k, v in r.items():
            if isinstance(v, str):
                assert "\r" not in v and "\ufeff" not in v, (k, v)
    # last column of the current layout (geo_point_2d) parsed without a trailing CR
    assert problem_rows["24-148301"]["latitude"] == pytest.approx(49.2881583053534)
    assert problem_rows["24-148301"]["longitude"] == pytest.approx(-123.116590608283)


def test_two_digit_folder_year_becomes_partition_year(problem_rows):
    assert problem_rows["97-144521"]["year"] == 1997
    assert problem_rows["05-194804"]["year"] == 2005
    assert problem_rows["24-148301"]["year"] == 2024
    assert problem_rows["25-225857"]["year"] == 2025


def test_malformed_line_and_missing_rsn_rejected_with_reason(problems_run, problem_rows):
    reasons = problems_run.report["rejected_by_reason"]
    assert reasons["malformed_record"] == 1
    assert reasons["invalid_licence_rsn"] == 1
    assert "25-108318" not in problem_rows and "25-108319" not in problem_rows


# ---------------------------------------------------------------- several revisions of one licence

def test_highest_revision_kept_per_licence(problems_run, problem_rows):
    r = problem_rows["24-148301"]  # real revision 10 (RSN 4528701) + derived revision 11
    assert r["licence_revision_number"] == "11"
    assert r["licence_rsn"] == 9000001
    assert r["business_trade_name"] == "Fairmont Pacific Rim Hotel - Botanist Bar"
    assert problems_run.report["rejected_by_reason"]["superseded_revision"] == 2


def test_revisions_compared_numerically_not_as_text(problem_rows):
    r = problem_rows["24-148306"]  # real "10" vs derived unpadded "9": "9" > "10" as text
    assert r["licence_revision_number"] == "10"
    assert r["licence_rsn"] == 4528706


def test_revision_kept_as_zero_padded_text(problem_rows):
    assert problem_rows["25-225857"]["licence_revision_number"] == "01"
    assert problem_rows["97-144521"]["licence_revision_number"] == "00"


def test_same_licence_number_and_revision_keeps_one_row(problems_run, problem_rows):
    # legacy 97-049283: RSNs 23667 and 23668, both revision 00 -> the highest RSN
    assert problem_rows["97-049283"]["licence_rsn"] == 23668
    assert problems_run.report["rejected_by_reason"]["duplicate_licence_number"] == 1


# ---------------------------------------------------------------- duplicates sharing a LicenceRSN

def test_exact_duplicate_line_kept_once(problems_run):
    lic = problems_run.licences()
    assert (lic.licence_rsn == 4528517).sum() == 1
    assert lic.licence_rsn.is_unique


def test_near_duplicate_keeps_latest_most_complete_row(problems_run, problem_rows):
    # RSN 4776470: export 00:08:47 (City Richmond, no address) vs 00:08:50 (full address)
    r = problem_rows["25-225857"]
    assert r["licence_rsn"] == 4776470
    assert r["city"] == "Vancouver" and r["street"] == "GRANVILLE ST" and r["house"] == "5701"
    assert r["postal_code"] == "V6M 4J7"
    assert r["extract_date"] == ts("2025-10-04T07:08:50")
    assert problems_run.report["rejected_by_reason"]["duplicate_licence_rsn"] == 2


# ---------------------------------------------------------------- postal codes

@pytest.mark.parametrize("licence, raw, expected", [
    ("24-147940", "V6E1C6", "V6E 1C6"),      # no space
    ("10-201093", "V6G3E7", "V6G 3E7"),      # legacy, no space
    ("99-304963", "V5Z 1E9", "V5Z 1E9"),     # exported with a double space
    ("25-108314", "v6b 1a1", "V6B 1A1"),     # lower case, double space (derived)
    ("25-108315", "V6B-2S2", "V6B 2S2"),     # hyphen (derived)
    ("24-148301", "V6C 0B9", "V6C 0B9"),     # already canonical
    ("24-148748", "V6B 097", None),          # digit where a letter belongs
    ("24-148027", "V6B 15G", None),          # letter/digit swapped
    ("24-148097", "V6E", None),              # truncated
    ("98-176259", "V64 3C9", None),          # legacy, malformed
    ("24-147959", None, None),               # empty
])
def test_postal_codes_canonical_or_null(problem_rows, licence, raw, expected):
    r = problem_rows[licence]
    assert (None if is_null(r["postal_code"]) else r["postal_code"]) == expected
    assert (None if is_null(r["postal_code_raw"]) else r["postal_code_raw"]) == raw


def test_all_postal_codes_in_full_extracts_canonical(full_licences):
    pcs = full_licences.postal_code.dropna()
    assert pcs.str.fullmatch(r"[A-Z]\d[A-Z] \d[A-Z]\d").all()
    assert len(pcs) > 3700
    # every malformed source code is null, never passed through
    bad = full_licences[full_licences.postal_code.isna() & full_licences.postal_code_raw.notna()]
    assert set(bad.postal_code_raw) == {"V6B 097", "V6B 15G", "V6E", "V64 3C9"}


# ---------------------------------------------------------------- case of streets and cities

def test_street_case_normalised(problem_rows):
    assert problem_rows["24-147959"]["street"] == "W BROADWAY"   # "W Broadway"
    assert problem_rows["24-148988"]["street"] == "W BROADWAY"   # "W BROADWAY"
    assert problem_rows["25-108316"]["street"] == "W BROADWAY"   # "w broadway" (derived)
    assert problem_rows["25-108317"]["street"] == "W BROADWAY"   # "W  Broadway" (derived)
    assert problem_rows["98-176478"]["street"] == "HOWE ST"      # legacy "Howe St"


@pytest.mark.parametrize("licence, city", [
    ("24-148301", "Vancouver"),        # "Vancouver"
    ("97-144521", "Vancouver"),        # legacy "VANCOUVER"
    ("25-108301", "Vancouver"),        # "VANCOUVER"
    ("25-108302", "Vancouver"),        # " vancouver "
    ("25-108303", "Vancouver"),        # typo "Vancovuer"
    ("25-108304", "Vancouver"),        # "Vancouver, BC"
    ("25-108305", "North Vancouver"),  # another city: not folded into Vancouver
    ("25-108306", "Burnaby"),          # "BURNABY"
    ("24-291114", "Coquitlam"),        # real
])
def test_city_case_and_variants(problem_rows, licence, city):
    assert problem_rows[licence]["city"] == city


def test_full_extracts_cities(full_licences):
    assert set(full_licences.city.dropna()) == {"Vancouver", "Coquitlam"}
    assert (full_licences.street.dropna() == full_licences.street.dropna().str.upper()).all()


# ---------------------------------------------------------------- dates

def test_renewal_issued_before_folder_year_is_kept_and_flagged(problem_rows):
    r = problem_rows["24-148306"]
    assert r["issued_local_date"] == d("2023-12-04") and r["year"] == 2024
    assert r["issued_before_folder_year"] and not r["issued_after_folder_year"]


def test_issued_after_folder_year_and_expiry_before_issue_flagged(problem_rows):
    r = problem_rows["24-149570"]  # folder 24, issued 2025-01-21, expires 2024-12-31
    assert r["issued_after_folder_year"] and r["expired_before_issued"]
    assert r["expired_date"] == d("2024-12-31")
    legacy = problem_rows["97-057464"]  # folder 97, issued 1998-01-14
    assert legacy["issued_after_folder_year"] and not legacy["expired_before_issued"]
    ok = problem_rows["24-148301"]
    assert not (ok["issued_before_folder_year"] or ok["issued_after_folder_year"] or ok["expired_before_issued"])


def test_issue_timestamp_respects_source_offset(problem_rows):
    assert problem_rows["24-148301"]["issued_date"] == ts("2024-01-16T22:37:35")   # -08:00
    assert problem_rows["24-148097"]["issued_date"] == ts("2024-04-26T22:14:40")   # -07:00
    late = problem_rows["24-148819"]  # 2023-12-31T19:45:17-08:00
    assert late["issued_date"] == ts("2024-01-01T03:45:17")
    assert late["issued_local_date"] == d("2023-12-31")
    assert late["extract_date"] == ts("2025-10-01T09:31:39")


def test_legacy_plain_dates_are_vancouver_midnight(problem_rows):
    r = problem_rows["97-144521"]  # 1997-11-14 (PST)
    assert r["issued_date"] == ts("1997-11-14T08:00:00")
    assert r["issued_local_date"] == d("1997-11-14")
    assert r["expired_date"] == d("1997-12-31")
    assert problem_rows["98-176478"]["issued_date"] == ts("1998-08-27T07:00:00")  # PDT


def test_missing_dates_are_null(problem_rows):
    r = problem_rows["10-201093"]  # Pending: no dates
    assert r["status"] == "Pending"
    assert is_null(r["issued_date"]) and is_null(r["issued_local_date"]) and is_null(r["expired_date"])
    assert not r["issued_before_folder_year"] and not r["expired_before_issued"]


# ---------------------------------------------------------------- numbers

def test_employee_counts_as_numbers_with_outliers_flagged(problem_rows):
    assert problem_rows["24-148301"]["number_of_employees"] == 43.0
    assert problem_rows["24-148864"]["number_of_employees"] == 0.0          # "0.0"
    assert problem_rows["97-144521"]["number_of_employees"] == 0.0          # legacy "000"
    out = problem_rows["24-148550"]                                          # "1000.0"
    assert out["number_of_employees"] == 1000.0 and out["employees_outlier"]
    assert not problem_rows["24-148301"]["employees_outlier"]
    assert not problem_rows["24-148864"]["employees_outlier"]


def test_full_extracts_employee_outliers(full_licences):
    assert full_licences.number_of_employees.notna().all()
    assert full_licences.employees_outlier.sum() == 1
    assert (full_licences.number_of_employees == 0).sum() == 667


def test_fees_as_decimal_dollars(problem_rows):
    assert problem_rows["24-149047"]["fee_paid"] == Decimal("1374.00")     # "1374.0"
    assert problem_rows["97-144521"]["fee_paid"] == Decimal("95.00")       # legacy "95"
    assert is_null(problem_rows["24-148301"]["fee_paid"])                  # empty


# ---------------------------------------------------------------- country, local area

def test_empty_country_inferred_from_canadian_province(problem_rows):
    assert problem_rows["24-149525"]["country"] == "CA"   # empty Country, BC
    assert problem_rows["98-176478"]["country"] == "CA"   # legacy, empty Country
    assert problem_rows["24-148301"]["country"] == "CA"


def test_full_extracts_country_never_empty(full_licences):
    assert set(full_licences.country) == {"CA"}


@pytest.mark.parametrize("licence, area", [
    ("25-108307", "Arbutus-Ridge"),             # "Arbutus Ridge"
    ("25-108308", "Kensington-Cedar Cottage"),  # "kensington cedar cottage"
    ("25-108309", "Downtown"),                  # "Central Business/Downtown"
    ("24-148301", "Downtown"),
    ("24-148864", "Grandview-Woodland"),
    ("25-108313", None),                        # empty (derived)
    ("98-176259", None),                        # empty (real)
])
def test_local_area_canonical(problem_rows, licence, area):
    v = problem_rows[licence]["local_area"]
    assert (None if is_null(v) else v) == area


def test_full_extracts_local_areas_canonical(full_licences):
    assert set(full_licences.local_area.dropna()) <= set(clean.LOCAL_AREAS) | set(clean.OTHER_AREAS)
    assert full_licences.local_area.isna().sum() == 27


# ---------------------------------------------------------------- names, types, coordinates

def test_embedded_quotes_and_parentheses_in_names_preserved(problem_rows):
    r = problem_rows["24-148103"]
    assert r["business_trade_name"] == 'Phnom Penh "a" Restaurants'
    assert r["business_name"] == "Phnom Penh Restaurants (1996) Ltd"
    assert problem_rows["05-194804"]["business_name"] == '36\' 4"Liveaboard-"Karma" (Mr/Mrs Rowse)'
    assert problem_rows["10-201093"]["business_name"] == '37\' Liveaboard-"Brand XXX" (Mr/Mrs Harvey)'
    assert problem_rows["24-149525"]["business_name"] == "(Po Yee Ho)"


def test_historic_business_type_suffix_split_off(problem_rows):
    r = problem_rows["98-162070"]
    assert r["business_type"] == "Hairdressing Salon" and r["business_type_historic"]
    assert problem_rows["24-148301"]["business_type"] == "Restaurant"
    assert not problem_rows["24-148301"]["business_type_historic"]


def test_coordinates_from_geom_or_null(problem_rows):
    assert is_null(problem_rows["24-149527"]["longitude"])  # empty Geom and geo_point_2d
    r = problem_rows["24-148819"]
    assert (r["longitude"], r["latitude"]) == (pytest.approx(-123.139838272162), pytest.approx(49.269417940921))


def test_geo_point_2d_used_when_geom_missing(spark):
    cols = clean.CURRENT_LAYOUT + ["source_file", "source_layout", "_corrupt_record"]
    values = {c: None for c in cols} | {"geo_point_2d": "49.25, -123.1", "Geom": "",
                                        "source_file": "x", "source_layout": "current"}
    df = spark.createDataFrame([tuple(values[c] for c in cols)], ", ".join(f"`{c}` string" for c in cols))
    row = clean.clean_columns(df).select("longitude", "latitude").first()
    assert (row.longitude, row.latitude) == (-123.1, 49.25)


# ---------------------------------------------------------------- quality summary

def test_quality_report_written_and_consistent(problems_run):
    files = quality_files(problems_run.raw.parent / "quality")
    assert len(files) == 1
    report = json.loads(open(files[0]).read())
    assert report["rows_read"] == report["rows_kept"] + report["rows_rejected"] == 49
    assert report["rows_kept"] == len(problems_run.licences()) == 42
    assert sum(report["rejected_by_reason"].values()) == report["rows_rejected"] == 7
    assert sum(f["rows_read"] for f in report["by_file"].values()) == 49
    assert sum(y["rows_read"] for y in report["by_year"].values()) == 49
    checks = report["checks_on_kept_rows"]
    assert checks["postal_code_malformed_nulled"] == 4
    assert checks["employees_outlier"] == 1
    assert checks["issued_after_folder_year"] == 2
    assert checks["expired_before_issued"] == 1
    assert checks["local_area_canonicalised"] == 3
