"""`qingtian load`: crawl output (items, archive index, crawl reports) → raw → staging → marts.

Idempotent: a file already read is skipped, a record version already stored is skipped, and a load that
adds nothing records nothing. Each load runs in one transaction: a failure leaves the warehouse as it was.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from crawlers import paths
from etl import crashpoint, regions
from etl.warehouse import connect, run_models, scalar

log = logging.getLogger(__name__)


@dataclass
class LoadResult:
    load_id: int | None
    files: int = 0
    items_added: int = 0
    archive_added: int = 0
    errors: list[str] = field(default_factory=list)


def content_hash(fields: dict[str, Any]) -> str:
    """What makes a record version new. Fields named `*_url` are provenance, not content: a document that
    moved (or a replica on another port) is the same record, so they are left out."""
    content = {k: v for k, v in fields.items() if not k.endswith("_url")}
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _pending(con: duckdb.DuckDBPyConnection, data: Path) -> list[tuple[Path, str, str]]:
    """Crawl files not yet loaded (or changed since): (path, path relative to data, sha256)."""
    known = dict(con.execute("SELECT path, sha256 FROM raw.loaded_files").fetchall())
    candidates = sorted(
        [*data.glob("items/*/*.jsonl"), *data.glob("raw/*/*.index.jsonl"), *data.glob("items/*/*.report.json")]
    )
    pending = []
    for path in candidates:
        rel = path.relative_to(data).as_posix()
        if path.name.endswith(".index.jsonl") and _unfinished(data, path):
            log.info("%s: its crawl has not closed (running, or killed): not loaded", rel)
            continue
        digest = _sha256(path)
        if known.get(rel) != digest:
            pending.append((path, rel, digest))
    return pending


def _unfinished(data: Path, index: Path) -> bool:
    """A crawl's archive index is loaded with its items, once the crawl closed: while `<crawl_id>.jsonl.part`
    is there, the crawl is running or was killed (its items are never loaded; a re-crawl fetches again)."""
    crawl_id = index.name.removesuffix(".index.jsonl")
    return (data / "items" / index.parent.name / f"{crawl_id}.jsonl.part").exists()


def _item_rows(path: Path, rel: str, errors: list[str]) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            item = json.loads(line)
            archive = item["archive"]
            rows.append({
                "record_id": item["record_id"],
                "content_hash": content_hash(item["fields"]),
                "source": item["source"],
                "kind": item["kind"],
                "url": item["url"],
                "fetched_at": item["fetched_at"],
                "crawl_id": item["crawl_id"],
                "parser_version": item["parser_version"],
                "archive_digest": archive["digest"],
                "warc": archive["warc"],
                "warc_offset": archive["offset"],
                "fields": json.dumps(item["fields"], ensure_ascii=False, sort_keys=True),
            })
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            errors.append(f"{rel}:{number}: unreadable item ({exc!r}); skipped")
    return rows


def _archive_rows(path: Path, rel: str, errors: list[str]) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            entry = json.loads(line)
            rows.append({
                "warc": entry["warc"], "warc_offset": entry["offset"], "warc_length": entry["length"],
                "source": entry["source"], "crawl_id": entry["crawl_id"], "url": entry["url"],
                "method": entry["method"], "status": entry["status"], "content_type": entry.get("content_type"),
                "size": entry["size"], "digest": entry["digest"], "fetched_at": entry["fetched_at"],
            })
        except (json.JSONDecodeError, KeyError) as exc:
            # A crawl killed mid-write leaves a partial last line; the rest of the index is still good.
            errors.append(f"{rel}:{number}: unreadable archive index line ({exc!r}); skipped")
    return rows


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]], load_id: int) -> int:
    if not rows:
        return 0
    frame = pd.DataFrame(rows)
    frame["load_id"] = load_id
    before = int(scalar(con, f"SELECT count(*) FROM {table}"))  # type: ignore[call-overload]
    con.register("incoming", frame)
    columns = ", ".join(frame.columns)
    con.execute(f"INSERT OR IGNORE INTO {table} ({columns}) SELECT {columns} FROM incoming")
    con.unregister("incoming")
    after = int(scalar(con, f"SELECT count(*) FROM {table}"))  # type: ignore[call-overload]
    return int(after - before)


def load(data: Path | None = None, db_path: Path | None = None) -> LoadResult:
    data = data or paths.data_dir()
    con = connect(db_path)
    try:
        con.execute("BEGIN TRANSACTION")
        regions.ensure_seed(con)
        pending = _pending(con, data)
        load_id = scalar(con, "SELECT coalesce(max(load_id), 0) + 1 FROM raw.loads")
        result = LoadResult(load_id=None, files=len(pending))
        for path, rel, _ in pending:
            if path.name.endswith(".index.jsonl"):
                result.archive_added += _insert(con, "raw.archive", _archive_rows(path, rel, result.errors), load_id)
            elif path.name.endswith(".report.json"):
                report = json.loads(path.read_text(encoding="utf-8"))
                _insert(con, "raw.crawl_reports", [{
                    "crawl_id": report["crawl_id"], "source": report["source"], "finished": report.get("finished"),
                    "ok": bool(report.get("ok")), "report": json.dumps(report, ensure_ascii=False),
                }], load_id)
            else:
                result.items_added += _insert(con, "raw.items", _item_rows(path, rel, result.errors), load_id)
            crashpoint.reached("load.file")
        for _, rel, digest in pending:
            con.execute(
                "INSERT OR REPLACE INTO raw.loaded_files VALUES (?, ?, coalesce("
                "(SELECT load_id FROM raw.loaded_files WHERE path = ?), ?))",
                [rel, digest, rel, load_id],
            )
        if result.items_added or result.archive_added:
            con.execute(
                "INSERT INTO raw.loads VALUES (?, ?, ?, ?, ?)",
                [load_id, datetime.now(UTC).replace(tzinfo=None), len(pending), result.items_added,
                 result.archive_added],
            )
            result.load_id = load_id
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
