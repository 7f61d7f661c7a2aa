"""Helpers for the report builder's tests: read a built page back (tables, chart marks, facts) with
the standard library's HTML parser, turn its formatted numbers into numbers, and write small
hand-made curated tables as Parquet with DuckDB (no Spark)."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import duckdb

PIPELINES = Path(__file__).resolve().parents[1]


class Page(HTMLParser):
    """Everything the tests look at in a report page.

    tables:  dicts with attrs, figure (the chart's query name when inside figure.chart), caption,
             headers (texts) and rows (lists of cell texts).
    marks:   {figure name: [attrs of each element with class "mark"]}
    no_data: {figure name: text of its p.no-data}
    facts:   {dt text: dd text} of dl.facts
    answers: {section id: text of its p.answer}
    svgs:    {figure name: attrs of its <svg>} and titles/descs by svg id
    """

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tables, self.marks, self.no_data, self.facts, self.answers = [], {}, {}, {}, {}
        self.svgs, self.svg_text = {}, {}
        self.sections: list[str] = []
        self._stack: list[tuple[str, dict]] = []
        self._figure = None
        self._section = None
        self._table = None
        self._row = None
        self._cell = None
        self._capture = None  # (kind, key, [text parts])
        self._dt = ""
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag not in ("meta", "link", "br", "img", "input", "hr", "col", "source", "wbr", "area"):
            self._stack.append((tag, a))
        if tag == "section":
            self._section = a.get("id")
            self.sections.append(self._section)
        if tag == "figure" and "chart" in classes:
            self._figure = a.get("data-query")
            self.marks.setdefault(self._figure, [])
        if tag == "svg" and self._figure:
            self.svgs[self._figure] = a
        if "mark" in classes:
            self.marks.setdefault(self._figure, []).append(a)
        if tag == "table":
            self._table = {"attrs": a, "figure": self._figure, "section": self._section, "caption": "",
                           "headers": [], "rows": []}
            self.tables.append(self._table)
        elif tag == "tr" and self._table is not None:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "caption":
            self._capture = ("caption", None, [])
        elif tag == "p" and "no-data" in classes:
            self._capture = ("no_data", self._figure or self._section, [])
        elif tag == "p" and "answer" in classes:
            self._capture = ("answer", self._section, [])
        elif tag in ("dt", "dd"):
            self._capture = (tag, None, [])
        elif tag in ("title", "desc") and self._stack[-2:-1] and self._stack[-2][0] == "svg":
            self._capture = (tag, self._stack[-2][1].get("id"), [])

    def handle_endtag(self, tag):
        while self._stack:
            t, a = self._stack.pop()
            if t == tag:
                break
        if tag == "figure":
            self._figure = None
        elif tag == "section":
            self._section = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if any(t == "thead" for t, _ in self._stack):
                self._table["headers"] = self._row
            else:
                self._table["rows"].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        if self._capture and tag in ("caption", "p", "dt", "dd", "title", "desc"):
            kind, key, parts = self._capture
            text = " ".join("".join(parts).split())
            if kind == "caption" and self._table is not None:
                self._table["caption"] = text
            elif kind == "caption" and self.tables:
                self.tables[-1]["caption"] = text
            elif kind == "no_data":
                self.no_data[key] = text
            elif kind == "answer":
                self.answers[key] = text
            elif kind == "dt":
                self._dt = text
            elif kind == "dd":
                self.facts[self._dt] = text
            elif kind in ("title", "desc"):
                self.svg_text[(key, kind)] = text
            self._capture = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._capture is not None:
            self._capture[2].append(data)

    # -- lookups

    def chart_table(self, query: str) -> dict:
        found = [t for t in self.tables if t["figure"] == query]
        assert len(found) <= 1, f"{query}: {len(found)} tables in the figure"
        return found[0] if found else None

    def all_rows_table(self, query: str) -> dict | None:
        found = [t for t in self.tables if t["attrs"].get("class") == "all"
                 and t["attrs"].get("data-query") == query]
        return found[0] if found else None

    def quality_tables(self) -> dict:
        return {t["caption"]: t for t in self.tables if t["attrs"].get("class") == "quality"}


def num(text: str):
    """A number as the page writes it: `1,814`, `$1,474.67`, `65.63 %`, `+20`, `−1.4 %`; `—` is None."""
    t = text.strip().replace("\u2212", "-").replace(",", "").replace("$", "").replace("%", "").strip()
    if t in ("—", ""):
        return None
    return float(t) if "." in t else int(t)


def make_curated(base: Path, tables: dict) -> Path:
    """Write {table: (DuckDB column definitions, rows)} as Parquet under base/business-licences/."""
    con = duckdb.connect()
    for name, (columns, rows) in tables.items():
        folder = base / "business-licences" / name
        folder.mkdir(parents=True, exist_ok=True)
        con.execute(f"CREATE OR REPLACE TABLE t ({columns})")
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            con.executemany(f"INSERT INTO t VALUES ({marks})", rows)
        con.execute(f"COPY t TO '{folder / 'part-00000.parquet'}' (FORMAT PARQUET)")
    return base


# Column definitions of the curated tables, as the curate job writes them (schema JSON types).
CURATED_COLUMNS = {
    "licences_by_month": "month_start DATE, issued_year INTEGER, issued_month INTEGER, "
                         "folder_year INTEGER, licence_count BIGINT",
    "fees_by_business_type": "folder_year INTEGER, business_type VARCHAR, licence_count BIGINT, "
                             "fee_count BIGINT, fee_total DECIMAL(14,2), fee_min DECIMAL(12,2), "
                             "fee_max DECIMAL(12,2)",
    "licences_by_local_area": "folder_year INTEGER, local_area VARCHAR, is_city_local_area BOOLEAN, "
                              "licence_count BIGINT, issued_count BIGINT, employee_total DOUBLE",
    "status_by_year": "folder_year INTEGER, status VARCHAR, licence_count BIGINT",
    "business_types_by_year": "folder_year INTEGER, business_type VARCHAR, licence_count BIGINT, "
                              "issued_count BIGINT",
}


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m report ARGS` in a fresh interpreter, with pipelines/ on PYTHONPATH."""
    import os

    full_env = {**os.environ, "PYTHONPATH": str(PIPELINES), **(env or {})}
    return subprocess.run([sys.executable, "-m", "report", *args], capture_output=True, text=True,
                          env=full_env, timeout=120)


def curated(tmp: Path) -> Path:
    """Hand-made curated tables with two folder years (2024, 2025)."""
    return make_curated(tmp / "curated", {
        "licences_by_month": (CURATED_COLUMNS["licences_by_month"], [
            (dt.date(2024, 1, 1), 2024, 1, 2024, 3), (dt.date(2024, 1, 1), 2024, 1, 2025, 2),
            (dt.date(2025, 3, 1), 2025, 3, 2025, 4)]),
        "fees_by_business_type": (CURATED_COLUMNS["fees_by_business_type"], [
            (2024, "Restaurant", 3, 2, 300.50, 100.25, 200.25), (2025, "Restaurant", 4, 1, 99.5, 99.5, 99.5),
            (2025, 'Café "Le <Chat>" & Co', 1, 1, 10, 10, 10)]),
        "licences_by_local_area": (CURATED_COLUMNS["licences_by_local_area"], [
            (2024, "Downtown", True, 3, 2, 10.0), (2025, "Downtown", True, 2, 2, 4.0),
            (2025, "Unknown", False, 5, 1, 0.0), (2025, "Kitsilano", True, 4, 4, 1.0)]),
        "status_by_year": (CURATED_COLUMNS["status_by_year"], [
            (2024, "Issued", 2), (2024, "Pending", 1), (2025, "Issued", 5)]),
        "business_types_by_year": (CURATED_COLUMNS["business_types_by_year"], [
            (2024, "Restaurant", 3, 2), (2025, "Restaurant", 4, 4), (2025, 'Café "Le <Chat>" & Co', 1, 1)]),
    })
