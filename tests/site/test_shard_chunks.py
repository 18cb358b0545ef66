"""A province larger than `shard_companies` is built in chunks, each a worker task and a search bundle of its
own; incremental and per-province rebuilds keep working on the chunks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from etl.publish import shards

pytestmark = [pytest.mark.e2e]

E00 = "91330400MAJHTPQQ1T"  # 南湖嘉昌再生能源有限公司, Zhejiang (33)


def _ids(db: Path, key: str) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return sorted(r[0] for r in con.execute(
            f"SELECT enterprise_id FROM marts.enterprises WHERE {shards.SHARD_SQL} = ?", [key]).fetchall())
    finally:
        con.close()


def test_a_large_province_is_built_in_chunks(pipeline: dict[str, Any], tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    db = data / "warehouse.duckdb"
    shutil.copyfile(pipeline["data"] / "warehouse.duckdb", db)
    (data / "raw").symlink_to(pipeline["data"] / "raw")
    site = data / "site"
    ids = _ids(db, "33")
    size = -(-len(ids) // 2)
    assert len(ids) >= 2 and E00 in ids

    full = shards.build(site, db, workers=2, data=data, chunk=size)
    assert sorted(k for k in full.shards if shards.province(k) == "33") == ["33.1", "33.2"]
    assert sum(full.shards[k]["companies"] for k in ("33.1", "33.2")) == len(ids)
    states = {k: shards._shard_state(site.resolve(), k) for k in ("33.1", "33.2")}
    assert sorted(states["33.1"]["companies"]) == ids[:size] and sorted(states["33.2"]["companies"]) == ids[size:]
    manifest = json.loads((site / shards.MANIFEST).read_text(encoding="utf-8"))
    listed = {manifest["primary"], *manifest["bundles"]}
    assert {"pagefind/shards/33.1/", "pagefind/shards/33.2/"} <= listed and "pagefind/shards/33/" not in listed
    pages = {url for state in states.values() for url in state["fragments"]}
    assert pages == {f"/c/{eid}.html" for eid in ids}

    con = duckdb.connect(str(db))
    try:
        con.execute("UPDATE marts.enterprises SET name = '南湖晴雨新能源有限公司' WHERE enterprise_id = ?", [E00])
    finally:
        con.close()
    incremental = shards.build(site, db, workers=2, incremental=True, data=data, chunk=size)
    assert incremental.mode == "incremental" and incremental.rendered == 1
    state = json.loads((site / ".build" / "state.json").read_text(encoding="utf-8"))
    assert state["delta"]["companies"][E00]["shard"] == ("33.1" if E00 in ids[:size] else "33.2")
    assert "南湖晴雨新能源有限公司" in (site / "c" / f"{E00}.html").read_text(encoding="utf-8")

    # The province rebuilt alone: its chunks anew, the delta entry of its company folded back.
    rebuilt = shards.build(site, db, workers=2, shards=["33"], data=data, chunk=size)
    assert rebuilt.mode == "shards" and rebuilt.rendered == len(ids)
    assert sorted(rebuilt.shards) == ["33.1", "33.2"]
    state = json.loads((site / ".build" / "state.json").read_text(encoding="utf-8"))
    assert state["delta"]["companies"] == {} and sorted(k for k in state["shards"] if k.startswith("33")) == \
        ["33.1", "33.2"]
    assert sorted(p.name for p in (site / "pagefind" / "shards").iterdir() if p.name.startswith("33")) == \
        ["33.1", "33.2"]
