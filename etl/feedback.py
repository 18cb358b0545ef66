"""Enterprise feedback as data: files validated against a schema, linked to the record they are about.

An enterprise's feedback on a record (an explanation, evidence of rectification, a dispute) is one YAML or
JSON file at `warehouse/feedback/<enterprise USCC>/<submitted>-<slug>.yml`, validated against
`warehouse/feedback/schema.json` (JSON Schema 2020-12) and then against what a schema cannot say: the
folder is the enterprise's code and the code's check character holds (GB 32100), the file name starts with
the submission date, and a `supersedes` names an earlier feedback of the same enterprise. Files are
append-only: a correction is a new file that supersedes the old one, which is kept and marked superseded.

An invalid file is reported (file, field, reason) and left out; every other file still loads. `build()` is
the warehouse's Python model `intermediate.feedback` (and `intermediate.feedback_errors`);
`qingtian feedback validate [PATH…]` checks files before they are committed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import jsonschema
import pandas as pd
import yaml

from crawlers.helpers import uscc
from etl import ledger
from etl.warehouse import WAREHOUSE

log = logging.getLogger(__name__)

SCHEMA = WAREHOUSE / "feedback" / "schema.json"
SUFFIXES = (".yml", ".yaml", ".json")
# The intake ledger: every accepted file with its sha256, hash-chained (etl/ledger.py), so a feedback file
# edited or deleted after it was recorded — or an edited or deleted ledger entry — is detected on load.
LEDGER_NAME = "ledger.csv"
LEDGER_COLUMNS = ["feedback_id", "file", "file_sha256", "recorded"]
_FILE_NAME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})-(?P<slug>[a-z0-9]+(?:-[a-z0-9]+)*)$")
COLUMNS = ["feedback_id", "file", "file_sha256", "record_id", "submitted", "enterprise", "kind", "text",
           "evidence", "contact_role", "supersedes", "superseded_by", "current"]


def feedback_dir() -> Path:
    """The feedback folder: `warehouse/feedback`, or `QINGTIAN_FEEDBACK` (tests, other deployments)."""
    override = os.environ.get("QINGTIAN_FEEDBACK")
    return Path(override) if override else WAREHOUSE / "feedback"


@dataclass(frozen=True)
class FeedbackError:
    """Why one file was left out: the file, the field at fault ("" for the whole file) and the reason."""

    file: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field or '(file)'}: {self.message}"


@dataclass(frozen=True)
class Feedback:
    feedback_id: str  # <USCC>/<file stem>
    file: str  # relative to the feedback folder
    file_sha256: str
    data: dict[str, Any]


@dataclass
class Loaded:
    items: list[Feedback] = field(default_factory=list)
    errors: list[FeedbackError] = field(default_factory=list)


@cache
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _plain(value: Any) -> Any:
    """YAML reads `2025-08-01` as a date; the schema wants the text as written."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _schema_errors(name: str, document: Any) -> list[FeedbackError]:
    out = []
    for error in sorted(validator().iter_errors(document), key=lambda e: [str(p) for p in e.absolute_path]):
        where = ".".join(str(p) for p in error.absolute_path)
        instance = error.instance if isinstance(error.instance, dict) else {}
        if error.validator == "required":
            for missing in sorted(set(error.validator_value) - set(instance)):
                out.append(FeedbackError(name, f"{where}.{missing}" if where else missing, "is required"))
        elif error.validator == "additionalProperties":
            allowed = set(error.schema.get("properties", {}))
            for extra in sorted(set(instance) - allowed):
                out.append(FeedbackError(name, f"{where}.{extra}" if where else extra,
                                         "is not a field of the schema (no personal data, no free-form fields)"))
        elif error.validator == "enum":
            out.append(FeedbackError(name, where, f"{error.instance!r} is not one of {error.validator_value}"))
        elif error.validator == "type":
            out.append(FeedbackError(name, where, f"must be of type {error.validator_value}"))
        else:
            out.append(FeedbackError(name, where, error.schema.get("x-message", error.message)))
    return out


def read(path: Path, root: Path) -> tuple[Feedback | None, list[FeedbackError]]:
    """One feedback file, validated; (None, errors) when it is not valid."""
    name = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.as_posix()
    if path.suffix not in SUFFIXES:
        return None, [FeedbackError(name, "", f"is not a feedback file: the suffix must be one of {SUFFIXES}")]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
        document = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (UnicodeDecodeError, json.JSONDecodeError, yaml.YAMLError) as exc:
        return None, [FeedbackError(name, "", f"cannot be read as {path.suffix[1:].upper()}: {exc}")]
    document = _plain(document)
    if not isinstance(document, dict):
        return None, [FeedbackError(name, "", "must be a mapping of fields")]
    errors = _schema_errors(name, document)
    # the checks below only for fields the schema found well-formed: one error per fault
    faulty = {e.field.split(".")[0] for e in errors}
    stem_match = _FILE_NAME.match(path.stem)
    if stem_match is None:
        errors.append(FeedbackError(name, "", "file name must be <YYYY-MM-DD>-<slug>.yml|.yaml|.json "
                                              "(slug: lower-case letters, digits, hyphens)"))
    elif ("submitted" not in faulty and isinstance(document.get("submitted"), str)
          and stem_match.group("date") != document["submitted"]):
        errors.append(FeedbackError(name, "submitted", f"{document['submitted']} differs from the date "
                                                       f"{stem_match.group('date')} the file name starts with"))
    enterprise = document.get("enterprise")
    if "enterprise" not in faulty and isinstance(enterprise, str):
        if not uscc.is_valid(enterprise):
            errors.append(FeedbackError(name, "enterprise", f"{enterprise} fails the GB 32100 check character"))
        if path.parent.name != enterprise:
            errors.append(FeedbackError(name, "enterprise", f"{enterprise} is not the folder's code "
                                                            f"{path.parent.name}"))
    if errors:
        return None, errors
    return Feedback(f"{path.parent.name}/{path.stem}", name, hashlib.sha256(raw).hexdigest(), document), []


def files_in(paths: list[Path]) -> list[Path]:
    """Feedback files among `paths`: folders are searched (hidden files, README.md and the schema aside)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += [p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")
                      and p.name not in ("README.md", LEDGER_NAME) and p != path / SCHEMA.name]
        else:
            found.append(path)
    return sorted(set(found))


def _against_ledger(root: Path, result: Loaded, whole_folder: bool) -> None:
    """Keep only files recorded in the ledger with the same content; name every difference.

    A folder without a ledger has recorded nothing yet (a new deployment, a test): its files are used as they
    are. A broken chain raises `ledger.LedgerError`, naming the first bad line: nothing is used from it.
    """
    path = root / LEDGER_NAME
    if not path.exists():
        return
    recorded = {entry["file"]: entry for entry in ledger.read(path, LEDGER_COLUMNS)}
    kept = []
    for item in result.items:
        entry = recorded.get(item.file)
        if entry is None:
            result.errors.append(FeedbackError(item.file, "", "not recorded in the feedback ledger: "
                                                              "run `qingtian feedback record`"))
        elif entry["file_sha256"] != item.file_sha256:
            result.errors.append(FeedbackError(item.file, "", f"changed after it was recorded (ledger sha256 "
                                                              f"{entry['file_sha256'][:12]}…, file "
                                                              f"{item.file_sha256[:12]}…)"))
        else:
            kept.append(item)
    if whole_folder:
        for file in sorted(recorded):
            if not (root / file).exists():
                result.errors.append(FeedbackError(file, "", "recorded in the feedback ledger, but deleted"))
    result.items = kept


def record(root: Path | None = None) -> list[dict[str, str]]:
    """Append every valid, not yet recorded feedback file to the ledger; returns the new entries."""
    root = root or feedback_dir()
    recorded = {e["file"] for e in ledger.read(root / LEDGER_NAME, LEDGER_COLUMNS)}
    loaded = load(root, check_ledger=False)
    added = []
    for item in sorted(loaded.items, key=lambda i: i.file):
        if item.file not in recorded:
            added.append(ledger.append(root / LEDGER_NAME, LEDGER_COLUMNS, {
                "feedback_id": item.feedback_id, "file": item.file, "file_sha256": item.file_sha256,
                "recorded": date.today().isoformat()}))
    return added


def load(root: Path | None = None, paths: list[Path] | None = None, check_ledger: bool = True) -> Loaded:
    """Validate every feedback file under `root` (or just `paths`), check it against the intake ledger and
    resolve supersessions."""
    root = root or feedback_dir()
    result = Loaded()
    for path in files_in(paths or [root]):
        item, errors = read(path, root)
        result.errors += errors
        if item is not None:
            result.items.append(item)
    if check_ledger:
        _against_ledger(root, result, whole_folder=paths is None)
    by_id = {item.feedback_id: item for item in result.items}
    kept = []
    for item in result.items:
        target = item.data.get("supersedes")
        older = by_id.get(target) if target is not None else None
        if target is not None and older is None:
            result.errors.append(FeedbackError(item.file, "supersedes", f"{target} is no valid feedback file"))
        elif older is not None and (older is item or older.data["enterprise"] != item.data["enterprise"]
                                    or older.data["submitted"] > item.data["submitted"]):
            result.errors.append(FeedbackError(item.file, "supersedes", f"{target} is not an earlier feedback of "
                                                                        f"{item.data['enterprise']}"))
        else:
            kept.append(item)
    result.items = kept
    return result


def rows(loaded: Loaded) -> list[dict[str, Any]]:
    superseded = {item.data["supersedes"]: item.feedback_id for item in loaded.items if "supersedes" in item.data}
    out = []
    for item in sorted(loaded.items, key=lambda i: i.feedback_id):
        data = item.data
        out.append({
            "feedback_id": item.feedback_id, "file": item.file, "file_sha256": item.file_sha256,
            "record_id": data["record_id"], "submitted": data["submitted"], "enterprise": data["enterprise"],
            "kind": data["kind"], "text": data["text"].strip(),
            "evidence": [{"title": e["title"], "url": e.get("url"), "sha256": e.get("sha256")}
                         for e in data["evidence"]],
            "contact_role": data["contact_role"], "supersedes": data.get("supersedes"),
            "superseded_by": superseded.get(item.feedback_id),
            "current": item.feedback_id not in superseded,
        })
    return out


def build(con: duckdb.DuckDBPyConnection) -> None:
    """`intermediate.feedback` (every valid file, superseded ones marked) and `intermediate.feedback_errors`."""
    loaded = load()
    for error in loaded.errors:
        log.error("feedback left out: %s", error)
    frame = pd.DataFrame(rows(loaded), columns=COLUMNS)
    frame["evidence"] = frame["evidence"].map(json.dumps)
    con.register("incoming_feedback", frame)
    con.execute(
        "CREATE OR REPLACE TABLE intermediate.feedback AS SELECT feedback_id, file, file_sha256, record_id, "
        "CAST(submitted AS DATE) AS submitted, enterprise, kind, text, "
        "CAST(CAST(evidence AS JSON) AS STRUCT(title VARCHAR, url VARCHAR, sha256 VARCHAR)[]) AS evidence, "
        "contact_role, CAST(supersedes AS VARCHAR) AS supersedes, CAST(superseded_by AS VARCHAR) AS superseded_by, "
        "CAST(current AS BOOLEAN) AS current FROM incoming_feedback ORDER BY feedback_id"
    )
    con.unregister("incoming_feedback")
    errors = pd.DataFrame([vars(e) for e in loaded.errors], columns=["file", "field", "message"])
    con.register("incoming_errors", errors)
    con.execute("CREATE OR REPLACE TABLE intermediate.feedback_errors AS SELECT CAST(file AS VARCHAR) AS file, "
                "CAST(field AS VARCHAR) AS field, CAST(message AS VARCHAR) AS message FROM incoming_errors "
                "ORDER BY file, field, message")
    con.unregister("incoming_errors")


def cmd_feedback(args: argparse.Namespace) -> int:
    """`qingtian feedback validate [PATH…]`: report every invalid file; exit 1 if there is one."""
    root = feedback_dir()
    if args.action == "record":
        for entry in record(root):
            print(f"  recorded {entry['file']} ({entry['file_sha256'][:12]}…)")
    paths = [Path(p) for p in args.paths] if args.paths else None
    loaded = load(root, paths)
    for error in loaded.errors:
        print(f"  ! {error}")
    bad = len({e.file for e in loaded.errors})
    print(f"  {len(loaded.items)} valid feedback files, {bad} invalid")
    return 1 if loaded.errors else 0
