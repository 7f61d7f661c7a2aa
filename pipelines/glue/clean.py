"""Glue job `clean`: business-licences landing zone -> raw zone.

Reads the City of Vancouver open-data portal CSV exports exactly as exported (UTF-8 with BOM, CRLF,
`;` delimiter, `"` quoting; current 25-column layout and legacy 24-column layout, detected by header)
from any number of files / folders, cleans and types them, keeps one row per licence (highest
revision) and writes the raw table `licences` as Parquet partitioned by `year=YYYY/` under
`<target>/business-licences/licences/`, plus a JSON data-quality summary under `--quality_report`.

The input contract (pipelines/README.md, "The clean job's input contract"): every file is checked
before Spark reads it: its encoding (UTF-8, with or without BOM, or the one `--encoding` names for
files that are not UTF-8) and its header (canonical names or COLUMN_ALIASES; an unknown column is
refused). A load whose invalid rows exceed `--max_rejected_percent` of the rows read, or that keeps
no row of the rows it read, is refused: the quality summary says why and the table is not written.
A header-only load writes an empty, typed table.

Self-contained (Glue uploads one script per job). Runs on AWS Glue 5.0 (Spark 3.5, Python 3.11) and
under plain local PySpark: the Glue-only parts are used only when `awsglue` is importable.

Arguments (Glue DefaultArguments, same names locally):
  --source                landing URI(s): files or prefixes, comma-separated, e.g. s3://landing/business-licences/
  --target                raw zone base URI, e.g. s3://raw-bucket/ (the job appends business-licences/licences/)
  --quality_report        URI prefix for the quality summary (the job writes clean-<UTC timestamp>.json there)
  --encoding              optional: Python codec name (windows-1252, latin-1, utf-16, ...) of the files that
                          are not UTF-8; without it such files are refused
  --max_rejected_percent  optional, default 5: refuse the load when more than this percentage of the rows
                          read are invalid (0..100)
  --quality_rules         locally: folder of the <table>.dqdl rulesets (default: the repository's
                          pipelines/quality/business-licences/, found from this script's place)
  --quality_rulesets      on Glue, optional: table=RulesetName,... (the deployed Glue Data Quality rulesets;
                          absent: no rule is evaluated, a warning says so)
  --quality_metric_namespace  on Glue, optional: CloudWatch namespace of RulesFailed / RulesEvaluated
                          (dimension JobName); absent: the results are recorded, no metric is published

Data-quality rules (pipelines/README.md, "Data quality rules"): the rules of `licences.dqdl` are evaluated
on the kept rows before they are written (locally by dataquality.py, with history from the earlier
summaries in --quality_report; on Glue by EvaluateDataQuality on the deployed ruleset); the results go to
the quality summary under `quality`. A failed rule never fails the job; a refused load evaluates none.
`dataquality.py` is imported only when the rules are evaluated (on Glue it comes with --extra-py-files).

Exit codes (local runs): 0 written; 2 bad input or a refused load (one line on stderr:
`clean: <file or source>: <message>`); 1 an unexpected error (with its traceback). On Glue the same
errors are raised, so the job run fails with the message.
"""
from __future__ import annotations

import argparse
import codecs
import csv
import datetime as _dt
import difflib
import json
import os
import re
import sys
from dataclasses import dataclass, field
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

# Other header names the exports have used (or that people use when they re-save an export), mapped to
# the CURRENT_LAYOUT name they mean. Header names are compared by `_key` (lower case, letters and digits
# only), so `Postal Code`, `postal_code` and `POSTALCODE` are all `PostalCode` without being listed;
# they are listed anyway where a known export or the raw table used them, as documentation. A header
# name that is neither a CURRENT_LAYOUT name nor an alias is refused (pipelines/README.md).
COLUMN_ALIASES = {
    # the raw table's snake_case names, and spaced names
    "folder_year": "FOLDERYEAR", "Folder Year": "FOLDERYEAR", "FolderYear": "FOLDERYEAR",
    "licence_rsn": "LicenceRSN", "Licence RSN": "LicenceRSN",
    "licence_number": "LicenceNumber", "Licence Number": "LicenceNumber",
    "licence_revision_number": "LicenceRevisionNumber", "Licence Revision Number": "LicenceRevisionNumber",
    "business_name": "BusinessName", "Business Name": "BusinessName",
    "business_trade_name": "BusinessTradeName", "Business Trade Name": "BusinessTradeName",
    "issued_date": "IssuedDate", "Issued Date": "IssuedDate",
    "expired_date": "ExpiredDate", "Expired Date": "ExpiredDate",
    "business_type": "BusinessType", "Business Type": "BusinessType",
    "business_sub_type": "BusinessSubType", "Business Sub Type": "BusinessSubType",
    "unit_type": "UnitType", "Unit Type": "UnitType",
    "postal_code": "PostalCode", "Postal Code": "PostalCode",
    "local_area": "LocalArea", "Local Area": "LocalArea",
    "number_of_employees": "NumberofEmployees", "Number of Employees": "NumberofEmployees",
    "fee_paid": "FeePaid", "Fee Paid": "FeePaid",
    "extract_date": "ExtractDate", "Extract Date": "ExtractDate",
    # other words for the same thing
    "PostCode": "PostalCode", "Post Code": "PostalCode",
    "Neighbourhood": "LocalArea", "Neighborhood": "LocalArea",
    # US spelling (the portal's English pages say "license")
    "LicenseRSN": "LicenceRSN", "LicenseNumber": "LicenceNumber",
    "LicenseRevisionNumber": "LicenceRevisionNumber",
}

DEFAULT_MAX_REJECTED_PERCENT = 5.0
# Reasons a row is rejected. Invalid rows count towards --max_rejected_percent; dedupe reasons (older
# revisions, duplicates) and repeated header lines do not.
INVALID_REASONS = ["malformed_record", "invalid_licence_rsn", "missing_licence_number", "invalid_folder_year"]
DEDUPE_REASONS = ["duplicate_licence_rsn", "superseded_revision", "duplicate_licence_number"]
REPEATED_HEADER = "repeated_header"
EXIT_REFUSED = 2  # bad input or a refused load (1: an unexpected error)

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


# --------------------------------------------------------------------------- errors

class InputError(ValueError):
    """Bad input: a file the job refuses, a bad argument, a refused load. Locally: one line on stderr
    and exit 2; on Glue: raised, so the job run fails with this message."""

    def __init__(self, message: str, file: str | None = None):
        self.file, self.message = file, message
        super().__init__(f"{file}: {message}" if file else message)


class LoadRefused(InputError):
    """The rows were read and counted, but the load breaks --max_rejected_percent or keeps no row:
    the quality summary is written (`outcome: refused`), the table is not."""

    def __init__(self, message: str, file: str | None, report: dict):
        super().__init__(message, file)
        self.report = report


# --------------------------------------------------------------------------- input discovery

def _jclass(spark: SparkSession, name: str):
    """A JVM class by its full name. (`jvm.java.nio.ByteBuffer` asks the JVM about `java`, `java.nio`
    and `java.nio.ByteBuffer` in turn, and each question tries the name in every package the gateway
    imports, searching Spark's 250 jars each time: milliseconds per name.)"""
    from py4j.java_gateway import JavaClass
    return JavaClass(name, spark.sparkContext._gateway._gateway_client)


def _hadoop(spark: SparkSession, uri: str):
    path = _jclass(spark, "org.apache.hadoop.fs.Path")(uri)
    return path, path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())


def list_input_files(spark: SparkSession, sources: list[str]) -> list[str]:
    """Expand files and folders/prefixes (recursively, *.csv, skipping _hidden/.hidden) into file URIs."""
    files: list[str] = []
    for src in sources:
        path, fs = _hadoop(spark, src)
        if not fs.exists(path):
            raise InputError("no such file or folder", src)
        status = fs.getFileStatus(path)
        if status.isFile():
            files.append(status.getPath().toString())
            continue
        found = 0
        it = fs.listFiles(path, True)
        while it.hasNext():
            p = it.next().getPath()
            rel = p.toString()[len(status.getPath().toString()):]
            if p.getName().lower().endswith(".csv") and not any(
                    part.startswith(("_", ".")) for part in rel.split("/") if part):
                files.append(p.toString())
                found += 1
        if not found:
            raise InputError("no *.csv file in this folder", src)
    if not files:
        raise InputError("no input: --source names no file")
    return sorted(set(files))


# ---- encodings

# Byte-order marks, longest first (the UTF-32 LE mark starts with the UTF-16 LE one).
BOMS = [(codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")]
# Python codec name (codecs.lookup(...).name) -> the Java charset Spark's CSV reader decodes with, where
# the names differ; other names are tried as they are (cp850, iso8859-15, koi8-r ... Java knows them).
JAVA_CHARSETS = {
    "utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16-le": "UTF-16LE", "utf-16-be": "UTF-16BE",
    "utf-32-le": "UTF-32LE", "utf-32-be": "UTF-32BE", "iso8859-1": "ISO-8859-1", "ascii": "US-ASCII",
    "mac-roman": "x-MacRoman",
}
# Magic bytes of compressed files (a .csv.gz or .zip renamed .csv): _sniff_bom names them.
COMPRESSED_MAGIC = [(b"\x1f\x8b", "gzip"), (b"PK\x03\x04", "zip")]
COMPRESSED = {name for _, name in COMPRESSED_MAGIC}
SCAN_CHUNK = 4 << 20  # bytes per read when checking a file's encoding


def resolve_encoding(name: str | None) -> str | None:
    """--encoding as a Python codec's canonical name (windows-1252 -> cp1252, latin-1 -> iso8859-1)."""
    if name is None or not name.strip():
        return None
    try:
        info = codecs.lookup(name.strip())
    except LookupError:
        raise InputError(f"--encoding {name}: unknown encoding (a Python codec name such as windows-1252, "
                         "latin-1, utf-16)") from None
    if not getattr(info, "_is_text_encoding", True):
        raise InputError(f"--encoding {name}: not a text encoding")
    return info.name


def _java_charset(spark: SparkSession, codec: str, bom: bool) -> str:
    """The Java charset that decodes like the Python codec (utf-16/utf-32 without a BOM: the machine's
    byte order, as Python does)."""
    if codec in ("utf-16", "utf-32"):
        return codec.upper() if bom else f"{codec.upper()}{'LE' if sys.byteorder == 'little' else 'BE'}"
    Charset = _jclass(spark, "java.nio.charset.Charset")
    candidates = [JAVA_CHARSETS.get(codec), codec, codec.replace("-", "_"), codec.replace("_", "-")]
    m = re.fullmatch(r"cp(125\d)", codec)
    if m:
        candidates.insert(0, f"windows-{m.group(1)}")
    for c in candidates:
        try:
            if c and Charset.isSupported(c):
                return Charset.forName(c).name()
        except Exception:  # py4j: IllegalCharsetNameException
            continue
    raise InputError(f"--encoding {codec}: Spark (Java) has no decoder for this encoding")


def _sniff_bom(spark: SparkSession, uri: str) -> str | None:
    path, fs = _hadoop(spark, uri)
    stream = fs.open(path)
    try:
        head = bytes(stream.readNBytes(4))
    finally:
        stream.close()
    return next((name for bom, name in COMPRESSED_MAGIC + BOMS if head.startswith(bom)), None)


@dataclass
class ScanError:
    offset: int        # bytes from the start of the file
    kind: str          # "invalid" (a malformed or unmappable sequence), "nul_byte", "nul_char";
    #                    "mixed_endings", "long_line" (LINE_PROBLEMS: not about the encoding)
    sequence: bytes = b""
    line: int | None = None  # 1-based line number (line problems)
    detail: str = ""         # mixed_endings: "<first line's ending>/<this ending>", e.g. "CRLF/LF"


LINE_PROBLEMS = ("mixed_endings", "long_line")
MAX_LINE = 1 << 20  # characters: a longer line is refused (Spark would hold it in memory several times)
MAX_HEADER = 1 << 16  # bytes read for the header line
_ENDING_NAMES = {"\r\n": "CRLF", "\n": "LF", "\r": "CR"}
# the endings that differ from the first line's, as a regex over one decoded chunk
_OTHER_ENDINGS = {"CRLF": "\r(?!\n)|(?<!\r)\n", "LF": "\r", "CR": "\n"}


class _Lines:
    """Line-ending and line-length checks of scan_encoding, a few JVM calls per decoded chunk (the
    characters stay in the JVM, no call per line): counts of LF and CR (commons-lang3
    StringUtils.countMatches), of CRLF (a regex, only when both occur), a trailing CR carried to the next
    chunk, and one regex find() for a line of MAX_LINE characters. Only when a mix is found, its place
    is looked up (a regex find and the byte length of the chunk before it). Lines are measured within
    each chunk: a line that crosses a chunk boundary is measured as its two parts (with 4 MiB chunks a
    line of 2 MiB or more is always found, one of 1 to 2 MiB may pass)."""

    def __init__(self, spark: SparkSession, charset: str):
        # countMatches(CharSequence, char): a loop in the JVM, about 1 ms per MiB. (Not the
        # (CharSequence, CharSequence) overload: called through py4j it counted "a\r\rb" as 2 CRLF.)
        self.count_char = _jclass(spark, "org.apache.commons.lang3.StringUtils").countMatches
        Pattern = _jclass(spark, "java.util.regex.Pattern")
        self.Pattern = Pattern
        self.crlf = Pattern.compile("\\r\\n")
        self.BufferedReader = _jclass(spark, "java.io.BufferedReader")
        self.CharArrayReader = _jclass(spark, "java.io.CharArrayReader")
        # a run of MAX_LINE characters without a line ending: after a line ending, or at the chunk's start
        self.long = Pattern.compile("[\\r\\n][^\\r\\n]{%d}" % MAX_LINE)
        self.long_start = Pattern.compile("[^\\r\\n]{%d}" % MAX_LINE)
        self.probe = Pattern.compile("[^\\r\\n]{%d}" % (MAX_LINE // 2))
        self.first_re = Pattern.compile("\\r\\n|\\r|\\n")
        self.charset = charset
        self.spark = spark
        self.first: str | None = None   # the first line's ending: CRLF, LF, CR
        self.pending: int | None = None  # byte offset of a CR that ended the previous chunk
        self.pending_line = 0
        self.endings = 0                # line endings counted in earlier chunks
        self.width = 4 if "32" in charset else 2 if "16" in charset else 1  # bytes of a CR or LF

    def _bytes(self, chars, end: int, start_byte: int) -> int:
        """Byte offset of character `end` of the chunk whose first character is at byte start_byte."""
        cs = self.charset
        if cs in ("UTF-16", "UTF-32"):  # the decoder skipped the byte-order mark; count without one
            if start_byte == 0:
                start_byte = self.width
            cs += "BE"
        enc = _jclass(self.spark, "java.nio.charset.Charset").forName(cs)
        return start_byte + enc.encode(chars.subSequence(0, end)).remaining()

    def counts(self, chars, whole: bool = False) -> tuple[int, int, int]:
        """(CRLF, LF, CR) counts; CRLF only when the chunk has both characters: from the number of
        lines BufferedReader sees in it (CR, LF and CRLF end a line; twice as fast as a regex) for a
        whole chunk (`whole`: chars is the buffer itself, from its array's start), else by a regex."""
        lf, cr = self.count_char(chars, "\n"), self.count_char(chars, "\r")
        if not (lf and cr):
            return 0, lf, cr
        if not whole:
            return self.crlf.matcher(chars).results().count(), lf, cr
        n = chars.remaining()
        lines = self.BufferedReader(self.CharArrayReader(chars.array(), 0, n)).lines().count()
        endings = lines - (0 if chars.charAt(n - 1) in "\r\n" else 1)
        return lf + cr - endings, lf, cr

    def _line(self, chars, end: int, skip: int) -> int:
        """Line number of the line that character `end` of the chunk is on (`skip`: 1 when the chunk's
        first character is the LF of a CRLF counted in the previous chunk)."""
        sub = chars.subSequence(0, end)
        crlf, lf, cr = self.counts(sub)
        return self.endings + lf + cr - crlf - (skip if end > 0 else 0) + 1

    def check(self, chars, start_byte: int, end_byte: int, eof: bool) -> ScanError | None:
        """One decoded chunk (chars: flipped CharBuffer) of the bytes [start_byte, end_byte)."""
        n = chars.remaining()
        if n == 0:
            return None
        skip = 1 if self.pending is not None and chars.charAt(0) == "\n" else 0  # CR | LF: one CRLF
        # A run of MAX_LINE characters holds two probes MAX_LINE / 2 apart, the run between them
        # without a line ending: a lookingAt() per probe (it stops at the next line ending) before the
        # full regex.
        probe, step = self.probe.matcher(chars), MAX_LINE // 2
        at = None
        if any(probe.region(p, n).lookingAt() for p in range(0, n - step + 1, step)):
            m = self.long.matcher(chars)
            at = 0 if self.long_start.matcher(chars).lookingAt() else m.start() + 1 if m.find() else None
        if at is not None:
            return ScanError(self._bytes(chars, at, start_byte), "long_line", line=self._line(chars, at, skip))
        crlf, lf, cr = self.counts(chars, whole=True)
        bare_lf, bare_cr = lf - crlf - skip, cr - crlf
        boundary = None if self.pending is None else "CRLF" if skip else "CR"
        trailing = bare_cr > 0 and not eof and chars.charAt(n - 1) == "\r"  # decided by the next chunk
        if trailing:
            bare_cr -= 1
        kinds = {k for k, c in (("CRLF", crlf), ("LF", bare_lf), ("CR", bare_cr)) if c > 0}
        if self.first is None:
            if boundary:
                self.first = boundary
            elif kinds:
                f = self.first_re.matcher(chars)
                f.find()
                self.first = _ENDING_NAMES[f.group()]
        if boundary and boundary != self.first:  # the CR that ended the previous chunk
            return ScanError(self.pending, "mixed_endings", line=self.pending_line,
                             detail=f"{self.first}/{boundary}")
        if kinds - {self.first}:
            m = self.Pattern.compile(_OTHER_ENDINGS[self.first]).matcher(chars).region(skip, n - trailing)
            if m.find():
                at = m.start()
                if m.group() == "\r":
                    other = "CRLF" if at + 1 < n and chars.charAt(at + 1) == "\n" else "CR"
                elif at > 0 and chars.charAt(at - 1) == "\r":  # a CRLF where lines end in CR
                    other, at = "CRLF", at - 1
                else:
                    other = "LF"
                return ScanError(self._bytes(chars, at, start_byte), "mixed_endings",
                                 line=self._line(chars, at, skip), detail=f"{self.first}/{other}")
        self.endings += lf + cr - crlf - skip
        self.pending = end_byte - self.width if trailing else None
        self.pending_line = self.endings  # the line the pending CR ends (the CR itself is counted)
        return None


def scan_encoding(spark: SparkSession, uri: str, charset: str, chunk: int = SCAN_CHUNK):
    """Stream the file through the JVM's decoder for `charset` (CodingErrorAction.REPORT), one chunk at
    a time: returns (size in bytes, None) or (bytes read so far, ScanError). With UTF-8 a NUL byte is an
    error too (UTF-16 without a byte-order mark, binary files); with other charsets a NUL character.
    The bytes stay in the JVM (py4j moves about 20 MB/s, the decoder runs at over 100 MB/s)."""
    report = _jclass(spark, "java.nio.charset.CodingErrorAction").REPORT
    decoder = _jclass(spark, "java.nio.charset.Charset").forName(charset).newDecoder() \
        .onMalformedInput(report).onUnmappableCharacter(report)
    utf8 = charset == "UTF-8"
    nul = _jclass(spark, "java.util.regex.Pattern").compile("\\x00")
    latin1 = _jclass(spark, "java.nio.charset.StandardCharsets").ISO_8859_1
    lines = _Lines(spark, charset)
    path, fs = _hadoop(spark, uri)
    stream = fs.open(path)
    try:
        # (a byte[] would be copied into Python by py4j: read through a channel into a ByteBuffer)
        channel = _jclass(spark, "java.nio.channels.Channels").newChannel(stream)
        buf = _jclass(spark, "java.nio.ByteBuffer").allocate(chunk)
        chars = _jclass(spark, "java.nio.CharBuffer").allocate(chunk)
        consumed, eof = 0, False  # consumed: bytes before buf's first byte
        while not eof:
            while buf.hasRemaining():  # fill the chunk (a channel may return less, e.g. from S3)
                if channel.read(buf) < 0:
                    eof = True
                    break
            buf.flip()
            nul_at = None  # the first problem in file order is reported: a NUL byte or a bad sequence
            if utf8:
                m = nul.matcher(latin1.decode(buf.duplicate()))  # one char per byte: offsets are bytes
                if m.find():
                    nul_at = consumed + m.start()
            while True:
                start = consumed + buf.position()
                result = decoder.decode(buf, chars, eof)
                at = buf.position()
                if result.isError():
                    if nul_at is not None and nul_at < consumed + at:
                        break
                    seq = bytes((buf.get(at + i) & 0xFF) for i in range(min(result.length(), 4)))
                    return consumed + at, ScanError(consumed + at, "invalid", seq)
                chars.flip()
                if not utf8:
                    m = nul.matcher(chars)
                    if m.find():
                        return consumed, ScanError(consumed + at, "nul_char", b"")
                if nul_at is None:
                    line_err = lines.check(chars, start, consumed + at, eof and not result.isOverflow())
                    if line_err:
                        return line_err.offset, line_err
                chars.clear()
                if not result.isOverflow():
                    break
            if nul_at is not None:
                return nul_at, ScanError(nul_at, "nul_byte", b"\x00")
            consumed += buf.position()
            buf.compact()
        decoder.flush(chars)
        return consumed + buf.position(), None
    finally:
        stream.close()


_ENDING_WORDS = {"CRLF": "CRLF", "LF": "LF alone", "CR": "CR alone"}


def _describe(err: ScanError, encoding: str) -> str:
    seq = " ".join(f"0x{b:02X}" for b in err.sequence)
    if err.kind == "mixed_endings":
        first, other = err.detail.split("/")
        return (f"mixed line endings: lines end in {first} but the one at byte offset {err.offset} (line "
                f"{err.line}) ends in {_ENDING_WORDS[other]}; Spark would merge rows: save the file with one "
                "kind of line ending")
    if err.kind == "long_line":
        if err.line == 1:
            return f"header line longer than {MAX_HEADER:,} bytes (no line ending: not a CSV export?)"
        return (f"line {err.line} (at byte offset {err.offset}) is longer than {MAX_LINE:,} characters "
                "(1 MiB): not a licence row")
    if err.kind == "nul_byte":
        return (f"not UTF-8 text: NUL byte at byte offset {err.offset} (UTF-16 without a byte-order mark, "
                "or a binary file); if it is UTF-16 pass --encoding utf-16-le (or utf-16-be)")
    if err.kind == "nul_char":
        return f"not {encoding} text: a NUL character in the bytes before offset {err.offset} (wrong --encoding?)"
    return f"invalid {encoding} byte sequence {seq} at byte offset {err.offset}"


# ---- headers

def read_header(spark: SparkSession, uri: str, charset: str = "UTF-8") -> list[str]:
    """The first line's names; at most MAX_HEADER bytes are read (decoded in the JVM)."""
    path, fs = _hadoop(spark, uri)
    stream = fs.open(path)
    try:
        channel = _jclass(spark, "java.nio.channels.Channels").newChannel(stream)
        buf = _jclass(spark, "java.nio.ByteBuffer").allocate(MAX_HEADER)
        while buf.hasRemaining() and channel.read(buf) >= 0:
            pass
        full = not buf.hasRemaining()
        buf.flip()
        text = _jclass(spark, "java.nio.charset.Charset").forName(charset).decode(buf).toString()
    finally:
        stream.close()
    m = re.search("[\r\n]", text)
    end = m.start() if m else None
    if end is None and full:
        raise InputError(f"header line longer than {MAX_HEADER:,} bytes (no line ending: not a CSV export?)",
                         uri)
    line = text[:end].lstrip("\ufeff")
    return [h.strip() for h in next(csv.reader([line], delimiter=";", quotechar='"'))] if line else []


def _key(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _known_names() -> dict[str, str]:
    """key of every accepted header name -> the CURRENT_LAYOUT name it means."""
    known = {_key(a): c for a, c in COLUMN_ALIASES.items()}
    known.update({_key(c): c for c in CURRENT_LAYOUT})
    return known


def _closest(name: str, known: dict[str, str]) -> list[str]:
    keys = difflib.get_close_matches(_key(name), list(known), n=6, cutoff=0.6)
    return list(dict.fromkeys(known[k] for k in keys))[:3]


@dataclass
class HeaderMap:
    layout: str
    positions: dict[str, int]                                  # CURRENT_LAYOUT name -> position
    renamed: dict[str, str] = field(default_factory=dict)      # header name -> CURRENT_LAYOUT name (aliases)
    missing: list[str] = field(default_factory=list)           # optional CURRENT_LAYOUT names absent


def map_header(header: list[str], file: str | None = None) -> HeaderMap:
    """Map a header to CURRENT_LAYOUT names (by `_key`, through COLUMN_ALIASES); refuse unknown,
    unnamed or doubled columns and missing required ones, naming them and the closest known names."""
    known = _known_names()
    positions: dict[str, int] = {}
    renamed: dict[str, str] = {}
    problems: list[str] = []
    unknown: list[str] = []
    for i, name in enumerate(header):
        col = known.get(_key(name))
        if not _key(name):
            problems.append(f"column {i + 1} has no name")
        elif col is None:
            close = _closest(name, known)
            unknown.append(f"{name!r} (closest known: {', '.join(close)})" if close else f"{name!r} (no close known name)")
        elif col in positions:
            problems.append(f"columns {header[positions[col]]!r} and {name!r} both mean {col}")
        else:
            positions[col] = i
            if name != col:
                renamed[name] = col
    if unknown:
        problems.insert(0, f"unknown column{'s' if len(unknown) > 1 else ''} {'; '.join(unknown)}")
    missing_required = [c for c in REQUIRED_COLUMNS if c not in positions]
    if missing_required:
        shown = header if len(header) <= 30 else header[:30] + ["..."]
        raise InputError(f"unknown layout: missing required columns {', '.join(missing_required)}"
                         + (f"; {'; '.join(problems)}" if problems else "") + f" (header: {shown})", file)
    if problems:
        raise InputError("; ".join(problems) + " (known names: CURRENT_LAYOUT and COLUMN_ALIASES in "
                         "clean.py, listed in pipelines/README.md)", file)
    layout = "current" if "geo_point_2d" in positions else "legacy"
    expected = CURRENT_LAYOUT if layout == "current" else LEGACY_LAYOUT
    return HeaderMap(layout, positions, renamed, [c for c in expected if c not in positions])


def detect_layout(header: list[str], file: str | None = None) -> tuple[str, dict[str, int]]:
    """Return (layout name, {CURRENT_LAYOUT name: position}) for a header; raise InputError (a
    ValueError) on an unknown layout or column."""
    h = map_header(header, file)
    return h.layout, h.positions


# ---- one input file, checked

@dataclass
class InputFile:
    uri: str                 # as listed (Hadoop path)
    key: str                 # as Spark's input_file_name() spells it: the raw table's source_file
    encoding: str            # Python codec name the file was read as: utf-8, utf-8-sig (with BOM), cp1252 ...
    charset: str             # the Java charset Spark decodes it with
    size: int
    header: list[str]
    header_map: HeaderMap


def inspect_input(spark: SparkSession, uri: str, encoding: str | None = None) -> InputFile:
    """Check one file's encoding (streaming) and header; refuse it with InputError.

    UTF-8 (a UTF-8 BOM, or no BOM and valid UTF-8 without NUL bytes) is read as UTF-8 whatever
    --encoding says; a UTF-16/UTF-32 byte-order mark needs --encoding utf-16 (utf-32); other files are
    read with --encoding (checked strictly: a byte that is not valid in it refuses the file), or
    refused without it."""
    bom = _sniff_bom(spark, uri)
    if bom in COMPRESSED:
        raise InputError(f"compressed file ({bom}): decompress it first", uri)
    if bom == "utf-8-sig":
        size, err = scan_encoding(spark, uri, "UTF-8")
        if err:
            raise InputError(_describe(err, "UTF-8") if err.kind in LINE_PROBLEMS
                             else f"UTF-8 byte-order mark, but {_describe(err, 'UTF-8')}", uri)
        used, charset = "utf-8-sig", "UTF-8"
    elif bom:  # UTF-16 / UTF-32
        family = bom[:6]
        if not encoding or not encoding.startswith(family):
            given = f"but --encoding is {encoding}" if encoding else "not UTF-8"
            raise InputError(f"the file is {family.upper()} ({bom[-2:].upper()} byte-order mark at byte 0), "
                             f"{given}: pass --encoding {family} to read it", uri)
        charset = family.upper()  # Java's UTF-16 / UTF-32 decoders follow the byte-order mark
        size, err = scan_encoding(spark, uri, charset)
        if err:
            raise InputError(_describe(err, family.upper()), uri)
        used = family
    else:
        size, err = scan_encoding(spark, uri, "UTF-8")
        if size == 0 and err is None:
            raise InputError("empty file (0 bytes): no header line", uri)
        if err is not None and err.kind in LINE_PROBLEMS:
            raise InputError(_describe(err, "UTF-8"), uri)
        if err is None:
            used, charset = "utf-8", "UTF-8"
        elif not encoding:
            hint = ("" if err.kind == "nul_byte" else
                    " (not UTF-8: a Windows-1252 or Latin-1 export? pass --encoding windows-1252)")
            raise InputError(_describe(err, "UTF-8") + hint, uri)
        else:
            charset = _java_charset(spark, encoding, bom=False)
            size, err2 = scan_encoding(spark, uri, charset)
            if err2 and err2.kind in LINE_PROBLEMS:
                raise InputError(_describe(err2, encoding), uri)
            if err2:
                raise InputError(f"not UTF-8 ({_describe(err, 'UTF-8')}) and not {encoding} either: "
                                 f"{_describe(err2, encoding)}", uri)
            used = encoding
    header = read_header(spark, uri, charset)
    if not header:
        raise InputError("no header line", uri)
    path, fs = _hadoop(spark, uri)
    key = fs.getFileStatus(path).getPath().toUri().toString()
    return InputFile(uri, key, used, charset, size, header, map_header(header, uri))


def _header_key(c):
    """`_key` in Spark: lower case, letters and digits only (drops a BOM, quotes, spaces)."""
    return F.regexp_replace(F.lower(c), r"[^\p{L}\p{N}]", "")


def read_landing(spark: SparkSession, inputs: list[InputFile]) -> DataFrame:
    """All files as one DataFrame of source columns (strings) + source_file, source_layout,
    _corrupt_record, _repeated_header (the row repeats a header: concatenated exports)."""
    groups: dict[tuple, list[InputFile]] = {}
    for f in inputs:
        h = f.header_map
        groups.setdefault((f.charset, h.layout, len(f.header), tuple(sorted(h.positions.items()))), []).append(f)
    known = _known_names()
    frames = []
    for (charset, layout, width, positions), group in sorted(groups.items(), key=lambda kv: kv[0]):
        names = list(group[0].header)
        if (len({n.lower() for n in names}) != width or "_corrupt_record" in names
                or any(not n or "`" in n for n in names)):
            names = [f"_c{i}" for i in range(width)]
        # Named like the header so Spark's header check agrees; read positionally (enforceSchema).
        schema = T.StructType([T.StructField(n, T.StringType()) for n in names]
                              + [T.StructField("_corrupt_record", T.StringType())])
        df = (spark.read.schema(schema)
              .option("header", True).option("sep", ";").option("quote", '"').option("escape", '"')
              .option("multiLine", True).option("encoding", charset).option("mode", "PERMISSIVE")
              .option("columnNameOfCorruptRecord", "_corrupt_record")
              .csv([f.uri for f in group]))
        pos = dict(positions)
        col = {c: F.col(f"`{names[pos[c]]}`") for c in pos}
        # a header line again (two exports concatenated): every required column holds a name of itself
        repeated = reduce(lambda a, b: a & b, [
            F.coalesce(_header_key(col[c]).isin(sorted(k for k, v in known.items() if v == c)), F.lit(False))
            for c in REQUIRED_COLUMNS])
        frames.append(df.select(
            *[(col[c] if c in pos else F.lit(None).cast("string")).alias(c) for c in CURRENT_LAYOUT],
            F.input_file_name().alias("source_file"),
            F.lit(layout).alias("source_layout"),
            F.col("_corrupt_record"),
            repeated.alias("_repeated_header")))
    if not frames:
        raise InputError("no input CSV files found")
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
    """Per-row cleaning and typing. Keeps helper columns `_*` for dedup and the quality report.

    The new columns are added in three batches (`withColumns`: one plan analysis per batch; a
    `withColumn` per column analysed the growing plan about forty times, seconds per run), each batch
    using only columns of the batches before it; the last select puts them in their documented order."""
    s = {c: _nz(F.col(c), c in COLLAPSE) for c in CURRENT_LAYOUT}
    repeated = F.col("_repeated_header") if "_repeated_header" in raw.columns else F.lit(False)
    df = raw.select(*[s[c].alias(SRC + c) for c in CURRENT_LAYOUT],
                    "source_file", "source_layout", "_corrupt_record", repeated.alias("_repeated_header"))
    first: dict = {}   # from the source columns only
    second: dict = {}  # from `first`
    third: dict = {}   # from `second`

    # identity
    first["licence_rsn"] = F.when(S("LicenceRSN").rlike(r"^[0-9]{1,18}$"), S("LicenceRSN").cast("bigint"))
    first["licence_number"] = F.upper(F.regexp_replace(S("LicenceNumber"), " ", ""))
    first["licence_revision_number"] = S("LicenceRevisionNumber")
    first["_revision"] = F.when(S("LicenceRevisionNumber").rlike(r"^[0-9]{1,9}$"),
                                S("LicenceRevisionNumber").cast("int"))
    first["folder_year"] = S("FOLDERYEAR")

    # dates: instants in UTC; local calendar date as written in the source
    first["extract_date"] = _parse_instant(S("ExtractDate"))
    first["issued_date"] = _parse_instant(S("IssuedDate"))
    second["issued_local_date"] = F.when(F.col("issued_date").isNotNull(),
                                         F.to_date(F.substring(S("IssuedDate"), 1, 10), "yyyy-MM-dd"))
    first["expired_date"] = F.to_date(F.substring(S("ExpiredDate"), 1, 10), "yyyy-MM-dd")

    # two-digit folder year -> four digits, pivoting on the export's year
    yy = F.when(S("FOLDERYEAR").rlike(r"^[0-9]{1,2}$"), S("FOLDERYEAR").cast("int"))
    ref_year = F.coalesce(F.year("extract_date"), F.year(F.current_date()))
    second["year"] = F.when(yy.isNotNull(), F.when(2000 + yy <= ref_year + 1, 2000 + yy).otherwise(1900 + yy)) \
        .otherwise(F.when(S("FOLDERYEAR").rlike(r"^(19|20)[0-9]{2}$"), S("FOLDERYEAR").cast("int")))

    third["issued_before_folder_year"] = F.coalesce(F.year("issued_local_date") < F.col("year"), F.lit(False))
    third["issued_after_folder_year"] = F.coalesce(F.year("issued_local_date") > F.col("year"), F.lit(False))
    third["expired_before_issued"] = F.coalesce(F.col("expired_date") < F.col("issued_local_date"), F.lit(False))

    # names: trimmed only (embedded quotes and parentheses are data)
    first["business_name"] = S("BusinessName")
    first["business_trade_name"] = S("BusinessTradeName")

    status_key = F.lower(S("Status"))
    first["status"] = F.coalesce(_map({x.lower(): x for x in STATUSES})[status_key], F.initcap(S("Status")))

    historic = r"(?i)\s*\*\s*historic\s*\*\s*$"
    first["business_type_historic"] = F.coalesce(S("BusinessType").rlike(historic), F.lit(False))
    first["business_type"] = _nz(F.regexp_replace(S("BusinessType"), historic, ""))
    first["business_sub_type"] = S("BusinessSubType")

    # address
    first["unit"] = S("Unit")
    first["unit_type"] = F.initcap(S("UnitType"))
    first["house"] = F.upper(S("House"))
    first["street"] = F.upper(S("Street"))
    first["province"] = F.upper(S("Province"))
    city_key = F.regexp_replace(F.lower(S("City")), r"[^a-z]", "")
    is_vancouver = (city_key.isin(VANCOUVER_ALIASES)
                    | ((F.length(city_key) >= 7) & (F.levenshtein(city_key, F.lit("vancouver")) <= 2)))
    first["city"] = F.when(S("City").isNull(), F.lit(None)) \
        .when(is_vancouver, F.lit("Vancouver")).otherwise(F.initcap(S("City")))

    pc_compact = F.upper(F.regexp_replace(F.coalesce(S("PostalCode"), F.lit("")), r"[\s\-]", ""))
    first["postal_code_raw"] = S("PostalCode")
    first["postal_code"] = F.when(pc_compact.rlike(POSTAL_RE), F.concat(F.substring(pc_compact, 1, 3), F.lit(" "),
                                                                        F.substring(pc_compact, 4, 3)))
    second["country"] = F.coalesce(
        F.upper(S("Country")),
        F.when(F.col("province").isin(CANADIAN_PROVINCES) | F.col("postal_code").isNotNull(), F.lit("CA")))

    areas = {_key(a): a for a in LOCAL_AREAS + OTHER_AREAS}
    areas.update(LOCAL_AREA_ALIASES)
    area_key = F.regexp_replace(F.lower(S("LocalArea")), r"[^a-z0-9]", "")
    first["local_area"] = F.coalesce(_map(areas)[area_key], S("LocalArea"))

    # numbers
    first["number_of_employees"] = F.regexp_replace(S("NumberofEmployees"), r"[,\s]", "").cast("double")
    second["employees_outlier"] = F.coalesce(
        (F.col("number_of_employees") >= EMPLOYEES_OUTLIER) | (F.col("number_of_employees") < 0), F.lit(False))
    first["fee_paid"] = F.regexp_replace(S("FeePaid"), r"[$,\s]", "").cast("decimal(12,2)")

    # coordinates: Geom GeoJSON first, then geo_point_2d "lat, lon"
    first["_geom"] = F.from_json(S("Geom"), "coordinates array<double>, type string")
    first["_gp"] = F.split(S("geo_point_2d"), ",")
    gp_ok = F.size("_gp") == 2
    second["_lon"] = F.coalesce(F.col("_geom.coordinates").getItem(0),
                                F.when(gp_ok, F.trim(F.col("_gp").getItem(1)).cast("double")))
    second["_lat"] = F.coalesce(F.col("_geom.coordinates").getItem(1),
                                F.when(gp_ok, F.trim(F.col("_gp").getItem(0)).cast("double")))
    in_range = F.col("_lon").between(-180, 180) & F.col("_lat").between(-90, 90)
    third["longitude"] = F.when(in_range, F.col("_lon"))
    third["latitude"] = F.when(in_range, F.col("_lat"))

    # completeness of the source row: tie-break between near duplicates
    first["_filled"] = reduce(lambda a, b: a + b, [S(c).isNotNull().cast("int") for c in CURRENT_LAYOUT])
    third["_reject"] = (F.when(F.col("_repeated_header"), F.lit(REPEATED_HEADER))
                        .when(F.col("_corrupt_record").isNotNull(), F.lit("malformed_record"))
                        .when(F.col("licence_rsn").isNull(), F.lit("invalid_licence_rsn"))
                        .when(F.col("licence_number").isNull(), F.lit("missing_licence_number"))
                        .when(F.col("year").isNull(), F.lit("invalid_folder_year")))
    order = df.columns + [c for c in CLEAN_COLUMNS if c not in df.columns]
    return df.withColumns(first).withColumns(second).withColumns(third).select(*order)


# clean_columns' new columns, in order (after the source columns and source_file, source_layout,
# _corrupt_record, _repeated_header)
CLEAN_COLUMNS = [
    "licence_rsn", "licence_number", "licence_revision_number", "_revision", "folder_year", "extract_date",
    "issued_date", "issued_local_date", "expired_date", "year", "issued_before_folder_year",
    "issued_after_folder_year", "expired_before_issued", "business_name", "business_trade_name", "status",
    "business_type_historic", "business_type", "business_sub_type", "unit", "unit_type", "house", "street",
    "province", "city", "postal_code_raw", "postal_code", "country", "local_area", "number_of_employees",
    "employees_outlier", "fee_paid", "_geom", "_gp", "_lon", "_lat", "longitude", "latitude", "_filled",
    "_reject",
]


# source columns (trimmed text, S()) kept after cleaning: the quality summary compares them with the
# cleaned values
CARRIED_SOURCE_COLUMNS = ["IssuedDate", "City", "Street", "Country", "PostalCode", "LocalArea"]


def deduplicate(df: DataFrame) -> DataFrame:
    """Set `_reject` for duplicates: same LicenceRSN (keep the latest, most complete row), then one
    row per LicenceNumber: the highest LicenceRevisionNumber (compared numerically), ties broken by
    the latest ExtractDate then the highest LicenceRSN (`superseded_revision` for lower revisions,
    `duplicate_licence_number` for other RSNs with the same revision).

    Only the columns used after it (the table's, `year`, `_reject`, the ranking's and the source
    columns the quality summary compares, CARRIED_SOURCE_COLUMNS) go through its two shuffles and
    into the persisted frame: the other source columns, `_corrupt_record` and the parsing helpers
    made every row about twice as wide (a third of the job's CPU time)."""
    carried = {n for n, _ in LICENCES_COLUMNS + PARTITION_KEYS} | {"_reject", "_revision", "_filled"} \
        | {SRC + c for c in CARRIED_SOURCE_COLUMNS}
    df = df.select(*[c for c in df.columns if c in carried])
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

def _block() -> dict:
    return {"rows_read": 0, "rows_kept": 0, "rows_rejected": 0, "rejected_by_reason": {}}


def _file_id(uri: str) -> str:
    from urllib.parse import unquote
    return unquote(re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*):/+", r"\1:/", uri))


def quality_summary(df: DataFrame, inputs: list[InputFile]) -> dict:
    """Row counts (total, per file, per year; every row read is kept or counted under one reason) and
    checks on the kept rows.

    One Spark action: the row counts by file, layout, year and reason, each group with the checks'
    counts; the checks on the kept rows are the sums over the groups without a reason."""
    checks_on_kept = [  # (name, condition), counted on the kept rows
        ("postal_code_malformed_nulled", S("PostalCode").isNotNull() & F.col("postal_code").isNull()),
        ("postal_code_reformatted", S("PostalCode").isNotNull() & (S("PostalCode") != F.col("postal_code"))
         & F.col("postal_code").isNotNull()),
        ("postal_code_missing", S("PostalCode").isNull()),
        ("city_normalised", S("City").isNotNull() & (S("City") != F.col("city"))),
        ("street_case_normalised", S("Street").isNotNull() & (S("Street") != F.col("street"))),
        ("local_area_canonicalised", S("LocalArea").isNotNull() & (S("LocalArea") != F.col("local_area"))),
        ("local_area_missing", F.col("local_area").isNull()),
        ("country_inferred", S("Country").isNull() & F.col("country").isNotNull()),
        ("country_missing", F.col("country").isNull()),
        ("issued_date_unparseable", S("IssuedDate").isNotNull() & F.col("issued_date").isNull()),
        ("issued_date_missing", F.col("issued_date").isNull()),
        ("issued_before_folder_year", F.col("issued_before_folder_year")),
        ("issued_after_folder_year", F.col("issued_after_folder_year")),
        ("expired_before_issued", F.col("expired_before_issued")),
        ("employees_outlier", F.col("employees_outlier")),
        ("employees_zero", F.col("number_of_employees") == 0),
        ("fee_missing", F.col("fee_paid").isNull()),
        ("coordinates_missing", F.col("longitude").isNull()),
        ("business_type_historic", F.col("business_type_historic")),
    ]
    group = df.groupBy("source_file", "source_layout", "year", "_reject").agg(
        F.count(F.lit(1)).alias("count"),
        *[F.sum(F.when(cond, 1).otherwise(0)).alias(name) for name, cond in checks_on_kept]).collect()
    checks = {name: sum(r[name] or 0 for r in group if r["_reject"] is None) for name, _ in checks_on_kept}

    total, by_file, by_year = _block(), {}, {}
    # input_file_name() spells a file as its FileStatus URI (inspect_input's key); should a file system
    # spell it otherwise, match on the unquoted path
    same = {_file_id(f.key): f.key for f in inputs}
    for f in inputs:  # every file, also those without a data row
        by_file[f.key] = {**_block(), "layout": f.header_map.layout, "encoding": f.encoding, "bytes": f.size,
                          "renamed_columns": f.header_map.renamed, "missing_columns": f.header_map.missing}
    for r in group:
        name = r["source_file"] if r["source_file"] in by_file else same.get(_file_id(r["source_file"]), r["source_file"])
        targets = [total, by_file.setdefault(name, {**_block(), "layout": r["source_layout"]}),
                   by_year.setdefault(str(r["year"]) if r["year"] is not None else "unknown", _block())]
        for t in targets:
            t["rows_read"] += r["count"]
            if r["_reject"] is None:
                t["rows_kept"] += r["count"]
            else:
                t["rows_rejected"] += r["count"]
                t["rejected_by_reason"][r["_reject"]] = t["rejected_by_reason"].get(r["_reject"], 0) + r["count"]
    invalid = sum(total["rejected_by_reason"].get(r, 0) for r in INVALID_REASONS)
    return {
        **total,
        "rows_invalid": invalid,
        "rows_invalid_percent": round(100.0 * invalid / total["rows_read"], 3) if total["rows_read"] else 0.0,
        "checks_on_kept_rows": {k: int(v or 0) for k, v in checks.items()},
        "by_file": dict(sorted(by_file.items())), "by_year": dict(sorted(by_year.items())),
    }


def judge(counts: dict, max_rejected_percent: float) -> str | None:
    """Why the load is refused, or None. A load without data rows (header-only files) is not refused."""
    read, kept, invalid = counts["rows_read"], counts["rows_kept"], counts["rows_invalid"]
    data_rows = read - counts["rejected_by_reason"].get(REPEATED_HEADER, 0)
    if data_rows == 0:
        return None
    if kept == 0:
        return f"no row kept of the {read} rows read"
    if invalid * 100.0 > max_rejected_percent * read:
        return (f"{invalid} of the {read} rows read are invalid ({100.0 * invalid / read:.2f}% > "
                f"--max_rejected_percent {max_rejected_percent:g})")
    return None


def write_text(spark: SparkSession, uri: str, text: str) -> None:
    path, fs = _hadoop(spark, uri)
    out = fs.create(path, True)
    try:
        out.write(bytearray(text.encode("utf-8")))
    finally:
        out.close()


# --------------------------------------------------------------------------- the table

def empty_table(spark: SparkSession) -> DataFrame:
    """No rows, the raw table's schema with `year` as a column (where Spark and DuckDB find its type)."""
    return spark.createDataFrame([], ", ".join(f"`{n}` {t}" for n, t in LICENCES_COLUMNS + PARTITION_KEYS))


def has_partition_data(spark: SparkSession, out: str) -> bool:
    """Whether the table has a Parquet file under a `year=` partition."""
    path, fs = _hadoop(spark, out)
    if not fs.exists(path):
        return False
    it = fs.listFiles(path, True)
    while it.hasNext():
        p = it.next().getPath()
        if p.getName().endswith(".parquet") and "/year=" in p.toString():
            return True
    return False


def remove_root_files(spark: SparkSession, out: str) -> None:
    """Delete the files directly under the table folder: the empty-table file of a header-only load,
    which DuckDB would refuse next to `year=` partitions (Hive partition mismatch)."""
    path, fs = _hadoop(spark, out)
    if not fs.exists(path):
        return
    for status in fs.listStatus(path):
        if status.isFile() and not status.getPath().getName().startswith(("_", ".")):
            fs.delete(status.getPath(), False)


# --------------------------------------------------------------------------- job

def configure(spark: SparkSession) -> None:
    for k, v in SESSION_CONF.items():
        spark.conf.set(k, v)
    # Every pyspark.sql.functions call looks up `functions` (and many `PythonUtils`) by its short name:
    # py4j tries it in each package the gateway imports (org.apache.spark.sql.* is the sixth), searching
    # Spark's 250 jars for each; named imports of the classes it finds there anyway make that one search
    # (hundreds of calls a run, about 1.5 ms each saved).
    from py4j.java_gateway import java_import
    for name in ("org.apache.spark.sql.functions", "org.apache.spark.api.python.PythonUtils"):
        java_import(spark.sparkContext._jvm, name)


def table_uri(base: str, table: str = TABLE) -> str:
    return f"{base.rstrip('/')}/{DATASET}/{table}/"


def check_percent(value) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(f"--max_rejected_percent {value}: not a number (0 to 100)") from None
    if not 0.0 <= v <= 100.0:  # also NaN
        raise InputError(f"--max_rejected_percent {value}: must be from 0 to 100")
    return v


def run(spark: SparkSession, sources: list[str], target: str, quality_report: str | None,
        encoding: str | None = None, max_rejected_percent: float = DEFAULT_MAX_REJECTED_PERCENT,
        quality=None) -> dict:
    """Check the inputs, read, clean, dedupe, count; then write the table and the quality summary, or
    (LoadRefused) the quality summary only.

    `quality`: (table, DataFrame) -> that table's block of the summary's `quality` (dataquality.check_table),
    called on the kept rows before they are written; not called for a refused load (nothing is written).
    Without it the summary's `quality` is `{}`."""
    configure(spark)
    max_pct = check_percent(max_rejected_percent)
    codec = resolve_encoding(encoding)
    files = list_input_files(spark, sources)
    inputs = [inspect_input(spark, f, codec) for f in files]
    out = table_uri(target)
    df = deduplicate(clean_columns(read_landing(spark, inputs))).persist()
    try:
        counts = quality_summary(df, inputs)
        refused = judge(counts, max_pct)
        warnings = [f"{f.uri}: warning: header only, no data rows" for f in inputs
                    if counts["by_file"][f.key]["rows_read"]
                    == counts["by_file"][f.key]["rejected_by_reason"].get(REPEATED_HEADER, 0)]
        written = refused is None
        checked = {}
        if refused is None and quality is not None:   # the rows about to be written, from the cache
            checked[TABLE] = quality(TABLE, to_table(df.where(F.col("_reject").isNull())))
        if refused is None and counts["rows_kept"]:
            remove_root_files(spark, out)
            kept = to_table(df.where(F.col("_reject").isNull()))
            (kept.repartition("year").sortWithinPartitions("licence_number")
             .write.mode("overwrite").partitionBy("year").parquet(out))
        elif refused is None and not has_partition_data(spark, out):
            empty_table(spark).coalesce(1).write.mode("overwrite").parquet(out)
            warnings.append(f"{out}: warning: no data rows in the load: wrote an empty table")
        elif refused is None:
            written = False
            warnings.append(f"{out}: warning: no data rows in the load: the table keeps its partitions")
        report = {
            "job": "clean", "dataset": DATASET, "table": TABLE,
            "generated_at": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "outcome": "refused" if refused else "ok",
            "reason": refused,
            "max_rejected_percent": max_pct,
            "encoding_argument": encoding,
            "input_files": len(inputs),
            **counts,
            "warnings": warnings,
            "output": out,
            "table_written": written,
            "quality": checked,
        }
        # keep the historical order: counts, checks, files, years last
        for k in ("quality", "checks_on_kept_rows", "by_file", "by_year"):
            report[k] = report.pop(k)
        if quality_report:
            stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
            report["report_uri"] = f"{quality_report.rstrip('/')}/clean-{stamp}.json"
            write_text(spark, report["report_uri"], json.dumps(report, indent=2, sort_keys=False))
    finally:
        df.unpersist()
    if refused:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(counts["rejected_by_reason"].items()))
        raise LoadRefused(
            f"load refused: {refused} (rejected: {reasons or 'none'}; kept {counts['rows_kept']}); "
            f"the table was not written"
            + (f"; quality summary {report['report_uri']}" if quality_report else ""),
            ",".join(sources), report)
    return report


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
    """A local session whose JVM prints nothing at start-up (a log4j2 file with the root logger at
    WARN, as Spark's shell default, so Spark does not announce it; the console shows ERROR and above,
    or SPARK_LOG_LEVEL)."""
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


def _split(v: str) -> list[str]:
    return [s.strip() for s in v.split(",") if s.strip()]


def check_dataset(argv: list[str]) -> None:
    """The planner also passes --dataset; this script serves exactly one dataset."""
    if "--dataset" in argv[:-1]:
        value = argv[argv.index("--dataset") + 1]
        if value != DATASET:
            raise InputError(f"this job cleans dataset {DATASET!r}, not {value!r}")


def optional_arg(argv: list[str], name: str, default=None):
    """An optional job argument (`--name value` or `--name=value`): Glue's getResolvedOptions takes
    required ones only."""
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
        return dq.LocalRules(spark, rules_dir, quality_report, [TABLE]).check
    except (OSError, dq.DQDLError) as e:
        raise InputError(f"--quality_rules {rules_dir}: {e}") from None


def glue_quality(argv: list[str]):
    """The Glue wiring (dataquality.GlueRules) from the optional --quality_rulesets and
    --quality_metric_namespace, or None without --quality_rulesets (a deployment before the rules):
    then nothing is evaluated and a warning says so."""
    rulesets = optional_arg(argv, "quality_rulesets")
    if rulesets is None:
        print("clean: warning: no --quality_rulesets: the data-quality rules were not evaluated")
        return None
    return _dataquality().GlueRules(rulesets, optional_arg(argv, "quality_metric_namespace"), "clean")


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
    """Local PySpark: known errors are one line `clean: <file or source>: <message>` on stderr and
    exit code 2; anything else is a bug (traceback, exit code 1)."""
    try:
        check_dataset(argv)
        p = _ArgumentParser(prog="clean.py", description=__doc__.split("\n")[0])
        p.add_argument("--source", required=True, action="append",
                       help="landing file/folder URI; repeat or comma-separate")
        p.add_argument("--target", required=True, help="raw zone base URI / folder")
        p.add_argument("--quality_report", default=None, help="URI prefix / folder for the quality JSON")
        p.add_argument("--encoding", default=None,
                       help="Python codec name of the files that are not UTF-8 (windows-1252, latin-1, utf-16)")
        p.add_argument("--max_rejected_percent", default=str(DEFAULT_MAX_REJECTED_PERCENT),
                       help=f"refuse the load above this percentage of invalid rows (default {DEFAULT_MAX_REJECTED_PERCENT:g})")
        p.add_argument("--dataset", default=DATASET, help=f"must be {DATASET} (optional)")
        p.add_argument("--quality_rules", default=DEFAULT_QUALITY_RULES,
                       help="folder of the <table>.dqdl rulesets (default: the repository's "
                            "pipelines/quality/business-licences/)")
        a, _ = p.parse_known_args(argv[1:])
        percent = check_percent(a.max_rejected_percent)
        resolve_encoding(a.encoding)
        spark = local_spark("dap-clean")
        quality = local_quality(spark, a.quality_rules, a.quality_report)
        report = run(spark, [s for v in a.source for s in _split(v)], a.target, a.quality_report,
                     a.encoding, percent, quality)
    except InputError as e:
        print(f"clean: {e}", file=sys.stderr)
        raise SystemExit(EXIT_REFUSED) from None
    for w in report["warnings"]:
        print(f"clean: {w}", file=sys.stderr)
    print(json.dumps({k: report[k] for k in ("outcome", "rows_read", "rows_kept", "rows_rejected",
                                             "rejected_by_reason", "output")}, indent=2))
    for line in _dataquality().outcome_lines(report["quality"]):
        print(line)
    return report


def main_glue(argv: list[str], GlueContext, Job, getResolvedOptions) -> dict:
    """On Glue: errors are raised (the job run fails with the message); warnings go to the log."""
    from pyspark.context import SparkContext
    check_dataset(argv)
    args = getResolvedOptions(argv, ["JOB_NAME", "source", "target", "quality_report"])
    encoding = optional_arg(argv, "encoding")
    percent = check_percent(optional_arg(argv, "max_rejected_percent", DEFAULT_MAX_REJECTED_PERCENT))
    resolve_encoding(encoding)
    rules = glue_quality(argv)
    glue_context = GlueContext(SparkContext.getOrCreate())
    job = Job(glue_context)
    job.init(args["JOB_NAME"], args)
    report = run(glue_context.spark_session, _split(args["source"]), args["target"], args["quality_report"],
                 encoding, percent, rules.checker(glue_context) if rules else None)
    for w in report["warnings"]:
        print(f"clean: {w}")
    print(json.dumps(report))
    if rules:
        rules.finish(report["quality"], args["JOB_NAME"])   # the outcome lines, the metrics
    job.commit()
    return report


if __name__ == "__main__":
    main()
