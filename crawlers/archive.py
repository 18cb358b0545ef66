"""Archive every response (errors included) as a WARC record, and tell the spider where it went.

One gzip WARC per crawl, `data/raw/<source>/<crawl_id>.warc.gz`, with an index line per record in
`<crawl_id>.index.jsonl`. The record's reference (file, offset, sha256 of the body) is put in
`request.meta["archive"]` before the spider sees the response, so every item can cite its evidence.
When the crawl closes, its items and archive index are exported to the lake as Parquet (etl/lake.py).
A 304 Not Modified to a conditional request is archived as received (status 304, empty body).
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawlers import paths

log = logging.getLogger(__name__)

def utcnow() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class WarcArchive:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._files: dict[str, tuple[IO[bytes], IO[str], WARCWriter, Path]] = {}
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.response_received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcArchive:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        folder = paths.raw_dir() / spider.name
        folder.mkdir(parents=True, exist_ok=True)
        crawl_id: str = spider.crawl_id  # type: ignore[attr-defined]
        warc_path = folder / f"{crawl_id}.warc.gz"
        warc = warc_path.open("ab")
        index = (folder / f"{crawl_id}.index.jsonl").open("a", encoding="utf-8")
        self._files[spider.name] = (warc, index, WARCWriter(warc, gzip=True), warc_path)

    def spider_closed(self, spider: Spider) -> None:
        warc, index, _, _ = self._files.pop(spider.name)
        warc.close()
        index.close()
        # Item pipelines close (items renamed from .part) before spider_closed: the crawl is whole now, unless
        # its items are still to come (a distributed crawl's worker: exported by `qingtian load` once collected).
        from etl import lake

        data, crawl_id = paths.data_dir(), spider.crawl_id  # type: ignore[attr-defined]
        if lake.unfinished(data, spider.name, crawl_id):
            return
        try:
            lake.export_crawl(data, spider.name, crawl_id)
        except Exception:  # the crawl's files are complete; `qingtian load` exports what is not in the lake
            log.exception("%s: crawl %s not exported to the lake", spider.name, crawl_id)

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        warc, index, writer, warc_path = self._files[spider.name]
        fetched_at = utcnow()
        body = response.body
        digest = hashlib.sha256(body).hexdigest()
        headers = [
            (k.decode("latin-1"), v.decode("latin-1"))
            for k, values in response.headers.items()
            for v in values
        ]
        status_line = f"{response.status} {_REASONS.get(response.status, 'Status')}"
        record = writer.create_warc_record(
            response.url,
            "response",
            payload=BytesIO(body),
            http_headers=StatusAndHeaders(status_line, headers, protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": fetched_at, "WARC-Qingtian-Source": spider.name},
        )
        offset = warc.tell()
        writer.write_record(record)
        warc.flush()
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        # Validators for the next crawl's conditional requests (crawlers/incremental.py).
        extra = {name: response.headers[header].decode("latin-1")
                      for name, header in (("etag", b"ETag"), ("last_modified", b"Last-Modified"))
                      if response.headers.get(header)}
        # The page that led here: a failure here makes that page not done either (crawlers/incremental.py).
        referer = request.headers.get(b"Referer")
        if referer:
            extra["referer"] = referer.decode("latin-1")
        ref: dict[str, Any] = {
            "warc": f"{spider.name}/{warc_path.name}",
            "offset": offset,
            "length": warc.tell() - offset,
            "digest": digest,
            "fetched_at": fetched_at,
        }
        index.write(
            json.dumps(
                {
                    "source": spider.name,
                    "crawl_id": spider.crawl_id,  # type: ignore[attr-defined]
                    "url": response.url,
                    "method": request.method,
                    "status": response.status,
                    "content_type": content_type,
                    "size": len(body),
                    **extra,
                    **ref,
                },
                ensure_ascii=False,
            )
            + "\n"
        )
        index.flush()
        request.meta["archive"] = ref


_REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 403: "Forbidden",
            404: "Not Found", 412: "Precondition Failed", 500: "Internal Server Error",
            502: "Bad Gateway", 503: "Service Unavailable"}
