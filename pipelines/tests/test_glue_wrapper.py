"""The Glue-only wrapper: with `awsglue` importable the jobs take their arguments from
getResolvedOptions, run through GlueContext's session and commit the Job. A stand-in `awsglue`
package (recording calls) replaces the real one, which exists only on Glue."""
import json
import sys
import types

import pytest

from conftest import CURRENT_EXTRACT, DATASET, clean, curate, read_table


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

    pkg = types.ModuleType("awsglue")
    for sub, attrs in {"utils": {"getResolvedOptions": get_resolved_options},
                       "context": {"GlueContext": GlueContext}, "job": {"Job": Job}}.items():
        m = types.ModuleType(f"awsglue.{sub}")
        m.__dict__.update(attrs)
        setattr(pkg, sub, m)
        monkeypatch.setitem(sys.modules, f"awsglue.{sub}", m)
    monkeypatch.setitem(sys.modules, "awsglue", pkg)
    return calls


def test_glue_wrapper_runs_clean_and_curate(fake_awsglue, tmp_path):
    raw, curated, quality = tmp_path / "raw-bucket", tmp_path / "curated-bucket", tmp_path / "quality"
    # the DefaultArguments the planner declares, plus what Glue adds
    argv = ["script.py", "--JOB_NAME", "dap-clean", "--job-bookmark-option", "job-bookmark-disable",
            "--source", str(CURRENT_EXTRACT), "--target", f"{raw}/", "--quality_report", f"{quality}/",
            "--dataset", DATASET, "--TempDir", str(tmp_path / "temp"),
            "--enable-continuous-cloudwatch-log", "true", "--job-language", "python"]
    report = clean.main(argv)
    assert fake_awsglue[:2] == [("getResolvedOptions", ["JOB_NAME", "source", "target", "quality_report"]),
                                ("init", "dap-clean")]
    assert fake_awsglue[-1] == ("commit",)
    assert report["rows_kept"] == 3384
    assert report["output"] == f"{raw}/{DATASET}/licences/"
    assert json.loads(next(quality.glob("clean-*.json")).read_text())["rows_read"] == 3385

    fake_awsglue.clear()
    summary = curate.main(["script.py", "--JOB_NAME", "dap-curate", "--source", str(raw),
                           "--target", str(curated), "--dataset", DATASET])
    assert fake_awsglue == [("getResolvedOptions", ["JOB_NAME", "source", "target"]),
                            ("init", "dap-curate"), ("commit",)]
    assert summary["source_rows"] == 3384
    assert read_table(curated, "status_by_year").licence_count.sum() == 3384


def test_glue_wrapper_requires_arguments(fake_awsglue):
    with pytest.raises(SystemExit):
        clean.main(["script.py", "--JOB_NAME", "x", "--source", "s3://b/"])


def test_jobs_refuse_another_dataset(fake_awsglue):
    for job in (clean, curate):
        with pytest.raises(ValueError, match="not 'street-trees'"):
            job.main(["script.py", "--JOB_NAME", "x", "--source", "s3://b/", "--target", "s3://c/",
                      "--quality_report", "s3://d/", "--dataset", "street-trees"])
