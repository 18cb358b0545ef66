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
    # 30 decision pages, 5 rows of the 海盐 case table, 5 orders to correct; 15 follow-up events from 4
    # re-inspections, 2 notices of fines paid (7 paid, 1 not) and 2 credit-repair notices (4 rows)
    assert report["records"] == {"correction_order": 5, "penalty": 35, "rectification_event": 15}
    # robots.txt + 3 list pages + 45 articles, all answered
    assert report["responses"] == {"200": 49}
    # the quarterly summary table is reported and skipped, nothing else goes wrong
    assert [e["kind"] for e in report["errors"]] == ["not_a_record"]

    items = read_items(data_dir, SOURCE)
    assert len(items) >= 28
    assert len({item["record_id"] for item in items}) == len(items)
    events = [item for item in items if item["kind"] == "rectification_event"]
    items = [item for item in items if item["kind"] != "rectification_event"]
    assert len(events) == 15 and len({e["record_id"] for e in events}) == 15
    by_type: dict[str, int] = {}
    for event in events:
        kind = event["fields"]["event_type"]
        by_type[kind] = by_type.get(kind, 0) + 1
        prefix = "reinspection" if kind.startswith("reinspection") else kind
        assert event["record_id"].startswith(f"{SOURCE}:{prefix}:") and event["archive"]["digest"]
    assert by_type == {"fine_paid": 7, "reinspection_passed": 2, "reinspection_failed": 2, "credit_repaired": 4}
    for item in items:
        assert item["kind"] in ("penalty", "correction_order") and item["source"] == SOURCE
        assert item["record_id"] == f"{SOURCE}:{item['fields']['decision_number_norm']}"
        assert item["archive"]["digest"] and len(item["archive"]["digest"]) == 64
        assert item["url"].startswith(replay["sthjj.jiaxing.gov.cn"] + "/xxgk/xzcf/")
        assert item["fields"]["source_page_title"]

    by_number = {item["fields"]["decision_number_norm"]: item for item in items}

    # the 海盐 case table: one record a row, all citing the one page
    rows = [i for i in items if i["fields"]["authority"] == "嘉兴市生态环境局海盐分局"]
    assert len(rows) == 5 and len({i["url"] for i in rows}) == 1
    row = by_number["嘉环（盐）罚〔2025〕7号"]["fields"]
    assert row["party"] == world.by_key("e45").name and row["uscc"] == world.by_key("e45").uscc
    assert row["fine_yuan"] == 150000 and row["decision_date"] == "2025-05-20"
    assert row["source_page_title"] == "嘉兴市生态环境局海盐分局2025年第二季度环境行政处罚案件"

    # orders to correct: their own kind, no fine, a deadline
    orders = {i["fields"]["decision_number_norm"]: i for i in items if i["kind"] == "correction_order"}
    assert len(orders) == 5
    order = orders["嘉环改字〔2025〕3号"]["fields"]
    assert set(order) >= {"decision_number", "decision_number_norm", "party", "uscc", "uscc_masked", "authority",
                          "decision_date", "facts", "order_text", "deadline", "laws_violated"}
    assert "fine_yuan" not in order
    assert order["party"] == world.by_key("e37").name and order["deadline"] == "2025-03-31"
    assert order["source_page_title"] == "嘉兴兴永电镀有限公司责令改正违法行为决定书"
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
