"""The insights report (`python3 -m report build`, pipelines/report/) opened in headless Chromium at
1,280 × 800: no console error, no request for anything but the file itself, every chart drawn with
one mark per row of the table beside it, nothing wider than the screen, and every table row
readable in print. scripts/browser-test.sh builds the page first, into out/browser-test/report/,
from the pipeline's curated output on the bundled sample (DAP_REPORT_PAGE names another page). A
full-page screenshot goes to out/screenshots/report.png, and with DAP_UPDATE_DOCS=1 the top of it
to docs/images/report.png (the README's picture)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from layout import VIEWPORT, browser, fits, overflow

ROOT = Path(__file__).resolve().parents[2]
REPORT = Path(os.environ.get("DAP_REPORT_PAGE", ROOT / "out" / "browser-test" / "report" / "index.html"))
SCREENSHOTS = ROOT / "out" / "screenshots"
DOCS_IMAGE = ROOT / "docs" / "images" / "report.png"
QUERIES = ["licences_issued_per_month", "average_fee_by_business_type", "top_local_areas",
           "status_breakdown_by_year", "change_by_business_type_year_over_year"]

# Per chart: its marks, the rows of the table beside it, its "no data" note, and how many marks
# the browser actually drew (a box with some height).
CHARTS_JS = """
() => Array.from(document.querySelectorAll('figure.chart')).map(f => {
  const marks = Array.from(f.querySelectorAll('svg .mark'));
  const svg = f.querySelector('svg');
  const box = svg ? svg.getBoundingClientRect() : null;
  return {
    query: f.dataset.query,
    marks: marks.length,
    drawn: marks.filter(m => m.getBoundingClientRect().height > 0).length,
    rows: f.querySelectorAll('table tbody tr').length,
    noData: !!f.querySelector('.no-data'),
    svg: box ? {width: box.width, height: box.height} : null,
    role: svg ? svg.getAttribute('role') : null,
    labelled: svg ? (svg.getAttribute('aria-labelledby') || '').split(' ')
      .map(id => { const e = document.getElementById(id); return e ? e.tagName.toLowerCase() + ':' + e.textContent.trim().length : null; }) : [],
  };
})
"""

# In print, every table shows all its rows: no scrolling container hides any.
PRINT_JS = """
() => Array.from(document.querySelectorAll('.table-wrap')).filter(w => w.offsetParent !== null)
  .map(w => ({scroll: w.scrollHeight, client: w.clientHeight, rows: w.querySelectorAll('tr').length}))
"""


class Watched:
    """A page with its console messages, page errors and requests recorded."""

    def __init__(self, page):
        self.page, self.console, self.errors, self.requests = page, [], [], []
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.requests.append(r.url))

    def problems(self) -> list[str]:
        bad = [c for c in self.console if c.split(":")[0] in ("error", "warning")]
        return bad + self.errors

    def outside(self) -> list[str]:
        return [u for u in self.requests if not u.startswith("file:")]


@pytest.fixture(scope="module")
def context():
    with browser() as c:
        yield c


@pytest.fixture(scope="module")
def report(context):
    if not REPORT.is_file():
        pytest.fail(f"{REPORT} is missing: scripts/browser-test.sh builds it (or set DAP_REPORT_PAGE "
                    "to a page built by make report)")
    page = context.new_page()
    watched = Watched(page)
    page.goto(REPORT.as_uri())
    page.wait_for_load_state("load")
    yield watched
    page.close()


def test_no_console_error_and_nothing_fetched(report):
    assert report.problems() == []
    assert report.requests == [REPORT.as_uri()]
    assert report.outside() == []


def test_every_chart_has_one_mark_per_table_row(report):
    charts = report.page.evaluate(CHARTS_JS)
    assert [c["query"] for c in charts] == QUERIES
    for c in charts:
        assert c["marks"] == c["rows"], c
        assert c["marks"] > 0 or c["noData"], c
        assert c["drawn"] == c["marks"], f"{c['query']}: {c['marks'] - c['drawn']} marks not drawn"
        assert c["svg"] and c["svg"]["width"] > 300 and c["svg"]["height"] > 40, c
        assert c["role"] == "img" and c["labelled"][0].startswith("title:") and c["labelled"][1].startswith("desc:"), c
        assert all(not x.endswith(":0") for x in c["labelled"]), c


def test_the_report_fits_a_laptop_screen_and_is_screenshotted(report):
    page = report.page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "report.png"), full_page=True)
    if os.environ.get("DAP_UPDATE_DOCS") == "1":
        DOCS_IMAGE.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS_IMAGE), full_page=True,
                        clip={"x": 0, "y": 0, "width": VIEWPORT["width"], "height": 1120})
    m = overflow(page)
    assert fits(m), m["offenders"][:10]
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
    m = overflow(page)
    assert fits(m), m["offenders"][:10]


def test_in_print_every_table_row_shows(context):
    page = context.new_page()
    try:
        page.goto(REPORT.as_uri())
        page.emulate_media(media="print")
        wraps = page.evaluate(PRINT_JS)
        assert wraps, "no table containers"
        for w in wraps:
            assert w["scroll"] <= w["client"] + 1, w
        assert fits(overflow(page))
    finally:
        page.close()


# The checks must be able to fail: a page made to log an error and to fetch from the network.

def test_the_watch_catches_console_errors_and_outside_requests(context, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><body><img src="http://192.0.2.1/x.png">'
                   '<script>console.error("boom"); undefined_function();</script></body></html>')
    page = context.new_page()
    try:
        watched = Watched(page)
        page.goto(bad.as_uri())
        page.wait_for_timeout(200)
        assert any("boom" in p for p in watched.problems())
        assert any("undefined_function" in p for p in watched.problems())
        assert watched.outside() == ["http://192.0.2.1/x.png"]
    finally:
        page.close()


def test_the_mark_count_catches_a_chart_missing_a_mark(context, tmp_path):
    text = REPORT.read_text(encoding="utf-8")
    cut = text.replace('class="mark"', 'class="gone"', 1)
    f = tmp_path / "index.html"
    f.write_text(cut, encoding="utf-8")
    page = context.new_page()
    try:
        page.goto(f.as_uri())
        charts = page.evaluate(CHARTS_JS)
        assert any(c["marks"] != c["rows"] for c in charts)
    finally:
        page.close()
