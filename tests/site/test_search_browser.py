"""A person searches the built site in Chromium and opens a company page."""

from __future__ import annotations

from typing import Any

import pytest

E00 = "91330400MAJHTPQQ1T"
NAME = "南湖嘉昌再生能源有限公司"

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.fixture
def page(browser: Any, pipeline: dict[str, Any]) -> Any:
    context = browser.new_context(locale="zh-CN")
    outside: list[str] = []
    context.on("request", lambda r: outside.append(r.url) if not r.url.startswith(pipeline["url"]) else None)
    tab = context.new_page()
    yield tab
    context.close()
    assert outside == [], f"requests left the site's origin: {outside[:5]}"


def search(page: Any, url: str, query: str) -> list[str]:
    page.goto(f"{url}/index.html")
    page.get_by_placeholder("搜索 Search").fill(query)
    results = page.locator(".pagefind-ui__result-link")
    results.first.wait_for(timeout=10_000)
    return [text.strip() for text in results.all_inner_texts()]


@pytest.mark.parametrize("fragment", ["嘉昌", "南湖嘉昌"])
def test_chinese_fragment_finds_the_company(page: Any, pipeline: dict[str, Any], fragment: str) -> None:
    assert NAME in search(page, pipeline["url"], fragment)


def test_full_uscc_finds_the_company_and_its_page_shows_the_penalty(page: Any, pipeline: dict[str, Any]) -> None:
    titles = search(page, pipeline["url"], E00)
    assert titles[0] == NAME
    page.locator(".pagefind-ui__result-link").first.click()
    page.wait_for_url(f"**/c/{E00}.html")
    assert page.locator("h1").inner_text() == NAME
    assert page.get_by_test_id("uscc").inner_text() == E00
    penalty = page.locator(".record.penalty").first
    fine = penalty.locator("dd.fine").inner_text()
    assert fine.endswith(" 元") and fine[0].isdigit()
    source = penalty.get_by_role("link", name="原文 Source")
    assert source.get_attribute("href").startswith(pipeline["origins"]["sthjj.jiaxing.gov.cn"])
    archived = penalty.get_by_role("link", name="存档副本 Archived copy")
    archived.click()
    page.wait_for_load_state()
    assert "行政处罚决定书" in page.content()
