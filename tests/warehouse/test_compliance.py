"""Outlet compliance: monitoring values joined to permit limits, exceedance days, quarterly status.

One crawl of the three sources that carry outlets (permits, incineration monitoring, Zhejiang self-monitoring)
plus a few HJ 212 logger values written as a miniature crawl, loaded and matched once for the module.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import duckdb
import pytest

from crawlers.helpers import hj212
from crawlers.replay import incineration, selfmonitoring
from crawlers.replay.world import by_key
from etl.warehouse import WAREHOUSE, connect, load_seeds, models, table_fingerprints
from tests.conftest import run_crawl
from tests.etl.crawl_fixture import write_crawl

SOURCES = ("nat_mee_permits", "nat_envsc_incineration", "zj_sthjt_selfmonitoring")
MODELS = ("intermediate.int_outlet_values", "marts.outlet_values", "marts.exceedance_days_monthly",
          "marts.compliance_quarterly")
LOGGER = "88888880000001"


def _hj212_value(moment: str, cn: str, code: str, suffix: str, value: float, flag: str | None) -> dict[str, Any]:
    return {"mn": LOGGER, "cn": cn, "st": "31", "qn": None, "version": "2017", "data_time": moment,
            "pollutant_code": code, "pollutant_name": None, "suffix": suffix, "value": value,
            "value_text": f"{value:g}", "sample_time": None, "flag": flag,
            "flag_meaning": None if flag is None else hj212.DATA_FLAGS[flag], "eflag": None}


HJ212_VALUES = (  # (key, fields): an hourly NOx average under the 2005 code, a calibration, a minimum (left out)
    ("hour-03", _hj212_value("2026-11-02T10:00:00", "2061", "03", "Avg", 41.5, "N")),
    ("hour-a21026", _hj212_value("2026-11-02T10:00:00", "2061", "a21026", "Avg", 80.2, "C")),
    ("hour-a21026-min", _hj212_value("2026-11-02T10:00:00", "2061", "a21026", "Min", 12.0, "N")),
)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, replay: dict[str, str]) -> Iterator[dict[str, Any]]:
    from etl.load import load
    from etl.match import match

    data = tmp_path_factory.mktemp("compliance") / "data"
    reports = run_crawl(data, *SOURCES, origins=replay)
    write_crawl(data, "hj212", "listen-1", [("hj212_value", key, fields, "##0000") for key, fields in HJ212_VALUES])
    previous = os.environ.get("QINGTIAN_DATA")
    os.environ["QINGTIAN_DATA"] = str(data)
    try:
        load()
        match()
        con = connect()
        before = table_fingerprints(con)
        con.close()
        again = load()
        con = connect()
        after = table_fingerprints(con)
        yield {"con": con, "reports": reports, "before": before, "after": after, "again": again}
        con.close()
    finally:
        if previous is None:
            os.environ.pop("QINGTIAN_DATA", None)
        else:
            os.environ["QINGTIAN_DATA"] = previous


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def plant_outlet(key: str, number: int) -> tuple[incineration.Plant, incineration.Outlet]:
    plant = next(p for p in incineration.platform_plants() if p.enterprise.key == key)
    return plant, plant.outlets[number - 1]


def test_incineration_exceedance_against_the_permit(warehouse: dict[str, Any]) -> None:
    con = warehouse["con"]
    plant, outlet = plant_outlet("e03", 1)
    e03 = by_key("e03")
    assert e03.city_code != incineration.LOCAL_LIMIT_CITY  # national limits: the permit commits to nothing stricter
    [nox] = rows(con, "SELECT * FROM marts.outlet_values WHERE outlet_ref = ? AND pollutant_code = 'a21002' "
                      "AND day = DATE '2026-10-17'", [f"{plant.ps_code}:{outlet.mp_code}"])
    assert nox["enterprise_id"] == e03.uscc
    assert nox["national_code"] == f"{e03.permits[0].number}DA001"
    assert (nox["pollutant_name"], nox["period"], nox["value"], nox["unit"]) == ("氮氧化物", "day", 287.4, "mg/m³")
    assert (nox["limit_value"], nox["limit_basis"], nox["permit_hourly_limit"], nox["permit_stricter_limit"]) == (
        250.0, "permit_daily", 300.0, None)
    assert nox["exceeded"] and not nox["flagged"] and nox["exceedance_multiple"] == 0.1496
    assert nox["url"] and nox["archive_digest"]
    # A plant in 嘉兴 committed to the local limits: its values are judged against the stricter column.
    local = next(p for p in incineration.platform_plants()
                 if p.enterprise.city_code == incineration.LOCAL_LIMIT_CITY and not p.outlets[0].stopped)
    bases = rows(con, "SELECT DISTINCT pollutant_code, limit_basis, limit_value FROM marts.outlet_values "
                      "WHERE outlet_ref = ? ORDER BY 1", [f"{local.ps_code}:{local.outlets[0].mp_code}"])
    assert bases == [{"pollutant_code": "a21002", "limit_basis": "permit_stricter", "limit_value": 150.0},
                     {"pollutant_code": "a21005", "limit_basis": "permit_stricter", "limit_value": 80.0},
                     {"pollutant_code": "a21024", "limit_basis": "permit_stricter", "limit_value": 10.0},
                     {"pollutant_code": "a21026", "limit_basis": "permit_stricter", "limit_value": 50.0},
                     {"pollutant_code": "a34013", "limit_basis": "permit_stricter", "limit_value": 10.0}]
    # Every incineration exceedance is one of the replica's deliberate ones, at its multiple.
    over = rows(con, "SELECT outlet_ref, day, pollutant_name, value, limit_value, exceedance_multiple "
                     "FROM marts.outlet_values WHERE source = 'nat_envsc_incineration' AND exceeded")
    names = {code: name for code, name, _ in incineration.POLLUTANTS}
    expected = []
    for key, number, day, code, value in incineration.EXCEEDANCES:
        plant, outlet = plant_outlet(key, number)
        limit = plant.limits[code]
        expected.append((f"{plant.ps_code}:{outlet.mp_code}", date(2026, 10, day), names[code], value, limit,
                         round((value - limit) / limit, 4)))
    assert sorted(tuple(r.values()) for r in over) == sorted(expected)


def test_flagged_values_are_never_exceedances(warehouse: dict[str, Any]) -> None:
    con = warehouse["con"]
    lost = rows(con, "SELECT * FROM marts.outlet_values WHERE flag = '通讯中断' AND value IS NOT NULL "
                     "ORDER BY record_id LIMIT 1")[0]
    assert (lost["flag_class"], lost["flagged"], lost["exceeded"], lost["exceedance_multiple"]) == (
        "communication", True, False, None)
    assert lost["limit_basis"] in ("permit_daily", "permit_stricter") and lost["limit_value"] is not None
    counts = dict(con.execute(
        "SELECT flag_class, count(*) FROM marts.outlet_values WHERE exceeded GROUP BY ALL").fetchall())
    assert set(counts) == {"ok"}
    classes = dict(con.execute("SELECT flag, min(flag_class) FROM marts.outlet_values "
                               "WHERE source <> 'hj212' AND flag <> '' GROUP BY ALL").fetchall())
    assert classes == {"通讯中断": "communication", "CEMS维护": "maintenance", "停产": "shutdown", "故障": "fault"}
    # Every value got a pollutant code, and every outlet of the two platforms joined a permit outlet.
    assert con.execute("SELECT count(*) FROM marts.outlet_values WHERE pollutant_code IS NULL").fetchall() == [(0,)]
    assert con.execute("SELECT source, count(*) FILTER (WHERE national_code IS NULL) FROM marts.outlet_values "
                       "WHERE source <> 'hj212' GROUP BY ALL ORDER BY 1").fetchall() == [
        ("nat_envsc_incineration", 0), ("zj_sthjt_selfmonitoring", 0)]


def test_selfmonitoring_exceedances_match_the_printed_multiples(warehouse: dict[str, Any]) -> None:
    con = warehouse["con"]
    over = rows(con, "SELECT * FROM marts.outlet_values WHERE source = 'zj_sthjt_selfmonitoring' AND exceeded")
    printed = rows(con, "SELECT record_id FROM staging.stg_zj_sthjt_selfmonitoring__values WHERE NOT compliant")
    assert sorted(r["record_id"] for r in over) == sorted(r["record_id"] for r in printed)
    assert len(over) == len(selfmonitoring.EXCEEDANCES)
    sites = {s.enterprise.key: s for s in selfmonitoring.sites()}
    key, outlet, _, day, hour = selfmonitoring.WRONG_MULTIPLE
    wrong = f"zj_sthjt_selfmonitoring:{sites[key].ent_id}:{outlet}:a24088:2026-11-{day:02d}T{hour:02d}:00:00"
    for row in over:
        assert row["national_code"] == row["national_code_printed"]
        if row["record_id"] == wrong:
            assert (row["exceedance_multiple"], row["source_exceedance_multiple"]) == (0.25, 1.25)
        else:
            assert round(row["exceedance_multiple"], 2) == row["source_exceedance_multiple"], row["record_id"]
    basis = {(r["outlet_ref"], r["pollutant_name"]): (r["limit_basis"], r["limit_value"]) for r in over}
    assert basis == {
        ("DA001", "氮氧化物"): ("permit_stricter", 50.0),  # e46: the ultra-low emission commitment
        ("DW001", "化学需氧量"): ("permit_daily", 80.0),  # e37: water, the permit's one concentration
        ("DW001", "氨氮"): ("permit_daily", 20.0),  # e42
        ("DW001", "总磷"): ("permit_daily", 0.5),  # e44
        ("DA001", "颗粒物"): ("permit_hourly", 120.0),  # e34
        ("DA001", "非甲烷总烃"): ("source_standard", 60.0),  # e40: the permit limits 挥发性有机物 there
    }
    # pH: the permit prints `6-9` as text, so the platform's range is the standard; none is outside it.
    ph = rows(con, "SELECT DISTINCT limit_basis, limit_lower, limit_value FROM marts.outlet_values "
                   "WHERE pollutant_code = 'w01001'")
    assert ph == [{"limit_basis": "source_standard", "limit_lower": 6.0, "limit_value": 9.0}]


def test_hj212_values(warehouse: dict[str, Any]) -> None:
    got = rows(warehouse["con"], "SELECT pollutant_code, period, value, flag_class, flagged, exceeded, "
                                 "enterprise_id, outlet_ref FROM marts.outlet_values WHERE source = 'hj212' "
                                 "ORDER BY pollutant_code")
    assert got == [
        {"pollutant_code": "a21002", "period": "hour", "value": 41.5, "flag_class": "ok", "flagged": False,
         "exceeded": False, "enterprise_id": None, "outlet_ref": LOGGER},
        {"pollutant_code": "a21026", "period": "hour", "value": 80.2, "flag_class": "calibration", "flagged": True,
         "exceeded": False, "enterprise_id": None, "outlet_ref": LOGGER},
    ]
    flags = {row["flag"] for row in csv.DictReader((WAREHOUSE / "seeds" / "outlet_value_flags.csv").open())
             if row["source"] == "hj212"}
    assert flags >= set(hj212.DATA_FLAGS)


def test_exceedance_days_per_month(warehouse: dict[str, Any]) -> None:
    con = warehouse["con"]
    plant, outlet = plant_outlet("e03", 1)
    days = [incineration.value_rows(plant, outlet, incineration.FIRST_DAY + timedelta(days=n))
            for n in range(incineration.DAYS)]
    remarks = [day[0]["remark"] for day in days if day]
    [month] = rows(con, "SELECT * FROM marts.exceedance_days_monthly WHERE outlet_ref = ? AND pollutant_code = ?",
                   [f"{plant.ps_code}:{outlet.mp_code}", "a21002"])
    assert month["month"] == date(2026, 10, 1) and month["enterprise_id"] == by_key("e03").uscc
    assert month["exceedance_days"] == 1 and month["max_exceedance_multiple"] == 0.1496
    assert month["flagged_days"] == sum(r != "" for r in remarks) > 0
    assert month["measured_days"] == sum(r == "" for r in remarks) > 20
    # The thermal plant's boiler stack: 7 days, one exceedance hour on the 3rd, analyser fault on the 6th.
    [boiler] = rows(con, "SELECT * FROM marts.exceedance_days_monthly WHERE enterprise_id = ? AND outlet_ref = "
                         "'DA001' AND pollutant_code = 'a21002'", [by_key("e46").uscc])
    assert (boiler["month"], boiler["measured_days"], boiler["exceedance_days"], boiler["flagged_days"]) == (
        date(2026, 11, 1), 7, 1, 1)
    assert (boiler["values_count"], boiler["exceedances"], boiler["flagged_values"]) == (7 * 24, 1, 3)


def test_quarterly_grid(warehouse: dict[str, Any]) -> None:
    con = warehouse["con"]
    grid = rows(con, "SELECT * FROM marts.compliance_quarterly WHERE scope = 'enterprise'")
    enterprises = {r[0] for r in con.execute(
        "SELECT DISTINCT enterprise_id FROM marts.outlet_values WHERE enterprise_id IS NOT NULL").fetchall()}
    assert len(enterprises) == 34 + 12  # every incineration plant, the 12 self-monitoring sites
    quarters = [f"{y}Q{q}" for y in (2024, 2025, 2026) for q in (1, 2, 3, 4)]
    by_enterprise: dict[str, list[str]] = {}
    for row in grid:
        by_enterprise.setdefault(row["enterprise_id"], []).append(row["quarter"])
    assert set(by_enterprise) == enterprises
    assert all(sorted(q) == quarters for q in by_enterprise.values())
    assert {r["as_of"] for r in grid} == {date(2026, 11, 7)}
    status = {(r["enterprise_id"], r["quarter"]): r for r in grid}
    e03, e46 = by_key("e03").uscc, by_key("e46").uscc
    assert status[(e03, "2026Q4")]["status"] == "exceedance"
    assert (status[(e03, "2026Q4")]["exceedance_days"], status[(e03, "2026Q3")]["status"]) == (1, "no_data")
    assert (status[(e46, "2026Q4")]["status"], status[(e46, "2026Q4")]["measured_days"]) == ("exceedance", 7)
    assert status[(by_key("e36").uscc, "2026Q4")]["status"] == "compliant"
    statuses = {r["status"] for r in grid if r["quarter"] == "2026Q4"}
    assert statuses == {"compliant", "exceedance"}
    # Outlet rows: one per outlet with values, 12 quarters each; e46's coal-yard stack is compliant.
    outlets = rows(con, "SELECT outlet_ref, outlet_label, national_code, status FROM marts.compliance_quarterly "
                        "WHERE scope = 'outlet' AND enterprise_id = ? AND quarter = '2026Q4' ORDER BY 1", [e46])
    assert outlets == [
        {"outlet_ref": "DA001", "outlet_label": "1号锅炉烟囱", "national_code": f"{by_key('e46').permits[0].number}DA001",
         "status": "exceedance"},
        {"outlet_ref": "DA002", "outlet_label": "煤场转运站排气筒",
         "national_code": f"{by_key('e46').permits[0].number}DA002", "status": "compliant"},
    ]


def test_settings_are_one_place(warehouse: dict[str, Any]) -> None:
    """As-of day and thresholds come from warehouse/seeds/compliance_settings.csv alone."""
    con = warehouse["con"]
    sql = models()["marts.compliance_quarterly"][1]
    e03 = by_key("e03").uscc
    try:
        con.execute("CREATE TEMP TABLE q AS " + sql)  # the model as shipped, against the changed settings below
        con.execute("UPDATE seeds.compliance_settings SET value = '1' WHERE setting = 'serious_exceedance_days'")
        con.execute("UPDATE seeds.compliance_settings SET value = '2025-05-20' WHERE setting = 'as_of'")
        moved = rows(con, f"SELECT quarter, status FROM ({sql}) WHERE enterprise_id = ? AND scope = 'enterprise' "
                          "ORDER BY quarter_start", [e03])
        assert [r["quarter"] for r in moved] == [f"{y}Q{q}" for y, q in [
            (2022, 3), (2022, 4), *((2023, q) for q in (1, 2, 3, 4)), *((2024, q) for q in (1, 2, 3, 4)),
            (2025, 1), (2025, 2)]]
        assert {r["status"] for r in moved} == {"no_data"}
        con.execute("UPDATE seeds.compliance_settings SET value = NULL WHERE setting = 'as_of'")
        serious = rows(con, f"SELECT status FROM ({sql}) WHERE enterprise_id = ? AND scope = 'enterprise' "
                            "AND quarter = '2026Q4'", [e03])
        assert serious == [{"status": "serious"}]
    finally:
        load_seeds(con)
        con.execute("DROP TABLE IF EXISTS q")


def test_reload_and_rebuild_change_nothing(warehouse: dict[str, Any]) -> None:
    assert warehouse["again"].items_added == 0
    assert warehouse["after"] == warehouse["before"]
    assert {"marts.outlet_values", "marts.compliance_quarterly", "seeds.compliance_settings"} <= set(
        warehouse["before"])
    con = warehouse["con"]
    every = models()
    load_seeds(con)
    for name in MODELS:
        kind, sql = every[name]
        con.execute(f"CREATE OR REPLACE {kind} {name} AS\n{sql}")
    assert table_fingerprints(con) == warehouse["before"]


def test_crawls_were_clean(warehouse: dict[str, Any]) -> None:
    reports = {r["source"]: r for r in warehouse["reports"]}
    assert set(reports) == set(SOURCES) and all(r["ok"] for r in reports.values())
