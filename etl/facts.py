"""Violation taxonomy and severity: the same rules, kept as data (`etl/violations.yml`), for every record.

`classify()` reads a penalty's facts text, the provisions it cites and its penalty types, and returns the
violation categories, whether the record is serious and why, and the largest exceedance multiple it states.
`build()` is the warehouse's Python model `intermediate.record_violations`, run before the marts.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml

from etl.workers import pool

RULES = Path(__file__).with_name("violations.yml")
_MULTIPLE = re.compile(r"超标\s*(\d+(?:\.\d+)?)\s*倍")
_TONNES = re.compile(r"(\d+(?:\.\d+)?)\s*吨")
_SENTENCE = re.compile(r"[。；;\n]")


@dataclass(frozen=True)
class Classification:
    violation_types: tuple[str, ...]
    serious: bool
    serious_reasons: tuple[str, ...]
    exceedance_multiple: float | None


@dataclass(frozen=True)
class _Rule:
    code: str
    pattern: re.Pattern[str] | None  # the rule's patterns as one alternation: one search per rule, not one each
    penalty_types: frozenset[str]
    categories: frozenset[str]
    requires: frozenset[str]
    pollutants: re.Pattern[str] | None
    min_multiple: float | None
    min_tonnes: float | None


def _rule(spec: dict[str, Any]) -> _Rule:
    pollutants = spec.get("pollutants")
    return _Rule(
        code=spec["code"],
        pattern=re.compile("|".join(f"(?:{p})" for p in spec["patterns"])) if spec.get("patterns") else None,
        penalty_types=frozenset(spec.get("penalty_types", [])),
        categories=frozenset(spec.get("categories", [])),
        requires=frozenset(spec.get("requires", [])),
        pollutants=re.compile("|".join(pollutants)) if pollutants else None,
        min_multiple=spec.get("min_multiple"),
        min_tonnes=spec.get("min_tonnes"),
    )


@cache
def taxonomy() -> tuple[tuple[_Rule, ...], tuple[_Rule, ...], dict[str, dict[str, str]]]:
    """(category rules, serious rules, labels by code) from the YAML."""
    spec = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    labels = {r["code"]: {"label": r["label"], "label_en": r["label_en"]} for r in spec["categories"]}
    serious_labels = {f"serious:{r['code']}": {"label": r["label"], "label_en": r["label_en"]}
                      for r in spec["serious"]}
    return (tuple(_rule(r) for r in spec["categories"]), tuple(_rule(r) for r in spec["serious"]),
            {**labels, **serious_labels})


def _max_multiple(text: str) -> float | None:
    found = [float(m) for m in _MULTIPLE.findall(text)]
    return max(found) if found else None


def _heavy_multiple(text: str, pollutants: re.Pattern[str]) -> float | None:
    """The largest multiple stated in a sentence that names one of `pollutants`."""
    found = [m for sentence in _SENTENCE.split(text) if pollutants.search(sentence)
             for m in [_max_multiple(sentence)] if m is not None]
    return max(found) if found else None


def classify(text: str, penalty_types: list[str] | tuple[str, ...] = ()) -> Classification:
    categories_rules, serious_rules, _ = taxonomy()
    multiple = _max_multiple(text)
    types = set(penalty_types)
    categories = [r.code for r in categories_rules
                  if (r.pattern is not None and r.pattern.search(text)) or types & r.penalty_types]
    found = set(categories)
    reasons = []
    for rule in serious_rules:
        if rule.requires and not rule.requires <= found:
            continue
        hit = bool(found & rule.categories) or bool(types & rule.penalty_types)
        if rule.pattern is not None and rule.pattern.search(text) and (
            rule.min_tonnes is None or _tonnes(text) >= rule.min_tonnes
        ):
            hit = True
        # a text that states no multiple has none in any of its sentences
        if rule.pollutants is not None and rule.min_multiple is not None and multiple is not None:
            heavy = _heavy_multiple(text, rule.pollutants)
            hit = hit or (heavy is not None and heavy >= rule.min_multiple)
        if hit:
            reasons.append(rule.code)
    return Classification(tuple(categories) or ("other",), bool(reasons), tuple(reasons), multiple)


# Fewer distinct texts than this are classified in this process (starting workers would cost more).
PARALLEL_FROM = 20_000


def _classify_all(keys: list[tuple[str, tuple[str, ...]]]) -> list[Classification]:
    workers = min(os.cpu_count() or 1, 8)
    if len(keys) < PARALLEL_FROM or workers < 2:
        return _classify_chunk(keys)
    size = -(-len(keys) // (workers * 4))
    chunks = [keys[i:i + size] for i in range(0, len(keys), size)]
    with pool(workers) as executor:
        return [result for chunk in executor.map(_classify_chunk, chunks) for result in chunk]


def _classify_chunk(keys: list[tuple[str, tuple[str, ...]]]) -> list[Classification]:
    return [classify(text, types) for text, types in keys]


COLUMNS = ("record_id", "violation_types", "serious", "serious_reasons", "exceedance_multiple")


def _append(columns: dict[str, list[Any]], *row: Any) -> None:
    for name, value in zip(COLUMNS, row, strict=True):
        columns[name].append(value)


def _exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    return bool(con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?", [schema, name]
    ).fetchall()[0][0])


def _tonnes(text: str) -> float:
    found = [float(t) for t in _TONNES.findall(text)]
    return max(found) if found else 0.0


@cache
def _rating_rules() -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    spec = yaml.safe_load(RULES.read_text(encoding="utf-8"))["credit_ratings"]
    return frozenset(spec["serious_grades"]), tuple(re.compile(p) for p in spec["yellow_serious_patterns"])


def rating_severity(grade: str | None, reasons: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Why a credit rating counts as serious (empty when it does not)."""
    grades, yellow = _rating_rules()
    if grade in grades:
        return ("credit_red_black",)
    if grade == "yellow" and any(p.search(r) for r in reasons for p in yellow):
        return ("credit_yellow_pollution",)
    return ()


def build(con: duckdb.DuckDBPyConnection) -> None:
    """`intermediate.record_violations`: one row per penalty record and per credit rating."""
    rows = con.execute(
        "SELECT record_id, coalesce(facts, ''), coalesce(laws_violated, []), coalesce(penalty_types, []), "
        "coalesce(title, '') FROM intermediate.int_penalties ORDER BY record_id"
    ).fetchall()
    columns: dict[str, list[Any]] = {c: [] for c in COLUMNS}
    # Each distinct text is classified once (the same decision is often republished: a bureau's column and
    # Credit China), on every core when there are many: the regular expressions are the cost.
    keys = [("\n".join([title, facts, *laws]), tuple(types)) for _, facts, laws, types, title in rows]
    distinct = list(dict.fromkeys(keys))
    found = dict(zip(distinct, _classify_all(distinct), strict=True))
    for (record_id, *_), key in zip(rows, keys, strict=True):
        result = found[key]
        _append(columns, record_id, list(result.violation_types), result.serious, list(result.serious_reasons),
                result.exceedance_multiple)
    ratings = con.execute(
        "SELECT record_id, grade, coalesce(reasons, []) FROM intermediate.int_credit_ratings ORDER BY record_id"
    ).fetchall() if _exists(con, "intermediate", "int_credit_ratings") else []
    for record_id, grade, reasons in ratings:
        why = rating_severity(grade, reasons)
        _append(columns, record_id, [f"credit_{grade}"] if grade else [], bool(why), list(why), None)
    frame = pd.DataFrame(columns, columns=list(COLUMNS))
    con.register("incoming_violations", frame)
    con.execute(
        "CREATE OR REPLACE TABLE intermediate.record_violations AS SELECT record_id, "
        "CAST(violation_types AS VARCHAR[]) AS violation_types, CAST(serious AS BOOLEAN) AS serious, "
        "CAST(serious_reasons AS VARCHAR[]) AS serious_reasons, "
        "CAST(exceedance_multiple AS DOUBLE) AS exceedance_multiple FROM incoming_violations"
    )
    con.unregister("incoming_violations")
