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
import pickle
import subprocess
import sys
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import yaml
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from etl import crashpoint, ledger
from etl.normalise import (
    MASKED,
    ORG_CODE,
    REPAIRED,
    VALID,
    Name,
    any_compatible,
    code_region,
    common_code,
    compatible,
    is_enterprise_clean,
    level,
    normalise_name,
    repair_code,
    resolve_region,
    valid_codes,
)
from etl.warehouse import WAREHOUSE, connect, run_models, scalar

THRESHOLDS: dict[str, float] = yaml.safe_load(Path(__file__).with_suffix(".yml").read_text(encoding="utf-8"))
JUDGEMENTS = WAREHOUSE / "judgements.csv"
JUDGEMENT_COLUMNS = ["record_id", "enterprise_id", "judgement", "who", "at", "score", "record_name", "enterprise_name"]

AUTO, REVIEW, NEW = "auto", "review", "new"
LINK_COLUMNS = ["record_id", "source", "kind", "name", "code_printed", "code_used", "code_status", "code_reason",
                "region_code", "enterprise_id", "method", "score"]
CANDIDATE_COLUMNS = ["record_id", "enterprise_id", "score", "rank", "judgement"]
PARALLEL_FROM = 50_000  # distinct addresses: fewer are resolved in this process alone


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
    resolved = [resolve_region(p) for p in places]
    if name is not None and name.regions:
        resolved.append(common_code(name.regions))
    return most_specific(resolved)


def most_specific(codes: Iterable[str | None]) -> str | None:
    """The first division of `codes`, narrowed by each later one it contains."""
    found: str | None = None
    for code in codes:
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
        self.entity_of = [self.ids[i] for i in owner]
        self.known_at: list[frozenset[str]] = []  # the places of the choice's enterprise and of the name itself
        self.choice_blocks: list[frozenset[str]] = []
        blocks_of: dict[frozenset[str], frozenset[str]] = {}  # many enterprises share their set of places
        for c, n in enumerate(self.names):
            known_at = self.places[owner[c]] | n.regions if n.regions else self.places[owner[c]]
            self.known_at.append(known_at)
            if (choice_blocks := blocks_of.get(known_at)) is None:
                choice_blocks = blocks_of[known_at] = frozenset({block_of(p) for p in known_at} or {""})
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
        query_places = q.places
        query_counties = {p for p in query_places if level(p) == 3}
        for c, raw in scored:
            n = self.names[c]
            entity = self.entity_of[c]
            if (q.key, entity) in excluded or n.is_branch != q.name.is_branch:
                continue
            known_at = self.known_at[c]
            if not any_compatible(q.name.regions, known_at):
                continue
            if not any_compatible(n.regions, query_places):
                continue
            exact = n.key == q.name.key
            score = 1.0 if exact else raw
            if not exact and n.legal_form and q.name.legal_form and n.legal_form != q.name.legal_form:
                score -= self.t["legal_form_penalty"]
            entity_counties = {p for p in known_at if level(p) == 3}
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
    """`link_table` for a list of records (tests, small inputs): the links as a pandas frame."""
    columns = {c: [getattr(r, c) for r in records] for c in NamedRecord._fields}
    links, candidates = link_table(pa.table({c: pa.array(v, type=pa.string()) for c, v in columns.items()}),
                                   judgements)
    return links.to_pandas(), candidates


def _distinct(column: pa.ChunkedArray) -> tuple[np.ndarray, list[Any]]:
    """Each row's position among the column's distinct values, and those values; a null is the last value, None."""
    encoded = column.combine_chunks().dictionary_encode()
    return encoded.indices.fill_null(-1).to_numpy().astype(np.int64), [*encoded.dictionary.to_pylist(), None]


def read_distinct(names: list[str | None], texts: list[str | None], addresses: list[str | None],
                  parallel_from: int = PARALLEL_FROM) -> tuple[list[Name], list[str | None], list[str | None]]:
    """`normalise_name` of each name, `resolve_region` of each place text and address: from `parallel_from`
    addresses on, a second process reads the addresses meanwhile. (Names stay here: sending a `Name` back costs
    about as much as making it.)"""
    if len(addresses) < parallel_from:
        return ([normalise_name(n) for n in names], [resolve_region(t) for t in texts],
                [resolve_region(a) for a in addresses])
    # a plain child process (not multiprocessing): it must not import the caller's main module
    path = [str(Path(__file__).resolve().parents[1]), *filter(None, [os.environ.get("PYTHONPATH")])]
    child = subprocess.Popen([sys.executable, "-c", "from etl.normalise import resolve_regions; resolve_regions()"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": os.pathsep.join(path)})
    assert child.stdin is not None and child.stdout is not None
    sending = threading.Thread(target=_send, args=(child.stdin, addresses))
    sending.start()
    try:
        parsed = [normalise_name(n) for n in names]
        text_regions = [resolve_region(t) for t in texts]
        try:
            address_regions = pickle.load(child.stdout)
        except (EOFError, pickle.UnpicklingError) as error:
            raise RuntimeError(f"the process resolving addresses failed (exit code {child.wait()})") from error
    except BaseException:
        child.kill()
        raise
    finally:
        sending.join()
        child.stdout.close()
        child.wait()
    return parsed, text_regions, address_regions


def _send(pipe: IO[bytes], value: object) -> None:
    try:
        with pipe:
            pickle.dump(value, pipe, protocol=pickle.HIGHEST_PROTOCOL)
    except BrokenPipeError:  # the child died: `read_distinct` reports its exit code
        pass


def link_table(records: pa.Table, judgements: dict[tuple[str, str], str] | None = None
               ) -> tuple[pa.Table, pd.DataFrame]:
    """One link row per record (the enterprise it names, or None while in review; how; what its code looked
    like), and the pending review pairs. `records` has the columns of `NamedRecord`, in record order.

    Records share codes, names and places: each distinct value is read once, and the per-record work is done
    on arrays; only records that need matching by name are looked at one by one."""
    judgements = judgements or {}
    name_at, names = _distinct(records["name"])
    code_at, printed = _distinct(records["code_printed"])
    text_at, texts = _distinct(records["region_text"])
    address_at, addresses = _distinct(records["address"])

    used = np.array(printed, dtype=object)
    status = np.full(len(printed), VALID, dtype=object)
    reason = np.full(len(printed), None, dtype=object)
    for j in np.flatnonzero(~valid_codes(printed)).tolist():
        code = repair_code(printed[j])
        used[j], status[j], reason[j] = code.used, code.status, code.reason or None
    uscc_of = np.where((status == VALID) | (status == REPAIRED), used, None)

    parsed, text_regions, address_regions = read_distinct(names, texts, addresses)
    # a code region's id in `places` (0: none), for the place texts and the names' own hints
    places: dict[str | None, int] = {None: 0}
    text_place = np.array([places.setdefault(r, len(places)) for r in text_regions], dtype=np.int64)
    address_place = np.array([places.setdefault(r, len(places)) for r in address_regions], dtype=np.int64)
    name_place = np.array([places.setdefault(common_code(n.regions) if n.regions else None, len(places))
                           for n in parsed], dtype=np.int64)
    place_list = list(places)
    width = len(place_list)
    combined = (text_place[text_at] * width + address_place[address_at]) * width + name_place[name_at]
    triples, triple_at = np.unique(combined, return_inverse=True)
    region = np.array([most_specific((place_list[t // width // width], place_list[t // width % width],
                                      place_list[t % width])) for t in triples.tolist()],
                      dtype=object)[triple_at]
    unplaced_masked = np.flatnonzero((status[code_at] == MASKED) & (region == None))  # noqa: E711
    if len(unplaced_masked):
        masked_region = {j: code_region(printed[j]) for j in set(code_at[unplaced_masked].tolist())}
        region[unplaced_masked] = [masked_region[j] for j in code_at[unplaced_masked].tolist()]

    # enterprises known by code, in the order records name them first; their names and places
    uscc_rows = uscc_of[code_at]
    coded = np.flatnonzero(uscc_rows != None)  # noqa: E711
    entity_at, known_codes = pd.factorize(uscc_rows[coded])
    known = {code: i for i, code in enumerate(known_codes.tolist())}
    entity_names: list[list[Name]] = [[] for _ in known]
    keys = pd.factorize(np.array([n.key for n in parsed], dtype=object))[0]
    named = np.array([bool(n) for n in names], dtype=bool)[name_at[coded]]
    firsts = pd.DataFrame({"entity": entity_at[named], "key": keys[name_at[coded][named]],
                           "name": name_at[coded][named]}).drop_duplicates(["entity", "key"])
    for entity, name in zip(firsts["entity"].tolist(), firsts["name"].tolist(), strict=True):
        entity_names[entity].append(parsed[name])
    entity_places: list[set[str]] = [{code[2:8]} for code in known]
    placed = region[coded] != None  # noqa: E711
    for entity, place in set(zip(entity_at[placed].tolist(), region[coded][placed].tolist(), strict=True)):
        entity_places[entity].add(place)
    org_codes = set(used[status == ORG_CODE].tolist())
    by_org_code: dict[str, set[str]] = defaultdict(set)
    for code in known:
        if code[8:17] in org_codes:
            by_org_code[code[8:17]].add(code)

    status_rows = status[code_at]
    enterprise = uscc_rows.copy()
    method = np.where(status_rows == VALID, "uscc_exact", "uscc_repaired").astype(object)
    method[uscc_rows == None] = None  # noqa: E711
    score = np.where(uscc_rows != None, 1.0, np.nan)  # noqa: E711
    pending: list[int] = []
    positive = {r: e for (r, e), j in sorted(judgements.items()) if j == "positive" and e in known}
    matchable = np.array([bool(n.core) and is_enterprise_clean(n.clean) for n in parsed], dtype=bool)
    rest = np.flatnonzero(uscc_rows == None)  # noqa: E711
    record_ids = dict(zip(rest.tolist(), records["record_id"].take(rest).to_pylist(), strict=True))
    for i in rest.tolist():
        if status_rows[i] == ORG_CODE and len(owners := by_org_code.get(used[code_at[i]] or "", set())) == 1:
            enterprise[i], method[i], score[i] = next(iter(owners)), "org_code", 1.0
        elif record_ids[i] in positive:
            enterprise[i], method[i], score[i] = positive[record_ids[i]], "reviewer", 1.0
        elif matchable[name_at[i]]:
            pending.append(i)

    index = NameIndex(list(known), entity_names, entity_places)
    negative = {pair for pair, j in judgements.items() if j == "negative"}
    unsure = {pair for pair, j in judgements.items() if j == "unsure"}
    queries = [Query(record_ids[i], parsed[name_at[i]], region[i]) for i in pending]
    candidate_rows: list[dict[str, Any]] = []
    for i, decision in zip(pending, index.match(queries, negative, unsure, workers=-1), strict=True):
        if decision.band == AUTO:
            enterprise[i], method[i], score[i] = decision.enterprise_id, decision.method, decision.score
        elif decision.band == REVIEW:
            method[i], score[i] = "review", decision.score
            for rank, (entity, value) in enumerate(decision.candidates[:int(THRESHOLDS["review_candidates"])]):
                candidate_rows.append({"record_id": record_ids[i], "enterprise_id": entity, "score": value,
                                       "rank": rank + 1, "judgement": judgements.get((record_ids[i], entity))})
        else:
            enterprise[i], method[i] = provisional_id(parsed[name_at[i]], region[i]), "provisional"
    links = pa.table({
        **{c: records[c] for c in ("record_id", "source", "kind", "name", "code_printed")},
        "code_used": pa.array(used[code_at], type=pa.string()),
        "code_status": pa.array(status[code_at], type=pa.string()),
        "code_reason": pa.array(reason[code_at], type=pa.string()),
        "region_code": pa.array(region, type=pa.string()),
        "enterprise_id": pa.array(enterprise, type=pa.string()),
        "method": pa.array(method, type=pa.string()),
        "score": pa.array(score, mask=np.isnan(score), type=pa.float64()),
    })
    return links, pd.DataFrame(candidate_rows, columns=CANDIDATE_COLUMNS)


def match(db_path: Path | None = None, judgements: Path | None = None, marts: bool = True) -> MatchResult:
    """Link every named record; rebuild the marts unless `marts` is false (`qingtian bench` times them apart)."""
    con = connect(db_path)
    try:
        con.execute("BEGIN TRANSACTION")
        run_models(con, ("staging", "intermediate"))
        records = con.sql(
            "SELECT record_id, source, kind, name, code_printed, address, region_text "
            "FROM intermediate.int_named_records ORDER BY record_id"
        ).to_arrow_table()
        links, candidates = link_table(records, latest_judgements(judgements))
        del records
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
    enterprise, method = links["enterprise_id"], links["method"]
    linked = pc.value_counts(pc.filter(method, pc.is_valid(enterprise))).to_pylist()
    return MatchResult(
        records=links.num_rows,
        linked={str(v["values"]): int(v["counts"]) for v in sorted(linked, key=lambda v: -v["counts"])},
        unmatched=enterprise.null_count,
        enterprises=pc.count_distinct(enterprise).as_py(),
        review=pc.sum(pc.equal(method, "review")).as_py() or 0,
        provisional=pc.count_distinct(pc.filter(enterprise, pc.equal(method, "provisional"))).as_py(),
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


def _replace(con: duckdb.DuckDBPyConnection, table: str, frame: pd.DataFrame | pa.Table) -> None:
    con.execute(f"DELETE FROM {table}")
    if len(frame):
        con.register("incoming_rows", frame)
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming_rows")
        con.unregister("incoming_rows")
