"""Distributed crawling: several `qingtian crawl --redis URL` processes share one crawl through Redis.

The workers share, per source, one request queue and one duplicate filter (scrapy-redis, made reliable:
`crawlers.distributed.queue`), one item stream de-duplicated by record id and content
(`crawlers.distributed.pipeline`), and one delay per host (`crawlers.distributed.middleware`). The first
worker creates the crawl (its id is kept in Redis under the sources crawled) and seeds the start requests;
later ones join. A worker killed mid-crawl loses nothing: its lease expires and what it had in flight is
fetched again by the others. The crawl ends, for every worker, when the queue and every in-flight set are
empty; the first worker to close then writes the items to `data/items/<source>/<crawl>.jsonl`, which
`qingtian load` reads like any crawl's.

Each worker archives what it fetched under its own crawl id `<crawl>-<worker>` (WARC, index, crawl report),
so the archive references in the items stay valid; until the items are collected an empty
`<crawl>-<worker>.jsonl.part` keeps the loader from reading that worker's index (`etl.lake.unfinished`).
The workers share the data folder (one machine, or a shared file system). Replica origins, like the crawl
id, are stored in Redis by the first worker.
"""

from __future__ import annotations

import json
import os
import weakref
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis
from scrapy.crawler import Crawler
from scrapy.settings import Settings

from crawlers.distributed.queue import KEEP_SECONDS, SharedCrawl

# The lease of `qingtian crawl --redis --collect` while it collects (workers: QINGTIAN_REDIS_LEASE).
COLLECTOR_LEASE = 600.0


@dataclass(frozen=True)
class Worker:
    url: str
    crawl: str  # the shared crawl id
    worker: str  # this process's name within the crawl: w1, w2 …
    origins: dict[str, str]

    @property
    def crawl_id(self) -> str:
        """This worker's own crawl id: its WARC, archive index and crawl report are named after it."""
        return f"{self.crawl}-{self.worker}"


def connect(url: str) -> redis.Redis:
    server = redis.Redis.from_url(url)
    try:
        server.ping()
    except redis.RedisError as error:
        raise SystemExit(f"cannot reach Redis at {url}: {error}") from error
    return server


def _current_key(sources: list[str]) -> str:
    return "qingtian:current:" + ",".join(sorted(sources))


def join(url: str, sources: list[str], *, crawl: str | None = None, live: bool = False,
         origins: dict[str, str] | None = None) -> Worker:
    """Join the running crawl of `sources` (or `crawl`, if given), or start one; this process becomes a worker."""
    server = connect(url)
    if crawl is None:
        fresh = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        server.set(_current_key(sources), fresh, nx=True)
        crawl = server.get(_current_key(sources)).decode()  # type: ignore[union-attr]
    server.set(f"qingtian:{crawl}:sources", json.dumps(sorted(sources)), nx=True)
    stored_sources = json.loads(server.get(f"qingtian:{crawl}:sources"))  # type: ignore[arg-type]
    if stored_sources != sorted(sources):
        raise SystemExit(f"crawl {crawl} crawls {', '.join(stored_sources)}, not {', '.join(sorted(sources))}")
    mode = {"live": live, "origins": {} if live else origins}
    if live or origins is not None:
        server.set(f"qingtian:{crawl}:mode", json.dumps(mode, sort_keys=True), nx=True)
    stored = server.get(f"qingtian:{crawl}:mode")
    if stored is None:
        raise SystemExit(f"crawl {crawl}: no replica origins known; give --origins (of replicas every worker "
                         "reaches, e.g. from `qingtian replay`) or --live")
    mode_found = json.loads(stored)
    if mode_found["live"] != live:
        raise SystemExit(f"crawl {crawl} is {'live' if mode_found['live'] else 'against replicas'}; this worker "
                         f"would crawl {'live' if live else 'replicas'}")
    number = int(server.incr(f"qingtian:{crawl}:workers"))
    return Worker(url=url, crawl=crawl, worker=f"w{number}", origins=mode_found["origins"])


def configure(settings: Settings, worker: Worker) -> None:
    """Settings of a worker: the Redis scheduler, item stream and shared per-host delay.

    The delay between two requests to a host (DOWNLOAD_DELAY, as the replay and test overrides left it) is
    kept in Redis for all workers together; each process's own delay and AutoThrottle would come on top of
    it, after the shared token was taken, and so spoil the spacing: they are off.
    """
    settings.set("SCHEDULER", "crawlers.distributed.scheduler.RedisScheduler", priority="cmdline")
    settings.set("QINGTIAN_REDIS_URL", worker.url, priority="cmdline")
    settings.set("QINGTIAN_REDIS_CRAWL", worker.crawl, priority="cmdline")
    settings.set("QINGTIAN_REDIS_WORKER", worker.worker, priority="cmdline")
    settings.set("QINGTIAN_HOST_DELAY", settings.getfloat("DOWNLOAD_DELAY"), priority="cmdline")
    settings.set("DOWNLOAD_DELAY", 0, priority="cmdline")
    settings.set("AUTOTHROTTLE_ENABLED", False, priority="cmdline")
    pipelines = dict(settings.getdict("ITEM_PIPELINES"))
    pipelines.pop("crawlers.pipelines.JsonLinesPipeline")
    pipelines["crawlers.distributed.pipeline.RedisItems"] = 400
    settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")
    downloader = dict(settings.getdict("DOWNLOADER_MIDDLEWARES"))
    downloader["crawlers.distributed.middleware.SharedHostDelay"] = 950  # last: right before the download
    settings.set("DOWNLOADER_MIDDLEWARES", downloader, priority="cmdline")
    spider = dict(settings.getdict("SPIDER_MIDDLEWARES"))
    spider["crawlers.distributed.middleware.SeedOnce"] = 10
    settings.set("SPIDER_MIDDLEWARES", spider, priority="cmdline")


_SHARED: weakref.WeakKeyDictionary[Crawler, SharedCrawl] = weakref.WeakKeyDictionary()


def shared(crawler: Crawler) -> SharedCrawl:
    """The crawler's source in the shared crawl (one per crawler: scheduler, middlewares and pipeline share it)."""
    if crawler not in _SHARED:
        settings = crawler.settings
        assert crawler.spidercls is not None
        _SHARED[crawler] = SharedCrawl(connect(settings["QINGTIAN_REDIS_URL"]), settings["QINGTIAN_REDIS_CRAWL"],
                                       crawler.spidercls.name, settings["QINGTIAN_REDIS_WORKER"],
                                       settings.getfloat("QINGTIAN_REDIS_LEASE"))
    return _SHARED[crawler]


def collect(crawl: SharedCrawl, items: Path) -> Counter[str] | None:
    """Write the item stream of a finished crawl to `<items>/<source>/<crawl>.jsonl` (through `.part`); the
    records by kind, or None when another worker collects (or collected) it.

    Then every worker's `<crawl>-<worker>.jsonl.part` marker goes: their archive indexes may be loaded.
    """
    if crawl.collected() or not crawl.claim("collect"):
        return None
    folder = items / crawl.source
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{crawl.crawl}.jsonl"
    part = final.with_suffix(".jsonl.part")
    kinds: Counter[str] = Counter()
    with part.open("w", encoding="utf-8") as out:
        for line in crawl.items():
            kinds[json.loads(line)["kind"]] += 1
            out.write(line + "\n")
        out.flush()
        os.fsync(out.fileno())
    part.replace(final)
    for marker in folder.glob(f"{crawl.crawl}-*.jsonl.part"):
        marker.unlink(missing_ok=True)
    crawl.finish(sum(kinds.values()))
    server = crawl.server
    server.sadd(f"qingtian:{crawl.crawl}:collected", crawl.source)
    server.expire(f"qingtian:{crawl.crawl}:collected", KEEP_SECONDS)
    sources = json.loads(server.get(f"qingtian:{crawl.crawl}:sources") or "[]")
    # Every source collected: the next `qingtian crawl --redis` of these sources starts a new crawl.
    if (server.scard(f"qingtian:{crawl.crawl}:collected") >= len(sources)
            and server.get(_current_key(sources)) == crawl.crawl.encode()):
        server.delete(_current_key(sources))
    return kinds


def collect_command(url: str, sources: list[str], crawl: str | None, items: Path) -> list[dict[str, Any]]:
    """`qingtian crawl --redis URL --collect`: collect the items of a crawl whose workers are gone (the last
    one killed before it collected). A crawl not finished is reported as such, with what is left to do."""
    server = connect(url)
    if crawl is None:
        found = server.get(_current_key(sources))
        if found is None:
            raise SystemExit(f"no running crawl of {', '.join(sorted(sources))} in Redis at {url}")
        crawl = found.decode()
    results = []
    for source in sources:
        share = SharedCrawl(server, crawl, source, f"collector-{os.getpid()}", COLLECTOR_LEASE)
        if share.collected():
            results.append({"source": source, "crawl": crawl, "collected": "already"})
            continue
        share.heartbeat()
        try:
            share.recover()
            if not share.done():
                results.append({"source": source, "crawl": crawl, "collected": False, **share.status()})
                continue
            kinds = collect(share, items)
            results.append({"source": source, "crawl": crawl, "collected": kinds is not None,
                            "records": dict(sorted((kinds or {}).items()))})
        finally:
            share.leave()
    return results
