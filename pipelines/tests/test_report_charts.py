"""The report's charts and page on hand-made answers (no Spark): one mark per row, names that need
escaping survive as text, an empty answer gives a "no data" note, the page is deterministic and
self-contained."""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from report import charts, page
from report.sources import Answer, Result
from report_helpers import Page, num

HOSTILE = ["<script>alert('x')</script>", 'Bob & "Sons" <Ltd>', "Café d'Été", "A&amp;B", "]]>"]
SVG = "{http://www.w3.org/2000/svg}"


def svg_tree(svg: str) -> ET.Element:
    """The chart parsed as XML: well-formed, whatever the names."""
    return ET.fromstring(svg)


def marks(tree: ET.Element) -> list[ET.Element]:
    return [e for e in tree.iter() if "mark" in (e.get("class") or "").split()]


# --------------------------------------------------------------------------- one mark per row

@pytest.mark.parametrize("n", [1, 2, 7, 40])
def test_bars_have_one_mark_per_row(n):
    rows = [{"label": f"type {i}", "value": float(i * 3), "hatched": i % 2 == 0} for i in range(n)]
    tree = svg_tree(charts.hbar("c", "t", "d", rows, "x (unit)", hatch_note="hatched: few"))
    got = marks(tree)
    assert len(got) == n
    assert [m.get("data-label") for m in got] == [r["label"] for r in rows]
    assert [float(m.get("data-value")) for m in got] == [r["value"] for r in rows]
    widths = [float(m.get("width")) for m in got]
    assert widths == sorted(widths)  # longer bar, larger value
    assert widths[0] == 0


@pytest.mark.parametrize("n", [1, 3, 25])
def test_diverging_bars_go_left_for_decreases(n):
    rows = [{"label": f"t{i}", "value": v} for i, v in enumerate(range(n // 2 - n + 1, n // 2 + 1))]
    tree = svg_tree(charts.diverging("c", "t", "d", rows, "change (count)"))
    got = marks(tree)
    assert len(got) == n
    zero = min(float(m.get("x")) for m in got if int(m.get("data-value")) >= 0)
    for m in got:
        v = int(m.get("data-value"))
        if v < 0:
            assert float(m.get("x")) + float(m.get("width")) == pytest.approx(zero, abs=0.02)
            assert m.get("fill").startswith("url(#")  # hatched: not only a colour
        else:
            assert float(m.get("x")) == pytest.approx(zero, abs=0.02)
    texts = "".join(tree.itertext())
    if any(r["value"] < 0 for r in rows):
        assert "\u2212" in texts  # the sign is written


def test_stacked_bars_have_one_mark_per_part_and_fill_the_bar():
    groups = [{"label": "2023", "parts": [("Issued", 90), ("Pending", 7), ("Cancelled", 3)]},
              {"label": "2024", "parts": [("Issued", 5)]},
              {"label": "2025", "parts": [("Pending", 1), ("Cancelled", 1)]}]
    tree = svg_tree(charts.stacked("c", "t", "d", groups, ["Issued", "Pending", "Cancelled"], "% of year"))
    got = marks(tree)
    assert len(got) == 6
    for g in groups:
        parts = [m for m in got if m.get("data-group") == g["label"]]
        assert [(m.get("data-category"), int(m.get("data-value"))) for m in parts] == g["parts"]
        widths = [float(m.get("width")) for m in parts]
        assert sum(widths) == pytest.approx(sum(float(m.get("width")) for m in got
                                                if m.get("data-group") == "2024"), abs=0.05)
    # Each category keeps its fill in every year, and no two categories share one.
    fills = {}
    for m in got:
        fills.setdefault(m.get("data-category"), set()).add(m.get("fill"))
    assert all(len(f) == 1 for f in fills.values()) and len({next(iter(f)) for f in fills.values()}) == 3


def test_line_has_one_point_per_month_and_breaks_at_gaps():
    points = [(2011, 11, 3), (2011, 12, 4), (2012, 1, 2), (2024, 5, 100), (2024, 6, 90)]
    tree = svg_tree(charts.line("c", "t", "d", points, "Licences (count)", "Month"))
    got = marks(tree)
    assert [m.get("data-label") for m in got] == ["2011-11", "2011-12", "2012-01", "2024-05", "2024-06"]
    path = next(e for e in tree.iter(f"{SVG}path") if e.get("class") == "line")
    assert path.get("d").count("M") == 2  # two runs of consecutive months
    assert any(e.get("class") == "gap" for e in tree.iter(f"{SVG}rect"))


def test_a_single_point_or_zero_values_do_not_divide_by_zero():
    for svg in (charts.line("c", "t", "d", [(2024, 1, 0)], "y", "x"),
                charts.hbar("c", "t", "d", [{"label": "a", "value": 0}], "x"),
                charts.diverging("c", "t", "d", [{"label": "a", "value": 0}], "x"),
                charts.stacked("c", "t", "d", [{"label": "2024", "parts": [("Issued", 0)]}], ["Issued"], "%")):
        tree = svg_tree(svg)
        assert len(marks(tree)) == 1
        assert "nan" not in svg.lower() and "inf" not in svg.lower()


def test_a_missing_value_keeps_its_mark():
    tree = svg_tree(charts.hbar("c", "t", "d", [{"label": "a", "value": None}, {"label": "b", "value": 2.0}], "x"))
    assert [m.get("data-value") for m in marks(tree)] == ["", "2"]


# --------------------------------------------------------------------------- text and accessibility

@pytest.mark.parametrize("name", HOSTILE)
def test_names_are_escaped_and_kept_as_text(name):
    for svg in (charts.hbar("c", "t", "d", [{"label": name, "value": 1.0}], "x"),
                charts.diverging("c", "t", "d", [{"label": name, "value": -1}], "x"),
                charts.stacked("c", "t", "d", [{"label": name, "parts": [(name, 1)]}], [name], "%")):
        assert "<script" not in svg
        tree = svg_tree(svg)
        assert marks(tree)[0].get("data-label").startswith(name if len(name) < 30 else name[:10])
        texts = [t.text for t in tree.iter(f"{SVG}text")]
        assert charts.shorten(name) in texts


def test_charts_are_labelled_images():
    svg = charts.hbar("c-x", "Title <1>", "Desc & more", [{"label": "a", "value": 1.0}], "Axis (unit)")
    tree = svg_tree(svg)
    assert tree.get("role") == "img"
    assert tree.get("aria-labelledby") == "c-x-title c-x-desc"
    assert tree.find(f"{SVG}title").text == "Title <1>"
    assert tree.find(f"{SVG}desc").text == "Desc & more"
    assert "Axis (unit)" in [t.text for t in tree.iter(f"{SVG}text")]


def test_the_palette_and_patterns_give_every_category_its_own_look():
    assert len(set(charts.OKABE_ITO)) == 8
    assert len({charts.style(i) for i in range(64)}) == 64


def test_ticks_cover_the_range_with_round_steps():
    for lo, hi in [(0, 1), (0, 7), (0, 1814), (0, 0.3), (-24, 24), (0, 1_000_000)]:
        ticks = charts.nice_ticks(lo, hi)
        assert ticks[0] <= lo and ticks[-1] >= hi and 2 <= len(ticks) <= 12
        steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:])}
        assert len(steps) == 1
    assert all(float(t).is_integer() for t in charts.nice_ticks(0, 2, integer=True))


@pytest.mark.parametrize("kind", ["hbar", "diverging", "stacked", "line"])
def test_an_empty_answer_is_a_note_not_a_crash(kind):
    f = getattr(charts, kind)
    out = f("c", "t", "d", [], "x") if kind in ("hbar", "diverging") else \
        f("c", "t", "d", [], [], "x") if kind == "stacked" else f("c", "t", "d", [], "y", "x")
    assert out.startswith('<p class="no-data">') and "<svg" not in out


# --------------------------------------------------------------------------- the page

COLUMNS = {
    "licences_issued_per_month": ["month_start", "issued_year", "issued_month", "licences_issued"],
    "average_fee_by_business_type": ["business_type", "licences_with_fee", "total_fee", "average_fee"],
    "top_local_areas": ["local_area", "licences", "issued_licences"],
    "status_breakdown_by_year": ["folder_year", "status", "licence_count", "pct_of_year"],
    "change_by_business_type_year_over_year": ["business_type", "previous_year", "latest_year",
                                               "licences_previous", "licences_latest", "licence_change",
                                               "pct_change"],
}
WHEN = dt.datetime(2025, 1, 2, 3, 4, tzinfo=dt.timezone.utc)


def answers(data: dict) -> dict:
    return {name: Answer(name, f"-- {name}\nSELECT 1 -- <&>", Result(cols, data.get(name, [])))
            for name, cols in COLUMNS.items()}


def hostile_answers() -> dict:
    types = HOSTILE + [f"Type {i:02d}" for i in range(30)]
    return answers({
        "licences_issued_per_month": [(dt.date(2024, m, 1), 2024, m, m * 10) for m in range(1, 13)],
        "average_fee_by_business_type": [(t, 50 - i, 100.0 * (50 - i), 100.0) for i, t in enumerate(types)],
        "top_local_areas": [(HOSTILE[1], 30, 20), ("Downtown", 10, 9)],
        "status_breakdown_by_year": [(2024, HOSTILE[0], 3, 75.0), (2024, "Issued", 1, 25.0)],
        "change_by_business_type_year_over_year": [
            (t, 2024, 2025, 10, 10 + 20 - i, 20 - i, 10.0 * (20 - i)) for i, t in enumerate(types)],
    })


def test_the_page_shows_hostile_names_as_text_and_marks_match_tables():
    text = page.render(hostile_answers(), generated_at=WHEN, source_label="test <src>",
                       years=[2024, 2025], years_origin="--years 2024,2025")
    assert "<script>" not in text and "&lt;script&gt;" in text
    p = Page(text)
    for name in COLUMNS:
        table = p.chart_table(name)
        assert len(p.marks[name]) == len(table["rows"]) > 0, name
    fees = p.chart_table("average_fee_by_business_type")["rows"]
    assert len(fees) == page.MAX_TYPES
    assert HOSTILE[0] in [r[0] for r in fees]
    assert HOSTILE[1] == p.chart_table("top_local_areas")["rows"][0][0]
    change = p.chart_table("change_by_business_type_year_over_year")["rows"]
    assert len(change) == page.MAX_TYPES  # the 10 largest increases and the 10 largest decreases
    values = [num(r[3]) for r in change]
    assert values == sorted(values, reverse=True) and values[0] == 20 and values[-1] == -14
    full = p.all_rows_table("change_by_business_type_year_over_year")
    assert len(full["rows"]) == len(HOSTILE) + 30


def test_an_empty_page_has_a_note_per_chart():
    text = page.render(answers({}), generated_at=WHEN, years=[2023, 2024])
    p = Page(text)
    assert set(p.no_data) >= set(COLUMNS)
    assert all(not v for v in p.marks.values())
    assert not [t for t in p.tables if t["figure"]]
    assert p.no_data["quality"].startswith("No quality report")
    assert "2023 to 2024" in text


def test_the_page_is_deterministic_and_self_contained():
    a = page.render(hostile_answers(), generated_at=WHEN, source_label="s")
    b = page.render(hostile_answers(), generated_at=WHEN, source_label="s")
    assert a == b
    assert "<script" not in a.replace("&lt;script", "")
    # Nothing to fetch: no external URL in any src/href/url(), no @import, no link element.
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#)""", a)
    assert not re.search(r"url\((?!#)", a)
    assert "@import" not in a and "<link" not in a
    # Every table has a caption and scoped headers.
    p = Page(a)
    assert all(t["caption"] for t in p.tables)
    assert a.count('<th scope="col"') >= sum(len(t["headers"]) for t in p.tables)


def test_quality_summary_without_rejections():
    quality = {"rows_read": 10, "rows_kept": 10, "rows_rejected": 0, "rejected_by_reason": {},
               "input_files": 1, "generated_at": "2025-10-04T07:08:50Z",
               "by_file": {"s3://b/p/<x>.csv": {"rows_read": 10, "rows_kept": 10, "rows_rejected": 0,
                                                "layout": "current"}}}
    p = Page(page.render(answers({}), quality=quality, quality_origin="q.json", generated_at=WHEN))
    tables = p.quality_tables()
    assert tables["Rows by input file"]["rows"] == [["<x>.csv", "current", "10", "10", "0"]]
    assert "Rejected rows by reason" not in tables
    assert p.facts["Last clean run"] == "2025-10-04 07:08 UTC (q.json)"


def test_quality_summary_of_a_refused_load():
    quality = {"rows_read": 10, "rows_kept": 7, "rows_rejected": 3, "input_files": 1,
               "rejected_by_reason": {"invalid_licence_rsn": 3}, "generated_at": "2025-10-04T07:08:50Z",
               "outcome": "refused", "reason": "3 of the 10 rows read are invalid (30.00% > --max_rejected_percent 5)"}
    p = Page(page.render(answers({}), quality=quality, quality_origin="q.json", generated_at=WHEN))
    assert p.answers["quality"] == (
        "The last clean run was refused (3 of the 10 rows read are invalid (30.00% > --max_rejected_percent 5)): "
        "the raw table still holds the load before it. It read 10 rows from 1 file and would have kept 7 "
        "and rejected 3.")
