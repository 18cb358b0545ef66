"""The lake (etl/lake.py): crawls as hive-partitioned Parquet, and the warehouse loaded from it incrementally."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from crawlers.items import content_hash
from etl import lake
from etl.load import load
from etl.warehouse import connect, table_fingerprints
from tests.conftest import REPO, read_items, run_crawl
from tests.etl.crawl_fixture import GOOD, OTHER, penalty, permit, write_crawl

SOURCES = ("zj_jxsthj_penalties", "nat_mee_permits")


def lake_counts(data: Path, table: str) -> list[tuple[str, str, int]]:
    return duckdb.sql(
        f"SELECT source, date::VARCHAR, count(*) FROM read_parquet('{data}/lake/{table}/**/*.parquet', "
        "hive_partitioning = true) GROUP BY ALL ORDER BY ALL").fetchall()


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def rewrite(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")


@pytest.fixture(scope="module")
def replica_crawl(tmp_path_factory: pytest.TempPathFactory, replay: dict[str, str]) -> Path:
    data = tmp_path_factory.mktemp("lake") / "data"
    run_crawl(data, *SOURCES, origins=replay)
    return data


def test_a_replica_crawl_lands_in_the_lake_by_source_and_date(replica_crawl: Path) -> None:
    data = replica_crawl
    # Exported when the crawl closed: the crawl process wrote the lake, nothing else did.
    assert sorted(p.relative_to(data / "lake").parts[:2] for p in data.glob("lake/*/*/*/*.parquet")) == [
        ("archive", "source=nat_mee_permits"), ("archive", "source=zj_jxsthj_penalties"),
        ("items", "source=nat_mee_permits"), ("items", "source=zj_jxsthj_penalties")]
    assert list((data / "lake" / "_staging").rglob("*.*")) == []
    days = {e["fetched_at"][:10] for p in data.glob("raw/*/*.index.jsonl") for e in lines(p)}
    assert len(days) == 1  # a crawl of seconds (one that spans midnight would write two partitions)
    day = days.pop()
    assert lake_counts(data, "items") == [("nat_mee_permits", day, 1203), ("zj_jxsthj_penalties", day, 55)]
    # every response archived, as many as the index has lines (retries make the number vary)
    assert lake_counts(data, "archive") == [
        (source, day, len(lines(next(data.glob(f"raw/{source}/*.index.jsonl"))))) for source in sorted(SOURCES)]
    crawls = {m["source"]: m for m in lake.manifests(data)}
    for source in SOURCES:
        items = read_items(data, source)
        # content_hash is stamped at the source (crawlers/pipelines.py ProvenancePipeline)
        assert all(i["content_hash"] == content_hash(i["fields"]) for i in items)
        assert crawls[source]["items"]["rows"] == len(items) and crawls[source]["errors"] == []
    schema = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{data}/lake/items/**/*.parquet', "
                        "hive_partitioning = true)").fetchall()
    assert [(c[0], c[1]) for c in schema] == [
        ("record_id", "VARCHAR"), ("content_hash", "VARCHAR"), ("kind", "VARCHAR"), ("url", "VARCHAR"),
        ("fetched_at", "TIMESTAMP"), ("crawl_id", "VARCHAR"), ("parser_version", "VARCHAR"),
        ("archive_digest", "VARCHAR"), ("warc", "VARCHAR"), ("warc_offset", "BIGINT"), ("fields", "JSON"),
        ("date", "DATE"), ("source", "VARCHAR")]
    # The partition columns live in the path only (as Spark and Trino expect of a hive layout).
    one = next(data.glob("lake/items/source=nat_mee_permits/date=*/*.parquet"))
    names = [r[0] for r in duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{one}', hive_partitioning = false)")
             .fetchall()]
    assert "source" not in names and "date" not in names
    assert lake.export_pending(data) == []  # nothing left to export


def test_loading_twice_from_the_lake_changes_nothing(replica_crawl: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    shutil.copytree(replica_crawl, data)
    monkeypatch.setenv("QINGTIAN_DATA", str(data))
    responses = sum(len(lines(p)) for p in data.glob("raw/*/*.index.jsonl"))
    first = load()
    assert (first.files, first.items_added, first.archive_added, first.load_id, first.errors) == (
        6, 1203 + 55, responses, 1, [])
    con = connect()
    before = table_fingerprints(con)
    con.close()
    again = load()
    assert (again.files, again.items_added, again.archive_added, again.load_id) == (0, 0, 0, None)
    con = connect()
    try:
        assert table_fingerprints(con) == before
        assert con.execute("SELECT load_id, files, items_added, archive_added FROM raw.loads").fetchall() == [
            (1, 6, 1258, responses)]
        assert con.execute("SELECT count(*) FROM raw.loaded_files WHERE path LIKE 'lake/%'").fetchall() == [(4,)]
    finally:
        con.close()


def test_a_new_crawl_adds_only_its_new_versions(data_dir: Path) -> None:
    write_crawl(data_dir, "nat_mee_permits", "c1", [permit(f"{GOOD}001P", "嘉兴恒瑞环保能源有限公司"),
                                                    permit(f"{OTHER}001C", "海宁泰丰纸业有限公司")])
    assert load().items_added == 2
    changed = permit(f"{OTHER}001C", "海宁泰丰纸业股份有限公司")
    write_crawl(data_dir, "nat_mee_permits", "c2", [permit(f"{GOOD}001P", "嘉兴恒瑞环保能源有限公司"), changed,
                                                    permit(f"{OTHER}002C", "海宁泰丰纸业有限公司")])
    result = load()
    assert (result.files, result.items_added, result.archive_added, result.load_id) == (3, 2, 3, 2)
    con = connect()
    try:
        rows = con.execute("SELECT record_id, crawl_id, load_id FROM raw.items ORDER BY ALL").fetchall()
    finally:
        con.close()
    assert rows == [(f"nat_mee_permits:{GOOD}001P", "c1", 1), (f"nat_mee_permits:{OTHER}001C", "c1", 1),
                    (f"nat_mee_permits:{OTHER}001C", "c2", 2), (f"nat_mee_permits:{OTHER}002C", "c2", 2)]


def test_equal_versions_in_one_load_are_stored_once_the_first_fetched(data_dir: Path) -> None:
    same = permit(f"{GOOD}001P", "嘉兴恒瑞环保能源有限公司")
    write_crawl(data_dir, "nat_mee_permits", "c2", [same, same])
    write_crawl(data_dir, "nat_mee_permits", "c1", [same])
    c2 = data_dir / "items" / "nat_mee_permits" / "c2.jsonl"
    rows = lines(c2)
    rows[1]["fetched_at"] = "2026-10-31T23:00:00Z"  # fetched before c1's copy
    rewrite(c2, rows)
    result = load()
    assert (result.items_added, result.archive_added) == (1, 3)
    con = connect()
    try:
        assert con.execute("SELECT crawl_id, warc_offset, fetched_at::VARCHAR FROM raw.items").fetchall() == [
            ("c2", rows[1]["archive"]["offset"], "2026-10-31 23:00:00")]
    finally:
        con.close()


def test_one_crawl_over_two_days_writes_two_partitions(data_dir: Path) -> None:
    write_crawl(data_dir, "zj_jxsthj_penalties", "c1", [
        penalty(f"嘉环罚〔2025〕{n}号", "嘉兴恒瑞环保能源有限公司", GOOD, 1000 * n) for n in range(1, 4)])
    items = data_dir / "items" / "zj_jxsthj_penalties" / "c1.jsonl"
    index = data_dir / "raw" / "zj_jxsthj_penalties" / "c1.index.jsonl"
    for path, rows in ((items, lines(items)), (index, lines(index))):
        rows[2]["fetched_at"] = "2026-11-02T00:00:05Z"
        if "archive" in rows[2]:
            rows[2]["archive"]["fetched_at"] = "2026-11-02T00:00:05Z"
        rewrite(path, rows)
    written = lake.export_crawl(data_dir, "zj_jxsthj_penalties", "c1")
    assert sorted(p.relative_to(data_dir).as_posix() for p in written) == [
        "lake/archive/source=zj_jxsthj_penalties/date=2026-11-01/c1.parquet",
        "lake/archive/source=zj_jxsthj_penalties/date=2026-11-02/c1.parquet",
        "lake/items/source=zj_jxsthj_penalties/date=2026-11-01/c1.parquet",
        "lake/items/source=zj_jxsthj_penalties/date=2026-11-02/c1.parquet"]
    assert lake_counts(data_dir, "items") == [("zj_jxsthj_penalties", "2026-11-01", 2),
                                              ("zj_jxsthj_penalties", "2026-11-02", 1)]
    # Items of older crawls carry no content_hash (write_crawl writes none): computed at export.
    hashes = duckdb.sql(f"SELECT record_id, content_hash FROM read_parquet('{data_dir}/lake/items/**/*.parquet') "
                        "ORDER BY 1").fetchall()
    assert hashes == sorted((r["record_id"], content_hash(r["fields"])) for r in lines(items))
    assert load().items_added == 3


def test_broken_lines_are_named_and_the_rest_is_exported(data_dir: Path) -> None:
    write_crawl(data_dir, "nat_mee_permits", "c1", [permit(f"{GOOD}00{n}P", "嘉兴恒瑞环保能源有限公司")
                                                    for n in range(1, 4)])
    items = data_dir / "items" / "nat_mee_permits" / "c1.jsonl"
    index = data_dir / "raw" / "nat_mee_permits" / "c1.index.jsonl"
    rows = lines(items)
    rows[1]["fetched_at"] = "yesterday"
    rewrite(items, rows)
    items.write_text(items.read_text(encoding="utf-8") + '{"record_id": "nat_mee_permits:broken', encoding="utf-8")
    entries = lines(index)
    del entries[0]["digest"]
    rewrite(index, entries)
    lake.export_crawl(data_dir, "nat_mee_permits", "c1")
    [crawl] = lake.manifests(data_dir)
    assert crawl["errors"] == [
        "items/nat_mee_permits/c1.jsonl:4: unreadable item (JSONDecodeError('Unterminated string starting at: "
        "line 1 column 15 (char 14)')); skipped",
        "items/nat_mee_permits/c1.jsonl:2: unreadable item (no valid fetched_at); skipped",
        "raw/nat_mee_permits/c1.index.jsonl:1: unreadable archive index line (KeyError('digest')); skipped"]
    assert (crawl["items"]["rows"], crawl["archive"]["rows"]) == (2, 2)
    result = load()
    assert (result.items_added, result.archive_added, result.errors) == (2, 2, crawl["errors"])
    assert load().errors == []  # reported with the load that read the crawl


OLD_RAW = """
CREATE SCHEMA raw;
CREATE TABLE raw.items (
    record_id VARCHAR NOT NULL, content_hash VARCHAR NOT NULL, source VARCHAR NOT NULL, kind VARCHAR NOT NULL,
    url VARCHAR NOT NULL, fetched_at TIMESTAMP NOT NULL, crawl_id VARCHAR NOT NULL, parser_version VARCHAR NOT NULL,
    archive_digest VARCHAR NOT NULL, warc VARCHAR NOT NULL, warc_offset BIGINT NOT NULL, fields JSON NOT NULL,
    load_id INTEGER NOT NULL, PRIMARY KEY (record_id, content_hash));
CREATE TABLE raw.archive (
    warc VARCHAR NOT NULL, warc_offset BIGINT NOT NULL, warc_length BIGINT NOT NULL, source VARCHAR NOT NULL,
    crawl_id VARCHAR NOT NULL, url VARCHAR NOT NULL, method VARCHAR NOT NULL, status INTEGER NOT NULL,
    content_type VARCHAR, size BIGINT NOT NULL, digest VARCHAR NOT NULL, fetched_at TIMESTAMP NOT NULL,
    load_id INTEGER NOT NULL, PRIMARY KEY (warc, warc_offset));
"""


def test_a_warehouse_made_by_the_old_schema_loads(data_dir: Path) -> None:
    first = permit(f"{GOOD}001P", "嘉兴恒瑞环保能源有限公司")
    write_crawl(data_dir, "nat_mee_permits", "c1", [first])
    data_dir.mkdir(exist_ok=True)
    old = duckdb.connect(str(data_dir / "warehouse.duckdb"))
    old.execute(OLD_RAW)
    # What the old loader stored of c1 (from the JSON Lines, before the lake): the same version.
    old.execute("INSERT INTO raw.items VALUES ('nat_mee_permits:' || ?, ?, 'nat_mee_permits', 'permit', 'u', "
                "TIMESTAMP '2026-11-01 08:00:00', 'c1', '1', 'd', 'nat_mee_permits/c1.warc.gz', 0, ?, 1)",
                [first[1], content_hash(first[2]), json.dumps(first[2])])
    old.close()
    write_crawl(data_dir, "nat_mee_permits", "c2", [first, permit(f"{OTHER}001C", "海宁泰丰纸业有限公司")])
    result = load()
    assert (result.items_added, result.archive_added) == (1, 3)
    con = connect()
    try:
        keys = con.execute("SELECT table_name, constraint_type FROM duckdb_constraints() WHERE schema_name = 'raw' "
                           "AND table_name IN ('items', 'archive') AND constraint_type <> 'NOT NULL'").fetchall()
        assert keys == []
        assert con.execute("SELECT record_id, load_id FROM raw.items ORDER BY 1").fetchall() == [
            (f"nat_mee_permits:{GOOD}001P", 1), (f"nat_mee_permits:{OTHER}001C", result.load_id)]
        before = table_fingerprints(con)
    finally:
        con.close()
    assert load().load_id is None
    con = connect()
    try:
        assert table_fingerprints(con) == before
    finally:
        con.close()


def _export_killed_at(data: Path, point: str) -> int:
    code = "import sys; from pathlib import Path; from etl import lake; lake.export_crawl(Path(sys.argv[1]), " \
           "'nat_mee_permits', 'c1')"
    env = {**os.environ, "QINGTIAN_CRASH_AT": point}
    return subprocess.run([sys.executable, "-c", code, str(data)], env=env, cwd=REPO, timeout=120).returncode


@pytest.mark.parametrize("point", ["lake.staged:1", "lake.placed:1"])
def test_a_killed_export_leaves_no_partial_parquet(data_dir: Path, point: str) -> None:
    write_crawl(data_dir, "nat_mee_permits", "c1", [permit(f"{GOOD}00{n}P", "嘉兴恒瑞环保能源有限公司")
                                                    for n in range(1, 4)])
    assert _export_killed_at(data_dir, point) == -signal.SIGKILL
    visible = sorted(p.relative_to(data_dir).as_posix() for p in data_dir.glob("lake/[!_]*/**/*.parquet"))
    # Whole files only: staged ones are out of sight; one placed before the kill is complete and readable…
    assert visible == ([] if point == "lake.staged:1" else
                       ["lake/items/source=nat_mee_permits/date=2026-11-01/c1.parquet"])
    for path in visible:
        assert duckdb.sql(f"SELECT count(*) FROM read_parquet('{data_dir / path}')").fetchall() == [(3,)]
    # …but without its manifest the crawl is not in the lake: the next load exports it again, then loads it.
    assert lake.manifests(data_dir) == []
    result = load()
    assert (result.items_added, result.archive_added) == (3, 3)
    assert lake_counts(data_dir, "items") == [("nat_mee_permits", "2026-11-01", 3)]
    assert list((data_dir / "lake" / "_staging").rglob("*.*")) == []  # the killed export's leftovers are gone


def test_a_running_crawl_is_not_exported(data_dir: Path) -> None:
    write_crawl(data_dir, "nat_mee_permits", "c1", [permit(f"{GOOD}001P", "嘉兴恒瑞环保能源有限公司")])
    items = data_dir / "items" / "nat_mee_permits" / "c1.jsonl"
    items.rename(items.with_suffix(".jsonl.part"))
    assert lake.export_pending(data_dir) == []
    with pytest.raises(lake.LakeError, match=r"nat_mee_permits/c1: the crawl has not closed"):
        lake.export_crawl(data_dir, "nat_mee_permits", "c1")
    assert load().load_id is None
