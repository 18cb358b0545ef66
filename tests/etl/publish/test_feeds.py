"""Feeds of new records (Atom, JSON Feed) and the per-load change files, over two loads."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from etl.load import load
from etl.match import match
from etl.publish.build import build
from tests.etl.crawl_fixture import GOOD, penalty, permit, write_crawl

A = "atom"
NS = {A: "http://www.w3.org/2005/Atom"}
NAME = "嘉兴恒瑞环保能源有限公司"
FIRST = "zj_jxsthj_penalties:嘉环罚〔2025〕12号"
MASKED = "zj_jxsthj_penalties:嘉环罚〔2025〕13号"
PERSON = "zj_jxsthj_penalties:嘉环(秀)罚〔2025〕9号"
LATER = "zj_jxsthj_penalties:嘉环罚〔2025〕14号"


def _penalty(number: str, party: str, code: str | None, fine: float | None,
             day: str = "2025-06-30") -> tuple[str, str, dict[str, Any], str]:
    record = penalty(number, party, code, fine)
    record[2]["decision_date"] = day
    return record


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Two loads and one build, shared by the tests of this module (read only)."""
    data_dir = tmp_path_factory.mktemp("feeds") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QINGTIAN_DATA", str(data_dir))
        yield _two_loads(data_dir)


def _two_loads(data_dir: Path) -> Path:
    write_crawl(data_dir, "nat_mee_permits", "c1", [permit(f"{GOOD}001P", NAME)])
    write_crawl(data_dir, "zj_jxsthj_penalties", "c1", [
        _penalty("嘉环罚〔2025〕12号", NAME, GOOD, 52120),
        _penalty("嘉环罚〔2025〕13号", "某某化工有限公司", "9133040*******123X", 100000),
        _penalty("嘉环(秀)罚〔2025〕9号", "王某某", None, 1800),
    ])
    assert load().load_id == 1
    # The second load: a new decision dated before the others, and a corrected version of the first one.
    write_crawl(data_dir, "zj_jxsthj_penalties", "c2", [
        _penalty("嘉环罚〔2025〕14号", NAME, GOOD, 8000, day="2025-01-15"),
        _penalty("嘉环罚〔2025〕12号", NAME, GOOD, 52100),
    ])
    assert load().load_id == 2
    match()
    return build(search=False).path


def _record_id(entry_id: str) -> str:
    from urllib.parse import unquote

    return unquote(entry_id.split(":record/", 1)[1])


def test_atom_feed_is_valid_and_newest_first(site: Path) -> None:
    feed = ET.parse(site / "feeds" / "all.atom").getroot()
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    for tag in ("id", "title", "updated"):
        assert feed.find(f"{A}:{tag}", NS) is not None and feed.find(f"{A}:{tag}", NS).text
    assert feed.find(f"{A}:id", NS).text.startswith("tag:127.0.0.1,")
    self_link = feed.find(f"{A}:link[@rel='self']", NS)
    assert self_link is not None and self_link.get("href") == "http://127.0.0.1:8000/feeds/all.atom"
    entries = feed.findall(f"{A}:entry", NS)
    for entry in entries:
        for tag in ("id", "title", "updated", "summary"):
            assert entry.find(f"{A}:{tag}", NS) is not None and entry.find(f"{A}:{tag}", NS).text
        assert entry.find(f"{A}:link[@rel='alternate']", NS).get("href").startswith("http://127.0.0.1:8000/")
    ids = [_record_id(e.find(f"{A}:id", NS).text) for e in entries]
    # The decision loaded second comes first although its date is the oldest; the corrected version of a
    # decision keeps its first appearance; the others follow by date.
    assert ids[0] == LATER
    assert set(ids[1:]) == {FIRST, MASKED, PERSON}
    updated = [e.find(f"{A}:updated", NS).text for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert feed.find(f"{A}:updated", NS).text == updated[0]
    first = entries[ids.index(FIRST)]
    assert first.find(f"{A}:title", NS).text == f"行政处罚 Penalty：{NAME} 嘉环罚〔2025〕12号"
    summary = first.find(f"{A}:summary", NS).text
    assert "嘉兴市生态环境局" in summary and "2025-06-30" in summary and "52,100 元" in summary
    link = first.find(f"{A}:link[@rel='alternate']", NS).get("href")
    assert link.startswith(f"http://127.0.0.1:8000/c/{GOOD}.html#r-")
    assert link in summary


def test_company_and_region_feeds(site: Path) -> None:
    company = ET.parse(site / "c" / f"{GOOD}.atom").getroot()
    ids = [_record_id(e.find(f"{A}:id", NS).text) for e in company.findall(f"{A}:entry", NS)]
    assert ids == [LATER, FIRST]
    assert company.find(f"{A}:link[@rel='self']", NS).get("href") == f"http://127.0.0.1:8000/c/{GOOD}.atom"
    region = ET.parse(site / "feeds" / "region-330000.atom").getroot()
    region_ids = [_record_id(e.find(f"{A}:id", NS).text) for e in region.findall(f"{A}:entry", NS)]
    assert region_ids[0] == LATER and FIRST in region_ids


def test_json_feed(site: Path) -> None:
    feed = json.loads((site / "feeds" / "all.json").read_text(encoding="utf-8"))
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert feed["feed_url"] == "http://127.0.0.1:8000/feeds/all.json" and feed["title"]
    items = feed["items"]
    assert items[0]["_qingtian"]["record_id"] == LATER
    for item in items:
        assert item["id"].startswith("tag:") and item["url"].startswith("http://127.0.0.1:8000/")
        assert item["title"] and item["content_text"] and item["date_published"].endswith("Z")
    later = items[0]
    assert later["_qingtian"] == {"record_id": LATER, "kind": "penalty", "enterprise_id": GOOD,
                                  "province": "330000", "first_load": 2, "date": "2025-01-15",
                                  "fine_yuan": 8000.0}
    person = next(i for i in items if i["_qingtian"]["record_id"] == PERSON)
    assert person["url"] == "http://127.0.0.1:8000/unmatched.html"
    company_feed = json.loads((site / "c" / f"{GOOD}.feed.json").read_text(encoding="utf-8"))
    assert [i["_qingtian"]["record_id"] for i in company_feed["items"]] == [LATER, FIRST]
    assert company_feed["feed_url"] == f"http://127.0.0.1:8000/c/{GOOD}.feed.json"
    # c/<id>.json stays the company's data file (etl/publish/build.py company_json)
    assert json.loads((site / "c" / f"{GOOD}.json").read_text(encoding="utf-8"))["enterprise"]["uscc"] == GOOD


def test_changes_per_load(site: Path) -> None:
    first = json.loads((site / "changes" / "load-1.json").read_text(encoding="utf-8"))
    second = json.loads((site / "changes" / "load-2.json").read_text(encoding="utf-8"))
    assert first["load_id"] == 1 and first["loaded_at"].endswith("Z")
    assert first["sources"]["zj_jxsthj_penalties"]["penalty"] == {
        "count": 3, "new": sorted([FIRST, MASKED, PERSON]), "new_version": []}
    assert first["sources"]["nat_mee_permits"]["permit"]["new"] == [f"nat_mee_permits:{GOOD}001P"]
    assert second["sources"] == {"zj_jxsthj_penalties": {"penalty": {
        "count": 2, "new": [LATER], "new_version": [FIRST]}}}
    assert (second["records"], second["new"], second["new_version"]) == (2, 1, 1)
    index = json.loads((site / "changes" / "index.json").read_text(encoding="utf-8"))
    assert index["latest"] == 2
    assert [(x["load_id"], x["url"], x["records"]) for x in index["loads"]] == [
        (1, "changes/load-1.json", 4), (2, "changes/load-2.json", 2)]
    assert index["loads"][1]["counts"] == {"zj_jxsthj_penalties": {"penalty": 2}}
    assert index["loads"][0]["loaded_at"] <= index["loads"][1]["loaded_at"]
