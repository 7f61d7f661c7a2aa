"""The clean job's input contract (pipelines/README.md): the files people actually send
(fixtures/contract/, made by make_contract_fixtures.py from the real extracts) are read right or
refused loudly: encodings, header names, repeated headers, header-only files, the rejection
threshold, one-line errors with exit code 2."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import (DATASET, FIXTURES, PIPELINES, PROBLEMS, clean, curate, quality_files, read_table,
                      table_sql)

CONTRACT = FIXTURES / "contract"
ACCENTED_NAMES = {  # licence number -> (business_name, business_trade_name), as the portal wrote them
    "24-206111": ("1421473 B.C. LTD.", "Champs Élysées"),
    "24-149351": ("SR05 Restaurants Ltd", "Aphrodite's Organic Café"),
    "24-213201": ("FIRST COFFEE LTD.", "AVIK CAFÉ"),
    "24-160954": ("La Saison de Pâtisserie Ltd", None),
    "24-149337": ("Vu’s Crab Hot Pot Restaurant Ltd", "Crab Hot Lau"),
    "25-194186": ("Progression Bouldering Gym Inc", "Progression Café"),
    "24-149047": ("1130231 BC Ltd", "Chewies Biscuit Co"),
    "24-149525": ("(Po Yee Ho)", "The One BBQ Kitchen"),
}


def argv(out: Path, *files: str, extra=()) -> list[str]:
    return ["clean.py", "--source", ",".join(str(CONTRACT / f) for f in files),
            "--target", str(out / "raw"), "--quality_report", str(out / "quality"), *extra]


def refused(capsys, args: list[str], job=clean) -> str:
    """Run a job that must refuse: exit code 2 and exactly one line on stderr, which is returned."""
    with pytest.raises(SystemExit) as e:
        job.main(args)
    assert e.value.code == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "awsglue" not in err
    return lines[0]


def by_name(report: dict) -> dict:
    return {k.rsplit("/", 1)[1]: v for k, v in report["by_file"].items()}


def assert_every_row_accounted(report: dict) -> None:
    for block in [report, *report["by_file"].values(), *report["by_year"].values()]:
        assert block["rows_read"] == block["rows_kept"] + sum(block["rejected_by_reason"].values())
        assert block["rows_rejected"] == sum(block["rejected_by_reason"].values())


def written_summary(out: Path) -> dict:
    files = quality_files(out / "quality")
    assert len(files) == 1
    return json.loads(Path(files[0]).read_text())


def snapshot(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------- runs shared by several tests

@pytest.fixture(scope="module")
def mixed_run(spark, tmp_path_factory):
    """--encoding windows-1252 over a Windows-1252 export, a UTF-8 file with renamed columns and a
    UTF-8 file of two concatenated exports: the UTF-8 files stay UTF-8."""
    out = tmp_path_factory.mktemp("mixed")
    report = clean.main(argv(out, "windows-1252.csv", "renamed-columns.csv", "repeated-header.csv",
                             extra=["--encoding", "windows-1252"]))
    return out, report


@pytest.fixture(scope="module")
def mixed_rows(mixed_run):
    out, _ = mixed_run
    df = read_table(out / "raw", "licences")
    assert df.licence_number.is_unique
    return {r["licence_number"]: r for r in df.to_dict("records")}


@pytest.fixture(scope="module")
def header_only_run(spark, tmp_path_factory):
    out = tmp_path_factory.mktemp("header-only")
    report = clean.main(argv(out, "header-only.csv"))
    summary = curate.main(["curate.py", "--source", str(out / "raw"), "--target", str(out / "curated")])
    return out, report, summary


# ---------------------------------------------------------------- encodings

def test_windows_1252_refused_naming_file_and_byte_offset(spark, capsys, tmp_path):
    data = (CONTRACT / "windows-1252.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError) as e:
        data.decode("utf-8")
    offset = e.value.start  # the É of Champs Élysées
    assert data[offset:offset + 1] == "É".encode("cp1252")
    line = refused(capsys, argv(tmp_path, "windows-1252.csv"))
    assert line.startswith("clean: file:") and "contract/windows-1252.csv: " in line
    assert f"invalid UTF-8 byte sequence 0xC9 at byte offset {offset}" in line
    assert "--encoding windows-1252" in line
    assert not (tmp_path / "raw").exists() and not (tmp_path / "quality").exists()


def test_windows_1252_read_with_encoding_argument(mixed_run, mixed_rows):
    _, report = mixed_run
    assert report["outcome"] == "ok" and report["encoding_argument"] == "windows-1252"
    files = by_name(report)
    assert files["windows-1252.csv"]["encoding"] == "cp1252"
    assert files["windows-1252.csv"]["rows_kept"] == 8
    assert files["windows-1252.csv"]["bytes"] == (CONTRACT / "windows-1252.csv").stat().st_size
    # --encoding names the encoding of the files that are not UTF-8: UTF-8 files stay UTF-8
    assert files["renamed-columns.csv"]["encoding"] == files["repeated-header.csv"]["encoding"] == "utf-8-sig"
    for number, (name, trade) in ACCENTED_NAMES.items():
        r = mixed_rows[number]
        assert r["source_file"].endswith("windows-1252.csv")
        assert (r["business_name"], r["business_trade_name"]) == (name, trade)
    assert mixed_rows["24-206111"]["business_trade_name"] == "Champs Élysées"
    text = " ".join(str(v) for r in mixed_rows.values() for v in r.values())
    assert "\ufffd" not in text and "Ã" not in text


@pytest.mark.parametrize("file, expected", [
    ("utf-16.csv", "the file is UTF-16 (LE byte-order mark at byte 0), not UTF-8: pass --encoding utf-16"),
    ("utf-16-no-bom.csv", "not UTF-8 text: NUL byte at byte offset 1 (UTF-16 without a byte-order mark"),
    ("gzipped-export.csv", "compressed file (gzip): decompress it first"),
    ("empty.csv", "empty file (0 bytes): no header line"),
])
def test_files_that_are_not_utf8_refused(spark, capsys, tmp_path, file, expected):
    line = refused(capsys, argv(tmp_path, file))
    assert f"contract/{file}: " in line and expected in line, line
    assert not (tmp_path / "raw").exists()


def test_zip_file_named_csv_refused(spark, capsys, tmp_path):
    import zipfile
    f = tmp_path / "export.csv"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("export.csv", (CONTRACT / "header-only.csv").read_bytes())
    with pytest.raises(clean.InputError) as e:
        clean.inspect_input(spark, str(f), "cp1252")
    assert e.value.message == "compressed file (zip): decompress it first"


def test_utf16_bom_refused_with_another_encoding(spark, capsys, tmp_path):
    line = refused(capsys, argv(tmp_path, "utf-16.csv", extra=["--encoding", "windows-1252"]))
    assert "UTF-16 (LE byte-order mark at byte 0), but --encoding is cp1252: pass --encoding utf-16" in line


def test_utf16_read_with_encoding_argument(spark, tmp_path, mixed_rows):
    report = clean.main(argv(tmp_path, "utf-16.csv", extra=["--encoding", "utf-16"]))
    assert_every_row_accounted(report)
    assert by_name(report)["utf-16.csv"]["encoding"] == "utf-16"
    assert report["rows_read"] == report["rows_kept"] == 8
    rows = {r["licence_number"]: r for r in read_table(tmp_path / "raw", "licences").to_dict("records")}
    for number, names in ACCENTED_NAMES.items():
        assert (rows[number]["business_name"], rows[number]["business_trade_name"]) == names
        # the same rows as the Windows-1252 file's, value for value
        mine = {k: v for k, v in rows[number].items() if k != "source_file"}
        theirs = {k: v for k, v in mixed_rows[number].items() if k != "source_file"}
        assert str(mine) == str(theirs)


def test_bad_encoding_arguments_refused(capsys, tmp_path):
    line = refused(capsys, argv(tmp_path, "windows-1252.csv", extra=["--encoding", "klingon"]))
    assert line == "clean: --encoding klingon: unknown encoding (a Python codec name such as " \
                   "windows-1252, latin-1, utf-16)"
    line = refused(capsys, argv(tmp_path, "windows-1252.csv", extra=["--encoding", "rot13"]))
    assert line == "clean: --encoding rot13: not a text encoding"


def test_declared_encoding_checked_strictly(spark, tmp_path):
    # 0x81 is not a Windows-1252 character: not UTF-8, and not windows-1252 either
    bad = tmp_path / "bad.csv"
    bad.write_bytes((CONTRACT / "windows-1252.csv").read_bytes().replace(b"AVIK CAF\xc9", b"AVIK CAF\x81"))
    offset = bad.read_bytes().index(b"\x81")
    with pytest.raises(clean.InputError) as e:
        clean.inspect_input(spark, str(bad), "cp1252")
    assert f"and not cp1252 either: invalid cp1252 byte sequence 0x81 at byte offset {offset}" in str(e.value)
    assert clean.inspect_input(spark, str(CONTRACT / "windows-1252.csv"), "iso8859-1").encoding == "iso8859-1"


@pytest.mark.parametrize("chunk", [7, 64, 1 << 20])
def test_encoding_check_streams_in_chunks_with_exact_offsets(spark, tmp_path, chunk):
    """Multi-byte sequences split across chunks are fine; the offset of the first bad byte is exact
    whatever the chunk size (Python's decoder gives the expected offset)."""
    good = ("Champs Élysées; Café ’ €\r\n" * 40).encode("utf-8")
    cases = {"good": good, "bad-late": good + "Café".encode("cp1252") + good,
             "truncated-end": good + "É".encode("utf-8")[:1], "surrogate": good + b"\xed\xa0\x80",
             "nul": good + b"\x00" + good}
    for name, data in cases.items():
        f = tmp_path / f"{name}.csv"
        f.write_bytes(data)
        size, err = clean.scan_encoding(spark, str(f), "UTF-8", chunk=chunk)
        if name == "good":
            assert err is None and size == len(data)
            continue
        if name == "nul":
            assert err.kind == "nul_byte" and err.offset == data.index(b"\x00")
            continue
        with pytest.raises(UnicodeDecodeError) as e:
            data.decode("utf-8")
        assert err.kind == "invalid" and err.offset == e.value.start, name


# ---------------------------------------------------------------- line endings and line lengths

def test_mixed_line_endings_refused_with_the_offset(spark, capsys, tmp_path):
    """Spark's multiLine reader takes the line ending from the first line: in a CRLF file a row ending
    in LF alone merges with the next one (both lost). The file is refused instead."""
    data = (CONTRACT / "mixed-line-endings.csv").read_bytes()
    offset = data.index(b"\n", data.index(b"\r\n") + 2)  # the first LF without its CR
    assert data[offset - 1:offset] != b"\r" and data.count(b"\r\n") == 291
    line = refused(capsys, argv(tmp_path, "mixed-line-endings.csv"))
    assert "contract/mixed-line-endings.csv: " in line, line
    assert (f"mixed line endings: lines end in CRLF but the one at byte offset {offset} (line 2) ends in "
            "LF alone; Spark would merge rows: save the file with one kind of line ending") in line, line
    assert not (tmp_path / "raw").exists() and not (tmp_path / "quality").exists()


def _first_other(data: bytes) -> tuple[int, int] | None:
    """(byte offset, line number) of the first line ending unlike the first line's (Python)."""
    import re
    ends = [(m.start(), m.group()) for m in re.finditer(rb"\r\n|\r|\n", data)]
    for i, (at, e) in enumerate(ends):
        if e != ends[0][1]:
            return at, i + 1
    return None


@pytest.mark.parametrize("chunk", [5, 7, 64, 1 << 20])
def test_line_endings_checked_across_chunks(spark, tmp_path, chunk):
    """One kind of line ending is fine (CRLF, LF, CR); any mix is found at its exact byte offset and
    line, also when a CRLF or a lone CR ends a chunk."""
    row = "Café;’;1"
    cases = {
        "crlf": "\r\n".join([row] * 30) + "\r\n", "lf": "\n".join([row] * 30) + "\n",
        "cr": "\r".join([row] * 30) + "\r", "crlf-no-final": "\r\n".join([row] * 30),
        "crlf+lf": "\r\n".join([row] * 12) + "\n" + "\r\n".join([row] * 5) + "\r\n",
        "crlf+cr": "\r\n".join([row] * 12) + "\r" + "\r\n".join([row] * 5) + "\r\n",
        "lf+crlf": "\n".join([row] * 12) + "\r\n" + "\n".join([row] * 5),
        "lf+cr": "\n".join([row] * 12) + "\r" + row + "\n",
        "cr+lf": "\r".join([row] * 12) + "\n" + row + "\r",
        "cr+crlf": "\r".join([row] * 12) + "\r\n" + row + "\r",
        "embedded-lf": "a;b\r\n" + '"x\ny";1\r\n' * 3,
    }
    for name, text in cases.items():
        for codec, charset, bom in [("utf-8", "UTF-8", b"\xef\xbb\xbf"), ("utf-16-le", "UTF-16", b"\xff\xfe")]:
            data = bom + text.encode(codec)
            f = tmp_path / f"{name}-{codec}.csv"
            f.write_bytes(data)
            size, err = clean.scan_encoding(spark, str(f), charset, chunk=chunk)
            expected = _first_other(text.encode("utf-8"))
            if expected is None:
                assert err is None and size == len(data), (name, codec, err)
                continue
            assert err is not None and err.kind == "mixed_endings", (name, codec, err)
            at, line = expected
            at = len(bom) + len(text.encode("utf-8")[:at].decode("utf-8").encode(codec))
            assert (err.offset, err.line) == (at, line), (name, codec, err)


def test_header_line_without_line_ending_refused(spark, capsys, tmp_path):
    """The header is read 64 KiB at most: 200 KB without a line ending is not a CSV export."""
    f = tmp_path / "no-newline.csv"
    f.write_bytes(b"\xef\xbb\xbf" + b"LicenceRSN;" * 20_000)
    with pytest.raises(clean.InputError) as e:
        clean.inspect_input(spark, str(f))
    assert e.value.message == "header line longer than 65,536 bytes (no line ending: not a CSV export?)"
    assert clean.read_header(spark, str(CONTRACT / "header-only.csv"))[:2] == ["FOLDERYEAR", "LicenceRSN"]


def test_very_long_lines_refused_before_spark_reads_them(spark, capsys, tmp_path):
    """A line of more than 1 MiB is refused with its byte offset (Spark would hold it several times)."""
    head = (CONTRACT / "header-only.csv").read_bytes() + b"1;2;3\r\n"
    src = tmp_path / "src"
    src.mkdir()
    (src / "long-row.csv").write_bytes(head + b"x" * 1_500_000 + b"\r\n2;3;4\r\n")
    line = refused(capsys, ["clean.py", "--source", str(src / "long-row.csv"), "--target", str(tmp_path / "raw")])
    assert (f"long-row.csv: line 3 (at byte offset {len(head)}) is longer than 1,048,576 characters "
            "(1 MiB): not a licence row") in line, line
    (src / "long-header.csv").write_bytes(b"a" * 1_500_000)
    line = refused(capsys, ["clean.py", "--source", str(src / "long-header.csv"), "--target", str(tmp_path / "raw")])
    assert line.endswith("long-header.csv: header line longer than 65,536 bytes (no line ending: not a CSV "
                         "export?)"), line
    assert not (tmp_path / "raw").exists()


# ---------------------------------------------------------------- header names

def test_renamed_optional_columns_mapped_by_alias(mixed_run, mixed_rows):
    _, report = mixed_run
    info = by_name(report)["renamed-columns.csv"]
    assert info["renamed_columns"] == {"Folder Year": "FOLDERYEAR", "Licence RSN": "LicenceRSN",
                                       "PostCode": "PostalCode", "Neighbourhood": "LocalArea"}
    rows = [r for r in mixed_rows.values() if r["source_file"].endswith("renamed-columns.csv")]
    assert len(rows) == 8
    assert all(r["postal_code"] and r["local_area"] for r in rows)
    assert mixed_rows["24-148407"]["postal_code"] == "V6A 2V8"
    assert mixed_rows["24-148407"]["local_area"] == "Downtown"


def test_unknown_column_refused_naming_it_and_closest_names(spark, capsys, tmp_path):
    line = refused(capsys, argv(tmp_path, "unknown-column.csv"))
    assert "contract/unknown-column.csv: unknown columns 'PostlCode' (closest known: PostalCode); " \
           "'Ward' (no close known name)" in line
    assert not (tmp_path / "raw").exists()


def test_source_file_names_matched_whatever_the_spelling():
    # by_file keys are input_file_name()'s spelling; the listing may spell a file otherwise
    assert clean._file_id("file:///data/a%20b.csv") == clean._file_id("file:/data/a b.csv")
    assert clean._file_id("s3://bucket/landing/x%2By.csv") == clean._file_id("s3://bucket/landing/x+y.csv")


def test_column_alias_table():
    known = clean._known_names()
    for alias, column in clean.COLUMN_ALIASES.items():
        assert column in clean.CURRENT_LAYOUT, alias
        assert known[clean._key(alias)] == column, f"{alias} is another column's name"
    h = clean.map_header(["folder_year", "LICENCE RSN", "licence-number", "LicenseRevisionNumber",
                          "status", "Post Code", "Neighborhood"])
    assert h.layout == "legacy"
    assert h.positions == {"FOLDERYEAR": 0, "LicenceRSN": 1, "LicenceNumber": 2,
                           "LicenceRevisionNumber": 3, "Status": 4, "PostalCode": 5, "LocalArea": 6}
    assert "BusinessName" in h.missing and "geo_point_2d" not in h.missing
    with pytest.raises(clean.InputError, match="columns 'PostalCode' and 'PostCode' both mean PostalCode"):
        clean.map_header(clean.CURRENT_LAYOUT + ["PostCode"])
    with pytest.raises(clean.InputError, match="column 26 has no name"):
        clean.map_header(clean.CURRENT_LAYOUT + [""])


# ---------------------------------------------------------------- repeated headers

def test_repeated_header_line_rejected_with_its_own_reason(mixed_run):
    _, report = mixed_run
    info = by_name(report)["repeated-header.csv"]
    # 8 + 8 rows and the second export's header line (with its BOM); 4 rows in both exports
    assert info["rows_read"] == 17 and info["rows_kept"] == 12
    assert info["rejected_by_reason"] == {"repeated_header": 1, "duplicate_licence_rsn": 4}
    # neither counts as invalid: 5 of 33 rows rejected (15 %) and the load is ok
    assert report["rows_invalid"] == 0 and report["outcome"] == "ok"
    assert_every_row_accounted(report)
    assert written_summary(mixed_run[0]) == report


# ---------------------------------------------------------------- header-only files

def test_header_only_load_writes_an_empty_typed_table(header_only_run, tables):
    out, report, _ = header_only_run
    assert report["outcome"] == "ok" and report["rows_read"] == 0 and report["table_written"]
    assert any("header-only.csv: warning: header only, no data rows" in w for w in report["warnings"])
    assert by_name(report)["header-only.csv"]["rows_read"] == 0  # listed, with its encoding and layout
    assert by_name(report)["header-only.csv"]["encoding"] == "utf-8-sig"
    assert_every_row_accounted(report)
    root = out / "raw" / DATASET / "licences"
    files = sorted(root.rglob("*.parquet"))
    assert len(files) == 1 and files[0].parent == root  # no partition folder: no year to name
    expected = [(c["name"], c["type"]) for c in tables["licences"]["columns"] + tables["licences"]["partition_keys"]]
    schema = pq.read_schema(files[0])
    assert schema.names == [n for n, _ in expected]
    assert schema.field("year").type == pa.int32() and schema.field("licence_rsn").type == pa.int64()
    assert schema.field("fee_paid").type == pa.decimal128(12, 2)
    assert pq.read_metadata(files[0]).num_rows == 0
    # the rules see the load's zero rows: RowCount > 0 fails (an empty extract is worth a look; the rules
    # monitor, the load is fine); the row-count change passes without history (last(3) is 0.0)
    failed = [r["rule"] for r in report["quality"]["licences"]["rules"] if r["outcome"] != "Passed"]
    assert "RowCount > 0" in failed and "RowCount >= avg(last(3)) * 0.5" not in failed


def test_header_only_table_read_by_duckdb_and_spark(spark, header_only_run):
    out, _, _ = header_only_run
    df = read_table(out / "raw", "licences")
    assert len(df) == 0 and list(df.columns) == [n for n, _ in clean.LICENCES_COLUMNS] + ["year"]
    sdf = spark.read.parquet(str(out / "raw" / DATASET / "licences"))
    assert sdf.count() == 0
    assert [(f.name, f.dataType.simpleString()) for f in sdf.schema] == \
        [(n, t) for n, t in clean.LICENCES_COLUMNS + clean.PARTITION_KEYS]


def test_curate_succeeds_on_the_empty_table(header_only_run, tables):
    out, _, summary = header_only_run
    assert summary["source_rows"] == 0
    assert {n: t["rows"] for n, t in summary["tables"].items()} == {n: 0 for n in curate.TABLES}
    assert list(summary["quality"]) == list(curate.TABLES)
    assert all("RowCount > 0" in [r["rule"] for r in b["rules"] if r["outcome"] == "Failed"]
               for b in summary["quality"].values())
    for name in curate.TABLES:
        files = sorted((out / "curated" / DATASET / name).glob("*.parquet"))
        assert len(files) == 1, name
        assert pq.read_schema(files[0]).names == [c["name"] for c in tables[name]["columns"]]
        assert len(read_table(out / "curated", name)) == 0


def test_real_load_after_a_header_only_load_replaces_the_empty_file(spark, header_only_run, tmp_path):
    out, _, _ = header_only_run
    raw = tmp_path / "raw"
    shutil.copytree(out / "raw", raw)
    report = clean.main(["clean.py", "--source", str(PROBLEMS / "legacy-layout-real.csv"), "--target", str(raw)])
    root = raw / DATASET / "licences"
    assert not list(root.glob("*.parquet"))  # the empty table's file is gone
    assert len(read_table(raw, "licences")) == report["rows_kept"] == 10
    # an empty load never clears a table that has partitions
    again = clean.main(["clean.py", "--source", str(CONTRACT / "header-only.csv"), "--target", str(raw)])
    assert any("the table keeps its partitions" in w for w in again["warnings"])
    assert again["outcome"] == "ok" and not again["table_written"]
    assert len(read_table(raw, "licences")) == 10 and not list(root.glob("*.parquet"))


# ---------------------------------------------------------------- the rejection threshold

def test_too_many_invalid_rows_refuse_the_load(spark, capsys, tmp_path, problems_run):
    # the target already holds a good 2024 partition: a refused load must not replace it
    shutil.copytree(problems_run.raw, tmp_path / "raw")
    before = snapshot(tmp_path / "raw")
    line = refused(capsys, argv(tmp_path, "mostly-invalid.csv"))
    assert line.startswith(f"clean: {CONTRACT / 'mostly-invalid.csv'}: load refused: 3 of the 10 rows read "
                           "are invalid (30.00% > --max_rejected_percent 5) (rejected: invalid_folder_year 1, "
                           "invalid_licence_rsn 1, missing_licence_number 1; kept 7); the table was not written; "
                           "quality summary "), line
    assert snapshot(tmp_path / "raw") == before
    summary = written_summary(tmp_path)
    assert summary["outcome"] == "refused" and not summary["table_written"]
    assert summary["reason"].startswith("3 of the 10 rows read are invalid")
    assert summary["rows_invalid"] == 3 and summary["rows_invalid_percent"] == 30.0
    assert summary["max_rejected_percent"] == 5.0
    assert summary["report_uri"] in line
    assert summary["quality"] == {}  # nothing written, no rule evaluated
    assert_every_row_accounted(summary)


def test_a_load_that_keeps_no_row_is_refused(spark, capsys, tmp_path):
    # even when the threshold allows every row to be invalid
    line = refused(capsys, argv(tmp_path, "all-invalid.csv", extra=["--max_rejected_percent", "100"]))
    assert "load refused: no row kept of the 4 rows read (rejected: invalid_licence_rsn 4; kept 0)" in line
    assert not (tmp_path / "raw").exists()
    summary = written_summary(tmp_path)
    assert summary["outcome"] == "refused" and summary["rows_kept"] == 0
    assert summary["max_rejected_percent"] == 100.0
    assert_every_row_accounted(summary)


@pytest.mark.parametrize("value", ["abc", "-1", "100.5", "nan"])
def test_threshold_argument_checked(capsys, tmp_path, value):
    line = refused(capsys, argv(tmp_path, "mostly-invalid.csv", extra=["--max_rejected_percent", value]))
    assert line.startswith(f"clean: --max_rejected_percent {value}: ")


def test_threshold_counts_invalid_rows_only():
    counts = {"rows_read": 100, "rows_kept": 50, "rows_invalid": 5,
              "rejected_by_reason": {"invalid_licence_rsn": 5, "superseded_revision": 40, "repeated_header": 5}}
    assert clean.judge(counts, 5.0) is None
    assert clean.judge({**counts, "rows_invalid": 6}, 5.0).startswith("6 of the 100 rows read are invalid")
    assert clean.judge({**counts, "rows_invalid": 6}, 6.0) is None
    assert clean.judge({"rows_read": 2, "rows_kept": 0, "rows_invalid": 0,
                        "rejected_by_reason": {"repeated_header": 2}}, 5.0) is None  # only headers: empty
    assert set(clean.INVALID_REASONS).isdisjoint(clean.DEDUPE_REASONS + [clean.REPEATED_HEADER])


# ---------------------------------------------------------------- errors: one line, exit 2

def test_missing_input_is_one_line(capsys, tmp_path):
    line = refused(capsys, ["clean.py", "--source", str(tmp_path / "nowhere"), "--target", str(tmp_path)])
    assert line == f"clean: {tmp_path / 'nowhere'}: no such file or folder"
    line = refused(capsys, ["clean.py", "--target", str(tmp_path)])
    assert line == "clean: the following arguments are required: --source"


def test_curate_errors_are_one_line(capsys, tmp_path):
    line = refused(capsys, ["curate.py", "--source", str(tmp_path), "--target", str(tmp_path / "c")], job=curate)
    assert line == (f"curate: {tmp_path}/{DATASET}/licences/: no raw table `licences` here (no Parquet file): "
                    "run the clean job first")
    line = refused(capsys, ["curate.py", "--source", "x", "--target", "y", "--dataset", "trees"], job=curate)
    assert line == "curate: this job curates dataset 'business-licences', not 'trees'"


def test_clean_script_refusal_is_one_line_on_stderr(tmp_path):
    """The script as `scripts/pipeline-job.sh` runs it: no Spark start-up noise, no chained
    `No module named 'awsglue'` traceback, exit code 2."""
    env = {**os.environ, "PYSPARK_PYTHON": sys.executable}
    p = subprocess.run([sys.executable, str(PIPELINES / "glue" / "clean.py"),
                        "--source", str(CONTRACT / "windows-1252.csv"), "--target", str(tmp_path / "raw")],
                       capture_output=True, text=True, env=env, timeout=300)
    assert p.returncode == 2, p.stderr
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    assert "awsglue" not in p.stderr and "Traceback" not in p.stderr
    assert lines[0].startswith("clean: ") and "windows-1252.csv: invalid UTF-8 byte sequence 0xC9" in lines[0]


# ---------------------------------------------------------------- the partition key's type

def test_year_is_int_in_parquet_spark_duckdb_and_glue(spark, full_run, header_only_run, tables):
    assert tables["licences"]["partition_keys"] == [
        {"name": "year", "type": "int", "comment": "licence folder year, four digits"}]
    assert clean.PARTITION_KEYS == [("year", "int")]
    for raw in (full_run.raw, header_only_run[0] / "raw"):
        path = str(raw / DATASET / "licences")
        # Spark infers int from year=YYYY folders (and reads the empty table's int32 column)
        assert spark.read.parquet(path).schema["year"].dataType.simpleString() == "int"
        # the curate job reads it as int whatever is inferred
        assert curate.read_licences(spark, str(raw)).schema["year"].dataType.simpleString() == "int"
        # DuckDB as the tests, the report builder and tools/insights.py read it
        desc = dict((r[0], r[1]) for r in duckdb.connect().execute(
            f"DESCRIBE {table_sql(raw, 'licences')}").fetchall())
        assert desc["year"] == "INTEGER"
    # without the cast DuckDB would say BIGINT for the partitioned table
    plain = duckdb.connect().execute(
        f"DESCRIBE SELECT * FROM read_parquet('{full_run.raw}/{DATASET}/licences/**/*.parquet', "
        "hive_partitioning = true)").fetchall()
    assert dict((r[0], r[1]) for r in plain)["year"] == "BIGINT"
    # every Parquet file of the partitioned table leaves `year` to the folder name
    for f in (full_run.raw / DATASET / "licences").rglob("*.parquet"):
        assert "year" not in pq.read_schema(f).names
