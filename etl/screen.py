"""`qingtian screen`: match a list of companies (CSV or XLSX) against the warehouse or a registry.

`--report out.html|out.xlsx` also writes a report a person reads: per input row the matched company, the
reason, its open and serious records and latest credit grade (the columns of the site's screening page); the
HTML report is one standalone file (inline CSS, no external requests).

The list needs a `name` column; `uscc`, `address` and `region` are used where present. The reference is the
warehouse's enterprises (`marts.enterprises`, the default) or a registry CSV/XLSX with `uscc` and `name`
(optionally `address`, `region`). Each input row gets the enterprise it matched, by the rules of
`qingtian match`: `uscc_exact`, `org_code`, then names blocked by region in three bands (`auto`, `review`:
the best candidate, to be checked; `new`: nothing close enough).
"""

from __future__ import annotations

import argparse
import html
import sys
from collections import defaultdict
from datetime import date
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
            frame = pd.DataFrame(cursor.fetchall(), columns=columns, dtype=object)
        finally:
            con.close()
        return cls(frame.where(frame.notna(), None))  # a column with no address at all is NaN, not None

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


# ------------------------------------------------------------------------------------------------ reports

REPORT_COLUMNS = ["#", "输入 Input row", "匹配企业 Matched company", "统一社会信用代码 USCC", "依据 Reason",
                  "未整改记录 Open records", "严重违法（2年）Serious (2 y)", "信用评价 Credit grade"]
METHOD_LABELS = {
    "uscc_exact": "统一社会信用代码一致 USCC exact",
    "uscc_repaired": "统一社会信用代码（已修正）USCC repaired",
    "org_code": "组织机构代码一致 organisation code",
    "name_exact": "名称一致 name exact",
}
GRADE_LABELS = {"green": "绿牌 green", "blue": "蓝牌 blue", "yellow": "黄牌 yellow", "red": "红牌 red",
                "black": "黑牌 black"}
_REPORT_CSS = """
body { font: 14px/1.5 system-ui, sans-serif; margin: 2rem; color: #1d2a33; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #d5dde3; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #eef3f6; }
td.num { text-align: right; }
tr.band-review td { background: #fff8e6; }
tr.band-new td { color: #6b7a86; }
"""


def reason(method: str | None, score: float | None, band: str | None) -> str:
    """The reason column, as the site's screening page words it."""
    if band == "new" or method is None:
        return "未匹配 no match"
    if method == "name_fuzzy":
        return f"名称相似 name {score:.2f}"
    if method == "name_candidate":
        return f"待核对 to check: name {score:.2f}"
    return METHOD_LABELS.get(method, method)


def enterprise_facts(path: Path | None = None, as_of: date | None = None) -> dict[str, dict[str, object]]:
    """Open and serious records and the latest credit grade per enterprise in the warehouse."""
    from etl import risk  # etl.risk matches borrowers with this module

    con = connect(path, read_only=True)
    try:
        rows = con.execute("SELECT enterprise_id, serious_2y, credit_grade FROM marts.enterprises").fetchall()
        open_counts = risk.open_record_counts(con, as_of or date.today())
    finally:
        con.close()
    return {eid: {"open": open_counts.get(eid, 0), "serious": int(serious or 0), "grade": grade}
            for eid, serious, grade in rows}


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def report_rows(result: pd.DataFrame, facts: dict[str, dict[str, object]]) -> list[list[object]]:
    rows = []
    for n, row in enumerate(result.to_dict("records"), 1):
        eid = _text(row.get("enterprise_id")) or None
        f = facts.get(eid or "", {})
        score = row.get("score")
        score = None if score is None or score != score else float(score)
        place = _text(row.get("region")) or _text(row.get("address"))
        rows.append([
            n, " · ".join(x for x in (_text(row.get("name")), _text(row.get("uscc")), place) if x),
            _text(row.get("matched_name")) or "—", _text(row.get("matched_uscc")) or "—",
            reason(_text(row.get("method")) or None, score, row.get("band")),
            f.get("open", "—") if eid else "—", f.get("serious", "—") if eid else "—",
            GRADE_LABELS.get(str(f.get("grade")), _text(f.get("grade")) or "—") if eid else "—",
        ])
    return rows


def write_report(result: pd.DataFrame, path: Path, facts: dict[str, dict[str, object]]) -> None:
    """The screening results as a standalone HTML page or an XLSX workbook (by the file's suffix)."""
    rows = report_rows(result, facts)
    bands = list(result["band"])
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        import openpyxl
        from openpyxl.styles import Font

        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "screening"
        sheet.append(REPORT_COLUMNS)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
        book.save(path)
        return
    if path.suffix.lower() not in (".html", ".htm"):
        raise ValueError(f"{path}: a report is .html or .xlsx")
    counts = {b: bands.count(b) for b in ("auto", "review", "new")}
    head = "".join(f"<th scope=\"col\">{html.escape(c)}</th>" for c in REPORT_COLUMNS)
    body = "\n".join(
        f"<tr class=\"band-{html.escape(str(band))}\">" + "".join(
            f"<td class=\"num\">{html.escape(str(v))}</td>" if i in (0, 5, 6) else f"<td>{html.escape(str(v))}</td>"
            for i, v in enumerate(row)) + "</tr>"
        for row, band in zip(rows, bands, strict=True))
    path.write_text(f"""<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><title>供应商筛查 Supplier screening</title>
<style>{_REPORT_CSS}</style></head>
<body>
<h1>供应商筛查 <span lang="en">Supplier screening</span></h1>
<p>{len(rows)} 行 rows: {counts["auto"]} 匹配 matched, {counts["review"]} 待核对 to check, {counts["new"]}
未匹配 no match. 生成于 <span lang="en">Made</span> {date.today().isoformat()} (qingtian screen).</p>
<table>
<thead><tr>{head}</tr></thead>
<tbody>
{body}
</tbody>
</table>
</body>
</html>
""", encoding="utf-8")


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
    if getattr(args, "report", None):
        report = Path(args.report)
        try:
            facts = {} if against is not None and against.suffix.lower() in (".csv", ".xlsx", ".xlsm") \
                else enterprise_facts(against)
            write_report(result, report, facts)
        except ValueError as exc:
            print(f"  ! {exc}", file=sys.stderr)
            return 1
        print(f"  report → {report}")
        if not args.out:
            return 0
    if args.out:
        result.to_csv(args.out, index=False, encoding="utf-8")
        counts = result["band"].value_counts().to_dict()
        print(f"  {len(result)} rows → {args.out}: " + ", ".join(f"{n} {b}" for b, n in sorted(counts.items())))
    else:
        result.to_csv(sys.stdout, index=False)
    return 0

