"""`qingtian review`: judge the name matches `qingtian match` could not decide, and keep the judgements.

A pending pair is a record (without a usable code) and an enterprise its name may belong to. A judgement is
`positive` (the record is that enterprise's: linked with method `reviewer` on the next match), `negative`
(never proposed again) or `unsure` (the record stays pending and unlinked; the pair is not asked again, but
`--list --unsure` shows such pairs for a second opinion, which is appended like any judgement: the latest
judgement on a pair wins). Judgements are appended, with who and when, to `warehouse/judgements.csv`
(override: `--judgements` or `QINGTIAN_JUDGEMENTS`), and re-applied by every `qingtian match`.
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import duckdb

from etl import ledger
from etl.match import JUDGEMENT_COLUMNS, judgements_path, latest_judgements
from etl.normalise import normalise_name
from etl.warehouse import connect

JUDGEMENTS = ("positive", "negative", "unsure")
HEADER = JUDGEMENT_COLUMNS  # then prev_hash, hash: the file is a hash-chained ledger (etl/ledger.py)

_PAIRS = """
SELECT c.record_id, c.enterprise_id, c.score, c.rank,
       l.name AS record_name, l.source AS record_source, l.code_printed AS record_code,
       l.code_status AS record_code_status, l.region_code AS record_region,
       e.name AS enterprise_name, e.uscc AS enterprise_uscc, e.region_code AS enterprise_region,
       e.aliases AS enterprise_aliases,
       (SELECT list(DISTINCT o.source ORDER BY o.source) FROM intermediate.record_links o
        WHERE o.enterprise_id = c.enterprise_id) AS enterprise_sources
FROM intermediate.review_candidates c
JOIN intermediate.record_links l USING (record_id)
LEFT JOIN marts.enterprises e ON e.enterprise_id = c.enterprise_id
ORDER BY c.score DESC, c.record_id, c.rank
"""


def pending_pairs(con: duckdb.DuckDBPyConnection, judgements: Path | None = None,
                  unsure: bool = False) -> list[dict[str, Any]]:
    """Pairs still to judge (or, with `unsure`, those judged unsure), best scores first, with their evidence."""
    judged = latest_judgements(judgements)
    cursor = con.execute(_PAIRS)
    columns = [d[0] for d in cursor.description]
    out = []
    for row in cursor.fetchall():
        pair = dict(zip(columns, row, strict=True))
        state = judged.get((pair["record_id"], pair["enterprise_id"]))
        if (state == "unsure") if unsure else (state is None):
            pair["record_core"] = normalise_name(pair["record_name"]).core
            pair["enterprise_core"] = normalise_name(pair["enterprise_name"]).core
            out.append(pair)
    return out


def record_judgement(con: duckdb.DuckDBPyConnection, record_id: str, enterprise_id: str, judgement: str,
                     who: str, judgements: Path | None = None, at: datetime | None = None) -> dict[str, Any]:
    """Append one judgement; the pair must be one `qingtian match` proposed or linked by name."""
    if judgement not in JUDGEMENTS:
        raise ValueError(f"judgement must be one of {', '.join(JUDGEMENTS)}, not {judgement!r}")
    if not who.strip():
        raise ValueError("say who judges (--who)")
    found = con.execute(
        "SELECT c.score, l.name, e.name FROM intermediate.record_links l "
        "LEFT JOIN intermediate.review_candidates c ON c.record_id = l.record_id AND c.enterprise_id = ? "
        "LEFT JOIN marts.enterprises e ON e.enterprise_id = ? "
        "WHERE l.record_id = ? AND (c.record_id IS NOT NULL OR l.enterprise_id = ?)",
        [enterprise_id, enterprise_id, record_id, enterprise_id]).fetchall()
    if not found:
        raise ValueError(f"{record_id} → {enterprise_id} is not a pair `qingtian match` proposed")
    score, record_name, enterprise_name = found[0]
    row = {"record_id": record_id, "enterprise_id": enterprise_id, "judgement": judgement, "who": who.strip(),
           "at": (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "score": "" if score is None else f"{score:.4f}", "record_name": record_name or "",
           "enterprise_name": enterprise_name or ""}
    ledger.append(judgements_path(judgements), HEADER, row)
    return row


def describe(pair: dict[str, Any]) -> str:
    sources = ", ".join(pair["enterprise_sources"] or [])
    aliases = "、".join(pair["enterprise_aliases"] or [])
    return "\n".join([
        f"{pair['record_id']}  →  {pair['enterprise_id']}   score {pair['score']:.3f} (rank {pair['rank']})",
        f"  record     {pair['record_name']}   [{pair['record_core']}]",
        f"             code {pair['record_code'] or '—'} ({pair['record_code_status']}), region "
        f"{pair['record_region'] or '—'}, source {pair['record_source']}",
        f"  enterprise {pair['enterprise_name']}   [{pair['enterprise_core']}]",
        f"             USCC {pair['enterprise_uscc'] or '—'}, region {pair['enterprise_region'] or '—'}, "
        f"sources {sources or '—'}" + (f", also named {aliases}" if aliases else ""),
    ])


_ANSWERS = {"y": "positive", "n": "negative", "u": "unsure"}


def interactive(con: duckdb.DuckDBPyConnection, who: str, judgements: Path | None = None,
                stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout) -> int:
    """Ask about each pending pair: y(es, same) / n(o) / u(nsure) / s(kip) / q(uit). Returns pairs judged."""
    done = 0
    pairs = pending_pairs(con, judgements)
    for number, pair in enumerate(pairs, 1):
        stdout.write(f"\n[{number}/{len(pairs)}] {describe(pair)}\nSame enterprise? [y]es [n]o [u]nsure [s]kip "
                     "[q]uit: ")
        stdout.flush()
        answer = stdin.readline().strip().lower()[:1]
        if answer in ("q", ""):
            break
        if answer in _ANSWERS:
            record_judgement(con, pair["record_id"], pair["enterprise_id"], _ANSWERS[answer], who, judgements)
            done += 1
    stdout.write(f"\n{done} judgements recorded in {judgements_path(judgements)}; `qingtian match` applies them.\n")
    return done


def verify_judgements(path: Path | None = None, repair: bool = False) -> int:
    """`qingtian review --verify [--repair]`: print OK (entries, head hash) or the first bad entry."""
    file = judgements_path(path)
    try:
        if repair:
            done = ledger.repair(file, HEADER)
            print(f"  {file}: {done}" if done else f"  {file}: nothing to repair")
        checked = ledger.verify(file, HEADER)
    except ledger.LedgerError as exc:
        print(f"BROKEN {exc}", file=sys.stderr)
        return 1
    legacy = " (old unchained format: chained by the next judgement)" if checked.legacy else ""
    print(f"OK {file}: {len(checked.entries)} judgements, head {checked.head}{legacy}")
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    path = Path(args.judgements) if args.judgements else None
    if getattr(args, "verify", False) or getattr(args, "repair", False):
        return verify_judgements(path, repair=getattr(args, "repair", False))
    try:
        ledger.verify(judgements_path(path), HEADER)
    except ledger.LedgerError as exc:
        print(f"  ! the judgements log is broken, refusing to use it: {exc}", file=sys.stderr)
        return 1
    con = connect(Path(args.warehouse) if args.warehouse else None, read_only=True)
    try:
        if args.judge:
            record_id, enterprise_id, judgement = args.judge
            try:
                record_judgement(con, record_id, enterprise_id, judgement, args.who or "", path)
            except ValueError as exc:
                print(f"  ! {exc}", file=sys.stderr)
                return 1
            print(f"  {record_id} → {enterprise_id}: {judgement} ({args.who}); `qingtian match` applies it")
            return 0
        if args.list or args.unsure or not sys.stdin.isatty():
            pairs = pending_pairs(con, path, unsure=args.unsure)
            for pair in pairs:
                print(describe(pair))
            print(f"{len(pairs)} {'unsure' if args.unsure else 'pending'} pairs")
            return 0
        if not args.who:
            print("  ! say who judges: --who NAME", file=sys.stderr)
            return 1
        interactive(con, args.who, path)
        return 0
    finally:
        con.close()

