"""A crawl report per source: what was fetched, what was kept, and every error with its URL and record.

Written to `data/items/<source>/<crawl_id>.report.json` when the spider closes. Record counts below the
YAML `assertions` make the report (and the `qingtian crawl` exit status) an error for that source.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers import paths
from crawlers.archive import utcnow

MAX_ERROR = 2000  # characters of one error's text: a UnicodeDecodeError's repr holds the whole page


def _error_text(exception: BaseException) -> str:
    text = repr(exception)
    return text if len(text) <= MAX_ERROR else f"{type(exception).__name__}: {str(exception)[:MAX_ERROR]}"


# A captcha page or a WAF's JavaScript challenge where content was expected.
_BLOCKED = re.compile("验证码|安全验证|访问验证|\\$_ts\\s*=|captcha".encode(), re.IGNORECASE)


class DownloadFailures:
    """Downloader middleware, outermost: an exception that got past RetryMiddleware (retries spent) goes in
    the report with its URL. (Scrapy's stats count such failures by type only.)"""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DownloadFailures:
        return cls(crawler)

    def process_exception(self, request: Request, exception: BaseException) -> None:
        for extension in self.crawler.extensions.middlewares:
            if isinstance(extension, CrawlReport):
                extension.download_failed(request, exception)


class CrawlReport:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.statuses: Counter[int] = Counter()
        self.kinds: Counter[str] = Counter()
        self.errors: list[dict[str, Any]] = []
        self.started = ""
        for handler, signal in (
            (self.spider_opened, signals.spider_opened),
            (self.spider_closed, signals.spider_closed),
            (self.response_received, signals.response_received),
            (self.item_scraped, signals.item_scraped),
            (self.item_dropped, signals.item_dropped),
            (self.item_error, signals.item_error),
            (self.spider_error, signals.spider_error),
            (self.request_failed, signals.request_dropped),
        ):
            crawler.signals.connect(handler, signal=signal)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlReport:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        self.started = utcnow()

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        self.statuses[response.status] += 1
        if response.status >= 400 and not response.url.endswith("/robots.txt"):
            self.errors.append({"kind": "http", "url": response.url, "status": response.status})

    def item_scraped(self, item: dict[str, Any], response: Response, spider: Spider) -> None:
        self.kinds[item["kind"]] += 1

    def item_dropped(self, item: dict[str, Any], response: Response, exception: Exception, spider: Spider) -> None:
        self.errors.append(
            {"kind": "invalid_record", "url": item.get("url"), "record_id": item.get("record_id"),
             "error": str(exception)}
        )

    def item_error(self, item: dict[str, Any], response: Response, spider: Spider, failure: Failure) -> None:
        self.errors.append(
            {"kind": "pipeline", "url": item.get("url"), "record_id": item.get("record_id"),
             "error": _error_text(failure.value)}
        )

    def spider_error(self, failure: Failure, response: Response, spider: Spider) -> None:
        # A captcha or WAF challenge served with status 200 fails the parser; say what it was.
        error = {"kind": "parse", "url": response.url, "error": _error_text(failure.value)}
        if _BLOCKED.search(response.body[:8192]):
            error["blocked"] = "a captcha or WAF challenge page where content was expected"
        self.errors.append(error)

    def download_failed(self, request: Request, exception: BaseException) -> None:
        """A request that failed for good (no answer, timeout, cut transfer), after every retry."""
        self.errors.append({"kind": "download", "url": request.url, "record_id": request.meta.get("record_id"),
                            "error": _error_text(exception)})

    def request_failed(self, request: Request, spider: Spider) -> None:
        self.errors.append({"kind": "dropped_request", "url": request.url})

    def note_error(self, kind: str, url: str, error: str, record_id: str | None = None) -> None:
        """For spiders: report a problem that is not an exception (a gap, a skipped page)."""
        self.errors.append({"kind": kind, "url": url, "record_id": record_id, "error": error})

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        for failure_key in [k for k in stats if k.startswith("downloader/exception_type_count/")]:
            self.errors.append({"kind": "download", "error": failure_key.rsplit("/", 1)[1],
                                "count": stats[failure_key]})
        assertions = spider.metadata.get("assertions", {})  # type: ignore[attr-defined]
        incremental = bool(getattr(spider, "incremental", False))
        # A distributed crawl (crawlers/distributed) is judged whole, by the worker that collected its items.
        kinds = getattr(spider, "crawl_totals", self.kinds)
        for kind, minimum in (assertions.get("min_records") or {}).items() if kinds is not None else ():
            # An incremental crawl emits only what is new: the records known before count too.
            known = spider.state.count(kind) if incremental else 0  # type: ignore[attr-defined]
            if kinds[kind] + known < minimum:
                self.errors.append({"kind": "assertion", "error":
                                    f"{kinds[kind]} {kind} records" + (f" (+{known} known)" if incremental
                                                                        else "") +
                                    f", expected at least {minimum}"})
        report = {
            "source": spider.name,
            "crawl_id": spider.crawl_id,  # type: ignore[attr-defined]
            "live": spider.live,  # type: ignore[attr-defined]
            "started": self.started,
            "finished": utcnow(),
            "finish_reason": reason,
            "requests": int(stats.get("downloader/request_count", 0)),
            "incremental": incremental,
            "not_modified": self.statuses[304],
            "skipped_known": dict(sorted(getattr(spider, "skipped", {}).items())),
            "responses": dict(sorted(self.statuses.items())),
            "records": dict(sorted(self.kinds.items())),
            "errors": self.errors,
            "ok": not any(e["kind"] in ("assertion", "parse", "pipeline") for e in self.errors)
            and reason == "finished",
        }
        folder = paths.items_dir() / spider.name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{spider.crawl_id}.report.json").write_text(  # type: ignore[attr-defined]
            json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8"
        )
