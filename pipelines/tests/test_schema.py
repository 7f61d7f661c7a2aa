"""pipelines/schema/business_licences.json is the single source of truth: the jobs' embedded
schemas and the Parquet they write must match it exactly (names, order, types)."""
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import ATHENA, DATASET, clean, curate

GLUE_TYPES = {"string", "bigint", "int", "double", "date", "timestamp", "boolean"}
DECIMAL = re.compile(r"^decimal\((\d+),(\d+)\)$")


def arrow_type(glue_type: str) -> pa.DataType:
    m = DECIMAL.match(glue_type)
    if m:
        return pa.decimal128(int(m.group(1)), int(m.group(2)))
    return {"string": pa.string(), "bigint": pa.int64(), "int": pa.int32(), "double": pa.float64(),
            "date": pa.date32(), "timestamp": pa.timestamp("us", tz="UTC"), "boolean": pa.bool_()}[glue_type]


def columns(table: dict) -> list[tuple[str, str]]:
    return [(c["name"], c["type"]) for c in table["columns"]]


def test_schema_file_is_well_formed(schema):
    assert schema["dataset"] == DATASET
    names = [t["name"] for t in schema["tables"]]
    assert len(names) == len(set(names))
    for t in schema["tables"]:
        assert set(t) == {"name", "zone", "description", "columns", "partition_keys"}, t["name"]
        assert t["zone"] in {"raw", "curated"}
        assert re.fullmatch(r"[a-z][a-z0-9_]*", t["name"])
        assert t["description"].strip()
        cols = t["columns"] + t["partition_keys"]
        assert len({c["name"] for c in cols}) == len(cols), f"duplicate column in {t['name']}"
        for c in cols:
            assert set(c) == {"name", "type", "comment"}
            assert re.fullmatch(r"[a-z][a-z0-9_]*", c["name"]), c["name"]
            assert c["type"] in GLUE_TYPES or DECIMAL.match(c["type"]), c["type"]
            assert c["comment"].strip()


def test_raw_table_is_licences_partitioned_by_year(tables):
    lic = tables["licences"]
    assert lic["zone"] == "raw"
    assert lic["partition_keys"] == [
        {"name": "year", "type": "int", "comment": "licence folder year, four digits"}]
    types = dict(columns(lic))
    assert types["issued_date"] == "timestamp" and types["expired_date"] == "date"
    assert types["longitude"] == types["latitude"] == "double"
    assert types["licence_rsn"] == "bigint"


def test_clean_job_embeds_the_schema(tables):
    assert clean.LICENCES_COLUMNS == columns(tables["licences"])
    assert clean.PARTITION_KEYS == [(k["name"], k["type"]) for k in tables["licences"]["partition_keys"]]
    assert clean.DATASET == curate.DATASET == DATASET


def test_curate_job_embeds_the_schema(tables):
    curated = {n: t for n, t in tables.items() if t["zone"] == "curated"}
    assert set(curate.TABLES) == set(curated)
    for name, cols in curate.TABLES.items():
        assert cols == columns(curated[name]), name
        assert curated[name]["partition_keys"] == []


def test_jobs_agree_on_local_areas():
    assert curate.LOCAL_AREAS == clean.LOCAL_AREAS and len(clean.LOCAL_AREAS) == 22


def test_every_curated_table_is_queried(tables):
    sql = " ".join(p.read_text() for p in ATHENA.glob("*.sql"))
    for name, t in tables.items():
        if t["zone"] == "curated":
            assert re.search(rf"\bFROM\s+{name}\b", sql), name


def _parquet_files(base: Path, table: str) -> list[Path]:
    files = sorted((base / DATASET / table).rglob("*.parquet"))
    assert files, f"no parquet written for {table}"
    return files


def test_raw_parquet_schema_equals_json(full_run, tables):
    expected = pa.schema([(n, arrow_type(t)) for n, t in columns(tables["licences"])])
    root = full_run.raw / DATASET / "licences"
    for f in _parquet_files(full_run.raw, "licences"):
        got = pq.read_schema(f)
        assert got.names == expected.names, f
        assert [fld.type for fld in got] == [fld.type for fld in expected], f
        # Hive-style partition folder year=YYYY, partition key not stored in the files
        part = f.relative_to(root).parts
        assert len(part) == 2 and re.fullmatch(r"year=(19|20)\d\d", part[0]), part
        assert re.fullmatch(r"part-.*\.parquet", part[1])


@pytest.mark.parametrize("table", sorted(curate.TABLES))
def test_curated_parquet_schema_equals_json(full_run, tables, table):
    expected = pa.schema([(n, arrow_type(t)) for n, t in columns(tables[table])])
    for f in _parquet_files(full_run.curated, table):
        got = pq.read_schema(f)
        assert got.names == expected.names
        assert [fld.type for fld in got] == [fld.type for fld in expected]
        assert f.parent == full_run.curated / DATASET / table  # unpartitioned
