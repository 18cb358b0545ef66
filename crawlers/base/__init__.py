"""`SourceSpider`: what every Qingtian spider shares, whatever platform it crawls.

A spider is `crawlers/spiders/<prov>/<source_id>.py` beside `<source_id>.yml`. The YAML is read once,
when the class is defined, into `cls.metadata`; the conformance test checks that `name`, the file stem and
the YAML stem agree. `host` (from the YAML) is the live host; unless the crawl is `--live`, requests go to
the local replica of that host instead (`QINGTIAN_ORIGINS`), with the same paths and parameters.

Crawls are incremental (`crawlers.incremental`): `self.state` is what earlier crawls of the source left,
`self.wanted(...)` says whether a detail is worth fetching, `self.keep_paging(...)` whether a list goes on.
"""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar

import scrapy
import yaml
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawlers import incremental
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
    full: bool = False  # `qingtian crawl --full`: fetch everything, as if nothing were known
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
        spider.full = settings.getbool("QINGTIAN_FULL")
        return spider

    # --- incremental crawling (crawlers/incremental.py) ---

    @cached_property
    def state(self) -> incremental.CrawlState:
        return incremental.CrawlState(self.name)

    @cached_property
    def skipped(self) -> Counter[str]:
        """Items not fetched because they were known, by what they were (detail, day, keyword…)."""
        return Counter()

    @cached_property
    def _known_pages(self) -> Counter[str]:
        return Counter()

    @cached_property
    def incremental(self) -> bool:
        """True when earlier crawls exist and `--full` was not given."""
        return not self.full and not self.state.empty

    def incremental_setting(self, name: str) -> Any:
        """`incremental.<name>` from the YAML, else the default in `crawlers.incremental.DEFAULTS`."""
        return incremental.settings_of(self.metadata)[name]

    def is_known(self, record_key: str) -> bool:
        """Whether the record (`<source>:<key>` or the publisher's key alone) is in the warehouse or crawl files."""
        record_id = record_key if record_key.startswith(f"{self.name}:") else f"{self.name}:{record_key}"
        return record_id in self.state.records

    def is_known_url(self, url: str) -> bool:
        """Whether an earlier finished crawl fetched `url` (any origin) and followed it without error."""
        return self.state.fetched_at(url) is not None

    def known(self, kind: str, *fields: str) -> set[tuple[Any, ...]]:
        """The distinct values of `fields` (as text) over the known records of `kind`."""
        return self.state.known_values(kind, fields)

    def wanted(self, url: str | None = None, key: str | None = None, *, seen: bool = False,
               what: str = "detail") -> bool:
        """Whether to fetch an item's page: always in a full crawl, else only if neither its URL nor its record
        key is known, nor the spider has `seen` it by other evidence. Skips are counted in the crawl report
        under `skipped_known`."""
        if not self.incremental:
            return True
        if seen or (url is not None and self.is_known_url(url)) or (key is not None and self.is_known(key)):
            self.skipped[what] += 1
            return False
        return True

    def keep_paging(self, stream: str, known: Iterable[bool]) -> bool:
        """After a list page whose items are `known` (one flag each), whether to fetch the next page of `stream`.

        Only in an incremental crawl, where lists are paged one page at a time: paging stops after
        `incremental.stop_after_known_pages` pages in a row whose items were all known.
        """
        if not self.state.complete:
            return True  # the latest crawl lost pages: page through the whole list, skipping known items
        if all(known):  # a page without items of ours brings nothing new either
            self._known_pages[stream] += 1
        else:
            self._known_pages[stream] = 0
        return self._known_pages[stream] < int(self.incremental_setting("stop_after_known_pages"))

    def recent(self, days: list[Any]) -> set[Any]:
        """The last `incremental.recheck_days` of `days` (sorted dates): fetched again even when known."""
        window = int(self.incremental_setting("recheck_days"))
        return set(sorted(days)[-window:]) if window > 0 else set()

    @staticmethod
    def unchanged(failure: Failure) -> bool:
        """Whether an errback's failure is a 304 Not Modified to a conditional request (nothing to do)."""
        return bool(failure.check(HttpError)) and failure.value.response.status == 304

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
