"""`SourceSpider`: what every Qingtian spider shares, whatever platform it crawls.

A spider is `crawlers/spiders/<prov>/<source_id>.py` beside `<source_id>.yml`. The YAML is read once,
when the class is defined, into `cls.metadata`; the conformance test checks that `name`, the file stem and
the YAML stem agree. `host` (from the YAML) is the live host; unless the crawl is `--live`, requests go to
the local replica of that host instead (`QINGTIAN_ORIGINS`), with the same paths and parameters.
"""

from __future__ import annotations

import inspect
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import scrapy
import yaml
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawlers.items import new_record

REQUIRED_METADATA = ("title", "summary", "publisher", "region_code", "record_kind", "host", "data", "encoding",
                     "coverage", "assertions")


def load_metadata(module_file: str | Path) -> dict[str, Any]:
    path = Path(module_file).with_suffix(".yml")
    with path.open(encoding="utf-8") as fh:
        meta: dict[str, Any] = yaml.safe_load(fh)
    missing = [k for k in REQUIRED_METADATA if k not in meta]
    if missing:
        raise ValueError(f"{path}: metadata lacks {', '.join(missing)}")
    return meta


class SourceSpider(scrapy.Spider):
    """Base of every spider: metadata, live/replay origin, crawl id, record construction."""

    metadata: ClassVar[dict[str, Any]] = {}
    parser_version: ClassVar[str] = "1"
    live: bool = False
    origin: str = ""
    crawl_id: str = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        module_file = inspect.getfile(cls)
        # Platform bases live in crawlers/base/ and have no YAML; concrete spiders must.
        if Path(module_file).with_suffix(".yml").exists():
            cls.metadata = load_metadata(module_file)

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> SourceSpider:
        spider: SourceSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        spider.live = settings.getbool("QINGTIAN_LIVE")
        host = cls.metadata["host"]
        if spider.live:
            spider.origin = cls.metadata.get("origin", f"https://{host}")
        else:
            origins = settings.getdict("QINGTIAN_ORIGINS")
            if host not in origins:
                raise NotConfigured(f"{cls.name}: no replica serves {host}; run through `qingtian crawl`")
            spider.origin = origins[host]
        spider.crawl_id = settings.get("QINGTIAN_CRAWL_ID") or datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        return spider

    def url(self, path: str) -> str:
        """An absolute URL on the source's origin (live host or its replica) for a root-relative path."""
        return self.origin + path

    def record(self, response: Response, kind: str, key: str, fields: dict[str, Any]) -> dict[str, Any]:
        return new_record(self.name, response, kind, key, fields)

    def decode(self, response: Response) -> str:
        """The page text in the encoding the YAML declares (some bureaux serve GBK without saying so)."""
        declared = self.metadata["encoding"]
        return response.body.decode(declared, errors="strict")

    def report_error(self, kind: str, url: str, error: str, record_id: str | None = None) -> None:
        """Put a non-fatal problem (a gap, an unparseable page) into this crawl's report."""
        for ext in self.crawler.extensions.middlewares:
            if hasattr(ext, "note_error"):
                ext.note_error(kind, url, error, record_id)
        self.logger.warning("%s: %s %s %s", self.name, kind, url, error)
