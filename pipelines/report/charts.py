"""Charts as inline SVG, written with the standard library only.

Why our own code instead of a chart library: the reporting host has no internet access and only
the standard library and boto3 (nothing to install, nothing to fetch: Vega-Lite and Chart.js draw
with a script at view time, pygal is one more package and its SVG loads a tooltip script from the
web by default, matplotlib needs numpy and a font stack on the host and draws text as paths or in
whatever font is installed); the output is deterministic (the same answers give the same bytes,
so tests compare it); and text stays text (titles, labels and numbers are <text>, readable by
screen readers, searchable, printable at any size).

Every chart is an <svg role="img"> with a <title> and a <desc>, axis labels with units, the
Okabe-Ito colour-blind-safe palette, and a second cue that is not colour (patterns, signs, labels).
Every mark that draws a data row has class="mark" and data-row / data-label / data-value
attributes, so a test can count the marks against the table beside the chart.
"""
from __future__ import annotations

import html
import math

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
# deficiency. Order: the most distinct first.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000")
BLUE, VERMILLION = "#0072B2", "#D55E00"
INK, GRID, MUTED = "#1a1a1a", "#d0d0d0", "#555555"

WIDTH = 640
FONT = 12
ROW = 22  # height of one bar's row
MAX_LABEL_CHARS = 32

# Overlays drawn over a colour (8 × 8 tiles): the non-colour cue of each category.
PATTERNS = (
    "",  # solid
    "M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4",  # diagonal /
    "M-2,6 l4,4 M0,0 l8,8 M6,-2 l4,4",  # diagonal \
    "dots",
    "M0,4 h8",  # horizontal
    "M4,0 v8",  # vertical
    "M0,0 l8,8 M8,0 l-8,8",  # cross
    "M0,4 h8 M4,0 v8",  # grid
)


# --------------------------------------------------------------------------- text and numbers

def esc(value) -> str:
    """Text or attribute value, escaped for HTML and SVG (&, <, >, " and ')."""
    return html.escape(str(value), quote=True)


def fmt_int(n) -> str:
    return "—" if n is None else f"{int(n):,}"


def fmt_money(x) -> str:
    return "—" if x is None else f"${x:,.2f}"


def fmt_pct(x, places: int = 2) -> str:
    return "—" if x is None else f"{x:,.{places}f} %".replace("-", "\u2212")


def fmt_signed(n) -> str:
    if n is None:
        return "—"
    return ("+" if n > 0 else "\u2212" if n < 0 else "") + f"{abs(int(n)):,}"


def fmt_signed_pct(x) -> str:
    if x is None:
        return "—"
    return ("+" if x > 0 else "\u2212" if x < 0 else "") + f"{abs(x):,.1f} %"


def fmt_number(x) -> str:
    """A tick label: thousands separators, no needless decimals."""
    if x is None:
        return "—"
    if float(x).is_integer():
        return f"{int(x):,}".replace("-", "\u2212")
    return f"{x:,.2f}".rstrip("0").rstrip(".").replace("-", "\u2212")


def text_width(text: str, size: float = FONT) -> float:
    """A generous estimate of the width of `text` in a sans-serif font (no font metrics at hand)."""
    return len(text) * size * 0.6


def shorten(text: str, limit: int = MAX_LABEL_CHARS) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def nice_ticks(lo: float, hi: float, count: int = 5, integer: bool = False) -> list[float]:
    """Round tick values covering [lo, hi] (steps of 1, 2, 2.5 or 5 × 10^k; whole numbers when
    `integer`, for counts)."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    if integer:
        step = max(math.ceil(step), 1)
    start, end = math.floor(lo / step) * step, math.ceil(hi / step) * step
    n = int(round((end - start) / step))
    return [round(start + i * step, 10) for i in range(n + 1)]


def _num(x: float) -> str:
    """A coordinate: two decimals at most, no trailing zeros."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def _luminance(colour: str) -> float:
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def style(index: int) -> tuple[str, int]:
    """The colour and pattern of category `index`: a unique pair for up to 64 categories."""
    return OKABE_ITO[index % 8], (index + index // 8) % len(PATTERNS)


def pattern_def(pid: str, colour: str, pattern: int) -> str:
    """A <pattern> filling with `colour` and drawing overlay `pattern` in a contrasting ink."""
    ink = "#ffffff" if _luminance(colour) < 0.35 else "#000000"
    shape = PATTERNS[pattern]
    if shape == "dots":
        overlay = f'<circle cx="4" cy="4" r="1.4" fill="{ink}" fill-opacity="0.75"/>'
    elif shape:
        overlay = f'<path d="{shape}" stroke="{ink}" stroke-opacity="0.75" stroke-width="1.3"/>'
    else:
        overlay = ""
    return (f'<pattern id="{esc(pid)}" patternUnits="userSpaceOnUse" width="8" height="8">'
            f'<rect width="8" height="8" fill="{colour}"/>{overlay}</pattern>')


def fill_of(pid: str, colour: str, pattern: int) -> str:
    return colour if pattern == 0 else f"url(#{esc(pid)})"


# --------------------------------------------------------------------------- frame

def no_data(message: str = "No data: the query returned no rows.") -> str:
    return f'<p class="no-data">{esc(message)}</p>'


def _svg(cid: str, title: str, desc: str, height: float, body: list[str], defs: list[str] = ()) -> str:
    defs_text = f"<defs>{''.join(defs)}</defs>" if defs else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{esc(cid)}" class="chart-svg" role="img" '
        f'viewBox="0 0 {WIDTH} {_num(height)}" width="{WIDTH}" height="{_num(height)}" '
        f'aria-labelledby="{esc(cid)}-title {esc(cid)}-desc" '
        f'font-family="system-ui, -apple-system, \'Segoe UI\', Roboto, Arial, sans-serif" '
        f'font-size="{FONT}">'
        f'<title id="{esc(cid)}-title">{esc(title)}</title>'
        f'<desc id="{esc(cid)}-desc">{esc(desc)}</desc>'
        f"{defs_text}{''.join(body)}</svg>"
    )


def _mark_attrs(i: int, label: str, value) -> str:
    v = "" if value is None else _num(value) if isinstance(value, float) else str(value)
    return f'class="mark" data-row="{i}" data-label="{esc(label)}" data-value="{esc(v)}"'


def _x_axis(ticks, scale, y_top, y_axis, label, fmt=fmt_number) -> list[str]:
    out = []
    for t in ticks:
        x = _num(scale(t))
        out.append(f'<line class="grid" x1="{x}" x2="{x}" y1="{_num(y_top)}" y2="{_num(y_axis)}" '
                   f'stroke="{GRID}" stroke-width="1"/>')
        out.append(f'<text x="{x}" y="{_num(y_axis + 15)}" text-anchor="middle" fill="{MUTED}">'
                   f"{esc(fmt(t))}</text>")
    mid = (scale(ticks[0]) + scale(ticks[-1])) / 2
    out.append(f'<text class="axis-label" x="{_num(mid)}" y="{_num(y_axis + 33)}" '
               f'text-anchor="middle" fill="{INK}">{esc(label)}</text>')
    return out


# --------------------------------------------------------------------------- charts

def hbar(cid: str, title: str, desc: str, rows: list[dict], axis_label: str,
         value_text=fmt_number, hatch_note: str = "", integer: bool = False) -> str:
    """Horizontal bars, one per row: rows are dicts with `label`, `value` (>= 0 or None), optional
    `note` (text after the value) and `hatched` (drawn with the pattern: the non-colour cue
    `hatch_note` explains)."""
    if not rows:
        return no_data()
    labels = [shorten(r["label"]) for r in rows]
    trailing = [f"{value_text(r['value'])}{r.get('note', '')}" for r in rows]
    left = min(max(text_width(s) for s in labels) + 12, WIDTH * 0.42)
    right = max(text_width(s) for s in trailing) + 10
    top = 26 if hatch_note else 6
    plot_w = max(WIDTH - left - right, 120)
    vmax = max([r["value"] or 0 for r in rows] + [0])
    ticks = nice_ticks(0, vmax if vmax > 0 else 1, integer=integer)
    span = ticks[-1] - ticks[0]

    def scale(v):
        return left + (v - ticks[0]) / span * plot_w

    y_axis = top + len(rows) * ROW
    height = y_axis + 42
    hatch_id = f"{cid}-hatch"
    defs = [pattern_def(hatch_id, BLUE, 1)] if any(r.get("hatched") for r in rows) else []
    body = _x_axis(ticks, scale, top, y_axis, axis_label, fmt_number)
    if hatch_note and defs:
        body.append(f'<rect x="{_num(left)}" y="4" width="14" height="12" fill="url(#{esc(hatch_id)})" '
                    f'stroke="{BLUE}"/><text x="{_num(left + 20)}" y="14" fill="{INK}">'
                    f"{esc(hatch_note)}</text>")
    for i, (r, label, trail) in enumerate(zip(rows, labels, trailing)):
        y = top + i * ROW
        v = r["value"] or 0
        w = max(scale(v) - left, 0)
        fill = f"url(#{esc(hatch_id)})" if r.get("hatched") else BLUE
        body.append(f'<text x="{_num(left - 6)}" y="{_num(y + ROW * 0.62)}" text-anchor="end" '
                    f'fill="{INK}">{esc(label)}</text>')
        body.append(f'<rect {_mark_attrs(i, r["label"], r["value"])} x="{_num(left)}" y="{_num(y + 3)}" '
                    f'width="{_num(w)}" height="{ROW - 6}" fill="{fill}" stroke="{BLUE}" stroke-width="0.5">'
                    f"<title>{esc(r['label'])}: {esc(trail)}</title></rect>")
        body.append(f'<text class="value" x="{_num(left + w + 4)}" y="{_num(y + ROW * 0.62)}" '
                    f'fill="{INK}">{esc(trail)}</text>')
    body.append(f'<line x1="{_num(left)}" x2="{_num(left)}" y1="{top}" y2="{_num(y_axis)}" stroke="{INK}"/>')
    return _svg(cid, title, desc, height, body, defs)


def diverging(cid: str, title: str, desc: str, rows: list[dict], axis_label: str,
              value_text=fmt_signed) -> str:
    """Bars left (decrease, vermillion, hatched) or right (increase, blue, solid) of zero, one per
    row: rows are dicts with `label`, `value` and optional `note`. The sign is also written."""
    if not rows:
        return no_data()
    labels = [shorten(r["label"]) for r in rows]
    trailing = [f"{value_text(r['value'])}{r.get('note', '')}" for r in rows]
    left = min(max(text_width(s) for s in labels) + 12, WIDTH * 0.36)
    pad = max(text_width(s) for s in trailing) + 8
    top = 26
    plot_l, plot_r = left + pad, WIDTH - pad
    m = max(abs(r["value"] or 0) for r in rows) or 1
    ticks = nice_ticks(-m, m, 4, integer=True)
    lo, hi = ticks[0], ticks[-1]

    def scale(v):
        return plot_l + (v - lo) / (hi - lo) * (plot_r - plot_l)

    zero = scale(0)
    y_axis = top + len(rows) * ROW
    height = y_axis + 42
    down_id = f"{cid}-down"
    defs = [pattern_def(down_id, VERMILLION, 2)]
    body = _x_axis(ticks, scale, top, y_axis, axis_label, fmt_number)
    body.append(f'<rect x="{_num(plot_l)}" y="4" width="14" height="12" fill="url(#{esc(down_id)})"/>'
                f'<text x="{_num(plot_l + 20)}" y="14" fill="{INK}">fewer (−)</text>'
                f'<rect x="{_num(zero + 10)}" y="4" width="14" height="12" fill="{BLUE}"/>'
                f'<text x="{_num(zero + 30)}" y="14" fill="{INK}">more (+)</text>')
    for i, (r, label, trail) in enumerate(zip(rows, labels, trailing)):
        y = top + i * ROW
        v = r["value"] or 0
        x1, x2 = sorted((zero, scale(v)))
        fill = f"url(#{esc(down_id)})" if v < 0 else BLUE
        stroke = VERMILLION if v < 0 else BLUE
        body.append(f'<text x="{_num(left - 6)}" y="{_num(y + ROW * 0.62)}" text-anchor="end" '
                    f'fill="{INK}">{esc(label)}</text>')
        body.append(f'<rect {_mark_attrs(i, r["label"], r["value"])} x="{_num(x1)}" y="{_num(y + 3)}" '
                    f'width="{_num(x2 - x1)}" height="{ROW - 6}" fill="{fill}" stroke="{stroke}" '
                    f'stroke-width="0.5"><title>{esc(r["label"])}: {esc(trail)}</title></rect>')
        if v < 0:
            body.append(f'<text class="value" x="{_num(x1 - 4)}" y="{_num(y + ROW * 0.62)}" '
                        f'text-anchor="end" fill="{INK}">{esc(trail)}</text>')
        else:
            body.append(f'<text class="value" x="{_num(x2 + 4)}" y="{_num(y + ROW * 0.62)}" '
                        f'fill="{INK}">{esc(trail)}</text>')
    body.append(f'<line x1="{_num(zero)}" x2="{_num(zero)}" y1="{top}" y2="{_num(y_axis)}" '
                f'stroke="{INK}" stroke-width="1.5"/>')
    return _svg(cid, title, desc, height, body, defs)


def stacked(cid: str, title: str, desc: str, groups: list[dict], categories: list[str],
            axis_label: str) -> str:
    """One 100 % bar per group, split by category: groups are dicts with `label` and `parts`, a
    list of (category, count); each part is a mark. Colour and pattern per category, a legend,
    and the percentage written on segments wide enough to hold it."""
    if not groups or not any(g["parts"] for g in groups):
        return no_data()
    labels = [shorten(g["label"]) for g in groups]
    totals = [sum(c or 0 for _, c in g["parts"]) for g in groups]
    trailing = [f"n = {fmt_int(t)}" for t in totals]
    left = min(max(text_width(s) for s in labels) + 12, WIDTH * 0.3)
    right = max(text_width(s) for s in trailing) + 10
    plot_w = WIDTH - left - right
    index = {c: i for i, c in enumerate(categories)}
    defs = [pattern_def(f"{cid}-c{i}", *style(i)) for i in range(len(categories))]

    # The legend, wrapped over as many lines as it needs.
    legend, x, y = [], left, 4
    for i, c in enumerate(categories):
        w = 20 + text_width(c) + 14
        if x + w > WIDTH and x > left:
            x, y = left, y + 18
        colour, pattern = style(i)
        fill = fill_of(cid + "-c" + str(i), colour, pattern)
        legend.append(f'<g class="legend-item"><rect x="{_num(x)}" y="{y}" width="14" height="12" '
                      f'fill="{fill}" stroke="{INK}" stroke-width="0.5"/>'
                      f'<text x="{_num(x + 19)}" y="{y + 10}" fill="{INK}">{esc(c)}</text></g>')
        x += w
    top = y + 24

    def scale(pct):
        return left + pct / 100 * plot_w

    y_axis = top + len(groups) * ROW
    height = y_axis + 42
    body = _x_axis([0, 20, 40, 60, 80, 100], scale, top, y_axis, axis_label, lambda t: f"{int(t)} %")
    body += legend
    row = 0
    for gi, (g, label, trail, total) in enumerate(zip(groups, labels, trailing, totals)):
        y = top + gi * ROW
        body.append(f'<text x="{_num(left - 6)}" y="{_num(y + ROW * 0.62)}" text-anchor="end" '
                    f'fill="{INK}">{esc(label)}</text>')
        acc = 0
        for category, count in g["parts"]:
            pct = 100 * (count or 0) / total if total else 0
            x1, x2 = scale(acc), scale(acc + pct)
            acc += pct
            i = index[category]
            colour, pattern = style(i)
            mark = _mark_attrs(row, str(g["label"]) + " " + str(category), count)
            fill = fill_of(cid + "-c" + str(i), colour, pattern)
            body.append(
                f'<rect {mark} data-group="{esc(g["label"])}" data-category="{esc(category)}" '
                f'x="{_num(x1)}" y="{_num(y + 3)}" width="{_num(x2 - x1)}" height="{ROW - 6}" '
                f'fill="{fill}" stroke="#ffffff" stroke-width="0.5"><title>{esc(g["label"])}, '
                f'{esc(category)}: {fmt_int(count)} ({pct:.1f} %)</title></rect>')
            text = f"{pct:.0f} %"
            if x2 - x1 >= text_width(text, 11) + 8:
                body.append(f'<text class="segment" x="{_num((x1 + x2) / 2)}" y="{_num(y + ROW * 0.62)}" '
                            f'text-anchor="middle" font-size="11" fill="{INK}" stroke="#ffffff" '
                            f'stroke-width="3" paint-order="stroke">{esc(text)}</text>')
            row += 1
        body.append(f'<text class="value" x="{_num(scale(100) + 4)}" y="{_num(y + ROW * 0.62)}" '
                    f'fill="{INK}">{esc(trail)}</text>')
    return _svg(cid, title, desc, height, body, defs)


def line(cid: str, title: str, desc: str, points: list[tuple], y_label: str, x_label: str) -> str:
    """A time series by month: points are (year, month, value). One dot (the mark) per point; the
    line joins consecutive months only, so a gap in the data shows as a gap."""
    if not points:
        return no_data()
    points = sorted(points)
    idx = [y * 12 + (m - 1) for y, m, _ in points]
    first, last = idx[0], idx[-1]
    if first == last:
        first, last = first - 1, last + 1
    vmax = max(v or 0 for _, _, v in points)
    yticks = nice_ticks(0, vmax if vmax > 0 else 1, integer=True)
    left = max(text_width(fmt_number(yticks[-1])) + 40, 56)
    right, top = 16, 10
    plot_h = 240
    y_axis = top + plot_h
    height = y_axis + 44

    def sx(i):
        return left + (i - first) / (last - first) * (WIDTH - left - right)

    def sy(v):
        return y_axis - (v - yticks[0]) / (yticks[-1] - yticks[0]) * plot_h

    body = []
    for t in yticks:
        y = _num(sy(t))
        body.append(f'<line class="grid" x1="{_num(left)}" x2="{WIDTH - right}" y1="{y}" y2="{y}" '
                    f'stroke="{GRID}"/>')
        body.append(f'<text x="{_num(left - 6)}" y="{_num(sy(t) + 4)}" text-anchor="end" '
                    f'fill="{MUTED}">{esc(fmt_number(t))}</text>')
    body.append(f'<text class="axis-label" transform="translate(14 {_num(top + plot_h / 2)}) rotate(-90)" '
                f'text-anchor="middle" fill="{INK}">{esc(y_label)}</text>')
    # Year ticks: at most about ten labels.
    y0, y1 = first // 12, last // 12 + 1
    step = next(s for s in (1, 2, 5, 10, 20, 50) if (y1 - y0) / s <= 10)
    for year in range(y0 - y0 % step, y1 + 1, step):
        i = year * 12
        if i < first or i > last:
            continue
        x = _num(sx(i))
        body.append(f'<line class="grid" x1="{x}" x2="{x}" y1="{top}" y2="{_num(y_axis + 4)}" stroke="{GRID}"/>')
        body.append(f'<text x="{x}" y="{_num(y_axis + 16)}" text-anchor="middle" fill="{MUTED}">{year}</text>')
    body.append(f'<text class="axis-label" x="{_num((left + WIDTH - right) / 2)}" y="{_num(y_axis + 36)}" '
                f'text-anchor="middle" fill="{INK}">{esc(x_label)}</text>')
    body.append(f'<line x1="{_num(left)}" x2="{WIDTH - right}" y1="{_num(y_axis)}" y2="{_num(y_axis)}" stroke="{INK}"/>')
    # Long gaps (more than a year without a point): a grey band, so an empty stretch reads as
    # missing data rather than as zero.
    for a, b in zip(idx, idx[1:]):
        if b - a > 12:
            x1, x2 = sx(a + 1), sx(b - 1)
            body.append(f'<rect class="gap" x="{_num(x1)}" y="{top}" width="{_num(x2 - x1)}" '
                        f'height="{plot_h}" fill="#f1f1f1"/>')
            if x2 - x1 > text_width("no data") + 8:
                body.append(f'<text class="gap-label" x="{_num((x1 + x2) / 2)}" y="{_num(top + plot_h / 2)}" '
                            f'text-anchor="middle" fill="{MUTED}">no data</text>')
    # The line, broken where a month is missing.
    segments, current, prev = [], [], None
    for i, (y, m, v) in zip(idx, points):
        if prev is not None and i != prev + 1 and current:
            segments.append(current)
            current = []
        current.append((sx(i), sy(v or 0)))
        prev = i
    segments.append(current)
    d = " ".join("M" + " L".join(f"{_num(x)},{_num(y)}" for x, y in seg) for seg in segments if len(seg) > 1)
    if d:
        body.append(f'<path class="line" d="{d}" fill="none" stroke="{BLUE}" stroke-width="1.5"/>')
    for n, ((y, m, v), i) in enumerate(zip(points, idx)):
        label = f"{y:04d}-{m:02d}"
        body.append(f'<circle {_mark_attrs(n, label, v)} cx="{_num(sx(i))}" cy="{_num(sy(v or 0))}" '
                    f'r="2.6" fill="{BLUE}" stroke="#ffffff" stroke-width="0.6">'
                    f"<title>{label}: {fmt_int(v)}</title></circle>")
    return _svg(cid, title, desc, height, body)
