"""Distributed crawling (crawlers/distributed): worker processes sharing one crawl through a real Redis server."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from crawlers.replay import server as replay_server
from tests.conftest import REPO, read_items, run_crawl

SOURCE = "zj_jxsthj_penalties"  # a short crawl of several list pages and ~50 articles
HOST = "sthjj.jiaxing.gov.cn"
# Small per-worker concurrency and a host delay: the crawl lasts a few seconds and no worker takes it all.
SETTINGS = {"CONCURRENT_REQUESTS": 2, "DOWNLOAD_DELAY": 0.1, "QINGTIAN_REDIS_LEASE": 2}
WORKER_CODE = "import sys; from etl.cli import main; sys.exit(main())"
_databases = itertools.count(1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Debian's redis-server on a free port of 127.0.0.1, without persistence; its URL without a database."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is missing: `make test` installs Debian's redis-server package")
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([binary, "--port", str(port), "--save", "", "--appendonly", "no",
                                "--bind", "127.0.0.1", "--dir", str(folder)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not answer within 5 s")
        client.close()
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


@pytest.fixture
def redis_url(redis_server: str) -> str:
    """A database of its own per test (the server has 16)."""
    url = f"{redis_server}/{next(_databases) % 16}"
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture(scope="module")
def single(tmp_path_factory: pytest.TempPathFactory, replay: dict[str, str]) -> dict[str, Any]:
    """The same source crawled by one ordinary (not distributed) crawl: what the workers must reproduce."""
    data = tmp_path_factory.mktemp("single") / "data"
    [report] = run_crawl(data, SOURCE, origins=replay)
    assert report["ok"], report["errors"]
    items = read_items(data, SOURCE)
    return {"ids": [i["record_id"] for i in items], "urls": _fetched(data)}


def _index_lines(data: Path) -> dict[str, list[dict[str, Any]]]:
    """Archive index entries per worker crawl id."""
    return {p.name.removesuffix(".index.jsonl"): [json.loads(line) for line in p.read_text().splitlines()
                                                   if line.endswith("}")]
            for p in sorted((data / "raw" / SOURCE).glob("*.index.jsonl"))}


def _fetched(data: Path) -> set[tuple[str, str]]:
    return {(e["method"], e["url"]) for entries in _index_lines(data).values() for e in entries}


class Worker:
    def __init__(self, data: Path, url: str, origins: dict[str, str], settings: dict[str, Any], log: Path) -> None:
        env = {**os.environ, "QINGTIAN_DATA": str(data), "QINGTIAN_TEST_SETTINGS": json.dumps(settings),
               "QINGTIAN_LOG_LEVEL": "INFO"}
        self.log = log
        self._out = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER_CODE, "crawl", "--redis", url, "--origins", json.dumps(origins), SOURCE],
            env=env, stdout=self._out, stderr=subprocess.STDOUT, cwd=REPO)

    def name(self) -> str | None:
        found = re.search(r"worker (w\d+) joined", self.log.read_text(errors="replace"))
        return found.group(1) if found else None

    def wait(self) -> int:
        try:
            return self.process.wait(120)
        finally:
            self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self._out.close()


def _workers(count: int, data: Path, url: str, origins: dict[str, str], settings: dict[str, Any],
             logs: Path) -> list[Worker]:
    logs.mkdir(parents=True, exist_ok=True)
    return [Worker(data, url, origins, settings, logs / f"worker{n}.log") for n in range(count)]


def _check_collected(data: Path, single: dict[str, Any]) -> list[dict[str, Any]]:
    """The collected items are the single crawl's records, each once, citing archived responses; every
    worker's index is loadable (no `.jsonl.part` marker left: etl/load.py) and every page the single crawl
    fetched was fetched."""
    [collected] = (data / "items" / SOURCE).glob("*.jsonl")
    assert not list((data / "items" / SOURCE).glob("*.part"))
    items = read_items(data, SOURCE)
    ids = [item["record_id"] for item in items]
    assert len(ids) == len(set(ids)) == len(single["ids"])
    assert set(ids) == set(single["ids"])
    indexes = _index_lines(data)
    archived = {(e["warc"], e["offset"]) for entries in indexes.values() for e in entries}
    assert all((item["archive"]["warc"], item["archive"]["offset"]) in archived for item in items)
    assert all(crawl_id.startswith(collected.stem + "-w") for crawl_id in indexes)
    assert _fetched(data) == single["urls"]
    return items


def test_two_workers_share_one_crawl(single: dict[str, Any], replay: dict[str, str], redis_url: str,
                                     tmp_path: Path) -> None:
    data = tmp_path / "data"
    workers = _workers(2, data, redis_url, replay, SETTINGS, tmp_path / "logs")
    assert [w.wait() for w in workers] == [0, 0], [w.log.read_text()[-3000:] for w in workers]
    _check_collected(data, single)
    # Both fetched part of it (robots.txt aside), and each worker's report is its own.
    pages = {crawl_id: [e for e in entries if not e["url"].endswith("/robots.txt")]
             for crawl_id, entries in _index_lines(data).items()}
    assert len(pages) == 2 and all(pages.values()), {k: len(v) for k, v in pages.items()}
    reports = [json.loads(p.read_text()) for p in (data / "items" / SOURCE).glob("*.report.json")]
    assert sorted(r["crawl_id"] for r in reports) == sorted(pages)
    assert all(r["ok"] and r["finish_reason"] == "finished" for r in reports)
    # The workers' requests add up to the single crawl's, robots.txt once per worker.
    assert sum(r["requests"] for r in reports) == len(single["urls"]) + 1
    # Redis keeps only the small markers of a collected crawl.
    client = redis.Redis.from_url(redis_url)
    assert not [k for k in client.keys("qingtian:*") if re.search(rb":(queue|requests|items|dupefilter)$", k)]
    assert not client.keys("qingtian:current:*")


def test_a_killed_worker_loses_no_request_and_duplicates_no_item(single: dict[str, Any], replay: dict[str, str],
                                                                 redis_url: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    logs = tmp_path / "logs"
    victim, survivor = _workers(2, data, redis_url, replay, SETTINGS, logs)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            name = victim.name()
            index = data / "raw" / SOURCE
            fetched = [p for p in index.glob(f"*-{name}.index.jsonl")] if name else []
            if fetched and len(fetched[0].read_text().splitlines()) >= 12:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the first worker fetched nothing within 60 s: " + victim.log.read_text()[-3000:])
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait(10)
        killed_name = victim.name()
        assert survivor.wait() == 0, survivor.log.read_text()[-3000:]
    finally:
        victim.stop()
        survivor.stop()
    items = _check_collected(data, single)
    # What the killed worker had in flight was put back by a live worker once its lease expired.
    assert re.search(r"\d+ requests of a worker whose lease expired put back", survivor.log.read_text())
    # The killed worker left no report; the records it pushed before dying cite its archive.
    assert not list((data / "items" / SOURCE).glob(f"*-{killed_name}.report.json"))
    assert any(item["crawl_id"].endswith(f"-{killed_name}") for item in items)


def test_politeness_holds_across_workers(redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two workers together keep the per-host delay: the replica sees requests at least that far apart (they are
    spaced from the previous answer, so a worker slow to send cannot bring two requests closer)."""
    seen: list[float] = []
    load = replay_server.load_replica

    class Recording:
        def __init__(self, replica: Any) -> None:
            self.replica = replica
            self.host = replica.host

        def handle(self, request: replay_server.Request) -> replay_server.Response:
            seen.append(time.monotonic())
            return self.replica.handle(request)

    monkeypatch.setattr(replay_server, "load_replica", lambda host: Recording(load(host)))
    delay = 0.25
    data = tmp_path / "data"
    with replay_server.ReplayServer(hosts=[HOST]) as server:
        workers = _workers(2, data, redis_url, server.origins,
                           {**SETTINGS, "DOWNLOAD_DELAY": delay, "CONCURRENT_REQUESTS": 4}, tmp_path / "logs")
        try:
            deadline = time.monotonic() + 60
            # Until both workers fetched pages and the host saw 20 requests (about five seconds).
            while time.monotonic() < deadline:
                counts = [len(entries) for entries in _index_lines(data).values()]
                if len(counts) == 2 and min(counts) >= 3 and len(seen) >= 20:
                    break
                time.sleep(0.1)
            else:
                pytest.fail(f"the workers did not both fetch within 60 s: {counts}")
        finally:
            for worker in workers:
                worker.stop()
    gaps = [b - a for a, b in itertools.pairwise(sorted(seen))]
    print(f"{len(seen)} requests, smallest gap {min(gaps):.3f} s, delay {delay} s")
    assert min(gaps) >= delay - 0.02
