"""Marts as of an earlier load: `qingtian asof LOAD`.

The raw layer is append-only and every row carries the load that added it, and `qingtian match` keeps every
link a record has had with the loads it held for (`intermediate.record_links_history`). So the marts as they
stood after load N are rebuilt, not stored: in a fresh in-memory database the warehouse is attached read-only,
`raw.*` become views of the rows with `load_id <= N`, the record links those valid at load N, and the same
models run over them, with `current_date` read as the day of load N. Enterprise feedback counts from the
day its file entered the intake ledger (without a ledger, from the day it was submitted).
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from crawlers import paths
from etl.match import LINK_COLUMNS
from etl.warehouse import run_models

RAW_TABLES = ("loads", "loaded_files", "items", "archive", "crawl_reports")


class AsOfError(ValueError):
    """The load asked for does not exist (the message lists those that do)."""


@dataclass(frozen=True)
class Load:
    load_id: int
    loaded_at: datetime
    files: int
    items_added: int
    archive_added: int


def loads(db_path: Path | None = None) -> list[Load]:
    con = duckdb.connect(str(db_path or paths.warehouse_path()), read_only=True)
    try:
        return [Load(*row) for row in con.execute("SELECT * FROM raw.loads ORDER BY load_id").fetchall()]
    finally:
        con.close()


def resolve(available: list[Load], load_id: int | None = None, at: datetime | None = None) -> Load:
    """The load numbered `load_id`, or the latest load at or before `at`, or the latest load."""
    if not available:
        raise AsOfError("the warehouse has no loads yet: run `qingtian load` first")
    listing = ", ".join(f"{x.load_id} ({x.loaded_at:%Y-%m-%d %H:%M:%S})" for x in available)
    if load_id is not None:
        found = [x for x in available if x.load_id == load_id]
        if not found:
            raise AsOfError(f"no load {load_id} in the warehouse; loads: {listing}")
        return found[0]
    if at is not None:
        earlier = [x for x in available if x.loaded_at <= at]
        if not earlier:
            raise AsOfError(f"no load at or before {at:%Y-%m-%d %H:%M:%S}; loads: {listing}")
        return earlier[-1]
    return available[-1]


def connect_as_of(load_id: int | None = None, *, at: datetime | None = None,
                  db_path: Path | None = None) -> tuple[duckdb.DuckDBPyConnection, Load]:
    """An in-memory database whose `marts.*` are the warehouse's marts as of a load (see the module text)."""
    source = db_path or paths.warehouse_path()
    load = resolve(loads(source), load_id, at)
    con = duckdb.connect()
    con.execute(f"ATTACH '{_quoted(source)}' AS wh (READ_ONLY)")
    for schema in ("raw", "staging", "intermediate", "marts"):
        con.execute(f"CREATE SCHEMA {schema}")
    con.execute("CREATE SCHEMA seeds")
    con.execute("CREATE TABLE seeds.regions AS SELECT * FROM wh.seeds.regions")
    for table in RAW_TABLES:
        con.execute(f"CREATE VIEW raw.{table} AS SELECT * FROM wh.raw.{table} WHERE load_id <= {load.load_id}")
    columns = ", ".join(LINK_COLUMNS)
    con.execute(
        f"CREATE TABLE intermediate.record_links AS SELECT {columns} FROM wh.intermediate.record_links_history "
        f"WHERE valid_from_load <= {load.load_id} AND (valid_to_load IS NULL OR valid_to_load > {load.load_id})"
    )
    con.execute("CREATE TABLE intermediate.review_candidates AS "
                "SELECT * FROM wh.intermediate.review_candidates LIMIT 0")

    def feedback_as_of(con: duckdb.DuckDBPyConnection) -> None:
        _feedback_as_of(con, load)

    run_models(con, today=load.loaded_at.date(), before_marts=feedback_as_of, incremental=False)
    return con, load


def _feedback_as_of(con: duckdb.DuckDBPyConnection, load: Load) -> None:
    from etl import ledger
    from etl.feedback import LEDGER_COLUMNS, LEDGER_NAME, feedback_dir

    path = feedback_dir() / LEDGER_NAME
    recorded = {e["file"]: e["recorded"] for e in ledger.read(path, LEDGER_COLUMNS)} if path.exists() else {}
    rows = con.execute("SELECT file, submitted FROM intermediate.feedback").fetchall()
    later = [file for file, submitted in rows
             if (recorded.get(file) or submitted.isoformat()) > load.loaded_at.date().isoformat()]
    if later:
        con.execute("DELETE FROM intermediate.feedback WHERE file IN (SELECT unnest(?))", [later])


def mart_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [name for (name,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
        "AND table_catalog = current_database() ORDER BY 1").fetchall()]


def write(con: duckdb.DuckDBPyConnection, load: Load, out: Path) -> list[str]:
    """Copy the as-of marts into a DuckDB file of their own (replaced whole), with a table `as_of`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".part")
    partial.unlink(missing_ok=True)
    con.execute(f"ATTACH '{_quoted(partial)}' AS snapshot")
    names = mart_names(con)
    try:
        con.execute("CREATE SCHEMA snapshot.marts")
        for name in names:
            con.execute(f"CREATE TABLE snapshot.marts.{name} AS SELECT * FROM marts.{name}")
        con.execute("CREATE TABLE snapshot.main.as_of AS SELECT ? AS load_id, ? AS loaded_at",
                    [load.load_id, load.loaded_at])
    finally:
        con.execute("DETACH snapshot")
    partial.replace(out)
    return names


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def cmd_asof(args: argparse.Namespace) -> int:
    db_path = Path(args.warehouse) if args.warehouse else None
    if args.list:
        for x in loads(db_path):
            print(f"  load {x.load_id}  {x.loaded_at:%Y-%m-%d %H:%M:%S}  {x.files} files, "
                  f"{x.items_added} record versions, {x.archive_added} archived responses")
        return 0
    at = datetime.fromisoformat(args.at) if args.at else None
    try:
        con, load = connect_as_of(args.load, at=at, db_path=db_path)
    except AsOfError as error:
        print(f"qingtian asof: {error}", file=sys.stderr)
        return 2
    try:
        if args.table:
            if args.table not in mart_names(con):
                print(f"qingtian asof: no mart {args.table!r}; marts: {', '.join(mart_names(con))}", file=sys.stderr)
                return 2
            cursor = con.execute(f"SELECT * FROM marts.{args.table}")
            writer = csv.writer(sys.stdout)
            writer.writerow([d[0] for d in cursor.description])
            writer.writerows(cursor.fetchall())
            return 0
        print(f"  marts as of load {load.load_id} ({load.loaded_at:%Y-%m-%d %H:%M:%S} UTC):")
        for name in mart_names(con):
            print(f"    marts.{name}: {con.execute(f'SELECT count(*) FROM marts.{name}').fetchall()[0][0]} rows")
        if args.out:
            write(con, load, Path(args.out))
            print(f"  written to {args.out}")
        return 0
    finally:
        con.close()

