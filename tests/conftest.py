"""Shared fixtures: a private data folder per test, replicas served on free ports, crawls in subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawlers.replay.server import ReplayServer, Request, Response, load_replica

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"


def fetch(host: str, path: str, method: str = "GET", form: dict[str, str] | None = None,
          query: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Response:
    """Ask a replica directly, without a socket: for parser tests on replica pages."""
    request = Request(method=method, path=path, query=query or {}, form=form or {}, headers=headers or {})
    return load_replica(host).handle(request)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("QINGTIAN_DATA", str(folder))
    return folder


@pytest.fixture(scope="session")
def replay() -> Iterator[dict[str, str]]:
    """All replicas on free ports of 127.0.0.1: replicated host → origin."""
    with ReplayServer() as server:
        yield server.origins


def run_crawl(data: Path, *sources: str, origins: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Crawl in a subprocess (a Twisted reactor runs once per process) and return the crawl reports."""
    code = (
        "import json, sys; from crawlers.run import crawl; "
        "print(json.dumps(crawl(sys.argv[2:], origins=json.loads(sys.argv[1]) or None)))"
    )
    env = {**os.environ, "QINGTIAN_DATA": str(data)}
    done = subprocess.run(
        [sys.executable, "-c", code, json.dumps(origins or {}), *sources],
        env=env, capture_output=True, text=True, timeout=600, cwd=REPO,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    reports: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return reports


def read_items(data: Path, source: str) -> list[dict[str, Any]]:
    items = []
    for path in sorted((data / "items" / source).glob("*.jsonl")):
        items.extend(json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    return items


def shared_data(*parts: str) -> Path:
    """A file under ../shared/data, or skip: that folder is present in CI, not in a fresh clone."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real test data {path} is absent (../shared/data is only present on project machines)")
    return path


CHROMIUM = os.environ.get("QINGTIAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """The system Chromium driven by Playwright (its own browser downloads cannot work offline)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory: pytest.TempPathFactory, replay: dict[str, str]) -> Iterator[dict[str, Any]]:
    """The whole foundation pipeline, once per test session: replay → crawl → load → match → build."""
    from crawlers.run import spider_names
    from etl.load import load
    from etl.match import match
    from etl.publish.build import build
    from etl.serve import serve_in_background

    data = tmp_path_factory.mktemp("pipeline") / "data"
    reports = run_crawl(data, *spider_names(), origins=replay)
    previous = os.environ.get("QINGTIAN_DATA")
    os.environ["QINGTIAN_DATA"] = str(data)
    try:
        loaded = load()
        matched = match()
        built = build()
    finally:
        if previous is None:
            os.environ.pop("QINGTIAN_DATA", None)
        else:
            os.environ["QINGTIAN_DATA"] = previous
    server, url = serve_in_background(built.path)
    yield {"data": data, "reports": {r["source"]: r for r in reports}, "load": loaded, "match": matched,
           "build": built, "url": url, "origins": replay}
    server.shutdown()
