"""Scrapy settings for every Qingtian spider. Politeness lives here, never in per-spider settings."""

from __future__ import annotations

import os

BOT_NAME = "qingtian"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# Polite on live hosts: identify ourselves, obey robots.txt, one request at a time per host, adaptive delay.
USER_AGENT = "Qingtian/0.1 (open environmental-disclosure database; +https://github.com/qingtian-open/qingtian)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 60
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19 opens a remote-control HTTP port per crawl by default; we have no use for it.
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = os.environ.get("QINGTIAN_LOG_LEVEL", "WARNING")

EXTENSIONS = {
    "crawlers.archive.WarcArchive": 100,
    "crawlers.report.CrawlReport": 200,
}
# Incremental crawls: revalidate what earlier crawls archived (crawlers/incremental.py).
DOWNLOADER_MIDDLEWARES = {
    "crawlers.incremental.ConditionalRequests": 580,
    # Outermost: requests that failed after every retry go in the crawl report with their URL.
    "crawlers.report.DownloadFailures": 50,
}
ITEM_PIPELINES = {
    "crawlers.pipelines.ValidatePipeline": 100,
    "crawlers.pipelines.ProvenancePipeline": 200,
    "crawlers.pipelines.ArchivePipeline": 300,
    "crawlers.pipelines.JsonLinesPipeline": 400,
}

# Playwright only for requests that ask for it (meta={"playwright": True}); everything else is plain HTTP.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
DOWNLOAD_HANDLERS = {
    "http": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
    "https": "scrapy_playwright.handler.ScrapyPlaywrightDownloadHandler",
}
PLAYWRIGHT_BROWSER_TYPE = "chromium"
PLAYWRIGHT_LAUNCH_OPTIONS = {
    "executable_path": os.environ.get("QINGTIAN_CHROMIUM", "/usr/bin/chromium"),
    "headless": True,
    "args": [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ],
}
PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT = 30_000

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"

# Set by `qingtian crawl`: live or replay, and where each replicated host is served.
QINGTIAN_LIVE = False
# `qingtian crawl --full`: fetch everything, ignoring what earlier crawls fetched.
QINGTIAN_FULL = False
QINGTIAN_ORIGINS: dict[str, str] = {}
# `qingtian crawl --redis`: seconds without a heartbeat after which a worker counts as dead and the requests it
# had in flight go back to the shared queue (crawlers/distributed).
QINGTIAN_REDIS_LEASE = 10.0

# Against the local replicas politeness only slows tests down; `crawlers.run` applies these then.
REPLAY_OVERRIDES = {
    "ROBOTSTXT_OBEY": True,
    "CONCURRENT_REQUESTS": 16,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
    "DOWNLOAD_DELAY": 0,
    "AUTOTHROTTLE_ENABLED": False,
    "RETRY_TIMES": 2,
}
