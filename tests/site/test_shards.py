"""Sharded site builds on a copy of the demo warehouse: a bundle per province, a shard rebuilt alone, an
incremental build that re-renders one changed company and whose search finds its new text, not its old."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from etl.publish import shards
from etl.serve import serve_in_background

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

E00 = "91330400MAJHTPQQ1T"  # 南湖嘉昌再生能源有限公司, Zhejiang (33)
NEW_NAME = "南湖晴雨新能源有限公司"


@pytest.fixture(scope="module")
def built(pipeline: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A full sharded build of a copy of the session's warehouse (never the session's own)."""
    data = tmp_path_factory.mktemp("shards") / "data"
    data.mkdir()
    shutil.copyfile(pipeline["data"] / "warehouse.duckdb", data / "warehouse.duckdb")
    (data / "raw").symlink_to(pipeline["data"] / "raw")
    site = data / "site"
    result = shards.build(site, data / "warehouse.duckdb", workers=2, data=data)
    return {"data": data, "db": data / "warehouse.duckdb", "site": site, "result": result}


def _files(site: Path) -> dict[str, tuple[int, int]]:
    """Every file of the published site: path → (inode, mtime in ns)."""
    root = site.resolve()
    return {p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file()}


def _search(browser: Any, site: Path, query: str) -> list[str]:
    server, url = serve_in_background(site.resolve())
    try:
        page = browser.new_page(locale="zh-CN")
        page.goto(f"{url}/index.html")
        page.get_by_placeholder("搜索 Search").fill(query)
        message = page.locator(".pagefind-ui__message")
        message.filter(has_not_text="正在搜索").first.wait_for(timeout=10_000)
        titles = [t.strip() for t in page.locator(".pagefind-ui__result-link").all_inner_texts()]
        page.close()
        return titles
    finally:
        server.shutdown()


def _province_counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return dict(con.execute(f"SELECT {shards.SHARD_SQL}, count(*) FROM marts.enterprises GROUP BY 1").fetchall())
    finally:
        con.close()


def test_every_province_has_its_own_search_bundle(built: dict[str, Any]) -> None:
    import json

    counts = _province_counts(built["db"])
    assert counts["33"] > 1 and counts["32"] > 1  # the demo's Zhejiang and Jiangsu companies
    site = built["site"].resolve()
    for key, count in counts.items():
        entry = json.loads((site / "pagefind" / "shards" / key / "pagefind-entry.json").read_text())
        assert entry["languages"]["zh-cn"]["page_count"] == count
    manifest = json.loads((site / "pagefind" / "shards.json").read_text())
    assert sorted([manifest["primary"], *manifest["bundles"]]) == sorted(f"pagefind/shards/{k}/" for k in counts)
    assert manifest["stale"] == [] and built["result"].mode == "full"
    assert built["result"].companies == sum(counts.values())


def test_search_finds_companies_of_two_shards(browser: Any, built: dict[str, Any]) -> None:
    titles = _search(browser, built["site"], "嘉昌")
    assert "南湖嘉昌再生能源有限公司" in titles  # 33 Zhejiang
    assert "盐城嘉昌金属制品有限公司" in titles  # 32 Jiangsu


def test_a_shard_rebuilt_alone_changes_only_its_files(built: dict[str, Any]) -> None:
    before = _files(built["site"])
    state = shards._shard_state(built["site"].resolve(), "32")
    own = {rel for info in state["companies"].values() for rel in info["files"]}
    result = shards.build(built["site"], built["db"], workers=2, shards=["32"], data=built["data"])
    assert result.mode == "shards" and result.rendered == _province_counts(built["db"])["32"]
    after = _files(built["site"])
    changed = {rel for rel, stamp in after.items() if before.get(rel) != stamp}
    outside = {rel for rel in changed - own
               if not rel.startswith(("pagefind/shards/32/", ".build/", "pagefind/"))}
    assert outside == set()
    assert own <= changed  # every file of the shard was written anew
    assert after["index.html"] == before["index.html"] and after[f"c/{E00}.html"] == before[f"c/{E00}.html"]
    assert {rel for rel in set(after) - set(before) if not rel.startswith(("pagefind/", ".build/"))} == set()


def test_incremental_build_rewrites_one_company_and_search_follows(browser: Any, built: dict[str, Any]) -> None:
    assert "南湖嘉昌再生能源有限公司" in _search(browser, built["site"], "南湖嘉昌")
    con = duckdb.connect(str(built["db"]))
    try:
        con.execute("UPDATE marts.enterprises SET name = ?, aliases = [] WHERE enterprise_id = ?", [NEW_NAME, E00])
    finally:
        con.close()
    before = _files(built["site"])
    result = shards.build(built["site"], built["db"], workers=2, incremental=True, data=built["data"])
    assert result.mode == "incremental" and result.rendered == 1 and result.delta == 1
    after = _files(built["site"])
    pages = {rel for rel in after if rel.startswith("c/")}
    changed = {rel for rel in pages if before.get(rel) != after[rel]}
    assert changed == {f"c/{E00}.html", f"c/{E00}.json", f"c/{E00}.atom", f"c/{E00}.feed.json"}
    assert NEW_NAME in (built["site"] / "c" / f"{E00}.html").read_text(encoding="utf-8")
    # Site-wide files whose inputs did not change are the published ones, linked (same inode and time); those
    # that show company names are written anew.
    kept = ("feeds/all.atom", "feeds/all.json", "changes/index.json", "risk.html", "exports/penalties.csv",
            "exports/penalties.parquet", "exports/monitoring_values.csv")
    assert {rel: after[rel] for rel in kept} == {rel: before[rel] for rel in kept}
    rewritten = ("map.html", "index.html", "exports/enterprises.csv", "screen/index.json")
    assert [rel for rel in rewritten if after[rel] == before[rel]] == []
    assert NEW_NAME in (built["site"] / "exports" / "enterprises.csv").read_text(encoding="utf-8-sig")
    assert NEW_NAME in _search(browser, built["site"], "晴雨")
    # The old name is found no more (its shard still holds it: the delta's manifest drops that result); the
    # company itself may still match by its region (南湖区) and its penalties' authority (嘉兴).
    titles = _search(browser, built["site"], "南湖嘉昌")
    assert "南湖嘉昌再生能源有限公司" not in titles and titles.count(NEW_NAME) <= 1
    # A full build folds the delta back into the shards: the same answers, from the shards alone.
    compacted = shards.build(built["site"], built["db"], workers=2, data=built["data"])
    assert compacted.mode == "full" and compacted.delta == 0
    assert NEW_NAME in _search(browser, built["site"], "晴雨")
    # Pagefind ignores a word unknown to a bundle, so the one-page delta matched 南湖 alone; the shard needs both.
    compact_titles = _search(browser, built["site"], "南湖嘉昌")
    assert "南湖嘉昌再生能源有限公司" not in compact_titles and set(compact_titles) <= set(titles)
