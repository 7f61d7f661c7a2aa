"""The report page built from the jobs' output on the bundled real extracts (clean + curate run once
by the `full_run` fixture): every number on it equals an independent pandas computation from the
CSVs (`reference.py`), and every chart has one mark per row of the table beside it."""
from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import pytest

import reference as ref
from conftest import CURRENT_EXTRACT, LEGACY_EXTRACT, ROOT
from report.__main__ import main
from report.queries import fill, read_sql
from report_helpers import Page, num

MONTHS, FEES, AREAS, STATUS, CHANGE = (
    "licences_issued_per_month", "average_fee_by_business_type", "top_local_areas",
    "status_breakdown_by_year", "change_by_business_type_year_over_year")
CENT = 0.00501  # the SQL rounds to cents (and percentages to 2 or 1 places); pandas does not


# --------------------------------------------------------------------------- the independent side

@pytest.fixture(scope="module")
def exports() -> pd.DataFrame:
    """Every CSV row, with the file it came from and its layout (by column count)."""
    frames = []
    for path in (CURRENT_EXTRACT, LEGACY_EXTRACT):
        df = pd.read_csv(path, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
        df["_layout"] = "current" if len(df.columns) == 25 else "legacy"
        df["_file"] = path.name
        frames.append(df)
    return pd.concat(frames, ignore_index=True).fillna("")


@pytest.fixture(scope="module")
def lic(exports) -> pd.DataFrame:
    return ref.one_row_per_licence(exports)


# --------------------------------------------------------------------------- the pages

def build(tmp: Path, *args: str) -> Page:
    assert main(["build", *args, "--output", str(tmp)]) == 0
    text = (tmp / "index.html").read_text(encoding="utf-8")
    page = Page(text)
    page.text = text
    return page


@pytest.fixture(scope="module")
def page(full_run, tmp_path_factory) -> Page:
    """Built as `make report` does, with the raw folder and the quality report: years from the data."""
    quality = Path(full_run.report["report_uri"])
    assert quality.is_file()
    return build(tmp_path_factory.mktemp("report"), "--curated", str(full_run.curated),
                 "--raw", str(full_run.raw), "--quality", str(quality.parent))


@pytest.fixture(scope="module")
def env_page(full_run, tmp_path_factory) -> Page:
    """Years from environments/local.yaml (2023, 2024), curated tables only."""
    return build(tmp_path_factory.mktemp("report-env"), "--curated", str(full_run.curated),
                 "--environment", str(ROOT / "environments" / "local.yaml"))


def rows(page: Page, query: str) -> list[list[str]]:
    t = page.chart_table(query)
    assert t is not None, f"no table beside the {query} chart"
    return t["rows"]


# --------------------------------------------------------------------------- the five questions

def test_licences_issued_per_month(page, lic):
    expected = sorted(ref.issued_per_month(lic).items())
    assert [(m, num(n)) for m, n in rows(page, MONTHS)] == expected
    best = max(expected, key=lambda kv: (kv[1], [-ord(c) for c in kv[0]]))
    total = sum(n for _, n in expected)
    assert page.answers["months"] == (
        f"The busiest month was {best[0]} with {best[1]:,} licences issued; {total:,} licences with "
        f"an issue date over {len(expected)} months from {expected[0][0]} to {expected[-1][0]}.")


def test_average_fee_by_business_type(page, lic):
    expected = ref.average_fee_by_type(lic)  # type -> (licences with a fee, unrounded mean)
    full = page.all_rows_table(FEES)
    assert full is not None and len(full["rows"]) == len(expected)
    paid = lic.dropna(subset=["fee"]).groupby("business_type")["fee"].sum()
    for name, n, avg, total in full["rows"]:
        assert num(n) == expected[name][0], name
        assert num(avg) == pytest.approx(expected[name][1], abs=CENT), name
        assert num(total) == pytest.approx(float(paid[name]), abs=CENT), name
    # The chart: the 20 types with the most licences with a fee, highest average first.
    chosen = sorted(expected.items(), key=lambda kv: (-kv[1][0], kv[0]))[:20]
    order = sorted(chosen, key=lambda kv: (-round(kv[1][1], 2), kv[0]))
    assert [r[0] for r in rows(page, FEES)] == [name for name, _ in order]
    ranked = [kv for kv in sorted(expected.items(), key=lambda kv: (-round(kv[1][1], 2), kv[0]))
              if kv[1][0] >= 20]
    name, (n, mean) = ranked[0]
    assert page.answers["fees"] == (
        f"Of the business types with at least 20 licences with a fee, {name} pays the most on "
        f"average: ${mean:,.2f} over {n:,} licences.")


def test_top_local_areas(page, lic):
    counts = ref.local_area_counts(lic)
    issued = lic[lic["LocalArea"].isin(ref.LOCAL_AREAS) & (lic["Status"] == "Issued")]
    issued = issued["LocalArea"].value_counts().to_dict()
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert [(a, num(n), num(i)) for a, n, i in rows(page, AREAS)] == [
        (a, n, issued.get(a, 0)) for a, n in top]
    a, n = top[0]
    assert page.answers["areas"] == f"{a} has the most licences: {n:,}, {issued[a]:,} of them issued."


def test_status_breakdown_by_year(page, lic):
    expected = ref.status_by_year(lic)
    got = [(int(y), s, num(n), num(p)) for y, s, n, p in rows(page, STATUS)]
    assert {(y, s) for y, s, _, _ in got} == set(expected)
    for y, s, n, p in got:
        assert n == expected[(y, s)][0], (y, s)
        assert p == pytest.approx(expected[(y, s)][1], abs=CENT), (y, s)
    assert got == sorted(got, key=lambda r: (r[0], -r[2], r[1]))
    latest = max(y for y, _ in expected)
    status, (n, pct) = max(((s, v) for (y, s), v in expected.items() if y == latest),
                           key=lambda kv: (kv[1][0], kv[0]))
    assert page.answers["status"].startswith(
        f"In {latest}, the latest folder year, {pct:.2f} % of the year's licences are {status} ({n:,});")


def change_expected(lic, previous: int, latest: int) -> list[tuple]:
    before, after = ref.types_by_year(lic, previous), ref.types_by_year(lic, latest)
    out = []
    for t in set(before) | set(after):
        p, n = before.get(t, 0), after.get(t, 0)
        out.append((t, p, n, n - p, round(100 * (n - p) / p, 1) if p else None))
    return sorted(out, key=lambda r: (-r[3], r[0]))


def test_change_by_business_type_between_the_data_years(page, lic):
    years = sorted(lic["folder_year"].unique())
    previous, latest = int(years[-2]), int(years[-1])
    expected = change_expected(lic, previous, latest)
    table = page.chart_table(CHANGE)
    assert table["headers"][1:3] == [f"Licences {previous}", f"Licences {latest}"]
    got = [(t, num(p), num(n), num(c), num(pct)) for t, p, n, c, pct in table["rows"]]
    assert [g[:4] for g in got] == [e[:4] for e in expected]
    for g, e in zip(got, expected):
        assert (g[4] is None) == (e[4] is None) and (e[4] is None or g[4] == pytest.approx(e[4], abs=0.0501))
    assert page.facts["Years compared"].startswith(f"{latest} with {previous}: the two latest folder years")


def test_change_by_business_type_between_the_environment_years(env_page, lic):
    expected = change_expected(lic, 2023, 2024)
    got = [(t, num(p), num(n), num(c), num(pct)) for t, p, n, c, pct in rows(env_page, CHANGE)]
    assert got == expected  # Restaurant: none in 2023, so no percentage
    assert env_page.facts["Years compared"].startswith("2024 with 2023: the dataset years of ")


# --------------------------------------------------------------------------- marks, freshness, quality

@pytest.mark.parametrize("query,value_column", [(MONTHS, 1), (FEES, 2), (AREAS, 1), (CHANGE, 3)])
def test_each_mark_draws_its_table_row(page, query, value_column):
    marks, table = page.marks[query], rows(page, query)
    assert len(marks) == len(table) > 0
    for mark, row in zip(marks, table):
        assert mark["data-label"] == row[0]
        assert float(mark["data-value"]) == pytest.approx(num(row[value_column]), abs=CENT)


def test_each_status_segment_draws_its_table_row(page):
    marks = page.marks[STATUS]
    table = rows(page, STATUS)
    assert len(marks) == len(table)
    assert sorted((m["data-group"], m["data-category"], int(m["data-value"])) for m in marks) == \
        sorted((y, s, num(n)) for y, s, n, _ in table)


def test_freshness(page, env_page, lic):
    issued = lic.loc[lic["IssuedDate"] != "", "IssuedDate"]
    assert page.facts["Latest issue month in the data"] == issued.str[:7].max()
    assert page.facts["Latest issue date (local)"] == issued.str[:10].max()
    assert page.facts["Latest extract date"] == lic["_extract"].max().strftime("%Y-%m-%d %H:%M UTC")
    # Without the raw table the page says where the extract date is, rather than guessing it.
    assert env_page.facts["Latest issue month in the data"] == issued.str[:7].max()
    assert env_page.facts["Latest extract date"].startswith("not read")


def test_quality_summary(page, exports, lic, full_run):
    read, kept = len(exports), len(lic)
    # Rejected, by reason, computed directly: rows sharing a LicenceRSN, then, per licence number,
    # older revisions and further rows of the highest revision.
    rsn_duplicates = read - exports["LicenceRSN"].nunique()
    unique = exports.drop_duplicates("LicenceRSN")
    rev = unique["LicenceRevisionNumber"].astype(int)
    top_rev = rev.groupby(unique["LicenceNumber"]).transform("max")
    superseded = int((rev < top_rev).sum())
    duplicate_numbers = int((rev == top_rev).sum()) - unique["LicenceNumber"].nunique()
    reasons = {"duplicate licence rsn": rsn_duplicates, "superseded revision": superseded,
               "duplicate licence number": duplicate_numbers}
    assert sum(reasons.values()) == read - kept

    tables = page.quality_tables()
    assert {r[0]: num(r[1]) for r in tables["Rows of the last clean run"]["rows"]} == {
        "read": read, "kept": kept, "rejected": read - kept}
    assert {r[0]: num(r[1]) for r in tables["Rejected rows by reason"]["rows"]} == {
        k: v for k, v in reasons.items() if v}
    by_file = {r[0]: (r[1], num(r[2]), num(r[3]), num(r[4])) for r in tables["Rows by input file"]["rows"]}
    kept_by_file = lic["_file"].value_counts()
    assert by_file == {
        f: (g["_layout"].iloc[0], len(g), int(kept_by_file[f]), len(g) - int(kept_by_file[f]))
        for f, g in exports.groupby("_file")}
    assert page.answers["quality"] == (f"The last clean run read {read:,} rows from 2 files, kept "
                                       f"{kept:,} (one per licence) and rejected {read - kept:,}.")
    assert Path(full_run.report["report_uri"]).name in page.facts["Last clean run"]


def test_every_chart_is_labelled_and_shows_the_sql_that_ran(page, lic):
    for query in (MONTHS, FEES, AREAS, STATUS, CHANGE):
        svg = page.svgs[query]
        assert svg["role"] == "img" and svg["aria-labelledby"] == f"{svg['id']}-title {svg['id']}-desc"
        assert page.svg_text[(svg["id"], "title")] and page.svg_text[(svg["id"], "desc")]
        years = sorted(lic["folder_year"].unique())
        sql = fill(read_sql(query), {"latest_year": years[-1], "previous_year": years[-2]}, query)
        assert html.escape(sql.rstrip(), quote=True) in page.text, query
