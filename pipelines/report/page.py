"""The report page: one self-contained HTML file (inline CSS and SVG, no script, nothing fetched).

A section per question: a sentence that answers it, the chart, the numbers in a table beside it
(caption, header scopes), and the SQL that ran; then the data's freshness and the data-quality
summary of the last clean run.
"""
from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath

from . import __version__
from .charts import (diverging, esc, fmt_int, fmt_money, fmt_pct, fmt_signed, fmt_signed_pct, hbar,
                     line, no_data, stacked)
from .queries import parameters

# Average-fee bars for types with fewer licences with a fee than this are hatched: an average of a
# handful of fees says little (the demo's insights rank only types with at least as many).
MIN_LICENCES_FOR_AVERAGE = 20
# At most this many bars in the business-type charts (the full answer is in a folded table).
MAX_TYPES = 20

NUM = ' class="num"'
TITLE = "Business licences in Vancouver: insights report"

CSS = """
:root { --ink: #1a1a1a; --muted: #555; --rule: #d0d0d0; --bg: #fff; --band: #f4f6f8; --link: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: var(--bg);
       font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }
header, main, footer { max-width: 1200px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 18px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 34px 0 6px; padding-top: 10px; border-top: 2px solid var(--rule); }
h3 { font-size: 1rem; margin: 18px 0 6px; }
a { color: var(--link); }
.lede { color: var(--muted); margin: 0 0 10px; max-width: 80ch; }
.answer { font-size: 1.05rem; margin: 4px 0 10px; max-width: 90ch; }
nav ol { display: flex; flex-wrap: wrap; gap: 4px 18px; padding: 0; margin: 8px 0; list-style: none; }
dl.facts { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 4px 16px;
           background: var(--band); padding: 10px 14px; margin: 10px 0; border-radius: 4px; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
figure.chart { display: grid; grid-template-columns: minmax(0, 640px) minmax(0, 1fr); gap: 16px 24px;
               align-items: start; margin: 8px 0; }
figure.chart .plot { min-width: 0; }
figure.chart svg { display: block; width: 100%; height: auto; max-width: 640px; }
figure.chart figcaption { grid-column: 1 / -1; color: var(--muted); font-size: 0.9rem; max-width: 100ch; }
.table-wrap { max-height: 430px; overflow: auto; border: 1px solid var(--rule); border-radius: 4px; }
table { border-collapse: collapse; font-size: 0.88rem; width: 100%; }
caption { text-align: left; font-weight: 600; padding: 6px 8px; caption-side: top; }
th, td { padding: 3px 8px; border-bottom: 1px solid #ececec; text-align: left; vertical-align: top; }
thead th { position: sticky; top: 0; background: var(--band); border-bottom: 1px solid var(--rule); }
th.num { text-align: right; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tbody th { font-weight: normal; }
details { margin: 8px 0; }
summary { cursor: pointer; color: var(--link); }
pre { background: var(--band); padding: 10px 12px; overflow-x: auto; font-size: 0.85rem; border-radius: 4px; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.quality-tables, #quality > table { max-width: 640px; }
.no-data { padding: 14px; background: var(--band); border-left: 4px solid #E69F00; }
.note { color: var(--muted); font-size: 0.9rem; }
footer { color: var(--muted); font-size: 0.85rem; margin-top: 40px; padding-bottom: 30px;
         border-top: 1px solid var(--rule); padding-top: 10px; }
@media (max-width: 900px) { figure.chart { grid-template-columns: minmax(0, 1fr); } }
@media print {
  body { font-size: 11pt; }
  nav, details > summary::marker { display: none; }
  header, main, footer { max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  figure.chart { grid-template-columns: minmax(0, 1fr); break-inside: avoid-page; }
  .table-wrap { max-height: none; overflow: visible; border: 0; }
  table { width: auto; min-width: 50%; }
  thead th { position: static; }
  h2 { break-after: avoid-page; }
  a { color: inherit; text-decoration: none; }
  pre { white-space: pre-wrap; }
}
"""


# --------------------------------------------------------------------------- building blocks

def table(caption: str, headers: list[tuple[str, bool]], rows: list[list[str]], query: str = "",
          kind: str = "data") -> str:
    """An accessible table: a caption, column headers with scope, and the first cell of each row a
    row header. `headers` are (text, numeric); cells are already-formatted text."""
    head = "".join(f'<th scope="col"{NUM if num else ""}>{esc(h)}</th>' for h, num in headers)
    body = []
    for r in rows:
        cells = [f'<th scope="row">{esc(r[0])}</th>']
        cells += [f'<td{NUM if num else ""}>{esc(c)}</td>'
                  for c, (_, num) in zip(r[1:], headers[1:])]
        body.append(f"<tr>{''.join(cells)}</tr>")
    attrs = f' class="{kind}"' + (f' data-query="{esc(query)}"' if query else "")
    return (f"<table{attrs}><caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def figure(name: str, svg: str, table_html: str, caption: str) -> str:
    wrap = f'<div class="table-wrap">{table_html}</div>' if table_html else ""
    return (f'<figure class="chart" id="chart-{esc(name)}" data-query="{esc(name)}">'
            f'<div class="plot">{svg}</div>{wrap}<figcaption>{esc(caption)}</figcaption></figure>')


def sql_block(answer) -> str:
    return (f"<details class=\"sql\"><summary>The SQL behind this chart (named query "
            f"<code>{esc(answer.name)}</code>)</summary><pre><code>{esc(answer.sql.rstrip())}</code></pre>"
            "</details>")


def full_block(name: str, count: int, table_html: str) -> str:
    return (f'<details class="all-rows" data-query="{esc(name)}"><summary>All {fmt_int(count)} rows of '
            f"the answer</summary><div class=\"table-wrap\">{table_html}</div></details>")


def plural(n: int, one: str, many: str = "") -> str:
    return f"{fmt_int(n)} {one if n == 1 else (many or one + 's')}"


# --------------------------------------------------------------------------- the five questions

def section_months(answer) -> tuple[str, str]:
    rows = answer.result.records()
    title = "Licences issued per month"
    points = [(r["issued_year"], r["issued_month"], r["licences_issued"]) for r in rows]
    if rows:
        best = max(rows, key=lambda r: (r["licences_issued"], -r["issued_year"], -r["issued_month"]))
        total = sum(r["licences_issued"] for r in rows)
        first, last = rows[0], rows[-1]
        month = "{issued_year:04d}-{issued_month:02d}".format
        text = (f"The busiest month was {month(**best)} with {plural(best['licences_issued'], 'licence')} "
                f"issued; {plural(total, 'licence')} with an issue date over {plural(len(rows), 'month')} "
                f"from {month(**first)} to {month(**last)}.")
    else:
        text = "No licence in the data has an issue date."
    desc = (f"Line chart of licences issued per calendar month, {len(rows)} points. {text} "
            "The line is broken where a month has no licence issued in the data.")
    svg = line("c-months", title, desc, points, "Licences issued (count)", "Month of issue (local date)")
    tbl = table(f"{title}: {plural(len(rows), 'month')}", [("Month", False), ("Licences issued", True)],
                [[f"{r['issued_year']:04d}-{r['issued_month']:02d}", fmt_int(r["licences_issued"])]
                 for r in rows], answer.name) if rows else ""
    body = (f'<p class="answer">{esc(text)}</p>'
            + figure(answer.name, svg, tbl, "Months without an issued licence have no point; the "
                     "line joins consecutive months only. Folder years are not separated: a licence "
                     "counts in the month it was issued.")
            + sql_block(answer))
    return title, body


def fee_rows(records: list[dict]) -> list[dict]:
    """The business types the chart shows: the MAX_TYPES with the most licences with a fee (ties by
    name), in the query's order (highest average fee first)."""
    chosen = sorted(records, key=lambda r: (-r["licences_with_fee"], r["business_type"]))[:MAX_TYPES]
    keep = {id(r) for r in chosen}
    return [r for r in records if id(r) in keep]


def section_fees(answer) -> tuple[str, str]:
    records = answer.result.records()
    title = "Average fee paid by business type"
    shown = fee_rows(records)
    few = [r for r in shown if r["licences_with_fee"] < MIN_LICENCES_FOR_AVERAGE]
    ranked = [r for r in records if r["licences_with_fee"] >= MIN_LICENCES_FOR_AVERAGE]
    if ranked:
        top = ranked[0]
        text = (f"Of the business types with at least {MIN_LICENCES_FOR_AVERAGE} licences with a fee, "
                f"{top['business_type']} pays the most on average: {fmt_money(top['average_fee'])} "
                f"over {plural(top['licences_with_fee'], 'licence')}.")
    elif records:
        text = f"No business type has {MIN_LICENCES_FOR_AVERAGE} licences with a fee yet."
    else:
        text = "No licence in the data has a fee."
    chart_rows = [{"label": r["business_type"], "value": r["average_fee"],
                   "note": f"  (n = {fmt_int(r['licences_with_fee'])})",
                   "hatched": r["licences_with_fee"] < MIN_LICENCES_FOR_AVERAGE} for r in shown]
    desc = (f"Bar chart of the average fee paid for {plural(len(shown), 'business type')}, highest "
            f"first, each with its number of licences with a fee. {text}")
    svg = hbar("c-fees", title, desc, chart_rows, "Average fee paid per licence (CAD $)", fmt_money,
               hatch_note=f"hatched: fewer than {MIN_LICENCES_FOR_AVERAGE} licences with a fee" if few else "")
    headers = [("Business type", False), ("Licences with a fee", True), ("Average fee (CAD $)", True)]

    def cells(r):
        return [r["business_type"], fmt_int(r["licences_with_fee"]), fmt_money(r["average_fee"])]

    tbl = table(f"{title}: the {plural(len(shown), 'type')} with the most licences with a fee",
                headers, [cells(r) for r in shown], answer.name) if shown else ""
    caption = (f"The {len(shown)} business types with the most licences with a fee (of {len(records)}), "
               f"highest average first; n is the number of licences with a fee. All folder years.")
    body = f'<p class="answer">{esc(text)}</p>' + figure(answer.name, svg, tbl, caption)
    if len(records) > len(shown):
        body += full_block(answer.name, len(records),
                           table(f"{title}: all {plural(len(records), 'type')}",
                                 headers + [("Total fees (CAD $)", True)],
                                 [cells(r) + [fmt_money(r["total_fee"])] for r in records],
                                 answer.name, kind="all"))
    return title, body + sql_block(answer)


def section_areas(answer) -> tuple[str, str]:
    records = answer.result.records()
    title = "Top local areas by number of licences"
    if records:
        top = records[0]
        text = (f"{top['local_area']} has the most licences: {fmt_int(top['licences'])}, "
                f"{fmt_int(top['issued_licences'])} of them issued.")
    else:
        text = "No licence in the data is in one of the City's 22 local areas."
    chart_rows = [{"label": r["local_area"], "value": r["licences"]} for r in records]
    desc = f"Bar chart of the {len(records)} local areas with the most licences, most first. {text}"
    svg = hbar("c-areas", title, desc, chart_rows, "Licences (count)", fmt_int, integer=True)
    tbl = table(f"{title}: the top {len(records)}", [("Local area", False), ("Licences", True),
                                                     ("Issued licences", True)],
                [[r["local_area"], fmt_int(r["licences"]), fmt_int(r["issued_licences"])]
                 for r in records], answer.name) if records else ""
    caption = ("The City's 22 local areas only (addresses outside them or without one are left out), "
               "all folder years; issued: licences whose status is Issued.")
    return title, f'<p class="answer">{esc(text)}</p>' + figure(answer.name, svg, tbl, caption) + sql_block(answer)


def status_groups(records: list[dict]) -> tuple[list[dict], list[str]]:
    """Years (oldest first) split by status, statuses ordered by their licences over all years."""
    totals: dict = {}
    for r in records:
        totals[r["status"]] = totals.get(r["status"], 0) + (r["licence_count"] or 0)
    categories = sorted(totals, key=lambda s: (-totals[s], str(s)))
    order = {c: i for i, c in enumerate(categories)}
    years: dict = {}
    for r in records:
        years.setdefault(r["folder_year"], []).append((r["status"], r["licence_count"]))
    groups = [{"label": str(y), "parts": sorted(parts, key=lambda p: order[p[0]])}
              for y, parts in sorted(years.items())]
    return groups, categories


def section_status(answer) -> tuple[str, str]:
    records = answer.result.records()
    title = "Licence status by folder year"
    groups, categories = status_groups(records)
    if records:
        latest = max(r["folder_year"] for r in records)
        main = max((r for r in records if r["folder_year"] == latest),
                   key=lambda r: (r["licence_count"], r["status"]))
        text = (f"In {latest}, the latest folder year, {fmt_pct(main['pct_of_year'])} of the year's "
                f"licences are {main['status']} ({fmt_int(main['licence_count'])}); "
                f"{plural(len(groups), 'folder year')}, {plural(len(categories), 'status', 'statuses')}.")
    else:
        text = "The data has no licences."
    desc = (f"Stacked bar chart, one bar per folder year split by status as a percentage of the "
            f"year's licences; each status has its own colour and pattern. {text}")
    svg = stacked("c-status", title, desc, groups, categories, "Share of the folder year's licences (%)")
    tbl = table(f"{title}: {plural(len(records), 'row')}", [("Folder year", False), ("Status", False),
                                                            ("Licences", True), ("% of year", True)],
                [[str(r["folder_year"]), r["status"], fmt_int(r["licence_count"]), fmt_pct(r["pct_of_year"])]
                 for r in records], answer.name) if records else ""
    caption = ("Each bar is 100 % of a folder year's licences; n is the year's number of licences. "
               "The status is the one in the latest extract.")
    return title, f'<p class="answer">{esc(text)}</p>' + figure(answer.name, svg, tbl, caption) + sql_block(answer)


def change_rows(records: list[dict]) -> list[dict]:
    """The business types the chart shows: all when at most MAX_TYPES; otherwise the MAX_TYPES / 2
    largest increases and decreases, in the query's order (largest increase first)."""
    if len(records) <= MAX_TYPES:
        return list(records)
    half = MAX_TYPES // 2
    up = [r for r in records if (r["licence_change"] or 0) > 0][:half]
    down = [r for r in records if (r["licence_change"] or 0) < 0][-half:]
    keep = {id(r) for r in up + down}
    return [r for r in records if id(r) in keep]


def section_change(answer, years: list[int] | None) -> tuple[str, str]:
    records = answer.result.records()
    if records:
        previous, latest = records[0]["previous_year"], records[0]["latest_year"]
    elif years:
        latest, previous = years[-1], years[-2] if len(years) > 1 else years[-1] - 1
    else:
        previous = latest = None
    span = f"{previous} to {latest}" if latest else "the latest two dataset years"
    title = f"Change in licences by business type, {span}"
    shown = change_rows(records)
    if records:
        up = records[0]
        down = records[-1]
        text = (f"{plural(len(records), 'business type')} {'has' if len(records) == 1 else 'have'} "
                f"licences in {previous} or {latest}.")
        if (up["licence_change"] or 0) > 0:
            text += f" Most growth: {up['business_type']} ({fmt_signed(up['licence_change'])})."
        if (down["licence_change"] or 0) < 0:
            text += f" Largest fall: {down['business_type']} ({fmt_signed(down['licence_change'])})."
    else:
        text = f"No business type has licences in {span}."

    def note(r):
        if r["pct_change"] is not None:
            return f"  ({fmt_signed_pct(r['pct_change'])})"
        return f"  (none in {previous})" if not r["licences_previous"] else ""

    chart_rows = [{"label": r["business_type"], "value": r["licence_change"], "note": note(r)} for r in shown]
    desc = (f"Diverging bar chart of the change in licences from {span} for "
            f"{plural(len(shown), 'business type')}: bars right of zero are increases (solid blue), "
            f"left are decreases (hatched vermillion). {text}")
    svg = diverging("c-change", title, desc, chart_rows, f"Change in licences, {span} (count)")
    headers = [("Business type", False), (f"Licences {previous}", True), (f"Licences {latest}", True),
               ("Change", True), ("Change (%)", True)]

    def cells(r):
        return [r["business_type"], fmt_int(r["licences_previous"]), fmt_int(r["licences_latest"]),
                fmt_signed(r["licence_change"]), fmt_signed_pct(r["pct_change"])]

    tbl = table(f"{title}: {plural(len(shown), 'business type')}", headers,
                [cells(r) for r in shown], answer.name) if shown else ""
    caption = ("Licences per business type in the two folder years; the percentage is left blank "
               f"(—) when a type had none in {previous}."
               + (f" The {len(shown)} largest increases and decreases of {len(records)} types." if
                  len(shown) < len(records) else ""))
    body = f'<p class="answer">{esc(text)}</p>' + figure(answer.name, svg, tbl, caption)
    if len(records) > len(shown):
        body += full_block(answer.name, len(records),
                           table(f"{title}: all {plural(len(records), 'type')}", headers,
                                 [cells(r) for r in records], answer.name, kind="all"))
    return title, body + sql_block(answer)


# --------------------------------------------------------------------------- freshness, quality

def _stamp(value) -> str:
    if isinstance(value, str) and len(value) == 20 and value.endswith("Z"):  # the quality report's
        try:
            value = dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.timezone.utc)
        except ValueError:
            pass
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc)
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, dt.date):
        return value.isoformat()
    return "—" if value is None else str(value)


def section_freshness(months, freshness, quality, quality_origin, source_label, years_note,
                      generated_at: dt.datetime) -> str:
    facts = []
    rows = months.result.records() if months else []
    if rows:
        last = rows[-1]
        facts.append(("Latest issue month in the data", f"{last['issued_year']:04d}-{last['issued_month']:02d}"))
    if freshness is not None and freshness.result.rows:
        f = freshness.result.records()[0]
        facts.append(("Latest issue date (local)", _stamp(f["latest_issued_date"])))
        facts.append(("Latest extract date", _stamp(f["latest_extract_date"])))
    else:
        facts.append(("Latest extract date", "not read: it is in the raw table, which this build did "
                      "not read (locally: --raw)"))
    if quality:
        facts.append(("Last clean run", f"{_stamp(quality.get('generated_at'))} ({quality_origin})"))
    else:
        facts.append(("Last clean run", f"unknown: {quality_origin}"))
    facts.append(("Years compared", years_note))
    facts.append(("Source", source_label))
    facts.append(("Page built", _stamp(generated_at)))
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
    sql = ""
    if freshness is not None:
        sql = (f"<details class=\"sql\"><summary>The SQL behind the dates</summary><pre><code>"
               f"{esc(freshness.sql)}</code></pre></details>")
    return f'<dl class="facts" id="freshness">{items}</dl>{sql}'


def file_name(uri: str) -> str:
    return PurePosixPath(str(uri).split("://", 1)[-1]).name or str(uri)


def section_quality(quality: dict | None, origin: str) -> str:
    if not quality:
        return no_data(f"No quality report: {origin}.")
    read, kept, rejected = (quality.get(k, 0) for k in ("rows_read", "rows_kept", "rows_rejected"))
    text = (f"The last clean run read {plural(read, 'row')} from {plural(quality.get('input_files', 0), 'file')}, "
            f"kept {fmt_int(kept)} (one per licence) and rejected {fmt_int(rejected)}.")
    if quality.get("outcome") == "refused":  # the clean job's threshold: the table was not written
        text = (f"The last clean run was refused ({quality.get('reason') or 'no reason given'}): the raw "
                f"table still holds the load before it. It read {plural(read, 'row')} from "
                f"{plural(quality.get('input_files', 0), 'file')} and would have kept {fmt_int(kept)} "
                f"and rejected {fmt_int(rejected)}.")
    summary = table("Rows of the last clean run", [("Rows", False), ("Count", True)],
                    [["read", fmt_int(read)], ["kept", fmt_int(kept)], ["rejected", fmt_int(rejected)]],
                    kind="quality")
    reasons = sorted((quality.get("rejected_by_reason") or {}).items(), key=lambda kv: (-kv[1], kv[0]))
    if reasons:
        reason_table = table("Rejected rows by reason", [("Reason", False), ("Rows", True)],
                             [[k.replace("_", " "), fmt_int(v)] for k, v in reasons], kind="quality")
    else:
        reason_table = '<p class="note">No row was rejected.</p>'
    files = quality.get("by_file") or {}
    file_table = table("Rows by input file", [("File", False), ("Layout", False), ("Read", True),
                                              ("Kept", True), ("Rejected", True)],
                       [[file_name(k), v.get("layout", "—"), fmt_int(v.get("rows_read")),
                         fmt_int(v.get("rows_kept")), fmt_int(v.get("rows_rejected"))]
                        for k, v in sorted(files.items())], kind="quality") if files else ""
    return (f'<p class="answer">{esc(text)}</p>'
            f'<div class="quality-tables">{summary}{reason_table}</div>'
            + (f"<h3>By input file</h3>{file_table}" if file_table else "")
            + f'<p class="note">From {esc(origin)}, written by the clean job at '
              f"{esc(_stamp(quality.get('generated_at')))}. Rejected: rows that are not licences "
              "(malformed, no valid identifiers) and older revisions or duplicates of a licence.</p>")


# --------------------------------------------------------------------------- the page

def render(answers: dict, *, quality=None, quality_origin: str = "", freshness=None,
           source_label: str = "", years: list[int] | None = None, years_origin: str = "",
           generated_at: dt.datetime | None = None) -> str:
    """The whole page. `answers` maps query names to sources.Answer."""
    generated_at = generated_at or dt.datetime.now(dt.timezone.utc)
    change = answers["change_by_business_type_year_over_year"]
    cr = change.result.records()
    if cr:
        compared = f"{cr[0]['latest_year']} with {cr[0]['previous_year']}"
    elif years:
        p = parameters(years)
        compared = f"{p['latest_year']} with {p['previous_year']}"
    else:
        compared = "the latest two dataset years"
    years_note = f"{compared}: {years_origin}" if years_origin else compared

    sections = [
        ("months", *section_months(answers["licences_issued_per_month"])),
        ("fees", *section_fees(answers["average_fee_by_business_type"])),
        ("areas", *section_areas(answers["top_local_areas"])),
        ("status", *section_status(answers["status_breakdown_by_year"])),
        ("change", *section_change(change, years)),
    ]
    nav = "".join(f'<li><a href="#{key}">{esc(title)}</a></li>' for key, title, _ in sections)
    nav += '<li><a href="#quality">Data quality</a></li>'
    main = "".join(f'<section id="{key}"><h2>{esc(title)}</h2>{body}</section>'
                   for key, title, body in sections)
    main += (f'<section id="quality"><h2>Data quality of the last clean run</h2>'
             f"{section_quality(quality, quality_origin)}</section>")
    fresh = section_freshness(answers["licences_issued_per_month"], freshness, quality, quality_origin,
                              source_label, years_note, generated_at)
    return f"""<!DOCTYPE html>
<html lang="en-CA">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="generator" content="dap report builder {esc(__version__)}">
<title>{esc(TITLE)}</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>{esc(TITLE)}</h1>
<p class="lede">The City of Vancouver's business licences (open data), one row per licence: its latest
revision. Every chart answers one of the platform's Athena named queries; its numbers are in the
table beside it and its SQL below it.</p>
{fresh}
<nav aria-label="Contents"><ol>{nav}</ol></nav>
</header>
<main>
{main}
</main>
<footer>
<p>Built by dap's report builder (<code>pipelines/report</code>) from {esc(source_label)} at
{esc(_stamp(generated_at))}. The charts are SVG written by the builder; the page loads nothing else.
Data: City of Vancouver open data, Open Government Licence – Vancouver.</p>
</footer>
</body>
</html>
"""
