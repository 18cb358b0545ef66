"""Bulk exports of the public marts: one CSV and one Parquet file per table, a manifest, and the data
dictionary page (`data.html`) that documents every column from `warehouse/marts/_marts.yml`.

The CSV files are UTF-8 with a byte-order mark, so that Excel opens the Chinese text correctly (without
it, Excel reads a CSV in the system's legacy code page); other readers (pandas with `encoding="utf-8-sig"`,
DuckDB, R) skip the mark. Nested columns (lists, structs) stay nested in Parquet and become JSON text in
CSV. `qingtian export` writes the same files to `data/exports/` without building the site.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import yaml

from crawlers import paths
from etl.warehouse import WAREHOUSE, connect, models

if TYPE_CHECKING:
    from etl.publish.build import SiteBuilder

DICTIONARY = WAREHOUSE / "marts" / "_marts.yml"
FORMATS = ("csv", "parquet")
BOM = b"\xef\xbb\xbf"
# Mart tables kept out of the exports, with the reason (shown in the manifest and on the data page).
UNPUBLISHED: dict[str, str] = {}
# Types whose values CSV cannot hold as they are (lists, arrays, structs, maps, unions): written as JSON text.
_NESTED = re.compile(r"\]$|^(STRUCT|MAP|UNION)\b")
# A model's own top-level ORDER BY: its last clause, with no parenthesis after it (a window's is inside one).
_ORDERED = re.compile(r"\bORDER\s+BY\b[^()]*$", re.IGNORECASE)
_CODE = Path(__file__).read_bytes()  # how the files are written: a change of it changes every fingerprint
# Inside the site: the content fingerprint of each table's export files, for the next incremental build.
STATE = ".build/exports.json"


@dataclass
class ExportResult:
    path: Path
    tables: list[dict[str, Any]] = field(default_factory=list)
    unpublished: dict[str, str] = field(default_factory=dict)
    fingerprints: dict[str, dict[str, Any]] = field(default_factory=dict)  # table → fingerprint, file entries


def dictionary() -> dict[str, dict[str, Any]]:
    """Table name → {description, columns: {name: description}} from the dbt-style `_marts.yml`."""
    spec = yaml.safe_load(DICTIONARY.read_text(encoding="utf-8")) or {}
    out = {}
    for model in spec.get("models", []):
        columns = {c["name"]: (c.get("description") or "").strip() for c in model.get("columns", [])}
        out[model["name"]] = {"description": (model.get("description") or "").strip(), "columns": columns}
    return out


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table (or view) in the marts schema at this moment (new marts are published without a code change)."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
        "AND table_type IN ('BASE TABLE', 'VIEW') ORDER BY table_name"
    ).fetchall()
    return [r[0] for r in rows]


def columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    rows = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'marts' AND table_name = ? ORDER BY ordinal_position", [table]
    ).fetchall()
    return [(r[0], r[1]) for r in rows]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_path(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _file_entry(path: Path, root: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return {"path": path.relative_to(root).as_posix(), "size": path.stat().st_size, "sha256": digest.hexdigest()}


@functools.cache
def _order(table: str) -> str:
    """` ORDER BY ALL` for a mart whose model sets no order (the largest, whose sort would cost the marts more than
    the rest of their work): the same rows always make the same bytes. A mart in its model's order: ''."""
    sql = models().get(f"marts.{table}", ("", ""))[1]
    return "" if _ORDERED.search(re.sub(r"--[^\n]*", "", sql).strip()) else " ORDER BY ALL"


def _parquet_source(con: duckdb.DuckDBPyConnection, table: str, cols: list[tuple[str, str]],
                    parquet: Path) -> str | None:
    """The table's Parquet file, just written, as the source of its CSV file: for a table sorted for its export
    (ORDER BY ALL: the largest), so the view is not computed and sorted twice; read back in its order. Only when
    the file holds every column in the table's own type (HUGEINT, for one, is no Parquet type), so the CSV's text
    is the same."""
    if not _order(table):
        return None
    source = f"read_parquet({_sql_path(parquet)})"
    kinds = [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    return source if kinds == cols else None


def _write_csv(con: duckdb.DuckDBPyConnection, table: str, cols: list[tuple[str, str]], target: Path,
               source: str | None = None) -> None:
    """`source`: the rows in their export order (_parquet_source), instead of the mart."""
    # The byte-order mark is the first character of the first column's name: DuckDB writes it at the very
    # start of the header (it needs no quoting), so the file is written once, not copied behind a mark.
    select = ", ".join(
        (f"to_json({_quote(n)})::VARCHAR" if _NESTED.search(kind) else _quote(n))
        + f" AS {_quote(BOM.decode('utf-8') + n if i == 0 else n)}"
        for i, (n, kind) in enumerate(cols)
    )
    rows = source or f"marts.{_quote(table)}{_order(table)}"
    con.execute(f"COPY (SELECT {select} FROM {rows}) TO {_sql_path(target)} "
                "(FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"')")


def _write_parquet(con: duckdb.DuckDBPyConnection, table: str, target: Path) -> None:
    con.execute(f"COPY (SELECT * FROM marts.{_quote(table)}{_order(table)}) TO {_sql_path(target)} "
                "(FORMAT parquet, COMPRESSION zstd)")


def table_fingerprint(con: duckdb.DuckDBPyConnection, table: str, cols: list[tuple[str, str]]) -> tuple[int, str]:
    """(rows, a hash of the table's columns and of every row): equal fingerprints, equal export files."""
    rows, total = con.execute(f"SELECT count(*), CAST(sum(hash(t)::HUGEINT) AS VARCHAR) "
                              f"FROM marts.{_quote(table)} t").fetchall()[0]
    schema = hashlib.sha256(json.dumps([cols, duckdb.__version__]).encode() + _CODE).hexdigest()[:16]
    return int(rows), f"{schema}-{rows}-{total}"


def _reused(previous: dict[str, Any], fingerprint: str, formats: tuple[str, ...], reuse: Path, out: Path,
            root: Path) -> dict[str, Any] | None:
    """The previous build's files of a table whose fingerprint is unchanged, hard-linked into `out`."""
    if previous.get("fingerprint") != fingerprint or sorted(previous["files"]) != sorted(formats):
        return None
    for entry in previous["files"].values():
        if not (reuse / entry["path"]).is_file():
            return None
    for entry in previous["files"].values():
        target = root / entry["path"]
        target.unlink(missing_ok=True)
        os.link(reuse / entry["path"], target)
    return dict(previous["files"])


def export(con: duckdb.DuckDBPyConnection, out: Path, formats: tuple[str, ...] = FORMATS,
           root: Path | None = None, reuse: Path | None = None) -> ExportResult:
    """Write every published mart to `out` as CSV and/or Parquet, and `out/manifest.json`.

    `root`: the folder the manifest's file paths are relative to (the site's root when building the site).
    `reuse`: the root of a previous build: a table whose content fingerprint is the one recorded there
    (`STATE`) is hard-linked from it instead of written again. `result.fingerprints` is that record.
    """
    root = root or out
    out.mkdir(parents=True, exist_ok=True)
    docs = dictionary()
    load_id = con.execute("SELECT max(load_id) FROM raw.loads").fetchall()[0][0]
    result = ExportResult(out, unpublished=dict(UNPUBLISHED))
    state_file = reuse / STATE if reuse else None
    previous = json.loads(state_file.read_text(encoding="utf-8")) if state_file and state_file.is_file() else {}
    for table in mart_tables(con):
        if table in UNPUBLISHED:
            continue
        cols = columns(con, table)
        rows, fingerprint = table_fingerprint(con, table, cols)
        files = None
        if reuse is not None and table in previous:
            files = _reused(previous[table], fingerprint, formats, reuse, out, root)
        if files is None:
            written, parquet, source = {}, out / f"{table}.parquet", None
            if "parquet" in formats:  # first: the CSV file may be written from it
                _write_parquet(con, table, parquet)
                written["parquet"] = _file_entry(parquet, root)
                source = _parquet_source(con, table, cols, parquet)
            if "csv" in formats:
                _write_csv(con, table, cols, out / f"{table}.csv", source)
                written["csv"] = _file_entry(out / f"{table}.csv", root)
            files = {fmt: written[fmt] for fmt in ("csv", "parquet") if fmt in written}
        result.fingerprints[table] = {"fingerprint": fingerprint, "files": files}
        described = docs.get(table, {"description": "", "columns": {}})
        result.tables.append({
            "table": f"marts.{table}",
            "name": table,
            "description": described["description"],
            "rows": int(rows),
            "columns": [{"name": n, "type": kind, "description": described["columns"].get(n, "")}
                        for n, kind in cols],
            "files": files,
        })
    manifest = {
        "built_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "load_id": load_id,
        "csv": "UTF-8 with a byte-order mark (for Excel); comma-separated; header row; lists and structs as JSON",
        "tables": result.tables,
        "unpublished": result.unpublished,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return result


def write_exports(builder: SiteBuilder, companies: list[dict[str, Any]]) -> None:
    """Site writer: the export files under `exports/` and the data dictionary page."""
    out = builder.out / Path(builder.url("export", table="manifest", ext="json")).parent
    result = export(builder.con, out, root=builder.out, reuse=builder.previous)
    state = builder.out / STATE
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps(result.fingerprints, ensure_ascii=False), encoding="utf-8")
    builder.write(builder.url("data"), "data.html", tables=result.tables, unpublished=result.unpublished,
                  manifest=builder.url("export", table="manifest", ext="json"),
                  feeds={ext: builder.url("feed", name="all", ext=ext) for ext in ("atom", "json")},
                  changes=builder.url("changes", name="index"))


def cmd_export(args: argparse.Namespace) -> int:
    formats = FORMATS if args.format == "both" else (args.format,)
    out = Path(args.out) if args.out else paths.exports_dir()
    con = connect(read_only=True)
    try:
        result = export(con, out, formats)
    finally:
        con.close()
    for t in result.tables:
        print(f"  {t['name']:<22} {t['rows']:>7} rows  " + ", ".join(f["path"] for f in t["files"].values()))
    for table, reason in result.unpublished.items():
        print(f"  {table:<22} not published: {reason}")
    print(f"  manifest: {out / 'manifest.json'}")
    return 0
