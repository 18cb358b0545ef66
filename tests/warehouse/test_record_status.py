"""Record status and timelines from the Jiaxing column's follow-up notices and the shipped feedback samples."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest
import yaml

from etl.feedback import record as record_feedback
from etl.load import load
from etl.match import match
from etl.warehouse import WAREHOUSE, connect, table_fingerprints
from tests.conftest import run_crawl

SOURCE = "zj_jxsthj_penalties"
P = f"{SOURCE}:"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory, replay: dict[str, str]) -> Iterator[Path]:
    """The column crawled from its replica, loaded and matched, with the shipped feedback samples."""
    data = tmp_path_factory.mktemp("record_status") / "data"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("QINGTIAN_DATA", str(data))
        env.delenv("QINGTIAN_FEEDBACK", raising=False)
        [report] = run_crawl(data, SOURCE, origins=replay)
        assert report["ok"], report["errors"]
        load()
        match()
        yield data


@pytest.fixture
def con(warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = connect(read_only=True)
    yield connection
    connection.close()


def _status(con: duckdb.DuckDBPyConnection, record: str) -> tuple[str, str, date]:
    rows = con.execute("SELECT status, status_reason, status_since FROM marts.record_status WHERE record_id = ?",
                       [P + record]).fetchall()
    assert len(rows) == 1, record
    return rows[0]


def _timeline(con: duckdb.DuckDBPyConnection, record: str) -> list[tuple[str, str]]:
    return [(d.isoformat(), t) for d, t in con.execute(
        "SELECT event_date, event_type FROM marts.record_timeline WHERE record_id = ? ORDER BY seq",
        [P + record]).fetchall()]


def test_one_status_per_penalty_record(con: duckdb.DuckDBPyConnection) -> None:
    assert con.execute("SELECT count(*) FROM marts.penalties").fetchall() == \
        con.execute("SELECT count(DISTINCT record_id) FROM marts.record_status").fetchall()
    statuses = dict(con.execute("SELECT status, count(*) FROM marts.record_status GROUP BY 1").fetchall())
    assert set(statuses) == {"open", "rectified_gov_verified", "rectified_self_declared", "disputed"}


def test_e00_reinspection_passed_is_gov_verified(con: duckdb.DuckDBPyConnection) -> None:
    # fine paid, the company's explanation and evidence, then the bureau's re-inspection: 已完成整改
    assert _status(con, "嘉环罚〔2025〕12号") == ("rectified_gov_verified", "reinspection_passed", date(2025, 8, 15))
    assert _timeline(con, "嘉环罚〔2025〕12号") == [
        ("2025-06-20", "decision"), ("2025-07-03", "fine_paid"), ("2025-07-08", "explanation"),
        ("2025-08-01", "rectification_evidence"), ("2025-08-15", "reinspection_passed")]
    feedback = con.execute(
        "SELECT feedback_file, url, archive_digest FROM marts.record_timeline WHERE record_id = ? "
        "AND source = 'feedback' ORDER BY seq", [P + "嘉环罚〔2025〕12号"]).fetchall()
    assert feedback == [("91330400MAJHTPQQ1T/2025-07-08-cems-explanation.yml", None, None),
                        ("91330400MAJHTPQQ1T/2025-08-01-cems-repair-evidence.yml", None, None)]
    gov = con.execute("SELECT url, archive_digest FROM marts.record_timeline WHERE record_id = ? "
                      "AND event_type = 'reinspection_passed'", [P + "嘉环罚〔2025〕12号"]).fetchall()
    assert gov[0][0].endswith(".shtml") and len(gov[0][1]) == 64


def test_credit_repair_and_self_declared(con: duckdb.DuckDBPyConnection) -> None:
    assert _status(con, "嘉环罚〔2024〕19号") == ("rectified_gov_verified", "credit_repaired", date(2025, 7, 10))
    # only the company's own evidence: self-declared
    assert _status(con, "嘉环罚〔2026〕21号")[:2] == ("rectified_self_declared", "rectification_evidence")
    # one credit-repair row naming two decisions repairs both
    for record in ("嘉环罚〔2024〕11号", "嘉环（桐）罚〔2025〕15号"):
        assert _status(con, record) == ("rectified_gov_verified", "credit_repaired", date(2026, 7, 8))


def test_disputed(con: duckdb.DuckDBPyConnection) -> None:
    assert _status(con, "嘉环（海）罚字〔2026〕12号") == ("disputed", "dispute", date(2026, 5, 26))


def test_failed_reinspection_stays_open(con: duckdb.DuckDBPyConnection) -> None:
    # e12: the decision printed "嘉环(平)罚 〔2025〕 6 号", the re-inspection "嘉环(平)罚〔2025〕6号"
    assert _status(con, "嘉环（平）罚〔2025〕6号") == ("open", "reinspection_failed", date(2025, 9, 26))
    assert _timeline(con, "嘉环（平）罚〔2025〕6号") == [("2025-06-30", "decision"), ("2025-09-26", "reinspection_failed")]
    # e38: failed, then passed at the second re-inspection
    assert _timeline(con, "嘉环（平）罚〔2025〕9号") == [
        ("2025-07-24", "decision"), ("2025-08-06", "fine_paid"), ("2025-10-20", "reinspection_failed"),
        ("2025-12-02", "reinspection_passed")]
    assert _status(con, "嘉环（平）罚〔2025〕9号")[0] == "rectified_gov_verified"


def test_open_without_follow_up_and_a_fine_paid_alone(con: duckdb.DuckDBPyConnection) -> None:
    assert _status(con, "嘉环罚〔2026〕2号") == ("open", "no_follow_up", date(2026, 1, 20))
    assert _status(con, "嘉环（桐）罚〔2025〕11号")[:2] == ("open", "no_follow_up")
    # the individual business (masked code) is linked to its decision through its provisional enterprise
    assert _timeline(con, "嘉环（秀）罚〔2025〕14号") == [("2025-08-12", "decision"), ("2025-08-29", "fine_paid")]


def test_timelines_are_ordered_by_date(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT record_id, seq, event_date, event_type FROM marts.record_timeline "
                       "WHERE record_id IS NOT NULL ORDER BY record_id, seq").fetchall()
    previous: dict[str, date] = {}
    for record, seq, day, kind in rows:
        if seq == 1:
            assert kind == "decision", record
        else:
            assert day >= previous[record], record
        previous[record] = day


def test_event_for_a_decision_we_do_not_hold_is_kept(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT decision_number_norm, event_type, enterprise_id, unmatched_reason, url "
                       "FROM marts.record_timeline WHERE record_id IS NULL").fetchall()
    assert len(rows) == 1
    number, kind, enterprise, reason, url = rows[0]
    assert (number, kind, enterprise) == ("嘉环（秀）罚〔2023〕31号", "credit_repaired", "91330411MAYTGNDR91")
    assert reason.startswith("no penalty record") and url


def test_reload_changes_nothing(warehouse: Path) -> None:
    con = connect()
    before = table_fingerprints(con)
    con.close()
    again = load()
    assert (again.files, again.items_added) == (0, 0)
    match()
    con = connect()
    try:
        assert table_fingerprints(con) == before
    finally:
        con.close()


def test_a_correction_supersedes_and_feedback_of_others_does_not_attach(warehouse: Path, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "feedback"
    shutil.copytree(WAREHOUSE / "feedback", folder)
    dispute = folder / "91330481MA7Y9KMJXH" / "2026-05-26-bypass-dispute.yml"
    withdrawn = yaml.safe_load(dispute.read_text(encoding="utf-8"))
    withdrawn.update(submitted="2026-07-01", kind="rectification_evidence",
                     supersedes="91330481MA7Y9KMJXH/2026-05-26-bypass-dispute",
                     text="行政复议已撤回。我公司已完成进水泵房超越管闸阀铅封并接入在线监控，整改材料附后。")
    (dispute.parent / "2026-07-01-bypass-rectified.yml").write_text(yaml.safe_dump(withdrawn, allow_unicode=True),
                                                                   encoding="utf-8")
    foreign = dict(withdrawn, record_id=P + "嘉环罚〔2025〕12号", submitted="2026-07-02")
    foreign.pop("supersedes")
    (dispute.parent / "2026-07-02-not-ours.yml").write_text(yaml.safe_dump(foreign, allow_unicode=True),
                                                             encoding="utf-8")
    assert len(record_feedback(folder)) == 2  # new feedback enters the intake ledger before it is used
    monkeypatch.setenv("QINGTIAN_FEEDBACK", str(folder))
    try:
        load()
        con = connect(read_only=True)
        assert _status(con, "嘉环（海）罚字〔2026〕12号")[:2] == ("rectified_self_declared", "rectification_evidence")
        assert con.execute("SELECT feedback_id, current FROM intermediate.feedback WHERE enterprise = "
                           "'91330481MA7Y9KMJXH' ORDER BY 1").fetchall() == [
            ("91330481MA7Y9KMJXH/2026-05-26-bypass-dispute", False),
            ("91330481MA7Y9KMJXH/2026-07-01-bypass-rectified", True),
            ("91330481MA7Y9KMJXH/2026-07-02-not-ours", True)]
        # e44 cannot write under e00's record: kept, not attached
        assert con.execute("SELECT record_id, unmatched_reason FROM marts.record_timeline "
                           "WHERE event_id = '91330481MA7Y9KMJXH/2026-07-02-not-ours'").fetchall() == [
            (None, f"feedback names a record of another enterprise: {P}嘉环罚〔2025〕12号")]
        con.close()
    finally:
        monkeypatch.delenv("QINGTIAN_FEEDBACK")
        load()
    con = connect(read_only=True)
    assert _status(con, "嘉环（海）罚字〔2026〕12号")[0] == "disputed"
    con.close()
