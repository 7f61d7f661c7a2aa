"""The questions the report asks (the Athena named queries, `pipelines/athena/<name>.sql`) and their
parameters.

A query may name parameters as `{{name}}`. The planner fills them from the environment's dataset
years before the text becomes a named query (crates/dap-planner/src/queries.rs); locally the
builder fills the same names the same way ([`parameters`], [`fill`]). Any other `{{...}}` is an
error.
"""
from __future__ import annotations

import re
from pathlib import Path

from . import ReportError

# The named queries the page shows, in page order (the file stems, which are also the names of the
# deployed named queries).
QUERY_NAMES = (
    "licences_issued_per_month",
    "average_fee_by_business_type",
    "top_local_areas",
    "status_breakdown_by_year",
    "change_by_business_type_year_over_year",
)

# pipelines/athena/, next to this package in the repository.
DEFAULT_QUERIES_DIR = Path(__file__).resolve().parent.parent / "athena"

DATASET = "business-licences"

PARAMETERS = ("latest_year", "previous_year")


def parameters(years) -> dict[str, str]:
    """The values of the query parameters for a dataset's folder years, as the planner computes
    them: latest = the highest year; previous = the year before it in the list, or latest - 1 when
    the list holds one year."""
    ordered = sorted({int(y) for y in years})
    if not ordered:
        raise ReportError("no dataset years to fill {{latest_year}} and {{previous_year}} with")
    latest = ordered[-1]
    previous = ordered[-2] if len(ordered) > 1 else latest - 1
    return {"latest_year": str(latest), "previous_year": str(previous)}


def fill(sql: str, values: dict, name: str = "query") -> str:
    """`sql` with every `{{ key }}` replaced by `values[key]`; an unknown key, or `{{` without
    `}}`, is an error naming the query."""
    out, rest = [], sql
    while True:
        start = rest.find("{{")
        if start < 0:
            out.append(rest)
            return "".join(out)
        out.append(rest[:start])
        after = rest[start + 2:]
        end = after.find("}}")
        if end < 0:
            raise ReportError(f"{name}.sql: `{{{{` without `}}}}`")
        key = after[:end].strip()
        if key not in values:
            raise ReportError(f"{name}.sql: unknown parameter `{{{{{key}}}}}`")
        out.append(str(values[key]))
        rest = after[end + 2:]


def has_parameters(sql: str) -> bool:
    return "{{" in sql


def read_sql(name: str, queries_dir: Path | None = None) -> str:
    """The text of `<queries_dir>/<name>.sql` as written (parameters unfilled)."""
    path = Path(queries_dir or DEFAULT_QUERIES_DIR) / f"{name}.sql"
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportError(f"no query file {path} (--queries names the folder of the *.sql files)") from None


def description(sql: str) -> str:
    """The description of a query: its first line's `-- ` comment (the NamedQuery description)."""
    first = sql.splitlines()[0] if sql else ""
    return first[2:].strip() if first.startswith("--") else ""


def parse_years(text: str) -> list[int]:
    """`2023,2024` (spaces allowed) as a list of four-digit years."""
    years = []
    for part in text.split(","):
        part = part.strip()
        if not re.fullmatch(r"\d{4}", part):
            raise ReportError(f"--years: `{part}` is not a four-digit year (e.g. --years 2023,2024)")
        years.append(int(part))
    return years


def environment_years(path: Path, dataset: str = DATASET) -> list[int]:
    """`datasets.<dataset>.years` of an environment file, read by a deliberately small reader of
    the block form the shipped files use (and a flow list: `years: [2023, 2024]`). A file it cannot
    read gives an error suggesting --years."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as e:
        raise ReportError(f"--environment: cannot read {path}: {e.strerror or e}") from None

    def content(line: str) -> str:
        return re.sub(r"\s+#.*$", "", line).rstrip() if not line.lstrip().startswith("#") else ""

    # Walk down the keys datasets -> <dataset> -> years, each more indented than its parent.
    wanted = ["datasets", dataset, "years"]
    depth, parent_indent, i = 0, -1, 0
    while i < len(lines) and depth < len(wanted):
        line = content(lines[i])
        i += 1
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if indent <= parent_indent:
            break  # left the parent block without finding the key
        m = re.fullmatch(r"\s*[\"']?([^\"':]+)[\"']?\s*:\s*(.*)", line)
        if m and m.group(1).strip() == wanted[depth]:
            value = m.group(2).strip()
            depth += 1
            parent_indent = indent
            if depth == len(wanted):
                if value.startswith("["):
                    return _years_of(re.split(r"\s*,\s*", value.strip("[] ")), path)
                if value:
                    break
                items = []
                while i < len(lines):
                    item = content(lines[i])
                    if not item.strip():
                        i += 1
                        continue
                    m_item = re.fullmatch(r"(\s*)-\s*(.*)", item)
                    if not m_item or len(m_item.group(1)) < indent:
                        break
                    items.append(m_item.group(2))
                    i += 1
                return _years_of(items, path)
            if value:
                break  # a flow mapping or scalar: beyond this reader
    raise ReportError(f"--environment: no `datasets: {dataset}: years:` list found in {path} "
                      "that this reader understands; pass --years instead (e.g. --years 2023,2024)")


def _years_of(items: list[str], path) -> list[int]:
    years = []
    for item in items:
        item = item.strip().strip("\"'")
        if not re.fullmatch(r"\d{4}", item):
            raise ReportError(f"--environment: `{item}` in {path} is not a four-digit year")
        years.append(int(item))
    if not years:
        raise ReportError(f"--environment: the years list in {path} is empty")
    return years
