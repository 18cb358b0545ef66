"""Lists published as notice attachments by 浙江省生态环境厅: credit ratings and cleaner-production audits.

Parser tests read the replica's own pages and attachments (`fetch`, no socket); crawl tests run both
spiders against the replica and check counts, the report, the evidence and the staging models.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import scrapy

from crawlers.base.notice_attachments import Notice, NoticeAttachmentSpider, list_rows, lookup_table, read_tables
from crawlers.helpers.documents import DocumentError
from crawlers.replay import lists, world
from crawlers.replay.documents import make_xlsx
from crawlers.spiders.zj.zj_sthjt_cleaner_production import ZjSthjtCleanerProductionSpider
from crawlers.spiders.zj.zj_sthjt_credit_ratings import ZjSthjtCreditRatingsSpider
from tests.conftest import fetch, read_items, run_crawl

HOST = lists.HOST
CREDIT = "zj_sthjt_credit_ratings"
AUDITS = "zj_sthjt_cleaner_production"


def notice_page(year_title: str) -> tuple[str, str]:
    """Path and text of the notice whose title contains `year_title`."""
    [notice] = [n for n in lists.NOTICES if year_title in n.title and "拟评" not in n.title]
    response = fetch(HOST, notice.path)
    assert response.status == 200
    return notice.path, response.encoded().decode("utf-8")


def attachment(year_title: str) -> tuple[bytes, str, Notice]:
    """The attachment of a notice as the spider would download it: link → relative URL → download script."""
    path, text = notice_page(year_title)
    page = scrapy.Selector(text=text)
    [href] = page.xpath(NoticeAttachmentSpider.attachment_xpath + "/@href").getall()
    assert href.startswith("../../../../module/download/downfile.jsp?")
    url = urljoin(f"https://{HOST}{path}", href)
    split = urlsplit(url)
    response = fetch(HOST, split.path, query={k: v[0] for k, v in parse_qs(split.query).items()})
    assert response.status == 200 and response.content_type == "application/octet-stream"
    year = int(year_title[:4])
    number = "".join(page.xpath(NoticeAttachmentSpider.number_xpath).getall()).strip()
    title = page.xpath("//meta[@name='ArticleTitle']/@content").get()
    assert title is not None
    return response.encoded(), url, Notice(f"https://{HOST}{path}", title, number, "2026-03-20", year)


def by_key(records: list[tuple[str, dict]]) -> dict[str, dict]:
    return dict(records)


def test_column_pages_and_notices() -> None:
    first = fetch(HOST, lists.COLUMN).encoded().decode("utf-8")
    assert "<totalpage>3</totalpage>" in first and f'<div id="{lists.UNIT_ID}">' in first
    third = fetch(HOST, lists.COLUMN, query={"uid": lists.UNIT_ID, "pageNum": "3"}).encoded().decode("utf-8")
    assert third.count("<record>") == 1
    assert fetch(HOST, lists.COLUMN, query={"uid": lists.UNIT_ID, "pageNum": "4"}).status == 404
    # a file the server does not have is an HTML page with status 200, which the reader refuses
    missing = fetch(HOST, lists.DOWNLOAD, query={"classid": "0", "filename": "0000.xlsx"})
    assert missing.status == 200
    with pytest.raises(DocumentError, match="HTML page"):
        read_tables(missing.encoded())
    spider = ZjSthjtCreditRatingsSpider()
    titles = [n.title for n in lists.NOTICES]
    assert [t for t in titles if spider.title_wanted(t)] == [
        "浙江省生态环境厅关于公布2025年度企业环境信用评价结果的通知",
        "浙江省生态环境厅关于公布2024年度企业环境信用评价结果的通知",
        "浙江省生态环境厅关于公布2023年度企业环境信用评价结果的通知",
    ]
    assert sum(ZjSthjtCleanerProductionSpider().title_wanted(t) for t in titles) == 2


def test_credit_ratings_2025_xlsx() -> None:
    data, url, notice = attachment("2025年度企业环境信用评价结果")
    assert notice.number == "浙环函〔2026〕58号"
    parsed = ZjSthjtCreditRatingsSpider().parse_attachment(data, notice, url)
    assert parsed.kind == "xlsx"
    assert len(parsed.records) == 47
    records = by_key(parsed.records)

    e00 = world.by_key("e00")
    rating = records[f"2025:{e00.uscc}"]
    assert rating["enterprise_name"] == e00.name and rating["uscc"] == e00.uscc
    assert (rating["city"], rating["county"]) == ("嘉兴市", "南湖区")
    assert (rating["grade"], rating["grade_label"]) == ("yellow", "黄牌")
    assert rating["reasons"] == ["自动监测设施不正常运行"]
    assert rating["attachment_url"] == url and rating["attachment_type"] == "xlsx"
    assert rating["notice_title"] == "浙江省生态环境厅关于公布2025年度企业环境信用评价结果的通知"
    e12 = records[f"2025:{world.by_key('e12').uscc}"]
    assert e12["grade"] == "black" and e12["reasons"] == ["篡改自动监测数据", "自动监测数据造假"]
    assert records[f"2025:{world.by_key('e36').uscc}"]["grade"] == "red"
    assert records[f"2025:{world.by_key('e18').uscc}"]["reasons"] == []

    # full-width code: printed as is, keyed by the code it normalises to
    e46 = world.by_key("e46")
    assert records[f"2025:{e46.uscc}"]["uscc"] == lists.full_width(e46.uscc)
    # masked code: keyed by name
    s04 = lists.firm("s04")
    assert records[f"2025:{s04.name}"]["uscc"] == lists.masked(s04.uscc)
    # the wrapped end of e37's problems sits in a row of its own: reported, the row above keeps its first half
    assert [p.kind for p in parsed.problems] == ["row_without_name"]
    assert "直接责任人员被行政拘留" in parsed.problems[0].error
    assert records[f"2025:{world.by_key('e37').uscc}"]["reasons"] == ["私设暗管排放水污染物"]
    # every 嘉兴 enterprise of the world is rated
    assert {e.uscc for e in world.in_city("330400")} <= {key.split(":")[1] for key in records}


def test_credit_ratings_2024_docx_long_grade_names() -> None:
    data, url, notice = attachment("2024年度企业环境信用评价结果")
    assert notice.number == "浙环函〔2025〕66号"
    parsed = ZjSthjtCreditRatingsSpider().parse_attachment(data, notice, url)
    assert parsed.kind == "docx" and parsed.problems == []
    records = by_key(parsed.records)
    assert len(records) == 47
    e38 = records[f"2024:{world.by_key('e38').uscc}"]
    assert (e38["grade"], e38["grade_label"]) == ("red", "环保不良企业")
    assert e38["reasons"] == ["私设暗管排放水污染物"]
    # 所在地 "嘉兴市平湖市" is split into city and county
    assert (e38["city"], e38["county"]) == ("嘉兴市", "平湖市")
    assert records[f"2024:{world.by_key('e00').uscc}"]["grade_label"] == "环保警示企业"
    assert {f["grade"] for f in records.values()} == {"green", "blue", "yellow", "red"}
    # a mistyped check character: printed as is, keyed by name
    s07 = lists.firm("s07")
    assert records[f"2024:{s07.name}"]["uscc"] == lists.mistyped(s07.uscc)


def test_grade_labels_map_across_wordings() -> None:
    grade = lookup_table(ZjSthjtCreditRatingsSpider.metadata["lookups"]["grade"], "grade")
    for code in lists.GRADES:
        assert grade[lists.PLATES[code]] == grade[lists.LONG_NAMES[code]] == code
    # an unknown grade keeps the row, with grade null, and is reported against the record
    data = make_xlsx({"s": [["序号", "企业名称", "统一社会信用代码", "评价等级", "备注"],
                            [1, "杭州某某化工有限公司", None, "橙牌", "新增"]]})
    parsed = ZjSthjtCreditRatingsSpider().parse_attachment(data, Notice("n", "t", None, "2026-01-01", 2025), "u")
    [(key, fields)] = parsed.records
    assert key == "2025:杭州某某化工有限公司" and fields["grade"] is None and fields["grade_label"] == "橙牌"
    # … and a column the lookup does not know is reported (the spider reports each label once per crawl)
    assert [(p.kind, p.key) for p in parsed.problems] == [("unknown_column", None), ("unknown_value", key)]
    assert "备注" in parsed.problems[0].error


def test_cleaner_production_2025_xlsx() -> None:
    data, url, notice = attachment("2025年度强制性清洁生产审核企业名单")
    parsed = ZjSthjtCleanerProductionSpider().parse_attachment(data, notice, url)
    assert parsed.kind == "xlsx" and parsed.problems == []
    records = by_key(parsed.records)
    assert len(records) == 35
    e37 = records[f"2025:{world.by_key('e37').uscc}"]
    assert e37["audit_type"] == ["toxic_materials", "toxic_emissions"]
    assert e37["audit_reason"] == "双有（使用有毒有害原料、排放有毒有害物质）"
    assert e37["county"] == "南湖区"
    assert records[f"2025:{world.by_key('e42').uscc}"]["audit_type"] == ["over_standard"]
    deadlines = {(f["deadline_text"], f["deadline"]) for f in records.values()}
    assert deadlines == {("2025-12-31 00:00:00", "2025-12-31"), ("2026年6月30日前", "2026-06-30")}


def test_cleaner_production_2026_pdf_names_only() -> None:
    data, url, notice = attachment("2026年度强制性清洁生产审核企业名单")
    parsed = ZjSthjtCleanerProductionSpider().parse_attachment(data, notice, url)
    assert parsed.kind == "pdf" and parsed.problems == []
    records = by_key(parsed.records)
    # 45 rows over two pages: the second page's table has no header
    assert len(records) == 45
    e00 = world.by_key("e00")
    row = records[f"2026:{e00.name}"]
    assert row["uscc"] is None and row["enterprise_name"] == e00.name
    assert row["audit_type"] == ["over_standard"] and row["audit_reason"] == "双超（超标排放）"
    assert row["deadline"] in ("2026-12-31", "2027-06-30")
    assert records[f"2026:{world.by_key('e38').name}"]["audit_type"] == ["over_standard", "over_total"]
    assert all(f["uscc"] is None for f in records.values())


def test_broken_attachment_is_a_document_error() -> None:
    data, url, notice = attachment("2023年度企业环境信用评价结果")
    with pytest.raises(DocumentError, match="truncated or damaged"):
        ZjSthjtCreditRatingsSpider().parse_attachment(data, notice, url)
    # a table without the required columns is no list
    with pytest.raises(DocumentError, match="no table with the columns"):
        list_rows([[["序号", "名称"], ["1", "x"]]], {"序号": None}, ["enterprise_name"])


def _archived(data_dir: Path, item: dict) -> bytes:
    warc = data_dir / "raw" / item["archive"]["warc"]
    index = [json.loads(line) for line in warc.with_name(warc.name.replace(".warc.gz", ".index.jsonl"))
             .read_text(encoding="utf-8").splitlines()]
    entry = next(e for e in index if e["url"] == item["url"])
    assert entry["digest"] == item["archive"]["digest"]
    with warc.open("rb") as fh:
        fh.seek(item["archive"]["offset"])
        return gzip.decompress(fh.read(item["archive"]["length"]))


def test_crawl_both_lists(data_dir: Path, replay: dict[str, str]) -> None:
    reports = {r["source"]: r for r in run_crawl(data_dir, CREDIT, AUDITS, origins=replay)}
    origin = replay[HOST]

    credit = reports[CREDIT]
    # ok: the truncated 2023 attachment and the wrapped row are reported, neither is a crawler failure
    assert credit["ok"], credit["errors"]
    assert credit["records"] == {"credit_rating": 94}
    # robots + 3 list pages + 3 notices + 3 attachments
    assert credit["responses"] == {"200": 10}
    assert sorted(e["kind"] for e in credit["errors"]) == ["attachment", "row_without_name"]
    [broken] = [e for e in credit["errors"] if e["kind"] == "attachment"]
    assert broken["url"].startswith(f"{origin}/module/download/downfile.jsp?") and "2404121514002193" in broken["url"]
    assert broken["record_id"] == f"{CREDIT}:2023"
    assert "浙环函〔2024〕71号" in broken["error"] and "truncated" in broken["error"]

    audits = reports[AUDITS]
    assert audits["ok"] and audits["errors"] == [], audits["errors"]
    assert audits["records"] == {"cleaner_production": 80}
    assert audits["responses"] == {"200": 8}

    items = read_items(data_dir, CREDIT) + read_items(data_dir, AUDITS)
    assert len({i["record_id"] for i in items}) == len(items) == 174
    for item in items:
        assert item["url"].startswith(f"{origin}/module/download/downfile.jsp?classid=0&filename=")
        assert item["url"] == item["fields"]["attachment_url"]
        assert item["fields"]["notice_url"].startswith(f"{origin}/art/")
        assert len(item["archive"]["digest"]) == 64
    e00 = world.by_key("e00")
    [rating] = [i for i in items if i["record_id"] == f"{CREDIT}:2025:{e00.uscc}"]
    assert rating["fields"]["grade"] == "yellow" and rating["fields"]["notice_date"] == "2026-03-20"
    # the evidence is the attachment itself, as served
    record = _archived(data_dir, rating)
    assert b"application/octet-stream" in record and b"xl/workbook.xml" in record
    [audit] = [i for i in items if i["record_id"] == f"{AUDITS}:2026:{e00.name}"]
    assert b"%PDF-" in _archived(data_dir, audit)
    digests = {i["archive"]["digest"] for i in items}
    assert len(digests) == 4  # four attachments, every record cites one of them

    # the staging models and the named records read them
    from etl.load import load
    from etl.warehouse import connect

    load(data_dir)
    con = connect()
    try:
        grades = dict(con.execute("SELECT grade, count(*) FROM staging.stg_zj_sthjt_credit_ratings__ratings "
                                  "WHERE year = 2025 GROUP BY grade").fetchall())
        assert sum(grades.values()) == 47 and grades["black"] == 2
        [(year, types, deadline)] = con.execute(
            "SELECT year, audit_type, deadline FROM staging.stg_zj_sthjt_cleaner_production__audits "
            "WHERE enterprise_name = ? AND year = 2025", [world.by_key("e37").name]).fetchall()
        assert (year, types, str(deadline)[:4]) == (2025, ["toxic_materials", "toxic_emissions"], "2025")
        named = dict(con.execute(
            "SELECT kind, count(*) FROM intermediate.int_named_records "
            "WHERE source IN (?, ?) GROUP BY kind", [CREDIT, AUDITS]).fetchall())
        assert named == {"credit_rating": 94, "cleaner_production": 80}
    finally:
        con.close()
