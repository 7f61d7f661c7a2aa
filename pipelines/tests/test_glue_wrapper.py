"""The Glue-only wrapper: with `awsglue` importable the jobs take their arguments from
getResolvedOptions, run through GlueContext's session and commit the Job. A stand-in `awsglue`
package (recording calls) replaces the real one, which exists only on Glue."""
import json
import sys
import types

import pytest

from conftest import CURRENT_EXTRACT, DATASET, FIXTURES, PROBLEMS, clean, curate, read_table


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


def glue_argv(tmp_path, source, *extra):
    return ["script.py", "--JOB_NAME", "dap-clean", "--source", str(source), "--target", f"{tmp_path}/raw/",
            "--quality_report", f"{tmp_path}/quality/", "--dataset", DATASET, "--TempDir", str(tmp_path / "t"),
            *extra]


def test_glue_wrapper_optional_arguments(fake_awsglue, tmp_path):
    """--encoding and --max_rejected_percent are optional: read from argv, not getResolvedOptions."""
    report = clean.main(glue_argv(tmp_path, FIXTURES / "contract" / "header-only.csv",
                                  "--encoding", "windows-1252", "--max_rejected_percent", "0"))
    assert fake_awsglue[0] == ("getResolvedOptions", ["JOB_NAME", "source", "target", "quality_report"])
    assert fake_awsglue[-1] == ("commit",)
    assert report["encoding_argument"] == "windows-1252" and report["max_rejected_percent"] == 0.0
    assert report["outcome"] == "ok" and report["rows_read"] == 0 and report["warnings"]


def test_glue_wrapper_raises_refusals(fake_awsglue, tmp_path):
    """On Glue a refusal is an exception (the job run fails with its message), never sys.exit."""
    with pytest.raises(clean.InputError, match="windows-1252.csv: invalid UTF-8 byte sequence 0xC9"):
        clean.main(glue_argv(tmp_path, FIXTURES / "contract" / "windows-1252.csv"))
    with pytest.raises(clean.InputError, match="--max_rejected_percent 101: must be from 0 to 100"):
        clean.main(glue_argv(tmp_path, PROBLEMS, "--max_rejected_percent=101"))
    assert ("commit",) not in fake_awsglue
    # (a refused load raises clean.LoadRefused from run(), after writing its summary: test_input_contract.py)
    assert issubclass(clean.LoadRefused, clean.InputError) and issubclass(clean.InputError, ValueError)
