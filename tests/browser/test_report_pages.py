"""The HTML reports for auditors (`docs/generated/<env>/<env>.html`), opened in headless
Chromium at a laptop's 1,280 × 800: nothing wider than the screen (a wide table scrolls inside
its own container), the appendices folded in <details>, the access matrices shaded by level.
Full-page screenshots go to out/screenshots/<env>.png to look at."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from layout import MATRICES_JS, APPENDICES_JS, browser, fits, open_every_details, overflow

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "docs" / "generated"
SCREENSHOTS = ROOT / "out" / "screenshots"
ENVIRONMENTS = sorted(p.stem for p in (ROOT / "environments").glob("*.yaml"))
LEVELS = ["none", "list", "read", "write", "decrypt", "admin"]


@pytest.fixture(scope="module")
def context():
    with browser() as c:
        yield c


@pytest.fixture
def page(context):
    p = context.new_page()
    yield p
    p.close()


def show(m: dict) -> str:
    return (
        f"scrollWidth {m['scrollWidth']} px, clientWidth {m['clientWidth']} px; "
        f"{len(m['offenders'])} elements overflow: " + "; ".join(m["offenders"][:10])
    )


def test_every_environment_has_a_page():
    assert ENVIRONMENTS, "no environments/*.yaml"
    for env in ENVIRONMENTS:
        assert (GENERATED / env / f"{env}.html").is_file(), env


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_report_fits_a_laptop_screen(page, env):
    page.goto((GENERATED / env / f"{env}.html").as_uri())
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{env}.png"), full_page=True)
    folded = overflow(page)
    assert fits(folded), f"{env}, appendices folded: {show(folded)}"
    open_every_details(page)
    opened = overflow(page)
    assert fits(opened), f"{env}, appendices open: {show(opened)}"
    assert opened["height"] > folded["height"], "opening the appendices shows more"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_appendices_are_folded_with_a_summary(page, env):
    page.goto((GENERATED / env / f"{env}.html").as_uri())
    appendices = page.evaluate(APPENDICES_JS)
    headings = [a["heading"] for a in appendices]
    assert any(h.startswith("Appendix A") for h in headings), headings
    assert any(h.startswith("Appendix B") for h in headings), headings
    for a in appendices:
        assert a["folded"], f"{a['heading']}: not in a <details>"
        assert a["open"] is False, f"{a['heading']}: open by default"
        # The summary says what is inside and how many.
        assert a["summary"] and re.search(r"\d", a["summary"]), a


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_access_matrices_are_heat_maps_that_keep_their_words(page, env):
    page.goto((GENERATED / env / f"{env}.html").as_uri())
    cells = page.evaluate(MATRICES_JS)
    assert cells, "no table.matrix cells"
    shade = {}
    for c in cells:
        level = c["classes"].removeprefix("lv-")
        assert level in LEVELS, c
        assert c["text"].split()[0] == level, f"the cell shows its level in words: {c}"
        shade.setdefault(level, set()).add(c["background"])
    # One colour per level, a different one for each level.
    assert all(len(s) == 1 for s in shade.values()), shade
    colours = [next(iter(s)) for s in shade.values()]
    assert len(set(colours)) == len(colours), shade
    legend = page.locator("p.legend").first.inner_text()
    for level in LEVELS:
        assert level in legend, legend


# The checker must be able to fail: pages made to overflow.

WIDE_TABLE = "<table><tr>" + "<td>wide&nbsp;column&nbsp;of&nbsp;words</td>" * 40 + "</tr></table>"


def _overflow_of(page, tmp_path, body: str) -> dict:
    f = tmp_path / "page.html"
    f.write_text(f"<!DOCTYPE html><html><body>{body}</body></html>")
    page.goto(f.as_uri())
    return overflow(page)


def test_the_checker_reports_a_table_wider_than_the_screen(page, tmp_path):
    m = _overflow_of(page, tmp_path, WIDE_TABLE)
    assert not fits(m)
    assert m["scrollWidth"] > 1280
    assert any(o.startswith("table") for o in m["offenders"]), m


def test_the_checker_reports_content_clipped_by_a_hidden_overflow(page, tmp_path):
    m = _overflow_of(page, tmp_path, f'<div style="overflow: hidden">{WIDE_TABLE}</div>')
    assert m["scrollWidth"] <= 1280, "the page itself does not scroll"
    assert not fits(m), "but the table is cut off"


def test_the_checker_reports_a_scroll_container_wider_than_the_screen(page, tmp_path):
    m = _overflow_of(
        page, tmp_path, f'<div style="overflow-x: auto; width: 1500px">{WIDE_TABLE}</div>'
    )
    assert not fits(m), m


def test_the_checker_accepts_a_wide_table_in_its_own_scroll_container(page, tmp_path):
    m = _overflow_of(page, tmp_path, f'<div style="overflow-x: auto">{WIDE_TABLE}</div>')
    assert fits(m), show(m)
