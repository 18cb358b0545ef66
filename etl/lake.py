"""The lake: every closed crawl's items and archive index as Parquet, the interchange any engine reads in place.

    data/lake/items/source=<source>/date=<YYYY-MM-DD>/<crawl_id>.parquet
    data/lake/archive/source=<source>/date=<YYYY-MM-DD>/<crawl_id>.parquet
    data/lake/_crawls/<source>/<crawl_id>.json    the crawl is in the lake: its files, rows, errors, inputs

Hive layout: `source` and `date` (the UTC day each row was fetched, so one crawl may write several days) live
in the path only. DuckDB reads the lake with `read_parquet('data/lake/items/**/*.parquet', hive_partitioning =
true)`, Spark and Trino as a table partitioned by (source, date). Files are zstd-compressed, written under
`data/lake/_staging/` and renamed into place, so no reader ever sees half a file; the crawl's manifest in
`_crawls/` is written last, and the loader (etl/load.py) reads only crawls that have one. Folders starting with
`_` are not data to Hive-style readers.

The columns below are the lake's schema: stable, documented here, only ever extended at the end.

A crawl is exported when it closes (crawlers/archive.py, crawlers/hj212_listener.py) and by `qingtian load`
for any closed crawl not yet in the lake, or changed since (older data folders). An unreadable line is an error
naming the file and line; the rest is exported. Items without `content_hash` (crawled before it was stamped
at the source) get it computed here.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from crawlers.items import content_hash
from etl import crashpoint

log = logging.getLogger(__name__)

LAKE = "lake"
# Parquet column → (type, its expression over a JSON line read by `read_json`, a description).
ITEM_COLUMNS: dict[str, tuple[str, str, str]] = {
    "record_id": ("VARCHAR", "record_id", "`<source>:<publisher's key>`"),
    "content_hash": ("VARCHAR", "content_hash", "sha256 of the fields without `*_url` ones: the record version"),
    "kind": ("VARCHAR", "kind", "record kind (permit, penalty, monitoring_value, …)"),
    "url": ("VARCHAR", "url", "the page the record was parsed from"),
    "fetched_at": ("TIMESTAMP", "TRY_CAST(fetched_at AS TIMESTAMP)", "when that page was fetched (UTC)"),
    "crawl_id": ("VARCHAR", "crawl_id", "the crawl (or HJ 212 listen) that produced it"),
    "parser_version": ("VARCHAR", "parser_version", "the spider's parser version"),
    "archive_digest": ("VARCHAR", "archive.digest", "sha256 of the archived response body"),
    "warc": ("VARCHAR", "archive.warc", "WARC file holding the response, relative to data/raw"),
    "warc_offset": ("BIGINT", 'TRY_CAST(archive."offset" AS BIGINT)', "byte offset of the WARC record"),
    "fields": ("JSON", "fields", "the record's fields, JSON text"),
}
ARCHIVE_COLUMNS: dict[str, tuple[str, str, str]] = {
    "warc": ("VARCHAR", "warc", "WARC file, relative to data/raw"),
    "warc_offset": ("BIGINT", 'TRY_CAST("offset" AS BIGINT)', "byte offset of the record"),
    "warc_length": ("BIGINT", "TRY_CAST(length AS BIGINT)", "bytes of the (gzipped) record"),
    "crawl_id": ("VARCHAR", "crawl_id", "the crawl"),
    "url": ("VARCHAR", "url", "the URL fetched (hj212://… for a data logger's frame)"),
    "method": ("VARCHAR", "method", "GET, POST, or TCP (HJ 212)"),
    "status": ("INTEGER", "TRY_CAST(status AS INTEGER)", "HTTP status (HJ 212: 200 parsed, 400 refused, 413 too long)"),
    "content_type": ("VARCHAR", "content_type", "Content-Type header (NULL: none)"),
    "size": ("BIGINT", "TRY_CAST(size AS BIGINT)", "bytes of the response body"),
    "digest": ("VARCHAR", "digest", "sha256 of the body"),
    "fetched_at": ("TIMESTAMP", "TRY_CAST(fetched_at AS TIMESTAMP)", "when it was fetched (UTC)"),
}
OPTIONAL = {"content_type"}  # every other column is required: a row without it is an error, not exported


@dataclass(frozen=True)
class _Table:
    name: str  # items | archive
    columns: dict[str, tuple[str, str, str]]
    json_columns: dict[str, str]  # what read_json reads (text as VARCHAR: the casts above decide)
    what: str  # in error messages

    def select(self, extra: str = "") -> str:
        exprs = [f"{expr} AS {name}" for name, (_, expr, _) in self.columns.items()]
        date = f"CAST({self.columns['fetched_at'][1]} AS DATE) AS date"
        return f"SELECT {', '.join(exprs)}, source, {date}{extra}"

    def bad(self) -> str:
        """SQL condition: the row misses a required value."""
        return " OR ".join(f"{name} IS NULL" for name in [*self.columns, "source"] if name not in OPTIONAL)


ITEMS = _Table("items", ITEM_COLUMNS, {
    "record_id": "VARCHAR", "content_hash": "VARCHAR", "source": "VARCHAR", "kind": "VARCHAR", "url": "VARCHAR",
    "fetched_at": "VARCHAR", "crawl_id": "VARCHAR", "parser_version": "VARCHAR",
    "archive": 'STRUCT(warc VARCHAR, "offset" VARCHAR, digest VARCHAR)', "fields": "JSON",
}, "item")
ARCHIVE = _Table("archive", ARCHIVE_COLUMNS, {
    "warc": "VARCHAR", "offset": "VARCHAR", "length": "VARCHAR", "source": "VARCHAR", "crawl_id": "VARCHAR",
    "url": "VARCHAR", "method": "VARCHAR", "status": "VARCHAR", "content_type": "VARCHAR", "size": "VARCHAR",
    "digest": "VARCHAR", "fetched_at": "VARCHAR",
}, "archive index line")


class LakeError(Exception):
    pass


def lake_dir(data: Path) -> Path:
    return data / LAKE


def manifest_path(data: Path, source: str, crawl_id: str) -> Path:
    return lake_dir(data) / "_crawls" / source / f"{crawl_id}.json"


def _inputs(data: Path, source: str, crawl_id: str) -> dict[str, Path]:
    return {"items": data / "items" / source / f"{crawl_id}.jsonl",
            "archive": data / "raw" / source / f"{crawl_id}.index.jsonl"}


def unfinished(data: Path, source: str, crawl_id: str) -> bool:
    """While `<crawl_id>.jsonl.part` is there, the crawl is running or was killed: it is never exported (a
    re-crawl fetches again)."""
    return (data / "items" / source / f"{crawl_id}.jsonl.part").exists()


def _stamp(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    # Row order within a file carries no meaning (the loader orders what it compares); partitions are flushed to
    # their files every 100,000 rows, so memory stays flat however large the crawl (at DuckDB's defaults a
    # partitioned write of 1,000,000 items held 2.8 GB).
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET partitioned_write_flush_threshold = 100000")
    return con


def _copy(con: duckdb.DuckDBPyConnection, query: str, target: Path) -> None:
    con.execute(
        f"COPY ({query}) TO '{target}' "
        "(FORMAT parquet, COMPRESSION zstd, PARTITION_BY (source, date), WRITE_PARTITION_COLUMNS false, "
        "FILENAME_PATTERN 'part_{i}', OVERWRITE)"
    )


def _read_json(path: Path, table: _Table, extra: dict[str, str] | None = None) -> str:
    columns = {**table.json_columns, **(extra or {})}
    spec = "{" + ", ".join(f"'{k}': '{v}'" for k, v in columns.items()) + "}"
    quoted = str(path).replace("'", "''")
    return f"read_json('{quoted}', format = 'newline_delimited', columns = {spec})"


def _parquet_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.parquet")) if folder.exists() else []


def _export_fast(con: duckdb.DuckDBPyConnection, table: _Table, path: Path, source: str, target: Path) -> bool:
    """DuckDB alone, for a file whose every line is whole and complete (the usual case); False otherwise."""
    try:
        _copy(con, f"{table.select()} FROM {_read_json(path, table)}", target)
    except duckdb.Error:
        return False
    files = _parquet_files(target)
    if not files:
        return True
    # A row of another source, or without a time, went to another partition.
    if {(p.parent.parent.name, p.parent.name == "date=NULL") for p in files} != {(f"source={source}", False)}:
        return False
    required = [name for name in table.columns if name not in OPTIONAL]
    # The files' statistics count the nulls per column: no need to read them again.
    nulls = con.execute(
        "SELECT count(*) FILTER (WHERE stats_null_count IS NULL), coalesce(sum(stats_null_count), 0) "
        "FROM parquet_metadata(?) WHERE path_in_schema IN ?",
        [[str(f) for f in files], required],
    ).fetchall()[0]
    if nulls[0]:
        nulls = con.execute(
            "SELECT 0, count(*) FROM read_parquet(?, hive_partitioning = false) WHERE "
            + " OR ".join(f"{name} IS NULL" for name in required), [[str(f) for f in files]]).fetchall()[0]
    return bool(nulls[1] == 0)


def _clean_line(table: _Table, raw: bytes) -> dict[str, Any]:
    """One line read as the old loader read it (the same errors), reduced to the columns read_json reads."""
    entry = json.loads(raw)
    if table is ITEMS:
        archive = entry["archive"]
        row = {k: entry[k] for k in ("record_id", "source", "kind", "url", "fetched_at", "crawl_id",
                                     "parser_version", "fields")}
        row["archive"] = {"warc": archive["warc"], "offset": archive["offset"], "digest": archive["digest"]}
        row["content_hash"] = entry.get("content_hash") or content_hash(entry["fields"])
        return row
    row = {k: entry[k] for k in ("warc", "offset", "length", "source", "crawl_id", "url", "method", "status",
                                 "size", "digest", "fetched_at")}
    row["content_type"] = entry.get("content_type")
    return row


def _export_slow(con: duckdb.DuckDBPyConnection, table: _Table, path: Path, rel: str, source: str, target: Path,
                 errors: list[str]) -> None:
    """Line by line in Python: names every unreadable line, computes missing content hashes, exports the rest."""
    shutil.rmtree(target, ignore_errors=True)
    clean = target.parent / f"{table.name}.clean.jsonl"
    with path.open("rb") as lines, clean.open("w", encoding="utf-8") as out:
        for number, raw in enumerate(lines, 1):
            try:
                row = _clean_line(table, raw)
                if row["source"] != source:
                    raise ValueError(f"source {row['source']!r} in a crawl of {source}")
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                # A crawl killed mid-write leaves a partial last line; the rest of the file is still good.
                errors.append(f"{rel}:{number}: unreadable {table.what} ({exc!r}); skipped")
                continue
            out.write(json.dumps({**row, "_line": number}, ensure_ascii=False) + "\n")
    reader = _read_json(clean, table, {"_line": "BIGINT"})
    # Values of the wrong type or missing (a time that is no time, an offset that is no number, a null).
    projected = f"({table.select(', _line')} FROM {reader})"
    rows = con.execute(f"SELECT * FROM {projected} WHERE {table.bad()} ORDER BY _line").fetchall()
    names = [*table.columns, "source", "date", "_line"]
    for row in rows:
        values = dict(zip(names, row, strict=True))
        missing = [n for n in (*table.columns, "source") if values[n] is None and n not in OPTIONAL]
        errors.append(f"{rel}:{values['_line']}: unreadable {table.what} (no valid {', '.join(missing)}); skipped")
    _copy(con, f"SELECT * EXCLUDE (_line) FROM {projected} WHERE NOT ({table.bad()}) ORDER BY _line", target)
    clean.unlink()


def _clear_stale_staging(staging: Path, crawl_id: str) -> None:
    for folder in staging.glob(f"{crawl_id}.*"):
        try:
            os.kill(int(folder.suffix[1:]), 0)
        except (ValueError, ProcessLookupError):
            shutil.rmtree(folder, ignore_errors=True)
        except PermissionError:
            pass


def export_crawl(data: Path, source: str, crawl_id: str) -> list[Path]:
    """Export one closed crawl's items and archive index to the lake; returns the Parquet files written."""
    return _export(data, source, crawl_id)[0]


def _export(data: Path, source: str, crawl_id: str) -> tuple[list[Path], list[str]]:
    if unfinished(data, source, crawl_id):
        raise LakeError(f"{source}/{crawl_id}: the crawl has not closed (items/{source}/{crawl_id}.jsonl.part)")
    lake = lake_dir(data)
    staging_root = lake / "_staging" / source
    staging_root.mkdir(parents=True, exist_ok=True)
    _clear_stale_staging(staging_root, crawl_id)
    staging = staging_root / f"{crawl_id}.{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    inputs = {name: path for name, path in _inputs(data, source, crawl_id).items() if path.exists()}
    errors: list[str] = []
    manifest: dict[str, Any] = {"source": source, "crawl_id": crawl_id, "inputs": {}, "errors": errors}
    placed: list[Path] = []
    try:
        con = _connection()
        try:
            staged: dict[str, list[Path]] = {}
            for table in (ITEMS, ARCHIVE):
                path = inputs.get(table.name)
                target = staging / table.name
                if path is None:
                    staged[table.name] = []
                    continue
                rel = path.relative_to(data).as_posix()
                manifest["inputs"][rel] = _stamp(path)
                if not _export_fast(con, table, path, source, target):
                    _export_slow(con, table, path, rel, source, target, errors)
                staged[table.name] = _parquet_files(target)
            crashpoint.reached("lake.staged")
            manifest_path(data, source, crawl_id).unlink(missing_ok=True)  # re-exported: not in the lake meanwhile
            for table in (ITEMS, ARCHIVE):
                folder = lake / table.name / f"source={source}"
                for old in [*folder.glob(f"date=*/{crawl_id}.parquet"), *folder.glob(f"date=*/{crawl_id}-*.parquet")]:
                    old.unlink()
                files = []
                for part in staged[table.name]:
                    date = part.parent.name
                    number = int(part.stem.removeprefix("part_"))
                    final = folder / date / (f"{crawl_id}.parquet" if number == 0 else f"{crawl_id}-{number}.parquet")
                    final.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(part, final)
                    placed.append(final)
                    crashpoint.reached("lake.placed")
                    files.append(final.relative_to(data).as_posix())
                manifest[table.name] = {"files": files, "rows": _rows(con, [data / f for f in files])}
        finally:
            con.close()
        final_manifest = manifest_path(data, source, crawl_id)
        final_manifest.parent.mkdir(parents=True, exist_ok=True)
        temporary = staging / "manifest.json"
        temporary.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(temporary, final_manifest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for error in errors:
        log.error(error)
    return placed, errors


def _rows(con: duckdb.DuckDBPyConnection, files: list[Path]) -> int:
    if not files:
        return 0
    return int(con.execute("SELECT sum(num_rows) FROM parquet_file_metadata(?)",
                           [[str(f) for f in files]]).fetchall()[0][0])


def closed_crawls(data: Path) -> list[tuple[str, str]]:
    """(source, crawl_id) of every crawl whose items or archive index is there and which has closed."""
    found = {(p.parent.name, p.name.removesuffix(".jsonl")) for p in data.glob("items/*/*.jsonl")}
    found |= {(p.parent.name, p.name.removesuffix(".index.jsonl")) for p in data.glob("raw/*/*.index.jsonl")}
    crawls = []
    for source, crawl_id in sorted(found):
        if unfinished(data, source, crawl_id):
            log.info("%s/%s: the crawl has not closed (running, or killed): not exported", source, crawl_id)
            continue
        crawls.append((source, crawl_id))
    return crawls


def manifest(data: Path, source: str, crawl_id: str) -> dict[str, Any] | None:
    path = manifest_path(data, source, crawl_id)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def _current(data: Path, source: str, crawl_id: str) -> bool:
    """The crawl is in the lake and its files have not changed since."""
    known = manifest(data, source, crawl_id)
    if known is None:
        return False
    now = {path.relative_to(data).as_posix(): _stamp(path)
           for path in _inputs(data, source, crawl_id).values() if path.exists()}
    return bool(known["inputs"] == now)


def export_pending(data: Path) -> list[Path]:
    """Export every closed crawl not yet in the lake (or changed since); returns the Parquet files written."""
    return _export_pending(data)[0]


def _export_pending(data: Path) -> tuple[list[Path], list[str]]:
    written: list[Path] = []
    errors: list[str] = []
    for source, crawl_id in closed_crawls(data):
        if not _current(data, source, crawl_id):
            files, found = _export(data, source, crawl_id)
            written += files
            errors += found
    return written, errors


def manifests(data: Path) -> list[dict[str, Any]]:
    """Every crawl in the lake, as its manifest says."""
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(lake_dir(data).glob("_crawls/*/*.json"))]
