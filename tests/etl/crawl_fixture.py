"""A miniature crawl written the way the spiders write one: WARC + archive index + items + report."""

from __future__ import annotations

import hashlib
import json
from io import BytesIO
from pathlib import Path
from typing import Any

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawlers.helpers import uscc

GOOD = uscc.make("330402", "MA2B3C4D")  # a valid code
OTHER = uscc.make("330481", "12345678")
FETCHED = "2026-11-01T08:00:00Z"


def write_crawl(data: Path, source: str, crawl_id: str, records: list[tuple[str, str, dict[str, Any], str]]) -> None:
    """records: (kind, key, fields, page body). One archived response per record."""
    raw = data / "raw" / source
    items = data / "items" / source
    raw.mkdir(parents=True, exist_ok=True)
    items.mkdir(parents=True, exist_ok=True)
    warc_name = f"{crawl_id}.warc.gz"
    with (raw / warc_name).open("wb") as warc, (raw / f"{crawl_id}.index.jsonl").open("w") as index, \
            (items / f"{crawl_id}.jsonl").open("w") as out:
        writer = WARCWriter(warc, gzip=True)
        for number, (kind, key, fields, body) in enumerate(records):
            url = f"http://127.0.0.1:9/{source}/{number}.html"
            payload = body.encode()
            offset = warc.tell()
            writer.write_record(writer.create_warc_record(
                url, "response", payload=BytesIO(payload),
                http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")],
                                              protocol="HTTP/1.1"),
                warc_headers_dict={"WARC-Date": FETCHED},
            ))
            ref = {"warc": f"{source}/{warc_name}", "offset": offset, "length": warc.tell() - offset,
                   "digest": hashlib.sha256(payload).hexdigest(), "fetched_at": FETCHED}
            index.write(json.dumps({"source": source, "crawl_id": crawl_id, "url": url, "method": "GET",
                                    "status": 200, "content_type": "text/html; charset=utf-8",
                                    "size": len(payload), **ref}) + "\n")
            out.write(json.dumps({"source": source, "record_id": f"{source}:{key}", "kind": kind, "url": url,
                                  "archive": ref, "fields": fields, "crawl_id": crawl_id,
                                  "parser_version": "1", "fetched_at": FETCHED}, ensure_ascii=False) + "\n")
    (items / f"{crawl_id}.report.json").write_text(json.dumps({
        "source": source, "crawl_id": crawl_id, "finished": "2026-11-01T08:05:00Z", "ok": True,
        "records": {}, "errors": []}))


def permit(number: str, name: str) -> tuple[str, str, dict[str, Any], str]:
    fields = {"permit_number": number, "uscc": number[:18], "enterprise_name": name, "province": "浙江省",
              "city": "嘉兴市", "industry": "生活垃圾焚烧发电", "management": "重点管理", "valid_from": "2023-01-02",
              "valid_to": "2028-01-01", "issued": "2023-01-02", "address": "浙江省嘉兴市南湖区兴业路1号",
              "region": "浙江省嘉兴市南湖区", "authority": "嘉兴市生态环境局", "business_type": "首次申请",
              "version": "1", "pollutant_categories": ["废气"], "longitude": 120.7, "latitude": 30.7,
              "dataid": "a" * 32, "detail_url": "http://127.0.0.1:9/detail"}
    return ("permit", number, fields, f"<html><body><p>{name} {number}</p></body></html>")


def penalty(number: str, party: str, code: str | None, fine: float | None) -> tuple[str, str, dict[str, Any], str]:
    fields = {"title": f"行政处罚决定书（{number}）", "decision_number": number, "decision_number_norm": number,
              "party": party, "uscc": code, "uscc_masked": bool(code and "*" in code), "address": "嘉兴",
              "legal_representative": None, "authority": "嘉兴市生态环境局", "decision_date": "2025-06-30",
              "fine_yuan": fine, "fine_text": "罚款人民币伍万贰仟壹佰贰拾元",
              "penalty_types": ["fine", "order_to_correct"],
              "laws_violated": ["《中华人民共和国大气污染防治法》第十八条"],
              "laws_applied": ["《中华人民共和国大气污染防治法》第九十九条"], "facts": "超标排放",
              "source_page_title": number}
    return ("penalty", number, fields, f"<html><body><h1>行政处罚决定书</h1><p>{party} {number}</p></body></html>")
