"""Hash-chained logs (etl/ledger.py): every kind of damage is found, named by line, and refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl import ledger
from etl.cli import main
from etl.match import latest_judgements
from etl.review import HEADER

COLUMNS = ["record_id", "status", "who", "at"]  # a status-change log: same module, its own columns


def _entries(n: int) -> list[dict[str, str]]:
    return [{"record_id": f"src:{i}", "status": "open" if i % 2 else "closed, corrected", "who": "alice",
             "at": f"2026-11-{i + 1:02d}T00:00:00Z"} for i in range(n)]


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "status.csv"
    for entry in _entries(4):
        ledger.append(path, COLUMNS, entry)
    return path


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def _broken_at(path: Path) -> tuple[int, str]:
    with pytest.raises(ledger.LedgerError) as caught:
        ledger.read(path, COLUMNS)
    return caught.value.line, caught.value.reason


def test_append_chains_and_reads_back(log: Path) -> None:
    lines = _lines(log)
    assert lines[0] == "record_id,status,who,at,prev_hash,hash\n" and len(lines) == 5
    assert ledger.read(log, COLUMNS) == _entries(4)
    assert '"closed, corrected"' in lines[1]  # CSV quoting is part of the file, not of the hash
    checked = ledger.verify(log, COLUMNS)
    assert checked.head == lines[-1].rstrip("\n").split(",")[-1] and not checked.legacy
    assert lines[1].split(",")[-2] == ledger.genesis(COLUMNS)
    # the same log under other columns is not the same chain
    assert ledger.genesis(COLUMNS) != ledger.genesis(HEADER)


def test_edited_field_is_detected(log: Path) -> None:
    lines = _lines(log)
    lines[2] = lines[2].replace("alice", "mallory")
    log.write_text("".join(lines), encoding="utf-8")
    assert _broken_at(log) == (3, "hash does not match the entry's content (entry edited)")


def test_edited_field_with_recomputed_hash_breaks_the_next_link(log: Path) -> None:
    lines = _lines(log)
    values = lines[2].rstrip("\n").split(",")
    row = dict(zip([*COLUMNS, "prev_hash", "hash"], values, strict=True)) | {"who": "mallory"}
    row["hash"] = ledger.entry_hash(COLUMNS, row, row["prev_hash"])
    lines[2] = ",".join(row.values()) + "\n"
    log.write_text("".join(lines), encoding="utf-8")
    line, reason = _broken_at(log)
    assert line == 4 and reason.startswith("prev_hash does not follow")


def test_deleted_line_is_detected(log: Path) -> None:
    lines = _lines(log)
    del lines[2]
    log.write_text("".join(lines), encoding="utf-8")
    line, reason = _broken_at(log)
    assert line == 3 and "deleted" in reason


def test_reordered_lines_are_detected(log: Path) -> None:
    lines = _lines(log)
    lines[2], lines[3] = lines[3], lines[2]
    log.write_text("".join(lines), encoding="utf-8")
    line, reason = _broken_at(log)
    assert line == 3 and "moved" in reason


def test_truncated_last_line_is_refused_then_repaired(log: Path) -> None:
    whole = log.read_text(encoding="utf-8")
    log.write_text(whole[:-40], encoding="utf-8")  # the process died halfway through writing line 5
    line, reason = _broken_at(log)
    assert line == 5 and reason.startswith("truncated last line")
    with pytest.raises(ledger.LedgerError):  # nothing is appended to a damaged log
        ledger.append(log, COLUMNS, _entries(5)[4])
    assert ledger.repair(log, COLUMNS).startswith("removed the torn last line")
    assert ledger.read(log, COLUMNS) == _entries(3)
    ledger.append(log, COLUMNS, _entries(4)[3])
    assert ledger.read(log, COLUMNS) == _entries(4)


def test_whole_entry_lacking_its_newline_is_completed(log: Path) -> None:
    log.write_text(log.read_text(encoding="utf-8")[:-1], encoding="utf-8")
    assert _broken_at(log)[0] == 5
    assert ledger.repair(log, COLUMNS).startswith("completed the last line")
    assert ledger.read(log, COLUMNS) == _entries(4)
    assert ledger.repair(log, COLUMNS) is None


def test_legacy_file_is_read_then_chained_by_the_next_append(tmp_path: Path) -> None:
    path = tmp_path / "old.csv"
    old = _entries(2)
    path.write_text("record_id,status,who,at\n" + "".join(ledger._line(list(e.values())) for e in old),
                    encoding="utf-8")
    assert ledger.verify(path, COLUMNS).legacy and ledger.read(path, COLUMNS) == old
    ledger.append(path, COLUMNS, _entries(3)[2])
    checked = ledger.verify(path, COLUMNS)
    assert not checked.legacy and checked.entries == _entries(3)
    assert not list(tmp_path.glob("*.tmp"))


def test_wrong_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("a,b\n", encoding="utf-8")
    assert _broken_at(path)[0] == 1


def test_match_and_review_refuse_a_broken_judgements_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "judgements.csv"
    monkeypatch.setenv("QINGTIAN_JUDGEMENTS", str(path))
    monkeypatch.setenv("QINGTIAN_DATA", str(tmp_path / "data"))
    for n, judgement in enumerate(("positive", "negative", "unsure")):
        ledger.append(path, HEADER, {"record_id": f"s:{n}", "enterprise_id": "E", "judgement": judgement,
                                     "who": "alice", "at": "2026-11-22T00:00:00Z", "score": "0.8",
                                     "record_name": "某公司", "enterprise_name": "某某公司"})
    assert latest_judgements(path)[("s:1", "E")] == "negative"
    assert main(["review", "--verify"]) == 0
    assert capsys.readouterr().out.startswith(f"OK {path}: 3 judgements, head ")
    path.write_text(path.read_text(encoding="utf-8").replace(",negative,", ",positive,"), encoding="utf-8")
    with pytest.raises(ledger.LedgerError, match=r"judgements.csv:3: hash does not match"):
        latest_judgements(path)
    assert main(["review", "--verify"]) == 1
    assert "BROKEN" in capsys.readouterr().err
    assert main(["review", "--list"]) == 1
    assert "judgements.csv:3: hash does not match" in capsys.readouterr().err


def test_committed_judgements_file_verifies() -> None:
    from etl.match import JUDGEMENTS

    assert not ledger.verify(JUDGEMENTS, HEADER).legacy
