"""python3 -m report build ...: run the named queries and write OUTPUT/index.html.

Exit codes: 0 the page is written; 2 it could not be built (one line on stderr says why: a missing
folder or table, a failed query, a bad flag); 1 a bug (with its traceback).
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

from . import ReportError, __version__

USAGE = """python3 -m report build --curated DIR [--raw DIR] [--quality FILE_OR_DIR] [--queries DIR]
                          [--years Y,Y | --environment FILE] --output DIR
       python3 -m report build --athena --workgroup WG [--database DB] [--region R]
                          [--quality-uri s3://BUCKET/PREFIX/] [--timeout SECONDS] --output DIR"""

LOCAL_ONLY = ("curated", "raw", "quality", "queries", "years", "environment")
ATHENA_ONLY = ("workgroup", "database", "region", "quality_uri")


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python3 -m report",
                                description="The insights report of the business-licences data.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", metavar="build")
    b = sub.add_parser("build", usage=USAGE, help="run the named queries and write OUTPUT/index.html",
                       description="Run the platform's named queries (DuckDB over the curated Parquet, "
                       "or Athena) and write one self-contained HTML page, OUTPUT/index.html.")
    local = b.add_argument_group("local source (DuckDB over the jobs' output folders)")
    local.add_argument("--curated", type=Path, metavar="DIR",
                       help="the curate job's output folder (holds business-licences/<table>/)")
    local.add_argument("--raw", type=Path, metavar="DIR",
                       help="the clean job's output folder: the latest extract and issue dates, and "
                       "the quality report in DIR/_quality/ unless --quality says otherwise")
    local.add_argument("--quality", type=Path, metavar="FILE_OR_DIR",
                       help="the clean job's clean-*.json, or a folder holding them (the latest is read)")
    local.add_argument("--queries", type=Path, metavar="DIR",
                       help="the folder of the named queries' SQL files (default: pipelines/athena)")
    years = local.add_mutually_exclusive_group()
    years.add_argument("--years", metavar="Y,Y",
                       help="the dataset years, e.g. 2023,2024: the year-over-year query compares the "
                       "latest two (default: the two latest folder years in the data)")
    years.add_argument("--environment", type=Path, metavar="FILE",
                       help="an environment file: its datasets.business-licences.years, as the "
                       "planner reads them")
    aws = b.add_argument_group("Athena source (the named queries deployed in the workgroup)")
    aws.add_argument("--athena", action="store_true", help="run the named queries on Athena")
    aws.add_argument("--workgroup", metavar="WG", help="the environment's Athena workgroup")
    aws.add_argument("--database", metavar="DB",
                     help="the Glue database (default: the one each named query names)")
    aws.add_argument("--region", metavar="R", help="the AWS region (default: boto3's: AWS_REGION, ...)")
    aws.add_argument("--quality-uri", metavar="S3_URI",
                     help="s3://bucket/prefix/ where the clean job writes clean-*.json (the latest is read)")
    aws.add_argument("--timeout", type=float, default=600.0, metavar="SECONDS",
                     help="the longest to wait for one query (default 600)")
    b.add_argument("--output", type=Path, metavar="DIR", required=True,
                   help="the folder to write index.html into (created if missing)")
    return p


def check(args) -> None:
    given = lambda names: [n for n in names if getattr(args, n) is not None]  # noqa: E731
    if args.athena:
        wrong = given(LOCAL_ONLY)
        if wrong:
            raise ReportError(f"--athena runs the deployed named queries: --{wrong[0].replace('_', '-')} "
                              "is for the local source")
        if not args.workgroup:
            raise ReportError("--athena needs --workgroup (the environment's Athena workgroup)")
    else:
        wrong = given(ATHENA_ONLY)
        if wrong:
            raise ReportError(f"--{wrong[0].replace('_', '-')} is for the Athena source (add --athena)")
        if args.curated is None:
            raise ReportError("say where the data is: --curated DIR (local) or --athena --workgroup WG")


def source_of(args):
    from . import queries, sources

    if args.athena:
        return sources.AthenaSource(args.workgroup, args.database, args.region, args.quality_uri,
                                    timeout=args.timeout)
    years, origin = None, ""
    if args.years:
        years, origin = queries.parse_years(args.years), f"--years {args.years}"
    elif args.environment:
        years = queries.environment_years(args.environment)
        origin = f"the dataset years of {args.environment}, as the planner reads them"
    return sources.LocalSource(args.curated, raw=args.raw, quality=args.quality,
                               queries_dir=args.queries, years=years, years_origin=origin)


def write_atomically(path: Path, text: str) -> None:
    """Write next to `path`, then rename: a web server serving the folder never sees half a page."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".index-", suffix=".html", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def build(args) -> Path:
    from . import page

    check(args)
    t0 = time.monotonic()
    source = source_of(args)
    answers = {a.name: a for a in source.answers()}
    quality, quality_origin = source.quality()
    html = page.render(answers, quality=quality, quality_origin=quality_origin,
                       freshness=source.freshness(), source_label=source.label, years=source.years,
                       years_origin=source.years_origin, generated_at=dt.datetime.now(dt.timezone.utc))
    out = args.output / "index.html"
    try:
        write_atomically(out, html)
    except OSError as e:
        raise ReportError(f"--output {args.output}: cannot write index.html: {e.strerror or e}") from None
    print(f"report: wrote {out} ({source.label}; {time.monotonic() - t0:.1f} s)")
    return out


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    if args.command != "build":
        parser().print_help(sys.stderr)
        return 2
    try:
        build(args)
    except ReportError as e:
        print(f"report: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
