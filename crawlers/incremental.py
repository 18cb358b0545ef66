"""Incremental crawls: fetch only what is new or changed since the source's earlier crawls.

What a source already has comes from its own data: the record ids in the warehouse (`raw.items`) and in
the crawl files not yet loaded (`data/items/<source>/*.jsonl`), and every response in the archive indexes
(`data/raw/<source>/*.index.jsonl`: URL, status, ETag, Last-Modified, time). Three mechanisms use it:

- list spiders page one page at a time and stop after `incremental.stop_after_known_pages` (YAML, default 1)
  pages whose items are all known, and skip the detail requests of known items (`SourceSpider.wanted`);
- `ConditionalRequests` sends `If-None-Match` / `If-Modified-Since` with every other GET whose URL an
  earlier good crawl archived; a 304 is archived as it came (the WARC says what was received) and, like
  any non-2xx answer, never reaches the callback: an unchanged page yields no request and no record;
- APIs without change detection skip the days or keywords already loaded (`known_values`,
  `fetched_at`), except those within `incremental.recheck_days` (platforms revise recent data).

`qingtian crawl --full` (setting `QINGTIAN_FULL`) turns all three off. A source without an earlier crawl is
crawled in full, its list pages in parallel. We keep our own validators rather than Scrapy's
HttpCacheMiddleware: that middleware hands the cached 200 to the engine on a 304, so the archive would
record a 200 that was never sent, and every unchanged record would be emitted again.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawlers import paths

log = logging.getLogger(__name__)

# Errors after which a page fetched with 200 is not done: it and the pages that led to it (their Referer)
# are fetched again next time. (Refusals and download errors concern one attempt: see _FAILURE_KINDS.)
_FAILED_KINDS = frozenset({"parse", "pipeline", "invalid_record", "refused", "envelope", "invalid_page",
                           "attachment"})
# Errors that lose part of a crawl unless a later attempt at the same URL succeeded.
_FAILURE_KINDS = frozenset({"http", "gap", "dropped_request", "list_page", "attachment", "download"})
# Pages judged not to be records: done, unless the crawl that judged them lost pages (a layout fault may
# have misled the judgement); then they are read again with everything else.
_DOUBTFUL_KINDS = frozenset({"not_a_record"})
DEFAULTS: dict[str, Any] = {"stop_after_known_pages": 1, "recheck_days": 3}


def url_key(url: str) -> str:
    """A URL without scheme and host: replicas move between ports, the live host's paths do not."""
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue  # a crawl killed mid-write leaves a partial last line


class CrawlState:
    """What earlier crawls of one source left behind; read lazily, once per crawl."""

    def __init__(self, source: str, data: Path | None = None) -> None:
        self.source = source
        self.data = data or paths.data_dir()

    @cached_property
    def crawls(self) -> dict[str, dict[str, Any]]:
        """Earlier crawl reports by crawl id."""
        folder = self.data / "items" / self.source
        reports = {}
        for path in sorted(folder.glob("*.report.json")):
            try:
                report = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                continue
            reports[report["crawl_id"]] = report
        return reports

    @property
    def empty(self) -> bool:
        return not self.crawls

    def _items(self) -> Iterator[dict[str, Any]]:
        for path in sorted((self.data / "items" / self.source).glob("*.jsonl")):
            yield from _lines(path)

    def _warehouse(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """Rows from the warehouse's raw layer, or none when there is no warehouse (or it is busy)."""
        path = self.data / "warehouse.duckdb"
        if not path.exists():
            return []
        import duckdb

        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as error:
            log.warning("%s: warehouse unreadable (%s); using the crawl files only", self.source, error)
            return []
        try:
            return con.execute(sql, params).fetchall()
        except duckdb.Error:
            return []
        finally:
            con.close()

    @cached_property
    def records(self) -> dict[str, str]:
        """Record id → kind, for every record of this source in the warehouse or in its crawl files."""
        found = dict(self._warehouse("SELECT DISTINCT record_id, kind FROM raw.items WHERE source = ?",
                                     [self.source]))
        found.update((item["record_id"], item.get("kind", "")) for item in self._items() if "record_id" in item)
        return found

    def count(self, kind: str) -> int:
        """Known records of `kind` (for the crawl report's min_records assertions in an incremental crawl)."""
        return sum(1 for k in self.records.values() if k == kind)

    def known_values(self, kind: str, names: Iterable[str]) -> set[tuple[Any, ...]]:
        """Distinct tuples of the named fields over the known records of `kind`."""
        names = list(names)
        columns = ", ".join(f"json_extract_string(fields, '$.{name}')" for name in names)
        found = set(self._warehouse(f"SELECT DISTINCT {columns} FROM raw.items WHERE source = ? AND kind = ?",
                                    [self.source, kind]))
        for item in self._items():
            if item.get("kind") == kind:
                fields = item["fields"]
                found.add(tuple(None if fields.get(n) is None else str(fields[n]) for n in names))
        return found

    @cached_property
    def _responses(self) -> tuple[dict[str, str], dict[str, dict[str, str]], bool, set[str]]:
        """From the finished crawls' archive indexes and reports: URL key → last time fetched (GET, 200 or 304)
        and done; URL key → validators; whether the latest crawl was complete; the doubtful URL keys."""
        fetched: dict[str, str] = {}
        validators: dict[str, dict[str, str]] = {}
        doubtful: set[str] = set()
        complete = True
        for crawl_id, report in sorted(self.crawls.items()):
            path = self.data / "raw" / self.source / f"{crawl_id}.index.jsonl"
            if report.get("finish_reason") != "finished" or not path.exists():
                complete = False  # a crawl that did not finish may have left pages half-followed
                continue
            entries = list(_lines(path))
            ok = {url_key(e["url"]) for e in entries if e.get("status") in (200, 304)}
            referers: dict[str, set[str]] = {}
            for entry in entries:
                if entry.get("referer"):
                    referers.setdefault(url_key(entry["url"]), set()).add(url_key(entry["referer"]))

            def errors(kinds: frozenset[str], report: dict[str, Any] = report) -> set[str]:
                return {url_key(e["url"]) for e in report.get("errors", []) if e.get("kind") in kinds and e.get("url")}

            failed = errors(_FAILED_KINDS) | (errors(_FAILURE_KINDS) - ok)
            not_done = _with_referers(failed, referers)
            dubious = _with_referers(errors(_DOUBTFUL_KINDS), referers)
            for entry in entries:
                key = url_key(entry["url"])
                if key not in ok or key in not_done or entry.get("method") != "GET":
                    continue
                fetched[key] = max(fetched.get(key, ""), entry["fetched_at"])
                if key in dubious:
                    doubtful.add(key)
                else:
                    doubtful.discard(key)
                found = {k: entry[k] for k in ("etag", "last_modified") if entry.get(k)}
                if found:
                    validators[key] = found
            complete = not failed
        return fetched, validators, complete, doubtful

    @property
    def complete(self) -> bool:
        """Whether the latest crawl finished with every page it asked for fetched and parsed. After one that did
        not, the next crawl pages every list and sends no conditional request, so nothing stays lost behind a
        304 or an early stop; it still skips the items known."""
        return self._responses[2]

    def fetched_queries(self, path: str) -> Iterator[dict[str, str]]:
        """The query parameters of every URL on `path` an earlier crawl fetched (GET) successfully."""
        for key in self._responses[0]:
            found, _, query = key.partition("?")
            if found == path:
                yield {k: v[0] for k, v in parse_qs(query).items()}

    def fetched_at(self, url: str) -> str | None:
        """When an earlier crawl last fetched `url` (GET) and everything it led to successfully, as an ISO
        time; else None. Pages judged not to be records count only while the state is `complete`."""
        key = url_key(url)
        if not self.complete and key in self._responses[3]:
            return None
        return self._responses[0].get(key)

    def validators(self, url: str) -> dict[str, str]:
        """ETag / Last-Modified an earlier crawl got for `url`; none while the state is not `complete`."""
        return self._responses[1].get(url_key(url), {}) if self.complete else {}


def _with_referers(keys: set[str], referers: dict[str, set[str]]) -> set[str]:
    """`keys` and every page that led to one of them (by the Referer each request carried), transitively."""
    found, todo = set(keys), list(keys)
    while todo:
        for parent in referers.get(todo.pop(), ()):
            if parent not in found:
                found.add(parent)
                todo.append(parent)
    return found


def settings_of(metadata: dict[str, Any]) -> dict[str, Any]:
    """The YAML's `incremental:` block over the defaults."""
    return {**DEFAULTS, **(metadata.get("incremental") or {})}


def age_days(iso_time: str) -> float:
    then = datetime.strptime(iso_time, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return (datetime.now(UTC) - then).total_seconds() / 86400


class ConditionalRequests:
    """Downloader middleware: revalidate GETs an earlier good crawl archived (ETag, Last-Modified).

    Not for robots.txt (a 304 there would read as an empty robots file), POST forms, pages rendered in
    the browser, or requests with `meta={"conditional": False}` (pages whose links must be followed
    every time, such as a list of enterprises whose daily values are fetched below it).
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequests:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        if (not getattr(spider, "incremental", False) or request.method != "GET"
                or request.url.endswith("/robots.txt") or request.meta.get("playwright")
                or not request.meta.get("conditional", True)
                or b"If-None-Match" in request.headers or b"If-Modified-Since" in request.headers):
            return None
        found = spider.state.validators(request.url)  # type: ignore[union-attr]
        if "etag" in found:
            request.headers[b"If-None-Match"] = found["etag"]
        if "last_modified" in found:
            request.headers[b"If-Modified-Since"] = found["last_modified"]
        if found:
            request.meta["revalidated"] = True
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if response.status == 304 and request.meta.get("revalidated"):
            self.crawler.stats.inc_value("qingtian/not_modified")  # type: ignore[union-attr]
        return response
