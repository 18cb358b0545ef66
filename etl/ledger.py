"""Append-only, hash-chained CSV logs: an edited, deleted, reordered or half-written entry is detected on read.

A ledger is a CSV file whose header is its domain columns followed by `prev_hash,hash`. Each entry's `hash`
is the SHA-256 of a canonical serialisation of the entry (compact JSON, sorted keys, UTF-8) holding its
domain values and `prev_hash`, the previous entry's `hash` (for the first entry: the hash of the column
names, so a ledger cannot be passed off as another with different columns). Reading verifies the whole
chain and refuses a broken one with a `LedgerError` naming the first bad line. The human judgements of
`qingtian review` are one ledger (`etl.review`); any other log of human decisions (status changes, feedback)
uses the same three calls with its own columns: `append(path, columns, row)`, `read(path, columns)`,
`verify(path, columns)`.

What the chain proves and what it does not: any change to an entry that is followed by another entry is
detected, and so is any change to the last entry unless its hash was recomputed too. Removing whole entries
at the end leaves a valid, shorter chain: `verify` prints the head hash so it can be anchored elsewhere
(a commit message, a published page) and compared later.

A torn last line (no final newline: the process died while appending) is reported and refused like any
other damage, not silently dropped: silently dropping it would equally accept a deliberately cut tail.
`repair()` (`qingtian review --verify --repair`) completes it when it is a whole valid entry that only lacks
its newline, and otherwise removes it, printing what it removed; the entry it removes was never
acknowledged (the appending command had not returned), so no confirmed decision is lost.

A legacy file (the domain header without `prev_hash,hash`, as `warehouse/judgements.csv` was) is read as
an unchained ledger, and chained in place (atomically) by the next `append`.
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import io
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

CHAIN_COLUMNS = ("prev_hash", "hash")


class LedgerError(ValueError):
    """A ledger that must not be used: `line` is the first bad physical line (1 = the header)."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path, self.line, self.reason = path, line, reason


@dataclass
class Verified:
    entries: list[dict[str, str]]  # domain columns only
    head: str  # the last entry's hash (the genesis hash when empty)
    legacy: bool  # an unchained file in the old header-only format


def genesis(columns: Sequence[str]) -> str:
    return hashlib.sha256(json.dumps(list(columns), ensure_ascii=False).encode("utf-8")).hexdigest()


def entry_hash(columns: Sequence[str], row: dict[str, str], prev_hash: str) -> str:
    canonical = {"prev_hash": prev_hash, "fields": {c: row[c] for c in columns}}
    text = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _header(columns: Sequence[str]) -> list[str]:
    return [*columns, *CHAIN_COLUMNS]


def _line(values: Sequence[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue()


def _check(path: Path, text: str, columns: Sequence[str]) -> Verified:
    columns = list(columns)
    torn = bool(text) and not text.endswith("\n")
    body = text[:text.rfind("\n") + 1] if torn else text
    if not body:
        if torn:
            raise LedgerError(path, 1, "truncated header (no newline: the first append was interrupted)")
        return Verified([], genesis(columns), legacy=False)
    reader = csv.reader(io.StringIO(body))
    header = next(reader)
    if header == columns:
        legacy = True
    elif header == _header(columns):
        legacy = False
    else:
        raise LedgerError(path, 1, f"header {header} is not {_header(columns)}")
    names = columns if legacy else _header(columns)
    prev = genesis(columns)
    entries: list[dict[str, str]] = []
    start = reader.line_num
    for values in reader:
        number, start = start + 1, reader.line_num
        if len(values) != len(names):
            raise LedgerError(path, number, f"{len(values)} columns, expected {len(names)} (entry damaged)")
        row = dict(zip(names, values, strict=True))
        if not legacy:
            if row["prev_hash"] != prev:
                raise LedgerError(path, number, "prev_hash does not follow the entry before it "
                                  "(an entry was deleted, inserted or moved)")
            if entry_hash(columns, row, prev) != row["hash"]:
                raise LedgerError(path, number, "hash does not match the entry's content (entry edited)")
            prev = row["hash"]
        entries.append({c: row[c] for c in columns})
    if torn:
        raise LedgerError(path, body.count("\n") + 1, "truncated last line (no newline: an append was "
                          "interrupted); refused — `qingtian review --verify --repair` completes or removes it")
    return Verified(entries, prev, legacy)


def verify(path: Path, columns: Sequence[str]) -> Verified:
    """Check the whole chain; raises `LedgerError` at the first bad line. A missing file is an empty ledger."""
    if not path.exists():
        return Verified([], genesis(columns), legacy=False)
    return _check(path, path.read_text(encoding="utf-8"), columns)


def read(path: Path, columns: Sequence[str]) -> list[dict[str, str]]:
    """The entries (domain columns), oldest first, after verifying the chain."""
    return verify(path, columns).entries


@contextmanager
def _locked(path: Path) -> Iterator[IO[str]]:
    """The file opened for append under an exclusive lock (re-opened if a migration replaced it meanwhile)."""
    while True:
        fh = path.open("a+", encoding="utf-8", newline="")
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        if path.exists() and os.stat(path).st_ino == os.fstat(fh.fileno()).st_ino:
            break
        fh.close()
    try:
        yield fh
    finally:
        fh.close()


def _replace(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def append(path: Path, columns: Sequence[str], row: dict[str, str]) -> dict[str, str]:
    """Append one entry (after verifying the chain it extends); returns it with its prev_hash and hash."""
    columns = list(columns)
    missing = [c for c in columns if c not in row]
    if missing:
        raise ValueError(f"entry without {', '.join(missing)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path) as fh:
        fh.seek(0)
        current = _check(path, fh.read(), columns)
        values = {c: str(row[c]) for c in columns}
        entry = {**values, "prev_hash": current.head, "hash": entry_hash(columns, values, current.head)}
        if current.legacy:
            # Chain the old entries and add this one in one atomic replacement of the file.
            lines, prev = [_line(_header(columns))], genesis(columns)
            for old in current.entries:
                digest = entry_hash(columns, old, prev)
                lines.append(_line([*(old[c] for c in columns), prev, digest]))
                prev = digest
            entry["prev_hash"], entry["hash"] = prev, entry_hash(columns, values, prev)
            lines.append(_line([entry[c] for c in _header(columns)]))
            _replace(path, "".join(lines))
            return entry
        text = ("" if fh.tell() else _line(_header(columns))) + _line([entry[c] for c in _header(columns)])
        fh.write(text)  # one write of whole lines: a crash leaves at most one torn last line
        fh.flush()
        os.fsync(fh.fileno())
    return entry


def repair(path: Path, columns: Sequence[str]) -> str | None:
    """Mend a torn last line: complete it if it is a whole valid entry lacking its newline, else remove it.

    Returns what was done (None when the last line was not torn); any other damage is left alone and raised.
    """
    with _locked(path) as fh:
        fh.seek(0)
        text = fh.read()
        if not text or text.endswith("\n"):
            verify(path, columns)
            return None
        cut = text.rfind("\n") + 1
        torn = text[cut:]
        try:
            _check(path, text + "\n", columns)
        except LedgerError:
            _check(path, text[:cut], columns)  # the rest must be sound before anything is removed
            _replace(path, text[:cut])
            return f"removed the torn last line {torn!r}"
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
        return f"completed the last line {torn!r} (a whole valid entry lacking its newline)"
