"""The Jiangsu 双公示 POST-form list: list and detail parsers on replica pages, strictness, and a crawl."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawlers.base.sgs_form import (
    correction_order_fields,
    parse_detail,
    parse_list,
    penalty_fields,
    penalty_type_codes,
    wan_to_yuan,
)
from crawlers.replay import world
from crawlers.replay.jiangsu_sgs import DETAIL_PATH, LIST_PATH, JiangsuSgsPlatform
from tests.conftest import REPO, fetch, read_items, run_crawl

SOURCE = "js_sthjt_sgs_penalties"
HOST = "ywxt.sthjt.jiangsu.gov.cn"
LOOKUPS = yaml.safe_load((REPO / "crawlers/spiders/js" / f"{SOURCE}.yml").read_text(encoding="utf-8"))["lookups"]


def list_html(category: str, page: int, **extra: str) -> str:
    response = fetch(HOST, LIST_PATH, method="POST", form={"q_GGTJ": category, "P_CURRENT": str(page), **extra})
    assert response.status == 200
    assert response.content_type == "text/html;charset=GB18030"
    body = response.encoded()
    assert b'<meta http-equiv="Content-Type" content="text/html; charset=GB18030">' in body
    return body.decode("gb18030")


def detail_html(number: str) -> str:
    [record_id] = [r.id for r in JiangsuSgsPlatform().records.values() if r.number == number]
    return fetch(HOST, DETAIL_PATH, query={"id": record_id}).encoded().decode("gb18030")


def detail(number: str) -> dict[str, Any]:
    raw, unknown = parse_detail(detail_html(number))
    assert unknown == []
    build = penalty_fields if "责改" not in number else correction_order_fields
    built = build(raw, LOOKUPS)
    assert built.warnings == []
    return built.fields


def test_list_pages_follow_the_pager() -> None:
    rows = []
    for page in (1, 2, 3):
        listing = parse_list(list_html("环罚", page))
        assert (listing.category, listing.total, listing.current, listing.pages) == ("环罚", 45, page, 3)
        rows += listing.rows
    assert [len(rows[:20]), len(rows[20:40]), len(rows[40:])] == [20, 20, 5]
    assert len({r["id"] for r in rows}) == 45
    dates = [r["CF_JDRQ"] for r in rows]
    assert dates == sorted(dates, reverse=True), "newest decision first"
    row = next(r for r in rows if r["CF_WSH"] == "锡环罚决字〔2025〕31号")
    assert row["CF_XDR_MC"] == world.by_key("e47").name
    assert (row["CF_NR_FK"], row["CF_JDRQ"], row["CF_CFJG"]) == ("5.212", "2025-06-20", "无锡市生态环境局")
    assert row["detail_path"] == f"sgsXzcfGsDetail?id={row['id']}"
    # Long names are cut in the cell; the title attribute gives them whole.
    assert "..." in list_html("环罚", 1) and not any(r["CF_XDR_MC"].endswith("...") for r in rows)

    orders = parse_list(list_html("责改", 1))
    assert (orders.total, orders.pages, len(orders.rows)) == (15, 1, 15)
    assert {r["CF_CFLB"] for r in orders.rows} == {"责令改正"}


def test_list_without_form_is_empty_and_pages_are_clamped() -> None:
    empty = parse_list(fetch(HOST, LIST_PATH).encoded().decode("gb18030"))
    assert (empty.category, empty.rows, empty.total) == ("", [], 0)
    # A page past the last answers the last page: the spider checks the pager against the page it asked for.
    assert parse_list(list_html("环罚", 9)).current == 3
    filtered = parse_list(list_html("环罚", 1, q_XDRMC="无锡华嘉"))
    assert sorted(r["CF_WSH"] for r in filtered.rows) == ["锡环罚决字〔2024〕88号", "锡环罚决字〔2025〕31号"]


def test_penalty_detail() -> None:
    e47 = world.by_key("e47")
    fields = detail("锡环罚决字〔2025〕31号")
    assert fields["decision_number_norm"] == "锡环罚决字〔2025〕31号"
    assert (fields["party"], fields["uscc"], fields["uscc_masked"]) == (e47.name, e47.uscc, False)
    assert fields["party_type"] == "organisation" and fields["legal_representative"]
    assert fields["fine_yuan"] == 52120 and fields["fine_text"] == "5.212万元"
    assert fields["penalty_types"] == ["fine"]
    assert fields["decision_date"] == "2025-06-20" and fields["authority"] == "无锡市生态环境局"
    assert fields["violation_type"] == "超标排放水污染物"
    assert fields["laws_violated"] == ["《中华人民共和国水污染防治法》第十条"]
    assert fields["laws_applied"] == ["《中华人民共和国水污染防治法》第八十三条第二项"]
    assert fields["raw"]["CF_NR_FK"] == "5.212" and fields["raw"]["CF_NR"] == "罚款人民币伍万贰仟壹佰贰拾元。"
    assert fields["address"] is None

    masked = detail("锡环罚决字〔2024〕88号")
    assert masked["uscc_masked"] is True and masked["uscc"] == e47.uscc[:8] + "******" + e47.uscc[14:]
    assert masked["fine_yuan"] == 35000
    # 2.0000 万元 is shown with four decimals; 警告,罚款 are two kinds.
    padded = detail("苏环罚字〔2026〕第072号")
    assert padded["fine_yuan"] == 20000 and padded["penalty_types"] == ["warning", "fine"]
    # 责令停产停业 is found through the source's lookups, 责令停产整治 through penalty_types.yml.
    assert detail("常环罚〔2025〕27号")["penalty_types"] == ["suspension", "fine"]
    assert detail("苏吴环罚〔2024〕27号")["penalty_types"] == ["suspension", "fine"]
    # Spaces and square brackets in the 文号 are normalised for the key.
    assert detail("苏吴环罚 [2026] 5号")["decision_number_norm"] == "苏吴环罚〔2026〕5号"
    # 处罚依据 that names no article: no laws applied, the violated one still read from 处罚事由.
    vague = detail("常环罚〔2026〕14号")
    assert vague["laws_applied"] == [] and vague["laws_violated"] == ["《中华人民共和国大气污染防治法》第七十二条第一款"]


def test_gb18030_characters_outside_gbk() -> None:
    for character in ("𠮷", "䶮"):
        with pytest.raises(UnicodeEncodeError):
            character.encode("gbk")
    html = detail_html("苏昆环罚〔2025〕58号")
    assert "昆山𠮷盛精密五金有限公司" in html
    raw_bytes = html.encode("gb18030")
    assert "𠮷".encode("gb18030") in raw_bytes
    with pytest.raises(UnicodeDecodeError):
        raw_bytes.decode("gbk")
    assert detail("苏昆环罚〔2025〕58号")["party"] == "昆山𠮷盛精密五金有限公司"

    shop = detail("徐邳环罚〔2024〕16号")
    assert shop["party"] == "邳州市䶮记废旧物资回收站" and shop["party_type"] == "individual_business"
    assert shop["legal_representative"] is None and shop["raw"]["CF_FRDB"] == "刘䶮"
    assert (shop["fine_yuan"], shop["confiscated_yuan"]) == (12000, 3562)
    assert shop["penalty_types"] == ["fine", "confiscation"]

    person = detail("盐环罚〔2024〕41号")
    assert (person["party"], person["party_type"], person["uscc"]) == ("王某某", "individual", None)
    assert (person["fine_yuan"], person["penalty_types"]) == (None, ["warning"])


def test_correction_order_detail() -> None:
    order = detail("锡环责改字〔2025〕31号")
    assert order["party"] == world.by_key("e47").name and order["deadline"] == "2025-07-31"
    assert order["order_text"].startswith("责令你单位于2025年7月31日前停止超标排放水污染物")
    assert order["facts"] and order["decision_date"] == "2025-06-20"
    assert detail("苏吴环责改〔2025〕33号")["deadline"] is None  # 立即改正
    assert detail("苏吴环责改〔2026〕5号")["uscc_masked"] is True


def test_strict_parsing() -> None:
    html = detail_html("锡环罚决字〔2025〕31号")
    # A renamed required label is a structural change.
    with pytest.raises(ValueError, match="行政相对人名称"):
        parse_detail(html.replace("<th width=\"18%\">行政相对人名称</th>", "<th width=\"18%\">当事人名称</th>"))
    # A new label is returned (the spider reports it once) and its value kept under the label.
    raw, unknown = parse_detail(html.replace("<tr><th width=\"18%\">备注</th>",
                                             "<tr><th>案件来源</th><td colspan=\"3\">日常检查</td></tr>"
                                             "<tr><th width=\"18%\">备注</th>"))
    assert unknown == ["案件来源"] and raw["案件来源"] == "日常检查"
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_detail(html.replace(">2025-06-20<", ">2025年6月20日<"))
    with pytest.raises(ValueError, match="该信息不存在"):
        parse_detail(fetch(HOST, DETAIL_PATH, query={"id": "no-such-id"}).encoded().decode("gb18030"))
    with pytest.raises(ValueError, match="list columns changed"):
        parse_list(list_html("环罚", 1).replace("<th>处罚类别</th>", "<th>处罚种类</th>"))
    with pytest.raises(ValueError, match="pager"):
        parse_list(list_html("环罚", 1).replace("条 第", "条，第"))

    assert penalty_type_codes("警告,罚款;其他", LOOKUPS["penalty_type"]) == (["warning", "fine"], ["其他"])
    assert wan_to_yuan("5.212") == 52120 and wan_to_yuan("0.00015") == 1.5 and wan_to_yuan("") is None
    with pytest.raises(ValueError):
        wan_to_yuan("5.2万")
    raw, _ = parse_detail(html)
    with pytest.raises(ValueError, match="罚款金额"):
        penalty_fields({**raw, "CF_NR_FK": ""}, LOOKUPS)
    inconsistent = penalty_fields({**raw, "CF_NR_FK": "5.2"}, LOOKUPS)
    assert [kind for kind, _ in inconsistent.warnings] == ["inconsistent"]


def test_crawl(data_dir: Path, replay: dict[str, str]) -> None:
    [report] = run_crawl(data_dir, SOURCE, origins=replay)
    assert report["ok"], report["errors"]
    assert report["errors"] == []
    assert report["records"] == {"correction_order": 15, "penalty": 45}
    # robots.txt (absent on the application port) + 3 + 1 list pages + 60 detail pages
    assert report["requests"] == 65 and report["responses"] == {"200": 64, "404": 1}

    items = read_items(data_dir, SOURCE)
    assert len(items) == 60 and len({item["record_id"] for item in items}) == 60
    for item in items:
        assert item["record_id"] == f"{SOURCE}:{item['fields']['decision_number_norm']}"
        assert len(item["archive"]["digest"]) == 64
        assert item["url"].startswith(replay[HOST] + DETAIL_PATH + "?id=")
        assert set(item["fields"]["raw"]) >= {"CF_WSH", "CF_XDR_MC", "CF_CFLB", "CF_NR", "CF_JDRQ", "CF_CFJG"}

    by_key = {item["record_id"].split(":", 1)[1]: item for item in items}
    penalty = by_key["锡环罚决字〔2025〕31号"]
    assert penalty["kind"] == "penalty" and penalty["fields"]["fine_yuan"] == 52120
    assert by_key["锡环责改字〔2025〕31号"]["kind"] == "correction_order"
    # Every world enterprise of 苏州 and 无锡 is there, under its code or the code partly masked.
    printed = {(item["fields"]["party"], item["fields"]["uscc"]) for item in items}
    for e in world.enterprises():
        if e.city_code in ("320500", "320200"):
            assert printed & {(e.name, e.uscc), (e.name, e.uscc[:8] + "******" + e.uscc[14:])}, e.key

    # The archived record is the GB18030 page the item was parsed from.
    item = by_key["苏昆环罚〔2025〕58号"]
    warc = data_dir / "raw" / item["archive"]["warc"]
    index = [json.loads(line) for line in warc.with_name(warc.name.replace(".warc.gz", ".index.jsonl"))
             .read_text(encoding="utf-8").splitlines()]
    assert next(e for e in index if e["url"] == item["url"])["digest"] == item["archive"]["digest"]
    with warc.open("rb") as fh:
        fh.seek(item["archive"]["offset"])
        record = gzip.decompress(fh.read(item["archive"]["length"]))
    assert "昆山𠮷盛精密五金有限公司".encode("gb18030") in record
