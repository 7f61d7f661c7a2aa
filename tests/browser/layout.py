"""What the browser test measures in a page: horizontal overflow, the folded appendices and the
heat maps. Kept apart from the tests so the checker itself can be tested on pages made to fail."""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = os.environ.get("DAP_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1280, "height": 800}
# The network is closed: without these Chromium waits on Google's services.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Every element whose right edge passes the viewport, unless its nearest horizontally
# scrolling ancestor (overflow-x auto or scroll) itself fits: such a table scrolls on its own.
# Anything cut off by `overflow: hidden` or `clip` counts as overflowing: nothing may be clipped.
OVERFLOW_JS = """
() => {
  const limit = window.innerWidth;
  const root = document.documentElement;
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (el.classList && el.classList.length) s += '.' + Array.from(el.classList).join('.');
    const text = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
    return text ? s + ' "' + text + '"' : s;
  };
  const scrolls = (el) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
  const offenders = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right <= limit + 0.5) continue;
    let p = el.parentElement;
    while (p && p !== document.body && !scrolls(p)) p = p.parentElement;
    if (p && p !== document.body) {
      const pr = p.getBoundingClientRect();
      if (pr.left >= -0.5 && pr.right <= limit + 0.5) continue;
    }
    offenders.push(describe(el) + ' ends at ' + Math.round(r.right) + ' px');
  }
  return {
    scrollWidth: root.scrollWidth,
    clientWidth: root.clientWidth,
    innerWidth: limit,
    height: root.scrollHeight,
    offenders: offenders,
  };
}
"""

# Each appendix (an h2 starting "Appendix") and the <details> that must follow it.
APPENDICES_JS = """
() => Array.from(document.querySelectorAll('h2'))
  .filter(h => h.textContent.trim().startsWith('Appendix'))
  .map(h => {
    const d = h.nextElementSibling;
    const folded = d && d.tagName === 'DETAILS';
    const summary = folded && d.querySelector(':scope > summary');
    return {
      heading: h.textContent.trim(),
      folded: !!folded,
      open: folded ? d.open : null,
      summary: summary ? summary.textContent.trim() : null,
    };
  })
"""

# The heat maps: every cell of every matrix, its class, its words and its background.
MATRICES_JS = """
() => Array.from(document.querySelectorAll('table.matrix td')).map(td => ({
  classes: td.className,
  text: td.textContent.trim(),
  background: getComputedStyle(td).backgroundColor,
}))
"""


@contextmanager
def browser():
    """Chromium, headless, with a new empty profile, at 1,280 × 800; yields a context."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: install Debian's chromium "
            "(apt-get install chromium) or set DAP_CHROMIUM"
        )
    with tempfile.TemporaryDirectory(prefix="dap-chromium-") as profile:
        with sync_playwright() as p:
            context = p.chromium.launch_persistent_context(
                profile,
                executable_path=CHROMIUM,
                headless=True,
                args=ARGS,
                viewport=VIEWPORT,
                offline=True,
            )
            try:
                yield context
            finally:
                context.close()


def overflow(page) -> dict:
    """The page's widths and every element that overflows the viewport horizontally."""
    return page.evaluate(OVERFLOW_JS)


def fits(m: dict) -> bool:
    return (
        m["scrollWidth"] <= VIEWPORT["width"]
        and m["scrollWidth"] <= m["clientWidth"]
        and not m["offenders"]
    )


def open_every_details(page) -> None:
    page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
