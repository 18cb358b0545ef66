"""The penalty-decision parser over every decision of the Jiaxing replica column, and its strictness."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Any

import pytest

from crawlers.base.trs_cms import article_tables, article_text, decode_page, pager
from crawlers.helpers.correction_order import parse_correction_order
from crawlers.helpers.penalty import (
    NotADecisionError,
    normalise_number,
    parse_decision,
    penalty_type_labels,
    signature,
    text_lines,
)
from crawlers.helpers.penalty_table import is_case_table, parse_case_table
from crawlers.helpers.rectification import Lookups, notice_type
from crawlers.replay import world
from crawlers.replay.server import Response
from crawlers.spiders.zj.zj_jxsthj_penalties import ZjJxsthjPenaltiesSpider
from tests.conftest import fetch

HOST = "sthjj.jiaxing.gov.cn"
COLUMN = "/xxgk/xzcf/"
ARTICLE = "//div[contains(@class, 'TRS_Editor')]"
LINKS = re.compile(r'<li><a href="\./([^"]+)"')


def page_text(response: Response) -> str:
    body = response.body if isinstance(response.body, bytes) else response.encoded()
    return decode_page(body, response.content_type, "utf-8")


@cache
def column() -> dict[str, tuple[Response, str]]:
    """Every article of the column, walked the way the spider walks it: path → (response, article text)."""
    first = page_text(fetch(HOST, f"{COLUMN}index.shtml"))
    total, current, stem, ext = pager(first)
    assert (current, stem, ext) == (0, "index", "shtml")
    lists = [first] + [page_text(fetch(HOST, f"{COLUMN}index_{n}.shtml")) for n in range(1, total)]
    articles: dict[str, tuple[Response, str]] = {}
    for text in lists:
        for href in LINKS.findall(text):
            response = fetch(HOST, COLUMN + href)
            assert response.status == 200, href
            articles[COLUMN + href] = (response, article_text(page_text(response), ARTICLE))
    return articles


CORRECTION = re.compile(r"责令改正(违法行为)?决定书$", re.MULTILINE)
CASE_TABLE_INTRO = "办结的环境行政处罚案件公开如下"
# Follow-up notices (re-inspection, fines paid, credit repair) are told apart the way the spider does it.
NOTICES = Lookups.from_yaml(ZjJxsthjPenaltiesSpider.metadata["lookups"]["rectification"])


def is_notice(text: str) -> bool:
    return notice_type(text, NOTICES) is not None


@cache
def decisions() -> dict[str, dict[str, Any]]:
    """decision_number_norm → parsed fields, for every article that is a decision."""
    parsed: dict[str, dict[str, Any]] = {}
    for response, text in column().values():
        if CORRECTION.search(text) or is_notice(text):
            continue
        try:
            fields = parse_decision(text)
        except NotADecisionError:
            continue
        fields["_content_type"] = response.content_type
        assert fields["decision_number_norm"] not in parsed, "decision numbers are unique"
        parsed[fields["decision_number_norm"]] = fields
    return parsed


def test_column_paging() -> None:
    first = page_text(fetch(HOST, f"{COLUMN}index.shtml"))
    assert pager(first) == (3, 0, "index", "shtml")
    assert pager(page_text(fetch(HOST, f"{COLUMN}index_2.shtml")))[:2] == (3, 2)
    assert len(LINKS.findall(first)) == 15
    assert fetch(HOST, f"{COLUMN}index_3.shtml").status == 404
    assert fetch(HOST, f"{COLUMN}index_01.shtml").status == 404
    assert fetch(HOST, f"{COLUMN}202501/t20250101_1.shtml").status == 404
    assert fetch(HOST, "/nowhere").status == 404
    assert fetch(HOST, "/robots.txt").status == 200
    # newest first, across pages
    dates = re.findall(r"<span>(\d{4}-\d\d-\d\d)</span>", "".join(
        page_text(fetch(HOST, f"{COLUMN}{name}.shtml")) for name in ("index", "index_1", "index_2")))
    assert dates == sorted(dates, reverse=True)
    assert len(dates) == 45


def test_pager_is_required() -> None:
    with pytest.raises(ValueError, match="createPageHTML"):
        pager("<html><ul><li>…</li></ul></html>")


def test_every_decision_parses() -> None:
    parsed = decisions()
    assert len(parsed) == 30
    # and a quarterly summary, a case table, five orders to correct and eight follow-up notices
    assert len(column()) == 45
    codes = {code for _, code in penalty_type_labels()}
    for number, d in parsed.items():
        assert re.fullmatch(r"嘉环(（[南秀善盐海平桐]）)?罚字?〔20(24|25|26)〕\d+号", number), number
        assert d["decision_number_norm"] == normalise_number(d["decision_number"])
        assert date(2024, 1, 1) <= date.fromisoformat(d["decision_date"]) <= date(2026, 11, 15)
        assert d["decision_date"][:4] == number.split("〔")[1][:4]
        assert d["party"] and d["address"] and d["facts"]
        assert d["title"].endswith("行政处罚决定书")
        assert d["authority"].startswith("嘉兴市生态环境局")
        assert d["fine_yuan"] and d["fine_yuan"] > 0 and d["fine_text"]
        assert d["penalty_types"][0] == "fine" and set(d["penalty_types"]) <= codes
        assert d["laws_violated"] and d["laws_applied"]
        assert all(re.fullmatch(r"《[^》]+》第[^《》]+条(第.+款)?(第.+项)?", law)
                   for law in d["laws_violated"] + d["laws_applied"])
        assert set(d["laws_violated"]).isdisjoint(d["laws_applied"])


def test_summary_table_is_not_a_decision() -> None:
    summaries = [text for _, text in column().values() if "公示如下" in text and not is_notice(text)]
    assert len(summaries) == 1
    with pytest.raises(NotADecisionError, match="当事人"):
        parse_decision(summaries[0])


def test_parties_overlap_with_the_world() -> None:
    parsed = decisions().values()
    local = {e.uscc: e for e in world.in_city(world.PENALTY_CITY)}
    printed = [d for d in parsed if d["uscc"] in local]
    assert len(printed) >= 24
    for d in printed:
        assert d["party"] == local[d["uscc"]].name
        assert d["address"] == local[d["uscc"]].address
    assert {d["party"] for d in parsed} >= {e.name for e in local.values()}, "every 嘉兴 enterprise is penalised"
    assert sum(d["party"] == world.by_key("e00").name for d in parsed) == 3
    outsiders = [d for d in parsed if d["party"] not in {e.name for e in world.enterprises()}]
    assert len(outsiders) == 3


def test_incineration_plant_decision() -> None:
    d = decisions()["嘉环罚〔2025〕12号"]
    e00 = world.by_key("e00")
    assert d["decision_number"] == "嘉环罚〔2025〕12号"
    assert d["party"] == "南湖嘉昌再生能源有限公司" == e00.name
    assert d["party_type"] == "organisation"
    assert d["uscc"] == e00.uscc and d["uscc_masked"] is False
    assert d["address"] == e00.address
    assert d["legal_representative"]
    assert d["authority"] == "嘉兴市生态环境局"
    assert d["decision_date"] == "2025-06-20"
    assert d["fine_yuan"] == 52120
    assert d["fine_text"] == "罚款人民币伍万贰仟壹佰贰拾元（¥52120元）"
    assert d["penalty_types"] == ["fine", "order_to_correct"]
    assert d["laws_violated"] == ["《排污许可管理条例》第二十条第一款"]
    assert d["laws_applied"] == ["《排污许可管理条例》第三十六条第四项"]
    assert "自动监测设备" in d["facts"] and "违反了" in d["facts"]
    assert d["confiscated_yuan"] is None


def test_masked_code_hidden_pipe_with_suspension_and_detention() -> None:
    d = decisions()["嘉环（南）罚〔2025〕2号"]
    assert d["decision_number"] == "嘉环(南)罚〔2025〕2号"
    assert d["party"] == world.by_key("e37").name
    assert d["uscc"] == "91330402MAU*****76" and d["uscc_masked"] is True
    assert d["fine_yuan"] == 600000
    assert d["penalty_types"] == ["fine", "suspension", "detention"]
    assert d["laws_violated"] == ["《中华人民共和国水污染防治法》第三十九条"]
    # the quoted article text ("…责令停业、关闭") is not part of the decision
    assert d["laws_applied"] == ["《中华人民共和国水污染防治法》第八十三条第三项",
                                 "《中华人民共和国环境保护法》第六十三条第三项"]


def test_daily_penalty_takes_the_total() -> None:
    d = decisions()["嘉环（盐）罚〔2025〕1号"]
    assert d["fine_yuan"] == 800000
    assert d["fine_text"] == "罚款总额为人民币捌拾万元（¥800000元）"
    assert d["penalty_types"] == ["fine", "daily_penalty"]
    assert "《环境保护主管部门实施按日连续处罚办法》第十七条" in d["laws_applied"]
    assert "《中华人民共和国环境保护法》第五十九条第一款" in d["laws_applied"]


def test_gbk_decision_with_confiscation() -> None:
    response, _ = next(v for v in column().values() if "平湖清鑫皮革" in v[1] and "公示" not in v[1])
    assert response.content_type == "text/html; charset=GBK"
    assert isinstance(response.body, bytes)
    with pytest.raises(UnicodeDecodeError):
        response.body.decode("utf-8")
    assert b'<meta charset="gbk">' in response.body
    d = decisions()["嘉环（平）罚〔2025〕5号"]
    assert d["party"] == "平湖清鑫皮革有限公司" == world.by_key("e41").name
    assert d["fine_yuan"] == 600000 and d["confiscated_yuan"] == 12345.6
    assert d["penalty_types"] == ["fine", "confiscation", "order_to_correct"]


def test_gbk_page_declared_only_in_meta() -> None:
    response, _ = next(v for v in column().values() if "嘉兴金沛环保能源" in v[1] and "公示" not in v[1])
    assert response.content_type == "text/html"  # no charset in the header
    assert isinstance(response.body, bytes)
    text = decode_page(response.body, response.content_type, "utf-8")
    assert "当事人：嘉兴金沛环保能源有限公司" in text or "单位名称：嘉兴金沛环保能源有限公司" in text
    d = decisions()["嘉环（桐）罚〔2025〕11号"]
    assert d["decision_number"] == "嘉环(桐)罚【2025】11号"
    assert d["party"] == world.by_key("e30").name
    assert d["fine_yuan"] == 200000 and d["fine_text"] == "罚款人民币贰拾万元整"
    assert d["decision_date"] == "2025-09-16"  # authority and date on one <p>, split by <br/>


def test_individual_without_code() -> None:
    d = decisions()["嘉环（秀）罚〔2024〕9号"]
    assert d["party"] == "沈某某" and d["party_type"] == "individual"
    assert d["uscc"] is None and d["uscc_masked"] is False and d["legal_representative"] is None
    assert d["fine_yuan"] == 1800 and d["fine_text"] == "罚款人民币壹仟捌佰元(￥1800元)"
    assert d["laws_applied"] == ["《中华人民共和国大气污染防治法》第一百一十九条第二款"]
    assert d["_content_type"] == "text/html; charset=GBK"


def test_fully_masked_company_and_individual_business() -> None:
    company = decisions()["嘉环罚〔2024〕27号"]
    assert company["uscc"] == "*" * 18 and company["uscc_masked"] is True
    assert company["fine_yuan"] == 200000 and company["fine_text"] == "处人民币贰拾万元罚款"
    assert company["laws_violated"] == ["《建设项目环境保护管理条例》第十九条第一款"]
    shop = decisions()["嘉环（秀）罚〔2025〕14号"]
    assert shop["party"] == "嘉兴市秀洲区洪合镇鑫达五金加工厂" and shop["party_type"] == "individual_business"
    assert shop["uscc_masked"] is True and shop["legal_representative"] is None
    assert shop["fine_yuan"] == 16000
    assert shop["penalty_types"] == ["fine", "order_to_correct"]  # 责令停止建设


@pytest.mark.parametrize(
    ("number", "printed", "fine", "types"),
    [
        ("嘉环（海）罚字〔2026〕12号", "嘉环 (海) 罚字 [2026] 12 号", 400000, ["fine", "order_to_correct"]),
        ("嘉环（海）罚字〔2025〕13号", "嘉环(海)罚字[2025]13号", 156000, ["fine", "order_to_correct"]),
        ("嘉环（秀）罚〔2025〕4号", "嘉环(秀)罚〔2025〕4号", 45000, ["fine", "order_to_correct"]),
        ("嘉环（平）罚〔2025〕6号", "嘉环(平)罚 〔2025〕 6 号", 700000, ["fine", "order_to_correct", "detention"]),
        ("嘉环罚〔2026〕2号", "嘉环罚〔2026〕2号", 1000000, ["fine", "order_to_correct", "permit_revoked"]),
        ("嘉环（海）罚字〔2024〕3号", "嘉环(海)罚字[2024]3号", 108000, ["fine", "order_to_correct"]),
        ("嘉环（海）罚字〔2024〕35号", "嘉环(海)罚字[2024]35号", 80000, ["fine", "order_to_correct"]),
    ],
)
def test_number_and_amount_variants(number: str, printed: str, fine: int, types: list[str]) -> None:
    d = decisions()[number]
    assert d["decision_number"] == printed
    assert d["fine_yuan"] == fine
    assert d["penalty_types"] == types


def test_chinese_dates_headings_and_layouts() -> None:
    last = decisions()["嘉环罚〔2026〕21号"]
    assert last["decision_date"] == "2026-10-28"  # 二〇二六年十月二十八日
    assert decisions()["嘉环（海）罚字〔2024〕3号"]["authority"] == "嘉兴市生态环境局海宁分局"
    two_lines = decisions()["嘉环罚〔2024〕11号"]
    assert two_lines["title"] == "嘉兴市生态环境局行政处罚决定书"
    long_facts = decisions()["嘉环（海）罚字〔2024〕21号"]
    assert "陈述" in long_facts["facts"]
    assert long_facts["laws_violated"] == ["《中华人民共和国水污染防治法》第十条"]
    merged = decisions()["嘉环（善）罚〔2024〕12号"]  # 二 and 三 in one section
    assert merged["fine_yuan"] == 150000
    assert merged["laws_violated"] == ["《中华人民共和国固体废物污染环境防治法》第七十七条第一款",
                                       "《中华人民共和国固体废物污染环境防治法》第七十九条"]


def test_normalise_number() -> None:
    assert normalise_number("嘉环罚 〔2025〕 12 号") == "嘉环罚〔2025〕12号"
    assert normalise_number("嘉环(海)罚字[2024]3号") == "嘉环（海）罚字〔2024〕3号"
    assert normalise_number("嘉环罚【２０２５】１２号") == "嘉环罚〔2025〕12号"
    assert normalise_number("豫0923环罚决字〔2024〕7号") == "豫0923环罚决字〔2024〕7号"


MINIMAL = """嘉兴市生态环境局行政处罚决定书
嘉环罚〔2025〕99号
当事人：某某有限公司
统一社会信用代码：91330400MA2*****8X
地址：嘉兴市
法定代表人：张三
一、环境违法事实和证据
你单位违反了《中华人民共和国大气污染防治法》第十八条的规定。
二、行政处罚的依据、种类
依据《中华人民共和国大气污染防治法》第九十九条第二项的规定，我局决定对你单位作出如下行政处罚：{decision}。
三、行政处罚决定的履行方式和期限
限十五日内缴纳。
四、申请复议或者提起诉讼的途径和期限
六十日内申请行政复议。
{signature}
"""


def minimal(decision: str = "罚款人民币伍万元", signature: str = "嘉兴市生态环境局\n2025年3月1日") -> str:
    return MINIMAL.format(decision=decision, signature=signature)


def test_minimal_decision() -> None:
    d = parse_decision(minimal())
    assert d["uscc"] == "91330400MA2*****8X" and d["uscc_masked"] is True
    assert d["legal_representative"] == "张三" and d["fine_yuan"] == 50000
    assert d["decision_date"] == "2025-03-01"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (minimal("罚款人民币伍万元（¥50001元）"), "disagrees"),
        (minimal("1.罚款人民币伍万元；2.罚款人民币陆万元"), "several different fines"),
        (minimal("罚款人民币伍万陆元"), "cannot read"),
        (minimal("罚款"), "without a readable amount"),
        (minimal("责令你单位记住教训"), "no known kind of penalty"),
        (minimal(signature="嘉兴市生态环境局"), "no authority and date"),
        (minimal(signature="某某有限公司\n2025年3月1日"), "not an authority"),
        (minimal().replace("二、行政处罚的依据、种类", "二、其他"), "penalty-basis section"),
        (minimal().replace("嘉兴市生态环境局行政处罚决定书\n", ""), "heading"),
    ],
)
def test_structural_surprises_raise(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_decision(text)


@pytest.mark.parametrize("drop", ["嘉环罚〔2025〕99号\n", "当事人：某某有限公司\n"])
def test_not_a_decision(drop: str) -> None:
    with pytest.raises(NotADecisionError):
        parse_decision(minimal().replace(drop, ""))


# --- a county page with a table of cases ---


@cache
def case_table() -> tuple[str, list[list[list[str]]]]:
    response, text = next(v for v in column().values() if CASE_TABLE_INTRO in v[1])
    page = page_text(response)
    return text, article_tables(page, ARTICLE)


def test_case_table_rows() -> None:
    text, tables = case_table()
    assert len(tables) == 1 and is_case_table(tables[0])
    with pytest.raises(NotADecisionError):
        parse_decision(text)  # not one decision
    authority, signed, _ = signature(text_lines(text), 0) or ("", None, 0)
    assert authority == "嘉兴市生态环境局海盐分局" and str(signed) == "2025-07-08"
    rows = {r["decision_number_norm"]: r for r in parse_case_table(tables[0], authority)}
    assert list(rows) == ["嘉环（盐）罚〔2025〕4号", "嘉环（盐）罚〔2025〕6号", "嘉环（盐）罚〔2025〕7号",
                          "嘉环（盐）罚〔2025〕9号", "嘉环（盐）罚〔2025〕11号"]
    e45 = world.by_key("e45")
    first = rows["嘉环（盐）罚〔2025〕4号"]
    assert first["title"] == "超标排放水污染物案" and first["party"] == e45.name and first["uscc"] == e45.uscc
    assert first["party_type"] == "organisation" and first["authority"] == "嘉兴市生态环境局海盐分局"
    assert first["decision_date"] == "2025-04-08"
    assert first["fine_yuan"] == 126000 and first["fine_text"] == "罚款人民币壹拾贰万陆仟元"
    assert first["penalty_types"] == ["fine", "order_to_correct"]
    assert first["laws_violated"] == ["《中华人民共和国水污染防治法》第十条"]
    assert first["laws_applied"] == ["《中华人民共和国水污染防治法》第八十三条第二项"]
    spaced = rows["嘉环（盐）罚〔2025〕7号"]
    assert spaced["decision_number"] == "嘉环(盐)罚 〔2025〕 7号" and spaced["fine_yuan"] == 150000
    assert rows["嘉环（盐）罚〔2025〕6号"]["penalty_types"] == ["fine", "order_to_correct"]  # 责令其停止建设
    assert rows["嘉环（盐）罚〔2025〕9号"]["fine_text"] == "处人民币叁万伍仟元罚款"
    wan = rows["嘉环（盐）罚〔2025〕11号"]
    assert wan["fine_yuan"] == 52000 and wan["party"] == world.by_key("e18").name
    assert wan["laws_applied"] == ["《排污许可管理条例》第三十六条第四项"]


def test_summary_table_is_not_a_case_table() -> None:
    response, _ = next(v for v in column().values() if "公示如下" in v[1] and not is_notice(v[1]))
    [table] = article_tables(page_text(response), ARTICLE)
    assert table[0] == ["序号", "处罚决定书文号", "被处罚单位", "处罚结果"]
    assert not is_case_table(table)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: [[*t[0][:-1], "备注"], *t[1:]], "unknown column"),
        (lambda t: [[c for c in r[:-2]] + [r[-1]] for r in t], "no column for"),
        (lambda t: [t[0], t[1][:-1]], "a row of 7 cells"),
        (lambda t: [t[0], [*t[1][:4], t[1][4].replace("责令其改正违法行为，并处罚款人民币壹拾贰万陆仟元", "予以表扬"), *t[1][5:]]],
         "no known kind of penalty"),
    ],
)
def test_case_table_is_strict(change: Any, message: str) -> None:
    _, [table] = case_table()
    with pytest.raises(ValueError, match=message):
        parse_case_table(change(table), "嘉兴市生态环境局海盐分局")


# --- orders to correct ---


@cache
def corrections() -> dict[str, dict[str, Any]]:
    orders = [parse_correction_order(text) for _, text in column().values() if CORRECTION.search(text)]
    return {o["decision_number_norm"]: o for o in orders}


@pytest.mark.parametrize(
    ("number", "printed", "party", "deadline", "decided", "authority"),
    [
        ("嘉环（海）责改〔2024〕15号", "嘉环(海)责改〔2024〕15号", "e48", "2024-11-30", "2024-09-24",
         "嘉兴市生态环境局海宁分局"),
        ("嘉环改字〔2025〕3号", "嘉环改字〔2025〕3号", "e37", "2025-03-31", "2025-02-18", "嘉兴市生态环境局"),
        ("嘉环（秀）改〔2025〕9号", "嘉环(秀)改〔2025〕9号", "e24", "2025-07-15", "2025-06-05", "嘉兴市生态环境局"),
        ("嘉环（桐）责改〔2025〕6号", "嘉环(桐)责改〔2025〕6号", "e49", "2025-10-31", "2025-08-27", "嘉兴市生态环境局"),
        ("嘉环责改〔2026〕2号", "嘉环责改[2026]2号", "e34", "2026-06-30", "2026-04-14", "嘉兴市生态环境局"),
    ],
)
def test_correction_orders(number: str, printed: str, party: str, deadline: str, decided: str,
                           authority: str) -> None:
    o = corrections()[number]
    enterprise = world.by_key(party)
    assert o["decision_number"] == printed and o["party"] == enterprise.name
    assert o["address"] == enterprise.address
    assert o["deadline"] == deadline and o["decision_date"] == decided and o["authority"] == authority
    assert o["title"].startswith(authority) and o["title"].endswith("决定书")
    assert o["order_text"] and "违反" not in o["order_text"]
    assert o["laws_violated"] and o["laws_applied"][0] == "《中华人民共和国行政处罚法》第二十八条第一款"
    assert "违反了" in o["facts"] and "责令你单位" not in o["facts"]
    assert "fine_yuan" not in o


def test_correction_order_details() -> None:
    masked = corrections()["嘉环（秀）改〔2025〕9号"]
    assert masked["uscc"] == "91330411742*****52" and masked["uscc_masked"] is True
    assert masked["order_text"] == "于2025年7月15日前修复自动监测设备并恢复数据正常传输"
    assert masked["laws_violated"] == ["《排污许可管理条例》第二十条第一款"]
    two_steps = corrections()["嘉环改字〔2025〕3号"]
    assert two_steps["order_text"].startswith("立即停止违法行为，并于2025年3月31日前")
    plain = corrections()["嘉环（海）责改〔2024〕15号"]  # the older template, no numbered sections
    assert plain["title"] == "嘉兴市生态环境局海宁分局责令改正决定书"
    assert plain["laws_violated"] == ["《排污许可管理条例》第十八条"]
    assert plain["laws_applied"] == ["《中华人民共和国行政处罚法》第二十八条第一款", "《排污许可管理条例》第三十六条第一项"]


def test_correction_order_strictness() -> None:
    _, text = next(v for v in column().values() if "嘉环改字〔2025〕3号" in v[1])
    with pytest.raises(NotADecisionError, match="责令改正"):
        parse_correction_order(minimal())  # a penalty decision is not an order to correct
    with pytest.raises(ValueError, match="no 责令你单位"):
        parse_correction_order(text.replace("我局责令你单位：", "我局要求你单位"))
    with pytest.raises(ValueError, match="no authority and date"):
        parse_correction_order(text.replace("2025年2月18日", ""))
    with pytest.raises(NotADecisionError, match="当事人"):
        parse_correction_order(text.replace("当事人：", "名称："))
    with pytest.raises(ValueError, match="处罚决定书"):
        parse_decision(text)  # and an order to correct is not a penalty decision
