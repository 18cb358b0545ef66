"""Bulk exports of the public marts: one CSV and one Parquet file per table, a manifest, and the data
dictionary page (`data.html`) that documents every column from `warehouse/marts/_marts.yml`.

The CSV files are UTF-8 with a byte-order mark, so that Excel opens the Chinese text correctly (without
it, Excel reads a CSV in the system's legacy code page); other readers (pandas with `encoding="utf-8-sig"`,
DuckDB, R) skip the mark. Nested columns (lists, structs) stay nested in Parquet and become JSON text in
CSV. `qingtian export` writes the same files to `data/exports/` without building the site.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import yaml

from crawlers import paths
from etl.warehouse import WAREHOUSE, connect

if TYPE_CHECKING:
    from etl.publish.build import SiteBuilder

DICTIONARY = WAREHOUSE / "marts" / "_marts.yml"
FORMATS = ("csv", "parquet")
BOM = b"\xef\xbb\xbf"
# Mart tables kept out of the exports, with the reason (shown in the manifest and on the data page).
UNPUBLISHED: dict[str, str] = {}
# Types whose values CSV cannot hold as they are (lists, arrays, structs, maps, unions): written as JSON text.
_NESTED = re.compile(r"\]$|^(STRUCT|MAP|UNION)\b")


@dataclass
class ExportResult:
    path: Path
    tables: list[dict[str, Any]] = field(default_factory=list)
    unpublished: dict[str, str] = field(default_factory=dict)


def dictionary() -> dict[str, dict[str, Any]]:
    """Table name → {description, columns: {name: description}} from the dbt-style `_marts.yml`."""
    spec = yaml.safe_load(DICTIONARY.read_text(encoding="utf-8")) or {}
    out = {}
    for model in spec.get("models", []):
        columns = {c["name"]: (c.get("description") or "").strip() for c in model.get("columns", [])}
        out[model["name"]] = {"description": (model.get("description") or "").strip(), "columns": columns}
    return out


def mart_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table in the marts schema at this moment (new marts are published without a code change)."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
        "AND table_type = 'BASE TABLE' ORDER BY table_name"
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


def _write_csv(con: duckdb.DuckDBPyConnection, table: str, cols: list[tuple[str, str]], target: Path) -> None:
    select = ", ".join(
        f"to_json({_quote(n)})::VARCHAR AS {_quote(n)}" if _NESTED.search(kind) else _quote(n)
        for n, kind in cols
    )
    plain = target.with_name(target.name + ".part")
    con.execute(f"COPY (SELECT {select} FROM marts.{_quote(table)}) TO {_sql_path(plain)} "
                "(FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"')")
    with target.open("wb") as out, plain.open("rb") as body:
        out.write(BOM)
        shutil.copyfileobj(body, out)
    plain.unlink()


def _write_parquet(con: duckdb.DuckDBPyConnection, table: str, target: Path) -> None:
    con.execute(f"COPY (SELECT * FROM marts.{_quote(table)}) TO {_sql_path(target)} "
                "(FORMAT parquet, COMPRESSION zstd)")


def export(con: duckdb.DuckDBPyConnection, out: Path, formats: tuple[str, ...] = FORMATS,
           root: Path | None = None) -> ExportResult:
    """Write every published mart to `out` as CSV and/or Parquet, and `out/manifest.json`.

    `root`: the folder the manifest's file paths are relative to (the site's root when building the site).
    """
    root = root or out
    out.mkdir(parents=True, exist_ok=True)
    docs = dictionary()
    load_id = con.execute("SELECT max(load_id) FROM raw.loads").fetchall()[0][0]
    result = ExportResult(out, unpublished=dict(UNPUBLISHED))
    for table in mart_tables(con):
        if table in UNPUBLISHED:
            continue
        cols = columns(con, table)
        rows = con.execute(f"SELECT count(*) FROM marts.{_quote(table)}").fetchall()[0][0]
        files = {}
        if "csv" in formats:
            _write_csv(con, table, cols, out / f"{table}.csv")
            files["csv"] = _file_entry(out / f"{table}.csv", root)
        if "parquet" in formats:
            _write_parquet(con, table, out / f"{table}.parquet")
            files["parquet"] = _file_entry(out / f"{table}.parquet", root)
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
    result = export(builder.con, out, root=builder.out)
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
