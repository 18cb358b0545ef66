"""`qingtian match`: link every record that names an enterprise to that enterprise, saying why.

The USCC is the key (DESIGN: Identity and matching), in this order:

1. `uscc_exact`: the printed code is valid; `uscc_repaired`: repaired where exactly one valid reading
   exists (`etl.normalise.repair_code`; `code_reason` says how).
2. `org_code`: an old 9-character organisation code (GB 11714) held at positions 9–17 by exactly one
   known enterprise.
3. `reviewer`: a positive judgement in `warehouse/judgements.csv` (see `etl/review.py`).
4. By name, against the enterprises known by code, blocked by region (the record's region text, address or
   the places its name mentions → city `xxxx`, else province `xx`): `name_exact` when the normalised keys
   are equal, else rapidfuzz scores of the name cores in three bands (`match.yml`): `name_fuzzy` (auto-link),
   `review` (a pending pair, not linked until judged) and `provisional`: a new enterprise whose id is
   `P-` + a hash of the normalised name and the region block, stable across runs.

Branches (分公司) never match their parent; place hints that contradict each other (`（灌云）` against
`（夏邑）`) never match. A negative judgement removes the pair for good; an unsure one keeps the record pending
without asking again (`qingtian review --list --unsure` shows them for a second opinion).
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import duckdb
import numpy as np
import pandas as pd
import yaml
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from etl import crashpoint, ledger
from etl.normalise import (
    MASKED,
    ORG_CODE,
    VALID,
    CodeResult,
    Name,
    any_compatible,
    code_region,
    common_code,
    compatible,
    is_enterprise_name,
    level,
    normalise_name,
    repair_code,
    resolve_region,
)
from etl.warehouse import WAREHOUSE, connect, run_models, scalar

THRESHOLDS: dict[str, float] = yaml.safe_load(Path(__file__).with_suffix(".yml").read_text(encoding="utf-8"))
JUDGEMENTS = WAREHOUSE / "judgements.csv"
JUDGEMENT_COLUMNS = ["record_id", "enterprise_id", "judgement", "who", "at", "score", "record_name", "enterprise_name"]

AUTO, REVIEW, NEW = "auto", "review", "new"
LINK_COLUMNS = ["record_id", "source", "kind", "name", "code_printed", "code_used", "code_status", "code_reason",
                "region_code", "enterprise_id", "method", "score"]
CANDIDATE_COLUMNS = ["record_id", "enterprise_id", "score", "rank", "judgement"]


class NamedRecord(NamedTuple):
    record_id: str
    source: str
    kind: str
    name: str | None
    code_printed: str | None
    address: str | None = None
    region_text: str | None = None


@dataclass
class MatchResult:
    records: int
    linked: dict[str, int]
    unmatched: int
    enterprises: int
    review: int = 0
    provisional: int = 0


# ------------------------------------------------------------------------------------------ name matching


def block_of(region: str | None) -> str:
    """The blocking key of a division code: its city `xxxx`, or its province `xx`; '' when unknown."""
    if region is None:
        return ""
    return region[:4] if level(region) >= 2 else region[:2]


def provisional_id(name: Name, region: str | None) -> str:
    digest = hashlib.blake2b(f"{name.key}|{block_of(region)}".encode(), digest_size=6).hexdigest()
    return f"P-{digest}"


def record_region(*places: str | None, name: Name | None = None) -> str | None:
    """The most specific division the record's place texts (then its name) agree on."""
    found: str | None = None
    resolved = [resolve_region(p) for p in places]
    if name is not None and name.regions:
        resolved.append(common_code(name.regions))
    for code in resolved:
        if code is None:
            continue
        if found is None or (compatible(found, code) and level(code) > level(found)):
            found = code
    return found


@dataclass(frozen=True)
class Query:
    key: str  # the record id (or input row) the judgements refer to
    name: Name
    region: str | None

    @property
    def places(self) -> frozenset[str]:
        return self.name.regions | ({self.region} if self.region else set())


@dataclass
class Decision:
    enterprise_id: str | None
    method: str | None  # name_exact | name_fuzzy | None
    score: float | None
    band: str  # auto | review | new
    candidates: list[tuple[str, float]] = field(default_factory=list)  # (enterprise, score), best first


def _choice_text(name: Name) -> str:
    return name.core if name.branch is None else f"{name.core}#{name.branch}"


class NameIndex:
    """Reference enterprises, each with one or more names and the places it is known at, blocked by region."""

    def __init__(self, enterprise_ids: Sequence[str], names: Sequence[Sequence[Name]],
                 places: Sequence[Iterable[str]], thresholds: dict[str, float] | None = None) -> None:
        self.t = {**THRESHOLDS, **(thresholds or {})}
        self.ids = list(enterprise_ids)
        self.places = [frozenset(p) for p in places]
        owner: list[int] = []
        self.names: list[Name] = []
        for i, entity_names in enumerate(names):
            for n in entity_names:
                owner.append(i)
                self.names.append(n)
        self.owner = np.asarray(owner, dtype=np.int64)
        self.texts = [_choice_text(n) for n in self.names]
        blocks: dict[str, list[int]] = defaultdict(list)
        by_key: dict[str, list[int]] = defaultdict(list)
        self.choice_blocks: list[frozenset[str]] = []
        for c, n in enumerate(self.names):
            choice_blocks = frozenset({block_of(p) for p in self.places[owner[c]] | n.regions} or {""})
            self.choice_blocks.append(choice_blocks)
            for b in choice_blocks:
                blocks[b].append(c)
            by_key[n.key].append(c)
        self.blocks = {b: np.asarray(v, dtype=np.int64) for b, v in blocks.items()}
        self.by_key = dict(by_key)
        self.provinces: dict[str, list[str]] = defaultdict(list)
        for b in self.blocks:
            self.provinces[b[:2]].append(b)

    def _candidate_choices(self, block: str) -> np.ndarray:
        if len(block) == 4:
            parts = [self.blocks.get(block), self.blocks.get(block[:2])]
        else:
            parts = [self.blocks[b] for b in self.provinces.get(block, [])]
        found = [p for p in parts if p is not None]
        return np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)

    def _in_block(self, choice: int, block: str) -> bool:
        blocks = self.choice_blocks[choice]
        return block in blocks or block[:2] in blocks if len(block) == 4 else any(
            b.startswith(block) for b in blocks)

    def match(self, queries: Sequence[Query], excluded: set[tuple[str, str]] = frozenset(),  # type: ignore[assignment]
              unsure: set[tuple[str, str]] = frozenset(), workers: int = 1) -> list[Decision]:  # type: ignore[assignment]
        """One decision per query. `excluded` pairs (negative judgements) are never proposed; `unsure` pairs
        are never auto-linked. Equal normalised names within the region first, then rapidfuzz."""
        top_k = int(self.t["top_k"])
        decisions: list[Decision | None] = [None] * len(queries)
        groups: dict[str, list[int]] = defaultdict(list)
        for qi, q in enumerate(queries):
            block = block_of(q.region)
            exact = [c for c in self.by_key.get(q.name.key, ()) if not block or self._in_block(c, block)]
            if exact or not block:  # no place at all: exact keys only, never auto-linked (see _decide)
                decision = self._decide(q, [(c, 1.0) for c in exact], excluded, unsure)
                if decision.band == AUTO or not block:
                    decisions[qi] = decision
                    continue
            groups[block].append(qi)
        for block, members in groups.items():
            choices = self._candidate_choices(block)
            if not len(choices):
                continue
            choice_texts = [self.texts[c] for c in choices]
            step = max(1, int(self.t["max_cells"]) // len(choices))
            for start in range(0, len(members), step):
                chunk = members[start:start + step]
                # penalties only lower a score: below the review threshold nothing can be proposed
                matrix = process.cdist([self.query_text(queries[qi]) for qi in chunk], choice_texts,
                                       scorer=Levenshtein.normalized_similarity, dtype=np.float32,
                                       score_cutoff=self.t["review"], workers=workers)
                rows, cols = np.nonzero(matrix)
                values = matrix[rows, cols]
                order = np.lexsort((-values, rows))
                rows, cols, values = rows[order], cols[order], values[order]
                rank = np.arange(len(rows)) - np.searchsorted(rows, rows)
                keep = rank < top_k
                scored: dict[int, list[tuple[int, float]]] = defaultdict(list)
                for row, col, value in zip(rows[keep].tolist(), choices[cols[keep]].tolist(), values[keep].tolist(),
                                           strict=True):
                    scored[row].append((col, value))
                for row, qi in enumerate(chunk):
                    decisions[qi] = self._decide(queries[qi], scored.get(row, []), excluded, unsure)
        return [d if d is not None else Decision(None, None, None, NEW, []) for d in decisions]

    @staticmethod
    def query_text(q: Query) -> str:
        return _choice_text(q.name)

    def _decide(self, q: Query, scored: list[tuple[int, float]], excluded: set[tuple[str, str]],
                unsure: set[tuple[str, str]]) -> Decision:
        best: dict[str, tuple[float, bool]] = {}
        for c, raw in scored:
            n = self.names[c]
            entity = self.ids[self.owner[c]]
            if (q.key, entity) in excluded or n.is_branch != q.name.is_branch:
                continue
            if not any_compatible(q.name.regions, self.places[self.owner[c]] | n.regions):
                continue
            if not any_compatible(n.regions, q.places):
                continue
            exact = n.key == q.name.key
            score = 1.0 if exact else raw
            if not exact and n.legal_form and q.name.legal_form and n.legal_form != q.name.legal_form:
                score -= self.t["legal_form_penalty"]
            entity_counties = {p for p in self.places[self.owner[c]] | n.regions if level(p) == 3}
            query_counties = {p for p in q.places if level(p) == 3}
            if entity_counties and query_counties and not entity_counties & query_counties:
                score -= self.t["county_penalty"]
            if score > best.get(entity, (-1.0, False))[0]:
                best[entity] = (round(score, 4), exact)
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], kv[0]))
        candidates = [(e, s) for e, (s, _) in ranked if s >= self.t["review"]]
        if not candidates:
            return Decision(None, None, None, NEW, [])
        (top, (score, exact)) = ranked[0]
        runner_up = ranked[1][1][0] if len(ranked) > 1 else 0.0
        if (q.region is not None and score >= self.t["auto"] and score - runner_up >= self.t["margin"]
                and (q.key, top) not in unsure):
            return Decision(top, "name_exact" if exact else "name_fuzzy", score, AUTO, candidates)
        return Decision(None, None, score, REVIEW, candidates)


# ------------------------------------------------------------------------------------------------ judgements


def judgements_path(path: Path | None = None) -> Path:
    """The judgements file: `path`, else `QINGTIAN_JUDGEMENTS`, else `warehouse/judgements.csv`."""
    return path or Path(os.environ.get("QINGTIAN_JUDGEMENTS") or JUDGEMENTS)


def latest_judgements(path: Path | None = None) -> dict[tuple[str, str], str]:
    """(record_id, enterprise_id) → the latest judgement on that pair (the file is append-only)."""
    # A hash-chained ledger (etl.ledger): an edited, deleted or torn entry raises LedgerError naming its line.
    entries = ledger.read(judgements_path(path), JUDGEMENT_COLUMNS)
    return {(r["record_id"], r["enterprise_id"]): r["judgement"] for r in entries}


# ------------------------------------------------------------------------------------------------ linking


def link_records(records: list[NamedRecord], judgements: dict[tuple[str, str], str] | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One link row per record (the enterprise it names, or None while in review; how; what its code looked
    like), and the pending review pairs."""
    judgements = judgements or {}
    codes = [repair_code(r.code_printed) for r in records]
    names = [normalise_name(r.name) for r in records]
    regions = [record_region(r.region_text, r.address, name=n) or (code_region(r.code_printed) if c.status == MASKED
                                                                   else None)
               for r, n, c in zip(records, names, codes, strict=True)]

    known: dict[str, int] = {}
    entity_names: list[list[Name]] = []
    entity_places: list[set[str]] = []
    for record, code, name, region in zip(records, codes, names, regions, strict=True):
        if code.uscc is None:
            continue
        i = known.setdefault(code.uscc, len(known))
        if i == len(entity_names):
            entity_names.append([])
            entity_places.append({code.uscc[2:8]})
        if record.name and name.key not in {n.key for n in entity_names[i]}:
            entity_names[i].append(name)
        if region:
            entity_places[i].add(region)
    by_org_code: dict[str, set[str]] = defaultdict(set)
    for code in known:
        by_org_code[code[8:17]].add(code)

    links: list[dict[str, Any]] = []
    pending: list[int] = []
    positive = {r: e for (r, e), j in sorted(judgements.items()) if j == "positive" and e in known}
    for i, (record, code) in enumerate(zip(records, codes, strict=True)):
        row = _link_row(record, code, regions[i])
        if code.uscc is not None:
            row.update(enterprise_id=code.uscc, method="uscc_exact" if code.status == VALID else "uscc_repaired",
                       score=1.0)
        elif code.status == ORG_CODE and len(owners := by_org_code.get(code.used or "", set())) == 1:
            row.update(enterprise_id=next(iter(owners)), method="org_code", score=1.0)
        elif record.record_id in positive:
            row.update(enterprise_id=positive[record.record_id], method="reviewer", score=1.0)
        elif names[i].core and is_enterprise_name(record.name):
            pending.append(i)
        links.append(row)

    index = NameIndex(list(known), entity_names, entity_places)
    negative = {pair for pair, j in judgements.items() if j == "negative"}
    unsure = {pair for pair, j in judgements.items() if j == "unsure"}
    queries = [Query(records[i].record_id, names[i], regions[i]) for i in pending]
    candidate_rows: list[dict[str, Any]] = []
    for i, decision in zip(pending, index.match(queries, negative, unsure), strict=True):
        row = links[i]
        if decision.band == AUTO:
            row.update(enterprise_id=decision.enterprise_id, method=decision.method, score=decision.score)
        elif decision.band == REVIEW:
            row.update(method="review", score=decision.score)
            for rank, (enterprise, score) in enumerate(decision.candidates[:int(THRESHOLDS["review_candidates"])]):
                candidate_rows.append({"record_id": row["record_id"], "enterprise_id": enterprise, "score": score,
                                       "rank": rank + 1,
                                       "judgement": judgements.get((row["record_id"], enterprise))})
        else:
            row.update(enterprise_id=provisional_id(names[i], regions[i]), method="provisional", score=None)
    return (pd.DataFrame(links, columns=LINK_COLUMNS),
            pd.DataFrame(candidate_rows, columns=CANDIDATE_COLUMNS))


def _link_row(record: NamedRecord, code: CodeResult, region: str | None) -> dict[str, Any]:
    return {"record_id": record.record_id, "source": record.source, "kind": record.kind, "name": record.name,
            "code_printed": record.code_printed, "code_used": code.used, "code_status": code.status,
            "code_reason": code.reason or None, "region_code": region,
            "enterprise_id": None, "method": None, "score": None}


def match(db_path: Path | None = None, judgements: Path | None = None, marts: bool = True) -> MatchResult:
    """Link every named record; rebuild the marts unless `marts` is false (`qingtian bench` times them apart)."""
    con = connect(db_path)
    try:
        con.execute("BEGIN TRANSACTION")
        run_models(con, ("staging", "intermediate"))
        records = [NamedRecord(*row) for row in con.execute(
            "SELECT record_id, source, kind, name, code_printed, address, region_text "
            "FROM intermediate.int_named_records ORDER BY record_id"
        ).fetchall()]
        links, candidates = link_records(records, latest_judgements(judgements))
        _replace(con, "intermediate.record_links", links)
        _replace(con, "intermediate.review_candidates", candidates)
        record_history(con)
        crashpoint.reached("match.links")
        if marts:
            run_models(con, ("marts",))
        con.execute("COMMIT")
        crashpoint.reached("match.committed")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.close()
    linked = links.loc[links["enterprise_id"].notna(), "method"].value_counts().to_dict()
    return MatchResult(
        records=len(links),
        linked={str(k): int(v) for k, v in linked.items()},
        unmatched=int(links["enterprise_id"].isna().sum()),
        enterprises=int(links["enterprise_id"].nunique()),
        review=int((links["method"] == "review").sum()),
        provisional=int(links.loc[links["method"] == "provisional", "enterprise_id"].nunique()),
    )


_LINK_HASH = "md5(to_json(struct_pack({})))".format(", ".join(f"{c} := l.{c}" for c in LINK_COLUMNS))


def record_history(con: duckdb.DuckDBPyConnection) -> None:
    """Keep every link a record has had in `intermediate.record_links_history`, against the latest load: a link
    that changed is closed (valid_to_load = that load) and its new version opened. Re-matching the same data
    changes nothing."""
    current = scalar(con, "SELECT coalesce(max(load_id), 0) FROM raw.loads")
    con.execute(f"CREATE OR REPLACE TEMP TABLE new_links AS SELECT l.*, {_LINK_HASH} AS link_hash "
                "FROM intermediate.record_links l")
    con.execute(
        "UPDATE intermediate.record_links_history h SET valid_to_load = ? WHERE valid_to_load IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM new_links n WHERE n.record_id = h.record_id AND n.link_hash = h.link_hash)",
        [current],
    )
    con.execute(
        "INSERT INTO intermediate.record_links_history BY NAME SELECT *, ? AS valid_from_load, "
        "NULL::INTEGER AS valid_to_load FROM new_links n WHERE NOT EXISTS (SELECT 1 FROM "
        "intermediate.record_links_history h WHERE h.valid_to_load IS NULL AND h.record_id = n.record_id "
        "AND h.link_hash = n.link_hash)",
        [current],
    )
    con.execute("DROP TABLE new_links")


def _replace(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame) -> None:
    con.execute(f"DELETE FROM {table}")
    if len(frame):
        con.register("incoming_rows", frame)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_rows")
        con.unregister("incoming_rows")
