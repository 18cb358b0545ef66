"""`changes/`: what each load added, for consumers that keep a copy in sync.

`changes/load-<N>.json` lists the record ids load N stored, by source and kind: `new` (never seen before)
and `new_version` (a changed version of a record already stored). `changes/index.json` lists every load
with its time and counts. A consumer remembers the last load it applied and fetches the files after it.
Records stored before loads were recorded belong to no load and are in no file.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

    from etl.publish.build import SiteBuilder


def changes(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """One dict per load in raw.loads, oldest first: its time, counts and record ids by source and kind."""
    loads = con.execute(
        "SELECT load_id, loaded_at, files, items_added, archive_added FROM raw.loads ORDER BY load_id"
    ).fetchall()
    # The ids listed in SQL, per load, source, kind and newness (a row per list, not per record).
    rows = con.execute(
        "WITH f AS (SELECT record_id, min(load_id) AS first_load FROM raw.items GROUP BY record_id), "
        "d AS (SELECT DISTINCT i.load_id, i.source, i.kind, i.record_id, i.load_id = f.first_load AS is_new "
        "      FROM raw.items i JOIN f USING (record_id)) "
        "SELECT load_id, source, kind, is_new, list(record_id ORDER BY record_id) FROM d "
        "GROUP BY load_id, source, kind, is_new"
    ).fetchall()
    grouped: dict[int, dict[str, dict[str, dict[str, list[str]]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(lambda: {"new": [], "new_version": []})))
    for load_id, source, kind, is_new, record_ids in rows:
        grouped[load_id][source][kind]["new" if is_new else "new_version"] = record_ids
    out = []
    for load_id, loaded_at, files, items_added, archive_added in loads:
        sources = {
            source: {kind: {"count": len(ids["new"]) + len(ids["new_version"]), **ids}
                     for kind, ids in sorted(kinds.items())}
            for source, kinds in sorted(grouped.get(load_id, {}).items())
        }
        kinds = [k for by_kind in sources.values() for k in by_kind.values()]
        out.append({
            "load_id": load_id,
            "loaded_at": loaded_at.strftime("%Y-%m-%dT%H:%M:%SZ"),  # UTC
            "files": files,
            "items_added": items_added,
            "archive_added": archive_added,
            "records": sum(k["count"] for k in kinds),
            "new": sum(len(k["new"]) for k in kinds),
            "new_version": sum(len(k["new_version"]) for k in kinds),
            "sources": sources,
        })
    return out


def write_changes(builder: SiteBuilder, companies: list[dict[str, Any]]) -> None:
    """Site writer: changes/load-<N>.json per load and changes/index.json."""
    index = []
    for load in changes(builder.con):
        rel = builder.url("changes", name=f"load-{load['load_id']}")
        builder.write_json(rel, load)
        index.append({
            **{k: v for k, v in load.items() if k != "sources"},
            "url": rel,
            "counts": {source: {kind: ids["count"] for kind, ids in kinds.items()}
                       for source, kinds in load["sources"].items()},
        })
    builder.write_json(builder.url("changes", name="index"), {
        "latest": index[-1]["load_id"] if index else None,
        "loads": index,
    })
