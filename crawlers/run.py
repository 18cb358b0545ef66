"""Run spiders in this process, against the replicas (default) or the live hosts."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from typing import Any

from crawlers import paths


def crawl(sources: list[str], *, live: bool = False, origins: dict[str, str] | None = None,
          full: bool = False, redis: str | None = None, shared_crawl: str | None = None) -> list[dict[str, Any]]:
    """Crawl `sources` (spider names) in one Twisted reactor run and return their crawl reports.

    Crawls are incremental (`crawlers.incremental`) unless `full`.
    With `redis` (a URL), this process is one worker of a distributed crawl (`crawlers.distributed`): of the
    crawl `shared_crawl`, else the running crawl of these sources, else a new one.
    Without `live` and without `origins`, the replicas are started on free ports for the crawl's duration.
    A reactor runs once per process: call this once, or from a subprocess (`qingtian crawl`).
    """
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from crawlers.replay.server import ReplayServer

    settings = get_project_settings()
    crawl_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    if redis:
        from crawlers import distributed

        worker = distributed.join(redis, sources, crawl=shared_crawl, live=live, origins=origins)
        crawl_id, origins = worker.crawl_id, worker.origins
    settings.set("QINGTIAN_CRAWL_ID", crawl_id)
    settings.set("QINGTIAN_LIVE", live)
    settings.set("QINGTIAN_FULL", full)
    server = None
    if not live:
        if origins is None:
            server = ReplayServer()
            origins = server.start()
        settings.set("QINGTIAN_ORIGINS", origins)
        settings.setdict(settings.getdict("REPLAY_OVERRIDES"), priority="cmdline")
        # Tests only: more overrides as JSON, e.g. a short DOWNLOAD_TIMEOUT for the fault-injection tests.
        settings.setdict(json.loads(os.environ.get("QINGTIAN_TEST_SETTINGS") or "{}"), priority="cmdline")
    if redis:
        distributed.configure(settings, worker)
    process = CrawlerProcess(settings)
    known = set(process.spider_loader.list())
    unknown = [s for s in sources if s not in known]
    if unknown:
        raise SystemExit(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}")
    for source in sources:
        process.crawl(source)
    try:
        process.start()
    finally:
        if server:
            server.stop()
    reports = []
    for source in sources:
        path = paths.items_dir() / source / f"{crawl_id}.report.json"
        if path.exists():
            reports.append(json.loads(path.read_text(encoding="utf-8")))
        else:
            reports.append({"source": source, "crawl_id": crawl_id, "ok": False,
                            "errors": [{"kind": "crashed", "error": "spider did not close cleanly"}]})
        if redis:
            reports[-1]["shared_crawl"] = worker.crawl
            reports[-1]["collected"] = (paths.items_dir() / source / f"{worker.crawl}.jsonl").exists()
    return reports


def spider_names() -> list[str]:
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "crawlers.settings")
    from scrapy.spiderloader import SpiderLoader
    from scrapy.utils.project import get_project_settings

    return sorted(SpiderLoader.from_settings(get_project_settings()).list())


def summary(reports: list[dict[str, Any]]) -> str:
    """One line: this crawl's requests in total, incremental or full, and the previous crawl's total of the same
    sources (their latest earlier reports), so that a re-crawl shows what it saved."""
    total = sum(int(r.get("requests", 0)) for r in reports)
    mode = "incremental" if any(r.get("incremental") for r in reports) else "full"
    previous = 0
    found = False
    for report in reports:
        # A worker of a distributed crawl (`<crawl>-w<n>`, crawlers/distributed): the crawl before that crawl.
        crawl = re.sub(r"-w\d+$", "", report["crawl_id"])
        earlier = sorted(p for p in (paths.items_dir() / report["source"]).glob("*.report.json")
                         if p.name < f"{crawl}.report.json" and not p.name.startswith(f"{crawl}-w"))
        if earlier:
            found = True
            previous += int(json.loads(earlier[-1].read_text(encoding="utf-8")).get("requests", 0))
    not_modified = sum(int(r.get("not_modified", 0)) for r in reports)
    line = f"  {total} requests in total ({mode} crawl; {not_modified} answered 304 Not Modified)"
    return line + (f"; the previous crawl of these sources made {previous}" if found else "")

