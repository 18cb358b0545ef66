"""Quality of the built site in Chromium: no serious accessibility violation (axe-core), and usable on a phone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import duckdb
import pytest
import yaml
from axe_playwright_python.sync_playwright import Axe

from etl.serve import SITE_YML

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

NAME = "南湖嘉昌再生能源有限公司"
QUERY = "嘉昌"
PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}

# Serious violations whose fix lies in a file outside the templates and the style sheet, each with the fix it
# needs: (page state where it must still occur, axe rule, element selector) → fix. The test fails as soon as one
# no longer occurs there, so an entry cannot outlive its fix.
KNOWN: dict[tuple[str, str, str], str] = {
}


@pytest.fixture(scope="module")
def urls(pipeline: dict[str, Any]) -> dict[str, str]:
    """The pages under test, found in the warehouse by the rich demo company's name, placed by site/site.yml."""
    patterns = yaml.safe_load(SITE_YML.read_text(encoding="utf-8"))["urls"]
    con = duckdb.connect(str(pipeline["data"] / "warehouse.duckdb"), read_only=True)
    try:
        enterprise_id, region = con.execute("SELECT enterprise_id, region_code FROM marts.enterprises "
                                            "WHERE name = ?", [NAME]).fetchall()[0]
        outlet = con.execute("SELECT min(national_code) FROM marts.permit_outlets WHERE enterprise_id = ? "
                             "AND monitoring_outlet IS NOT NULL", [enterprise_id]).fetchall()[0][0]
    finally:
        con.close()
    base = pipeline["url"] + "/"
    return {
        "home": base + "index.html",
        "company": base + patterns["company"].format(enterprise_id=enterprise_id),
        "outlet": base + patterns["outlet"].format(national_code=outlet),
        "list": base + patterns["list"].format(dimension="region", key=region[:2] + "0000"),
        "screen": base + patterns["screen"],
        "map": base + patterns["map"],
    }


def _search_box(page: Any) -> None:
    page.get_by_placeholder("搜索 Search").wait_for()  # the search script draws it once its index is found


def _search(page: Any) -> None:
    page.get_by_placeholder("搜索 Search").fill(QUERY)
    page.locator(".pagefind-ui__result-link", has_text=NAME).first.wait_for(timeout=10_000)


def _screen_ready(page: Any) -> None:
    page.wait_for_selector("#screen-form[data-ready=true]")


def _screen_a_list(page: Any) -> None:
    _screen_ready(page)
    page.get_by_label("或粘贴").fill(f"name,uscc,region\n{NAME},,\n随便写的名字,,\n")
    page.get_by_role("button", name="筛查").click()
    page.locator("#screen-results tbody tr").nth(1).wait_for()


def _open_details(page: Any) -> None:
    # Folded parts (daily values, facts, risk flags) are checked too: axe skips what is hidden.
    page.locator("details").evaluate_all("all => all.forEach(d => { d.open = true; })")


STATES: dict[str, tuple[str, Callable[[Any], None] | None]] = {
    "home": ("home", _search_box),
    "search": ("home", _search),
    "company": ("company", _open_details),
    "outlet": ("outlet", None),
    "list": ("list", None),
    "screen": ("screen", _screen_ready),
    "screened": ("screen", _screen_a_list),
    "map": ("map", None),
}


def _serious(page: Any) -> list[tuple[str, str, str]]:
    """axe-core's serious and critical violations on the page: (rule, known fix or "", readable line) per element.

    The site's CSP (`script-src 'self'`) refuses injected <script> elements, which test_axe_runs_under_the_sites_csp
    checks; the axe package does not inject one: it evaluates axe's source through the DevTools protocol, which a
    page's CSP does not govern. So axe runs against the site exactly as served, without `bypass_csp`.
    """
    found = []
    for v in Axe().run(page).response["violations"]:
        if v["impact"] not in ("serious", "critical"):
            continue
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            known = next((fix for (_, rule, selector), fix in KNOWN.items() if rule == v["id"] and page.evaluate(
                "([t, s]) => !!document.querySelector(t)?.matches(s)", [target, selector])), "")
            summary = " ".join(node["failureSummary"].split())
            found.append((v["id"], known, f"{v['id']} ({v['impact']}) at {target}: {summary}"))
    return found


def _check(page: Any, state: str) -> None:
    found = _serious(page)
    unexpected = [line for _, known, line in found if not known]
    assert not unexpected, f"{state}: serious accessibility violations:\n" + "\n".join(unexpected)
    fixed = [f"{rule}: {fix}" for (where, rule, _), fix in KNOWN.items()
             if where == state and fix not in {known for _, known, _ in found}]
    if fixed:
        pytest.fail(f"{state}: a known violation no longer occurs, remove it from KNOWN: {fixed}")


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(locale="zh-CN")
    yield ctx
    ctx.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    ctx = browser.new_context(locale="zh-CN", **PHONE)
    yield ctx
    ctx.close()


@pytest.mark.parametrize("state", list(STATES))
def test_no_serious_accessibility_violation(context: Any, urls: dict[str, str], state: str) -> None:
    where, action = STATES[state]
    page = context.new_page()
    page.goto(urls[where])
    if action:
        action(page)
    _check(page, state)


def test_axe_runs_under_the_sites_csp(context: Any, urls: dict[str, str]) -> None:
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text
            else None)
    page.goto(urls["home"])
    with pytest.raises(Exception, match="Content Security Policy"):
        page.add_script_tag(content="window.injected = true;")
    assert page.evaluate("window.injected") is None and refused
    page.evaluate(Axe().axe_script)
    assert page.evaluate("typeof axe.run") == "function"


# The page's own width, wide tables that do not sit in a box that scrolls on its own, and elements reaching past
# the right edge of the screen outside such a box.
LAYOUT = """() => {
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
    if (['auto', 'scroll'].includes(getComputedStyle(p).overflowX)) return p; } return null; };
  const width = window.innerWidth;
  const past = [...document.querySelectorAll('body *')].filter(el => el.getBoundingClientRect().right > width + 1
    && !scrolls(el) && el.getClientRects().length);
  return { width, scrollWidth: document.documentElement.scrollWidth,
           unboxed: [...document.querySelectorAll('table')].filter(t => t.scrollWidth > width && !scrolls(t))
             .map(t => t.id || t.className || 'table'),
           past: past.slice(0, 5).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
             + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '')) };
}"""


def _fits(page: Any, where: str) -> None:
    layout = page.evaluate(LAYOUT)
    # On a phone, Chromium widens the layout viewport to a page that overflows: innerWidth must stay the screen's.
    assert layout["width"] == PHONE["viewport"]["width"], f"{where}: the page widened the viewport: {layout}"
    assert layout["scrollWidth"] <= layout["width"], f"{where}: the page scrolls sideways: {layout}"
    assert layout["unboxed"] == [] and layout["past"] == [], f"{where}: {layout}"


def _table_scrolls_in_its_box(page: Any, selector: str) -> None:
    box = page.locator(selector).locator("xpath=..")
    assert box.evaluate("b => getComputedStyle(b).overflowX") == "auto"
    wide, shown = box.evaluate("b => [b.scrollWidth, b.clientWidth]")
    assert wide > shown, f"{selector} fits on a phone ({wide}px): pick a wider table for this check"
    box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
    assert box.evaluate("b => b.scrollLeft") == wide - shown
    assert page.evaluate("window.scrollX") == 0


def _navigation_usable(page: Any) -> None:
    nav = page.get_by_role("navigation", name="主导航 Main")
    links = nav.get_by_role("link")
    assert links.count() >= 6
    for link in links.all():
        box = link.bounding_box()
        assert box is not None and link.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= 375, \
            f"{link.inner_text()} is off screen: {box}"
        assert box["height"] >= 24, f"{link.inner_text()}: a touch target under 24px high: {box}"


def test_home_on_a_phone_search_and_navigation(phone: Any, urls: dict[str, str]) -> None:
    page = phone.new_page()
    page.goto(urls["home"])
    _search_box(page)
    _fits(page, "home")
    _navigation_usable(page)
    _table_scrolls_in_its_box(page, "table.companies")
    box = page.get_by_placeholder("搜索 Search")
    assert box.is_visible() and box.bounding_box()["width"] >= 250
    box.tap()
    box.fill(QUERY)
    result = page.locator(".pagefind-ui__result-link", has_text=NAME).first
    result.wait_for(timeout=10_000)
    assert result.is_visible()
    _fits(page, "search results")
    _check(page, "search")
    result.tap()
    page.wait_for_url(urls["company"])
    assert page.locator("h1").inner_text() == NAME


@pytest.mark.parametrize(("where", "table"), [("company", "table.grid"), ("outlet", None), ("list", "#list-table"),
                                              ("screen", "#screen-results")])
def test_page_fits_a_phone(phone: Any, urls: dict[str, str], where: str, table: str | None) -> None:
    page = phone.new_page()
    page.goto(urls[where])
    if where == "screen":
        _screen_a_list(page)
    if where == "company":
        _open_details(page)
    _fits(page, where)
    _navigation_usable(page)
    if table:
        _table_scrolls_in_its_box(page, table)
    # Scroll boxes are reachable by keyboard, charts and codes shrink or wrap: axe at this width too.
    _check(page, where)
    page.get_by_role("navigation", name="主导航 Main").get_by_role("link", name="列表 Lists").tap()
    page.wait_for_url("**/lists/index.html")
