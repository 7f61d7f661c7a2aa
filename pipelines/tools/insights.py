"""Print insights from the curated tables by running the Athena named queries in DuckDB.

    python pipelines/tools/insights.py CURATED_DIR [RAW_DIR]

Creates one DuckDB view per table (named like the Glue table) over
`<dir>/business-licences/<table>/**/*.parquet` with Hive partitioning, then runs pipelines/athena/*.sql
unchanged.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
ATHENA = ROOT / "pipelines" / "athena"
MIN_LICENCES_FOR_AVERAGE = 20
SCHEMA = json.loads((ROOT / "pipelines" / "schema" / "business_licences.json").read_text())
DUCKDB_TYPES = {"int": "INTEGER", "bigint": "BIGINT", "string": "VARCHAR"}


def connect(curated: Path, raw: Path | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for t in SCHEMA["tables"]:
        base = curated if t["zone"] == "curated" else raw
        if base is None:
            continue
        path = base / SCHEMA["dataset"] / t["name"]
        # partition keys as the Glue table types them (DuckDB infers BIGINT for year=YYYY)
        casts = ", ".join(f"CAST({k['name']} AS {DUCKDB_TYPES[k['type']]}) AS {k['name']}"
                          for k in t["partition_keys"])
        con.execute(f"CREATE VIEW {t['name']} AS SELECT *{f' REPLACE ({casts})' if casts else ''} "
                    f"FROM read_parquet('{path}/**/*.parquet', hive_partitioning = true)")
    return con


def query(con, name: str):
    return con.execute((ATHENA / f"{name}.sql").read_text()).df()


def rank_fees(fees):
    """The average-fee rows worth ranking: types with at least MIN_LICENCES_FOR_AVERAGE licences."""
    return fees[fees.licences_with_fee >= MIN_LICENCES_FOR_AVERAGE]


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    con = connect(Path(argv[1]), Path(argv[2]) if len(argv) == 3 else None)

    months = query(con, "licences_issued_per_month")
    best = months.sort_values(["licences_issued", "month_start"], ascending=[False, True]).iloc[0]
    print(f"Busiest month: {int(best.issued_year)}-{int(best.issued_month):02d} with "
          f"{int(best.licences_issued):,} licences issued "
          f"(of {int(months.licences_issued.sum()):,} with an issue date, {len(months)} months)")

    # An average over one or two licences says nothing about a business type: rank only the
    # types with enough licences, and say how many were left out.
    fees = query(con, "average_fee_by_business_type")
    ranked = rank_fees(fees)
    if ranked.empty:
        print(f"Average fee by business type: no type has {MIN_LICENCES_FOR_AVERAGE} licences "
              f"with a fee yet ({len(fees)} types)")
    else:
        top = ranked.iloc[0]
        print(f"Highest average fee by business type (types with at least "
              f"{MIN_LICENCES_FOR_AVERAGE} licences with a fee; {len(fees) - len(ranked)} of "
              f"{len(fees)} types have fewer): {top.business_type} at ${top.average_fee:,.2f} "
              f"over {int(top.licences_with_fee):,} licences")
        for r in ranked.iloc[1:4].itertuples():
            print(f"    then {r.business_type}: ${r.average_fee:,.2f} ({int(r.licences_with_fee):,})")

    areas = query(con, "top_local_areas")
    print("Top local areas by licences:")
    for i, r in enumerate(areas.itertuples(), 1):
        print(f"  {i:2d}. {r.local_area:<26} {int(r.licences):>6,}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
