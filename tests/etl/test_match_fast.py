"""`etl.match.link_table` (distinct values read once, arrays, two processes) gives exactly the links of the
record-by-record matcher it replaced, kept here as the reference."""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

import pandas as pd
import pytest

from crawlers.helpers import uscc
from etl import normalise
from etl.match import (
    AUTO,
    CANDIDATE_COLUMNS,
    LINK_COLUMNS,
    REVIEW,
    THRESHOLDS,
    NamedRecord,
    NameIndex,
    Query,
    link_records,
    provisional_id,
    read_distinct,
    record_region,
)
from etl.normalise import (
    MASKED,
    ORG_CODE,
    VALID,
    CodeResult,
    Name,
    code_region,
    is_enterprise_name,
    normalise_name,
    repair_code,
    resolve_region,
    valid_codes,
)
from tests.conftest import SHARED_DATA


def reference_link_records(records: list[NamedRecord], judgements: dict[tuple[str, str], str] | None = None
                           ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The record-by-record `link_records` as it was before the fast path (unchanged but for its name)."""
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


CORES = ["恒瑞环保能源", "泰丰纸业", "光大城乡再生能源", "维皓再生能源", "首钢生物质能源科技", "康恒再生能源", "双琦环保资源利用",
         "中科渊昌再生能源", "市政环能", "宇禾环保能源"]
PLACES = [("330402", "浙江省嘉兴市南湖区", "浙江-嘉兴-南湖区"), ("330481", "浙江省海宁市", "浙江-嘉兴-海宁市"),
          ("320723", "灌云县经济开发区", "江苏-连云港-灌云县"), ("211300", "辽宁省朝阳市", "辽宁-朝阳"),
          ("110109", "北京市门头沟区", "北京-门头沟"), ("320500", "江苏省苏州市", "江苏-苏州")]
FORMS = ["有限公司", "有限责任公司", "股份有限公司", "公司", ""]


def varied_records(n: int, seed: int) -> tuple[list[NamedRecord], dict[tuple[str, str], str]]:
    """Records naming a few hundred enterprises every way the sources do: valid, lower-case, spaced, masked,
    misprinted (O for 0, running numbers, permit numbers, an extra character), old organisation codes, wrong
    check characters, no code; names with branches, place hints, look-alike characters, people, none."""
    rnd = random.Random(seed)
    enterprises = []
    for i in range(max(4, n // 6)):
        code, place, place_text = rnd.choice(PLACES)
        body = "".join(rnd.choice("0123456789ABCDEFGHJKLMNPQRTUWXY" if i % 3 else "0123456789") for _ in range(8))
        name = rnd.choice(["", "浙江", "嘉兴", place_text.split("-")[-1]]) + rnd.choice(CORES) + (
            str(i % 7) if i % 2 else "") + rnd.choice(FORMS[:3])
        enterprises.append((uscc.make(code, body, rnd.choice(["91", "91", "12", "52"])), name, place, place_text))
    records = []
    for r in range(n):
        code, name, place, place_text = rnd.choice(enterprises)
        k = rnd.randrange(16)
        printed: str | None = [
            code, code, code, code.lower(), f"{code[:6]} {code[6:]}", code[:7] + "*******" + code[14:],
            code.replace("0", "O", 1), code + "（1）", code + "001V", code[:5] + "2" + code[5:],
            f"{code[8:16]}-{code[16]}", code[:17] + rnd.choice("0123456789ABCDEFGHJKLMNPQRTUWXY"), None, "",
            code[:8] + "XXX" + code[11:], "N/A"][k]
        m = rnd.randrange(12)
        printed_name: str | None = [
            name, name, name, name.replace("有限责任公司", "有限公司"), name + "嘉兴分公司", f"{name}（南湖）",
            name[:-2] + "环宝" + name[-2:] if len(name) > 4 else name, "王某某", None, "", name + "海沧厂",
            rnd.choice(CORES) + "科技有限公司"][m]
        address = rnd.choice([place_text.replace("-", ""), None, "兴业路1号", place_text])
        region_text = rnd.choice([place_text, None, ""])
        source = rnd.choice(["nat_mee_permits", "zj_jxsthj_penalties", "nat_creditchina_penalties"])
        records.append(NamedRecord(f"{source}:{r:05d}", source, "permit", printed_name, printed, address, region_text))
    records.sort(key=lambda rec: rec.record_id)
    judgements = {}
    for rec in rnd.sample(records, min(12, len(records))):
        judgements[(rec.record_id, rnd.choice(enterprises)[0])] = rnd.choice(["positive", "negative", "unsure"])
    return records, judgements


def _same(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    def plain(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
        frame = frame.astype(object).where(frame.notna(), None)
        return [tuple(row) for row in frame.itertuples(index=False)]

    assert list(fast.columns) == list(slow.columns)
    assert plain(fast) == plain(slow)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fast_links_equal_the_reference(seed: int) -> None:
    records, judgements = varied_records(600, seed)
    links, candidates = link_records(records, judgements)
    want_links, want_candidates = reference_link_records(records, judgements)
    _same(links[LINK_COLUMNS], want_links)
    _same(candidates, want_candidates)
    methods = set(want_links["method"].dropna())
    statuses = set(want_links["code_status"])
    # the sample exercises every path
    assert {"uscc_exact", "uscc_repaired", "org_code", "name_exact", "provisional", "review"} <= methods
    assert {"valid", "repaired", "org_code", "invalid", "masked", "empty"} <= statuses


def test_fast_links_equal_the_reference_on_the_real_plants() -> None:
    path = SHARED_DATA / "incineration" / "plants.csv"
    if not path.exists():
        pytest.skip("real test data is absent")
    plants = pd.read_csv(path, dtype=str, keep_default_na=False)
    records = sorted((NamedRecord(f"plants:{r['ps_code']}", "plants", "plant", r["ps_name"], r["credit_code"],
                                  r["address"], r["fullregion_name"]) for r in plants.to_dict("records")),
                     key=lambda rec: rec.record_id)
    _same(link_records(records)[0][LINK_COLUMNS], reference_link_records(records)[0])


def test_two_processes_read_as_one() -> None:
    records, _ = varied_records(300, 4)
    names = [*sorted({r.name for r in records if r.name is not None}), None]
    texts = [*sorted({r.region_text for r in records if r.region_text is not None}), None]
    addresses = [*sorted({r.address for r in records if r.address is not None}), None]
    assert read_distinct(names, texts, addresses, parallel_from=0) == read_distinct(names, texts, addresses)
    assert read_distinct(names, texts, addresses)[0] == [normalise_name(n) for n in names]


def test_codes_checked_at_once_agree_with_repair_code() -> None:
    rnd = random.Random(5)
    alphabet = uscc.ALPHABET + "IOSVZx*- ×"
    codes: list[str | None] = [None, "", "N/A", "9133040*******123X"]
    for _ in range(3000):
        code = uscc.make(rnd.choice(["330402", "110000", "320723"]),
                         "".join(rnd.choice(uscc.ALPHABET) for _ in range(8)), rnd.choice(["91", "12", "A1", "N2"]))
        i = rnd.randrange(18)
        codes += [code, code[:i] + rnd.choice(alphabet) + code[i + 1:], code[:8] + "XXX" + code[11:]]
    fast = valid_codes(codes)
    slow = [(c := repair_code(code)).status == VALID and c.used == code for code in codes]
    assert fast.tolist() == slow and 2000 < sum(slow) < len(codes)


def test_single_substitutions_at_once_agree_with_one_by_one() -> None:
    rnd = random.Random(6)
    for _ in range(40):
        code = uscc.make("330402", "".join(rnd.choice(uscc.ALPHABET) for _ in range(8)))
        i = rnd.randrange(18)
        code = code[:i] + rnd.choice(uscc.ALPHABET) + code[i + 1:]
        one_by_one = tuple(candidate for j, original in enumerate(code) for ch in uscc.ALPHABET
                           if ch != original and uscc.is_valid(candidate := code[:j] + ch + code[j + 1:]))
        assert normalise._single_substitutions(code) == one_by_one


def test_remembered_region_answers_equal_fresh_ones() -> None:
    texts = ["浙江省嘉兴市南湖区兴业路1号", "辽宁-朝阳", "灌云县经济开发区浙江中路南侧", "嘉兴嘉兴南湖", "北京市门头沟区潭柘寺镇"]
    first = [resolve_region(t) for t in texts]
    normalise.region_index().prefixes.clear()
    normalise.region_index().looked_up.clear()
    assert [resolve_region(t) for t in texts] == first == ["330402", "211300", "320723", "330400", "110109"]


def test_a_failing_second_process_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("etl.match.sys.executable", "false")
    with pytest.raises(RuntimeError, match="resolving addresses failed"):
        read_distinct(["嘉兴恒瑞环保能源有限公司"], [None], ["浙江省嘉兴市南湖区"], parallel_from=0)
