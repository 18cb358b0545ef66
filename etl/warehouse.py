"""The DuckDB warehouse: connection, raw schema, and the SQL models in dbt-style layers.

A model is a SELECT in `warehouse/<layer>/<name>.sql`; it becomes `<layer>.<name>`: a view in staging and
intermediate, a table in marts. A folder `warehouse/<layer>/<name>/` of SELECTs with the same columns is
one model too, their UNION ALL: each source adds its own file (one per source, no shared file to edit).
Models are run in dependency order, found from the `<layer>.<name>` references in their text.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Callable
from datetime import date
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb

from crawlers import paths

WAREHOUSE = Path(__file__).resolve().parent.parent / "warehouse"
LAYERS = {"staging": "VIEW", "intermediate": "VIEW", "marts": "TABLE"}
# Intermediate tables computed in Python (rules that read better as code than SQL), built after the SQL
# intermediate layer and before the marts: `layer.name` → "module:function(con)".
PYTHON_MODELS = {"intermediate.record_violations": "etl.facts:build", "intermediate.feedback": "etl.feedback:build"}
# Code tables, (re)loaded before the models: each `warehouse/seeds/<name>.csv` becomes `seeds.<name>` (every
# column text), and each `seeds.<name>` here is the rows "module:function()" returns (a table kept elsewhere).
SEEDS = WAREHOUSE / "seeds"
PYTHON_SEEDS = {"seeds.pollutant_lookup": "etl.compliance:pollutant_lookup"}
_REFERENCE = re.compile(r"\b(staging|intermediate|marts)\.(\w+)")
_COMMENT = re.compile(r"--[^\n]*")
_CURRENT_DATE = re.compile(r"\bcurrent_date\b", re.IGNORECASE)


def connect(path: Path | None = None, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = path or paths.warehouse_path()
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    # DuckDB takes 80 % of the machine's memory by default; the warehouse keeps to QINGTIAN_DUCKDB_MEMORY and
    # spills joins, sorts and aggregates beyond it to disk.
    con.execute("SET memory_limit = ?", [os.environ.get("QINGTIAN_DUCKDB_MEMORY", "6GB")])
    if not read_only:
        con.execute((WAREHOUSE / "schema.sql").read_text(encoding="utf-8"))
    return con


def models() -> dict[str, tuple[str, str]]:
    """`layer.name` → (object type, SELECT text) for every model file."""
    found = {}
    for layer, kind in LAYERS.items():
        for sql in sorted((WAREHOUSE / layer).glob("*.sql")):
            found[f"{layer}.{sql.stem}"] = (kind, sql.read_text(encoding="utf-8"))
        for folder in sorted(p for p in (WAREHOUSE / layer).iterdir() if p.is_dir()):
            parts = [f"({part.read_text(encoding='utf-8').strip()})" for part in sorted(folder.glob("*.sql"))]
            if parts:
                found[f"{layer}.{folder.name}"] = (kind, "\nUNION ALL BY NAME\n".join(parts))
    return found


def run_models(con: duckdb.DuckDBPyConnection, layers: tuple[str, ...] = tuple(LAYERS), *,
               today: date | None = None,
               before_marts: Callable[[duckdb.DuckDBPyConnection], None] | None = None) -> list[str]:
    """(Re)build the models of `layers` in dependency order; returns the names built.

    `today` stands for `current_date` in the models (marts as of an earlier load count "the last 2 years" back
    from that load's day); `before_marts` runs after the Python models, before the SQL marts."""
    every = models()
    chosen = {name: spec for name, spec in every.items() if name.split(".")[0] in layers}
    graph = {
        name: {f"{m[0]}.{m[1]}" for m in _REFERENCE.findall(_COMMENT.sub("", sql))} & chosen.keys() - {name}
        for name, (_, sql) in chosen.items()
    }
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    order = sorted(TopologicalSorter(graph).static_order(), key=lambda name: rank[name.split(".")[0]])
    load_seeds(con)
    for layer in layers:
        if layer == "marts":
            _run_python_models(con)
            if before_marts:
                before_marts(con)
        for name in (n for n in order if n.startswith(f"{layer}.")):
            kind, sql = chosen[name]
            if today is not None:
                sql = _CURRENT_DATE.sub(f"DATE '{today.isoformat()}'", sql)
            con.execute(f"CREATE OR REPLACE {kind} {name} AS\n{sql}")
    return order


def load_seeds(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS seeds")
    for csv in sorted(SEEDS.glob("*.csv")):
        con.execute(f"CREATE OR REPLACE TABLE seeds.{csv.stem} AS "
                    "SELECT * FROM read_csv(?, header = true, all_varchar = true)", [str(csv)])
    for name, target in PYTHON_SEEDS.items():
        module_name, function = target.split(":")
        rows: list[dict[str, str]] = getattr(importlib.import_module(module_name), function)()
        columns = list(rows[0])
        con.execute(f"CREATE OR REPLACE TABLE {name} ({', '.join(f'{c} VARCHAR' for c in columns)})")
        values = ", ".join([f"({', '.join('?' * len(columns))})"] * len(rows))
        con.execute(f"INSERT INTO {name} VALUES {values}", [row[c] for row in rows for c in columns])


def _run_python_models(con: duckdb.DuckDBPyConnection) -> None:
    for target in PYTHON_MODELS.values():
        module_name, function = target.split(":")
        getattr(importlib.import_module(module_name), function)(con)


def table_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent content hash of every table: to prove a re-run changed nothing."""
    out = {}
    tables = con.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_type = 'BASE TABLE' ORDER BY 1"
    ).fetchall()
    for (table,) in tables:
        count, digest = con.execute(
            f"SELECT count(*), coalesce(sum(hash(t::VARCHAR)::HUGEINT), 0)::VARCHAR FROM {table} t"
        ).fetchall()[0]
        out[table] = (count, digest)
    return out


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> object:
    """The single value of a one-row, one-column query (fetching it whole, as DuckDB 2 requires)."""
    return con.execute(sql, params or []).fetchall()[0][0]
