"""Enterprise feedback is append-only: the intake ledger detects a file edited or deleted after it was
recorded, an unrecorded file, and an edited ledger entry."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from etl import feedback, ledger

SAMPLES = feedback.WAREHOUSE / "feedback"
EXPLANATION = "91330400MAJHTPQQ1T/2025-07-08-cems-explanation.yml"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "feedback"
    shutil.copytree(SAMPLES, root)
    return root


def test_the_committed_samples_are_all_recorded_and_unchanged() -> None:
    loaded = feedback.load(SAMPLES)
    assert loaded.errors == [] and len(loaded.items) == 4
    assert len(ledger.read(SAMPLES / feedback.LEDGER_NAME, feedback.LEDGER_COLUMNS)) == 4


def test_an_edited_file_is_left_out_and_named(folder: Path) -> None:
    target = folder / EXPLANATION
    target.write_text(target.read_text(encoding="utf-8").replace("text:", "text: 改过 ", 1), encoding="utf-8")
    loaded = feedback.load(folder)
    assert len(loaded.items) == 3
    [error] = loaded.errors
    assert error.file == EXPLANATION and error.message.startswith("changed after it was recorded")


def test_a_deleted_file_is_reported(folder: Path) -> None:
    (folder / EXPLANATION).unlink()
    loaded = feedback.load(folder)
    assert [str(e) for e in loaded.errors] == [f"{EXPLANATION}: (file): recorded in the feedback ledger, but deleted"]


def test_a_new_file_waits_for_record(folder: Path) -> None:
    new = folder / "91330400MAJHTPQQ1T" / "2025-07-08-second-explanation.yml"
    shutil.copy(folder / EXPLANATION, new)
    loaded = feedback.load(folder)
    assert [e.file for e in loaded.errors] == ["91330400MAJHTPQQ1T/2025-07-08-second-explanation.yml"]
    assert "not recorded" in loaded.errors[0].message
    [entry] = feedback.record(folder)
    assert entry["file"] == "91330400MAJHTPQQ1T/2025-07-08-second-explanation.yml"
    assert feedback.load(folder).errors == []
    assert feedback.record(folder) == []  # recording twice adds nothing


def test_an_edited_ledger_entry_refuses_the_whole_folder(folder: Path) -> None:
    path = folder / feedback.LEDGER_NAME
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("2025-07-08-cems-explanation.yml,", "2025-07-09-cems-explanation.yml,", 1),
                    encoding="utf-8")
    with pytest.raises(ledger.LedgerError, match=r"ledger.csv:2: hash does not match the entry's content"):
        feedback.load(folder)
