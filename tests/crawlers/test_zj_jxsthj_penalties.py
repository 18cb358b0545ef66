"""A crawl of the Jiaxing penalty column's replica with the real spider: paging, GBK pages, items, evidence."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from crawlers.replay import world
from tests.conftest import read_items, run_crawl

SOURCE = "zj_jxsthj_penalties"


def test_crawl(data_dir: Path, replay: dict[str, str]) -> None:
    [report] = run_crawl(data_dir, SOURCE, origins=replay)
    assert report["ok"], report["errors"]
    assert report["finish_reason"] == "finished"
    assert report["records"] == {"penalty": 30}
    # robots.txt + 3 list pages + 31 articles, all answered
    assert report["responses"] == {"200": 35}
    # the quarterly summary table is reported and skipped, nothing else goes wrong
    assert [e["kind"] for e in report["errors"]] == ["not_a_record"]

    items = read_items(data_dir, SOURCE)
    assert len(items) >= 28
    assert len({item["record_id"] for item in items}) == len(items)
    for item in items:
        assert item["kind"] == "penalty" and item["source"] == SOURCE
        assert item["record_id"] == f"{SOURCE}:{item['fields']['decision_number_norm']}"
        assert item["archive"]["digest"] and len(item["archive"]["digest"]) == 64
        assert item["url"].startswith(replay["sthjj.jiaxing.gov.cn"] + "/xxgk/xzcf/")
        assert item["fields"]["source_page_title"]

    by_number = {item["fields"]["decision_number_norm"]: item for item in items}
    e00 = world.by_key("e00")
    item = by_number["嘉环罚〔2025〕12号"]
    fields = item["fields"]
    assert fields["party"] == e00.name and fields["uscc"] == e00.uscc
    assert fields["fine_yuan"] == 52120 and fields["decision_date"] == "2025-06-20"
    assert fields["penalty_types"] == ["fine", "order_to_correct"]
    assert fields["laws_applied"] == ["《排污许可管理条例》第三十六条第四项"]
    assert fields["source_page_title"] == "南湖嘉昌再生能源有限公司行政处罚决定书"
    assert set(fields) >= {"title", "decision_number", "decision_number_norm", "party", "uscc", "uscc_masked",
                           "address", "legal_representative", "authority", "decision_date", "fine_yuan",
                           "fine_text", "penalty_types", "laws_violated", "laws_applied", "facts"}

    # GBK pages come out right, whether the charset is in the header or only in the meta tag
    assert by_number["嘉环（平）罚〔2025〕5号"]["fields"]["party"] == "平湖清鑫皮革有限公司"
    assert by_number["嘉环（桐）罚〔2025〕11号"]["fields"]["party"] == world.by_key("e30").name
    assert by_number["嘉环（秀）罚〔2024〕9号"]["fields"]["party"] == "沈某某"

    # the archived record is the page the item was parsed from
    warc = data_dir / "raw" / item["archive"]["warc"]
    index = [json.loads(line) for line in warc.with_name(warc.name.replace(".warc.gz", ".index.jsonl"))
             .read_text(encoding="utf-8").splitlines()]
    entry = next(e for e in index if e["url"] == item["url"])
    assert entry["digest"] == item["archive"]["digest"]
    with warc.open("rb") as fh:
        fh.seek(item["archive"]["offset"])
        record = gzip.decompress(fh.read(item["archive"]["length"]))
    assert "嘉环罚〔2025〕12号".encode() in record
