"""What a reader sees on a company page: the summary at a glance, each record's follow-up, the compliance grid."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

E00 = "91330400MAJHTPQQ1T"


def _scalar(pipeline: dict[str, Any], sql: str, *params: object) -> Any:
    con = duckdb.connect(str(pipeline["data"] / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()[0][0]
    finally:
        con.close()


def test_company_page_at_a_glance_and_follow_up(browser: Any, pipeline: dict[str, Any]) -> None:
    open_records = _scalar(pipeline, "SELECT count(*) FROM marts.record_status s JOIN marts.penalties p "
                                     "USING (record_id) WHERE p.enterprise_id = ? AND s.status = 'open'", E00)
    page = browser.new_page()
    page.goto(f"{pipeline['url']}/c/{E00}.html")
    glance = page.get_by_role("list", name="概要 At a glance").locator("li").all_inner_texts()
    assert f"{open_records}\n未整改记录 open records" in glance
    # two serious records in two years: the yellow ratings of 2024 and 2025 were given for air pollution
    assert "2\n近两年严重违法 serious violations, last 2 years" in glance
    assert any(text.startswith("黄牌 环保警示") for text in glance)
    # 嘉环罚〔2025〕12号: fine paid, the company's explanation and evidence, then a passed re-inspection.
    record = page.locator(".record.penalty", has=page.get_by_role("heading", name="嘉环罚〔2025〕12号"))
    assert "已整改（政府核实）" in record.locator(".status").inner_text()
    steps = record.get_by_role("list", name="整改与反馈 Follow-up").locator("li").all_inner_texts()
    assert [s.split(" ")[0] for s in steps] == sorted(s.split(" ")[0] for s in steps)
    assert any("罚款已缴纳" in s for s in steps) and any("复查：已完成整改" in s for s in steps)
    assert any("企业提交" in s for s in steps)
    # Credit China's copy of the same decision is listed, not counted twice.
    assert "另见" in record.inner_text()
    grid = page.locator("table.grid")
    assert grid.locator("thead th").count() == 13  # the outlet column and 12 quarters
    assert grid.locator("thead th").nth(12).inner_text() == "2026Q4"
    assert grid.locator("tbody tr").first.locator("th").inner_text().startswith("全厂")
    page.close()


def test_disputed_record_shows_the_dispute(browser: Any, pipeline: dict[str, Any]) -> None:
    disputed = _scalar(pipeline, "SELECT p.enterprise_id FROM marts.record_status s JOIN marts.penalties p "
                                 "USING (record_id) WHERE s.status = 'disputed' ORDER BY 1 LIMIT 1")
    page = browser.new_page()
    page.goto(f"{pipeline['url']}/c/{disputed}.html")
    status = page.locator(".record.penalty .status-disputed")
    assert status.count() >= 1 and status.first.inner_text() == "企业有异议"
    assert "企业异议" in page.locator("ol.timeline").first.inner_text()
    page.close()
