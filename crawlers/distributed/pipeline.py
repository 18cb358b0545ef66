"""Last item stage of a distributed crawl, in place of `JsonLinesPipeline`: the shared item stream.

An item is pushed unless one with the same record id and content (`crawlers.items.content_hash`: what makes a
record version new) was pushed by any worker: a request fetched again after its worker was killed emits its
records again, and they are dropped here. The stream becomes `<crawl>.jsonl` when the crawl is collected
(`crawlers.distributed.collect`).
"""

from __future__ import annotations

import json
from typing import Any

from crawlers import distributed, paths
from crawlers.items import content_hash
from crawlers.pipelines import _Stage


class RedisItems(_Stage):
    def open_spider(self) -> None:
        spider = self.spider
        folder = paths.items_dir() / spider.name
        folder.mkdir(parents=True, exist_ok=True)
        # Until the crawl's items are collected, the loader leaves this worker's archive index alone.
        (folder / f"{spider.crawl_id}.jsonl.part").touch()  # type: ignore[attr-defined]

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        shared = distributed.shared(self.crawler)
        line = json.dumps(item, ensure_ascii=False, sort_keys=True)
        if not shared.push_item(f"{item['record_id']}\n{content_hash(item['fields'])}", line):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("qingtian/redis/duplicate_items")
        return item
