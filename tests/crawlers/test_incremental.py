"""Incremental crawls: a re-crawl fetches only what is new or changed, and the archive keeps every response.

Crawls run in subprocesses that serve the replicas themselves, so that `QINGTIAN_REPLAY_EDITION=2` (a few
records more at the top of the list sources) takes effect in the replicas of that crawl only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crawlers.incremental import CrawlState, url_key
from etl.load import load
from tests.conftest import REPO, read_items, run_crawl

JIAXING = "zj_jxsthj_penalties"
PERMITS = "nat_mee_permits"
SGS = "js_sthjt_sgs_penalties"


def index_lines(data: Path, source: str, crawl_id: str) -> list[dict[str, Any]]:
    path = data / "raw" / source / f"{crawl_id}.index.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def crawl_full(data: Path, source: str) -> dict[str, Any]:
    code = "import json, sys; from crawlers.run import crawl; print(json.dumps(crawl(sys.argv[1:], full=True)))"
    done = subprocess.run([sys.executable, "-c", code, source], env={**os.environ, "QINGTIAN_DATA": str(data)},
                          capture_output=True, text=True, timeout=600, cwd=REPO)
    assert done.returncode == 0, done.stderr[-4000:]
    [report] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def first_crawl(data: Path, source: str) -> dict[str, Any]:
    [report] = run_crawl(data, source)
    failed = [e for e in report["errors"] if e["kind"] in ("parse", "pipeline", "download")]
    assert not failed, f"the first crawl must succeed for the second to be incremental: {failed[:3]}"
    assert report["incremental"] is False  # nothing known yet: a full crawl
    return report


def test_jiaxing_column_recrawl_fetches_only_new_decisions(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QINGTIAN_REPLAY_EDITION", raising=False)
    first = first_crawl(data_dir, JIAXING)
    assert load().items_added == len(read_items(data_dir, JIAXING)) > 30

    # Unchanged replica: robots.txt and the column's first page, which answers 304 Not Modified.
    [second] = run_crawl(data_dir, JIAXING)
    assert second["incremental"] is True
    assert second["requests"] == 2
    assert second["responses"] == {"200": 1, "304": 1}
    assert second["records"] == {} and second["ok"], second["errors"]
    lines = index_lines(data_dir, JIAXING, second["crawl_id"])
    assert [(url_key(e["url"]), e["status"], e["size"]) for e in lines] == [
        ("/robots.txt", 200, lines[0]["size"]), ("/xxgk/xzcf/index.shtml", 304, 0)]
    loaded = load()
    assert (loaded.items_added, loaded.archive_added) == (0, 2)  # the 304 is archived; no record version

    # Edition 2: two decisions at the top. Page 1 (changed), page 2 (shifted, all known: stop), two articles.
    monkeypatch.setenv("QINGTIAN_REPLAY_EDITION", "2")
    [third] = run_crawl(data_dir, JIAXING)
    assert third["requests"] == 5, third
    assert third["records"] == {"penalty": 2}
    assert third["skipped_known"]["detail"] >= 10
    new = [i for i in read_items(data_dir, JIAXING) if i["crawl_id"] == third["crawl_id"]]
    assert sorted(i["fields"]["decision_number"] for i in new) == ["嘉环(秀)罚〔2026〕25号", "嘉环罚〔2026〕30号"]
    assert load().items_added == 2
    assert first["requests"] > 30


def test_permit_recrawl_stops_at_known_permits(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QINGTIAN_REPLAY_EDITION", raising=False)
    first = first_crawl(data_dir, PERMITS)
    load()
    [second] = run_crawl(data_dir, PERMITS)
    # robots.txt (404 on the platform), the portal (never conditional: it sets the session), the list: 304.
    assert (second["requests"], second["responses"], second["records"]) == (3, {"200": 1, "304": 1, "404": 1}, {})
    assert second["ok"], second["errors"]
    assert load().items_added == 0

    # Edition 2: two permits issued since. List page 1 (2 new, 8 known), page 2 (all known: stop), and each
    # new permit's basic-info page and three tabs.
    monkeypatch.setenv("QINGTIAN_REPLAY_EDITION", "2")
    [third] = run_crawl(data_dir, PERMITS)
    assert third["requests"] == 1 + 1 + 2 + 2 * 4, third
    assert third["records"]["permit"] == 2
    assert third["skipped_known"] == {"detail": 18}
    assert load().items_added == sum(third["records"].values())
    assert first["requests"] > 200


def test_sgs_form_recrawl_pages_each_category_until_known(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QINGTIAN_REPLAY_EDITION", raising=False)
    first_crawl(data_dir, SGS)
    load()
    # POST forms are never conditional: robots.txt and page 1 of each category, whose rows are all known.
    [second] = run_crawl(data_dir, SGS)
    assert (second["requests"], second["records"], second["skipped_known"]) == (3, {}, {"detail": 20 + 15})
    assert load().items_added == 0
    # Edition 2: two penalties at the top of 环罚: its pages 1 and 2, 责改 page 1, the two details.
    monkeypatch.setenv("QINGTIAN_REPLAY_EDITION", "2")
    [third] = run_crawl(data_dir, SGS)
    assert (third["requests"], third["records"]) == (6, {"penalty": 2}), third
    assert load().items_added == 2


def test_full_crawl_fetches_everything_again(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QINGTIAN_REPLAY_EDITION", raising=False)
    first = first_crawl(data_dir, JIAXING)
    again = crawl_full(data_dir, JIAXING)
    assert again["incremental"] is False
    assert again["requests"] == first["requests"]
    assert again["records"] == first["records"]
    assert "304" not in again["responses"]


# --- the state, without crawling ---


def write_crawl(data: Path, source: str, crawl_id: str, entries: list[dict[str, Any]],
                errors: list[dict[str, Any]] | None = None, items: list[dict[str, Any]] | None = None) -> None:
    (data / "raw" / source).mkdir(parents=True, exist_ok=True)
    (data / "items" / source).mkdir(parents=True, exist_ok=True)
    lines = [{"url": "http://127.0.0.1:1/x", "method": "GET", "status": 200, "fetched_at": "2026-11-20T00:00:00Z",
              **e} for e in entries]
    (data / "raw" / source / f"{crawl_id}.index.jsonl").write_text(
        "".join(json.dumps(line) + "\n" for line in lines) + '{"partial', encoding="utf-8")
    report = {"source": source, "crawl_id": crawl_id, "finish_reason": "finished", "ok": True,
              "errors": errors or []}
    (data / "items" / source / f"{crawl_id}.report.json").write_text(json.dumps(report), encoding="utf-8")
    (data / "items" / source / f"{crawl_id}.jsonl").write_text(
        "".join(json.dumps(i) + "\n" for i in items or []), encoding="utf-8")


def test_state_from_crawl_files(tmp_path: Path) -> None:
    write_crawl(tmp_path, "s", "c1", [
        {"url": "http://127.0.0.1:8701/list/index.shtml", "etag": '"abc"'},
        {"url": "http://127.0.0.1:8701/a/1.shtml", "last_modified": "Tue, 10 Nov 2026 08:00:00 GMT"},
        {"url": "http://127.0.0.1:8701/a/2.shtml"},
        {"url": "http://127.0.0.1:8701/a/3.shtml", "status": 404},
        {"url": "http://127.0.0.1:8701/list", "method": "POST"},
    ], errors=[{"kind": "not_a_record", "url": "http://127.0.0.1:8701/a/1.shtml"}],
        items=[{"record_id": "s:A1", "kind": "penalty", "fields": {"day": "2026-11-01", "n": 3}}])
    state = CrawlState("s", tmp_path)
    assert state.complete
    # Another port, the same page: known, with its validators.
    assert state.validators("http://127.0.0.1:9999/list/index.shtml") == {"etag": '"abc"'}
    assert state.validators("https://example.gov.cn/a/1.shtml") == {"last_modified": "Tue, 10 Nov 2026 08:00:00 GMT"}
    assert state.fetched_at("http://h/a/2.shtml") == "2026-11-20T00:00:00Z"
    assert state.fetched_at("http://h/a/3.shtml") is None  # a 404 is not done
    assert state.fetched_at("http://h/list") is None  # POSTs are not pages one can revalidate
    assert set(state.records) == {"s:A1"} and state.count("penalty") == 1
    assert state.known_values("penalty", ["day", "n"]) == {("2026-11-01", "3")}


def test_no_validators_from_a_crawl_with_parse_errors(tmp_path: Path) -> None:
    write_crawl(tmp_path, "s", "c1", [{"url": "http://h/list/index.shtml", "etag": '"abc"'},
                                      {"url": "http://h/a/1.shtml", "etag": '"def"'}],
                errors=[{"kind": "parse", "url": "http://h/a/1.shtml", "error": "ValueError()"}])
    state = CrawlState("s", tmp_path)
    # The list page was fetched, but a 304 next time would hide the article that failed: no validators.
    assert state.validators("http://h/list/index.shtml") == {}
    assert state.fetched_at("http://h/list/index.shtml") is not None
    assert state.fetched_at("http://h/a/1.shtml") is None  # fetched again next time


def test_a_crawl_that_lost_pages_is_resumed_in_full(tmp_path: Path) -> None:
    # A list page refused (503) and never fetched: the next crawl sends no validators and pages every list.
    write_crawl(tmp_path, "s", "c1", [{"url": "http://h/list/index.shtml", "etag": '"abc"'},
                                      {"url": "http://h/list/index_3.shtml", "status": 503}],
                errors=[{"kind": "http", "url": "http://h/list/index_3.shtml", "status": 503}])
    state = CrawlState("s", tmp_path)
    assert not state.complete and state.validators("http://h/list/index.shtml") == {}
    # Refused, then fetched on a retry in the same crawl: nothing lost.
    write_crawl(tmp_path, "s", "c2", [{"url": "http://h/list/index.shtml", "etag": '"abc"'},
                                      {"url": "http://h/list/index_3.shtml", "status": 503},
                                      {"url": "http://h/list/index_3.shtml"}],
                errors=[{"kind": "http", "url": "http://h/list/index_3.shtml", "status": 503}])
    state = CrawlState("s", tmp_path)
    assert state.complete and state.validators("http://h/list/index.shtml") == {"etag": '"abc"'}


def test_a_failed_attachment_leaves_its_notice_to_be_read_again(tmp_path: Path) -> None:
    write_crawl(tmp_path, "s", "c1", [
        {"url": "http://h/col/index.html", "etag": '"l"'},
        {"url": "http://h/art/1.html", "referer": "http://h/col/index.html"},
        {"url": "http://h/art/2.html", "referer": "http://h/col/index.html"},
        {"url": "http://h/down?f=1.xlsx", "referer": "http://h/art/1.html"},
        {"url": "http://h/art/3.html", "referer": "http://h/col/index.html"},
    ], errors=[{"kind": "attachment", "url": "http://h/down?f=1.xlsx", "error": "unreadable XLSX"},
               {"kind": "not_a_record", "url": "http://h/art/3.html", "error": "a summary"}])
    state = CrawlState("s", tmp_path)
    assert not state.complete  # the attachment's records are missing
    assert state.fetched_at("http://h/art/1.html") is None and state.fetched_at("http://h/down?f=1.xlsx") is None
    assert state.fetched_at("http://h/art/2.html") is not None
    # A page judged not a record is read again while the state is incomplete (the judgement may be a fault's)
    assert state.fetched_at("http://h/art/3.html") is None
    write_crawl(tmp_path, "s", "c2", [
        {"url": "http://h/col/index.html", "etag": '"l"'},
        {"url": "http://h/art/1.html", "referer": "http://h/col/index.html"},
        {"url": "http://h/down?f=1.xlsx", "referer": "http://h/art/1.html"},
        {"url": "http://h/art/3.html", "referer": "http://h/col/index.html"},
    ], errors=[{"kind": "not_a_record", "url": "http://h/art/3.html", "error": "a summary"}])
    state = CrawlState("s", tmp_path)
    assert state.complete
    assert all(state.fetched_at(f"http://h/art/{n}.html") for n in (1, 2, 3))
    assert state.validators("http://h/col/index.html") == {"etag": '"l"'}


def test_settings_identify_and_are_polite() -> None:
    from crawlers import settings

    assert settings.USER_AGENT.startswith("Qingtian/") and "+https://" in settings.USER_AGENT
    assert settings.ROBOTSTXT_OBEY and settings.AUTOTHROTTLE_ENABLED
    assert settings.CONCURRENT_REQUESTS_PER_DOMAIN == 1 and settings.DOWNLOAD_DELAY >= 1
    assert "crawlers.incremental.ConditionalRequests" in settings.DOWNLOADER_MIDDLEWARES
    assert settings.QINGTIAN_FULL is False
