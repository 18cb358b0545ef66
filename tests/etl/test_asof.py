"""Marts as of an earlier load (etl/asof.py): rebuilt from the append-only raw layer and the link history."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from etl.asof import AsOfError, connect_as_of
from etl.cli import main
from etl.load import load
from etl.match import match
from etl.warehouse import connect
from tests.etl.crawl_fixture import GOOD, OTHER, penalty, permit, write_crawl


def marts(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, str]]:
    """Row count and content hash of every mart of the connection's own database."""
    names = [n for (n,) in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts' "
        "AND table_catalog = current_database() ORDER BY 1").fetchall()]
    return {name: con.execute(f"SELECT count(*), coalesce(sum(hash(t::VARCHAR)::HUGEINT), 0)::VARCHAR "
                              f"FROM marts.{name} t").fetchall()[0] for name in names}


@pytest.fixture
def two_loads(data_dir: Path) -> dict[str, dict[str, tuple[int, str]]]:
    write_crawl(data_dir, "nat_mee_permits", "c1", [permit(f"{GOOD}001P", "嘉兴恒瑞环保能源有限公司")])
    write_crawl(data_dir, "zj_jxsthj_penalties", "c1", [
        penalty("嘉环罚〔2025〕12号", "嘉兴恒瑞环保能源有限公司", GOOD, 52120),
        penalty("嘉环罚〔2025〕15号", "嘉兴市某某印染有限公司", None, 2000),
    ])
    load()
    match()
    con = connect()
    first = marts(con)
    con.close()
    # Load 2: the fine of 12号 corrected, a new decision against another company, a second permit.
    write_crawl(data_dir, "zj_jxsthj_penalties", "c2", [
        penalty("嘉环罚〔2025〕12号", "嘉兴恒瑞环保能源有限公司", GOOD, 62120),
        penalty("嘉环罚〔2025〕16号", "海宁泰丰纸业有限公司", OTHER, 8000),
    ])
    write_crawl(data_dir, "nat_mee_permits", "c2", [permit(f"{OTHER}001C", "海宁泰丰纸业有限公司")])
    load()
    match()
    con = connect()
    second = marts(con)
    con.close()
    return {"first": first, "second": second}


def test_marts_as_of_each_load_equal_the_marts_built_then(two_loads: dict[str, dict[str, tuple[int, str]]]) -> None:
    assert two_loads["first"] != two_loads["second"]
    con, load1 = connect_as_of(1)
    assert load1.load_id == 1
    assert marts(con) == two_loads["first"]
    assert con.execute("SELECT decision_number, fine_yuan FROM marts.penalties ORDER BY 1").fetchall() == [
        ("嘉环罚〔2025〕12号", 52120), ("嘉环罚〔2025〕15号", 2000)]
    assert con.execute("SELECT count(*) FROM marts.permits").fetchall() == [(1,)]
    con.close()
    con, load2 = connect_as_of(2)
    assert load2.load_id == 2
    assert marts(con) == two_loads["second"]
    assert con.execute("SELECT decision_number, fine_yuan FROM marts.penalties ORDER BY 1").fetchall() == [
        ("嘉环罚〔2025〕12号", 62120), ("嘉环罚〔2025〕15号", 2000), ("嘉环罚〔2025〕16号", 8000)]
    con.close()
    latest, _ = connect_as_of()
    assert marts(latest) == two_loads["second"]
    latest.close()


def test_link_history_keeps_old_links_and_rematching_adds_nothing(
        two_loads: dict[str, dict[str, tuple[int, str]]]) -> None:
    con = connect()
    history = con.execute("SELECT count(*), count(valid_to_load) FROM intermediate.record_links_history").fetchall()
    con.close()
    match()
    con = connect()
    assert con.execute("SELECT count(*), count(valid_to_load) FROM intermediate.record_links_history"
                       ).fetchall() == history
    # Every current link is open in the history, from the load it first held for.
    assert con.execute("SELECT record_id, valid_from_load FROM intermediate.record_links_history "
                       "WHERE valid_to_load IS NULL ORDER BY 1").fetchall() == [
        ("nat_mee_permits:" + f"{GOOD}001P", 1), ("nat_mee_permits:" + f"{OTHER}001C", 2),
        ("zj_jxsthj_penalties:嘉环罚〔2025〕12号", 1), ("zj_jxsthj_penalties:嘉环罚〔2025〕15号", 1),
        ("zj_jxsthj_penalties:嘉环罚〔2025〕16号", 2)]
    con.close()


def test_unknown_load_is_a_clear_error(two_loads: dict[str, dict[str, tuple[int, str]]]) -> None:
    with pytest.raises(AsOfError, match=r"no load 9 in the warehouse; loads: 1 \(.*\), 2 \("):
        connect_as_of(9)


def test_cli_lists_prints_and_writes(two_loads: dict[str, dict[str, tuple[int, str]]], tmp_path: Path,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["asof", "--list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in listed] == [["load", "1"], ["load", "2"]]
    assert main(["asof", "1", "--table", "penalties"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0].startswith("record_id,") and len(rows) == 3
    out = tmp_path / "marts-1.duckdb"
    assert main(["asof", "1", "--out", str(out)]) == 0
    assert "marts.penalties: 2 rows" in capsys.readouterr().out
    snapshot = duckdb.connect(str(out), read_only=True)
    assert snapshot.execute("SELECT load_id FROM as_of").fetchall() == [(1,)]
    assert marts(snapshot) == two_loads["first"]
    snapshot.close()
    assert main(["asof", "7"]) == 2
    assert "no load 7" in capsys.readouterr().err
