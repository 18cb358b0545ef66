"""`qingtian match`: link every record that names an enterprise to that enterprise, saying why.

The USCC is the key (DESIGN: Identity and matching). A record with a valid code links by `uscc_exact`.
A record that prints an old 9-character organisation code (GB 11714) links by `org_code` where exactly one
known enterprise carries that code at positions 9–17 of its USCC. Every other record is kept and listed as
unmatched with the reason its code could not be used.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import duckdb
import pandas as pd

from crawlers.helpers import uscc
from etl.warehouse import connect, run_models


class NamedRecord(NamedTuple):
    record_id: str
    source: str
    kind: str
    name: str | None
    code_printed: str | None


@dataclass
class MatchResult:
    records: int
    linked: dict[str, int]
    unmatched: int
    enterprises: int


def link_records(records: list[NamedRecord]) -> pd.DataFrame:
    """One link row per record: the enterprise it names (or None), how, and what its code looked like."""
    checks = [uscc.check(record.code_printed) for record in records]
    known = {c.code for c in checks if c.code}
    by_org_code: dict[str, set[str]] = defaultdict(set)
    for code in known:
        by_org_code[code[8:17]].add(code)
    rows = []
    for record, result in zip(records, checks, strict=True):
        enterprise_id = method = score = None
        status, reason = result.status, result.reason
        if result.code:
            enterprise_id, method, score = result.code, "uscc_exact", 1.0
        elif status == "invalid" and uscc.is_valid_org_code(uscc.compact(result.printed)):
            status = "org_code"
            owners = by_org_code.get(uscc.compact(result.printed), set())
            if len(owners) == 1:
                enterprise_id, method, score = next(iter(owners)), "org_code", 1.0
                reason = "old organisation code (GB 11714) = positions 9-17 of the USCC"
            else:
                reason = f"old organisation code held by {len(owners)} known enterprises"
        rows.append({
            "record_id": record.record_id, "source": record.source, "kind": record.kind, "name": record.name,
            "code_printed": record.code_printed, "code_status": status, "code_reason": reason or None,
            "enterprise_id": enterprise_id, "method": method, "score": score,
        })
    return pd.DataFrame(rows, columns=["record_id", "source", "kind", "name", "code_printed", "code_status",
                                       "code_reason", "enterprise_id", "method", "score"])


def match(db_path: Path | None = None) -> MatchResult:
    con = connect(db_path)
    try:
        con.execute("BEGIN TRANSACTION")
        run_models(con, ("staging", "intermediate"))
        records = [NamedRecord(*row) for row in con.execute(
            "SELECT record_id, source, kind, name, code_printed FROM intermediate.int_named_records "
            "ORDER BY record_id"
        ).fetchall()]
        links = link_records(records)
        _replace_links(con, links)
        run_models(con, ("marts",))
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    linked = links["method"].value_counts().to_dict()
    return MatchResult(
        records=len(links),
        linked={str(k): int(v) for k, v in linked.items()},
        unmatched=int(links["enterprise_id"].isna().sum()),
        enterprises=int(links["enterprise_id"].nunique()),
    )


def _replace_links(con: duckdb.DuckDBPyConnection, links: pd.DataFrame) -> None:
    con.execute("DELETE FROM intermediate.record_links")
    if len(links):
        con.register("incoming_links", links)
        con.execute("INSERT INTO intermediate.record_links SELECT * FROM incoming_links")
        con.unregister("incoming_links")
