"""An independent, deliberately plain pandas reading of the portal CSVs, used to check the figures
the Spark jobs + Athena SQL produce. It shares no code with pipelines/glue/."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

LOCAL_AREAS = {
    "Arbutus-Ridge", "Downtown", "Dunbar-Southlands", "Fairview", "Grandview-Woodland",
    "Hastings-Sunrise", "Kensington-Cedar Cottage", "Kerrisdale", "Killarney", "Kitsilano",
    "Marpole", "Mount Pleasant", "Oakridge", "Renfrew-Collingwood", "Riley Park", "Shaughnessy",
    "South Cambie", "Strathcona", "Sunset", "Victoria-Fraserview", "West End", "West Point Grey",
}


def read_exports(paths: list[Path]) -> pd.DataFrame:
    frames = [pd.read_csv(p, sep=";", dtype=str, encoding="utf-8-sig", keep_default_na=False)
              for p in paths]
    return pd.concat(frames, ignore_index=True).fillna("")


def one_row_per_licence(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["_extract"] = pd.to_datetime(df["ExtractDate"], utc=True)
    df["_filled"] = (df.drop(columns=["_extract"]) != "").sum(axis=1)
    df["_rev"] = df["LicenceRevisionNumber"].astype(int)
    df["_rsn"] = df["LicenceRSN"].astype(int)
    # rows sharing a LicenceRSN: the latest export, then the most complete row
    df = (df.sort_values(["_rsn", "_extract", "_filled"], ascending=[True, False, False])
            .drop_duplicates("_rsn", keep="first"))
    # one row per licence: highest revision (numeric), then latest export, then highest RSN
    df = (df.sort_values(["LicenceNumber", "_rev", "_extract", "_rsn"], ascending=[True, False, False, False])
            .drop_duplicates("LicenceNumber", keep="first"))
    df["folder_year"] = df["FOLDERYEAR"].astype(int).map(lambda y: 2000 + y if y < 50 else 1900 + y)
    df["business_type"] = df["BusinessType"].str.replace(" *Historic*", "", regex=False).str.strip()
    df["fee"] = pd.to_numeric(df["FeePaid"].replace("", None))
    return df.reset_index(drop=True)


def issued_per_month(lic: pd.DataFrame) -> dict[str, int]:
    issued = lic[lic["IssuedDate"] != ""]
    return issued["IssuedDate"].str[:7].value_counts().sort_index().to_dict()


def average_fee_by_type(lic: pd.DataFrame) -> dict[str, tuple[int, float]]:
    paid = lic.dropna(subset=["fee"])
    g = paid.groupby("business_type")["fee"]
    return {k: (int(n), float(m)) for k, n, m in zip(g.count().index, g.count(), g.mean())}  # unrounded


def local_area_counts(lic: pd.DataFrame) -> dict[str, int]:
    in_city = lic[lic["LocalArea"].isin(LOCAL_AREAS)]
    return in_city["LocalArea"].value_counts().to_dict()


def status_by_year(lic: pd.DataFrame) -> dict[tuple[int, str], tuple[int, float]]:
    counts = lic.groupby(["folder_year", "Status"]).size()
    totals = lic.groupby("folder_year").size()
    return {(int(y), s): (int(n), 100.0 * n / totals[y]) for (y, s), n in counts.items()}  # unrounded


def types_by_year(lic: pd.DataFrame, year: int) -> dict[str, int]:
    return lic[lic["folder_year"] == year]["business_type"].value_counts().to_dict()
