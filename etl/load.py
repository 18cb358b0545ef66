"""`qingtian load`: crawl output → the lake (etl/lake.py: items and archive index as Parquet) → raw → staging
→ marts; crawl reports are read as they are (JSON).

Incremental and idempotent: a lake file or report already read is skipped (raw.loaded_files: path and sha256),
a record version (record_id, content_hash) or archived response (warc, warc_offset) already stored is skipped
by an anti-join, and a load that adds nothing records nothing. No Python per row: DuckDB inserts the new rows
of every new Parquet file at once. Each load runs in one transaction: a failure leaves the warehouse as it was.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from crawlers import paths
from crawlers.items import content_hash as content_hash  # re-exported: its home was here
from etl import crashpoint, lake, regions
from etl.warehouse import WAREHOUSE, connect, run_models, scalar

SCHEMA = WAREHOUSE / "schema.sql"

log = logging.getLogger(__name__)


@dataclass
class LoadResult:
    load_id: int | None
    files: int = 0
    items_added: int = 0
    archive_added: int = 0
    errors: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _pending(con: duckdb.DuckDBPyConnection, data: Path) -> tuple[list[tuple[Path, str, str]], list[str]]:
    """Lake files and crawl reports not yet loaded (or changed since): (path, path relative to data, sha256);
    and the export errors of the crawls they belong to."""
    known = dict(con.execute("SELECT path, sha256 FROM raw.loaded_files").fetchall())
    # Only crawls whose manifest is written: their files are all in place (etl/lake.py).
    candidates = [data / f for m in lake.manifests(data) for table in ("items", "archive") for f in m[table]["files"]]
    candidates += [p for p in data.glob("items/*/*.report.json")
                   if not lake.unfinished(data, p.parent.name, p.name.removesuffix(".report.json"))]
    pending, errors = [], []
    for path in sorted(candidates):
        rel = path.relative_to(data).as_posix()
        digest = _sha256(path)
        if known.get(rel) != digest:
            pending.append((path, rel, digest))
    touched = {rel for _, rel, _ in pending}
    for m in lake.manifests(data):
        if touched & {*m["items"]["files"], *m["archive"]["files"]}:
            errors += m["errors"]
    return pending, errors


def _unkeyed(con: duckdb.DuckDBPyConnection) -> None:
    """Warehouses made before the lake keyed raw.items and raw.archive with a PRIMARY KEY: rebuilt once without
    it, their rows kept. (Its ART index made a 10,000,000-item insert 8 times slower, 158 s against 20 s, held
    6 GB, and tripled the file.)"""
    keyed = [t for (t,) in con.execute(
        "SELECT table_name FROM duckdb_constraints() WHERE schema_name = 'raw' "
        "AND table_name IN ('items', 'archive') AND constraint_type = 'PRIMARY KEY' ORDER BY 1").fetchall()]
    for table in keyed:
        con.execute(f"ALTER TABLE raw.{table} RENAME TO {table}_keyed")
    if keyed:
        con.execute(SCHEMA.read_text(encoding="utf-8"))
    for table in keyed:
        con.execute(f"INSERT INTO raw.{table} BY NAME SELECT * FROM raw.{table}_keyed")
        con.execute(f"DROP TABLE raw.{table}_keyed")


# raw table → (its columns from the lake, its key). A row whose key is stored already is skipped; of equal keys
# among the new rows the first fetched is kept (the remaining columns only break ties, so the choice never
# depends on the order rows are read in).
RAW_TABLES = {
    "items": (("record_id", "content_hash", "source", "kind", "url", "fetched_at", "crawl_id", "parser_version",
               "archive_digest", "warc", "warc_offset", "fields"), ("record_id", "content_hash"),
              "fetched_at, crawl_id, warc, warc_offset, url, kind, parser_version, archive_digest, fields::VARCHAR"),
    "archive": (("warc", "warc_offset", "warc_length", "source", "crawl_id", "url", "method", "status",
                 "content_type", "size", "digest", "fetched_at"), ("warc", "warc_offset"),
                "fetched_at, crawl_id, url, method, status, digest, size, warc_length, content_type, source"),
}


def _insert_lake(con: duckdb.DuckDBPyConnection, table: str, files: list[Path], load_id: int) -> int:
    """Set operations only: the new rows of `files` (an anti-join on the key), then duplicates among them
    removed (found by a hash of the key, confirmed on the key itself)."""
    if not files:
        return 0
    columns, key, first = RAW_TABLES[table]
    on = " AND ".join(f"o.{k} = n.{k}" for k in key)
    # zstd for the new row groups: DuckDB's default choice among compressions costs twice the time on these
    # high-entropy strings (hashes, record ids, fields) and stores them larger. Reset after: the models choose.
    con.execute("SET force_compression = 'zstd'")
    inserted = int(con.execute(
        f"INSERT INTO raw.{table} ({', '.join(columns)}, load_id) "
        f"SELECT {', '.join(f'n.{c}' for c in columns)}, ? "
        "FROM read_parquet(?, hive_partitioning = true, hive_types = {'source': VARCHAR, 'date': DATE}) n "
        f"ANTI JOIN raw.{table} o ON {on}",
        [load_id, [str(f) for f in files]],
    ).fetchall()[0][0])
    keys = ", ".join(key)
    removed = int(con.execute(
        f"WITH twice AS (SELECT hash({keys}) AS h FROM raw.{table} WHERE load_id = ? GROUP BY h HAVING count(*) > 1) "
        f"DELETE FROM raw.{table} WHERE rowid IN (SELECT rowid FROM raw.{table} WHERE load_id = ? "
        f"AND hash({keys}) IN (SELECT h FROM twice) "
        f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {first}) > 1)",
        [load_id, load_id],
    ).fetchall()[0][0])
    con.execute("RESET force_compression")
    return inserted - removed


def _insert_report(con: duckdb.DuckDBPyConnection, path: Path, load_id: int) -> None:
    report = json.loads(path.read_text(encoding="utf-8"))
    con.execute("INSERT OR IGNORE INTO raw.crawl_reports VALUES (?, ?, ?, ?, ?, ?)", [
        report["crawl_id"], report["source"], report.get("finished"), bool(report.get("ok")),
        json.dumps(report, ensure_ascii=False), load_id])


def load(data: Path | None = None, db_path: Path | None = None, models: bool = True) -> LoadResult:
    """Export closed crawls not yet in the lake, then load the lake's new files (and new crawl reports).
    `models=False` leaves the staging → marts models to the caller (`qingtian bench load` times them apart)."""
    data = data or paths.data_dir()
    _, export_errors = lake._export_pending(data)
    con = connect(db_path)
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("BEGIN TRANSACTION")
        _unkeyed(con)
        regions.ensure_seed(con)
        pending, errors = _pending(con, data)
        load_id = int(scalar(con, "SELECT coalesce(max(load_id), 0) + 1 FROM raw.loads"))  # type: ignore[call-overload]
        result = LoadResult(load_id=None, files=len(pending), errors=list(dict.fromkeys([*export_errors, *errors])))
        by_table: dict[str, list[Path]] = {"items": [], "archive": [], "report": []}
        for path, rel, _ in pending:
            by_table["report" if path.name.endswith(".report.json") else rel.split("/")[1]].append(path)
        result.items_added = _insert_lake(con, "items", by_table["items"], load_id)
        for _ in by_table["items"]:
            crashpoint.reached("load.file")
        result.archive_added = _insert_lake(con, "archive", by_table["archive"], load_id)
        for _ in by_table["archive"]:
            crashpoint.reached("load.file")
        for path in by_table["report"]:
            _insert_report(con, path, load_id)
            crashpoint.reached("load.file")
        if pending:
            con.executemany(
                "INSERT OR REPLACE INTO raw.loaded_files VALUES (?, ?, coalesce("
                "(SELECT load_id FROM raw.loaded_files WHERE path = ?), ?))",
                [[rel, digest, rel, load_id] for _, rel, digest in pending],
            )
        if result.items_added or result.archive_added:
            con.execute(
                "INSERT INTO raw.loads VALUES (?, ?, ?, ?, ?)",
                [load_id, datetime.now(UTC).replace(tzinfo=None), len(pending), result.items_added,
                 result.archive_added],
            )
            result.load_id = load_id
        if models:
            run_models(con)
        crashpoint.reached("load.commit")
        con.execute("COMMIT")
        crashpoint.reached("load.committed")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    for error in result.errors:
        log.error(error)
    return result
