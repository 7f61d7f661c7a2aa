"""Glue job `clean`: business-licences landing zone -> raw zone.

Reads the City of Vancouver open-data portal CSV exports exactly as exported (UTF-8 with BOM, CRLF,
`;` delimiter, `"` quoting; current 25-column layout and legacy 24-column layout, detected by header)
from any number of files / folders, cleans and types them, keeps one row per licence (highest
revision) and writes the raw table `licences` as Parquet partitioned by `year=YYYY/` under
`<target>/business-licences/licences/`, plus a JSON data-quality summary under `--quality_report`.

Self-contained (Glue uploads one script per job). Runs on AWS Glue 5.0 (Spark 3.5, Python 3.11) and
under plain local PySpark: the Glue-only parts are used only when `awsglue` is importable.

Arguments (Glue DefaultArguments, same names locally):
  --source          landing URI(s): files or prefixes, comma-separated, e.g. s3://landing/business-licences/
  --target          raw zone base URI, e.g. s3://raw-bucket/ (the job appends business-licences/licences/)
  --quality_report  URI prefix for the quality summary (the job writes clean-<UTC timestamp>.json there)
"""
from __future__ import annotations

import argparse
import csv
import datetime as _dt
import json
import os
import sys
from functools import reduce

from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

DATASET = "business-licences"
TABLE = "licences"

# The raw table, exactly as pipelines/schema/business_licences.json declares it (a test checks this).
LICENCES_COLUMNS = [
    ("licence_rsn", "bigint"),
    ("licence_number", "string"),
    ("licence_revision_number", "string"),
    ("folder_year", "string"),
    ("business_name", "string"),
    ("business_trade_name", "string"),
    ("status", "string"),
    ("issued_date", "timestamp"),
    ("issued_local_date", "date"),
    ("expired_date", "date"),
    ("business_type", "string"),
    ("business_type_historic", "boolean"),
    ("business_sub_type", "string"),
    ("unit", "string"),
    ("unit_type", "string"),
    ("house", "string"),
    ("street", "string"),
    ("city", "string"),
    ("province", "string"),
    ("country", "string"),
    ("postal_code", "string"),
    ("postal_code_raw", "string"),
    ("local_area", "string"),
    ("number_of_employees", "double"),
    ("employees_outlier", "boolean"),
    ("fee_paid", "decimal(12,2)"),
    ("extract_date", "timestamp"),
    ("longitude", "double"),
    ("latitude", "double"),
    ("issued_before_folder_year", "boolean"),
    ("issued_after_folder_year", "boolean"),
    ("expired_before_issued", "boolean"),
    ("source_layout", "string"),
    ("source_file", "string"),
]
PARTITION_KEYS = [("year", "int")]

# Portal export layouts (header names). The legacy 1997-2012 export lacks geo_point_2d.
CURRENT_LAYOUT = [
    "FOLDERYEAR", "LicenceRSN", "LicenceNumber", "LicenceRevisionNumber", "BusinessName",
    "BusinessTradeName", "Status", "IssuedDate", "ExpiredDate", "BusinessType", "BusinessSubType",
    "Unit", "UnitType", "House", "Street", "City", "Province", "Country", "PostalCode", "LocalArea",
    "NumberofEmployees", "FeePaid", "ExtractDate", "Geom", "geo_point_2d",
]
LEGACY_LAYOUT = CURRENT_LAYOUT[:-1]
REQUIRED_COLUMNS = ["FOLDERYEAR", "LicenceRSN", "LicenceNumber", "LicenceRevisionNumber", "Status"]

LOCAL_AREAS = [
    "Arbutus-Ridge", "Downtown", "Dunbar-Southlands", "Fairview", "Grandview-Woodland",
    "Hastings-Sunrise", "Kensington-Cedar Cottage", "Kerrisdale", "Killarney", "Kitsilano",
    "Marpole", "Mount Pleasant", "Oakridge", "Renfrew-Collingwood", "Riley Park", "Shaughnessy",
    "South Cambie", "Strathcona", "Sunset", "Victoria-Fraserview", "West End", "West Point Grey",
]
OTHER_AREAS = ["Out of Town", "UBC"]
# Older exports' names for today's areas (key: lower case letters and digits only).
LOCAL_AREA_ALIASES = {
    "centralbusinessdowntown": "Downtown",
    "centralbusinessdistrict": "Downtown",
    "universityofbritishcolumbia": "UBC",
    "outoftown": "Out of Town",
}
STATUSES = ["Issued", "Pending", "Gone Out of Business", "Inactive", "Cancelled"]
CANADIAN_PROVINCES = ["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"]
# City spellings that mean Vancouver (key: lower case letters only); plus edit distance <= 2.
VANCOUVER_ALIASES = ["vancouver", "vancouverbc", "vancouverbritishcolumbia", "cityofvancouver",
                     "van", "vanc", "vcr", "vanbc"]
EMPLOYEES_OUTLIER = 1000.0
SOURCE_TIME_ZONE = "America/Vancouver"  # zone of the portal export, for values without an offset
POSTAL_RE = r"^[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z][0-9][ABCEGHJ-NPRSTV-Z][0-9]$"

SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.sources.partitionOverwriteMode": "dynamic",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    # FIXED_LEN_BYTE_ARRAY decimals: readable by every Hive/Athena/Spectrum version.
    "spark.sql.parquet.writeLegacyFormat": "true",
}


# --------------------------------------------------------------------------- input discovery

def _hadoop(spark: SparkSession, uri: str):
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    return path, path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())


def list_input_files(spark: SparkSession, sources: list[str]) -> list[str]:
    """Expand files and folders/prefixes (recursively, *.csv, skipping _hidden/.hidden) into file URIs."""
    files: list[str] = []
    for src in sources:
        path, fs = _hadoop(spark, src)
        if not fs.exists(path):
            raise FileNotFoundError(f"input not found: {src}")
        status = fs.getFileStatus(path)
        if status.isFile():
            files.append(status.getPath().toString())
            continue
        it = fs.listFiles(path, True)
        while it.hasNext():
            p = it.next().getPath()
            rel = p.toString()[len(status.getPath().toString()):]
            if p.getName().lower().endswith(".csv") and not any(
                    part.startswith(("_", ".")) for part in rel.split("/") if part):
                files.append(p.toString())
    return sorted(set(files))


def read_header(spark: SparkSession, uri: str) -> list[str]:
    jvm = spark.sparkContext._jvm
    path, fs = _hadoop(spark, uri)
    stream = fs.open(path)
    try:
        line = jvm.java.io.BufferedReader(jvm.java.io.InputStreamReader(stream, "UTF-8")).readLine()
    finally:
        stream.close()
    line = (line or "").lstrip("\ufeff").rstrip("\r\n")
    return [h.strip() for h in next(csv.reader([line], delimiter=";", quotechar='"'))] if line else []


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def detect_layout(header: list[str]) -> tuple[str, dict[str, int]]:
    """Return (layout name, {source column: position}) for a header; raise on an unknown layout."""
    by_key = {_key(h): i for i, h in enumerate(header)}
    positions = {c: by_key[_key(c)] for c in CURRENT_LAYOUT if _key(c) in by_key}
    missing = [c for c in REQUIRED_COLUMNS if c not in positions]
    if missing:
        raise ValueError(f"unknown layout, missing columns {missing} in header {header}")
    layout = "current" if "geo_point_2d" in positions else "legacy"
    return layout, positions


def read_landing(spark: SparkSession, files: list[str]) -> DataFrame:
    """All files as one DataFrame of source columns (strings) + source_file, source_layout, _corrupt_record."""
    groups: dict[tuple, list[str]] = {}
    header_names: dict[str, list[str]] = {}
    for f in files:
        header = read_header(spark, f)
        header_names[f] = header
        layout, positions = detect_layout(header)
        groups.setdefault((layout, len(header), tuple(sorted(positions.items()))), []).append(f)
    frames = []
    for (layout, width, positions), group in sorted(groups.items()):
        names = list(header_names[group[0]])
        if (len({n.lower() for n in names}) != width or "_corrupt_record" in names
                or any(not n or "`" in n for n in names)):
            names = [f"_c{i}" for i in range(width)]
        # Named like the header so Spark's header check agrees; read positionally (enforceSchema).
        schema = T.StructType([T.StructField(n, T.StringType()) for n in names]
                              + [T.StructField("_corrupt_record", T.StringType())])
        df = (spark.read.schema(schema)
              .option("header", True).option("sep", ";").option("quote", '"').option("escape", '"')
              .option("multiLine", True).option("encoding", "UTF-8").option("mode", "PERMISSIVE")
              .option("columnNameOfCorruptRecord", "_corrupt_record")
              .csv(group))
        pos = dict(positions)
        frames.append(df.select(
            *[(F.col(f"`{names[pos[c]]}`") if c in pos else F.lit(None).cast("string")).alias(c)
              for c in CURRENT_LAYOUT],
            F.input_file_name().alias("source_file"),
            F.lit(layout).alias("source_layout"),
            F.col("_corrupt_record")))
    if not frames:
        raise FileNotFoundError("no input CSV files found")
    return reduce(DataFrame.unionByName, frames)


# --------------------------------------------------------------------------- cleaning

SRC = "_s_"  # prefix of source columns during cleaning (Spark column names are case-insensitive)


def S(name: str):
    """A source column (trimmed text) by its export header name."""
    return F.col(SRC + name)


def _nz(c, collapse: bool = False):
    """Trimmed text, empty -> null; with collapse, inner runs of whitespace become one space
    (regex: only on the free-text columns, it is the costliest step per row)."""
    t = F.trim(F.regexp_replace(c, r"[\s\u00a0]+", " ")) if collapse else F.trim(c)
    return F.nullif(t, F.lit(""))


# free-text columns whose whitespace runs are collapsed
COLLAPSE = {"BusinessName", "BusinessTradeName", "BusinessType", "BusinessSubType", "Unit", "House",
            "Street", "City", "PostalCode", "LocalArea"}


def _map(d: dict):
    return F.create_map(*[F.lit(x) for kv in sorted(d.items()) for x in kv])


def _parse_instant(c):
    """ISO 8601 with offset -> UTC instant; values without offset are local time of the export."""
    with_offset = F.coalesce(F.to_timestamp(c, "yyyy-MM-dd'T'HH:mm:ss[.SSSSSS]XXX"),
                             F.to_timestamp(c, "yyyy-MM-dd HH:mm:ss[.SSSSSS]XXX"))
    local = F.coalesce(F.to_timestamp(c, "yyyy-MM-dd'T'HH:mm:ss[.SSSSSS]"),
                       F.to_timestamp(c, "yyyy-MM-dd HH:mm:ss[.SSSSSS]"),
                       F.to_timestamp(c, "yyyy-MM-dd"))
    return F.coalesce(with_offset, F.to_utc_timestamp(local, SOURCE_TIME_ZONE))


def clean_columns(raw: DataFrame) -> DataFrame:
    """Per-row cleaning and typing. Keeps helper columns `_*` for dedup and the quality report."""
    s = {c: _nz(F.col(c), c in COLLAPSE) for c in CURRENT_LAYOUT}
    df = raw.select(*[s[c].alias(SRC + c) for c in CURRENT_LAYOUT],
                    "source_file", "source_layout", "_corrupt_record")

    # identity
    df = (df.withColumn("licence_rsn", F.when(S("LicenceRSN").rlike(r"^[0-9]{1,18}$"),
                                              S("LicenceRSN").cast("bigint")))
            .withColumn("licence_number", F.upper(F.regexp_replace(S("LicenceNumber"), " ", "")))
            .withColumn("licence_revision_number", S("LicenceRevisionNumber"))
            .withColumn("_revision", F.when(S("LicenceRevisionNumber").rlike(r"^[0-9]{1,9}$"),
                                            S("LicenceRevisionNumber").cast("int")))
            .withColumn("folder_year", S("FOLDERYEAR")))

    # dates: instants in UTC; local calendar date as written in the source
    df = (df.withColumn("extract_date", _parse_instant(S("ExtractDate")))
            .withColumn("issued_date", _parse_instant(S("IssuedDate")))
            .withColumn("issued_local_date", F.when(F.col("issued_date").isNotNull(),
                                                    F.to_date(F.substring(S("IssuedDate"), 1, 10), "yyyy-MM-dd")))
            .withColumn("expired_date", F.to_date(F.substring(S("ExpiredDate"), 1, 10), "yyyy-MM-dd")))

    # two-digit folder year -> four digits, pivoting on the export's year
    yy = F.when(S("FOLDERYEAR").rlike(r"^[0-9]{1,2}$"), S("FOLDERYEAR").cast("int"))
    ref_year = F.coalesce(F.year("extract_date"), F.year(F.current_date()))
    df = df.withColumn("year", F.when(yy.isNotNull(),
                                      F.when(2000 + yy <= ref_year + 1, 2000 + yy).otherwise(1900 + yy))
                       .otherwise(F.when(S("FOLDERYEAR").rlike(r"^(19|20)[0-9]{2}$"),
                                         S("FOLDERYEAR").cast("int"))))

    df = (df.withColumn("issued_before_folder_year",
                        F.coalesce(F.year("issued_local_date") < F.col("year"), F.lit(False)))
            .withColumn("issued_after_folder_year",
                        F.coalesce(F.year("issued_local_date") > F.col("year"), F.lit(False)))
            .withColumn("expired_before_issued",
                        F.coalesce(F.col("expired_date") < F.col("issued_local_date"), F.lit(False))))

    # names: trimmed only (embedded quotes and parentheses are data)
    df = (df.withColumn("business_name", S("BusinessName"))
            .withColumn("business_trade_name", S("BusinessTradeName")))

    status_key = F.lower(S("Status"))
    df = df.withColumn("status", F.coalesce(_map({x.lower(): x for x in STATUSES})[status_key],
                                            F.initcap(S("Status"))))

    historic = r"(?i)\s*\*\s*historic\s*\*\s*$"
    df = (df.withColumn("business_type_historic", F.coalesce(S("BusinessType").rlike(historic), F.lit(False)))
            .withColumn("business_type", _nz(F.regexp_replace(S("BusinessType"), historic, "")))
            .withColumn("business_sub_type", S("BusinessSubType")))

    # address
    df = (df.withColumn("unit", S("Unit"))
            .withColumn("unit_type", F.initcap(S("UnitType")))
            .withColumn("house", F.upper(S("House")))
            .withColumn("street", F.upper(S("Street")))
            .withColumn("province", F.upper(S("Province"))))
    city_key = F.regexp_replace(F.lower(S("City")), r"[^a-z]", "")
    is_vancouver = (city_key.isin(VANCOUVER_ALIASES)
                    | ((F.length(city_key) >= 7) & (F.levenshtein(city_key, F.lit("vancouver")) <= 2)))
    df = df.withColumn("city", F.when(S("City").isNull(), F.lit(None))
                       .when(is_vancouver, F.lit("Vancouver")).otherwise(F.initcap(S("City"))))

    pc_compact = F.upper(F.regexp_replace(F.coalesce(S("PostalCode"), F.lit("")), r"[\s\-]", ""))
    df = (df.withColumn("postal_code_raw", S("PostalCode"))
            .withColumn("postal_code", F.when(pc_compact.rlike(POSTAL_RE),
                                              F.concat(F.substring(pc_compact, 1, 3), F.lit(" "),
                                                       F.substring(pc_compact, 4, 3)))))
    df = df.withColumn("country", F.coalesce(
        F.upper(S("Country")),
        F.when(F.col("province").isin(CANADIAN_PROVINCES) | F.col("postal_code").isNotNull(), F.lit("CA"))))

    areas = {_key(a): a for a in LOCAL_AREAS + OTHER_AREAS}
    areas.update(LOCAL_AREA_ALIASES)
    area_key = F.regexp_replace(F.lower(S("LocalArea")), r"[^a-z0-9]", "")
    df = df.withColumn("local_area", F.coalesce(_map(areas)[area_key], S("LocalArea")))

    # numbers
    df = (df.withColumn("number_of_employees",
                        F.regexp_replace(S("NumberofEmployees"), r"[,\s]", "").cast("double"))
            .withColumn("employees_outlier", F.coalesce(
                (F.col("number_of_employees") >= EMPLOYEES_OUTLIER) | (F.col("number_of_employees") < 0),
                F.lit(False)))
            .withColumn("fee_paid", F.regexp_replace(S("FeePaid"), r"[$,\s]", "").cast("decimal(12,2)")))

    # coordinates: Geom GeoJSON first, then geo_point_2d "lat, lon"
    df = (df.withColumn("_geom", F.from_json(S("Geom"), "coordinates array<double>, type string"))
            .withColumn("_gp", F.split(S("geo_point_2d"), ",")))
    gp_ok = F.size("_gp") == 2
    lon = F.coalesce(F.col("_geom.coordinates").getItem(0),
                     F.when(gp_ok, F.trim(F.col("_gp").getItem(1)).cast("double")))
    lat = F.coalesce(F.col("_geom.coordinates").getItem(1),
                     F.when(gp_ok, F.trim(F.col("_gp").getItem(0)).cast("double")))
    df = (df.withColumn("_lon", lon).withColumn("_lat", lat))
    in_range = F.col("_lon").between(-180, 180) & F.col("_lat").between(-90, 90)
    df = (df.withColumn("longitude", F.when(in_range, F.col("_lon")))
            .withColumn("latitude", F.when(in_range, F.col("_lat"))))

    # completeness of the source row: tie-break between near duplicates
    df = df.withColumn("_filled", reduce(lambda a, b: a + b,
                                         [S(c).isNotNull().cast("int") for c in CURRENT_LAYOUT]))
    df = df.withColumn("_reject", F.when(F.col("_corrupt_record").isNotNull(), F.lit("malformed_record"))
                       .when(F.col("licence_rsn").isNull(), F.lit("invalid_licence_rsn"))
                       .when(F.col("licence_number").isNull(), F.lit("missing_licence_number"))
                       .when(F.col("year").isNull(), F.lit("invalid_folder_year")))
    return df


def deduplicate(df: DataFrame) -> DataFrame:
    """Set `_reject` for duplicates: same LicenceRSN (keep the latest, most complete row), then one
    row per LicenceNumber: the highest LicenceRevisionNumber (compared numerically), ties broken by
    the latest ExtractDate then the highest LicenceRSN (`superseded_revision` for lower revisions,
    `duplicate_licence_number` for other RSNs with the same revision)."""
    valid = F.col("_reject").isNull()
    by_rsn = Window.partitionBy("licence_rsn").orderBy(
        F.col("extract_date").desc_nulls_last(), F.col("_filled").desc(), F.col("source_file").desc(),
        F.col("_revision").desc_nulls_last())
    df = df.withColumn("_rsn_rank", F.when(valid, F.row_number().over(by_rsn)))
    df = df.withColumn("_reject", F.when(valid & (F.col("_rsn_rank") > 1), F.lit("duplicate_licence_rsn"))
                       .otherwise(F.col("_reject")))
    valid = F.col("_reject").isNull()
    by_licence = Window.partitionBy("licence_number").orderBy(
        F.col("_revision").desc_nulls_last(), F.col("extract_date").desc_nulls_last(),
        F.col("licence_rsn").desc())
    top = Window.partitionBy("licence_number")
    df = (df.withColumn("_lic_rank", F.when(valid, F.row_number().over(by_licence)))
            .withColumn("_top_revision", F.max(F.when(valid, F.col("_revision"))).over(top)))
    same_revision = F.when(F.col("_top_revision").isNull(), F.lit(True)).otherwise(
        F.coalesce(F.col("_revision") == F.col("_top_revision"), F.lit(False)))
    return df.withColumn("_reject", F.when(valid & (F.col("_lic_rank") > 1),
                                           F.when(same_revision, F.lit("duplicate_licence_number"))
                                           .otherwise(F.lit("superseded_revision")))
                         .otherwise(F.col("_reject")))


def to_table(df: DataFrame) -> DataFrame:
    """Kept rows in exactly the raw table's schema (columns, order, types) + partition key."""
    return df.select(*[F.col(n).cast(t).alias(n) for n, t in LICENCES_COLUMNS + PARTITION_KEYS])


# --------------------------------------------------------------------------- quality summary

def quality_summary(df: DataFrame, files: list[str]) -> dict:
    group = (df.groupBy("source_file", "source_layout", "year", "_reject").count().collect())
    kept = df.where(F.col("_reject").isNull())
    c = lambda cond: F.sum(F.when(cond, 1).otherwise(0))  # noqa: E731
    checks = kept.agg(
        c(S("PostalCode").isNotNull() & F.col("postal_code").isNull()).alias("postal_code_malformed_nulled"),
        c(S("PostalCode").isNotNull() & (S("PostalCode") != F.col("postal_code"))
          & F.col("postal_code").isNotNull()).alias("postal_code_reformatted"),
        c(S("PostalCode").isNull()).alias("postal_code_missing"),
        c(S("City").isNotNull() & (S("City") != F.col("city"))).alias("city_normalised"),
        c(S("Street").isNotNull() & (S("Street") != F.col("street"))).alias("street_case_normalised"),
        c(S("LocalArea").isNotNull() & (S("LocalArea") != F.col("local_area"))).alias("local_area_canonicalised"),
        c(F.col("local_area").isNull()).alias("local_area_missing"),
        c(S("Country").isNull() & F.col("country").isNotNull()).alias("country_inferred"),
        c(F.col("country").isNull()).alias("country_missing"),
        c(S("IssuedDate").isNotNull() & F.col("issued_date").isNull()).alias("issued_date_unparseable"),
        c(F.col("issued_date").isNull()).alias("issued_date_missing"),
        c(F.col("issued_before_folder_year")).alias("issued_before_folder_year"),
        c(F.col("issued_after_folder_year")).alias("issued_after_folder_year"),
        c(F.col("expired_before_issued")).alias("expired_before_issued"),
        c(F.col("employees_outlier")).alias("employees_outlier"),
        c(F.col("number_of_employees") == 0).alias("employees_zero"),
        c(F.col("fee_paid").isNull()).alias("fee_missing"),
        c(F.col("longitude").isNull()).alias("coordinates_missing"),
        c(F.col("business_type_historic")).alias("business_type_historic"),
    ).collect()[0].asDict()

    def block():
        return {"rows_read": 0, "rows_kept": 0, "rows_rejected": 0, "rejected_by_reason": {}}

    total, by_file, by_year = block(), {}, {}
    for r in group:
        targets = [total, by_file.setdefault(r["source_file"], {**block(), "layout": r["source_layout"]}),
                   by_year.setdefault(str(r["year"]) if r["year"] is not None else "unknown", block())]
        for t in targets:
            t["rows_read"] += r["count"]
            if r["_reject"] is None:
                t["rows_kept"] += r["count"]
            else:
                t["rows_rejected"] += r["count"]
                t["rejected_by_reason"][r["_reject"]] = t["rejected_by_reason"].get(r["_reject"], 0) + r["count"]
    return {
        "job": "clean", "dataset": DATASET, "table": TABLE,
        "generated_at": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "input_files": len(files), **total,
        "checks_on_kept_rows": {k: int(v or 0) for k, v in checks.items()},
        "by_file": dict(sorted(by_file.items())), "by_year": dict(sorted(by_year.items())),
    }


def write_text(spark: SparkSession, uri: str, text: str) -> None:
    path, fs = _hadoop(spark, uri)
    out = fs.create(path, True)
    try:
        out.write(bytearray(text.encode("utf-8")))
    finally:
        out.close()


# --------------------------------------------------------------------------- job

def configure(spark: SparkSession) -> None:
    for k, v in SESSION_CONF.items():
        spark.conf.set(k, v)


def table_uri(base: str, table: str = TABLE) -> str:
    return f"{base.rstrip('/')}/{DATASET}/{table}/"


def run(spark: SparkSession, sources: list[str], target: str, quality_report: str | None) -> dict:
    configure(spark)
    files = list_input_files(spark, sources)
    df = deduplicate(clean_columns(read_landing(spark, files))).persist()
    try:
        kept = to_table(df.where(F.col("_reject").isNull()))
        out = table_uri(target)
        (kept.repartition("year").sortWithinPartitions("licence_number")
         .write.mode("overwrite").partitionBy("year").parquet(out))
        report = quality_summary(df, files)
        report["output"] = out
        if quality_report:
            stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
            report["report_uri"] = f"{quality_report.rstrip('/')}/clean-{stamp}.json"
            write_text(spark, report["report_uri"], json.dumps(report, indent=2, sort_keys=False))
    finally:
        df.unpersist()
    return report


def local_spark(app: str) -> SparkSession:
    if not os.environ.get("JAVA_HOME"):
        import shutil
        java = shutil.which("java")
        if java:
            os.environ["JAVA_HOME"] = os.path.dirname(os.path.dirname(os.path.realpath(java)))
    spark = (SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[2]")).appName(app)
            .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").config("spark.sql.shuffle.partitions", "4")
            .config("spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
            .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "2g"))
            .getOrCreate())
    spark.sparkContext.setLogLevel(os.environ.get("SPARK_LOG_LEVEL", "ERROR"))
    return spark


def _split(v: str) -> list[str]:
    return [s.strip() for s in v.split(",") if s.strip()]


def check_dataset(argv: list[str]) -> None:
    """The planner also passes --dataset; this script serves exactly one dataset."""
    if "--dataset" in argv[:-1]:
        value = argv[argv.index("--dataset") + 1]
        if value != DATASET:
            raise ValueError(f"this job cleans dataset {DATASET!r}, not {value!r}")


def main(argv: list[str] | None = None) -> dict:
    argv = list(sys.argv if argv is None else argv)
    check_dataset(argv)
    try:
        from awsglue.context import GlueContext
        from awsglue.job import Job
        from awsglue.utils import getResolvedOptions
    except ImportError:  # local PySpark
        p = argparse.ArgumentParser(prog="clean.py", description=__doc__.split("\n")[0])
        p.add_argument("--source", required=True, action="append",
                       help="landing file/folder URI; repeat or comma-separate")
        p.add_argument("--target", required=True, help="raw zone base URI / folder")
        p.add_argument("--quality_report", default=None, help="URI prefix / folder for the quality JSON")
        p.add_argument("--dataset", default=DATASET, help=f"must be {DATASET} (optional)")
        a, _ = p.parse_known_args(argv[1:])
        spark = local_spark("dap-clean")
        report = run(spark, [s for v in a.source for s in _split(v)], a.target, a.quality_report)
        print(json.dumps({k: report[k] for k in ("rows_read", "rows_kept", "rows_rejected",
                                                 "rejected_by_reason", "output")}, indent=2))
        return report
    from pyspark.context import SparkContext
    args = getResolvedOptions(argv, ["JOB_NAME", "source", "target", "quality_report"])
    glue_context = GlueContext(SparkContext.getOrCreate())
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    report = run(glue_context.spark_session, _split(args["source"]), args["target"], args["quality_report"])
    print(json.dumps(report))
    job.commit()
    return report


if __name__ == "__main__":
    main()
