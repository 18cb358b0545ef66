"""`qingtian bench site`: the sharded site build at scale: a full build, then an incremental one.

The warehouse is a copy (the one benched is never the one in use): by default a synthetic one made from the
warehouse of the data folder by multiplying its companies in SQL (`synthesise`): each copy of a company gets
a new enterprise id, record ids, outlet codes and name, and a province drawn from the real province codes, with
the same records, permits, outlets, monitoring and follow-up as the company copied. `--warehouse PATH` benches
a copy of that warehouse instead (e.g. one `qingtian bench generate` + `load` + `match` made).

Printed: the full build's wall time, first into an empty folder and then again (the second replaces the first's
site, as a rebuild does; nothing is kept between builds but the site itself), with its phases (CPU seconds summed
over the worker processes), CPU ms per company, and per shard, the pages written, the search index size (total and per
shard), the incremental rebuild's time after `--changes` companies changed (renamed in marts.enterprises), its
ratio to the second full build, and peak memory.
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from crawlers import paths
from etl import swap
from etl.publish import shards

# Province-level codes (GB/T 2260) the copies are spread over.
PROVINCES = ("11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41", "42",
             "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65")
# Columns that identify a row and so get a per-copy suffix.
KEYS = ("enterprise_id", "record_id", "national_code")


def synthesise(db: Path, companies: int) -> int:
    """Multiply the companies of the warehouse at `db` (a copy) until there are about `companies`; returns the
    number of companies it holds."""
    con = duckdb.connect(str(db))
    try:
        base = con.execute("SELECT count(*) FROM marts.enterprises").fetchall()[0][0]
        copies = max(1, companies // base)
        # Marts kept as views (over staging, which is not multiplied) become tables first, so each copy has its rows.
        for (view,) in con.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
                                   "AND table_type = 'VIEW'").fetchall():
            con.execute(f"CREATE TABLE marts.{view}__t AS SELECT * FROM marts.{view}")
            con.execute(f"DROP VIEW marts.{view}")
            con.execute(f"ALTER TABLE marts.{view}__t RENAME TO {view}")
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
            "AND table_type = 'BASE TABLE'").fetchall()]
        provinces = "[" + ", ".join(f"'{p}'" for p in PROVINCES) + "]"
        for table in tables:
            cols = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' AND table_name = ?",
                [table]).fetchall()]
            keys = [c for c in KEYS if c in cols]
            if not keys:
                continue
            replace = [f"CASE WHEN k = 0 THEN {c} ELSE {c} || '~' || k END AS {c}" for c in keys]
            if table == "enterprises":
                replace += [
                    "CASE WHEN k = 0 THEN name ELSE name || '（' || k || '号）' END AS name",
                    f"CASE WHEN k = 0 OR NOT regexp_full_match(coalesce(region_code, ''), '[0-9]{{6}}') "
                    f"THEN region_code ELSE {provinces}[1 + (k % {len(PROVINCES)})] || right(region_code, 4) "
                    "END AS region_code",
                ]
            con.execute(f"CREATE TABLE marts.{table}__x AS SELECT * REPLACE ({', '.join(replace)}) "
                        f"FROM marts.{table} CROSS JOIN (SELECT range AS k FROM range({copies}))")
            con.execute(f"ALTER TABLE marts.{table}__x DROP COLUMN k")
            con.execute(f"DROP TABLE marts.{table}")
            con.execute(f"ALTER TABLE marts.{table}__x RENAME TO {table}")
        count: int = con.execute("SELECT count(*) FROM marts.enterprises").fetchall()[0][0]
        con.execute("CHECKPOINT")
        return count
    finally:
        con.close()


def change(db: Path, count: int, seed: int = 1) -> list[str]:
    """Rename `count` companies (drawn with `seed`); returns their ids."""
    con = duckdb.connect(str(db))
    try:
        ids = sorted(r[0] for r in con.execute("SELECT enterprise_id FROM marts.enterprises").fetchall())
        chosen = random.Random(seed).sample(ids, min(count, len(ids)))
        con.execute("UPDATE marts.enterprises SET name = name || '（更名）' "
                    "WHERE enterprise_id IN (SELECT unnest(?::VARCHAR[]))", [chosen])
        return chosen
    finally:
        con.close()


def _peak_mib() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest child, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def _report(label: str, result: shards.ShardedBuild) -> None:
    print(f"{label}: {result.timings['wall']:.1f} s wall; {result.pages} pages written, "
          f"{result.rendered} companies rendered, {result.removed} removed")
    print("  phases: " + ", ".join(f"{k} {v:.1f} s" for k, v in result.timings.items() if k != "wall"))
    if result.rendered:
        # CPU time (user + system, with Pagefind's): what a busy machine inflates less than wall time.
        cpu = {k: result.timings.get(f"{k} (cpu)", 0.0) * 1000 / result.rendered for k in ("read", "render", "index")}
        process = result.timings.get("shards (process cpu)", 0.0) * 1000 / result.rendered
        print(f"  CPU per company rendered (shard workers): {process:.2f} ms = read {cpu['read']:.2f} + render "
              f"{cpu['render']:.2f} + search index {cpu['index']:.2f} + the rest (worker start, contexts kept); "
              f"site-wide pages {result.timings.get('site (process cpu)', 0.0):.1f} s CPU, "
              f"{result.timings.get('site', 0.0):.1f} s wall")


def run(companies: int, changes: int, warehouse: Path | None, workers: int | None) -> int:
    source = warehouse or paths.warehouse_path()
    if not source.exists():
        raise SystemExit(f"bench site: no warehouse at {source} (run `qingtian demo --no-serve` first, "
                         "or pass --warehouse)")
    with tempfile.TemporaryDirectory(prefix="qingtian-bench-site-") as tmp:
        data = Path(tmp)
        db = data / "warehouse.duckdb"
        started = time.perf_counter()
        shutil.copyfile(source, db)
        raw = source.parent / "raw"
        if raw.is_dir():
            (data / "raw").symlink_to(raw)  # the archived documents the pages cite (read only)
        if warehouse is None:
            count = synthesise(db, companies)
            print(f"synthetic warehouse: {count} companies, copies of the {source} companies (same records, "
                  f"permits, outlets, monitoring and follow-up; new ids, names and provinces; feeds of the copies "
                  f"are empty: their record ids are in no load); made in {time.perf_counter() - started:.1f} s")
        else:
            print(f"warehouse: a copy of {source}")
        site = data / "site"
        full = shards.build(site, db, workers=workers, data=data)
        _report("full build, first (an empty site folder)", full)
        print(f"  companies {full.companies}; search: {full.pagefind}")
        index_total = sum(s["index_bytes"] for s in full.shards.values())
        print(f"  search index: {index_total} bytes in {len(full.shards)} shards (+ {full.index_bytes} bytes "
              "primary bundle)")
        for key, shard in sorted(full.shards.items()):
            print(f"    shard {key}: {shard['companies']} companies, {shard['seconds']:.1f} s, "
                  f"{shard['index_bytes']} bytes")
        site_bytes = sum(p.stat().st_size for p in site.resolve().rglob("*") if p.is_file())
        print(f"  site: {site_bytes} bytes")
        warm = shards.build(site, db, workers=workers, data=data)
        _report("full build, again (replacing the first)", warm)
        changed = change(db, changes)
        incremental = shards.build(site, db, workers=workers, incremental=True, data=data)
        _report(f"incremental build after {len(changed)} companies changed (renamed)", incremental)
        print(f"  search: {incremental.pagefind}")
        ratio = incremental.timings["wall"] / warm.timings["wall"]
        print(f"  ratio to the second full build: {ratio:.2f}")
        own, child = _peak_mib()
        print(f"peak memory: {own:.0f} MiB this process, {child:.0f} MiB the largest worker or tool")
        swap.wait_removals()  # the previous builds' deletion, in the background: done before the folder goes
    return 0


def cmd_bench_site(args: argparse.Namespace) -> int:
    return run(args.companies, args.changes, Path(args.warehouse) if args.warehouse else None, args.workers)
