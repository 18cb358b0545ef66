"""A brand screens its supplier list in the browser: nothing leaves the page, results match `qingtian screen`."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import openpyxl
import pandas as pd
import pytest

from crawlers.replay import world
from etl.screen import Reference, screen
from tests.site.screen_variants import variants

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

COLUMNS = ["name", "uscc", "address", "region"]


def _open(browser: Any, pipeline: dict[str, Any]) -> tuple[Any, list[str]]:
    """The screening page, ready, with every request it makes recorded; requests off the site are refused."""
    origin = urlsplit(pipeline["url"])
    requested: list[str] = []
    page = browser.new_page(accept_downloads=True)

    def guard(route: Any) -> None:
        requested.append(route.request.url)
        target = urlsplit(route.request.url)
        if target.scheme in ("blob", "data") or (target.scheme, target.netloc) == (origin.scheme, origin.netloc):
            route.continue_()
        else:
            route.abort()

    page.route("**/*", guard)
    page.goto(f"{pipeline['url']}/screen.html")
    page.wait_for_selector("#screen-form[data-ready=true]")
    return page, requested


def _off_site(requested: list[str], pipeline: dict[str, Any]) -> list[str]:
    origin = urlsplit(pipeline["url"])
    return [u for u in requested if urlsplit(u).scheme not in ("blob", "data")
            and (urlsplit(u).scheme, urlsplit(u).netloc) != (origin.scheme, origin.netloc)]


def test_browser_and_python_agree_on_name_variants(browser: Any, pipeline: dict[str, Any]) -> None:
    rows = variants()
    assert len(rows) >= 40
    frame = pd.DataFrame(rows, columns=COLUMNS).astype(object)
    expected = screen(frame.where(frame.notna(), None),
                      Reference.from_warehouse(pipeline["data"] / "warehouse.duckdb"))
    python = [(e if isinstance(e, str) else None, b) for e, b in zip(expected["enterprise_id"], expected["band"],
                                                                     strict=True)]
    page, _ = _open(browser, pipeline)
    js = page.evaluate("rows => rows.map(r => { const x = window.qingtianScreen.screenRow(r); "
                       "return [x.id, x.band, x.method, x.score]; })", rows)
    page.close()
    # No tolerated differences: the same enterprise and band for every variant.
    assert [(e, b) for e, b, _, _ in js] == python
    assert [m for _, _, m, _ in js] == [m if isinstance(m, str) else None for m in expected["method"]]
    bands = [b for _, b in python]
    assert bands.count("auto") >= 30 and "review" in bands and "new" in bands
    methods = set(expected["method"].dropna())
    assert {"name_exact", "name_fuzzy", "uscc_exact", "uscc_repaired", "name_candidate"} <= methods


def test_paste_a_list_see_reasons_and_download_csv(browser: Any, pipeline: dict[str, Any], tmp_path: Path) -> None:
    es = world.enterprises()
    plant = es[0]
    typo = plant.name.replace("嘉昌", "嘉鑫")
    listing = ("name,uscc,region\n"
               f"随便写的名字,{es[36].uscc},\n"
               f"{typo},,{plant.city}\n"
               "上海完全不同化工有限公司,,上海市\n")
    page, requested = _open(browser, pipeline)
    page.get_by_label("或粘贴").fill(listing)
    page.get_by_role("button", name="筛查").click()
    rows = page.locator("#screen-results tbody tr")
    rows.first.wait_for()
    assert rows.count() == 3
    texts = rows.all_inner_texts()
    assert es[36].name in texts[0] and "USCC exact" in texts[0]
    assert plant.name in texts[1] and "name 0.88" in texts[1]
    assert "no match" in texts[2]
    assert "3 行 rows: 2 匹配 matched" in page.locator("#screen-status").inner_text()
    with page.expect_download() as info:
        page.get_by_role("button", name="下载结果 CSV").click()
    saved = tmp_path / "screened.csv"
    info.value.save_as(saved)
    out = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert [r["enterprise_id"] for r in out] == [es[36].uscc, plant.uscc, ""]
    assert [r["band"] for r in out] == ["auto", "auto", "new"]
    assert out[1]["method"] == "name_fuzzy" and out[1]["matched_name"] == plant.name
    # the company link works
    rows.nth(1).get_by_role("link").click()
    page.wait_for_url(f"**/c/{plant.uscc}.html")
    page.close()
    assert requested and not _off_site(requested, pipeline)
    assert not any("index.json" not in u and "rules.json" not in u and u.endswith(".json") for u in requested)


def test_open_an_xlsx_file(browser: Any, pipeline: dict[str, Any], tmp_path: Path) -> None:
    es = world.enterprises()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Name", "USCC", "Address", "Region"])
    sheet.append([es[1].name.replace("有限公司", "有限责任公司"), None, es[1].address, None])
    sheet.append(["随便写的名字", es[37].uscc, None, None])
    listing = tmp_path / "suppliers.xlsx"
    book.save(listing)
    page, requested = _open(browser, pipeline)
    page.set_input_files("#screen-file", str(listing))
    rows = page.locator("#screen-results tbody tr")
    rows.first.wait_for()
    texts = rows.all_inner_texts()
    assert len(texts) == 2
    assert es[1].name in texts[0] and "name exact" in texts[0]
    assert es[37].name in texts[1] and "USCC exact" in texts[1]
    page.close()
    assert not _off_site(requested, pipeline)
