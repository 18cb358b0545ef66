"""The scheduler of a distributed crawl: scrapy-redis's, over the reliable shared queue of `queue.py`.

Besides queueing, it keeps the worker's lease (a heartbeat), puts back the requests of workers whose lease
expired, keeps the spider open while any worker still has work (the crawl ends for all at once), and, when
the spider closes, collects the items if the crawl is over and no other worker did.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import redis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task, threads
from twisted.internet.defer import Deferred

from crawlers import distributed, paths
from crawlers.distributed.queue import ReliableQueue, SharedCrawl

log = logging.getLogger(__name__)

TICK = 0.25  # seconds between heartbeats, which also look for expired leases and new work in the queue


class RedisScheduler(Scheduler):
    def __init__(self, crawler: Crawler, shared: SharedCrawl) -> None:
        server = shared.server
        super().__init__(server, persist=True,
                         dupefilter=RFPDupeFilter(server, shared.key("dupefilter"),
                                                  debug=crawler.settings.getbool("DUPEFILTER_DEBUG")))
        self.crawler = crawler
        self.shared = shared
        self.stats = crawler.stats
        self._loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisScheduler:
        return cls(crawler, distributed.shared(crawler))

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.queue = ReliableQueue(self.server, spider, self.shared.key("queue"), self.shared)
        self.shared.heartbeat()
        engine = self.crawler.engine
        # Scrapy has no signal for "a request's response and all that came of it are processed"; the engine
        # calls _remove_request exactly then (after the callback's requests were queued and its items went
        # through the pipelines, or after a retry or redirect was queued): acknowledge the request there.
        original = getattr(engine, "_remove_request", None)
        if original is None:
            raise RuntimeError("Scrapy's engine has no _remove_request: crawlers/distributed cannot acknowledge "
                               "requests with this Scrapy version")

        def remove_request(result: Any, request: Request) -> None:
            try:
                original(result, request=request)
            finally:
                self.queue.ack(request)

        engine._remove_request = remove_request  # type: ignore[union-attr, method-assign]
        self.crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        self._loop = task.LoopingCall(self.tick)
        self._loop.start(TICK, now=False)
        status = self.shared.status()
        log.info("%s: worker %s joined crawl %s (%d queued, %d in flight)", spider.name, self.shared.worker,
                 self.shared.crawl, status["queued"], status["in_flight"])

    def tick(self) -> None:
        """Renew the lease, put back a dead worker's requests, and let the engine look at the shared queue."""
        try:
            self.shared.heartbeat()
            back = self.shared.recover()
        except redis.RedisError as error:
            log.warning("%s: Redis unreachable (%s); retrying", self.spider.name, error)
            return
        if back:
            log.warning("%s: %d requests of a worker whose lease expired put back in the queue",
                        self.spider.name, back)
            if self.stats:
                self.stats.inc_value("qingtian/redis/requeued", back)
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and slot.closing is None:
            slot.nextcall.schedule()

    def spider_idle(self, spider: Spider) -> None:
        """Idle here is not the end while other workers (or the seeding) may still queue requests."""
        if not self.shared.done():
            raise DontCloseSpider

    def enqueue_request(self, request: Request) -> bool:
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        if not self.queue.push(request, fingerprint):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        try:
            request = self.queue.pop()
        except (ValueError, AttributeError, TypeError) as error:
            # A request this spider's code can no longer decode (callback renamed…): report it; the rest goes on.
            self.spider.report_error("dropped_request", "", f"undecodable request in the shared queue: {error!r}")  # type: ignore[attr-defined]
            return None
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        return len(self.queue) > 0

    def close(self, reason: str) -> Deferred[None]:
        return deferred_from_coro(self._close(reason))

    async def _close(self, reason: str) -> None:
        back = self.shared.requeue()
        if back:
            log.warning("%s: closing (%s) with %d requests unfinished: put back for the other workers",
                        self.spider.name, reason, back)
        # The first worker to close a finished crawl collects its items, in a thread so that its heartbeat goes
        # on; the others wait for it (and collect themselves if its lease expires first).
        kinds = None
        while kinds is None and self.shared.done() and not self.shared.collected():
            kinds = await maybe_deferred_to_future(threads.deferToThread(distributed.collect, self.shared,
                                                                         paths.items_dir()))
            if kinds is None:
                await asyncio.sleep(TICK)
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        self.shared.leave()
        # The crawl report checks min_records against the whole crawl, in the worker that collected it only.
        self.spider.crawl_totals = kinds  # type: ignore[attr-defined]
        if kinds is not None:
            log.info("%s: crawl %s collected: %d records in items/%s/%s.jsonl", self.spider.name,
                     self.shared.crawl, sum(kinds.values()), self.spider.name, self.shared.crawl)
        elif self.shared.collected():
            # Collected by another worker, which removes the markers it finds: this one goes too.
            marker = paths.items_dir() / self.spider.name / f"{self.spider.crawl_id}.jsonl.part"  # type: ignore[attr-defined]
            marker.unlink(missing_ok=True)
