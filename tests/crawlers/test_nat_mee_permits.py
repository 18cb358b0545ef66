"""The national permit platform: its replica, the strict parsers, and a crawl of the replica."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from crawlers.base.mee_permit import (
    is_error_page,
    parse_air_tab,
    parse_detail,
    parse_industry_tree,
    parse_list,
    parse_other_tab,
    parse_regions,
    parse_water_tab,
)
from crawlers.replay import incineration, world
from crawlers.replay.server import Request, load_replica
from tests.conftest import fetch, read_items, run_crawl

HOST = "permit.mee.gov.cn"
LIST = "/perxxgkinfo/syssb/xkgg/xkgg!licenseInformation.action"
DETAIL = "/perxxgkinfo/xkgkAction!xkgk.action"
FILTERS = ("province", "city", "management", "registerentername", "xkznum", "treadname", "treadcode",
           "publishtime")


def post_page(page: int, key: str, **filters: str) -> str:
    form = {"page.pageNo": str(page), "page.orderBy": "", "page.order": "", "tempReportKey": key}
    form.update({name: filters.get(name, "") for name in FILTERS})
    body = fetch(HOST, LIST, method="POST", form=form).body
    assert isinstance(body, str)
    return body


def detail_page(dataid: str, tab: str = "getxxgkContent") -> str:
    body = fetch(HOST, DETAIL, query={"xkgk": tab, "dataid": dataid, "isVersion": "", "operate": "readonly"}).body
    assert isinstance(body, str)
    return body


def air_page(dataid: str) -> str:
    return detail_page(dataid, "approveAtmosphere_xkzgk")


def water_page(dataid: str) -> str:
    return detail_page(dataid, "approveWater_xkzgk")


# Permits used below: an incineration plant in 苏州 (one furnace), one in 嘉兴 (stricter local limits), a
# heating plant (林格曼黑度), a wastewater plant under 简化管理 (general outlets only).
SUZHOU_PLANT = "3aa4593bf957cf723fb0491064f812c8"  # 91320500MAGBWH2E46001Q
JIAXING_PLANT = "71d22495144da08cfb15acbd01fdac1f"  # 91330400520599723C001Q, three furnaces
HEATING = "a0706dd3e1f729268c0b778d037d4b17"  # 91330400479674524R001C
WASTEWATER = "6f053f12236a47a60d9e891139522303"  # 91330481MA7Y9KMJXH001V


def list_page_one() -> str:
    response = fetch(HOST, LIST)
    assert response.status == 200
    assert isinstance(response.body, str)
    return response.body


def test_list_page_one() -> None:
    html = list_page_one()
    rows, total_pages, key = parse_list(html)
    assert total_pages == 6
    assert "<script>var totalPages = 6;</script>" in html
    # Two spaces before value, as on the real platform (one public crawler's regex depends on it).
    assert f'<input type="hidden" name="tempReportKey"  value="{key}" />' in html
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert len(rows) == 10
    assert rows[0] == {
        "province": "江苏省",
        "city": "苏州市",
        "permit_number": "91320500MAGBWH2E46001Q",
        "enterprise_name": "吴中宇禾环保能源有限公司",
        "industry": "生活垃圾焚烧发电",
        "valid_from": "2025-12-14",
        "valid_to": "2030-12-13",
        "issued": "2025-12-14",
        "management": "重点管理",
        "detail_path": f"{DETAIL}?xkgk=getxxgkContent&dataid=3aa4593bf957cf723fb0491064f812c8",
        "dataid": "3aa4593bf957cf723fb0491064f812c8",
    }
    assert '<td title="2025-12-14至2030-12-13">2025-12-14至2030-12-13</td>' in html
    # Every data cell carries a title attribute.
    assert html.count("<td title=") == 10 * 9


def test_key_chain_walks_every_permit_newest_first() -> None:
    rows, total_pages, key = parse_list(list_page_one())
    keys = [key]
    for page in range(2, total_pages + 1):
        more, pages, key = parse_list(post_page(page, key))
        assert pages == total_pages
        rows += more
        keys.append(key)
    assert len(keys) == len(set(keys)) == 6
    numbers = [row["permit_number"] for row in rows]
    world_numbers = {p.number for e in world.enterprises() for p in e.permits}
    assert len(numbers) == 60 and set(numbers) == world_numbers
    issued = [row["issued"] for row in rows]
    assert issued == sorted(issued, reverse=True)
    # Enterprises with a second site hold a …002 permit beside their …001 one.
    assert sum(n[18:21] == "002" for n in numbers) == 10
    # The page after the last is an empty table, not an error.
    empty, _, _ = parse_list(post_page(7, key))
    assert empty == []


def test_wrong_or_stale_key_gets_the_error_page() -> None:
    _, _, key1 = parse_list(list_page_one())
    _, _, key2 = parse_list(post_page(2, key1))
    for html in (
        post_page(2, "0" * 32),  # a made-up key
        post_page(2, ""),  # no key
        post_page(3, key1),  # page 1's key opens page 2 only
        post_page(2, key1, province="330000000000"),  # the key belongs to one search
    ):
        assert is_error_page(html)
        assert "tb-con" not in html
        with pytest.raises(ValueError, match="错误"):
            parse_list(html)
    assert not is_error_page(post_page(3, key2))
    # The key is deterministic: asking page 2 again hands out the same key for page 3.
    assert parse_list(post_page(2, key1))[2] == key2


def test_search_filters() -> None:
    rows, total_pages, key = parse_list(post_page(1, "", province="330000000000", registerentername="嘉兴"))
    assert rows and all("嘉兴" in row["enterprise_name"] and row["province"] == "浙江省" for row in rows)
    if total_pages > 1:
        more, _, _ = parse_list(post_page(2, key, province="330000000000", registerentername="嘉兴"))
        assert more
    rows, total_pages, _ = parse_list(post_page(1, "", xkznum="91330481MA7Y9KMJXH001V"))
    assert total_pages == 1
    assert [row["enterprise_name"] for row in rows] == ["嘉兴远瑞水务有限公司"]


def test_detail_basic_info() -> None:
    html = detail_page("6f053f12236a47a60d9e891139522303")
    detail = parse_detail(html)
    assert detail["enterprise_name"] == "嘉兴远瑞水务有限公司"
    assert detail["permit_number"] == "91330481MA7Y9KMJXH001V"
    assert detail["address"] == "浙江省嘉兴市海宁市工业园区环城路351号"
    assert detail["industry"] == "污水处理及其再生利用"
    assert detail["region"] == "浙江省嘉兴市海宁市"
    assert detail["authority"] == "嘉兴市生态环境局"
    assert (detail["business_type"], detail["version"]) == ("延续", "3")
    assert (detail["completed"], detail["valid_from"], detail["valid_to"]) == (
        "2025-10-06", "2025-10-06", "2030-10-05")
    assert detail["pollutant_categories"] == ["废水"]
    assert detail["pollutant_codes"] == ["fs"]
    assert detail["apply"]["废水污染物排放执行标准"] == "《城镇污水处理厂污染物排放标准》GB 18918-2002"
    assert (detail["longitude"], detail["latitude"]) == (120.747239, 30.471062)
    # The layout real crawlers rely on.
    assert "所在地区：浙江省嘉兴市海宁市&nbsp; 发证机关：嘉兴市生态环境局" in html
    assert 'var spdataMap_zywrwlbid="fs";' in html


def test_detail_without_coordinates_and_second_site() -> None:
    detail = parse_detail(detail_page("8d96fe3150e74ad10b68fc2a0de8a06e"))
    assert detail["permit_number"] == "91330481MA2710DC3U001Q"
    assert detail["pollutant_categories"] == ["废气", "废水"]
    assert detail["longitude"] is None and detail["latitude"] is None
    second = parse_detail(detail_page("2ef527793524a76e03862f7f2523fb24"))
    assert second["permit_number"] == "91330483MAK60E760B002V"
    assert second["enterprise_name"] == "嘉兴金沛环保能源有限公司（二厂区）"
    assert second["address"] == "浙江省嘉兴市桐乡市临港工业区经二路250号"


def test_unknown_dataid_and_tab_get_the_error_page() -> None:
    html = detail_page("f" * 32)
    assert is_error_page(html)
    with pytest.raises(ValueError, match="错误"):
        parse_detail(html)
    assert is_error_page(detail_page(WASTEWATER, "approveNoise_xkzgk"))
    for tab, parser in (("approveAtmosphere_xkzgk", parse_air_tab), ("approveWater_xkzgk", parse_water_tab),
                        ("approveothercon_xkzgk", parse_other_tab)):
        page = detail_page("f" * 32, tab)
        assert is_error_page(page)
        with pytest.raises(ValueError, match="错误"):
            parser(page)


def _limits(tab: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(limit["outlet_code"], limit["pollutant_name"]): limit for limit in tab["limits"]}


def test_air_tab_of_an_incineration_plant() -> None:
    html = air_page(SUZHOU_PLANT)
    # The real layout: units glued on, a bare unit in the empty second cell, `/` for every empty cell.
    assert ("<tr><td>DA001</td><td>1号焚烧炉排气筒</td><td>氮氧化物</td><td>300mg/Nm3</td><td>250mg/Nm3</td>"
            "<td>/</td>") in html
    assert "<td>飞灰仓排气筒</td><td>颗粒物</td><td>120mg/Nm3</td><td>mg/Nm3</td><td>3.5</td>" in html
    assert "当前位置:大气污染物排放信息审核" in html and "2、特殊情况下大气污染物排放许可限值" in html
    tab = parse_air_tab(html)
    assert tab["outlets"] == [
        {"outlet_code": "DA001", "outlet_name": "1号焚烧炉排气筒", "medium": "air", "outlet_type": "main"},
        {"outlet_code": "DA002", "outlet_name": "飞灰仓排气筒", "medium": "air", "outlet_type": "general"},
        {"outlet_code": "DA003", "outlet_name": "渗滤液处理站除臭排气筒", "medium": "air", "outlet_type": "general"},
    ]
    limits = _limits(tab)
    assert limits["DA001", "氮氧化物"] == {
        "outlet_code": "DA001",
        "medium": "air",
        "pollutant_name": "氮氧化物",
        "hourly_limit": 300.0,
        "hourly_unit": "mg/Nm3",
        "daily_limit": 250.0,
        "daily_unit": "mg/Nm3",
        "rate_limit_kg_h": None,
        "annual_t": [343.75] * 5,
        "stricter_limit": None,
        "limit_text": "DA001 | 1号焚烧炉排气筒 | 氮氧化物 | 300mg/Nm3 | 250mg/Nm3 | / | 343.75 | 343.75 | 343.75 | "
                      "343.75 | 343.75 | /",
    }
    # GB 18485-2014 表4, hourly / daily.
    assert {p: (limits["DA001", p]["hourly_limit"], limits["DA001", p]["daily_limit"])
            for p in ("颗粒物", "二氧化硫", "一氧化碳", "氯化氢")} == {
        "颗粒物": (30, 20), "二氧化硫": (100, 80), "一氧化碳": (100, 80), "氯化氢": (60, 50)}
    # `/` cells become null: no annual tonnage for CO, no concentration for ammonia (a rate only).
    assert limits["DA001", "一氧化碳"]["annual_t"] == [None] * 5
    ammonia = limits["DA003", "氨（氨气）"]
    assert (ammonia["hourly_limit"], ammonia["hourly_unit"], ammonia["rate_limit_kg_h"]) == (None, None, 4.9)
    # One concentration only: the second cell holds the unit alone.
    ash = limits["DA002", "颗粒物"]
    assert (ash["hourly_limit"], ash["daily_limit"], ash["daily_unit"]) == (120, None, "mg/Nm3")
    odour = limits["DA003", "臭气浓度"]  # dimensionless
    assert (odour["hourly_limit"], odour["hourly_unit"], odour["daily_unit"]) == (2000, None, None)
    # The totals add up the main outlets.
    assert tab["totals"]["主要排放口合计"]["氮氧化物"] == [343.75] * 5
    assert tab["totals"]["全厂有组织排放总计"]["颗粒物"] == [27.5] * 5
    assert tab["totals"]["一般排放口合计"]["挥发性有机物"] == [None] * 5


def test_stricter_local_limits_and_ringelmann() -> None:
    limits = _limits(parse_air_tab(air_page(JIAXING_PLANT)))
    assert [limits[code, "氮氧化物"]["daily_limit"] for code in ("DA001", "DA002", "DA003")] == [250] * 3
    # 嘉兴's plants are held to stricter daily limits, the same the incineration platform applies.
    assert {p: limits["DA001", p]["stricter_limit"] for p in ("颗粒物", "氮氧化物", "氯化氢")} == {
        "颗粒物": 10, "氮氧化物": 150, "氯化氢": 10}
    heating = _limits(parse_air_tab(air_page(HEATING)))
    ringelmann = heating["DA001", "林格曼黑度"]
    assert (ringelmann["hourly_limit"], ringelmann["hourly_unit"], ringelmann["daily_limit"]) == (None, None, None)
    assert "| 1级 |" in ringelmann["limit_text"]
    # Ultra-low emission commitments in the stricter column.
    assert heating["DA001", "二氧化硫"]["hourly_limit"] == 100 and heating["DA001", "二氧化硫"]["stricter_limit"] == 35


def test_furnace_stacks_agree_with_the_incineration_platform() -> None:
    for plant in incineration.platform_plants():
        [first] = [p for p in plant.enterprise.permits if p.number[18:21] == "001"]
        tab = parse_air_tab(air_page(first.dataid))
        main = [o["outlet_name"] + o["outlet_code"] for o in tab["outlets"] if o["outlet_type"] == "main"]
        # The platform's 监测点 names are `1号焚烧炉排气筒DA001`: name + code on the permit.
        assert main == [outlet.mp_name for outlet in plant.outlets]
        daily = {limit["pollutant_name"]: limit["daily_limit"] for limit in tab["limits"]
                 if limit["outlet_code"] == "DA001" and limit["daily_limit"] is not None}
        assert daily == {name: limit for _, name, limit in incineration.POLLUTANTS}


def test_water_tab() -> None:
    html = water_page(WASTEWATER)
    assert "当前位置:水污染物排放信息审核" in html
    tab = parse_water_tab(html)
    # 简化管理: general outlets only, no annual tonnage.
    assert tab["outlets"] == [{"outlet_code": "DW001", "outlet_name": "废水总排放口", "medium": "water",
                               "outlet_type": "general"}]
    limits = _limits(tab)
    cod = limits["DW001", "化学需氧量"]  # GB 18918-2002 一级A
    assert (cod["daily_limit"], cod["daily_unit"], cod["hourly_limit"], cod["annual_t"]) == (
        50, "mg/L", None, [None] * 5)
    assert cod["limit_text"] == "DW001 | 废水总排放口 | 化学需氧量 | 50mg/L | / | / | / | / | /"
    ph = limits["DW001", "pH值"]
    assert ph["daily_limit"] is None and "| 6-9 |" in ph["limit_text"]
    # A main outlet of an incineration plant: leachate into the sewer, with annual tonnages.
    plant = _limits(parse_water_tab(water_page(SUZHOU_PLANT)))
    assert plant["DW001", "化学需氧量"]["daily_limit"] == 500
    assert plant["DW001", "化学需氧量"]["annual_t"] == [54.75] * 5
    # Every data row has the 9 cells a real crawler cuts the flattened table into.
    for row in re.findall(r"<tr>(<td>.*?)</tr>", html):
        assert row.count("<td>") == 9
    # A heating plant discharges no wastewater: the tables are there, empty.
    assert parse_water_tab(water_page(HEATING)) == {"outlets": [], "limits": []}


def test_other_tab() -> None:
    other = parse_other_tab(detail_page(SUZHOU_PLANT, "approveothercon_xkzgk"))
    assert list(other) == ["其他控制及管理要求", "环境管理台账记录要求", "执行报告要求", "信息公开要求"]
    assert other["执行报告要求"] == "年度执行报告、季度执行报告"


def test_outlet_codes_follow_hj_608() -> None:
    for enterprise in world.enterprises():
        for permit in enterprise.permits:
            air = parse_air_tab(air_page(permit.dataid))["outlets"]
            water = parse_water_tab(water_page(permit.dataid))["outlets"]
            for outlets, prefix in ((air, "DA"), (water, "DW")):
                # Numbered from 001, main outlets first.
                assert [o["outlet_code"] for o in outlets] == [f"{prefix}{n:03d}" for n in range(1, len(outlets) + 1)]
                types = [o["outlet_type"] for o in outlets]
                assert types == sorted(types, key=lambda t: t != "main")
                if permit.management == "简化管理":
                    assert "main" not in types


def test_air_and_water_tabs_fail_loudly_on_layout_changes() -> None:
    html = air_page(SUZHOU_PLANT)
    with pytest.raises(ValueError, match="header column 5 is '许可排放日均浓度'"):
        parse_air_tab(html.replace("许可排放日均浓度限值", "许可排放日均浓度"))
    with pytest.raises(ValueError, match="第三年"):
        parse_air_tab(html.replace("<th>第三年</th>", "<th>第3年</th>", 1))
    with pytest.raises(ValueError, match="'250mg/m³' is not a concentration limit"):
        parse_air_tab(html.replace("250mg/Nm3", "250mg/m³"))
    with pytest.raises(ValueError, match="许可排放速率限值"):
        parse_air_tab(html.replace("<td>3.5</td>", "<td>3.5kg/h</td>"))
    with pytest.raises(ValueError, match="has 11 cells, expected 12"):
        parse_air_tab(html.replace("<td>300mg/Nm3</td>", ""))
    with pytest.raises(ValueError, match="table#grouptable"):
        parse_air_tab(html.replace('id="grouptable"', 'id="mainTable"'))
    with pytest.raises(ValueError, match="主要排放口合计"):
        parse_air_tab(html.replace(">主要排放口合计<", ">主要排放口小计<"))
    with pytest.raises(ValueError, match=r"div\.position"):
        parse_air_tab(water_page(SUZHOU_PLANT))
    water = water_page(SUZHOU_PLANT)
    with pytest.raises(ValueError, match="header column 4 is '排放浓度限值'"):
        parse_water_tab(water.replace("许可排放浓度限值", "排放浓度限值"))
    with pytest.raises(ValueError, match="outlet code DA001 on the water tab"):
        parse_water_tab(water.replace("<td>DW001</td>", "<td>DA001</td>"))
    with pytest.raises(ValueError, match="lists 化学需氧量 twice"):
        parse_water_tab(water.replace("<td>氨氮</td>", "<td>化学需氧量</td>"))


def tree(body: bytes) -> str:
    request = Request(method="POST", path="/perxxgkinfo/common/tree/xzxk-common-trade!hynodeslist.action",
                      query={}, form={}, headers={"content-type": "application/json"}, body=body)
    response = load_replica(HOST).handle(request)
    assert response.status == 200 and isinstance(response.body, str)
    return response.body


def test_industry_tree() -> None:
    top = tree(json.dumps({"nodecode": "", "name": "", "hyids": ""}).encode())
    assert top.startswith('/**/[{"id": "17", "pId": "0", "singlehyname": "纺织业", "isParent": true}')
    nodes = parse_industry_tree(top)
    assert len(nodes) == 8 and all(node["isParent"] and node["pId"] == "0" for node in nodes)
    children = parse_industry_tree(tree(json.dumps({"nodecode": "44", "name": "", "hyids": ""}).encode()))
    assert [(n["id"], n["singlehyname"], n["isParent"]) for n in children] == [
        ("4417", "生活垃圾焚烧发电", False), ("4430", "热力生产和供应", False)]
    found = parse_industry_tree(tree(json.dumps({"nodecode": "", "name": "印染", "hyids": ""}).encode()))
    assert [n["id"] for n in found] == ["1713"]
    # Every industry the list prints is a node of the tree, found by its name.
    for industry in {e.industry for e in world.enterprises()}:
        hits = parse_industry_tree(tree(json.dumps({"nodecode": "", "name": industry, "hyids": ""}).encode()))
        assert industry in {n["singlehyname"] for n in hits}
    assert parse_industry_tree('[{"id": "1", "pId": "0", "singlehyname": "x", "isParent": false}]')
    with pytest.raises(ValueError, match="lacks"):
        parse_industry_tree('/**/[{"id": "1", "pId": "0", "name": "x", "isParent": false}]')
    with pytest.raises(ValueError, match="not a JSON array"):
        parse_industry_tree('/**/{"nodes": []}')
    assert is_error_page(tree(b"not json"))
    # The list's search by industry id (treadcode) uses the tree's ids.
    rows, _, _ = parse_list(post_page(1, "", treadcode="4430"))
    assert {row["industry"] for row in rows} == {"热力生产和供应"}


def test_regions() -> None:
    def regions(parent: str) -> list[dict[str, str]]:
        body = fetch(HOST, "/perxxgkinfo/syssb/xkgg/xkgg!getRegions.action", method="POST",
                     form={"parentCode": parent}).body
        assert isinstance(body, str)
        return parse_regions(body)

    provinces = regions("000000000000")
    assert {"regioncode": "330000000000", "regionname": "浙江省"} in provinces
    assert {"regioncode": "330400000000", "regionname": "嘉兴市"} in regions("330000000000")
    counties = regions("330400000000")
    assert {"regioncode": "330481000000", "regionname": "海宁市"} in counties
    assert regions("441900000000") == []  # 东莞市 has towns, not counties
    with pytest.raises(ValueError, match="12-digit"):
        parse_regions('{"regions": [{"regioncode": "330400", "regionname": "嘉兴市"}]}')


def test_old_list_path_redirects_and_portal_sets_a_session() -> None:
    old = fetch(HOST, "/permitExt/syssb/xkgg/xkgg!licenseInformation.action")
    assert old.status == 302
    assert old.headers["Location"] == "/perxxgkinfo/errorinfo.jsp"
    info = fetch(HOST, "/perxxgkinfo/errorinfo.jsp")
    assert isinstance(info.body, str) and "请访问 permit.mee.gov.cn 点击许可信息公开查询" in info.body
    portal = fetch(HOST, "/permitExt/defaults/default-index!getInformation.action")
    assert portal.status == 200
    assert re.match(r"JSESSIONID=[0-9A-F]{32}; Path=/", portal.headers["Set-Cookie"])
    assert "全国排污许可证管理信息平台-公开端" in str(portal.body)
    assert fetch(HOST, "/perxxgkinfo/no-such-page.action").status == 404


def test_parse_list_fails_loudly_on_layout_changes() -> None:
    html = list_page_one()
    with pytest.raises(ValueError, match="list columns changed"):
        parse_list(html.replace("<td>管理类别</td>", "<td>许可类别</td>"))
    with pytest.raises(ValueError, match=r"div\.tb-con"):
        parse_list(html.replace('class="tb-con"', 'class="table-con"'))
    with pytest.raises(ValueError, match="totalPages"):
        parse_list(html.replace("var totalPages = 6;", "var pageCount = 6;"))
    with pytest.raises(ValueError, match="tempReportKey"):
        parse_list(html.replace('name="tempReportKey"', 'name="reportKey"'))
    with pytest.raises(ValueError, match="有效期限"):
        parse_list(html.replace("2025-12-14至2030-12-13", "2025年12月14日至2030年12月13日"))


def test_parse_detail_fails_loudly_on_layout_changes() -> None:
    html = detail_page("6f053f12236a47a60d9e891139522303")
    with pytest.raises(ValueError, match="生产经营场所地址"):
        parse_detail(html.replace("发证机关：", "核发机关："))
    with pytest.raises(ValueError, match=r"table\.tab0"):
        parse_detail(html.replace("<th>版本</th>", "<th>版本号</th>"))
    with pytest.raises(ValueError, match="apply_table"):
        parse_detail(html.replace('id="apply_table"', 'id="applyTable"'))
    with pytest.raises(ValueError, match="longitude"):
        parse_detail(html.replace('id="longitude"', 'id="lng"'))


def test_crawl(data_dir: Path, replay: dict[str, str]) -> None:
    [report] = run_crawl(data_dir, "nat_mee_permits", origins=replay)
    assert report["ok"], report["errors"]
    assert report["errors"] == []
    assert report["records"] == {"permit": 60, "permit_outlet": 247, "permit_limit": 896}

    index = [json.loads(line) for path in (data_dir / "raw" / "nat_mee_permits").glob("*.index.jsonl")
             for line in path.read_text(encoding="utf-8").splitlines()]
    lists = [(entry["method"], entry["status"]) for entry in index if LIST in entry["url"]]
    assert lists == [("GET", 200)] + [("POST", 200)] * 5
    for tab in ("getxxgkContent", "approveAtmosphere_xkzgk", "approveWater_xkzgk", "approveothercon_xkzgk"):
        pages = [entry for entry in index if f"xkgk={tab}&" in entry["url"]]
        assert len(pages) == 60 and all(entry["status"] == 200 for entry in pages), tab
    portal = [entry for entry in index if "default-index" in entry["url"]]
    assert len(portal) == 1
    # 6 list pages, 60 × 4 detail tabs, the portal (and robots.txt, which the replica answers 404).
    assert len([entry for entry in index if not entry["url"].endswith("/robots.txt")]) == 6 + 60 * 4 + 1

    all_items = read_items(data_dir, "nat_mee_permits")
    assert len({item["record_id"] for item in all_items}) == len(all_items) == 60 + 247 + 896
    digests = {entry["digest"] for entry in index}
    assert all(item["archive"]["digest"] in digests for item in all_items)
    items = [item for item in all_items if item["kind"] == "permit"]
    by_number = {item["fields"]["permit_number"]: item for item in items}
    item = by_number["91330481MA7Y9KMJXH001V"]
    assert item["record_id"] == "nat_mee_permits:91330481MA7Y9KMJXH001V"
    assert item["kind"] == "permit"
    assert item["url"].startswith(replay[HOST])
    assert item["fields"] == {
        "permit_number": "91330481MA7Y9KMJXH001V",
        "uscc": "91330481MA7Y9KMJXH",
        "enterprise_name": "嘉兴远瑞水务有限公司",
        "province": "浙江省",
        "city": "嘉兴市",
        "industry": "污水处理及其再生利用",
        "management": "简化管理",
        "valid_from": "2025-10-06",
        "valid_to": "2030-10-05",
        "issued": "2025-10-06",
        "address": "浙江省嘉兴市海宁市工业园区环城路351号",
        "region": "浙江省嘉兴市海宁市",
        "authority": "嘉兴市生态环境局",
        "business_type": "延续",
        "version": "3",
        "pollutant_categories": ["废水"],
        "longitude": 120.747239,
        "latitude": 30.471062,
        "dataid": "6f053f12236a47a60d9e891139522303",
        "detail_url": "https://permit.mee.gov.cn/perxxgkinfo/xkgkAction!xkgk.action"
        "?xkgk=getxxgkContent&dataid=6f053f12236a47a60d9e891139522303",
    }
    assert by_number["91330481MA2710DC3U001Q"]["fields"]["longitude"] is None
    assert all(i["fields"]["uscc"] == i["fields"]["permit_number"][:18] for i in items)

    outlets = {item["record_id"]: item for item in all_items if item["kind"] == "permit_outlet"}
    stack = outlets["nat_mee_permits:91320500MAGBWH2E46001Q:DA001"]
    assert "xkgk=approveAtmosphere_xkzgk" in stack["url"]
    assert stack["fields"] == {
        "permit_number": "91320500MAGBWH2E46001Q",
        "uscc": "91320500MAGBWH2E46",
        "outlet_code": "DA001",
        "outlet_name": "1号焚烧炉排气筒",
        "medium": "air",
        "outlet_type": "main",
        "national_code": "91320500MAGBWH2E46001QDA001",
    }
    assert outlets["nat_mee_permits:91330481MA7Y9KMJXH001V:DW001"]["fields"]["outlet_type"] == "general"
    outlets_fields = [item["fields"] for item in outlets.values()]
    limits = {item["record_id"]: item["fields"] for item in all_items if item["kind"] == "permit_limit"}
    nox = limits["nat_mee_permits:91320500MAGBWH2E46001Q:DA001:氮氧化物"]
    assert (nox["daily_limit"], nox["daily_unit"], nox["annual_t"]) == (250, "mg/Nm3", [343.75] * 5)
    cod = limits["nat_mee_permits:91330481MA7Y9KMJXH001V:DW001:化学需氧量"]
    assert (cod["medium"], cod["daily_limit"], cod["daily_unit"]) == ("water", 50, "mg/L")
    assert [sum(f["medium"] == medium for f in outlets_fields) for medium in ("air", "water")] == [176, 71]
    assert [sum(f["medium"] == medium for f in limits.values()) for medium in ("air", "water")] == [574, 322]
