"""`qingtian bench generate`: a synthetic national register written as crawls, for load and match at scale.

Enterprises (valid USCCs on real GB/T 2260 codes, an industry mix by GB/T 4754 class, branches with their own
codes, names written differently by different sources), permits with outlets and limits, penalties (30 % without
a code, some codes printed with the faults etl/normalise.py repairs), credit ratings and daily monitoring values,
written exactly as the spiders write them: items JSON Lines citing a WARC response record per page (a list API's
JSON page), the archive index and the crawl report. Everything is drawn from the seed: the same seed writes the
same bytes. Files are streamed: no scale is held in memory.

The universe is one sequence of enterprise units (heads, each followed by its branches); every source walks it
from the start, so a source can be written in its own process and a prefix of the universe is the same whatever
the scale.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import IO, Any

import yaml
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawlers.helpers import uscc
from etl import normalise, regions, workers
from etl.load import content_hash

TABLES = Path(__file__).with_name("generate.yml")
# Synthetic records cite a synthetic host: nothing here was fetched from a real publisher.
ORIGIN = "https://synthetic.invalid"
PAGE_ITEMS = 500
PARSER_VERSION = "1"
# The day the synthetic crawls "ran": fixed, so that a seed always writes the same bytes.
CRAWLED = date(2026, 12, 1)
FETCHED_AT = f"{CRAWLED.isoformat()}T00:00:00Z"
# Monitoring values run up to the day before the crawl.
LAST_DAY = CRAWLED - timedelta(days=1)
MONITORING = "nat_envsc_incineration"
_MUNICIPALITIES = ("11", "12", "31", "50")
_ORG_ALPHABET = uscc.ALPHABET
# etl.load.content_hash is the sha256 of the sorted JSON of the fields (without *_url ones); checked here, so
# that the items can reuse the JSON they are written with, and fall back to calling it if it ever changes.
_PROBE = {"b": [1, "二"], "a": None, "c": {"y": 1.5, "x": "（"}}
_HASH_IS_PLAIN = content_hash(_PROBE) == hashlib.sha256(
    json.dumps(_PROBE, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


@cache
def tables() -> dict[str, Any]:
    with TABLES.open(encoding="utf-8") as fh:
        data: dict[str, Any] = yaml.safe_load(fh)
    return data


def crawl_id(seed: int) -> str:
    """The crawls' id (`%Y%m%dT%H%M%S%fZ`, as crawlers/run.py names crawls), fixed per seed."""
    return f"{CRAWLED.strftime('%Y%m%d')}T000000{seed % 1_000_000:06d}Z"


def hex_id(*parts: object, length: int = 32) -> str:
    """A stable upper-case hex id, the shape the platforms use for their record ids."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest().upper()[:length]


def _pick(rng: random.Random, weights: dict[Any, float]) -> Any:
    keys = list(weights)
    return rng.choices(keys, weights=[float(weights[k]) for k in keys])[0]


# ------------------------------------------------------------------------------------------- the universe


@dataclass(frozen=True, slots=True)
class Industry:
    code: str
    name: str
    weight: float
    word: str
    institution: str
    media: tuple[str, ...]
    management: dict[str, float]
    monitored: float
    registrations: dict[str, float]


@dataclass(frozen=True, slots=True)
class County:
    code: str
    name: str
    city_code: str  # the code a city-level authority registers under (the province for a municipality)
    city: str
    province_code: str
    province: str


@dataclass(frozen=True, slots=True)
class Unit:
    """One permit holder: a registered enterprise (or institution), or a branch with its own code."""

    index: int
    uscc: str
    name: str
    head: str | None  # the head office's name, for a branch
    registration: str  # USCC characters 1–2
    county: County
    industry: Industry
    management: str
    address: str
    longitude: float
    latitude: float
    monitored: bool
    established: date

    @property
    def region_text(self) -> str:
        c = self.county
        city = "" if c.city == c.province else c.city
        return c.province + city + ("" if c.name == c.city else c.name)


@cache
def industries() -> tuple[Industry, ...]:
    t = tables()
    return tuple(
        Industry(code=e["code"], name=e["name"], weight=float(e["weight"]), word=e["word"],
                 institution=e.get("institution", e["word"]), media=tuple(e["media"]),
                 management={k: float(v) for k, v in e["management"].items()}, monitored=float(e["monitored"]),
                 registrations={str(k): float(v) for k, v in (e.get("registrations")
                                                              or t["default_registrations"]).items()})
        for e in t["industries"]
    )


@cache
def counties() -> dict[str, tuple[County, ...]]:
    """Current county-level GB/T 2260 divisions per province prefix, with their city and province."""
    names = regions.table()
    ignored = set(normalise.RULES["names"]["ignored_regions"])
    out: dict[str, list[County]] = {p: [] for p in tables()["provinces"]}
    for code in sorted(regions.current()):
        if code[4:] == "00" or code[:2] not in out or names[code] in ignored:
            continue
        province = names[code[:2] + "0000"]
        city = names.get(code[:4] + "00", "")
        if code[:2] in _MUNICIPALITIES:
            city, city_code = province, code[:2] + "0000"
        elif not city or city in ignored or "直辖" in city:
            city, city_code = names[code], code  # a county-level city under the province
        else:
            city_code = code[:4] + "00"
        out[code[:2]].append(County(code, names[code], city_code, city, code[:2] + "0000", province))
    return {p: tuple(c) for p, c in out.items() if c}


def _short(name: str) -> str:
    return normalise.short_name(name) or name


def _org_body(rng: random.Random, key: int, a: int, b: int) -> str:
    """An 8-character organisation-code body unique per key: newer codes are MA + 6 characters, older 8 digits."""
    if rng.random() < 0.6:
        n = (key * a + b) % 31**6
        chars = []
        for _ in range(6):
            n, r = divmod(n, 31)
            chars.append(_ORG_ALPHABET[r])
        return "MA" + "".join(reversed(chars))
    return f"{(key * _DIGIT_STEP + b) % 10**8:08d}"


# Coprime to 10^8 and to 31: the key → body maps are bijections, so no two units share a code.
_DIGIT_STEP = 48_271_093


class Universe:
    """The enterprise units of one seed, in order: `units()` yields them, prefix-stable for every scale."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        t = tables()
        self.ratios = t["ratios"]
        self._industries = industries()
        self._industry_weights = [i.weight for i in self._industries]
        # Real-time monitoring is required of key dischargers (重点管理) with stacks: the odds are scaled so that
        # the expected share of monitored units is the national one.
        mean = sum(i.weight * i.monitored * i.management.get("重点管理", 0) / sum(i.management.values())
                   for i in self._industries if "废气" in i.media) / sum(self._industry_weights)
        self._monitor_base = float(self.ratios["monitored_share"]) / mean
        self._counties = counties()
        self._provinces = [p for p in t["provinces"] if p in self._counties]
        self._province_weights = [float(t["provinces"][p]) for p in self._provinces]
        self._centres = t["centres"]
        chars = t["trade_chars"]
        pairs = [a + b for a in chars for b in chars if a != b]
        random.Random(f"{seed}-trade").shuffle(pairs)
        self._pairs = pairs
        self._chars = chars
        self._counters: dict[tuple[str, str], int] = {}
        step = random.Random(f"{seed}-codes")
        self._a = step.randrange(1, 31**6)
        while self._a % 31 == 0:
            self._a += 1
        self._b = step.randrange(0, 10**8)

    def _trade(self, key: tuple[str, str]) -> str:
        k = self._counters.get(key, 0)
        self._counters[key] = k + 1
        # Each place and industry word starts somewhere else in the (seeded) sequence of pairs.
        pair = self._pairs[(k + zlib.crc32("|".join(key).encode())) % len(self._pairs)]
        return pair if k < len(self._pairs) else pair + self._chars[(k // len(self._pairs)) % len(self._chars)]

    def _county(self, rng: random.Random, province: str | None = None) -> County:
        province = province or rng.choices(self._provinces, weights=self._province_weights)[0]
        return rng.choice(self._counties[province])

    def _code(self, rng: random.Random, key: int, registration: str, county: County) -> str:
        level = _pick(rng, tables()["authority_levels"])
        region = {"county": county.code, "city": county.city_code, "province": county.province_code}[level]
        return uscc.make(region, _org_body(rng, key, self._a, self._b), prefix=registration)

    def _place(self, rng: random.Random, county: County) -> str:
        return _short(county.city) if rng.random() < 0.7 or county.name == county.city else _short(county.name)

    def _address(self, rng: random.Random, county: County) -> tuple[str, float, float]:
        lon, lat = self._centres[county.province_code[:2]]
        address = (f"{county.province}{'' if county.city == county.province else county.city}"
                   f"{'' if county.name == county.city else county.name}"
                   f"{rng.choice(['工业园区', '经济开发区', '高新区', '工业集中区', ''])}"
                   f"{rng.choice(['环城', '滨江', '兴业', '发展', '创业', '工业', '建设', '人民', '纬三', '经五'])}"
                   f"{rng.choice(['路', '大道', '街'])}{rng.randint(1, 999)}号")
        return address, round(lon + rng.uniform(-1.2, 1.2), 6), round(lat + rng.uniform(-0.9, 0.9), 6)

    def _name(self, rng: random.Random, registration: str, county: County, industry: Industry) -> str:
        suffix = _pick(rng, tables()["registrations"][registration]["suffixes"])
        if registration in ("12", "52"):
            return f"{county.name}{self._trade((county.name, industry.institution))}{industry.institution}"
        if registration in ("92", "93"):
            return f"{county.name}{self._trade((county.name, industry.word + suffix))}{industry.word}{suffix}"
        place = self._place(rng, county)
        trade = self._trade((place, industry.word + suffix))
        if rng.random() < 0.08:
            # 字号 + industry + （region）+ legal form: the region in brackets, as many registered names have it.
            return f"{trade}{industry.word}（{place}）{suffix}"
        return f"{place}{trade}{industry.word}{suffix}"

    def _unit(self, rng: random.Random, index: int, name: str, head: str | None, registration: str,
              county: County, industry: Industry) -> Unit:
        address, lon, lat = self._address(rng, county)
        management = _pick(rng, industry.management)
        monitored = (rng.random() < self._monitor_base * industry.monitored and management == "重点管理"
                     and "废气" in industry.media)
        established = date(1995, 1, 1) + timedelta(days=rng.randrange(0, 30 * 365 - 400))
        return Unit(index, self._code(rng, index, registration, county), name, head, registration, county,
                    industry, management, address, lon, lat, monitored, established)

    def units(self, count: int | None = None) -> Iterator[Unit]:
        """The first `count` units (all of them, endlessly, for None)."""
        rng = random.Random(f"{self.seed}-universe")
        index = 0
        branching = float(self.ratios["branching_share"])
        while count is None or index < count:
            industry = rng.choices(self._industries, weights=self._industry_weights)[0]
            registration = _pick(rng, industry.registrations)
            county = self._county(rng)
            name = self._name(rng, registration, county, industry)
            head = self._unit(rng, index, name, None, registration, county, industry)
            yield head
            index += 1
            if registration != "91" or rng.random() >= branching:
                continue
            places = {county.code, _short(county.city)}
            for _ in range(int(_pick(rng, self.ratios["branches"]))):
                if count is not None and index >= count:
                    return
                where = self._county(rng, county.province_code[:2] if rng.random() < 0.6 else None)
                place = _short(where.name) if where.city_code == county.city_code else _short(where.city)
                if where.code in places or place in places:
                    continue
                places |= {where.code, place}
                yield self._unit(rng, index, f"{name}{place}分公司", name, "91", where, industry)
                index += 1


# ------------------------------------------------------------------------------------------- name variants


def name_variant(name: str, county: County, rng: random.Random) -> str:
    """The name as another publisher writes it: brackets, legal form, region prefix or spacing changed."""
    kind = rng.randrange(5)
    if kind == 0 and ("（" in name or "(" in name):
        if "（" in name:
            return name.replace("（", "(").replace("）", ")")
        return name.replace("(", "（").replace(")", "）")
    if kind <= 1 and "股份" not in name and "分公司" not in name:
        if name.endswith("有限责任公司"):
            return name.removesuffix("有限责任公司") + "有限公司"
        if name.endswith("有限公司"):
            return name.removesuffix("有限公司") + "有限责任公司"
    for place in (_short(county.city), _short(county.name)):
        if kind == 2 and name.startswith(place) and len(name) - len(place) >= 8:
            return name.removeprefix(place)  # the region prefix dropped
        if kind == 3 and name.startswith(place) and not name.startswith(county.province[:2]):
            return _short(county.province) + name  # the province added
    if kind == 4 and name.endswith("有限公司"):
        return name.replace("有限公司", " 有限公司")
    return name


def printed_code(code: str, rng: random.Random) -> str:
    """A USCC printed with one of the faults real publishers make (etl/normalise.py repairs most of them)."""
    kind = rng.randrange(7)
    if kind == 0:
        return code.replace("0", "O", 1) if "0" in code[8:] else code.lower()  # look-alike letter
    if kind == 1:
        return f"{code}（{rng.randint(1, 3)}）"  # a running number per site
    if kind == 2:
        return f"{code}{rng.randint(1, 3):03d}{rng.choice('PQUVWXY')}"  # the permit number printed
    if kind == 3:
        return code[:6] + "*" * 8 + code[14:]  # masked
    if kind == 4:
        return code[8:17]  # the old organisation code
    if kind == 5:
        return f"{code[:9]} {code[9:]}"  # a space
    return code[:-1] + rng.choice([c for c in uscc.ALPHABET if c != code[-1]])  # a wrong check character


# ------------------------------------------------------------------------------------------------ crawls


@dataclass
class _Written:
    items: dict[str, int]
    pages: int
    bytes: int


class Crawl:
    """One synthetic crawl of one source: WARC + archive index, items (renamed from .part on close), report."""

    def __init__(self, data: Path, source: str, seed: int) -> None:
        self.source = source
        self.crawl_id = crawl_id(seed)
        raw = data / "raw" / source
        items = data / "items" / source
        raw.mkdir(parents=True, exist_ok=True)
        items.mkdir(parents=True, exist_ok=True)
        self.warc_path = raw / f"{self.crawl_id}.warc.gz"
        self.index_path = raw / f"{self.crawl_id}.index.jsonl"
        self.items_path = items / f"{self.crawl_id}.jsonl"
        self.report_path = items / f"{self.crawl_id}.report.json"
        self.part = self.items_path.with_suffix(".jsonl.part")
        self._warc: IO[bytes] = self.warc_path.open("wb")
        self._writer = WARCWriter(BytesIO(), gzip=False)
        self._offset = 0
        self._index: IO[str] = self.index_path.open("w", encoding="utf-8")
        self._items: IO[str] = self.part.open("w", encoding="utf-8")
        self.kinds: dict[str, int] = {}
        self.pages = 0

    def page(self, path: str, records: list[tuple[str, str, dict[str, Any]]]) -> None:
        """Archive one JSON page holding `records` (kind, key, fields) and write them as items citing it."""
        url = ORIGIN + path
        # Each record's fields are serialised once: for the page body, the item and its content hash.
        serialised = [json.dumps(f, ensure_ascii=False, sort_keys=True) for _, _, f in records]
        body = ('{"status": 1, "msg": "成功", "data": [' + ", ".join(serialised) + "]}").encode()
        digest = hashlib.sha256(body).hexdigest()
        buffer = BytesIO()
        record = self._writer.create_warc_record(
            url, "response", payload=BytesIO(body),
            http_headers=StatusAndHeaders("200 OK", [("Content-Type", "application/json; charset=utf-8"),
                                                     ("Content-Length", str(len(body)))], protocol="HTTP/1.1"),
            warc_headers_dict={"WARC-Date": FETCHED_AT, "WARC-Qingtian-Source": self.source,
                               "WARC-Record-ID": f"<urn:uuid:{uuid.UUID(hex_id(self.crawl_id, url, digest))}>"},
        )
        WARCWriter(buffer, gzip=False).write_record(record)
        # One gzip member per record, as warcio writes them (at a faster level than its 9).
        compressor = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS + 16)
        member = compressor.compress(buffer.getvalue()) + compressor.flush()
        offset = self._offset
        self._warc.write(member)
        self._offset += len(member)
        ref = {"digest": digest, "fetched_at": FETCHED_AT, "length": len(member), "offset": offset,
               "warc": f"{self.source}/{self.warc_path.name}"}
        self._index.write(json.dumps({"source": self.source, "crawl_id": self.crawl_id, "url": url,
                                      "method": "GET", "status": 200,
                                      "content_type": "application/json; charset=utf-8", "size": len(body),
                                      "warc": ref["warc"], "offset": offset, "length": ref["length"],
                                      "digest": digest, "fetched_at": FETCHED_AT}, ensure_ascii=False) + "\n")
        self.pages += 1
        # The item line as json.dumps(item, ensure_ascii=False, sort_keys=True) writes it, assembled from parts.
        head = (f'{{"archive": {json.dumps(ref, sort_keys=True)}, "content_hash": "')
        middle = f'", "crawl_id": "{self.crawl_id}", "fetched_at": "{FETCHED_AT}", "fields": '
        tail = f', "parser_version": "{PARSER_VERSION}", "record_id": '
        end = f', "source": "{self.source}", "url": {json.dumps(url, ensure_ascii=False)}}}\n'
        lines = []
        for (kind, key, fields), text in zip(records, serialised, strict=True):
            digest_fields = (hashlib.sha256(text.encode()).hexdigest() if _HASH_IS_PLAIN and not any(
                k.endswith("_url") for k in fields) else content_hash(fields))
            lines.append(f'{head}{digest_fields}{middle}{text}, "kind": "{kind}"{tail}'
                         f'{json.dumps(f"{self.source}:{key}", ensure_ascii=False)}{end}')
            self.kinds[kind] = self.kinds.get(kind, 0) + 1
        self._items.write("".join(lines))

    def close(self) -> _Written:
        self._warc.close()
        self._index.close()
        self._items.close()
        self.part.replace(self.items_path)
        report = {
            "source": self.source, "crawl_id": self.crawl_id, "live": False, "synthetic": True,
            "started": FETCHED_AT, "finished": FETCHED_AT, "finish_reason": "finished", "requests": self.pages,
            "incremental": False, "not_modified": 0, "skipped_known": {}, "responses": {"200": self.pages},
            "records": dict(sorted(self.kinds.items())), "errors": [], "ok": True,
        }
        self.report_path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        size = sum(p.stat().st_size for p in (self.warc_path, self.index_path, self.items_path, self.report_path))
        return _Written(dict(sorted(self.kinds.items())), self.pages, size)


class _Pager:
    """Collects records into pages of PAGE_ITEMS for one list endpoint."""

    def __init__(self, crawl: Crawl, path: str) -> None:
        self.crawl, self.path, self.rows, self.number = crawl, path, [], 0
        self.rows: list[tuple[str, str, dict[str, Any]]]

    def add(self, kind: str, key: str, fields: dict[str, Any]) -> None:
        self.rows.append((kind, key, fields))
        if len(self.rows) >= PAGE_ITEMS:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.number += 1
            self.crawl.page(self.path.format(page=self.number), self.rows)
            self.rows = []


# -------------------------------------------------------------------------------------------- monitoring


_BOILERS = {"焚烧炉": ("炉排炉", "循环流化床焚烧炉"), "锅炉": ("煤粉炉", "循环流化床锅炉")}


def _monitoring_pollutants() -> list[list[Any]]:
    return list(tables()["pollutants"]["废气"])


def _plant(unit: Unit, seed: int, rng: random.Random) -> tuple[dict[str, Any], list[dict[str, Any]], list[list[Any]]]:
    """A monitored unit as the platform lists it: the plant, its outlets (1–3) and its pollutants (3–6)."""
    ps_code = hex_id(seed, "ps", unit.uscc)
    outlets = rng.choices((1, 2, 3), weights=(0.35, 0.4, 0.25))[0]
    c = unit.county
    name = name_variant(unit.name, c, rng) if rng.random() < 0.3 else unit.name
    capacity = rng.choice((300, 400, 500, 600, 750, 800, 1000, 1200, 1500, 2250, 3000))
    plant = {
        "ps_code": ps_code, "ps_name": name,
        "credit_code": "" if rng.random() < 0.03 else unit.uscc,
        "region_name": c.city, "fullregion_name": "-".join(dict.fromkeys((_short(c.province), _short(c.city),
                                                                            c.name))),
        "address": unit.address, "longitude": unit.longitude, "latitude": unit.latitude,
        "burn_ability": f"{capacity}t/d", "electric_power": f"{capacity * 20}KW", "boiler_num": outlets,
    }
    furnace = "焚烧炉" if unit.industry.code == "4417" else "锅炉"
    outlet_rows = [{
        "ps_code": ps_code, "mp_code": hex_id(seed, "mp", unit.uscc, n),
        "mp_name": f"{n}号{furnace}排气筒DA{n:03d}", "boiler_name": f"{n}号{furnace}",
        "boiler_type": rng.choice(_BOILERS[furnace]),
        "burn_ability": str(capacity // outlets), "stopopen_status": "",
    } for n in range(1, outlets + 1)]
    pollutants = _monitoring_pollutants()
    chosen = pollutants[:3] + rng.sample(pollutants[3:], rng.randint(0, len(pollutants) - 3))
    return plant, outlet_rows, sorted(chosen, key=lambda p: p[1])


def _write_plant(crawl: Crawl, plants: _Pager, outlets: _Pager, unit: Unit, seed: int, days: int,
                 max_values: int | None = None) -> int:
    """Write one plant, its outlets and their daily values (at most `max_values`); returns the values written."""
    rng = random.Random(f"{seed}-plant-{unit.index}")
    plant, outlet_rows, pollutants = _plant(unit, seed, rng)
    ps_code = plant["ps_code"]
    plants.add("plant", ps_code, plant)
    t = tables()
    remarks = {k: float(v) for k, v in t["monitoring_remarks"].items()}
    exceed = float(t["exceedance_share"])
    first = LAST_DAY - timedelta(days=days - 1)
    written = 0
    for outlet in outlet_rows:
        mp_code = outlet["mp_code"]
        outlets.add("outlet", f"{ps_code}:{mp_code}", outlet)
        levels = {p[1]: rng.uniform(0.1, 0.7) for p in pollutants}
        rows: list[tuple[str, str, dict[str, Any]]] = []
        for d in range(days):
            if max_values is not None and written >= max_values:
                break
            day = (first + timedelta(days=d)).isoformat()
            draw = rng.random()
            remark = ""
            for flag, share in remarks.items():
                if draw < share:
                    remark = flag
                    break
                draw -= share
            blank = remark == "停炉" or (remark == "通讯中断" and rng.random() < 0.5)
            over = "" if remark else (rng.choice(pollutants)[1] if rng.random() < exceed else "")
            for name, code, limit, _ in pollutants:
                if blank:
                    value: float | None = None
                elif code == over:
                    value = round(limit * rng.uniform(1.02, 1.8), 2)
                else:
                    value = round(min(limit * levels[code] * rng.uniform(0.75, 1.25), limit * 0.95), 2)
                rows.append(("monitoring_value", f"{ps_code}:{mp_code}:{day}:{code}", {
                    "ps_code": ps_code, "mp_code": mp_code, "day": day, "monitor_time": f"{day} 00:00:00",
                    "pollutant_code": code, "pollutant_name": name, "strength": value,
                    "standard_value": float(limit), "remark": remark,
                    "status": "1" if value is not None and value > limit else "0", "data_status": "0",
                }))
                written += 1
        for start in range(0, len(rows), PAGE_ITEMS):
            page = rows[start:start + PAGE_ITEMS]
            span = f"begin={page[0][2]['day'].replace('-', '')}&end={page[-1][2]['day'].replace('-', '')}"
            crawl.page(f"/OutInterface/GetMonitorDataList.ashx?pscode={ps_code}&outputcode={mp_code}&{span}", page)
    return written


def _monitoring_pagers(crawl: Crawl) -> tuple[_Pager, _Pager]:
    return (_Pager(crawl, "/OutInterface/GetPSList.ashx?regionCode=0&psname=&page={page}"),
            _Pager(crawl, "/OutInterface/GetBurnList.ashx?page={page}"))


def write_monitoring_values(data: Path, values: int, seed: int = 0, days: int = 365) -> str:
    """Write about `values` daily values (plus the plants and outlets they belong to) as one crawl of the
    monitoring source; returns the crawl id. The plants are the universe's first monitored units."""
    crawl = Crawl(data, MONITORING, seed)
    plants, outlets = _monitoring_pagers(crawl)
    written = 0
    for unit in Universe(seed).units():
        if written >= values:
            break
        if unit.monitored:
            written += _write_plant(crawl, plants, outlets, unit, seed, days, values - written)
    plants.flush()
    outlets.flush()
    crawl.close()
    return crawl.crawl_id


# ----------------------------------------------------------------------------------------------- permits

PERMITS = "nat_mee_permits"
_MEDIUM = {"废气": "air", "废水": "water"}
# Pollutants with permitted annual amounts (许可排放量) at main outlets.
_AMOUNT_LIMITED = frozenset({"颗粒物", "二氧化硫", "氮氧化物", "化学需氧量", "氨氮"})
_BUSINESS_TYPES = ("首次申请", "首次申请", "延续", "变更", "重新申请")


def _permit_number(unit: Unit, rng: random.Random) -> str:
    # HJ 608-2017: USCC + three-digit site number + a letter; a registration (排污登记) ends in W.
    return f"{unit.uscc}001{'W' if unit.management == '登记管理' else rng.choice('CUQPVXY')}"


def _write_permit(outlets_page: _Pager, permits_page: _Pager, limits_page: _Pager, unit: Unit, seed: int) -> None:
    rng = random.Random(f"{seed}-permit-{unit.index}")
    number = _permit_number(unit, rng)
    issued = unit.established + timedelta(days=rng.randrange(200, 3000))
    issued = min(issued, CRAWLED - timedelta(days=rng.randrange(30, 400)))
    valid_to = issued.replace(year=issued.year + 5) - timedelta(days=1) if issued.month != 2 or issued.day != 29 \
        else issued.replace(year=issued.year + 5, day=28)
    c = unit.county
    business = rng.choice(_BUSINESS_TYPES)
    dataid = hex_id(seed, "permit", number).lower()
    permits_page.add("permit", number, {
        "address": unit.address, "authority": f"{c.city}生态环境局", "business_type": business,
        "city": c.city, "dataid": dataid,
        "detail_url": f"{ORIGIN}/perxxgkinfo/xkgkAction!xkgk.action?xkgk=getxxgkContent&dataid={dataid}",
        "enterprise_name": unit.name, "industry": unit.industry.name, "issued": issued.isoformat(),
        "latitude": unit.latitude, "longitude": unit.longitude, "management": unit.management,
        "permit_number": number, "pollutant_categories": list(unit.industry.media), "province": c.province,
        "region": unit.region_text, "uscc": unit.uscc, "valid_from": issued.isoformat(),
        "valid_to": valid_to.isoformat(), "version": "1" if business == "首次申请" else str(rng.randint(2, 4)),
    })
    if unit.management == "登记管理":
        return
    # A monitored unit's main air outlets are its monitoring-platform stacks (`1号焚烧炉排气筒` + `DA001`).
    stacks = ([o["mp_name"].removesuffix(f"DA{n:03d}") for n, o in enumerate(
        _plant(unit, seed, random.Random(f"{seed}-plant-{unit.index}"))[1], 1)] if unit.monitored else [])
    pollutant_table = tables()["pollutants"]
    for medium in unit.industry.media:
        prefix = "DA" if medium == "废气" else "DW"
        count = (len(stacks) or rng.randint(1, 3)) if medium == "废气" else 1
        for n in range(1, count + 1):
            code = f"{prefix}{n:03d}"
            main = (medium == "废气" and bool(stacks)) or (unit.management == "重点管理" and n == 1)
            name = (stacks[n - 1] if stacks and medium == "废气" else
                    f"{n}号废气排气筒" if medium == "废气" else "废水总排放口")
            outlets_page.add("permit_outlet", f"{number}:{code}", {
                "medium": _MEDIUM[medium], "national_code": f"{number}{code}", "outlet_code": code,
                "outlet_name": name, "outlet_type": "main" if main else "general", "permit_number": number,
                "uscc": unit.uscc,
            })
            chosen = pollutant_table[medium][:rng.randint(2, len(pollutant_table[medium]))]
            for pollutant, _, limit, unit_text in chosen:
                unit_text = "mg/Nm3" if medium == "废气" else unit_text
                annual = ([round(rng.uniform(0.5, 80), 3)] * 5 if main and pollutant in _AMOUNT_LIMITED
                          else [None] * 5)
                hourly = None if medium == "废水" else float(limit)
                daily = float(limit) if medium == "废水" or rng.random() < 0.3 else None
                text = " | ".join(str(x) if x is not None else "/" for x in (
                    code, name, pollutant, hourly, daily, None, None, *annual))
                limits_page.add("permit_limit", f"{number}:{code}:{pollutant}", {
                    "annual_t": annual, "daily_limit": daily, "daily_unit": unit_text if daily is not None else None,
                    "hourly_limit": hourly, "hourly_unit": unit_text if hourly is not None else None,
                    "limit_text": text, "medium": _MEDIUM[medium], "outlet_code": code, "permit_number": number,
                    "pollutant_name": pollutant, "rate_limit_kg_h": None, "stricter_limit": None,
                })


def write_permits(data: Path, units: int, seed: int = 0) -> dict[str, Any]:
    crawl = Crawl(data, PERMITS, seed)
    permits = _Pager(crawl, "/perxxgkinfo/syssb/xkgg/xkgg!licenseInformation.action?page={page}")
    outlets = _Pager(crawl, "/perxxgkinfo/xkgkAction!xkgk.action?xkgk=outlets&page={page}")
    limits = _Pager(crawl, "/perxxgkinfo/xkgkAction!xkgk.action?xkgk=limits&page={page}")
    for unit in Universe(seed).units(units):
        _write_permit(outlets, permits, limits, unit, seed)
    for pager in (permits, outlets, limits):
        pager.flush()
    return _summary(crawl)


# --------------------------------------------------------------------------------------------- penalties

CREDITCHINA = "nat_creditchina_penalties"
JIAXING = "zj_jxsthj_penalties"
JIAXING_CITY = "330400"
_CN_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _person(rng: random.Random) -> str:
    t = tables()
    return rng.choice(t["surnames"]) + "".join(rng.choice(t["given"]) for _ in range(rng.randint(1, 2)))


def _fine_text(fine: int, rng: random.Random) -> str:
    if fine % 10000 == 0 and rng.random() < 0.5:
        return f"罚款{fine // 10000}万元"
    return f"罚款人民币{fine}元"


class _Penalties:
    """Decisions against the units: the 嘉兴 bureau's column for its own, Credit China for every one."""

    def __init__(self, data: Path, seed: int) -> None:
        self.seed = seed
        self.national = Crawl(data, CREDITCHINA, seed)
        self.jiaxing = Crawl(data, JIAXING, seed)
        self.national_page = _Pager(self.national, "/xyxx/api/credit/punishments?page={page}&pageSize=500")
        self.jiaxing_page = _Pager(self.jiaxing, "/xxgk/xzcf/list_{page}.json")
        self.numbers: dict[tuple[str, int], int] = {}
        t = tables()
        self.violations = t["violations"]
        self.weights = [float(v["weight"]) for v in self.violations]
        self.ratios = t["ratios"]
        self.decisions = 0
        self.without_code = 0

    def add(self, unit: Unit, rng: random.Random) -> None:
        count = int(_pick(rng, tables()["penalty_counts"]))
        for _ in range(count):
            self._decision(unit, rng)

    def _decision(self, unit: Unit, rng: random.Random) -> None:
        c = unit.county
        violation = rng.choices(self.violations, weights=self.weights)[0]
        day = CRAWLED - timedelta(days=rng.randrange(15, 6 * 365))
        inspected = day - timedelta(days=rng.randrange(20, 120))
        abbreviation = _short(c.city)[0] + "环"
        county_mark = f"（{_short(c.name)[0]}）" if c.name != c.city and rng.random() < 0.3 else ""
        key = (abbreviation + county_mark, day.year)
        self.numbers[key] = self.numbers.get(key, 0) + 1
        number_norm = f"{abbreviation}{county_mark}罚〔{day.year}〕{self.numbers[key]}号"
        pollutant = rng.choice(violation.get("pollutants") or ["颗粒物"])
        limit = {"颗粒物": 20, "二氧化硫": 200, "氮氧化物": 200, "氯化氢": 30, "化学需氧量": 100, "氨氮": 15,
                 "总磷": 0.5, "总铬": 1.5, "六价铬": 0.5, "总镍": 1.0}.get(pollutant, 50)
        multiple = round(rng.choice((rng.uniform(0.05, 1.5), rng.uniform(0.05, 4.0))), 2)
        facts = violation["facts"].format(
            d=f"{inspected.year}年{inspected.month}月{inspected.day}日", p=pollutant,
            v=round(limit * (1 + multiple), 2), l=limit, m=multiple, t=round(rng.uniform(0.3, 12), 1),
            n=rng.randint(3, 30), o=f"{rng.randint(1, 3)}号排气筒")
        low, high = violation["fine"]
        fine = int(round(rng.uniform(low, high), -3))
        types = list(violation["types"])
        self.decisions += 1
        code: str | None = unit.uscc
        if rng.random() < float(self.ratios["penalties_without_code"]):
            code = None
            self.without_code += 1
        elif rng.random() < float(self.ratios["faulty_codes"]):
            code = printed_code(unit.uscc, rng)
        party = name_variant(unit.name, c, rng) if rng.random() < 0.25 else unit.name
        authority = f"{c.city}生态环境局"
        representative = _person(rng)
        common = {
            "authority": authority, "decision_date": day.isoformat(), "decision_number_norm": number_norm,
            "facts": facts, "fine_text": _fine_text(fine, rng), "fine_yuan": fine,
            "laws_applied": list(violation["applied"]), "laws_violated": list(violation["violated"]),
            "legal_representative": representative, "party": party, "party_type": "organisation",
            "penalty_types": types, "uscc": code, "uscc_masked": bool(code and "*" in code),
        }
        title = f"{party}{violation['title']}案"
        if c.city_code == JIAXING_CITY:
            printed = number_norm.replace("〔", "[").replace("〕", "]") if rng.random() < 0.3 else number_norm
            self.jiaxing_page.add("penalty", number_norm, {
                **common, "address": unit.address, "confiscated_yuan": None, "decision_number": printed,
                "source_page_title": f"{party}行政处罚决定书", "title": f"{authority}行政处罚决定书",
            })
            if rng.random() >= 0.5:
                return  # also on Credit China only half the time
        basis = (f"违反了{'、'.join(violation['violated'])}的规定，依据{'、'.join(violation['applied'])}的规定")
        raw = {
            "CF_CFJG": authority, "CF_CFLB": "罚款", "CF_CFMC": title, "CF_FRDB": representative,
            "CF_JDRQ": day.isoformat(), "CF_NR": common["fine_text"], "CF_NR_FK": fine / 10000,
            "CF_SY": facts, "CF_WFXW": violation["title"], "CF_WSH": number_norm, "CF_XDR_LB": "法人及非法人组织",
            "CF_XDR_MC": party, "CF_XDR_SHXYM": code or "", "CF_YJ": basis,
        }
        until = (day.replace(year=day.year + 1) if day.month != 2 or day.day != 29 else day + timedelta(days=365))
        self.national_page.add("penalty", number_norm, {
            **common, "authority_code": "", "basis_text": basis, "data_source": authority,
            "decision_number": number_norm, "publicity_until": until.isoformat(), "raw": raw,
            "valid_until": until.isoformat(), "violation_type": violation["title"],
        })

    def close(self) -> list[dict[str, Any]]:
        self.national_page.flush()
        self.jiaxing_page.flush()
        return [_summary(self.national), _summary(self.jiaxing)]


# ------------------------------------------------------------------------------------------ credit ratings

CREDIT = "zj_sthjt_credit_ratings"


class _Ratings:
    def __init__(self, data: Path, seed: int) -> None:
        self.crawl = Crawl(data, CREDIT, seed)
        t = tables()
        self.grades = {k: (v[0], float(v[1])) for k, v in t["credit_grades"].items()}
        self.reasons = t["credit_reasons"]
        self.share = float(t["credit_share"])
        self.pages = {year: _Pager(self.crawl, f"/module/download/downfile.jsp?classid=0&year={year}&part={{page}}")
                      for year in t["credit_years"]}

    def add(self, unit: Unit, rng: random.Random) -> None:
        if unit.county.province_code != "330000" or unit.management == "登记管理":
            return
        for year, pager in self.pages.items():
            if rng.random() >= self.share:
                continue
            grade = _pick(rng, {k: v[1] for k, v in self.grades.items()})
            notice = date(year + 1, 3, 20)
            code = "" if rng.random() < 0.05 else unit.uscc
            name = name_variant(unit.name, unit.county, rng) if rng.random() < 0.15 else unit.name
            pager.add("credit_rating", f"{year}:{code or hex_id(name, length=16)}", {
                "attachment_type": "xlsx", "attachment_url": ORIGIN + pager.path.format(page=pager.number + 1),
                "city": unit.county.city, "county": unit.county.name, "enterprise_name": name, "grade": grade,
                "grade_label": self.grades[grade][0], "notice_date": notice.isoformat(),
                "notice_number": f"浙环函〔{year + 1}〕58号",
                "notice_title": f"浙江省生态环境厅关于公布{year}年度企业环境信用评价结果的通知",
                "notice_url": f"{ORIGIN}/art/{year + 1}/3/20/art_1229116_{year}.html",
                "reasons": [] if grade in ("green", "blue") else rng.sample(self.reasons, rng.randint(1, 2)),
                "uscc": code, "year": year,
            })

    def close(self) -> dict[str, Any]:
        for pager in self.pages.values():
            pager.flush()
        return _summary(self.crawl)


def write_records(data: Path, units: int, seed: int = 0) -> list[dict[str, Any]]:
    """Penalties (two sources) and credit ratings of the first `units` units."""
    penalties, ratings = _Penalties(data, seed), _Ratings(data, seed)
    rng = random.Random(f"{seed}-records")
    for unit in Universe(seed).units(units):
        penalties.add(unit, rng)
        ratings.add(unit, rng)
    return [*penalties.close(), ratings.close()]


# ------------------------------------------------------------------------------------------------ generate


def _summary(crawl: Crawl) -> dict[str, Any]:
    written = crawl.close()
    return {"source": crawl.source, "crawl_id": crawl.crawl_id, "records": written.items, "pages": written.pages,
            "bytes": written.bytes}


def write_monitoring(data: Path, units: int, seed: int = 0, days: int = 365) -> dict[str, Any]:
    """The monitored units among the first `units`: plants, outlets and `days` daily values per pollutant."""
    crawl = Crawl(data, MONITORING, seed)
    plants, outlets = _monitoring_pagers(crawl)
    for unit in Universe(seed).units(units):
        if unit.monitored:
            _write_plant(crawl, plants, outlets, unit, seed, days)
    plants.flush()
    outlets.flush()
    return _summary(crawl)


def scale_units(scale: str | int) -> int:
    """Enterprise units for a named scale (national, 1m, 100k) or a count (`2000`, `5k`)."""
    named = tables()["scales"]
    text = str(scale).strip().lower()
    if text in named:
        return int(named[text])
    multiplier = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if multiplier > 1 else text
    if not number.isdigit() or int(number) * multiplier < 1:
        raise ValueError(f"scale {scale!r}: expected one of {', '.join(named)} or a count such as 2000 or 5k")
    return int(number) * multiplier


def _task(args: tuple[str, Path, int, int, int]) -> tuple[list[dict[str, Any]], float]:
    name, data, units, seed, days = args
    started = time.perf_counter()
    if name == "permits":
        out = [write_permits(data, units, seed)]
    elif name == "monitoring":
        out = [write_monitoring(data, units, seed, days)]
    else:
        out = write_records(data, units, seed)
    return out, time.perf_counter() - started


def generate(scale: str | int, data: Path, seed: int = 0, monitoring_days: int = 365,
             processes: int = 2, lake: bool = True) -> dict[str, Any]:
    """Write every synthetic source for `scale` into the data folder `data`; returns what was written.

    Like a crawl when it closes, each source's crawl then lands in the Parquet lake too (`lake=False`: not,
    and `qingtian load` exports it first)."""
    units = scale_units(scale)
    if monitoring_days < 1:
        raise ValueError(f"monitoring days: {monitoring_days}, expected at least 1")
    started = time.perf_counter()
    tasks = [(name, data, units, seed, monitoring_days) for name in ("monitoring", "permits", "records")]
    if processes > 1:
        with workers.pool(processes) as pool:
            results = list(pool.map(_task, tasks))
    else:
        results = [_task(t) for t in tasks]
    sources = sorted((s for out, _ in results for s in out), key=lambda s: s["source"])
    exported = time.perf_counter()
    if lake:
        from etl.lake import export_crawl

        for source in sources:
            export_crawl(data, source["source"], crawl_id(seed))
    lake_seconds = round(time.perf_counter() - exported, 1)
    return {"scale": str(scale), "units": units, "seed": seed, "monitoring_days": monitoring_days,
            "crawl_id": crawl_id(seed), "sources": sources,
            "records": sum(sum(s["records"].values()) for s in sources),
            "bytes": sum(s["bytes"] for s in sources), "seconds": round(time.perf_counter() - started, 1),
            "task_seconds": {t[0]: round(r[1], 1) for t, r in zip(tasks, results, strict=True)},
            "lake_seconds": lake_seconds}


def cmd_generate(args: Any) -> int:
    """`qingtian bench generate`: write the synthetic crawls and print what was written."""
    import resource

    from crawlers import paths

    data = Path(args.data).resolve() if args.data else paths.data_dir()
    try:
        result = generate(args.scale, data, seed=args.seed, monitoring_days=args.monitoring_days)
    except ValueError as exc:
        raise SystemExit(f"bench generate: {exc}") from None
    print(f"  {result['units']:,} enterprises (scale {result['scale']}, seed {result['seed']}, "
          f"{result['monitoring_days']} monitoring days) → {data} (crawl {result['crawl_id']})")
    for source in result["sources"]:
        kinds = ", ".join(f"{n:,} {kind}" for kind, n in source["records"].items())
        print(f"  {source['source']:<28} {kinds}; {source['pages']:,} pages, {source['bytes'] / 1e6:,.1f} MB")
    peak = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    tasks = ", ".join(f"{k} {v} s" for k, v in result["task_seconds"].items())
    print(f"  {result['records']:,} records, {result['bytes'] / 1e6:,.1f} MB in {result['seconds']} s "
          f"({tasks}; lake export {result['lake_seconds']} s); peak memory of one process {peak / 1024:,.0f} MiB")
    return 0
