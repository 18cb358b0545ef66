"""`qingtian bench match`: how well and how fast names are matched.

Quality: an evaluation set built at run time from the real incineration plants (`../shared/data/incineration`,
or `--data`): the same plant under different names where the data has them, and realistic perturbations of
each name (有限责任公司↔有限公司, region prefix dropped or added, the county in brackets, full/half width, a
one-character typo in the distinctive part) as positives; a branch (分公司) of a plant and, for one plant per
city, its own name with that plant held out of the reference (so only other companies of the same city are
there to match) as negatives. Precision and recall are printed per band.

Speed: synthetic enterprises and records (30 % of them without a USCC) matched the way `etl.match` does:
codes by exact join, then names blocked by region and scored with rapidfuzz `process.cdist`.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from crawlers.helpers import uscc
from etl import regions
from etl.match import AUTO, NEW, REVIEW, NameIndex, Query, record_region
from etl.normalise import _LEGAL, RULES, normalise_name, repair_code, resolve_region, short_name

SHARED_INCINERATION = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "incineration"
_WIDE = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


@dataclass(frozen=True)
class Case:
    query: str
    region_text: str | None
    expected: str | None  # the enterprise it must link to; None: it must not auto-link
    kind: str


# ------------------------------------------------------------------------------------------ evaluation


def _perturbations(name: str, county: str | None, city: str | None, rng: random.Random,
                   alphabet: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if "有限责任公司" in name:
        out.append(("legal_form", name.replace("有限责任公司", "有限公司")))
    elif "有限公司" in name and "股份有限公司" not in name:
        out.append(("legal_form", name.replace("有限公司", "有限责任公司")))
    parsed = normalise_name(name)
    if parsed.regions and not name.startswith(parsed.core):
        start = name.find(parsed.core[:2])
        if start > 0 and "(" not in name[:start] and "（" not in name[:start]:
            out.append(("region_dropped", name[start:]))
    elif city and city not in RULES["names"]["ignored_regions"] and not name.startswith(city[:2]):
        out.append(("region_added", city + name))
    if county and "（" not in name and "(" not in name and parsed.legal_form:
        short = short_name(county) or county
        legal = [m for m in _LEGAL.finditer(name)]
        legal_at = legal[-1].start() if legal else -1
        if legal_at > 0:
            out.append(("bracketed_county", f"{name[:legal_at]}（{short}）{name[legal_at:]}"))
    wide = name.replace("（", "(").replace("）", ")").translate(_WIDE) if "（" in name else \
        " ".join([name[:2], name[2:]])
    out.append(("width_spaces", wide))
    core_at = name.find(parsed.core) if parsed.core else -1
    if core_at >= 0 and len(parsed.core) >= 4:
        i = core_at + rng.randrange(len(parsed.core))
        replacement = rng.choice([c for c in alphabet if c != name[i]])
        out.append(("typo", name[:i] + replacement + name[i + 1:]))
    return out


def evaluation_set(folder: Path = SHARED_INCINERATION, seed: int = 7) -> tuple[NameIndex, list[Case]]:
    """The reference index and the cases (see the module docstring)."""
    plants = pd.read_csv(folder / "plants.csv", dtype=str, keep_default_na=False)
    rng = random.Random(seed)
    by_code: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in plants.to_dict("records"):
        code = repair_code(row["credit_code"]).uscc
        if code:
            by_code[code].append(row)
    table = regions.table()
    alphabet = "".join(sorted({ch for n in plants["ps_name"] for ch in n if "\u4e00" <= ch <= "\u9fff"}))
    # one plant per city with others beside it is held out: its own names become negatives
    by_city: dict[str, list[str]] = defaultdict(list)
    for code in sorted(by_code):
        by_city[code[2:6]].append(code)
    # …unless another plant there has the same normalised name: then the name cannot tell them apart
    keys = {code: normalise_name(rows[0]["ps_name"]).key for code, rows in by_code.items()}
    held_out = set()
    for codes in by_city.values():
        distinct = [c for c in codes if sum(keys[c] == keys[o] for o in codes) == 1]
        if len(codes) >= 2 and distinct:
            held_out.add(rng.choice(distinct))
    ids, names, places = [], [], []
    cases: list[Case] = []
    for code, rows in sorted(by_code.items()):
        first = rows[0]
        region_text = first["fullregion_name"] or None
        place = record_region(region_text, first["address"])
        county = table.get(place) if place and place[4:] != "00" else None
        city = table.get(place[:4] + "00") if place and place[2:4] != "00" else None
        if code in held_out:
            cases.append(Case(first["ps_name"], region_text, None, "same_city_other"))
            cases += [Case(q, region_text, None, "same_city_other_" + k)
                      for k, q in _perturbations(first["ps_name"], county, city, rng, alphabet)]
            continue
        ids.append(code)
        names.append([normalise_name(first["ps_name"])])
        places.append({code[2:8]} | ({place} if place else set()))
        cases += [Case(r["ps_name"], r["fullregion_name"] or None, code, "other_table_name") for r in rows[1:]
                  if r["ps_name"] != first["ps_name"]]
        cases += [Case(q, region_text, code, k)
                  for k, q in _perturbations(first["ps_name"], county, city, rng, alphabet)]
        branch_city = (city or "本地")[:-1] if city and len(city) > 2 else (city or "本地")
        cases.append(Case(f"{first['ps_name']}{branch_city}分公司", region_text, None, "branch"))
    return NameIndex(ids, names, places), cases


@dataclass
class BandFigures:
    cases: int
    positives: int
    negatives: int
    auto: int
    auto_correct: int
    review: int
    review_correct: int
    new: int
    new_correct: int

    @property
    def auto_precision(self) -> float:
        return self.auto_correct / self.auto if self.auto else 1.0

    @property
    def auto_recall(self) -> float:
        return self.auto_correct / self.positives if self.positives else 1.0

    @property
    def review_precision(self) -> float:
        return self.review_correct / self.review if self.review else 1.0

    @property
    def review_recall(self) -> float:
        return (self.auto_correct + self.review_correct) / self.positives if self.positives else 1.0

    @property
    def new_precision(self) -> float:
        return self.new_correct / self.new if self.new else 1.0

    @property
    def new_recall(self) -> float:
        return self.new_correct / self.negatives if self.negatives else 1.0


def evaluate(index: NameIndex, cases: list[Case]) -> tuple[BandFigures, list[tuple[Case, str, str | None]]]:
    queries = [Query(f"case{i}", normalise_name(c.query), record_region(c.region_text, name=normalise_name(c.query)))
               for i, c in enumerate(cases)]
    decisions = index.match(queries)
    f = BandFigures(len(cases), sum(c.expected is not None for c in cases), sum(c.expected is None for c in cases),
                    0, 0, 0, 0, 0, 0)
    errors = []
    for case, d in zip(cases, decisions, strict=True):
        if d.band == AUTO:
            f.auto += 1
            f.auto_correct += d.enterprise_id == case.expected
            if d.enterprise_id != case.expected:
                errors.append((case, d.band, d.enterprise_id))
        elif d.band == REVIEW:
            f.review += 1
            f.review_correct += case.expected is not None and d.candidates[0][0] == case.expected
        else:
            f.new += 1
            f.new_correct += case.expected is None
            if case.expected is not None:
                errors.append((case, d.band, None))
    return f, errors


def print_quality(f: BandFigures, errors: list[tuple[Case, str, str | None]], show: int = 10) -> None:
    print(f"  evaluation set: {f.cases} cases ({f.positives} positives, {f.negatives} negatives)")
    print(f"  auto-link : {f.auto:>4}  precision {f.auto_precision:.3f}  recall {f.auto_recall:.3f}")
    print(f"  review    : {f.review:>4}  precision {f.review_precision:.3f}  recall (auto + review) "
          f"{f.review_recall:.3f}")
    print(f"  new       : {f.new:>4}  precision {f.new_precision:.3f}  recall (of negatives) {f.new_recall:.3f}")
    for case, band, got in errors[:show]:
        print(f"    {band:<6} {case.kind:<22} {case.query} → {got} (expected {case.expected})")


# ------------------------------------------------------------------------------------------ throughput

_INDUSTRIES = ["环保能源", "再生能源", "化工", "纸业", "热电", "水务", "印染", "制药", "钢铁", "建材", "新材料", "电子",
               "纺织", "食品", "机械", "汽车部件", "固废处置", "危废处置", "污水处理", "光伏科技", "生物科技", "涂料",
               "塑料制品", "金属制品", "电镀", "皮革", "家具", "陶瓷", "水泥", "玻璃", "铸造", "农业开发", "养殖"]
_BRAND = ("恒瑞泰丰华盛达信通源宏鑫金隆安康永昌兴旺鼎辉晨光蓝天绿洲清源碧水东方南方北方中天海天新宇嘉德润泽"
          "伟明光大康恒首创瀚蓝绿色宝山长城远大国泰天成广源聚能合力众诚德胜顺发佳境锦程万达")


def _synthetic_name(rng: random.Random) -> str:
    brand = "".join(rng.choice(_BRAND) for _ in range(rng.choice((2, 2, 3, 4))))
    return brand + rng.choice(_INDUSTRIES) + rng.choice(("有限公司", "有限公司", "有限责任公司", "股份有限公司"))


def synthetic(n_enterprises: int, n_records: int, share_without_code: float = 0.3, seed: int = 11
              ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Enterprises (uscc, name, county) and records (record_id, name, code_printed, region_text, truth)."""
    rng = random.Random(seed)
    table = regions.table()
    counties = sorted(c for c in regions.current() if c[4:] != "00" and c[2:4] != "00" and c[:4] + "00" in table
                      and table[c] not in ("市辖区", "县"))
    ent_counties = [rng.choice(counties) for _ in range(n_enterprises)]
    codes = [uscc.make(c, f"{rng.randrange(16**8):08X}".replace("I", "1").replace("O", "0"))
             for c in ent_counties]
    names = [_synthetic_name(rng) for _ in range(n_enterprises)]
    enterprises = pd.DataFrame({"uscc": codes, "name": names, "county": ent_counties})
    picks = [rng.randrange(n_enterprises) for _ in range(n_records)]
    rec_names, rec_codes, rec_regions = [], [], []
    for p in picks:
        county = ent_counties[p]
        region_text = "-".join(filter(None, (table.get(county[:2] + "0000"), table.get(county[:4] + "00"),
                                             table.get(county))))
        name = names[p]
        if rng.random() < share_without_code:
            roll = rng.random()
            if roll < 0.3:
                name = name.replace("有限责任公司", "有限公司") if "有限责任公司" in name else name
            elif roll < 0.5:
                name = (table.get(county[:4] + "00") or "") + name
            elif roll < 0.6:
                i = rng.randrange(2)
                name = name[:i] + rng.choice(_BRAND) + name[i + 1:]
            rec_codes.append(None)
        else:
            rec_codes.append(codes[p])
        rec_names.append(name)
        rec_regions.append(region_text)
    records = pd.DataFrame({"record_id": [f"r{i}" for i in range(n_records)], "name": rec_names,
                            "code_printed": rec_codes, "region_text": rec_regions,
                            "truth": [codes[p] for p in picks]})
    return enterprises, records


def _normalise_chunk(names: list[str]) -> list:
    return [normalise_name(n) for n in names]


def _resolve_chunk(texts: list[str]) -> list[str | None]:
    return [resolve_region(t) for t in texts]


def throughput(n_enterprises: int, n_records: int, workers: int = 2) -> dict[str, float]:
    """Seconds per stage of matching `n_records` against `n_enterprises`, and the share linked correctly."""
    started = time.perf_counter()
    enterprises, records = synthetic(n_enterprises, n_records)
    timings = {"generate": time.perf_counter() - started}
    t = time.perf_counter()
    ent_names = _normalise_chunk(enterprises["name"].tolist())
    index = NameIndex(enterprises["uscc"].tolist(), [[n] for n in ent_names],
                      [{c} for c in enterprises["county"]])
    timings["index enterprises"] = time.perf_counter() - t
    t = time.perf_counter()
    known = pd.Index(enterprises["uscc"])
    coded = records["code_printed"].notna()
    by_code = records.loc[coded, "code_printed"]
    hit = known.get_indexer(by_code) >= 0
    # codes not found as printed would go through repair_code; the synthetic ones are all valid
    linked = pd.Series(None, index=records.index, dtype=object)
    linked.loc[by_code.index[hit]] = by_code[hit]
    timings["codes"] = time.perf_counter() - t
    t = time.perf_counter()
    todo = records.loc[~coded]
    # normalising in worker processes costs more in pickling than it saves: rapidfuzz gets the cores instead
    q_names = _normalise_chunk(todo["name"].tolist())
    q_regions = _resolve_chunk(todo["region_text"].tolist())
    queries = [Query(r, n, g) for r, n, g in zip(todo["record_id"], q_names, q_regions, strict=True)]
    timings["normalise records"] = time.perf_counter() - t
    t = time.perf_counter()
    decisions = index.match(queries, workers=workers)
    timings["names"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started - timings["generate"]
    bands = pd.Series([d.band for d in decisions])
    auto_ids = pd.Series([d.enterprise_id for d in decisions], index=todo.index)
    auto = bands.eq(AUTO).to_numpy()
    correct = (auto_ids[auto] == todo["truth"][auto]).sum()
    timings["auto share"] = float(auto.mean()) if len(auto) else 0.0
    timings["auto precision"] = float(correct / auto.sum()) if auto.sum() else 1.0
    timings["review share"] = float(bands.eq(REVIEW).mean()) if len(bands) else 0.0
    timings["new share"] = float(bands.eq(NEW).mean()) if len(bands) else 0.0
    return timings


def bench_match(scale: int = 1_000_000, data: Path | None = None, workers: int = 2) -> int:
    folder = data or SHARED_INCINERATION
    print("[match quality]")
    if (folder / "plants.csv").exists():
        index, cases = evaluation_set(folder)
        figures, errors = evaluate(index, cases)
        print_quality(figures, errors)
    else:
        print(f"  skipped: {folder / 'plants.csv'} is absent")
    if scale:
        print(f"[match throughput] {scale:,} records (30 % without a USCC) against {scale:,} enterprises, "
              f"{workers} workers")
        figures_t = throughput(scale, scale, workers)
        for stage, value in figures_t.items():
            unit = "" if "share" in stage or "precision" in stage else " s"
            print(f"  {stage:<18} {value:.3f}{unit}" if unit == "" else f"  {stage:<18} {value:.1f}{unit}")
    return 0


def _bench_parse(**kwargs: object) -> int:
    from etl.bench_crawl import bench_parse

    return bench_parse(**kwargs)


def _bench_crawl(**kwargs: object) -> int:
    from etl.bench_crawl import bench_crawl

    return bench_crawl()


def _bench_hj212(**options: int) -> int:
    from etl.bench_hj212 import bench_hj212

    return bench_hj212(**options)


def _bench_load(scale: int, data: Path | None = None, values: int = 10_000_000, seed: int = 0) -> int:
    from etl.bench_load import bench_load

    return bench_load(values, data, seed)


TARGETS: dict[str, Callable[..., int]] = {"match": bench_match, "parse": _bench_parse, "crawl": _bench_crawl,
                                          "hj212": _bench_hj212, "load": _bench_load}


def run(target: str, scale: int, data: Path | None = None, **options: int | None) -> int:
    """`options` (e.g. hj212's connections, frames) are passed on when given."""
    return TARGETS[target](scale=scale, data=data, **{k: v for k, v in options.items() if v is not None})


def recall_by_kind(cases: list[Case], index: NameIndex) -> dict[str, tuple[int, int]]:
    queries = [Query(f"case{i}", normalise_name(c.query), record_region(c.region_text, name=normalise_name(c.query)))
               for i, c in enumerate(cases)]
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case, d in zip(cases, index.match(queries), strict=True):
        ok = d.enterprise_id == case.expected if case.expected else d.band != AUTO
        out[case.kind][0] += ok
        out[case.kind][1] += 1
    return {k: (v[0], v[1]) for k, v in sorted(out.items())}
