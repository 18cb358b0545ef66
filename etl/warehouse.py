"""The DuckDB warehouse: connection, raw schema, and the SQL models in dbt-style layers.

A model is a SELECT in `warehouse/<layer>/<name>.sql`; it becomes `<layer>.<name>`: an incremental table in
staging, a view in intermediate, a table in marts. A folder `warehouse/<layer>/<name>/` of SELECTs with the same
columns is one model too, their UNION ALL: each source adds its own file (one per source, no shared file to edit).
Models are run in dependency order, found from the `<layer>.<name>` references in their text.

A marts model may say how it is kept, dbt's way, in `warehouse/marts/_marts.yml`: `config: {materialized: view}`
makes it a view (values stored once, in staging, instead of copied into a second table of the same length).

Staging models are incremental (dbt's `materialized: incremental`, `unique_key: record_id`): each reads the
latest version of its records in `raw.items` through the table macro `latest_items(source, kind)` (dbt's macros:
`warehouse/macros/*.sql`, defined before the models run). Built whole once, a staging table is then brought up
to date by recomputing only the records that the loads since its last build touched (every version of those
records, so an older version loaded late never wins). `staging.model_state` keeps, per model, the hash of its
text and the last load it has seen; a changed text rebuilds the table whole.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
from collections.abc import Callable
from datetime import date
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb
import yaml

from crawlers import paths

WAREHOUSE = Path(__file__).resolve().parent.parent / "warehouse"
LAYERS = {"staging": "INCREMENTAL", "intermediate": "VIEW", "marts": "TABLE"}
MATERIALIZED = {"view": "VIEW", "table": "TABLE"}
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
# Staging models read their items as `latest_items('<source>', '<kind>')` (warehouse/macros): an incremental run
# reads `latest_items_since(…, <last load seen>)` instead.
MACROS = WAREHOUSE / "macros"
_LATEST_ITEMS = re.compile(r"\blatest_items\(([^()]*)\)")


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
    for layer, default in LAYERS.items():
        configured = _materialized(layer)
        for sql in sorted((WAREHOUSE / layer).glob("*.sql")):
            kind = configured.get(sql.stem, default)
            found[f"{layer}.{sql.stem}"] = (kind, sql.read_text(encoding="utf-8"))
        for folder in sorted(p for p in (WAREHOUSE / layer).iterdir() if p.is_dir()):
            parts = [f"({part.read_text(encoding='utf-8').strip()})" for part in sorted(folder.glob("*.sql"))]
            if parts:
                found[f"{layer}.{folder.name}"] = (default, "\nUNION ALL BY NAME\n".join(parts))
    return found


def _materialized(layer: str) -> dict[str, str]:
    """Model name → VIEW or TABLE for the models whose `_<layer>.yml` entry has `config: {materialized: …}`."""
    spec = WAREHOUSE / layer / f"_{layer}.yml"
    if not spec.is_file():
        return {}
    models = (yaml.safe_load(spec.read_text(encoding="utf-8")) or {}).get("models", [])
    return {m["name"]: MATERIALIZED[m["config"]["materialized"]] for m in models if "config" in m}


def run_models(con: duckdb.DuckDBPyConnection, layers: tuple[str, ...] = tuple(LAYERS), *,
               today: date | None = None,
               before_marts: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
               incremental: bool = True) -> list[str]:
    """(Re)build the models of `layers` in dependency order; returns the names built.

    `today` stands for `current_date` in the models (marts as of an earlier load count "the last 2 years" back
    from that load's day); `before_marts` runs after the Python models, before the SQL marts; `incremental=False`
    makes the staging models views (a one-off database, such as the as-of marts', has nothing to keep)."""
    every = models()
    chosen = {name: spec for name, spec in every.items() if name.split(".")[0] in layers}
    graph = {
        name: {f"{m[0]}.{m[1]}" for m in _REFERENCE.findall(_COMMENT.sub("", sql))} & chosen.keys() - {name}
        for name, (_, sql) in chosen.items()
    }
    rank = {layer: i for i, layer in enumerate(LAYERS)}
    order = sorted(TopologicalSorter(graph).static_order(), key=lambda name: rank[name.split(".")[0]])
    load_seeds(con)
    define_macros(con)
    for layer in layers:
        if layer == "marts":
            _run_python_models(con)
            if before_marts:
                before_marts(con)
        for name in (n for n in order if n.startswith(f"{layer}.")):
            kind, sql = chosen[name]
            if today is not None:
                sql = _CURRENT_DATE.sub(f"DATE '{today.isoformat()}'", sql)
            if kind == "INCREMENTAL" and incremental:
                build_incremental(con, name, sql)
            else:
                kind = "VIEW" if kind == "INCREMENTAL" else kind
                _drop_other_kind(con, name, kind)
                con.execute(f"CREATE OR REPLACE {kind} {name} AS\n{sql}")
    return order


def build_incremental(con: duckdb.DuckDBPyConnection, name: str, sql: str) -> None:
    """Bring the staging table `name` up to the latest load (see the module text)."""
    con.execute("CREATE TABLE IF NOT EXISTS staging.model_state "
                "(model VARCHAR PRIMARY KEY, sql_hash VARCHAR NOT NULL, load_id INTEGER NOT NULL)")
    # The macros are part of the model: a changed macro rebuilds the table whole, as a changed model does.
    digest = hashlib.sha256((macro_text() + sql).encode()).hexdigest()
    latest = scalar(con, "SELECT coalesce(max(load_id), 0) FROM raw.loads")
    state = con.execute("SELECT sql_hash, load_id FROM staging.model_state WHERE model = ?", [name]).fetchall()
    if object_kind(con, name) == "BASE TABLE" and state and state[0][0] == digest:
        seen = state[0][1]
        if seen >= latest:
            return
        delta, calls = _LATEST_ITEMS.subn(lambda m: f"latest_items_since({m[1]}, {seen})", sql)
        if not calls:
            raise ValueError(f"{name}: a staging model reads raw.items through latest_items('<source>', '<kind>')")
        con.execute(f"CREATE OR REPLACE TEMP TABLE staging_delta AS {delta}")
        con.execute(f"DELETE FROM {name} WHERE record_id IN (SELECT record_id FROM staging_delta)")
        con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM staging_delta")
        con.execute("DROP TABLE staging_delta")
    else:
        _drop_other_kind(con, name, "TABLE")
        con.execute(f"CREATE OR REPLACE TABLE {name} AS\n{sql}")
    con.execute("INSERT OR REPLACE INTO staging.model_state VALUES (?, ?, ?)", [name, digest, latest])


def _drop_other_kind(con: duckdb.DuckDBPyConnection, name: str, kind: str) -> None:
    """A model that changed from view to table (or back) replaces the object of the other kind."""
    other = {"VIEW": ("BASE TABLE", "TABLE"), "TABLE": ("VIEW", "VIEW")}[kind]
    if object_kind(con, name) == other[0]:
        con.execute(f"DROP {other[1]} {name}")


def object_kind(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """`BASE TABLE`, `VIEW` or None (no such object) for `schema.name` in the connection's own database."""
    schema, table = name.split(".")
    kinds = con.execute("SELECT table_type FROM information_schema.tables WHERE table_catalog = current_database() "
                        "AND table_schema = ? AND table_name = ?", [schema, table]).fetchall()
    return kinds[0][0] if kinds else None


def macro_text() -> str:
    return "\n".join(sql.read_text(encoding="utf-8") for sql in sorted(MACROS.glob("*.sql")))


def define_macros(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)define the table macros of `warehouse/macros` in the connection's own database."""
    con.execute(macro_text())


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
