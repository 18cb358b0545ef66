"""The facility map: every site with coordinates is a point that leads to its company."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_map_points_lead_to_companies(browser: Any, pipeline: dict[str, Any]) -> None:
    page = browser.new_page()
    page.goto(f"{pipeline['url']}/index.html")
    page.get_by_role("link", name="地图 Map").click()
    points = page.locator("svg.map circle.site")
    rows = page.locator("details tbody tr")
    assert points.count() == rows.count() >= 50
    assert page.locator("svg.map circle.site.serious").count() >= 1
    # The monitored plant of 南湖嘉昌 is a point on the map, linked to the company page.
    plant = page.locator("svg.map a", has=page.locator("title", has_text="南湖嘉昌再生能源（南湖）有限责任公司"))
    assert plant.count() == 1
    assert plant.get_attribute("href").endswith("c/91330400MAJHTPQQ1T.html")
    page.close()
