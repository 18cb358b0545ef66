"""Staging tables kept up to date load by load: the latest version of every record, as a full rebuild gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl import warehouse
from etl.load import load
from etl.warehouse import build_incremental, connect, macro_text, models, run_models, table_fingerprints
from tests.etl import crawl_fixture
from tests.etl.crawl_fixture import GOOD, penalty, write_crawl

MODEL = "staging.stg_zj_jxsthj_penalties__penalties"
MACROS = macro_text()


def _crawl(data: Path, crawl_id: str, fetched: str, fines: dict[str, float], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crawl_fixture, "FETCHED", fetched)
    write_crawl(data, "zj_jxsthj_penalties", crawl_id,
                [penalty(number, "嘉兴恒瑞环保能源有限公司", GOOD, fine) for number, fine in fines.items()])


def _fines(con: object) -> dict[str, float]:
    return dict(con.execute(f"SELECT decision_number, fine_yuan FROM {MODEL}").fetchall())  # type: ignore[attr-defined]


def _differences_from_a_full_rebuild(con: object) -> list[tuple[int]]:
    con.execute(f"CREATE OR REPLACE TEMP VIEW full_rebuild AS {models()[MODEL][1]}")  # type: ignore[attr-defined]
    return con.execute(  # type: ignore[attr-defined, no-any-return]
        f"SELECT (SELECT count(*) FROM (FROM {MODEL} EXCEPT ALL FROM full_rebuild)), "
        f"(SELECT count(*) FROM (FROM full_rebuild EXCEPT ALL FROM {MODEL}))").fetchall()


def test_each_load_updates_only_what_it_touched_and_the_latest_version_wins(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _crawl(data_dir, "c1", "2026-11-01T08:00:00Z", {"嘉环罚〔2025〕1号": 100, "嘉环罚〔2025〕2号": 200}, monkeypatch)
    load()
    _crawl(data_dir, "c2", "2026-11-08T08:00:00Z", {"嘉环罚〔2025〕1号": 150, "嘉环罚〔2025〕3号": 300}, monkeypatch)
    load()
    # A version fetched before the others but loaded last (an old crawl exported late) must not win.
    _crawl(data_dir, "c0", "2026-10-01T08:00:00Z", {"嘉环罚〔2025〕1号": 90}, monkeypatch)
    assert load().load_id == 3
    con = connect()
    assert _fines(con) == {"嘉环罚〔2025〕1号": 150, "嘉环罚〔2025〕2号": 200, "嘉环罚〔2025〕3号": 300}
    assert con.execute("SELECT count(*) FROM raw.items WHERE record_id LIKE '%1号'").fetchall() == [(3,)]
    assert _differences_from_a_full_rebuild(con) == [(0, 0)]
    assert con.execute("SELECT load_id FROM staging.model_state WHERE model = ?", [MODEL]).fetchall() == [(3,)]
    assert con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = 'staging' "
                       "AND table_name = ?", [MODEL.split(".")[1]]).fetchall() == [("BASE TABLE",)]
    before = table_fingerprints(con)
    run_models(con)
    assert table_fingerprints(con) == before
    con.close()


def test_a_view_from_an_older_warehouse_or_a_changed_model_is_rebuilt_whole(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _crawl(data_dir, "c1", "2026-11-01T08:00:00Z", {"嘉环罚〔2025〕1号": 100}, monkeypatch)
    load()
    con = connect()
    # Staging was views before it was incremental: an old warehouse has a view under the table's name.
    con.execute(f"DROP TABLE {MODEL}")
    con.execute(f"CREATE VIEW {MODEL} AS SELECT 1 AS record_id")
    run_models(con, ("staging",))
    assert _fines(con) == {"嘉环罚〔2025〕1号": 100}
    con.execute("UPDATE staging.model_state SET sql_hash = 'an older text' WHERE model = ?", [MODEL])
    con.execute(f"DELETE FROM {MODEL}")
    run_models(con, ("staging",))
    assert _fines(con) == {"嘉环罚〔2025〕1号": 100}
    con.close()


def test_a_staging_model_that_reads_raw_items_directly_fails_on_its_first_incremental_run(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _crawl(data_dir, "c1", "2026-11-01T08:00:00Z", {"嘉环罚〔2025〕1号": 100}, monkeypatch)
    load()
    sql = models()[MODEL][1].replace("latest_items('zj_jxsthj_penalties', 'penalty')",
                                     "raw.items WHERE source = 'zj_jxsthj_penalties' AND kind = 'penalty'")
    assert "latest_items" not in sql
    con = connect()
    build_incremental(con, MODEL, sql)  # a new text: built whole, which needs no macro
    assert _fines(con) == {"嘉环罚〔2025〕1号": 100}
    con.close()
    _crawl(data_dir, "c2", "2026-11-08T08:00:00Z", {"嘉环罚〔2025〕1号": 150}, monkeypatch)
    load(models=False)
    con = connect()
    with pytest.raises(ValueError, match=r"reads raw\.items through latest_items"):
        build_incremental(con, MODEL, sql)
    assert _fines(con) == {"嘉环罚〔2025〕1号": 100}  # nothing stored is lost
    con.close()


def test_a_changed_macro_rebuilds_the_staging_tables_whole(
        data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _crawl(data_dir, "c1", "2026-11-01T08:00:00Z", {"嘉环罚〔2025〕1号": 100}, monkeypatch)
    load()
    con = connect()
    state = con.execute("SELECT sql_hash FROM staging.model_state WHERE model = ?", [MODEL]).fetchall()
    con.execute(f"DELETE FROM {MODEL}")
    monkeypatch.setattr(warehouse, "macro_text", lambda: "-- a changed macro\n" + MACROS)
    run_models(con, ("staging",))
    assert _fines(con) == {"嘉环罚〔2025〕1号": 100}
    assert con.execute("SELECT sql_hash FROM staging.model_state WHERE model = ?", [MODEL]).fetchall() != state
    con.close()
