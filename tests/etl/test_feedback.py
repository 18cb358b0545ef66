"""Enterprise feedback files: the schema, the rules it cannot express, and loading around bad files."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

from etl import feedback
from etl.cli import main

SAMPLES = feedback.WAREHOUSE / "feedback"
E00 = "91330400MAJHTPQQ1T"
E44 = "91330481MA7Y9KMJXH"
VALID: dict[str, Any] = {
    "record_id": "zj_jxsthj_penalties:嘉环罚〔2025〕12号",
    "submitted": "2025-08-01",
    "enterprise": E00,
    "kind": "rectification_evidence",
    "text": "已更换伴热管线并重新标定分析仪，比对监测合格。",
    "evidence": [{"title": "比对监测报告", "url": "https://www.example.com/report.pdf"}],
    "contact_role": "环保负责人",
}


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "feedback"
    (folder / E00).mkdir(parents=True)
    monkeypatch.setenv("QINGTIAN_FEEDBACK", str(folder))
    return folder


def _write(root: Path, name: str, document: Any, folder: str = E00) -> Path:
    path = root / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, allow_unicode=True) if isinstance(document, dict) else document,
                    encoding="utf-8")
    return path


def test_shipped_samples_are_valid_and_marked_synthetic() -> None:
    loaded = feedback.load(SAMPLES)
    assert loaded.errors == []
    assert {i.data["kind"] for i in loaded.items} == {"explanation", "rectification_evidence", "dispute"}
    assert 3 <= len(loaded.items) <= 4
    assert "synthetic sample" in (SAMPLES / "README.md").read_text(encoding="utf-8").lower()
    for item in loaded.items:
        assert (SAMPLES / item.file).read_text(encoding="utf-8").startswith("# SYNTHETIC SAMPLE")


def test_valid_file(root: Path) -> None:
    path = _write(root, "2025-08-01-cems-repair.yml", VALID)
    item, errors = feedback.read(path, root)
    assert errors == [] and item is not None
    assert item.feedback_id == f"{E00}/2025-08-01-cems-repair"
    assert item.file == f"{E00}/2025-08-01-cems-repair.yml"
    # YAML dates come back as the text written
    path.write_text(path.read_text(encoding="utf-8").replace("'2025-08-01'", "2025-08-01"), encoding="utf-8")
    item, errors = feedback.read(path, root)
    assert errors == [] and item is not None and item.data["submitted"] == "2025-08-01"


def _changed(**changes: Any) -> dict[str, Any]:
    document = {**VALID, **changes}
    return {k: v for k, v in document.items() if v is not None}


@pytest.mark.parametrize(("name", "document", "field", "message"), [
    ("missing record id", _changed(record_id=None), "record_id", "is required"),
    ("record id without a source", _changed(record_id="嘉环罚〔2025〕12号"), "record_id", "<source>:<key>"),
    ("unknown kind", _changed(kind="complaint"), "kind", "'complaint' is not one of"),
    ("impossible date", _changed(submitted="2025-02-30"), "submitted", "YYYY-MM-DD"),
    ("code of the wrong shape", _changed(enterprise="9133040MAJHTPQQ1T"), "enterprise", "18-character"),
    ("text too short", _changed(text="已整改"), "text", "between 10 and 5000"),
    ("evidence without url or hash", _changed(evidence=[{"title": "整改照片"}]), "evidence.0",
     "needs a url or the sha256"),
    ("evidence hash not hex", _changed(evidence=[{"title": "整改照片", "sha256": "xyz"}]), "evidence.0.sha256",
     "64 lower-case hexadecimal"),
    ("rectification evidence without documents", _changed(evidence=[]), "evidence", "at least one document"),
    ("a phone number as the contact", _changed(contact_role="王经理 13800000000"), "contact_role",
     "no phone numbers"),
    ("personal data in an extra field", _changed(contact_name="王某"), "contact_name", "not a field of the schema"),
    ("evidence is not a list", _changed(evidence="报告"), "evidence", "must be of type array"),
])
def test_invalid_cases_name_the_field(root: Path, name: str, document: dict[str, Any], field: str,
                                      message: str) -> None:
    path = _write(root, "2025-08-01-case.yml", document)
    item, errors = feedback.read(path, root)
    assert item is None, name
    assert [e.field for e in errors] == [field], (name, errors)
    assert message in errors[0].message, (name, errors[0].message)
    assert str(errors[0]).startswith(f"{E00}/2025-08-01-case.yml: {field}: ")


def test_rules_beyond_the_schema(root: Path) -> None:
    cases = {
        "check character": (_write(root, "2025-08-01-a.yml", _changed(enterprise=E00[:-1] + "U"), E00[:-1] + "U"),
                            "enterprise", "GB 32100"),
        "folder": (_write(root, "2025-08-01-b.yml", VALID, E44), "enterprise", f"not the folder's code {E44}"),
        "date in the name": (_write(root, "2025-08-02-c.yml", VALID), "submitted", "differs from the date"),
        "file name": (_write(root, "cems repair.yml", VALID), "", "file name must be"),
        "suffix": (_write(root, "2025-08-01-d.txt", VALID), "", "suffix must be"),
        "not YAML": (_write(root, "2025-08-01-e.yml", "record_id: [unclosed\n"), "", "cannot be read as YML"),
        "not a mapping": (_write(root, "2025-08-01-f.json", "[1, 2]"), "", "must be a mapping"),
    }
    for name, (path, field, message) in cases.items():
        item, errors = feedback.read(path, root)
        assert item is None, name
        assert any(e.field == field and message in e.message for e in errors), (name, errors)


def test_loading_skips_the_bad_file_and_keeps_the_rest(root: Path) -> None:
    _write(root, "2025-07-08-explanation.yml", _changed(kind="explanation", evidence=[], submitted="2025-07-08"))
    _write(root, "2025-08-01-repair.yml", VALID)
    _write(root, "2025-08-02-broken.yml", _changed(kind="thanks", submitted="2025-08-02"))
    (root / "README.md").write_text("not feedback", encoding="utf-8")
    shutil.copy(feedback.SCHEMA, root / "schema.json")
    loaded = feedback.load(root)
    assert [i.feedback_id for i in loaded.items] == [f"{E00}/2025-07-08-explanation", f"{E00}/2025-08-01-repair"]
    assert [str(e) for e in loaded.errors] == [
        f"{E00}/2025-08-02-broken.yml: kind: 'thanks' is not one of "
        "['explanation', 'rectification_evidence', 'dispute']"]


def test_supersession_keeps_the_old_file(root: Path) -> None:
    _write(root, "2025-08-01-repair.yml", VALID)
    _write(root, "2025-08-05-repair-corrected.yml",
           _changed(submitted="2025-08-05", supersedes=f"{E00}/2025-08-01-repair", text="更正：已更换伴热管线，比对监测合格。"))
    _write(root, "2025-08-06-bad-target.yml", _changed(submitted="2025-08-06", supersedes=f"{E00}/2025-01-01-none"))
    loaded = feedback.load(root)
    assert [str(e) for e in loaded.errors] == [
        f"{E00}/2025-08-06-bad-target.yml: supersedes: {E00}/2025-01-01-none is no valid feedback file"]
    con = duckdb.connect()
    con.execute("CREATE SCHEMA intermediate")
    feedback.build(con)
    rows = con.execute("SELECT feedback_id, current, superseded_by, evidence[1].url FROM intermediate.feedback "
                       "ORDER BY feedback_id").fetchall()
    assert rows == [
        (f"{E00}/2025-08-01-repair", False, f"{E00}/2025-08-05-repair-corrected", "https://www.example.com/report.pdf"),
        (f"{E00}/2025-08-05-repair-corrected", True, None, "https://www.example.com/report.pdf"),
    ]
    assert con.execute("SELECT file, field FROM intermediate.feedback_errors").fetchall() == [
        (f"{E00}/2025-08-06-bad-target.yml", "supersedes")]


def test_cli_validate(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = _write(root, "2025-08-01-repair.yml", VALID)
    assert main(["feedback", "validate"]) == 0
    assert "1 valid feedback files, 0 invalid" in capsys.readouterr().out
    bad = _write(root, "2025-08-02-broken.yml", _changed(submitted="2025-08-02", contact_role="a@b.cn"))
    assert main(["feedback", "validate", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{E00}/2025-08-02-broken.yml: contact_role: must be a role" in out
    assert "1 valid feedback files, 1 invalid" in out
    assert main(["feedback", "validate", str(SAMPLES)]) == 0


def test_cli_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["feedback", "--help"])
    assert "qingtian feedback validate" in capsys.readouterr().out
