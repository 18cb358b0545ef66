"""A person finds the open-data page and downloads a table as CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


def test_download_penalties_csv_from_the_data_page(browser: Any, pipeline: dict[str, Any], tmp_path: Path) -> None:
    con = duckdb.connect(str(pipeline["data"] / "warehouse.duckdb"), read_only=True)
    try:
        rows = int(con.execute("SELECT count(*) FROM marts.penalties").fetchall()[0][0])
    finally:
        con.close()
    assert rows > 0
    page = browser.new_page()
    page.goto(f"{pipeline['url']}/index.html")
    page.get_by_role("link", name="开放数据").click()
    page.wait_for_url("**/data.html")
    section = page.locator("#t-penalties")
    assert int(section.locator(".rows").inner_text()) == rows
    assert section.get_by_text("罚款金额（元").count() == 1
    with page.expect_download() as info:
        section.get_by_role("link", name="CSV").click()
    download = info.value
    assert download.suggested_filename == "penalties.csv"
    target = tmp_path / "penalties.csv"
    download.save_as(target)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfrecord_id,decision_number,")
    frame = pd.read_csv(target, encoding="utf-8-sig", dtype=str)
    assert len(frame) == rows
    assert frame["party"].str.contains("有限公司").any()
    page.close()
