"""Green-credit risk: scores from a miniature warehouse, as of a date, with evidence, weights from YAML."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
import yaml

from crawlers import paths
from etl import risk
from etl.cli import main
from tests.etl.crawl_fixture import GOOD, OTHER

AS_OF = date(2026, 6, 30)
URL = "https://example.invalid/"

PENALTIES = [  # record_id, enterprise, decided, serious
    ("p:1", GOOD, "2025-03-01", True),
    ("p:2", GOOD, "2024-05-01", False),
    ("p:3", GOOD, "2026-08-01", True),  # after the as-of date
    ("p:4", GOOD, "2022-01-01", True),  # before the three-year window
    ("p:5", OTHER, "2026-01-01", False),
]
MONITORING = [  # record_id, enterprise, day, exceeded, pollutant
    ("m:1", GOOD, "2026-05-01", True, "SO2"),
    ("m:2", GOOD, "2026-05-02", True, "SO2"),
    ("m:3", GOOD, "2026-05-02", True, "NOx"),  # the same day: one exceedance day
    ("m:4", GOOD, "2026-05-03", False, "SO2"),
    ("m:5", GOOD, "2026-07-05", True, "SO2"),  # after the as-of date
    ("m:6", GOOD, "2025-05-01", True, "SO2"),  # more than twelve months before
    ("m:7", OTHER, "2026-05-01", True, "SO2"),  # one day: not repeated
]
RATINGS = [  # record_id, enterprise, year, grade, notice date
    ("r:2024", GOOD, 2024, "yellow", "2025-03-14"),
    ("r:2025", GOOD, 2025, "red", "2026-07-20"),  # published after the as-of date
    ("r:o", OTHER, 2025, "green", "2026-03-20"),
]
ORDERS = [("o:1", GOOD, "2026-01-10"), ("o:2", GOOD, "2026-09-01")]


def build_warehouse(path: Path, status: list[tuple[str, str]] | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.penalties (record_id VARCHAR, enterprise_id VARCHAR, decision_date DATE, "
                "url VARCHAR, serious BOOLEAN, serious_reasons VARCHAR[])")
    for rid, eid, day, serious in PENALTIES:
        con.execute("INSERT INTO marts.penalties VALUES (?, ?, ?, ?, ?, ?)",
                    [rid, eid, day, URL + rid, serious, ["data_fraud"] if serious else []])
    con.execute("CREATE TABLE marts.monitoring_values (record_id VARCHAR, enterprise_id VARCHAR, day DATE, "
                "url VARCHAR, exceeded BOOLEAN, pollutant_name VARCHAR)")
    for rid, eid, day, exceeded, pollutant in MONITORING:
        con.execute("INSERT INTO marts.monitoring_values VALUES (?, ?, ?, ?, ?, ?)",
                    [rid, eid, day, URL + rid, exceeded, pollutant])
    con.execute("CREATE TABLE marts.credit_ratings (record_id VARCHAR, enterprise_id VARCHAR, year INTEGER, "
                "grade VARCHAR, notice_date DATE, notice_url VARCHAR, url VARCHAR)")
    for rid, eid, year, grade, notice in RATINGS:
        con.execute("INSERT INTO marts.credit_ratings VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [rid, eid, year, grade, notice, URL + rid, URL + rid + "/file"])
    con.execute("CREATE TABLE marts.correction_orders (record_id VARCHAR, enterprise_id VARCHAR, "
                "decision_date DATE, url VARCHAR)")
    for rid, eid, day in ORDERS:
        con.execute("INSERT INTO marts.correction_orders VALUES (?, ?, ?, ?)", [rid, eid, day, URL + rid])
    con.execute("CREATE TABLE marts.enterprises AS SELECT * FROM (VALUES "
                f"('{GOOD}', '{GOOD}', '嘉兴恒瑞环保能源有限公司', ['嘉兴恒瑞环保能源有限责任公司'], '330402', NULL, 1, 'yellow'), "
                f"('{OTHER}', '{OTHER}', '海宁泰丰纸业有限公司', [], '330481', '浙江省嘉兴市海宁市', 0, 'green')) "
                "t(enterprise_id, uscc, name, aliases, region_code, address, serious_2y, credit_grade)")
    if status is not None:
        con.execute("CREATE TABLE marts.record_status (record_id VARCHAR, status VARCHAR)")
        con.executemany("INSERT INTO marts.record_status VALUES (?, ?)", status)
    con.close()
    return path


@pytest.fixture
def con(tmp_path: Path) -> Any:
    connection = duckdb.connect(str(build_warehouse(tmp_path / "w.duckdb")), read_only=True)
    yield connection
    connection.close()


def _flags(result: risk.Risk) -> dict[str, risk.Flag]:
    return {f.code: f for f in result.flags}


def test_score_as_of_a_date(con: Any) -> None:
    result = risk.compute(con, GOOD, AS_OF)
    flags = _flags(result)
    assert {c: (f.count, f.points) for c, f in flags.items()} == {
        "serious_violations": (1, 20.0),  # p:1 (p:3 is later, p:4 older than three years)
        "repeat_exceedances": (2, 4.0),  # 1 and 2 May 2026
        "credit_rating": (1.0, 10.0),  # yellow: the red rating was published after the as-of date
        "unresolved_records": (2, 10.0),  # p:1, p:2
        "correction_orders": (1, 5.0),
    }
    assert (result.score, result.level) == (49.0, "medium")


def test_records_after_the_as_of_date_do_not_count(con: Any) -> None:
    before = _flags(risk.compute(con, GOOD, AS_OF))
    ids = {e["record_id"] for f in before.values() for e in f.evidence}
    assert not ids & {"p:3", "m:5", "r:2025", "o:2"}
    later = risk.compute(con, GOOD, date(2026, 12, 31))
    flags = _flags(later)
    assert [e["record_id"] for e in flags["serious_violations"].evidence] == ["p:1", "p:3"]
    assert [e["record_id"] for e in flags["credit_rating"].evidence] == ["r:2025"]
    assert (later.score, later.level) == (96.0, "high")
    # the day before the decision, p:3 does not count; on the day it does
    assert _flags(risk.compute(con, GOOD, date(2026, 7, 31)))["serious_violations"].count == 1
    assert _flags(risk.compute(con, GOOD, date(2026, 8, 1)))["serious_violations"].count == 2


def test_every_raised_flag_has_evidence(con: Any) -> None:
    result = risk.compute(con, GOOD, AS_OF)
    for flag in result.flags:
        assert flag.raised
        assert flag.label_zh and flag.label_en and flag.rule and flag.weight > 0
        assert flag.evidence
        for item in flag.evidence:
            assert item["record_id"] and item["url"].startswith(URL)
            assert date.fromisoformat(item["date"]) <= AS_OF
    payload = result.as_json()
    assert payload["as_of"] == "2026-06-30" and all(f["raised"] for f in payload["flags"])
    assert _flags(result)["credit_rating"].evidence[0]["detail"] == "yellow"
    other = risk.compute(con, OTHER, AS_OF)
    assert (other.score, other.level) == (5.0, "low")  # p:5 unresolved; one exceedance day is no pattern
    assert not _flags(other)["repeat_exceedances"].raised and _flags(other)["repeat_exceedances"].evidence


def test_weights_come_from_yaml(con: Any, tmp_path: Path) -> None:
    text = risk.CONFIG_PATH.read_text(encoding="utf-8")
    changed = yaml.safe_load(text.replace("weight: 20       # points per decision", "weight: 30"))
    assert changed["flags"]["serious_violations"]["weight"] == 30
    assert risk.compute(con, GOOD, AS_OF, changed).score == 59.0
    assert risk.compute(con, GOOD, AS_OF, changed).level == "high"
    fewer = copy.deepcopy(risk.CONFIG)
    del fewer["flags"]["unresolved_records"]
    fewer["levels"] = {"medium": 10, "high": 40}
    result = risk.compute(con, GOOD, AS_OF, fewer)
    assert (result.score, result.level) == (39.0, "medium")
    unknown = copy.deepcopy(risk.CONFIG)
    unknown["flags"]["made_up"] = unknown["flags"]["correction_orders"]
    with pytest.raises(ValueError, match="unknown flag 'made_up'"):
        risk.compute(con, GOOD, AS_OF, unknown)


def test_record_status_decides_what_is_unresolved(tmp_path: Path) -> None:
    path = build_warehouse(tmp_path / "s.duckdb", status=[("p:1", "closed"), ("p:2", "open"), ("p:4", "open"),
                                                          ("p:3", "open")])
    with duckdb.connect(str(path), read_only=True) as connection:
        flag = _flags(risk.compute(connection, GOOD, AS_OF))["unresolved_records"]
        assert [e["record_id"] for e in flag.evidence] == ["p:4", "p:2"]  # p:3 is after the as-of date
        assert risk.open_record_counts(connection, AS_OF) == {GOOD: 2}


def test_batch_over_a_borrower_list(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_warehouse(paths.warehouse_path())
    borrowers = tmp_path / "borrowers.csv"
    pd.DataFrame([("随便", GOOD), ("嘉兴恒瑞环保能源有限公司", None), ("浙江海宁泰丰纸业有限公司", None),
                  ("不存在的公司", None)], columns=["name", "uscc"]).to_csv(borrowers, index=False)
    out = tmp_path / "results.csv"
    assert main(["risk", str(borrowers), "--as-of", "2026-06-30", "--out", str(out)]) == 0
    table = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(table["enterprise_id"]) == [GOOD, GOOD, OTHER, ""]
    assert list(table["score"]) == ["49.0", "49.0", "5.0", ""]
    assert list(table["level"]) == ["medium", "medium", "low", ""]
    assert table.loc[0, "flags"].startswith("serious_violations:20;repeat_exceedances:4")
    assert json.loads(table.loc[0, "evidence"])["serious_violations"] == ["p:1"]
    assert "4 borrowers as of 2026-06-30" in capsys.readouterr().out
    as_json = tmp_path / "results.json"
    assert main(["risk", str(borrowers), "--as-of", "2026-06-30", "--out", str(as_json)]) == 0
    records = json.loads(as_json.read_text(encoding="utf-8"))
    assert records[0]["risk"]["score"] == 49.0 and records[3]["risk"] is None
    assert records[0]["risk"]["flags"][0]["evidence"][0]["url"] == URL + "p:1"
