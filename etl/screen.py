"""`qingtian screen`: match a list of companies (CSV or XLSX) against the warehouse or a registry.

The list needs a `name` column; `uscc`, `address` and `region` are used where present. The reference is the
warehouse's enterprises (`marts.enterprises`, the default) or a registry CSV/XLSX with `uscc` and `name`
(optionally `address`, `region`). Each input row gets the enterprise it matched, by the rules of
`qingtian match`: `uscc_exact`, `org_code`, then names blocked by region in three bands (`auto`, `review`:
the best candidate, to be checked; `new`: nothing close enough).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import pandas as pd

from etl.match import AUTO, REVIEW, NameIndex, Query, record_region
from etl.normalise import ORG_CODE, VALID, Name, normalise_name, repair_code
from etl.warehouse import connect

OUT_COLUMNS = ["enterprise_id", "matched_uscc", "matched_name", "method", "score", "band", "code_status",
               "code_reason"]


def read_table(path: Path) -> pd.DataFrame:
    """A CSV or XLSX file as text columns, lower-cased names, empty cells as None."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        frame = pd.read_excel(path, dtype=str, engine="openpyxl")
    else:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.replace({"": None})


class Reference:
    """Enterprises to screen against: ids, USCCs, names and places."""

    def __init__(self, rows: pd.DataFrame) -> None:
        self.names: dict[str, str] = {}
        self.uscc: dict[str, str | None] = {}
        by_id_names: dict[str, list[Name]] = defaultdict(list)
        places: dict[str, set[str]] = defaultdict(set)
        for row in rows.to_dict("records"):
            eid = row["enterprise_id"]
            self.names.setdefault(eid, row["name"])
            self.uscc[eid] = row.get("uscc")
            for name in [row["name"], *(row.get("aliases") or [])]:
                parsed = normalise_name(name)
                if parsed.core and parsed.key not in {n.key for n in by_id_names[eid]}:
                    by_id_names[eid].append(parsed)
            if row.get("region_code"):
                places[eid].add(row["region_code"])
            if region := record_region(row.get("region"), row.get("address")):
                places[eid].add(region)
        ids = list(self.names)
        self.index = NameIndex(ids, [by_id_names[i] for i in ids], [places[i] for i in ids])
        self.by_uscc = {u: eid for eid, u in self.uscc.items() if u}
        self.by_org_code: dict[str, set[str]] = defaultdict(set)
        for u, eid in self.by_uscc.items():
            self.by_org_code[u[8:17]].add(eid)

    @classmethod
    def from_warehouse(cls, path: Path | None = None) -> Reference:
        con = connect(path, read_only=True)
        try:
            cursor = con.execute("SELECT enterprise_id, uscc, name, aliases, region_code, address "
                                 "FROM marts.enterprises ORDER BY enterprise_id")
            columns = [d[0] for d in cursor.description]
            frame = pd.DataFrame(cursor.fetchall(), columns=columns)
        finally:
            con.close()
        return cls(frame)

    @classmethod
    def from_registry(cls, path: Path) -> Reference:
        frame = read_table(path)
        missing = {"uscc", "name"} - set(frame.columns)
        if missing:
            raise ValueError(f"{path}: the registry needs columns {', '.join(sorted(missing))}")
        frame["uscc"] = [repair_code(c).uscc for c in frame["uscc"]]
        frame = frame[frame["uscc"].notna()].copy()
        frame["enterprise_id"] = frame["uscc"]
        frame["region_code"] = frame["uscc"].str[2:8]
        return cls(frame)


def screen(rows: pd.DataFrame, reference: Reference) -> pd.DataFrame:
    """The input rows with the columns of OUT_COLUMNS added."""
    if "name" not in rows.columns:
        raise ValueError("the list needs a `name` column")
    out: list[dict[str, object]] = [dict.fromkeys(OUT_COLUMNS) for _ in range(len(rows))]
    pending: list[int] = []
    queries: list[Query] = []
    for i, row in enumerate(rows.to_dict("records")):
        code = repair_code(row.get("uscc"))
        out[i].update(code_status=code.status, code_reason=code.reason or None)
        eid = None
        if code.uscc and code.uscc in reference.by_uscc:
            eid, method = reference.by_uscc[code.uscc], "uscc_exact" if code.status == VALID else "uscc_repaired"
        elif code.status == ORG_CODE and len(owners := reference.by_org_code.get(code.used or "", set())) == 1:
            eid, method = next(iter(owners)), "org_code"
        if eid is not None:
            out[i].update(enterprise_id=eid, method=method, score=1.0, band=AUTO)
            continue
        name = normalise_name(row.get("name"))
        region = record_region(row.get("region"), row.get("address"), name=name)
        if code.uscc and region is None:
            region = code.uscc[2:8]
        pending.append(i)
        queries.append(Query(f"row{i}", name, region))
    for i, decision in zip(pending, reference.index.match(queries), strict=True):
        if decision.band == AUTO:
            out[i].update(enterprise_id=decision.enterprise_id, method=decision.method, score=decision.score,
                          band=AUTO)
        elif decision.band == REVIEW:
            best, score = decision.candidates[0]
            out[i].update(enterprise_id=best, method="name_candidate", score=score, band=REVIEW)
        else:
            out[i].update(band="new")
    for row in out:
        if row["enterprise_id"] is not None:
            row["matched_uscc"] = reference.uscc.get(str(row["enterprise_id"]))
            row["matched_name"] = reference.names.get(str(row["enterprise_id"]))
    result = rows.copy()
    for column in OUT_COLUMNS:
        result[column] = [row[column] for row in out]
    return result


def cmd_screen(args: argparse.Namespace) -> int:
    against = Path(args.against) if args.against else None
    try:
        if against is not None and against.suffix.lower() in (".csv", ".xlsx", ".xlsm"):
            reference = Reference.from_registry(against)
        else:
            reference = Reference.from_warehouse(against)
        result = screen(read_table(Path(args.list)), reference)
    except (ValueError, FileNotFoundError) as exc:
        print(f"  ! {exc}", file=sys.stderr)
        return 1
    if args.out:
        result.to_csv(args.out, index=False, encoding="utf-8")
        counts = result["band"].value_counts().to_dict()
        print(f"  {len(result)} rows → {args.out}: " + ", ".join(f"{n} {b}" for b, n in sorted(counts.items())))
    else:
        result.to_csv(sys.stdout, index=False)
    return 0

