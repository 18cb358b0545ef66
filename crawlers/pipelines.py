"""Item pipeline: validate → provenance → archive reference → JSON Lines.

Every item is one raw record in the shape of `crawlers.items.new_record`, stamped with its source, crawl,
parser version and `content_hash` (`crawlers.items.content_hash`). Items are written to
`data/items/<source>/<crawl_id>.jsonl.part` and renamed to `.jsonl` only when the crawl closes, so the
loader never reads half a crawl.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlers import paths
from crawlers.items import RECORD_KEYS, clean_fields, content_hash
from etl import crashpoint


class _Stage:
    """Scrapy 2.19 pipelines take no spider argument: the crawler gives it."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> _Stage:
        return cls(crawler)

    @property
    def spider(self) -> Spider:
        assert self.crawler.spider is not None
        return self.crawler.spider


class ValidatePipeline(_Stage):
    """Drop (and report) records missing a required field; the YAML names them per record kind.

    Every text is cleaned first (`crawlers.items.clean_text`: no NULs, no lone surrogates, at most
    MAX_TEXT characters); a cut field is reported as `field_truncated`.
    """

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        spider = self.spider
        missing = [k for k in RECORD_KEYS if k not in item]
        if missing:
            raise DropItem(f"{spider.name}: record without {', '.join(missing)} at {item.get('url')}")
        if not item["record_id"].startswith(f"{spider.name}:"):
            raise DropItem(f"{spider.name}: record id {item['record_id']!r} is not prefixed with the source")
        item["fields"], cut = clean_fields(item["fields"])
        for path in cut:
            spider.report_error("field_truncated", item["url"], f"fields{path} cut to MAX_TEXT characters",  # type: ignore[attr-defined]
                                item["record_id"])
        required = spider.metadata.get("required_fields", {}).get(item["kind"], [])  # type: ignore[attr-defined]
        empty = [f for f in required if item["fields"].get(f) in (None, "", [])]
        if empty:
            raise DropItem(
                f"{spider.name}: {item['kind']} {item['record_id']} at {item['url']} lacks {', '.join(empty)}"
            )
        return item


class ProvenancePipeline(_Stage):
    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        spider = self.spider
        item["source"] = spider.name
        item["crawl_id"] = spider.crawl_id  # type: ignore[attr-defined]
        item["parser_version"] = spider.parser_version  # type: ignore[attr-defined]
        item["content_hash"] = content_hash(item["fields"])
        if item.get("archive"):
            item["fetched_at"] = item["archive"]["fetched_at"]
        return item


class ArchivePipeline(_Stage):
    """A record without an archived source document is evidence-free: refuse it."""

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        spider = self.spider
        archive = item.get("archive")
        if not archive or not archive.get("digest"):
            raise DropItem(f"{spider.name}: {item['record_id']} at {item['url']} has no archived response")
        return item


class JsonLinesPipeline(_Stage):
    def open_spider(self) -> None:
        spider = self.spider
        folder = paths.items_dir() / spider.name
        folder.mkdir(parents=True, exist_ok=True)
        self.final = folder / f"{spider.crawl_id}.jsonl"  # type: ignore[attr-defined]
        self.part = self.final.with_suffix(".jsonl.part")
        self.out: IO[str] = self.part.open("w", encoding="utf-8")

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        self.out.write(json.dumps(item, ensure_ascii=False, sort_keys=True) + "\n")
        crashpoint.reached("crawl.item")
        return item

    def close_spider(self) -> None:
        self.out.close()
        Path(self.part).replace(self.final)
        # The crawl goes to the lake (etl/lake.py) when its archive index closes too: `WarcArchive.spider_closed`,
        # which Scrapy calls after every item pipeline has closed.
