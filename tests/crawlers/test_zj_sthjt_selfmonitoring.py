"""Zhejiang's self-monitoring disclosure platform: the replica's tables, the strict parsers, the crawl, the load."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from crawlers.base.selfmonitoring import (
    DAY_COLUMNS,
    LayoutError,
    RowError,
    parse_day_page,
    parse_enterprise_list,
    parse_value_row,
)
from crawlers.replay import selfmonitoring as replica
from crawlers.replay.permits import LEADING_NUMBER, AirLimit
from crawlers.replay.permits import outlets as permit_outlets
from crawlers.replay.selfmonitoring import DAY_PATH, HOST, LIST_PATH, day_rows, sites
from crawlers.replay.world import by_key, in_city
from crawlers.spiders.zj.zj_sthjt_selfmonitoring import ZjSthjtSelfmonitoringSpider
from tests.conftest import fetch, read_items, run_crawl

SOURCE = "zj_sthjt_selfmonitoring"
LOOKUPS = ZjSthjtSelfmonitoringSpider.metadata["lookups"]


def page(path: str, **query: str) -> str:
    response = fetch(HOST, path, query=query)
    assert response.status == 200
    return response.encoded().decode("utf-8")


def site_of(key: str) -> replica.Site:
    return next(s for s in sites() if s.enterprise.key == key)


def day_page_rows(key: str, day: str) -> list[dict[str, str]]:
    site, rows, number = site_of(key), [], 1
    while True:
        parsed = parse_day_page(page(DAY_PATH, ent=site.ent_id, date=day, page=str(number)))
        rows += parsed.rows
        if number == parsed.pager.pages:
            return rows
        number += 1


# --- the replica ---


def test_enterprise_list_is_the_non_incineration_dischargers_of_jiaxing() -> None:
    listed = []
    for number in (1, 2, 3):
        rows, pager = parse_enterprise_list(page(LIST_PATH, page=str(number)))
        assert (pager.total, pager.page, pager.pages) == (12, number, 3)
        listed += rows
    expected = [e for e in in_city("330400") if not e.incineration]
    assert [r["enterprise_name"] for r in listed] == [e.name for e in expected]
    assert [r["permit_number"] for r in listed] == [e.permits[0].number for e in expected]
    by_name = {r["enterprise_name"]: r for r in listed}
    e41 = by_key("e41")
    assert by_name[e41.name]["uscc"] is None  # the platform leaves its code cell empty
    assert by_name[e41.name]["permit_number"].startswith(e41.uscc)
    e37 = by_name[by_key("e37").name]
    assert e37 == {"enterprise_id": site_of("e37").ent_id, "enterprise_name": "嘉兴兴永电镀有限公司",
                   "uscc": "91330402MAU801P276", "permit_number": "91330402MAU801P276001W",
                   "region": "嘉兴市南湖区", "industry": "金属表面处理及热处理加工"}


def test_day_table_shape() -> None:
    text = page(DAY_PATH, ent=site_of("e46").ent_id, date="2026-11-03", page="1")
    assert replica.BANNER in text
    parsed = parse_day_page(text)
    assert parsed.banner and parsed.header["企业名称"] == by_key("e46").name
    assert parsed.header["监测日期"] == "2026-11-03" and parsed.header["统一社会信用代码"] == by_key("e46").uscc
    assert (parsed.pager.total, parsed.pager.pages) == (72, 1)  # the boiler stack: 3 pollutants × 24 hours
    rows = day_page_rows("e46", "2026-11-03")
    assert len(rows) == 72 and len({r["监测时间"] for r in rows}) == 24
    assert {r["监测点位"] for r in rows} == {"1号锅炉烟囱(DA001)"}
    # The coal-yard stack is sampled by hand on the manual day, at 14:30.
    manual = [r for r in day_page_rows("e46", "2026-11-04") if r["排放方式"] == "手工"]
    assert [(r["监测点位"], r["监测时间"], r["监测项目"]) for r in manual] == [
        ("煤场转运站排气筒(DA002)", "2026-11-04 14:30", "颗粒物")]
    # The water outlet of a tannery: 4 pollutants every two hours.
    water = [r for r in day_page_rows("e34", "2026-11-03") if "DW001" in r["监测点位"]]
    assert len(water) == 48 and sorted({r["监测时间"][-5:] for r in water})[:3] == ["00:00", "02:00", "04:00"]
    assert {r["监测项目"] for r in water} == {"化学需氧量", "氨氮", "总磷", "pH值"}


def test_outlets_and_limits_are_the_permits() -> None:
    """Each monitoring point is an outlet of the enterprise's permit (code and name), and its 标准限值 is the
    permit's limit for the pollutant (air: the stricter commitment, else the hourly limit), save the listed
    local standards and the pollutants the permit does not list there."""
    local = {("棉印染精加工", "DA001", "颗粒物"): (15, 120.0), ("炼钢", "DA002", "颗粒物"): (10, 20.0)}
    checked = 0
    for site in sites():
        air, water = permit_outlets(site.enterprise.permits[0].dataid)
        by_code = {o.code: o for o in (*air, *water)}
        for point in site.points:
            outlet = by_code[point.code]
            assert outlet.name == point.name
            limits = {}
            for limit in outlet.limits:
                cells = ((limit.stricter, limit.hourly) if isinstance(limit, AirLimit) else (limit.concentration,))
                numbers = [float(m[0]) for c in cells if (m := LEADING_NUMBER.match(c))]
                limits[limit.pollutant] = numbers[0] if numbers else None
            for item in (*point.auto, *point.manual):
                if isinstance(item.limit, tuple) or item.name not in limits:
                    continue
                key = (site.enterprise.industry, point.code, item.name)
                assert (item.limit, limits[item.name]) == local.get(key, (limits[item.name],) * 2), key
                checked += 1
    assert checked > 50


def test_exceedances_in_the_replica_are_the_listed_ones() -> None:
    over = [
        (s.enterprise.key, r) for s in sites() for n in range(replica.DAYS)
        for r in day_rows(s, replica.FIRST_DAY + timedelta(days=n)) if r.compliant == "否"
    ]
    assert len(over) == len(replica.EXCEEDANCES) == 6
    for key, row in over:
        value, limit = float(row.value), row.item.limit
        assert isinstance(limit, float | int) and value > limit
        expected = value / limit if (key, row.point.code, row.item.name) == replica.WRONG_MULTIPLE[:3] else (
            (value - limit) / limit)
        assert row.multiple == f"{expected:.2f}"


def test_empty_unknown_and_malformed() -> None:
    site = site_of("e37")
    parsed = parse_day_page(page(DAY_PATH, ent=site.ent_id, date="2026-10-31", page="1"))
    assert parsed.rows == [] and parsed.pager.total == 0
    for query in ({"ent": "nope", "date": "2026-11-01"}, {"ent": site.ent_id, "date": "20261101"}):
        with pytest.raises(LayoutError, match="参数错误"):
            parse_day_page(page(DAY_PATH, **query, page="1"))
    assert fetch(HOST, "/zxjc/").status == 302


# --- the parsers ---


def _row(**changes: str) -> dict[str, str]:
    row = dict(zip(DAY_COLUMNS, ("嘉兴兴永电镀有限公司", "废水总排放口(DW001)", "2026-11-02 10:00", "化学需氧量", "96.8",
                                 "mg/L", "80", "否", "0.21", "自动", "7.25", ""), strict=True))
    return {**row, **changes}


def test_parse_value_row() -> None:
    parsed = parse_value_row(_row(), LOOKUPS)
    assert parsed.problems == []
    assert parsed.fields == {
        "enterprise_name": "嘉兴兴永电镀有限公司", "outlet_code": "DW001", "outlet_name": "废水总排放口",
        "medium": "water", "measured_at": "2026-11-02T10:00:00", "pollutant_name": "化学需氧量",
        "pollutant_code": "w01018", "value": 96.8, "unit": "mg/L", "limit_value": 80.0, "limit_lower": None,
        "compliant": False, "exceedance_multiple": 0.21, "mode": "auto", "flow": 7.25, "remark": None,
    }
    ph = parse_value_row(_row(**{"监测项目": "pH值", "监测值": "7.31", "单位": "无量纲", "标准限值": "6~9",
                                 "是否达标": "是", "超标倍数": ""}), LOOKUPS)
    assert (ph.fields["pollutant_code"], ph.fields["limit_lower"], ph.fields["limit_value"]) == ("w01001", 6, 9)
    assert ph.problems == []
    stopped = parse_value_row(_row(**{"监测值": "", "是否达标": "/", "超标倍数": "/", "烟气/废水流量(m³/h)": "0",
                                      "备注": "停产"}), LOOKUPS)
    assert stopped.fields["value"] is None and stopped.fields["compliant"] is None
    assert stopped.fields["remark"] == "停产" and stopped.problems == []
    codes = {name: parse_value_row(_row(**{"监测项目": name}), LOOKUPS).fields["pollutant_code"]
             for name in ("氨氮", "总磷", "颗粒物", "二氧化硫", "氮氧化物", "烟尘")}
    assert codes == {"氨氮": "w21003", "总磷": "w21011", "颗粒物": "a34013", "二氧化硫": "a21026",
                     "氮氧化物": "a21002", "烟尘": "a34013"}


def test_contradictions_are_reported_not_fixed() -> None:
    wrong = parse_value_row(_row(**{"超标倍数": "1.21"}), LOOKUPS)
    assert wrong.fields["exceedance_multiple"] == 1.21  # kept as printed
    assert wrong.problems == ["超标倍数 1.21 disagrees with (96.8 − 80) / 80 = 0.2100"]
    assert parse_value_row(_row(**{"是否达标": "是"}), LOOKUPS).problems == ["是否达标 says 达标 for 96.8 against 80"]
    assert parse_value_row(_row(**{"超标倍数": ""}), LOOKUPS).problems == ["no 超标倍数 for 96.8 over 80"]
    unknown = parse_value_row(_row(**{"排放方式": "在线", "监测项目": "臭气浓度"}), LOOKUPS)
    assert unknown.fields["mode"] is None and unknown.fields["pollutant_code"] is None
    assert unknown.problems == ["unknown pollutant '臭气浓度'", "unknown mode '在线'"]


def test_structural_surprises_fail_loudly() -> None:
    with pytest.raises(RowError, match="监测点位"):
        parse_value_row(_row(**{"监测点位": "废水总排放口"}), LOOKUPS)
    with pytest.raises(RowError, match="监测值"):
        parse_value_row(_row(**{"监测值": "未检出"}), LOOKUPS)
    text = page(DAY_PATH, ent=site_of("e37").ent_id, date="2026-11-02", page="1")
    with pytest.raises(LayoutError, match="columns"):
        parse_day_page(text.replace("<th>超标倍数</th>", "<th>超标倍数(倍)</th>"))
    with pytest.raises(LayoutError, match="pager"):
        parse_day_page(text.replace("共 ", "合计 "))


# --- the crawl and the load ---


def test_crawl_and_load(data_dir: Path, replay: dict[str, str]) -> None:
    [report] = run_crawl(data_dir, SOURCE, origins=replay)
    rows_per_day = {s.ent_id: [len(day_rows(s, replica.FIRST_DAY + timedelta(days=n))) for n in range(7)]
                    for s in sites()}
    day_pages = sum(-(-n // replica.DAY_PAGE_SIZE) or 1 for counts in rows_per_day.values() for n in counts)
    assert report["requests"] == 1 + 3 + day_pages  # robots.txt, list pages, day pages
    assert report["records"] == {"monitoring_site": 12,
                                 "selfmonitoring_value": sum(map(sum, rows_per_day.values()))}
    assert [e["kind"] for e in report["errors"]] == ["inconsistent_row"]
    problem = report["errors"][0]
    e40 = site_of("e40")
    assert problem["record_id"] == f"{SOURCE}:{e40.ent_id}:DA001:a24088:2026-11-01T09:00:00"
    assert "超标倍数 1.25 disagrees" in problem["error"]
    assert report["ok"]

    items = read_items(data_dir, SOURCE)
    by_id = {i["record_id"]: i for i in items}
    e41 = site_of("e41")
    assert by_id[f"{SOURCE}:{e41.ent_id}"]["fields"] == {
        "enterprise_id": e41.ent_id, "enterprise_name": by_key("e41").name, "uscc": None,
        "permit_number": e41.permit_number, "region": "嘉兴市平湖市", "industry": "皮革鞣制加工"}
    e46 = site_of("e46")
    nox = by_id[f"{SOURCE}:{e46.ent_id}:DA001:a21002:2026-11-03T07:00:00"]
    assert nox["fields"] == {
        "enterprise_id": e46.ent_id, "enterprise_name": by_key("e46").name, "uscc": by_key("e46").uscc,
        "outlet_code": "DA001", "outlet_name": "1号锅炉烟囱", "medium": "air",
        "measured_at": "2026-11-03T07:00:00", "pollutant_name": "氮氧化物", "pollutant_code": "a21002",
        "value": 63.5, "unit": "mg/m³", "limit_value": 50.0, "limit_lower": None, "compliant": False,
        "exceedance_multiple": 0.27, "mode": "auto", "flow": nox["fields"]["flow"], "remark": None,
    }
    assert 180000 <= nox["fields"]["flow"] <= 260000 and nox["archive"]["digest"]
    assert "ent=" in nox["url"] and "date=2026-11-03" in nox["url"]
    values = [i["fields"] for i in items if i["kind"] == "selfmonitoring_value"]
    stopped = [v for v in values if v["remark"] == "停产"]
    assert stopped and {v["enterprise_name"] for v in stopped} == {by_key("e41").name}
    assert all(v["value"] is None and v["measured_at"].startswith("2026-11-05") for v in stopped)
    assert sum(v["remark"] == "故障" for v in values) == 3 * 4 + 3 * 3  # 3 water slots × 4, 3 hours × 3
    manual = [v for v in values if v["mode"] == "manual"]
    assert manual and all(v["measured_at"].startswith("2026-11-04") and v["flow"] is None for v in manual)
    assert {v["pollutant_code"] for v in manual} >= {"w20116", "w20117", "w01012"}
    assert all(v["pollutant_code"] for v in values)

    from etl.load import load
    from etl.warehouse import connect

    load()
    con = connect()
    try:
        count, over, first, last = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE NOT compliant), min(measured_at), max(day) "
            "FROM staging.stg_zj_sthjt_selfmonitoring__values").fetchall()[0]
        named = con.execute(
            "SELECT name, code_printed, name_rank FROM intermediate.int_named_records "
            "WHERE source = ? ORDER BY record_id", [SOURCE]).fetchall()
    finally:
        con.close()
    assert count == report["records"]["selfmonitoring_value"] and over == 6
    assert (str(first), last) == ("2026-11-01 00:00:00", date(2026, 11, 7))
    assert len(named) == 12 and {rank for _, _, rank in named} == {3}
    assert (by_key("e41").name, e41.permit_number, 3) in named
