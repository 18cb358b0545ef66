"""Middlewares of a distributed crawl: one worker seeds the start requests; all share each host's delay."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawlers import distributed
from crawlers.distributed.queue import HOST_PREFIX

WAIT = 0.25  # seconds between looks at the seed key while another worker seeds
HOST_TOKEN = "qingtian_host_token"  # request.meta: the host lock this request holds
POLL_MS = 25  # milliseconds between looks at a host's lock while another request to it is out
_COOLING = b"cooling"
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1
"""


class SeedOnce:
    """Spider middleware: only the worker that claims the seed key runs the spider's `start()`; the others
    wait until it is done (meanwhile working on the queue), and take over if the seeding worker dies (its
    lease expires) before it finished: start requests it queued already are filtered as duplicates."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeedOnce:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        shared = distributed.shared(self.crawler)
        while not shared.claim("seed"):
            if shared.server.get(shared.key("seed")) == b"done":
                return
            await asyncio.sleep(WAIT)
        async for item_or_request in start:
            yield item_or_request
        shared.server.set(shared.key("seed"), "done")


class SharedHostDelay:
    """Downloader middleware, last before the download: whichever worker sends them, one request at a time per
    host, the next `QINGTIAN_HOST_DELAY` seconds after the previous one's answer (CONCURRENT_REQUESTS_PER_DOMAIN = 1
    with DOWNLOAD_DELAY, across processes). The lock is a Redis key per host: set only if absent, held while the
    request is out (at most DOWNLOAD_TIMEOUT; freed by `SharedCrawl.recover` should its worker die), then left to
    expire after the delay.
    Spacing from the answer, not from the send, keeps a worker that is slow to send after taking the lock from
    coming too close to the next worker's request."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.delay_ms = int(crawler.settings.getfloat("QINGTIAN_HOST_DELAY") * 1000)
        self.hold_ms = int(crawler.settings.getfloat("DOWNLOAD_TIMEOUT") * 1000) + self.delay_ms

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedHostDelay:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        if self.delay_ms <= 0:
            return None
        shared = distributed.shared(self.crawler)
        server = shared.server
        key = _host_key(request)
        token = f"{shared.crawl}-{shared.worker}:{uuid.uuid4().hex}"  # recognised if this worker dies
        while not server.set(key, token, nx=True, px=self.hold_ms):
            holder = server.get(key)
            # Cooling down: the time left is known; a request out: look again soon.
            left = int(server.pttl(key)) if holder == _COOLING else POLL_MS
            await asyncio.sleep(max(min(left, self.delay_ms), 5) / 1000)
        request.meta[HOST_TOKEN] = token
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        self._release(request)

    def _release(self, request: Request) -> None:
        token = request.meta.pop(HOST_TOKEN, None)
        if token is not None:
            server = distributed.shared(self.crawler).server
            server.eval(_RELEASE, 1, _host_key(request), token, _COOLING, self.delay_ms)


def _host_key(request: Request) -> str:
    return HOST_PREFIX + urlsplit(request.url).netloc

