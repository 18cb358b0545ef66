"""The site build's faster paths give what the plain ones gave: Jinja's printing of values (one call, dict keys
first), and the CSV exports of sorted marts written from their Parquet files."""

from __future__ import annotations

import filecmp
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import markupsafe
import pytest

from etl.load import load
from etl.match import match
from etl.publish import exports
from etl.publish.build import environment, visible_controls
from etl.warehouse import connect
from tests.etl.crawl_fixture import GOOD, penalty, permit, write_crawl

VALUES = ["嘉兴恒瑞环保能源有限公司", "A&B <b>\"x\" 'y'", "evil\u202egpj.exe", "tab\tbell\x07", markupsafe.Markup("<i>ok</i>"),
          42, 1.5, None, True, date(2025, 3, 1), ["a", "<b>"], ""]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_values_print_as_jinja_printed_them(value: object) -> None:
    plain = jinja2.Environment(autoescape=True, finalize=visible_controls)
    source = "<p title=\"{{ v }}\">{{ v }}</p>{% for x in [v] %}{{ x }}{% endfor %}{% set s %}{{ v }}{% endset %}{{ s }}"
    assert environment().from_string(source).render(v=value) == plain.from_string(source).render(v=value)


def test_dict_keys_first_but_dict_methods_stay_methods() -> None:
    row = {"name": "甲<公司>", "items": "a key named items", "values": [1, 2]}
    template = environment().from_string("{{ r.name }}|{% for k, v in r.items() %}{{ k }};{% endfor %}|{{ r.get('name') }}")
    assert template.render(r=row) == "甲&lt;公司&gt;|name;items;values;|甲&lt;公司&gt;"
    with pytest.raises(jinja2.UndefinedError):
        environment().from_string("{{ r.missing }}").render(r=row)


def limit(number: str, outlet: str, pollutant: str, hourly: str | None, text: str | None) -> tuple[str, str, dict[str, Any], str]:
    fields = {"permit_number": number, "outlet_code": outlet, "medium": "air", "pollutant_name": pollutant,
              "hourly_limit": hourly, "hourly_unit": "mg/Nm3", "daily_limit": None, "daily_unit": None,
              "rate_limit_kg_h": None, "stricter_limit": None, "annual_t": ["12.5", "12.5"], "limit_text": text}
    return ("permit_limit", f"{number}:{outlet}:{pollutant}", fields, f"<p>{number} {outlet}</p>")


def outlet(number: str, code: str) -> tuple[str, str, dict[str, Any], str]:
    fields = {"permit_number": number, "uscc": number[:18], "outlet_code": code, "national_code": number + code,
              "outlet_name": "1号焚烧炉排气筒", "medium": "air", "outlet_type": "main"}
    return ("permit_outlet", f"{number}:{code}", fields, f"<p>{number} {code}</p>")


def daily_mean(day: str, pollutant: str, value: str | None, remark: str) -> tuple[str, str, dict[str, Any], str]:
    fields = {"ps_code": "PS1", "mp_code": "MP1", "pollutant_code": "001", "pollutant_name": pollutant, "day": day,
              "monitor_time": f"{day} 00:00:00", "strength": value, "standard_value": "20", "remark": remark,
              "status": "1", "data_status": "1"}
    return ("monitoring_value", f"PS1:MP1:{day}:{pollutant}", fields, f"<p>{day}</p>")


@pytest.fixture
def warehouse(data_dir: Path) -> Path:
    name = "嘉兴恒瑞环保能源有限公司"
    number = f"{GOOD}001P"
    write_crawl(data_dir, "nat_mee_permits", "c1", [
        permit(number, name), outlet(number, "DA001"), limit(number, "DA001", "颗粒物", "10", None),
        limit(number, "DA001", "林格曼黑度", None, '1级, "一级"')])
    write_crawl(data_dir, "zj_jxsthj_penalties", "c1", [penalty("嘉环罚〔2025〕12号", name, GOOD, 52120)])
    # Values that CSV writes with care: fractions, an empty value, a remark with a comma and quotes.
    write_crawl(data_dir, "nat_envsc_incineration", "c1", [
        daily_mean("2026-10-01", "颗粒物", "0.1", ""), daily_mean("2026-10-02", "颗粒物", "23.456789", ""),
        daily_mean("2026-10-03", "颗粒物", None, '通讯中断, "离线"')])
    load()
    match()
    return data_dir


def test_sorted_marts_csv_from_parquet_is_the_same_file(warehouse: Path, tmp_path: Path) -> None:
    con = connect(read_only=True)
    try:
        sorted_marts = [t for t in exports.mart_tables(con) if exports._order(t)]
        assert {"outlet_values", "monitoring_values", "permit_limits"} <= set(sorted_marts)
        counts = {t: con.execute(f"SELECT count(*) FROM marts.{t}").fetchall()[0][0]
                  for t in ("outlet_values", "monitoring_values", "permit_limits")}
        assert counts == {"outlet_values": 3, "monitoring_values": 3, "permit_limits": 2}  # files with rows
        for table in sorted_marts:
            cols = exports.columns(con, table)
            parquet = tmp_path / f"{table}.parquet"
            exports._write_parquet(con, table, parquet)
            source = exports._parquet_source(con, table, cols, parquet)
            if any(kind == "HUGEINT" for _, kind in cols):
                assert source is None, table  # not a Parquet type: written from the mart
                continue
            assert source is not None, table
            exports._write_csv(con, table, cols, tmp_path / f"{table}.from-parquet.csv", source)
            exports._write_csv(con, table, cols, tmp_path / f"{table}.csv")
            assert filecmp.cmp(tmp_path / f"{table}.from-parquet.csv", tmp_path / f"{table}.csv", shallow=False)
    finally:
        con.close()
