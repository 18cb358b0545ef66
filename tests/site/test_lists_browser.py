"""A person browses list pages and narrows them with the filters."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def _count(pipeline: dict[str, Any], where: str) -> int:
    con = duckdb.connect(str(pipeline["data"] / "warehouse.duckdb"), read_only=True)
    try:
        return int(con.execute(f"SELECT count(*) FROM marts.enterprises WHERE {where}").fetchall()[0][0])
    finally:
        con.close()


def test_region_list_filters_by_city_and_industry(browser: Any, pipeline: dict[str, Any]) -> None:
    in_zhejiang = _count(pipeline, "region_code LIKE '33%'")
    in_jiaxing = _count(pipeline, "city = '嘉兴市'")
    jiaxing_plants = _count(pipeline, "city = '嘉兴市' AND industry = '生活垃圾焚烧发电'")
    assert in_zhejiang > in_jiaxing >= 18 and jiaxing_plants == 6
    page = browser.new_page()
    page.goto(f"{pipeline['url']}/lists/index.html")
    page.get_by_role("link", name="浙江省").click()
    page.wait_for_url("**/lists/region-330000.html")
    assert page.locator("h1").inner_text() == "浙江省"
    total = int(page.locator("output.count").inner_text())
    assert total == page.locator("#list-table tbody tr").count() == in_zhejiang
    page.get_by_label("城市 City").select_option("嘉兴市")
    jiaxing = int(page.locator("output.count").inner_text())
    assert jiaxing == in_jiaxing == page.locator("#list-table tbody tr:visible").count()
    page.get_by_label("行业 Industry").select_option("生活垃圾焚烧发电")
    plants = page.locator("#list-table tbody tr:visible")
    assert plants.count() == jiaxing_plants
    assert any("南湖嘉昌再生能源有限公司" in text for text in plants.all_inner_texts())
    page.get_by_label("城市 City").select_option("")
    assert int(page.locator("output.count").inner_text()) > jiaxing_plants
    page.close()


def test_violation_list_shows_serious_penalties(browser: Any, pipeline: dict[str, Any]) -> None:
    page = browser.new_page()
    page.goto(f"{pipeline['url']}/lists/violation-data_fraud.html")
    assert page.locator("h1").inner_text().startswith("篡改、伪造监测数据")
    rows = page.locator("#list-table tbody tr")
    assert rows.count() >= 2
    assert all("严重" in text for text in rows.all_inner_texts())
    rows.first.get_by_role("link").click()
    assert page.locator(".record.penalty.serious").count() >= 1
    page.close()
