"""Follow-up notices in the Jiaxing penalty column: re-inspections, fines paid, credit repair."""

from __future__ import annotations

from typing import Any

import pytest

from crawlers.base.trs_cms import article_tables, article_text
from crawlers.helpers.rectification import Lookups, NotANoticeError, notice_type, parse_notice
from crawlers.replay import world
from crawlers.replay.penalties import JiaxingPenaltyColumn
from crawlers.spiders.zj.zj_jxsthj_penalties import ZjJxsthjPenaltiesSpider
from tests.conftest import fetch

SOURCE = "zj_jxsthj_penalties"
HOST = "sthjj.jiaxing.gov.cn"
ARTICLE = ZjJxsthjPenaltiesSpider.article_xpath
LOOKUPS = Lookups.from_yaml(ZjJxsthjPenaltiesSpider.metadata["lookups"]["rectification"])


def _page(title_part: str, nth: int = 0) -> tuple[str, list[list[list[str]]]]:
    paths = [p for p, page in JiaxingPenaltyColumn().pages.items() if title_part in page.title]
    response = fetch(HOST, sorted(paths)[nth])
    text = response.body if isinstance(response.body, str) else response.body.decode("utf-8")
    return article_text(text, ARTICLE), article_tables(text, ARTICLE)


def _events(title_part: str, nth: int = 0) -> dict[str, dict[str, Any]]:
    body, tables = _page(title_part, nth)
    return dict(parse_notice(body, tables, LOOKUPS))


def test_reinspection_passed() -> None:
    events = _events("南湖嘉昌再生能源有限公司环境违法行为整改复查意见书")
    assert list(events) == ["reinspection:嘉环复查〔2025〕21号"]
    fields = events["reinspection:嘉环复查〔2025〕21号"]
    e00 = world.by_key("e00")
    assert fields["event_type"] == "reinspection_passed"
    assert fields["decision_numbers"] == ["嘉环罚〔2025〕12号"]
    assert fields["decision_numbers_norm"] == ["嘉环罚〔2025〕12号"]
    assert (fields["party"], fields["uscc"], fields["uscc_masked"]) == (e00.name, e00.uscc, False)
    assert (fields["event_date"], fields["reinspection_date"]) == ("2025-08-15", "2025-08-12")
    assert fields["authority"] == "嘉兴市生态环境局" and fields["notice_number"] == "嘉环复查〔2025〕21号"
    assert fields["text"].startswith("经复查，你单位已更换") and fields["text"].endswith("复查结论：你单位已完成整改。")


def test_reinspection_failed_names_the_decision_as_printed() -> None:
    [(key, fields)] = _events("嘉兴通新环保能源有限公司环境违法行为整改复查意见书").items()
    assert key == "reinspection:嘉环（平）复查〔2025〕7号"
    assert fields["event_type"] == "reinspection_failed"
    # the decision itself printed "嘉环(平)罚 〔2025〕 6 号": the normalised numbers agree
    assert fields["decision_numbers"] == ["嘉环(平)罚〔2025〕6号"]
    assert fields["decision_numbers_norm"] == ["嘉环（平）罚〔2025〕6号"]
    assert fields["uscc"] == world.by_key("e12").uscc
    assert "未完成整改" in fields["text"]


def test_e38_fails_then_passes() -> None:
    first = _events("嘉兴正隆印染有限公司环境违法行为整改复查意见书", 0)
    second = _events("嘉兴正隆印染有限公司环境违法行为整改复查意见书", 1)
    results = sorted((f["event_date"], f["event_type"], f["decision_numbers_norm"][0])
                     for f in [*first.values(), *second.values()])
    assert results == [("2025-10-20", "reinspection_failed", "嘉环（平）罚〔2025〕9号"),
                       ("2025-12-02", "reinspection_passed", "嘉环（平）罚〔2025〕9号")]


def test_fines_paid_as_paragraphs() -> None:
    events = _events("2024年第二季度行政处罚罚款缴纳情况")
    assert sorted(events) == ["fine_paid:嘉环罚〔2024〕19号", "fine_paid:嘉环（平）罚〔2024〕15号",
                              "fine_paid:嘉环（海）罚字〔2024〕3号"]
    paid = events["fine_paid:嘉环罚〔2024〕19号"]
    assert (paid["event_date"], paid["amount_yuan"], paid["party"]) == ("2024-06-05", 280000, world.by_key("e00").name)
    assert paid["notice_type"] == "fine_payment" and paid["notice_date"] == "2024-07-10"
    assert paid["text"].startswith(world.by_key("e00").name) and "全额缴纳" in paid["text"]


def test_fines_paid_as_a_table_skip_the_unpaid() -> None:
    events = _events("2025年第三季度行政处罚罚款缴纳情况")
    # e12's fine was not paid (已申请人民法院强制执行): listed, but no event
    assert sorted(events) == ["fine_paid:嘉环罚〔2025〕12号", "fine_paid:嘉环（平）罚〔2025〕9号",
                              "fine_paid:嘉环（桐）罚〔2025〕11号", "fine_paid:嘉环（秀）罚〔2025〕14号"]
    workshop = events["fine_paid:嘉环（秀）罚〔2025〕14号"]
    assert workshop["party"] == "嘉兴市秀洲区洪合镇鑫达五金加工厂" and workshop["uscc_masked"] is True
    assert workshop["amount_yuan"] == 16000 and workshop["event_date"] == "2025-08-29"
    assert "履行情况：已缴纳" in workshop["text"]


def test_credit_repair_rows_name_one_or_several_decisions() -> None:
    first = _events("信用修复的公示（2025年第2批）")
    assert sorted(first) == ["credit_repaired:嘉环罚〔2024〕19号", "credit_repaired:嘉环（海）罚字〔2024〕3号",
                             "credit_repaired:嘉环（秀）罚〔2023〕31号"]
    assert first["credit_repaired:嘉环罚〔2024〕19号"]["event_date"] == "2025-07-10"
    [(key, both)] = _events("信用修复的公示（2026年第2批）").items()
    assert both["decision_numbers"] == ["嘉环罚〔2024〕11号", "嘉环(桐)罚〔2025〕15号"]
    assert key == "credit_repaired:嘉环罚〔2024〕11号、嘉环（桐）罚〔2025〕15号"
    assert both["party"] == world.by_key("e40").name


def test_decisions_are_not_notices() -> None:
    body, tables = _page("南湖嘉昌再生能源有限公司行政处罚决定书")
    assert notice_type(body, LOOKUPS) is None
    with pytest.raises(NotANoticeError):
        parse_notice(body, tables, LOOKUPS)


def test_unknown_labels_fail_loudly() -> None:
    body, tables = _page("2025年第三季度行政处罚罚款缴纳情况")
    tables[0][1][5] = "部分缴纳"
    with pytest.raises(ValueError, match="unknown payment status '部分缴纳'"):
        parse_notice(body, tables, LOOKUPS)
    body, tables = _page("信用修复的公示（2025年第2批）")
    tables[0][0].append("备注")
    with pytest.raises(ValueError, match=r"unknown column\(s\) \['备注'\]"):
        parse_notice(body, tables, LOOKUPS)
    body, _ = _page("嘉兴通新环保能源有限公司环境违法行为整改复查意见书")
    with pytest.raises(ValueError, match="not one known result"):
        parse_notice(body.replace("未完成整改", "正在整改"), [], LOOKUPS)

