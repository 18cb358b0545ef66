"""The incineration platform: its replica (signature, endpoints, data), the strict parsers, the crawl."""

from __future__ import annotations

import hashlib
import json
import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from crawlers.base.envsc import (
    EnvelopeError,
    Refused,
    RowError,
    parse_envelope,
    parse_outlet,
    parse_plant,
    parse_value,
)
from crawlers.replay import incineration
from crawlers.replay.incineration import DAYS, FIRST_DAY, SYSTEM_TYPE, platform_plants, value_rows
from crawlers.replay.world import by_key, plants
from crawlers.settings import PLAYWRIGHT_LAUNCH_OPTIONS
from tests.conftest import fetch, read_items, run_crawl, shared_data

HOST = "ljgk.envsc.cn"
PS_LIST = "/OutInterface/GetPSList.ashx"
BURN_LIST = "/OutInterface/GetBurnList.ashx"
DAY_VALUES = "/OutInterface/GetMonitorDataList.ashx"
HEX32 = re.compile(r"^[0-9A-F]{32}$")


def signed(ts_ms: int | None = None, tc: str = "4711") -> dict[str, str]:
    """The signature parameters, made by the page's algorithm: SHA-1 of SystemType + ts + tc + secret."""
    ts = str(ts_ms if ts_ms is not None else int(time.time() * 1000))
    sgn = hashlib.sha1(f"{SYSTEM_TYPE}{ts}{tc}{incineration.SECRET}".encode()).hexdigest()
    return {"SystemType": SYSTEM_TYPE, "sgn": sgn, "ts": ts, "tc": tc}


def ask(path: str, **params: str) -> dict[str, Any]:
    response = fetch(HOST, path, query={**params, **signed()})
    assert response.status == 200
    assert response.content_type.startswith("application/json")
    payload: dict[str, Any] = json.loads(response.encoded())
    return payload


def plant_rows() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = ask(PS_LIST, regionCode="0", psname="")["data"]
    return rows


# --- the replica: signature ---


def test_unsigned_request_is_refused() -> None:
    response = fetch(HOST, PS_LIST, query={"regionCode": "0", "psname": ""})
    assert response.status == 200
    assert json.loads(response.encoded()) == {"status": -1, "msg": "签名验证失败"}


def test_wrong_signature_is_refused() -> None:
    params = {**signed(), "tc": "4712"}  # the signature covers tc
    payload = json.loads(fetch(HOST, PS_LIST, query=params).encoded())
    assert payload == {"status": -1, "msg": "签名验证失败"}


def test_signed_request_is_accepted() -> None:
    payload = ask(PS_LIST, regionCode="0", psname="")
    assert payload["status"] == 1
    assert len(payload["data"]) == 34


def test_stale_signature_is_refused() -> None:
    eleven_minutes_ago = int(time.time() * 1000) - 11 * 60 * 1000
    payload = json.loads(fetch(HOST, PS_LIST, query=signed(eleven_minutes_ago)).encoded())
    assert payload == {"status": -1, "msg": "签名已过期"}
    nine_minutes_ago = int(time.time() * 1000) - 9 * 60 * 1000
    assert json.loads(fetch(HOST, PS_LIST, query=signed(nine_minutes_ago)).encoded())["status"] == 1


def test_bad_parameters() -> None:
    assert ask(DAY_VALUES, pscode="X", outputcode="Y", day="2026-10-01") == {"status": 0, "msg": "参数错误"}
    assert ask(BURN_LIST) == {"status": 0, "msg": "参数错误"}
    assert ask(BURN_LIST, pscode="0" * 32) == {"status": 1, "msg": "成功", "data": []}


def test_page_carries_no_plain_secret() -> None:
    page = fetch(HOST, "/").encoded().decode()
    assert "signParams" in page and "GetPSList.ashx" in page
    assert incineration.SECRET not in page
    assert "<script src" not in page  # no external script, no CDN
    assert fetch(HOST, "/index.html").encoded().decode() == page


# --- the replica: data ---


def test_plant_fields_come_from_the_world() -> None:
    rows = {row["credit_code"]: row for row in plant_rows()}
    assert set(rows) == {p.uscc for p in plants()}
    e00 = by_key("e00")
    row = rows[e00.uscc]
    assert row["ps_name"] == e00.name_in("incineration") != e00.name
    assert row["ps_name"].endswith("有限责任公司")
    assert HEX32.match(row["ps_code"])
    assert row["region_name"] == "嘉兴市"
    assert row["fullregion_name"] == f"浙江-嘉兴-{e00.county}"
    assert row["address"] == e00.address
    assert float(row["longitude"]) == e00.longitude and float(row["latitude"]) == e00.latitude
    assert re.match(r"^\d+t/d$", row["burn_ability"]) and re.match(r"^\d+KW$", row["electric_power"])
    assert not {"corporation_name", "environment_principal", "link_info"} & set(row)  # personal fields


def test_outlets_per_plant() -> None:
    counts = []
    for plant in plant_rows():
        outlets = ask(BURN_LIST, pscode=plant["ps_code"])["data"]
        assert 1 <= len(outlets) <= 3
        assert int(plant["boiler_num"]) == len(outlets)
        for number, outlet in enumerate(outlets, start=1):
            assert outlet["mp_name"] == f"{number}号焚烧炉排气筒DA{number:03d}"
            assert outlet["boiler_type"] in ("炉排炉", "循环流化床焚烧炉")
            assert HEX32.match(outlet["mp_code"])
        counts.append(len(outlets))
    assert sum(counts) == sum(len(p.outlets) for p in platform_plants())


def test_values_of_one_outlet_day() -> None:
    plant = next(p for p in platform_plants() if p.enterprise.key == "e03")
    outlet = plant.outlets[0]
    rows = ask(DAY_VALUES, pscode=plant.ps_code, outputcode=outlet.mp_code, day="20261017")["data"]
    assert [r["pollutant_code"] for r in rows] == ["001", "002", "003", "004", "008"]
    assert [r["standard_value"] for r in rows] == ["20", "80", "250", "80", "50"]
    nox = rows[2]
    assert (nox["pollutant_name"], nox["strength"], nox["status"], nox["remark"]) == ("氮氧化物", "287.4", "1", "")
    assert nox["monitor_time"] == "2026-10-17 00:00:00" and nox["day"] == "20261017"
    # Outside the published month there is nothing.
    assert ask(DAY_VALUES, pscode=plant.ps_code, outputcode=outlet.mp_code, day="20261101")["data"] == []


def _all_values() -> list[dict[str, str]]:
    return [
        row
        for plant in platform_plants()
        for outlet in plant.outlets
        for n in range(DAYS)
        for row in value_rows(plant, outlet, FIRST_DAY + timedelta(days=n))
    ]


def test_exceedances_remarks_and_gaps() -> None:
    rows = _all_values()
    over = [r for r in rows if r["strength"] and float(r["strength"]) > float(r["standard_value"])]
    assert 5 <= len(over) <= 10
    assert len(over) == len(incineration.EXCEEDANCES)
    assert all(r["status"] == "1" and r["remark"] == "" for r in over)
    assert sum(r["status"] == "1" for r in rows) == len(over)
    outlet_days = {(r["mp_code"], r["day"]): r["remark"] for r in rows}
    remarks = list(outlet_days.values())
    assert 0.03 < remarks.count("通讯中断") / len(remarks) < 0.08
    assert 0.015 < remarks.count("CEMS维护") / len(remarks) < 0.05
    assert any(r["strength"] == "" and r["remark"] == "通讯中断" for r in rows)
    assert any(r["strength"] != "" and r["remark"] == "CEMS维护" for r in rows)
    # Some outlet-days are empty, as on the real platform; one furnace is out of service all month.
    total = sum(len(p.outlets) for p in platform_plants()) * DAYS
    assert 0 < total - len(outlet_days) < total * 0.1
    stopped = [o for p in platform_plants() for o in p.outlets if o.stopped]
    assert len(stopped) == 1
    # Stricter local limits exist on a few plants; most are under GB 18485-2014.
    local = {r["ps_code"] for r in rows if r["pollutant_code"] == "001" and r["standard_value"] == "10"}
    assert 0 < len(local) < 10


def test_replica_resembles_the_real_data() -> None:
    """Field names as the real platform's (from the crawled sample in ../shared/data)."""
    header = shared_data("incineration", "plants.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert set(plant_rows()[0]) <= set(header)
    outlet_header = shared_data("incineration", "outlets.csv").read_text(encoding="utf-8").splitlines()[0]
    plant = platform_plants()[0]
    assert set(ask(BURN_LIST, pscode=plant.ps_code)["data"][0]) <= set(outlet_header.split(","))


# --- the parsers ---


def test_parse_envelope() -> None:
    assert parse_envelope('{"status": 1, "msg": "成功", "data": []}') == []
    with pytest.raises(Refused):
        parse_envelope('{"status": -1, "msg": "签名验证失败"}')
    for bad in (
        '{"status": 0, "msg": "参数错误"}',
        '{"code": 200, "data": []}',
        "<html></html>",
        '{"status": 1, "data": {}}',
        '{"status": 1, "data": [], "total": 3}',
    ):
        with pytest.raises(EnvelopeError):
            parse_envelope(bad)


def test_parse_rows_strictly() -> None:
    plant = parse_plant({**plant_rows()[0], "corporation_name": "某某", "new_field": "x"})
    assert plant.unknown == ["new_field"]  # personal fields are known and dropped, new ones reported
    assert "corporation_name" not in plant.fields
    assert isinstance(plant.fields["longitude"], float) and isinstance(plant.fields["boiler_num"], int)
    row = value_rows(platform_plants()[0], platform_plants()[0].outlets[0], FIRST_DAY)[0]
    value = parse_value(row)
    assert value.unknown == []
    assert value.fields["day"] == "2026-10-01" and isinstance(value.fields["strength"], float)
    assert parse_value({**row, "strength": ""}).fields["strength"] is None
    with pytest.raises(RowError, match="strength"):
        parse_value({**row, "strength": "n/a"})
    with pytest.raises(RowError, match="missing field 'remark'"):
        parse_value({k: v for k, v in row.items() if k != "remark"})
    with pytest.raises(RowError, match="mp_code"):
        parse_outlet({"ps_code": row["ps_code"], "mp_code": "12"})


# --- the page in a real browser ---


@pytest.mark.browser
def test_page_lists_plants_in_chromium(replay: dict[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    options = PLAYWRIGHT_LAUNCH_OPTIONS
    if not Path(str(options["executable_path"])).exists():
        pytest.skip("Chromium is not installed (make chromium)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(options["executable_path"]), args=list(options["args"]))
        try:
            page = browser.new_page()
            page.goto(replay[HOST] + "/")
            page.wait_for_selector("#pslist li")
            items = page.locator("#pslist li")
            assert items.count() == 34
            assert by_key("e00").name_in("incineration") in page.inner_text("#pslist")
            assert page.inner_text("#status") == "共 34 家企业"
            signature = page.evaluate("() => signParams()")
            # The page's SHA-1 in JavaScript agrees with the test's hashlib over the assembled secret.
            assert signature == signed(int(signature["ts"]), signature["tc"])
        finally:
            browser.close()


# --- the crawl ---


@pytest.mark.browser
def test_crawl(data_dir: Path, replay: dict[str, str]) -> None:
    (report,) = run_crawl(data_dir, "nat_envsc_incineration", origins=replay)
    assert report["ok"], report["errors"]
    assert report["errors"] == []
    n_outlets = sum(len(p.outlets) for p in platform_plants())
    assert report["requests"] < 2500
    expected_values = len(_all_values())
    assert report["records"] == {"plant": 34, "outlet": n_outlets, "monitoring_value": expected_values}

    items = read_items(data_dir, "nat_envsc_incineration")
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_kind.setdefault(item["kind"], []).append(item)
    plant = next(i["fields"] for i in by_kind["plant"] if i["fields"]["credit_code"] == by_key("e00").uscc)
    assert set(plant) == {
        "ps_code",
        "ps_name",
        "credit_code",
        "region_name",
        "fullregion_name",
        "address",
        "longitude",
        "latitude",
        "burn_ability",
        "electric_power",
        "boiler_num",
    }
    assert plant["ps_name"] == by_key("e00").name_in("incineration")
    outlet = by_kind["outlet"][0]
    assert set(outlet["fields"]) == {
        "ps_code",
        "mp_code",
        "mp_name",
        "boiler_name",
        "boiler_type",
        "burn_ability",
        "stopopen_status",
    }
    assert outlet["record_id"] == f"nat_envsc_incineration:{outlet['fields']['ps_code']}:{outlet['fields']['mp_code']}"

    e03 = next(p for p in platform_plants() if p.enterprise.key == "e03")
    key = f"nat_envsc_incineration:{e03.ps_code}:{e03.outlets[0].mp_code}:2026-10-17:003"
    exceedance = next(i for i in by_kind["monitoring_value"] if i["record_id"] == key)
    assert exceedance["fields"] == {
        "ps_code": e03.ps_code,
        "mp_code": e03.outlets[0].mp_code,
        "day": "2026-10-17",
        "monitor_time": "2026-10-17 00:00:00",
        "pollutant_code": "003",
        "pollutant_name": "氮氧化物",
        "strength": 287.4,
        "standard_value": 250.0,
        "remark": "",
        "status": "1",
        "data_status": "0",
    }
    assert exceedance["archive"]["digest"] and "sgn=" in exceedance["url"]
    values = [i["fields"] for i in by_kind["monitoring_value"]]
    assert sum(v["status"] == "1" for v in values) == len(incineration.EXCEEDANCES)
    assert any(v["remark"] == "通讯中断" and v["strength"] is None for v in values)
    assert any(v["remark"] == "CEMS维护" and v["strength"] is not None for v in values)
