"""The Guangdong penalty column's replica (JS-rendered list, PDF/DOCX attachments), its parser and its crawl."""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from crawlers.helpers import documents, uscc
from crawlers.helpers.penalty import parse_decision
from crawlers.replay import guangdong, world
from crawlers.replay.server import Response
from crawlers.settings import PLAYWRIGHT_LAUNCH_OPTIONS
from tests.conftest import fetch, read_items, run_crawl

HOST = guangdong.HOST
SOURCE = "gd_sthjt_penalties"
ATTACHMENT = re.compile(r'<a href="(/attachment/[^"]+)"')
BROKEN = "粤环罚〔2024〕42号"


def body(response: Response) -> bytes:
    return response.body if isinstance(response.body, bytes) else response.encoded()


def api(page: int, nonce: str | None = None, token: str | None = None, now_ms: int | None = None) -> Response:
    nonce = nonce if nonce is not None else guangdong.make_nonce(page, now_ms or guangdong.GuangdongPenaltyList()
                                                                 .clock())
    query = {"page": str(page), "nonce": nonce, "token": token if token is not None
             else guangdong.list_token(nonce, page)}
    return fetch(HOST, guangdong.LIST_API, query=query, headers={"x-requested-with": "XMLHttpRequest"})


@cache
def attachments() -> dict[str, tuple[str, bytes]]:
    """Every post's attachment, found the way the spider finds it: note path → (attachment path, bytes)."""
    found: dict[str, tuple[str, bytes]] = {}
    for page in range(1, 4):
        for row in json.loads(body(api(page)))["data"]["list"]:
            note = body(fetch(HOST, row["url"])).decode("utf-8")
            [path] = ATTACHMENT.findall(note)
            response = fetch(HOST, path)
            assert response.status == 200
            found[row["url"]] = (path, body(response))
    return found


@cache
def decisions() -> dict[str, dict[str, Any]]:
    """decision_number_norm → parsed fields (with `_type`) of every readable attachment."""
    parsed: dict[str, dict[str, Any]] = {}
    for path, data in attachments().values():
        try:
            text = documents.text_of(data)
        except documents.DocumentError:
            continue
        fields = parse_decision(text)
        fields["_type"] = documents.sniff(data)
        assert path.endswith("." + fields["_type"])
        parsed[fields["decision_number_norm"]] = fields
    return parsed


# --- the shell and its endpoint ---


def test_shell_has_no_records_without_javascript() -> None:
    page = body(fetch(HOST, "/bgtxzcf/index.html")).decode("utf-8")
    assert '<ul class="list" id="xzcf-list"></ul>' in page and '<div class="pagination" id="pager"></div>' in page
    assert "post_" not in page and "粤环罚" not in page and "/attachment/" not in page
    assert guangdong.LIST_SECRET not in page  # only scrambled
    assert fetch(HOST, "/bgtxzcf/index_2.html").status == 200
    assert fetch(HOST, "/bgtxzcf/index_3.html").status == 200
    for missing in ("/bgtxzcf/index_1.html", "/bgtxzcf/index_4.html", "/bgtxzcf/index_02.html", "/nowhere"):
        assert fetch(HOST, missing).status == 404
    assert fetch(HOST, "/robots.txt").status == 200


def test_list_endpoint_needs_the_pages_token() -> None:
    good = api(1)
    assert good.status == 200
    data = json.loads(body(good))["data"]
    assert (data["page"], data["pages"], data["total"], len(data["list"])) == (1, 3, 21, 8)
    assert len(json.loads(body(api(3)))["data"]["list"]) == 5
    nonce = guangdong.make_nonce(1, guangdong.GuangdongPenaltyList().clock())
    assert api(1, nonce, token="0" * 16).status == 403
    assert api(1, nonce, token="").status == 403
    assert api(2, nonce, guangdong.list_token(nonce, 2)).status == 403  # a nonce for another page
    assert api(1, "1700000000000.0123456789abcdef").status == 403  # a nonce the server did not issue
    stale = guangdong.make_nonce(1, guangdong.GuangdongPenaltyList().clock() - guangdong.NONCE_TTL_MS - 1000)
    assert api(1, stale).status == 403
    assert json.loads(body(api(1, nonce, token="x")))["code"] == 403
    assert api(4).status == 403


def test_list_is_newest_first_and_links_notes() -> None:
    rows = [row for page in range(1, 4) for row in json.loads(body(api(page)))["data"]["list"]]
    dates = [row["date"] for row in rows]
    assert dates == sorted(dates, reverse=True) and len(rows) == 21
    assert all(re.fullmatch(r"/bgtxzcf/content/post_\d{7}\.html", row["url"]) for row in rows)


# --- attachments and the parser ---


def test_every_attachment_is_a_decision_but_one() -> None:
    parsed = decisions()
    assert len(attachments()) == 21 and len(parsed) == 20
    assert sum(d["_type"] == "pdf" for d in parsed.values()) == 15
    assert sum(d["_type"] == "docx" for d in parsed.values()) == 5
    for number, d in parsed.items():
        assert re.fullmatch(r"粤环罚〔20(24|25|26)〕\d+号", number), number
        assert d["authority"] == "广东省生态环境厅" and d["title"] == "广东省生态环境厅行政处罚决定书"
        assert "2024-01-01" <= d["decision_date"] <= "2026-12-31"
        assert d["decision_date"][:4] == number[4:8]
        assert d["fine_yuan"] and d["fine_yuan"] > 0 and d["penalty_types"][0] == "fine"
        assert d["laws_violated"] and d["laws_applied"] and d["facts"] and d["address"].startswith("广东省")


def test_broken_attachment_is_refused() -> None:
    [(path, data)] = [(p, d) for p, d in attachments().values() if _unreadable(d)]
    assert path.endswith(".pdf") and documents.sniff(data) == "pdf"  # looks like a PDF, is cut off
    with pytest.raises(documents.DocumentError, match="unreadable PDF"):
        documents.text_of(data)
    assert BROKEN not in decisions()


def test_world_parties_and_generated_codes() -> None:
    parsed = decisions().values()
    guangdong_world = [e for e in world.enterprises() if e.province == "广东省"]
    assert {e.name for e in guangdong_world} <= {d["party"] for d in parsed} | {world.by_key("e08").name}
    for d in parsed:
        if d["uscc"] and not d["uscc_masked"]:
            assert uscc.is_valid(d["uscc"]) and d["uscc"][2:4] == "44", d["uscc"]
    assert sum(d["uscc_masked"] for d in parsed) == 1


def test_docx_decision_with_figure() -> None:
    d = decisions()["粤环罚〔2024〕9号"]
    assert d["_type"] == "docx"
    assert d["party"] == "深圳市鑫达电路板有限公司" and d["party_type"] == "organisation"
    assert d["uscc"] == "91440306MA5DKL725M" and d["uscc_masked"] is False
    assert d["address"] == "广东省深圳市宝安区沙井街道新桥工业区6栋"
    assert d["decision_date"] == "2024-02-29"
    assert d["fine_yuan"] == 185000 and d["fine_text"] == "罚款人民币壹拾捌万伍仟元（¥185000元）"
    assert d["penalty_types"] == ["fine", "order_to_correct"]
    assert d["laws_violated"] == ["《中华人民共和国水污染防治法》第十条"]
    assert d["laws_applied"] == ["《中华人民共和国水污染防治法》第八十三条第二项"]
    assert "总铜" in d["facts"]


def test_pdf_decision_of_a_world_enterprise_with_suspension() -> None:
    d = decisions()["粤环罚〔2025〕17号"]
    e39 = world.by_key("e39")
    assert d["_type"] == "pdf"
    assert d["party"] == e39.name == "东莞永德皮革有限公司" and d["uscc"] == e39.uscc
    assert d["address"] == e39.address
    assert d["fine_yuan"] == 800000 and d["fine_text"] == "罚款人民币捌拾万元（小写：¥800,000.00元）"
    assert d["penalty_types"] == ["fine", "suspension", "order_to_correct"]
    assert d["laws_applied"] == ["《中华人民共和国水污染防治法》第八十三条第三项"]


def test_pdf_decisions_with_detention_and_wan() -> None:
    tamper = decisions()["粤环罚〔2025〕26号"]
    assert tamper["party"] == world.by_key("e01").name and tamper["fine_yuan"] == 600000
    assert tamper["penalty_types"] == ["fine", "order_to_correct", "detention"]
    assert tamper["laws_violated"] == ["《中华人民共和国大气污染防治法》第二十条第二款"]
    assert tamper["laws_applied"] == ["《中华人民共和国大气污染防治法》第九十九条第三项",
                                      "《中华人民共和国环境保护法》第六十三条第三项"]
    wan = decisions()["粤环罚〔2025〕3号"]
    assert wan["party"] == world.by_key("e20").name
    assert wan["fine_yuan"] == 310000 and wan["fine_text"] == "罚款人民币31万元"


def test_individual_business_and_fine_before() -> None:
    d = decisions()["粤环罚〔2025〕8号"]
    assert d["decision_number"] == "粤环罚[2025]8号"
    assert d["party"] == "汕头市潮阳区谷饶镇丰华织造厂" and d["party_type"] == "individual_business"
    assert d["uscc"] == guangdong.OUTSIDERS["g_chaoyang"].uscc and d["uscc"].startswith("92440513")
    assert d["legal_representative"] is None
    assert d["fine_yuan"] == 62000 and d["fine_text"] == "处人民币陆万贰仟元（¥62000元）罚款"


def test_masked_code_lower_case_amount_and_chinese_date() -> None:
    masked = decisions()["粤环罚〔2024〕31号"]
    assert masked["_type"] == "docx" and masked["uscc"] == "91442000******8N8M" and masked["uscc_masked"] is True
    assert masked["fine_yuan"] == 50000 and masked["fine_text"] == "罚款五万元"
    chinese = decisions()["粤环罚〔2025〕21号"]
    assert chinese["decision_date"] == "2025-07-08" and chinese["fine_yuan"] == 20000
    assert chinese["laws_applied"] == ["《排污许可管理条例》第三十七条第一项"]
    spaced = decisions()["粤环罚〔2025〕35号"]
    assert spaced["decision_number"] == "粤环罚 〔2025〕 35 号" and spaced["fine_yuan"] == 260000


def test_merged_and_long_facts_layouts() -> None:
    merged = decisions()["粤环罚〔2024〕36号"]
    assert merged["party"] == "江门市蓬江区佳盛印染有限公司" and merged["fine_yuan"] == 320000
    assert merged["laws_applied"] == ["《中华人民共和国环境影响评价法》第三十一条第一款"]
    long_facts = decisions()["粤环罚〔2025〕12号"]
    assert long_facts["_type"] == "docx" and "陈述" in long_facts["facts"]
    assert long_facts["laws_violated"] == ["《中华人民共和国固体废物污染环境防治法》第七十七条第一款",
                                           "《中华人民共和国固体废物污染环境防治法》第七十九条"]


# --- in a real browser, and the crawl ---


def _chromium() -> str:
    executable = str(PLAYWRIGHT_LAUNCH_OPTIONS["executable_path"])
    if not Path(executable).exists():
        pytest.skip("Chromium is not installed (make chromium)")
    return executable


@pytest.mark.browser
def test_list_renders_in_chromium(replay: dict[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=_chromium(), args=list(PLAYWRIGHT_LAUNCH_OPTIONS["args"]))
        try:
            page = browser.new_page()
            page.goto(replay[HOST] + "/bgtxzcf/index.html")
            page.wait_for_selector("#pager[data-pages]")
            assert page.locator("#xzcf-list li").count() == 8
            assert page.get_attribute("#pager", "data-pages") == "3"
            assert page.get_attribute("#pager", "data-page") == "1"
            href = page.get_attribute("#xzcf-list li:first-child a", "href")
            assert href is not None and re.fullmatch(r"/bgtxzcf/content/post_\d{7}\.html", href)
            page.goto(replay[HOST] + "/bgtxzcf/index_3.html")
            page.wait_for_selector("#pager[data-pages]")
            assert page.locator("#xzcf-list li").count() == 5
            assert page.get_attribute("#pager", "data-page") == "3"
            assert "共21条" in page.inner_text("#pager")
        finally:
            browser.close()


@pytest.mark.browser
def test_crawl(data_dir: Path, replay: dict[str, str]) -> None:
    [report] = run_crawl(data_dir, SOURCE, origins=replay)
    assert report["ok"], report["errors"]
    assert report["finish_reason"] == "finished"
    assert report["records"] == {"penalty": 20}
    # robots.txt + 3 rendered list pages + 21 notes + 21 attachments
    assert report["responses"] == {"200": 46}
    [error] = report["errors"]
    [broken_path] = [p for p, data in attachments().values() if _unreadable(data)]
    assert error["kind"] == "attachment"
    assert error["url"] == replay[HOST] + broken_path
    assert error["record_id"] == f"{SOURCE}:{BROKEN}"
    assert SOURCE in error["error"] and "unreadable PDF" in error["error"] and "/bgtxzcf/content/post_" in error["error"]

    items = read_items(data_dir, SOURCE)
    assert len(items) == 20 and len({i["record_id"] for i in items}) == 20
    by_number = {i["fields"]["decision_number_norm"]: i for i in items}
    assert set(by_number) == set(decisions())
    paths = dict(attachments().values())
    for item in items:
        fields = item["fields"]
        assert item["kind"] == "penalty" and item["record_id"] == f"{SOURCE}:{fields['decision_number_norm']}"
        # the evidence is the attachment: the record's URL and archived digest are those of the file
        assert item["url"] == fields["attachment_url"]
        data = paths[item["url"].removeprefix(replay[HOST])]
        assert item["archive"]["digest"] == hashlib.sha256(data).hexdigest()
        assert fields["attachment_type"] == item["url"].rsplit(".", 1)[1]
        assert fields["page_url"].startswith(replay[HOST] + "/bgtxzcf/content/post_")
        assert fields["source_page_title"]
    assert sum(i["fields"]["attachment_type"] == "docx" for i in items) == 5
    d = by_number["粤环罚〔2024〕9号"]["fields"]
    assert d["party"] == "深圳市鑫达电路板有限公司" and d["fine_yuan"] == 185000
    assert d["source_page_title"] == "广东省生态环境厅行政处罚决定书（粤环罚〔2024〕9号）"


def _unreadable(data: bytes) -> bool:
    try:
        documents.text_of(data)
    except documents.DocumentError:
        return True
    return False
