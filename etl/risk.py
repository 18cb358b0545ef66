"""Green-credit check for banks: a risk score per enterprise from its public record, as of a date.

The weights, windows and level thresholds are data (`risk.yml` beside this module), published on the site
(risk.html). Every flag lists its evidence (record ids, dates, URLs of the source documents), and only
records dated on or before the as-of date count, so a score can be reproduced for a past loan decision.

`qingtian risk BORROWERS.csv` matches a borrower list as `qingtian screen` does and scores each borrower
linked to an enterprise.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from etl.match import AUTO
from etl.screen import Reference, read_table, screen
from etl.warehouse import connect

CONFIG_PATH = Path(__file__).with_suffix(".yml")
CONFIG: dict[str, Any] = yaml.safe_load(CONFIG_PATH.read_text(encoding="utf-8"))

Evidence = dict[str, Any]  # record_id, date, url (+ what the flag needs: grade, day …)


@dataclass
class Flag:
    code: str
    label_zh: str
    label_en: str
    weight: float
    rule: str
    count: float  # units counted: records, days, grade units
    points: float
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def raised(self) -> bool:
        return self.points > 0


@dataclass
class Risk:
    enterprise_id: str
    as_of: date
    score: float
    level: str
    flags: list[Flag]

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["as_of"] = self.as_of.isoformat()
        for f in out["flags"]:
            f["raised"] = f["points"] > 0
        return out


# ------------------------------------------------------------------------------------------ windows


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
                            "AND table_name = ?", [schema, name]).fetchall()[0][0])


def _grouped(rows: Iterable[tuple[Any, ...]]) -> dict[str, list[Evidence]]:
    out: dict[str, list[Evidence]] = defaultdict(list)
    for eid, record_id, day, url, *extra in rows:
        item: Evidence = {"record_id": record_id, "date": day.isoformat() if day else None, "url": url}
        if extra:
            item["detail"] = extra[0]
        out[eid].append(item)
    return out


# -------------------------------------------------------------------------------------- evidence per flag
# Each reader: (con, enterprise ids, as_of, the flag's YAML) → enterprise → evidence, dated ≤ as_of.


def _serious(con: duckdb.DuckDBPyConnection, ids: list[str], as_of: date, spec: dict[str, Any]
             ) -> dict[str, list[Evidence]]:
    return _grouped(con.execute(
        "SELECT enterprise_id, record_id, decision_date, url, array_to_string(serious_reasons, ',') "
        "FROM marts.penalties WHERE enterprise_id IN (SELECT unnest(?)) AND serious "
        "AND decision_date > ? AND decision_date <= ? ORDER BY enterprise_id, decision_date, record_id",
        [ids, years_before(as_of, int(spec["window_years"])), as_of]).fetchall())


def _exceedances(con: duckdb.DuckDBPyConnection, ids: list[str], as_of: date, spec: dict[str, Any]
                 ) -> dict[str, list[Evidence]]:
    since = months_before(as_of, int(spec["window_months"]))
    # one piece of evidence per exceedance day: its first exceeding value
    return _grouped(con.execute(
        "SELECT enterprise_id, arg_min(record_id, record_id), day, arg_min(url, record_id), "
        "string_agg(DISTINCT pollutant_name, ',' ORDER BY pollutant_name) "
        "FROM marts.monitoring_values WHERE enterprise_id IN (SELECT unnest(?)) AND exceeded "
        "AND day > ? AND day <= ? GROUP BY enterprise_id, day ORDER BY enterprise_id, day",
        [ids, since, as_of]).fetchall())


def _rating(con: duckdb.DuckDBPyConnection, ids: list[str], as_of: date, spec: dict[str, Any]
            ) -> dict[str, list[Evidence]]:
    # a rating counts from its notice's date (when unknown: 1 January of the year after the rated year)
    rows = con.execute(
        "SELECT enterprise_id, arg_max(record_id, (published, record_id)), max(published), "
        "arg_max(coalesce(notice_url, url), (published, record_id)), arg_max(grade, (published, record_id)) "
        "FROM (SELECT *, coalesce(notice_date, make_date(year + 1, 1, 1)) AS published FROM marts.credit_ratings) "
        "WHERE enterprise_id IN (SELECT unnest(?)) AND published <= ? AND published > ? GROUP BY enterprise_id",
        [ids, as_of, years_before(as_of, int(spec["max_age_years"]))]).fetchall()
    return _grouped(rows)


def _unresolved(con: duckdb.DuckDBPyConnection, ids: list[str], as_of: date, spec: dict[str, Any]
                ) -> dict[str, list[Evidence]]:
    if _has_table(con, "marts", "record_status"):
        return _grouped(con.execute(
            "SELECT p.enterprise_id, p.record_id, p.decision_date, p.url, 'open' FROM marts.penalties p "
            "JOIN marts.record_status s USING (record_id) WHERE s.status = 'open' "
            "AND p.enterprise_id IN (SELECT unnest(?)) AND p.decision_date <= ? "
            "ORDER BY p.enterprise_id, p.decision_date, p.record_id", [ids, as_of]).fetchall())
    return _grouped(con.execute(
        "SELECT enterprise_id, record_id, decision_date, url FROM marts.penalties "
        "WHERE enterprise_id IN (SELECT unnest(?)) AND decision_date > ? AND decision_date <= ? "
        "ORDER BY enterprise_id, decision_date, record_id",
        [ids, years_before(as_of, int(spec["window_years"])), as_of]).fetchall())


def _orders(con: duckdb.DuckDBPyConnection, ids: list[str], as_of: date, spec: dict[str, Any]
            ) -> dict[str, list[Evidence]]:
    return _grouped(con.execute(
        "SELECT enterprise_id, record_id, decision_date, url FROM marts.correction_orders "
        "WHERE enterprise_id IN (SELECT unnest(?)) AND decision_date > ? AND decision_date <= ? "
        "ORDER BY enterprise_id, decision_date, record_id",
        [ids, years_before(as_of, int(spec["window_years"])), as_of]).fetchall())


def _count_records(evidence: list[Evidence], spec: dict[str, Any]) -> float:
    return len(evidence)


def _count_days(evidence: list[Evidence], spec: dict[str, Any]) -> float:
    return len(evidence) if len(evidence) >= int(spec["min_days"]) else 0


def _grade_units(evidence: list[Evidence], spec: dict[str, Any]) -> float:
    return float(spec["grades"].get(evidence[0]["detail"], 0)) if evidence else 0


Reader = Callable[..., dict[str, list[Evidence]]]
Counter = Callable[[list[Evidence], dict[str, Any]], float]
READERS: dict[str, tuple[Reader, Counter]] = {
    "serious_violations": (_serious, _count_records),
    "repeat_exceedances": (_exceedances, _count_days),
    "credit_rating": (_rating, _grade_units),
    "unresolved_records": (_unresolved, _count_records),
    "correction_orders": (_orders, _count_records),
}


# ------------------------------------------------------------------------------------------ scoring


def level_of(score: float, config: dict[str, Any]) -> str:
    reached = [(threshold, name) for name, threshold in config["levels"].items() if score >= threshold]
    return max(reached)[1] if reached else "low"


def compute_many(con: duckdb.DuckDBPyConnection, enterprise_ids: list[str], as_of: date,
                 config: dict[str, Any] | None = None) -> dict[str, Risk]:
    """The risk of each enterprise as of `as_of` (records dated after it are ignored)."""
    config = config or CONFIG
    ids = sorted(set(enterprise_ids))
    per_flag = {}
    for code, spec in config["flags"].items():
        if code not in READERS:
            raise ValueError(f"risk.yml: unknown flag {code!r} (known: {', '.join(READERS)})")
        per_flag[code] = READERS[code][0](con, ids, as_of, spec) if ids else {}
    out = {}
    for eid in ids:
        flags = []
        for code, spec in config["flags"].items():
            evidence = per_flag[code].get(eid, [])
            count = READERS[code][1](evidence, spec)
            points = min(float(spec["cap"]), float(spec["weight"]) * count)
            flags.append(Flag(code, spec["label"]["zh"], spec["label"]["en"], float(spec["weight"]),
                              " ".join(str(spec["rule"]).split()), count, round(points, 2), evidence))
        score = round(min(float(config["max_score"]), sum(f.points for f in flags)), 2)
        out[eid] = Risk(eid, as_of, score, level_of(score, config), flags)
    return out


def compute(con: duckdb.DuckDBPyConnection, enterprise_id: str, as_of: date,
            config: dict[str, Any] | None = None) -> Risk:
    return compute_many(con, [enterprise_id], as_of, config)[enterprise_id]


def open_record_counts(con: duckdb.DuckDBPyConnection, as_of: date,
                       config: dict[str, Any] | None = None) -> dict[str, int]:
    """Unresolved records per enterprise, by the `unresolved_records` rule."""
    config = config or CONFIG
    ids = [r[0] for r in con.execute("SELECT enterprise_id FROM marts.enterprises").fetchall()]
    found = _unresolved(con, ids, as_of, config["flags"]["unresolved_records"]) if ids else {}
    return {eid: len(v) for eid, v in found.items()}


# ---------------------------------------------------------------------------------------------- CLI

RESULT_COLUMNS = ["enterprise_id", "matched_name", "method", "band", "as_of", "score", "level", "flags",
                  "evidence"]


def assess(rows: pd.DataFrame, as_of: date, db_path: Path | None = None,
           config: dict[str, Any] | None = None) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Borrowers matched to enterprises (auto band only) and scored: a table and the full JSON records."""
    screened = screen(rows, Reference.from_warehouse(db_path))
    linked = [e for e, b in zip(screened["enterprise_id"], screened["band"], strict=True) if e and b == AUTO]
    con = connect(db_path, read_only=True)
    try:
        risks = compute_many(con, linked, as_of, config)
    finally:
        con.close()
    table, records = [], []
    inputs = rows.to_dict("records")
    for inp, row in zip(inputs, screened.to_dict("records"), strict=True):
        risk = risks.get(row["enterprise_id"]) if row["band"] == AUTO else None
        raised = [f for f in risk.flags if f.raised] if risk else []
        table.append({
            **inp,
            "enterprise_id": row["enterprise_id"], "matched_name": row["matched_name"], "method": row["method"],
            "band": row["band"], "as_of": as_of.isoformat(),
            "score": risk.score if risk else None, "level": risk.level if risk else None,
            "flags": ";".join(f"{f.code}:{f.points:g}" for f in raised),
            "evidence": json.dumps({f.code: [e["record_id"] for e in f.evidence] for f in raised},
                                   ensure_ascii=False) if risk else None,
        })
        records.append({"input": inp, "enterprise_id": row["enterprise_id"], "matched_name": row["matched_name"],
                        "method": row["method"], "band": row["band"],
                        "risk": risk.as_json() if risk else None})
    return pd.DataFrame(table, columns=[*rows.columns, *RESULT_COLUMNS]), records


def cmd_risk(args: argparse.Namespace) -> int:
    try:
        as_of = date.fromisoformat(args.as_of) if args.as_of else date.today()
        table, records = assess(read_table(Path(args.list)), as_of,
                                Path(args.warehouse) if getattr(args, "warehouse", None) else None)
    except (ValueError, FileNotFoundError) as exc:
        print(f"  ! {exc}", file=sys.stderr)
        return 1
    if args.out and args.out.lower().endswith(".json"):
        Path(args.out).write_text(json.dumps(records, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    elif args.out:
        table.to_csv(args.out, index=False, encoding="utf-8")
    else:
        table.to_csv(sys.stdout, index=False)
    if args.out:
        levels = table["level"].fillna("unmatched").value_counts().to_dict()
        print(f"  {len(table)} borrowers as of {as_of} → {args.out}: "
              + ", ".join(f"{n} {k}" for k, n in sorted(levels.items())))
    return 0
