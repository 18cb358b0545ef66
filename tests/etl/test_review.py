"""The review queue: judgements appended with who and when, re-applied by match, never asked twice."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from etl.cli import main
from etl.load import load
from etl.match import JUDGEMENTS, match
from etl.review import interactive, pending_pairs
from etl.warehouse import connect
from tests.etl.crawl_fixture import GOOD, penalty, permit, write_crawl

RECORD = "zj_jxsthj_penalties:嘉环罚〔2025〕23号"
HEADER = "record_id,enterprise_id,judgement,who,at,score,record_name,enterprise_name,prev_hash,hash\n"


@pytest.fixture
def judgements(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "judgements.csv"
    path.write_text(HEADER, encoding="utf-8")
    monkeypatch.setenv("QINGTIAN_JUDGEMENTS", str(path))
    write_crawl(data_dir, "nat_mee_permits", "c1", [permit(f"{GOOD}001P", "嘉兴恒瑞环保能源有限公司")])
    write_crawl(data_dir, "zj_jxsthj_penalties", "c1", [
        penalty("嘉环罚〔2025〕23号", "嘉兴恒瑞环保能源科技有限公司", None, 1000),
    ])
    load()
    match()
    return path


def _link() -> tuple[str | None, str | None]:
    con = connect()
    row = con.execute("SELECT enterprise_id, method FROM intermediate.record_links WHERE record_id = ?",
                      [RECORD]).fetchall()[0]
    con.close()
    return row


def _pending(unsure: bool = False) -> list[tuple[str, str]]:
    con = connect(read_only=True)
    pairs = [(p["record_id"], p["enterprise_id"]) for p in pending_pairs(con, unsure=unsure)]
    con.close()
    return pairs


def test_list_shows_evidence(judgements: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", "--list"]) == 0
    out = capsys.readouterr().out
    assert f"{RECORD}  →  {GOOD}   score 0.750 (rank 1)" in out
    assert "record     嘉兴恒瑞环保能源科技有限公司   [恒瑞环保能源科技]" in out
    assert "enterprise 嘉兴恒瑞环保能源有限公司   [恒瑞环保能源]" in out
    assert f"USCC {GOOD}, region 330402, sources nat_mee_permits" in out
    assert out.rstrip().endswith("1 pending pairs")


def test_positive_links_by_reviewer_and_is_not_asked_again(judgements: Path) -> None:
    assert _link() == (None, "review")
    assert main(["review", "--judge", RECORD, GOOD, "positive", "--who", "alice"]) == 0
    assert _pending() == []  # not asked again, even before the next match
    match()
    assert _link() == (GOOD, "reviewer")
    assert _pending() == []
    lines = judgements.read_text(encoding="utf-8").splitlines()
    assert lines[0] + "\n" == HEADER and len(lines) == 2
    record_id, enterprise_id, judgement, who, at, score, record_name, _name, _prev, _hash = lines[1].split(",")
    assert (record_id, enterprise_id, judgement, who, score) == (RECORD, GOOD, "positive", "alice", "0.7500")
    assert at.endswith("Z") and record_name == "嘉兴恒瑞环保能源科技有限公司"
    match()  # re-applied on every run
    assert _link() == (GOOD, "reviewer")


def test_negative_is_never_proposed_again(judgements: Path) -> None:
    assert main(["review", "--judge", RECORD, GOOD, "negative", "--who", "bob"]) == 0
    match()
    enterprise, method = _link()
    assert method == "provisional" and enterprise.startswith("P-")
    assert _pending() == []


def test_unsure_stays_pending_but_is_not_asked_again(judgements: Path) -> None:
    assert main(["review", "--judge", RECORD, GOOD, "unsure", "--who", "carol"]) == 0
    match()
    assert _link() == (None, "review")
    assert _pending() == []
    assert _pending(unsure=True) == [(RECORD, GOOD)]
    # a second opinion is appended; the latest judgement wins
    assert main(["review", "--judge", RECORD, GOOD, "positive", "--who", "dave"]) == 0
    match()
    assert _link() == (GOOD, "reviewer")
    assert len(judgements.read_text(encoding="utf-8").splitlines()) == 3


def test_interactive_prompt(judgements: Path) -> None:
    con = connect(read_only=True)
    shown = io.StringIO()
    assert interactive(con, "erin", stdin=io.StringIO("n\n"), stdout=shown) == 1
    con.close()
    assert "Same enterprise? [y]es [n]o [u]nsure [s]kip [q]uit" in shown.getvalue()
    assert ",negative,erin," in judgements.read_text(encoding="utf-8")


def test_unknown_pair_is_refused(judgements: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["review", "--judge", RECORD, "91330402MA2B3C4D1X", "positive", "--who", "alice"]) == 1
    assert "is not a pair `qingtian match` proposed" in capsys.readouterr().err
    assert main(["review", "--judge", RECORD, GOOD, "maybe", "--who", "alice"]) == 1
    assert judgements.read_text(encoding="utf-8") == HEADER


def test_the_committed_file_is_header_only() -> None:
    assert JUDGEMENTS.read_text(encoding="utf-8") == HEADER
