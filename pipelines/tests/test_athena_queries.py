"""Each Athena named query, run by DuckDB over the curated Parquet the jobs wrote (views named like
the Glue tables), must give the figures computed independently with pandas from the raw CSVs."""
import re

import pandas as pd
import pytest

import reference as ref
from conftest import ATHENA, CURRENT_EXTRACT, LEGACY_EXTRACT
from report.queries import fill

QUERIES = ["licences_issued_per_month", "average_fee_by_business_type", "top_local_areas",
           "status_breakdown_by_year", "change_by_business_type_year_over_year"]


def sql(name: str, latest_year: int = 2024, previous_year: int = 2023) -> str:
    """The query text with its `{{parameters}}` filled, as the planner fills them (the report
    builder's filler: an unknown parameter raises)."""
    values = {"latest_year": latest_year, "previous_year": previous_year}
    return fill((ATHENA / f"{name}.sql").read_text(), values, name)


@pytest.fixture(scope="module")
def lic() -> pd.DataFrame:
    return ref.one_row_per_licence(ref.read_exports([CURRENT_EXTRACT, LEGACY_EXTRACT]))


@pytest.fixture(scope="module")
def con(full_run):
    return full_run.duckdb()


def run(con, name: str) -> pd.DataFrame:
    return con.execute(sql(name)).df()


def test_exactly_the_named_query_files():
    assert sorted(p.stem for p in ATHENA.glob("*.sql")) == sorted(QUERIES)


@pytest.mark.parametrize("name", QUERIES)
def test_query_file_shape(name):
    text = sql(name)
    first = text.splitlines()[0]
    assert re.fullmatch(r"-- \S.{10,}", first), first  # NamedQuery description
    assert len(first) - 3 <= 1024
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    # tables unqualified: the workgroup / database context supplies the database
    for table in re.findall(r"\b(?:FROM|JOIN)\s+([\w.\"]+)", body, flags=re.I):
        assert "." not in table, table
    assert ";" not in body.rstrip().rstrip(";"), "one statement per file"


def test_licences_issued_per_month(con, lic):
    got = run(con, "licences_issued_per_month")
    assert got.month_start.is_monotonic_increasing
    ours = {f"{r.issued_year:04d}-{r.issued_month:02d}": int(r.licences_issued) for r in got.itertuples()}
    assert ours == ref.issued_per_month(lic)
    assert all(pd.Timestamp(r.month_start).strftime("%Y-%m") == f"{r.issued_year:04d}-{r.issued_month:02d}"
               for r in got.itertuples())
    # busiest month (the demo's insight)
    expected = max(ref.issued_per_month(lic).items(), key=lambda kv: kv[1])
    best = got.sort_values(["licences_issued", "month_start"], ascending=[False, True]).iloc[0]
    assert (f"{best.issued_year:04d}-{best.issued_month:02d}", int(best.licences_issued)) == expected


def test_average_fee_by_business_type(con, lic):
    got = run(con, "average_fee_by_business_type")
    expected = ref.average_fee_by_type(lic)
    assert set(got.business_type) == set(expected)
    for r in got.itertuples():
        n, mean = expected[r.business_type]
        assert int(r.licences_with_fee) == n
        assert r.average_fee == pytest.approx(mean, abs=0.00501), r.business_type  # rounded to cents
    assert list(got.average_fee) == sorted(got.average_fee, reverse=True)
    assert got.iloc[0].business_type == max(expected, key=lambda k: expected[k][1])


def test_top_local_areas(con, lic):
    got = run(con, "top_local_areas")
    counts = ref.local_area_counts(lic)
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert [(r.local_area, int(r.licences)) for r in got.itertuples()] == expected
    assert got.iloc[0].local_area == "Downtown"


def test_status_breakdown_by_year(con, lic):
    got = run(con, "status_breakdown_by_year")
    expected = ref.status_by_year(lic)
    ours = {(int(r.folder_year), r.status): (int(r.licence_count), r.pct_of_year) for r in got.itertuples()}
    assert set(ours) == set(expected)
    for key, (n, pct) in expected.items():
        assert ours[key][0] == n, key
        assert ours[key][1] == pytest.approx(pct, abs=0.00501), key  # rounded to 2 places
    for year, g in got.groupby("folder_year"):
        assert g.pct_of_year.sum() == pytest.approx(100, abs=0.05)


def test_change_year_over_year_on_extracts(con, lic):
    # the extracts have folder year 2024 but no 2023: every 2024 type appears with 2023 = 0
    got = run(con, "change_by_business_type_year_over_year")
    e23, e24 = ref.types_by_year(lic, 2023), ref.types_by_year(lic, 2024)
    assert e23 == {} and e24 == {"Restaurant": 1704}
    assert len(got) == 1
    r = got.iloc[0]
    assert (r.business_type, int(r.previous_year), int(r.latest_year), int(r.licences_previous),
            int(r.licences_latest), int(r.licence_change)) == ("Restaurant", 2023, 2024, 0, 1704, 1704)
    assert pd.isna(r["pct_change"])


def test_change_year_over_year_logic():
    """The same SQL over a hand-made business_types_by_year with both years."""
    import duckdb

    rows = pd.DataFrame([
        (2023, "Restaurant", 100, 90), (2024, "Restaurant", 120, 110), (2025, "Restaurant", 999, 999),
        (2023, "Office", 50, 50), (2024, "Office", 40, 40),
        (2024, "Cannabis Retail", 7, 7),
        (2023, "Cheque Cashing", 3, 0),
        (2022, "Duplex", 5, 5),
    ], columns=["folder_year", "business_type", "licence_count", "issued_count"])
    rows = rows.astype({"folder_year": "int32", "licence_count": "int64", "issued_count": "int64"})
    con = duckdb.connect()
    con.register("business_types_by_year", rows)
    got = con.execute(sql("change_by_business_type_year_over_year")).df()
    cols = ["business_type", "licences_previous", "licences_latest", "licence_change"]
    assert [tuple(x) for x in got[cols]
            .astype({"licences_previous": int, "licences_latest": int, "licence_change": int}).values] == [
        ("Restaurant", 100, 120, 20), ("Cannabis Retail", 0, 7, 7),
        ("Cheque Cashing", 3, 0, -3), ("Office", 50, 40, -10)]
    pct = dict(zip(got["business_type"], got["pct_change"]))
    assert pct["Restaurant"] == 20.0 and pct["Office"] == -20.0 and pct["Cheque Cashing"] == -100.0
    assert pd.isna(pct["Cannabis Retail"])
    # the environment moves on: 2024 vs 2025 from the same file
    later = con.execute(sql("change_by_business_type_year_over_year", 2025, 2024)).df()
    assert dict(zip(later.business_type, later.licence_change.astype(int))) == {
        "Restaurant": 879, "Office": -40, "Cannabis Retail": -7}


def test_top_local_areas_logic():
    """The same SQL over a hand-made licences_by_local_area: only the City's local areas, summed
    over years, ten at most, ties by name."""
    import duckdb

    areas = [f"Area {i:02d}" for i in range(12)]
    rows = [(2024, a, True, 10 + i, 5, 0.0) for i, a in enumerate(areas)]
    rows += [(2025, "Area 00", True, 100, 90, 0.0), (2025, "Unknown", False, 10_000, 0, 0.0),
             (2025, "Out of Town", False, 5_000, 0, 0.0), (2024, "Area 10", True, 1, 1, 0.0)]
    df = pd.DataFrame(rows, columns=["folder_year", "local_area", "is_city_local_area", "licence_count",
                                     "issued_count", "employee_total"])
    con = duckdb.connect()
    con.register("licences_by_local_area", df)
    got = con.execute(sql("top_local_areas")).df()
    assert [(r.local_area, int(r.licences)) for r in got.itertuples()] == [
        ("Area 00", 110), ("Area 10", 21), ("Area 11", 21), ("Area 09", 19), ("Area 08", 18),
        ("Area 07", 17), ("Area 06", 16), ("Area 05", 15), ("Area 04", 14), ("Area 03", 13)]
