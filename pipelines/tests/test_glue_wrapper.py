"""The Glue-only wrapper: with `awsglue` importable the jobs take their arguments from
getResolvedOptions, run through GlueContext's session and commit the Job. Stand-in `awsglue`,
`awsgluedq` and `boto3` modules (recording calls) replace the real ones, which exist only on Glue:
the data-quality path runs end to end, EvaluateDataQuality answering with the local evaluator."""
import json
import sys
import types

import pytest
from pyspark.sql import types as T

from conftest import CURRENT_EXTRACT, DATASET, FIXTURES, PIPELINES, PROBLEMS, clean, curate, read_table

import dataquality as dq

RULES_DIR = PIPELINES / "quality" / DATASET
NAMESPACE = "dap/dap-prod/quality"
RULESETS = {t: f"dap-prod-business-licences-{t}" for t in ["licences", *curate.TABLES]}


@pytest.fixture
def fake_awsglue(monkeypatch, spark):
    calls = []

    def get_resolved_options(argv, names):
        calls.append(("getResolvedOptions", names))
        args = {}
        for i, a in enumerate(argv):
            if a.startswith("--") and a[2:] in names:
                args[a[2:]] = argv[i + 1]
        missing = [n for n in names if n not in args]
        if missing:
            raise SystemExit(f"missing {missing}")
        return args

    class GlueContext:
        def __init__(self, sc):
            self.spark_session = spark

    class Job:
        def __init__(self, glue_context):
            assert isinstance(glue_context, GlueContext)

        def init(self, name, args):
            calls.append(("init", name))

        def commit(self):
            calls.append(("commit",))

    # Glue Data Quality: EvaluateDataQuality answers what the local evaluator says of the same text
    outcome_schema = T.StructType([
        T.StructField("Rule", T.StringType()), T.StructField("Outcome", T.StringType()),
        T.StructField("FailureReason", T.StringType()),
        T.StructField("EvaluatedMetrics", T.MapType(T.StringType(), T.DoubleType()))])

    class DynamicFrame:
        def __init__(self, df):
            self.df = df

        @classmethod
        def fromDF(cls, df, glue_context, name):
            assert isinstance(glue_context, GlueContext)
            return cls(df)

        def toDF(self):
            return self.df

    class EvaluateDataQuality:
        @staticmethod
        def apply(frame, ruleset, publishing_options):
            calls.append(("EvaluateDataQuality", ruleset, publishing_options["dataQualityEvaluationContext"]))
            got = dq.evaluate(spark, frame.df, dq.load_rules(ruleset))
            rows = [(r["rule"], r["outcome"], r["failure_reason"], r["evaluated_metrics"]) for r in reversed(got)]
            return DynamicFrame(spark.createDataFrame(rows, outcome_schema))

    class Client:
        def __init__(self, service, **kw):
            self.service = service

        def get_data_quality_ruleset(self, Name):
            calls.append(("GetDataQualityRuleset", Name))
            table = next(t for t, n in RULESETS.items() if n == Name)
            return {"Name": Name, "Ruleset": (RULES_DIR / f"{table}.dqdl").read_text(encoding="utf-8")}

        def put_metric_data(self, **kw):
            calls.append(("PutMetricData", kw))

    modules = {"awsglue": {}, "awsglue.utils": {"getResolvedOptions": get_resolved_options},
               "awsglue.context": {"GlueContext": GlueContext}, "awsglue.job": {"Job": Job},
               "awsglue.dynamicframe": {"DynamicFrame": DynamicFrame},
               "awsgluedq": {}, "awsgluedq.transforms": {"EvaluateDataQuality": EvaluateDataQuality},
               "boto3": {"client": Client}}
    for name, attrs in modules.items():
        m = types.ModuleType(name)
        m.__dict__.update(attrs)
        monkeypatch.setitem(sys.modules, name, m)
        if "." in name:
            setattr(sys.modules[name.split(".")[0]], name.split(".")[1], m)
    return calls


def rulesets_arg(*tables):
    return ",".join(f"{t}={RULESETS[t]}" for t in tables)


def metrics(calls):
    """The PutMetricData requests: (namespace, [(name, dimensions, value)])."""
    return [(kw["Namespace"], [(m["MetricName"], m["Dimensions"], m["Value"]) for m in kw["MetricData"]])
            for c, *rest in calls if c == "PutMetricData" for kw in rest]


def test_glue_wrapper_runs_clean_and_curate(fake_awsglue, tmp_path, capsys):
    raw, curated, quality = tmp_path / "raw-bucket", tmp_path / "curated-bucket", tmp_path / "quality"
    # the DefaultArguments the planner declares, plus what Glue adds
    argv = ["script.py", "--JOB_NAME", "dap-prod-clean", "--job-bookmark-option", "job-bookmark-disable",
            "--source", str(CURRENT_EXTRACT), "--target", f"{raw}/", "--quality_report", f"{quality}/",
            "--dataset", DATASET, "--quality_rulesets", rulesets_arg("licences"),
            "--quality_metric_namespace", NAMESPACE, "--extra-py-files", "s3://assets/glue/dataquality.py",
            "--TempDir", str(tmp_path / "temp"), "--enable-continuous-cloudwatch-log", "true",
            "--job-language", "python"]
    report = clean.main(argv)
    assert fake_awsglue[:2] == [("getResolvedOptions", ["JOB_NAME", "source", "target", "quality_report"]),
                                ("init", "dap-prod-clean")]
    assert fake_awsglue[-1] == ("commit",)
    assert report["rows_kept"] == 3384
    assert report["output"] == f"{raw}/{DATASET}/licences/"
    written = json.loads(next(quality.glob("clean-*.json")).read_text())
    assert written["rows_read"] == 3385
    # the deployed ruleset, fetched by name, evaluated by EvaluateDataQuality with its text verbatim
    text = (RULES_DIR / "licences.dqdl").read_text(encoding="utf-8")
    assert [c for c in fake_awsglue if c[0] in ("GetDataQualityRuleset", "EvaluateDataQuality")] == [
        ("GetDataQualityRuleset", RULESETS["licences"]),
        ("EvaluateDataQuality", text, RULESETS["licences"])]
    block = written["quality"]["licences"]
    assert block["ruleset"] == RULESETS["licences"]
    assert [r["rule"] for r in block["rules"]] == [r.text for r in dq.load_rules(text)]   # the file's order
    assert (block["passed"], block["failed"]) == (len(block["rules"]), 0) and report["quality"] == written["quality"]
    dims = [{"Name": "JobName", "Value": "dap-prod-clean"}]
    assert metrics(fake_awsglue) == [(NAMESPACE, [("RulesFailed", dims, 0.0),
                                                  ("RulesEvaluated", dims, float(len(block["rules"])))])]
    assert fake_awsglue.index(("commit",)) > [c[0] for c in fake_awsglue].index("PutMetricData")
    assert f"clean: quality licences: {len(block['rules'])} rules, {len(block['rules'])} passed" in \
        capsys.readouterr().out.splitlines()

    # curate: its five tables; one ruleset left out of the argument is recorded as a failure
    fake_awsglue.clear()
    summary = curate.main(["script.py", "--JOB_NAME", "dap-prod-curate", "--source", str(raw),
                           "--target", str(curated), "--dataset", DATASET,
                           "--quality_report", f"{curated}/_quality/{DATASET}/",
                           f"--quality_rulesets={rulesets_arg(*list(curate.TABLES)[:-1])}",
                           "--quality_metric_namespace", NAMESPACE])
    assert fake_awsglue[:2] == [("getResolvedOptions", ["JOB_NAME", "source", "target"]), ("init", "dap-prod-curate")]
    assert fake_awsglue[-1] == ("commit",)
    assert [c[1] for c in fake_awsglue if c[0] == "GetDataQualityRuleset"] == \
        [RULESETS[t] for t in list(curate.TABLES)[:-1]]
    assert [c[1] for c in fake_awsglue if c[0] == "EvaluateDataQuality"] == \
        [(RULES_DIR / f"{t}.dqdl").read_text(encoding="utf-8") for t in list(curate.TABLES)[:-1]]
    assert summary["source_rows"] == 3384
    assert read_table(curated, "status_by_year").licence_count.sum() == 3384
    [path] = (curated / "_quality" / DATASET).glob("curate-*.json")
    written = json.loads(path.read_text())
    assert written["generated_at"] and list(written["quality"]) == list(curate.TABLES)
    assert all(written["quality"][t]["failed"] == 0 and written["quality"][t]["ruleset"] == RULESETS[t]
               for t in list(curate.TABLES)[:-1])
    left_out = written["quality"]["business_types_by_year"]
    assert (left_out["failed"], left_out["rules"]) == (1, []) and "no ruleset" in left_out["error"]
    evaluated = sum(len(b["rules"]) for b in written["quality"].values())
    dims = [{"Name": "JobName", "Value": "dap-prod-curate"}]
    assert metrics(fake_awsglue) == [(NAMESPACE, [("RulesFailed", dims, 1.0), ("RulesEvaluated", dims, float(evaluated))])]


def test_glue_wrapper_requires_arguments(fake_awsglue):
    with pytest.raises(SystemExit):
        clean.main(["script.py", "--JOB_NAME", "x", "--source", "s3://b/"])


def test_jobs_refuse_another_dataset(fake_awsglue):
    for job in (clean, curate):
        with pytest.raises(ValueError, match="not 'street-trees'"):
            job.main(["script.py", "--JOB_NAME", "x", "--source", "s3://b/", "--target", "s3://c/",
                      "--quality_report", "s3://d/", "--dataset", "street-trees"])


def glue_argv(tmp_path, source, *extra):
    return ["script.py", "--JOB_NAME", "dap-clean", "--source", str(source), "--target", f"{tmp_path}/raw/",
            "--quality_report", f"{tmp_path}/quality/", "--dataset", DATASET, "--TempDir", str(tmp_path / "t"),
            *extra]


def test_glue_wrapper_optional_arguments(fake_awsglue, tmp_path, capsys):
    """--encoding, --max_rejected_percent and the quality arguments are optional: read from argv, not
    getResolvedOptions. Without --quality_rulesets (a deployment before the rules) no rule is
    evaluated, nothing is published, and a warning says so."""
    report = clean.main(glue_argv(tmp_path, FIXTURES / "contract" / "header-only.csv",
                                  "--encoding", "windows-1252", "--max_rejected_percent", "0"))
    assert fake_awsglue[0] == ("getResolvedOptions", ["JOB_NAME", "source", "target", "quality_report"])
    assert fake_awsglue[-1] == ("commit",)
    assert report["encoding_argument"] == "windows-1252" and report["max_rejected_percent"] == 0.0
    assert report["outcome"] == "ok" and report["rows_read"] == 0 and report["warnings"]
    assert report["quality"] == {}
    assert [c for c in fake_awsglue if c[0] in ("GetDataQualityRuleset", "EvaluateDataQuality", "PutMetricData")] == []
    assert "clean: warning: no --quality_rulesets: the data-quality rules were not evaluated" in \
        capsys.readouterr().out.splitlines()


def test_glue_wrapper_raises_refusals(fake_awsglue, tmp_path):
    """On Glue a refusal is an exception (the job run fails with its message), never sys.exit."""
    with pytest.raises(clean.InputError, match="windows-1252.csv: invalid UTF-8 byte sequence 0xC9"):
        clean.main(glue_argv(tmp_path, FIXTURES / "contract" / "windows-1252.csv"))
    with pytest.raises(clean.InputError, match="--max_rejected_percent 101: must be from 0 to 100"):
        clean.main(glue_argv(tmp_path, PROBLEMS, "--max_rejected_percent=101"))
    assert ("commit",) not in fake_awsglue
    # (a refused load raises clean.LoadRefused from run(), after writing its summary: test_input_contract.py)
    assert issubclass(clean.LoadRefused, clean.InputError) and issubclass(clean.InputError, ValueError)


class _FailingClient:
    def put_metric_data(self, **kw):
        raise PermissionError("AccessDenied: cloudwatch:PutMetricData")


def test_glue_rules_finish(capsys):
    """The outcome lines and the metric; no namespace: recorded, not published (a warning); a metric
    that cannot be published fails the run, saying the data was written (the alarm could not fire)."""
    quality = {"licences": {"ruleset": "r", "passed": 1, "failed": 1, "rules": [
        {"rule": "RowCount > 0", "outcome": "Passed", "failure_reason": None, "evaluated_metrics": {}},
        {"rule": 'IsComplete "status"', "outcome": "Failed",
         "failure_reason": "Value: 0.5 does not meet the constraint requirement!", "evaluated_metrics": {}}]},
        "status_by_year": {"ruleset": None, "passed": 0, "failed": 1, "rules": [],
                           "error": "KeyError: no ruleset for table 'status_by_year' in --quality_rulesets"}}
    assert dq.GlueRules("licences=a", None, "clean").finish(quality, "dap-prod-clean") is None
    assert capsys.readouterr().out.splitlines() == [
        'clean: quality licences: 2 rules, 1 passed, 1 failed: IsComplete "status" '
        "(Value: 0.5 does not meet the constraint requirement!)",
        "clean: quality status_by_year: 0 rules, 0 passed, 1 failed: not evaluated: "
        "KeyError: no ruleset for table 'status_by_year' in --quality_rulesets",
        "clean: warning: no --quality_metric_namespace: RulesFailed and RulesEvaluated not published"]
    with pytest.raises(RuntimeError, match="quality metrics not published to CloudWatch namespace dap/x/quality "
                                           r"\(PermissionError: AccessDenied.*the data and the quality summary were written"):
        dq.GlueRules("licences=a", "dap/x/quality", "clean").finish(quality, "j", client=_FailingClient())
    with pytest.raises(ValueError, match="expected table=RulesetName"):
        dq.GlueRules("licences", "dap/x/quality", "clean")
