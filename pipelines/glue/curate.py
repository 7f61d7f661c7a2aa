"""Glue job `curate`: business-licences raw zone -> curated zone.

Reads the raw table `licences` (Parquet, `year=YYYY/` partitions) from
`<source>/business-licences/licences/` and writes the curated tables the Athena named queries use,
each as Parquet under `<target>/business-licences/<table>/` (small aggregates: one file, no partitions).

Self-contained (Glue uploads one script per job). Runs on AWS Glue 5.0 (Spark 3.5, Python 3.11) and
under plain local PySpark: the Glue-only parts are used only when `awsglue` is importable.

Arguments (Glue DefaultArguments, same names locally):
  --source   raw zone base URI, e.g. s3://raw-bucket/
  --target   curated zone base URI, e.g. s3://curated-bucket/
  --quality_report  optional URI prefix: the job writes its summary curate-<UTC timestamp>.json there
                    (e.g. s3://curated-bucket/_quality/business-licences/); locally also the history of
                    the dynamic rules
  --quality_rules   locally: folder of the <table>.dqdl rulesets (default: the repository's
                    pipelines/quality/business-licences/, found from this script's place)
  --quality_rulesets          on Glue, optional: table=RulesetName,... for the five curated tables
                              (absent: no rule is evaluated, a warning says so)
  --quality_metric_namespace  on Glue, optional: CloudWatch namespace of RulesFailed / RulesEvaluated

Each curated table's ruleset (pipelines/quality/business-licences/<table>.dqdl locally, the deployed
Glue Data Quality ruleset on Glue) is evaluated on the table's rows before it is written; the results
go to the summary under `quality`. A failed rule never fails the job. `dataquality.py` is imported only
when the rules are evaluated (on Glue it comes with --extra-py-files).

An empty raw table (the clean job's header-only load) gives empty, typed curated tables. Exit codes
(local runs): 0 written; 2 bad input (no raw table, a bad argument: one line on stderr,
`curate: <path>: <message>`); 1 an unexpected error (with its traceback). On Glue the same errors are
raised, so the job run fails with the message.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import sys

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

DATASET = "business-licences"
SOURCE_TABLE = "licences"

# Curated tables, exactly as pipelines/schema/business_licences.json declares them (a test checks this).
TABLES = {
    "licences_by_month": [
        ("month_start", "date"), ("issued_year", "int"), ("issued_month", "int"),
        ("folder_year", "int"), ("licence_count", "bigint"),
    ],
    "fees_by_business_type": [
        ("folder_year", "int"), ("business_type", "string"), ("licence_count", "bigint"),
        ("fee_count", "bigint"), ("fee_total", "decimal(14,2)"), ("fee_min", "decimal(12,2)"),
        ("fee_max", "decimal(12,2)"),
    ],
    "licences_by_local_area": [
        ("folder_year", "int"), ("local_area", "string"), ("is_city_local_area", "boolean"),
        ("licence_count", "bigint"), ("issued_count", "bigint"), ("employee_total", "double"),
    ],
    "status_by_year": [
        ("folder_year", "int"), ("status", "string"), ("licence_count", "bigint"),
    ],
    "business_types_by_year": [
        ("folder_year", "int"), ("business_type", "string"), ("licence_count", "bigint"),
        ("issued_count", "bigint"),
    ],
}

# The City's 22 local areas (same list as clean.py; a test checks they agree).
LOCAL_AREAS = [
    "Arbutus-Ridge", "Downtown", "Dunbar-Southlands", "Fairview", "Grandview-Woodland",
    "Hastings-Sunrise", "Kensington-Cedar Cottage", "Kerrisdale", "Killarney", "Kitsilano",
    "Marpole", "Mount Pleasant", "Oakridge", "Renfrew-Collingwood", "Riley Park", "Shaughnessy",
    "South Cambie", "Strathcona", "Sunset", "Victoria-Fraserview", "West End", "West Point Grey",
]
UNKNOWN = "Unknown"

SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.parquet.writeLegacyFormat": "true",
}


def table_uri(base: str, table: str) -> str:
    return f"{base.rstrip('/')}/{DATASET}/{table}/"


class InputError(ValueError):
    """Bad input or argument. Locally: one line on stderr and exit 2; on Glue: raised."""

    def __init__(self, message: str, file: str | None = None):
        self.file, self.message = file, message
        super().__init__(f"{file}: {message}" if file else message)


EXIT_BAD_INPUT = 2


def _has_parquet(spark: SparkSession, uri: str) -> bool:
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(path):
        return False
    it = fs.listFiles(path, True)
    while it.hasNext():
        if it.next().getPath().getName().endswith(".parquet"):
            return True
    return False


def read_licences(spark: SparkSession, source: str) -> DataFrame:
    """The raw table, `year` as int whatever the reader infers (partition folders `year=YYYY/`, or
    the one root file of an empty table, which holds `year` as a column)."""
    path = table_uri(source, SOURCE_TABLE)
    if not _has_parquet(spark, path):
        raise InputError(f"no raw table `{SOURCE_TABLE}` here (no Parquet file): run the clean job first", path)
    df = spark.read.option("basePath", path).parquet(path)
    return df.withColumn("year", F.col("year").cast("int"))


def _count_if(cond):
    return F.sum(F.when(cond, 1).otherwise(0))


def build_tables(licences: DataFrame) -> dict[str, DataFrame]:
    """The curated tables from the raw `licences` table (one row per licence)."""
    lic = (licences.withColumn("folder_year", F.col("year").cast("int"))
           .withColumn("business_type", F.coalesce(F.col("business_type"), F.lit(UNKNOWN)))
           .withColumn("local_area", F.coalesce(F.col("local_area"), F.lit(UNKNOWN))))
    issued = F.col("status") == "Issued"
    out = {
        "licences_by_month": (
            lic.where(F.col("issued_local_date").isNotNull())
            .groupBy(F.trunc("issued_local_date", "month").alias("month_start"),
                     F.year("issued_local_date").alias("issued_year"),
                     F.month("issued_local_date").alias("issued_month"), "folder_year")
            .agg(F.count(F.lit(1)).alias("licence_count"))),
        "fees_by_business_type": (
            lic.groupBy("folder_year", "business_type")
            .agg(F.count(F.lit(1)).alias("licence_count"), F.count("fee_paid").alias("fee_count"),
                 F.sum("fee_paid").alias("fee_total"), F.min("fee_paid").alias("fee_min"),
                 F.max("fee_paid").alias("fee_max"))),
        "licences_by_local_area": (
            lic.groupBy("folder_year", "local_area")
            .agg(F.count(F.lit(1)).alias("licence_count"), _count_if(issued).alias("issued_count"),
                 F.sum(F.when(~F.col("employees_outlier"), F.col("number_of_employees")))
                 .alias("employee_total"))
            .withColumn("is_city_local_area", F.col("local_area").isin(LOCAL_AREAS))),
        "status_by_year": (
            lic.groupBy("folder_year", "status").agg(F.count(F.lit(1)).alias("licence_count"))),
        "business_types_by_year": (
            lic.groupBy("folder_year", "business_type")
            .agg(F.count(F.lit(1)).alias("licence_count"), _count_if(issued).alias("issued_count"))),
    }
    return {name: df.select(*[F.col(n).cast(t).alias(n) for n, t in TABLES[name]])
            for name, df in out.items()}


def run(spark: SparkSession, source: str, target: str, quality=None, quality_report: str | None = None) -> dict:
    """Build and write the curated tables; then the summary as `<quality_report>/curate-<UTC stamp>.json`.

    `quality`: (table, DataFrame) -> that table's block of the summary's `quality`
    (dataquality.check_table), called on each table's rows before it is written; without it the
    summary's `quality` is `{}`."""
    for k, v in SESSION_CONF.items():
        spark.conf.set(k, v)
    licences = read_licences(spark, source).persist()
    summary = {"job": "curate", "dataset": DATASET,
               "generated_at": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
               "source_rows": licences.count(), "tables": {}, "quality": {}}
    try:
        for name, df in build_tables(licences).items():
            df = df.coalesce(1).sortWithinPartitions(*[n for n, _ in TABLES[name][:2]]).persist()
            if quality is not None:
                summary["quality"][name] = quality(name, df)
            uri = table_uri(target, name)
            df.write.mode("overwrite").parquet(uri)
            summary["tables"][name] = {"rows": df.count(), "output": uri}
            df.unpersist()
    finally:
        licences.unpersist()
    if quality_report:
        stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        summary["report_uri"] = f"{quality_report.rstrip('/')}/curate-{stamp}.json"
        write_text(spark, summary["report_uri"], json.dumps(summary, indent=2))
    return summary


def write_text(spark: SparkSession, uri: str, text: str) -> None:
    """`text` as the file `uri` (any Hadoop file system: a local path, s3://)."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    out = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).create(path, True)
    try:
        out.write(bytearray(text.encode("utf-8")))
    finally:
        out.close()


LOG4J2 = """# written by the dap pipeline jobs (local runs): errors only, nothing at start-up
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.filter.threshold.type = ThresholdFilter
appender.console.filter.threshold.level = {level}
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{{yy/MM/dd HH:mm:ss}} %p %c{{1}}: %m%n%ex
"""


def local_spark(app: str) -> SparkSession:
    """A local session whose JVM prints nothing at start-up (same as clean.py's)."""
    import tempfile
    if not os.environ.get("JAVA_HOME"):
        import shutil
        java = shutil.which("java")
        if java:
            os.environ["JAVA_HOME"] = os.path.dirname(os.path.dirname(os.path.realpath(java)))
    level = os.environ.get("SPARK_LOG_LEVEL", "ERROR")
    log4j = os.path.join(tempfile.gettempdir(), f"dap-pipeline-log4j2-{level.lower()}.properties")
    if not os.path.exists(log4j):
        tmp = f"{log4j}.{os.getpid()}"
        with open(tmp, "w") as fh:
            fh.write(LOG4J2.format(level=level.lower()))
        os.replace(tmp, log4j)
    spark = (SparkSession.builder.master(os.environ.get("SPARK_MASTER", "local[2]")).appName(app)
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.shuffle.partitions", "4")
             .config("spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
             .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "2g"))
             .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log4j}")
             .getOrCreate())
    spark.sparkContext.setLogLevel(level)
    return spark


def check_dataset(argv: list[str]) -> None:
    """The planner also passes --dataset; this script serves exactly one dataset."""
    if "--dataset" in argv[:-1]:
        value = argv[argv.index("--dataset") + 1]
        if value != DATASET:
            raise InputError(f"this job curates dataset {DATASET!r}, not {value!r}")


def optional_arg(argv: list[str], name: str, default=None):
    """An optional job argument (`--name value` or `--name=value`): Glue's getResolvedOptions takes
    required ones only (as clean.py's)."""
    flag = f"--{name}"
    for i, a in enumerate(argv):
        if a == flag:
            if i + 1 >= len(argv):
                raise InputError(f"{flag} needs a value")
            return argv[i + 1]
        if a.startswith(flag + "="):
            return a[len(flag) + 1:]
    return default


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, like every other bad input
        raise InputError(message)


# --------------------------------------------------------------------------- data-quality rules

# <repo>/pipelines/quality/business-licences/, from this script's place (<repo>/pipelines/glue/).
DEFAULT_QUALITY_RULES = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "quality", DATASET)


def _dataquality():
    """dataquality.py: next to this script locally, from --extra-py-files on Glue. Imported only when
    the rules are evaluated, so a deployment without it still runs (without rules)."""
    try:
        import dataquality
    except ImportError:
        here = os.path.dirname(os.path.abspath(__file__))
        if not os.path.isfile(os.path.join(here, "dataquality.py")):
            raise RuntimeError("the data-quality rules need dataquality.py next to the job script or, on Glue, "
                               "in --extra-py-files") from None
        sys.path.insert(0, here)
        import dataquality
    return dataquality


def local_quality(spark: SparkSession, rules_dir: str, quality_report: str | None):
    """run()'s `quality` callback, locally (dataquality.LocalRules); a missing or refused ruleset
    file is a one-line error before any data is read."""
    dq = _dataquality()
    try:
        return dq.LocalRules(spark, rules_dir, quality_report, list(TABLES)).check
    except (OSError, dq.DQDLError) as e:
        raise InputError(f"--quality_rules {rules_dir}: {e}") from None


def glue_quality(argv: list[str]):
    """The Glue wiring (dataquality.GlueRules) from the optional --quality_rulesets and
    --quality_metric_namespace, or None without --quality_rulesets (a deployment before the rules):
    then nothing is evaluated and a warning says so."""
    rulesets = optional_arg(argv, "quality_rulesets")
    if rulesets is None:
        print("curate: warning: no --quality_rulesets: the data-quality rules were not evaluated")
        return None
    return _dataquality().GlueRules(rulesets, optional_arg(argv, "quality_metric_namespace"), "curate")


def _glue():
    """The Glue modules, or None under plain PySpark."""
    try:
        from awsglue.context import GlueContext
        from awsglue.job import Job
        from awsglue.utils import getResolvedOptions
    except ImportError:
        return None
    return GlueContext, Job, getResolvedOptions


def main(argv: list[str] | None = None) -> dict:
    argv = list(sys.argv if argv is None else argv)
    glue = _glue()
    if glue is None:
        return main_local(argv)
    return main_glue(argv, *glue)


def main_local(argv: list[str]) -> dict:
    """Local PySpark: known errors are one line on stderr and exit code 2; anything else is a bug
    (traceback, exit code 1)."""
    try:
        check_dataset(argv)
        p = _ArgumentParser(prog="curate.py", description=__doc__.split("\n")[0])
        p.add_argument("--source", required=True, help="raw zone base URI / folder")
        p.add_argument("--target", required=True, help="curated zone base URI / folder")
        p.add_argument("--dataset", default=DATASET, help=f"must be {DATASET} (optional)")
        p.add_argument("--quality_report", default=None,
                       help="URI prefix / folder for the summary curate-<UTC timestamp>.json (optional)")
        p.add_argument("--quality_rules", default=DEFAULT_QUALITY_RULES,
                       help="folder of the <table>.dqdl rulesets (default: the repository's "
                            "pipelines/quality/business-licences/)")
        a, _ = p.parse_known_args(argv[1:])
        spark = local_spark("dap-curate")
        quality = local_quality(spark, a.quality_rules, a.quality_report)
        summary = run(spark, a.source, a.target, quality, a.quality_report)
    except InputError as e:
        print(f"curate: {e}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT) from None
    print(json.dumps({k: v for k, v in summary.items() if k != "quality"}, indent=2))
    for line in _dataquality().outcome_lines(summary["quality"]):
        print(line)
    return summary


def main_glue(argv: list[str], GlueContext, Job, getResolvedOptions) -> dict:
    """On Glue: errors are raised (the job run fails with the message)."""
    from pyspark.context import SparkContext
    check_dataset(argv)
    args = getResolvedOptions(argv, ["JOB_NAME", "source", "target"])
    quality_report = optional_arg(argv, "quality_report")
    rules = glue_quality(argv)
    glue_context = GlueContext(SparkContext.getOrCreate())
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    summary = run(glue_context.spark_session, args["source"], args["target"],
                  rules.checker(glue_context) if rules else None, quality_report)
    print(json.dumps(summary))
    if rules:
        rules.finish(summary["quality"], args["JOB_NAME"])   # the outcome lines, the metrics
    job.commit()
    return summary


if __name__ == "__main__":
    main()
