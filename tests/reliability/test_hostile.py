"""Hostile content: script and markup in records and source pages, bidi overrides, control characters, 1 MB
strings, malformed UTF-8, `../` in names, zip bombs. Everything is escaped, marked, cut or refused."""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from crawlers.helpers import documents
from crawlers.items import MAX_TEXT, clean_fields, clean_text
from crawlers.replay import hostile, server
from etl.publish.build import SiteBuilder, visible_controls
from tests.conftest import CHROMIUM, read_items, run_crawl

HOST = "sthjj.jiaxing.gov.cn"
# Markup that would run: a payload's tags, attributes or URLs outside text (escaped text is fine).
LIVE = re.compile(r"<script>window|<(?:img|svg|iframe)\b[^>]*\bon\w+=|<[^>]+\b(?:href|src)=[\"']?\s*javascript:", re.I)
SOURCE = "zj_jxsthj_penalties"
CSP = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'")


# -- limits, one value at a time ---------------------------------------------------------------------------


def test_clean_text_strips_nuls_replaces_lone_surrogates_and_cuts_long_text() -> None:
    assert clean_text("a\x00b\ud800c\udfffd") == ("ab\ufffdc\ufffdd", False)
    text, cut = clean_text("污" * (MAX_TEXT + 5))
    assert cut and text.startswith("污" * MAX_TEXT) and text.endswith("〔截断 truncated: 5 characters〕")
    assert clean_text("嘉兴\u202e司公\x07") == ("嘉兴\u202e司公\x07", False)  # kept: shown marked on the site
    cleaned = json.dumps(clean_text("\ud83d")[0], ensure_ascii=False).encode("utf-8")  # writable as UTF-8
    assert cleaned == '"\ufffd"'.encode()


def test_clean_fields_walks_nested_records_and_names_what_it_cut() -> None:
    fields = {"party": "甲\x00", "facts": ["短", "长" * (MAX_TEXT + 1)], "n": 3, "sub": {"k\x00": "x" * (MAX_TEXT + 1)}}
    cleaned, cut = clean_fields(fields)
    assert cleaned["party"] == "甲" and cleaned["n"] == 3 and "k" in cleaned["sub"]
    assert cut == [".facts[1]", ".sub.k\x00"]


def test_templates_show_bidi_and_control_characters_as_visible_markers() -> None:
    assert visible_controls("嘉兴\u202e司公\u202c\x1b[31m") == "嘉兴⟦U+202E⟧司公⟦U+202C⟧⟦U+001B⟧[31m"
    assert visible_controls("普通名称\n") == "普通名称\n" and visible_controls(3) == 3


def test_site_writer_refuses_paths_outside_the_site(tmp_path: Path) -> None:
    builder = SiteBuilder.__new__(SiteBuilder)
    builder.out = tmp_path / "site"
    builder.out.mkdir()
    builder._root, builder._folders = builder.out.resolve(), set()
    (builder.out / "x").symlink_to(tmp_path)  # a folder of the site that links out of it
    for rel in ("../evil.html", "o/../../evil.html", "/etc/evil.html", "o/a\x00.html", "x/evil.html"):
        with pytest.raises(ValueError, match="outside the site"):
            builder.target(rel)
    assert builder.target("o/91330000X-001.html") == (builder.out / "o" / "91330000X-001.html").resolve()


def _bomb(kind: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml" if kind == "xlsx" else "word/document.xml", "<w/>")
        z.writestr("xl/worksheets/sheet1.xml" if kind == "xlsx" else "word/media/pad.xml", b"\0" * 50_000_000)
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["xlsx", "docx"])
def test_zip_bombs_disguised_as_office_files_are_refused_by_every_reader(kind: str) -> None:
    data = _bomb(kind)
    assert len(data) < 100_000 and documents.sniff(data) == kind
    readers = [documents.xlsx_rows] if kind == "xlsx" else [documents.docx_text, documents.docx_tables]
    for read in readers:
        with pytest.raises(documents.DocumentError, match="zip bomb"):
            read(data)
    with pytest.raises(documents.DocumentError):
        documents.text_of(data)


def test_a_zip_bomb_attachment_is_refused_by_the_crawl_that_downloads_it(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end: the 浙江 lists replica serves a bomb in place of an XLSX attachment; the crawl reports
    that attachment and goes on."""
    from crawlers.replay import lists

    name = next(a.filename for a in lists.ZhejiangLists().files.values() if a.filename.endswith(".xlsx"))
    original = lists.ZhejiangLists.download

    def download(self: Any, filename: str) -> server.Response:
        if filename == name:
            return server.Response(_bomb("xlsx"), content_type="application/octet-stream")
        return original(self, filename)

    monkeypatch.setattr(lists.ZhejiangLists, "download", download)
    spiders = ["zj_sthjt_credit_ratings", "zj_sthjt_cleaner_production"]
    with server.ReplayServer(hosts=["sthjt.zj.gov.cn"]) as replay:
        reports = run_crawl(data_dir, *spiders, origins=replay.origins)
    errors = [e for r in reports for e in r["errors"]]
    assert any("zip bomb" in (e.get("error") or "") for e in errors), errors
    assert all(len(e.get("error") or "") <= 2100 for e in errors)


# -- the hostile column, crawled and published --------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Crawl the hostile 嘉兴 column (served in place of the real replica), load, match, build, serve."""
    from etl.load import load
    from etl.match import match
    from etl.publish.build import build
    from etl.serve import serve_in_background

    data = tmp_path_factory.mktemp("hostile") / "data"
    saved = server.REPLICAS[HOST]
    server.REPLICAS[HOST] = "crawlers.replay.hostile:HostileJiaxingColumn"
    try:
        with server.ReplayServer(hosts=[HOST]) as replay:
            reports = run_crawl(data, SOURCE, origins=replay.origins)
    finally:
        server.REPLICAS[HOST] = saved
    previous = os.environ.get("QINGTIAN_DATA")
    os.environ["QINGTIAN_DATA"] = str(data)
    try:
        load()
        match()
        built = build()
    finally:
        if previous is None:
            os.environ.pop("QINGTIAN_DATA", None)
        else:
            os.environ["QINGTIAN_DATA"] = previous
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        rows = con.execute("SELECT party, enterprise_id FROM marts.penalties WHERE enterprise_id IS NOT NULL").fetchall()
    finally:
        con.close()
    companies = {party: {"page": f"c/{enterprise_id}.html"} for party, enterprise_id in rows}
    http, url = serve_in_background(built.path)
    yield {"data": data, "report": reports[0], "site": built.path, "url": url, "companies": companies}
    http.shutdown()


def _party(site: dict[str, Any], start: str) -> dict[str, Any]:
    return next(v for k, v in site["companies"].items() if k.startswith(start))


def test_hostile_records_are_kept_cleaned_cut_or_refused(hostile_site: dict[str, Any]) -> None:
    items = {i["fields"]["party"]: i for i in read_items(hostile_site["data"], SOURCE)}
    assert hostile.SCRIPT_NAME in items  # the data is kept as published…
    assert hostile.BIDI_NAME in items
    assert hostile.CONTROL_NAME.replace("\x00", "") in items  # …but for NULs
    assert not any("\x00" in str(i["fields"]) for i in items.values())
    huge = next(i for i in items.values() if "污" * 100 in (i["fields"].get("facts") or ""))
    assert len(huge["fields"]["facts"]) == MAX_TEXT + len("…〔截断 truncated: 980308 characters〕")
    assert huge["fields"]["facts"].endswith("…〔截断 truncated: 980308 characters〕")
    errors = hostile_site["report"]["errors"]
    assert any(e["kind"] == "field_truncated" and e["record_id"] == huge["record_id"] for e in errors)
    bad = [e for e in errors if e["kind"] == "parse"]
    assert len(bad) == 1 and bad[0]["error"].startswith("UnicodeDecodeError") and len(bad[0]["error"]) < 2100
    assert not any(i["url"] == bad[0]["url"] for i in items.values())  # the page that is not UTF-8 gave none


def test_every_built_page_escapes_the_payloads_and_carries_the_csp(hostile_site: dict[str, Any]) -> None:
    pages = [p for p in hostile_site["site"].rglob("*.html") if "pagefind" not in p.parts]
    assert len(pages) > 40
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert f'<meta http-equiv="Content-Security-Policy" content="{CSP.replace(chr(39), "&#39;")}">' in html, page
        outside_srcdoc = re.sub(r'srcdoc="[^"]*"', 'srcdoc=""', html)  # the escaped source page, inert
        assert not LIVE.search(outside_srcdoc), (page, LIVE.search(outside_srcdoc))
        assert "\u202e" not in html and "\x1b" not in html, page
    # Archived HTML is kept byte for byte as text beside its sandboxed viewer.
    viewers = list((hostile_site["site"] / "archive").glob("*.html"))
    assert viewers and all(v.with_name(v.name + ".txt").exists() for v in viewers)
    live = [v for v in viewers if b"<script>window.__pwned" in v.with_name(v.name + ".txt").read_bytes()]
    assert len(live) == 1
    assert "<iframe class=\"archive\" sandbox srcdoc=\"" in live[0].read_text(encoding="utf-8")


def test_serve_sends_the_csp_and_nosniff_headers(hostile_site: dict[str, Any]) -> None:
    from urllib.request import urlopen

    archived = next((hostile_site["site"] / "archive").glob("*.html.txt")).name
    for rel in ("index.html", f"archive/{archived}"):
        with urlopen(f"{hostile_site['url']}/{rel}") as response:
            assert response.headers["Content-Security-Policy"] == CSP
            assert response.headers["X-Content-Type-Options"] == "nosniff"
    with urlopen(f"{hostile_site['url']}/archive/{archived}") as response:
        assert response.headers["Content-Type"].startswith("text/plain")


# -- in the browser -------------------------------------------------------------------------------------------


@pytest.fixture
def watched(hostile_site: dict[str, Any]) -> Iterator[tuple[Any, list[str]]]:
    """A tab that records every dialog, every page error and every request leaving the site."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    from playwright.sync_api import sync_playwright

    from tests.conftest import CHROMIUM_ARGS

    fired: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="zh-CN")
        context.on("request", lambda r: fired.append(f"request {r.url}")
                   if not r.url.startswith((hostile_site["url"], "about:", "data:")) else None)
        tab = context.new_page()
        tab.on("dialog", lambda d: (fired.append(f"dialog {d.message}"), d.dismiss()))
        tab.on("pageerror", lambda e: fired.append(f"pageerror {e}"))
        yield tab, fired
        browser.close()


def _assert_clean(tab: Any, fired: list[str]) -> None:
    tab.wait_for_timeout(300)
    assert tab.evaluate("typeof window.__pwned") == "undefined"
    # A frame sandboxed without allow-scripts runs no script at all, and Playwright's evaluate can wait on
    # it forever: check its sandbox instead.
    for frame in tab.locator("iframe").all():
        sandbox = frame.get_attribute("sandbox")
        assert sandbox is not None and "allow-scripts" not in sandbox, sandbox
    assert tab.locator('meta[http-equiv="Content-Security-Policy"]').get_attribute("content") == CSP
    assert fired == []


@pytest.mark.browser
def test_no_payload_runs_on_the_company_list_and_archive_pages(hostile_site: dict[str, Any],
                                                             watched: tuple[Any, list[str]]) -> None:
    tab, fired = watched
    url = hostile_site["url"]
    script = _party(hostile_site, "嘉兴<script>")
    tab.goto(f"{url}/{script['page']}")
    assert "<script>window.__pwned" in tab.locator("main").inner_text()  # shown as text
    _assert_clean(tab, fired)
    # The archived copy of the page with live markup: shown, sandboxed, inert.
    archived = [a.get_attribute("href") for a in tab.locator(".record.penalty a", has_text="存档副本").all()]
    live = next(h for h in archived
                if b"<script>window" in (hostile_site["site"] / "c" / f"{h}.txt").resolve().read_bytes())
    tab.goto(f"{url}/c/{live}")
    document = tab.frame_locator("iframe.archive")
    assert "行政处罚决定书" in document.locator("body").inner_text()
    document.locator("#js-link").first.click()  # a javascript: link in the source page
    _assert_clean(tab, fired)
    for rel in ("index.html", "lists/index.html", "unmatched.html", "sources.html"):
        tab.goto(f"{url}/{rel}")
        _assert_clean(tab, fired)
    tab.goto(f"{url}/lists/index.html")
    for href in [a.get_attribute("href") for a in tab.locator("main a").all()[:6]]:
        tab.goto(f"{url}/lists/{href}")
        _assert_clean(tab, fired)


@pytest.mark.browser
def test_search_finds_hostile_names_without_running_them(hostile_site: dict[str, Any],
                                                        watched: tuple[Any, list[str]]) -> None:
    tab, fired = watched
    tab.goto(f"{hostile_site['url']}/index.html")
    tab.get_by_placeholder("搜索 Search").fill("毒物化工")
    results = tab.locator(".pagefind-ui__result-link")
    results.first.wait_for(timeout=10_000)
    _assert_clean(tab, fired)
    results.first.click()
    tab.wait_for_load_state()
    _assert_clean(tab, fired)


@pytest.mark.browser
def test_a_bidi_override_in_a_name_is_shown_marked(hostile_site: dict[str, Any], watched: tuple[Any, list[str]]) -> None:
    tab, fired = watched
    bidi = _party(hostile_site, "嘉兴\u202e")
    tab.goto(f"{hostile_site['url']}/{bidi['page']}")
    text = tab.locator("main").inner_text()
    assert "嘉兴⟦U+202E⟧司公限有工化⟦U+202C⟧⟦U+2067⟧桐乡⟦U+2069⟧有限公司" in text
    assert "\u202e" not in text
    controls = _party(hostile_site, "嘉兴空字符")
    tab.goto(f"{hostile_site['url']}/{controls['page']}")
    assert "嘉兴空字符⟦U+0007⟧控制⟦U+001B⟧[31m化工有限公司" in tab.locator("main").inner_text()
    _assert_clean(tab, fired)
