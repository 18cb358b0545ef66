"""`qingtian bench generate`: synthetic crawls that load and match unchanged, deterministic per seed."""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from stdnum.cn import uscc as stdnum_uscc
from warcio.archiveiterator import ArchiveIterator

from crawlers.helpers import uscc
from etl import generate
from etl.cli import main
from etl.load import content_hash, load
from etl.match import match
from etl.normalise import repair_code
from etl.warehouse import connect

UNITS = 1500
SEED = 7


def _items(data: Path, source: str) -> list[dict[str, Any]]:
    (path,) = (data / "items" / source).glob("*.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _hashes(data: Path) -> dict[str, str]:
    """Every file's sha256, but the lake's per-crawl manifests: they record when the crawl was exported."""
    return {p.relative_to(data).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(data.rglob("*")) if p.is_file() and "_crawls" not in p.parts}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    data = tmp_path_factory.mktemp("generated") / "data"
    return data, generate.generate(UNITS, data, seed=SEED, monitoring_days=30, processes=1)


def test_scales() -> None:
    assert [generate.scale_units(s) for s in ("national", "1m", "100k", "5k", "2000", 300)] == [
        3_500_000, 1_000_000, 100_000, 5_000, 2_000, 300]
    for bad in ("huge", "0", "-5", "1.5k"):
        with pytest.raises(ValueError, match="expected one of national, 1m, 100k"):
            generate.scale_units(bad)


def test_universe_codes_names_and_branches() -> None:
    units = list(generate.Universe(SEED).units(5000))
    assert len(units) == 5000
    codes = [u.uscc for u in units]
    assert all(uscc.is_valid(c) for c in codes)
    assert all(stdnum_uscc.is_valid(c) for c in codes)  # python-stdnum agrees (every code starts with digits)
    assert all(uscc.is_valid_org_code(c[8:17]) for c in codes)
    assert len(set(codes)) == 5000 and len({u.name for u in units}) == 5000
    kinds = Counter(c[:2] for c in codes)
    assert kinds["91"] / 5000 > 0.8 and set(kinds) <= {"91", "92", "93", "12", "52"}
    branches = [u for u in units if u.head]
    assert 250 < len(branches) < 600
    heads = {u.name: u for u in units if not u.head}
    for branch in branches:
        assert branch.name.startswith(branch.head) and branch.name.endswith("分公司")
        assert branch.uscc != heads[branch.head].uscc
    # Division codes are real GB/T 2260 codes of the unit's county, city or province.
    assert all(c[2:8] in (u.county.code, u.county.city_code, u.county.province_code) for c, u in zip(codes, units,
                                                                                                  strict=True))
    # A prefix of the universe is the same whatever the scale.
    assert [u.uscc for u in generate.Universe(SEED).units(100)] == codes[:100]


def test_printed_code_faults_are_what_normalise_knows() -> None:
    import random

    rng = random.Random(1)
    code = next(generate.Universe(SEED).units(1)).uscc
    statuses = Counter(repair_code(generate.printed_code(code, rng)).status for _ in range(300))
    assert set(statuses) == {"valid", "repaired", "masked", "org_code", "invalid"}


def test_items_are_crawl_items(generated: tuple[Path, dict[str, Any]]) -> None:
    data, result = generated
    assert {s["source"]: s["records"] for s in result["sources"]} == {
        "nat_creditchina_penalties": {"penalty": 848},
        "nat_envsc_incineration": {"monitoring_value": 1440, "outlet": 11, "plant": 5},
        "nat_mee_permits": {"permit": 1500, "permit_limit": 6252, "permit_outlet": 1591},
        "zj_jxsthj_penalties": {"penalty": 1},
        "zj_sthjt_credit_ratings": {"credit_rating": 58},
    }
    for source in result["sources"]:
        name = source["source"]
        report = json.loads((data / "items" / name / f"{result['crawl_id']}.report.json").read_text())
        assert report["ok"] and report["records"] == source["records"]
        index = [json.loads(line) for line in
                 (data / "raw" / name / f"{result['crawl_id']}.index.jsonl").read_text().splitlines()]
        assert len(index) == source["pages"] == report["requests"]
        by_offset = {entry["offset"]: entry for entry in index}
        warc = (data / "raw" / name / f"{result['crawl_id']}.warc.gz").read_bytes()
        lines = (data / "items" / name / f"{result['crawl_id']}.jsonl").read_text(encoding="utf-8").splitlines()
        for line in lines:
            item = json.loads(line)
            assert line == json.dumps(item, ensure_ascii=False, sort_keys=True)
            assert item["content_hash"] == content_hash(item["fields"])
            assert item["record_id"].startswith(f"{name}:") and item["crawl_id"] == result["crawl_id"]
            entry = by_offset[item["archive"]["offset"]]
            assert (entry["digest"], entry["length"], entry["url"]) == (
                item["archive"]["digest"], item["archive"]["length"], item["url"])
        assert len({json.loads(line)["record_id"] for line in lines}) == len(lines)
        for entry in index:
            record = next(iter(ArchiveIterator(io.BytesIO(warc[entry["offset"]:entry["offset"] + entry["length"]]))))
            body = record.content_stream().read()
            assert hashlib.sha256(body).hexdigest() == entry["digest"]
            assert record.rec_headers.get_header("WARC-Target-URI") == entry["url"]


def test_penalties_without_code_and_faulty_codes(generated: tuple[Path, dict[str, Any]]) -> None:
    data, _ = generated
    penalties = _items(data, "nat_creditchina_penalties") + _items(data, "zj_jxsthj_penalties")
    without = sum(1 for p in penalties if p["fields"]["uscc"] is None)
    assert len(penalties) == 849 and without == 257  # 30.3 %
    # A printed code with a space is valid once compacted; the other faults are repaired, masked or reported.
    printed = Counter(repair_code(p["fields"]["uscc"]).status for p in penalties if p["fields"]["uscc"])
    assert printed == {"valid": 577, "repaired": 8, "masked": 3, "org_code": 1, "invalid": 3}


def test_load_and_match_run_unchanged(generated: tuple[Path, dict[str, Any]], monkeypatch: pytest.MonkeyPatch,
                                      tmp_path: Path) -> None:
    data, _ = generated
    monkeypatch.setenv("QINGTIAN_DATA", str(data))
    result = load(data)
    assert (result.files, result.errors) == (15, [])
    match()
    con = connect()
    try:
        def one(sql: str) -> Any:
            return con.execute(sql).fetchall()

        assert one("SELECT count(*) FROM marts.enterprises") == [(1502,)]
        assert dict(one("SELECT link_method, count(*) FROM marts.penalties GROUP BY ALL")) == {
            "uscc_exact": 577, "name_exact": 187, "review": 73, "uscc_repaired": 8, "org_code": 1,
            "provisional": 2}
        # The one 嘉兴 decision also on Credit China is one decision.
        assert one("SELECT count(*) FILTER (serious), count(*) FROM marts.penalties") == [(135, 848)]
        assert one("SELECT count(*), count(enterprise_id), count(*) FILTER (exceeded), count(*) FILTER (flagged) "
                   "FROM marts.monitoring_values") == [(1440, 1440, 4, 113)]
        assert one("SELECT count(*), count(national_code), count(*) FILTER (exceeded) "
                   "FROM marts.outlet_values") == [(1440, 1440, 4)]
        assert one("SELECT count(*) FROM marts.permit_outlets WHERE monitoring_outlet IS NOT NULL") == [(11,)]
        assert one("SELECT count(*) FROM marts.credit_ratings WHERE enterprise_id IS NOT NULL") == [(58,)]
        assert one("SELECT count(*) FROM marts.permits WHERE enterprise_name LIKE '%分公司'") == [(82,)]
    finally:
        con.close()


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate.generate(300, first, seed=3, monitoring_days=5, processes=1)
    generate.generate(300, second, seed=3, monitoring_days=5, processes=2)
    generate.generate(300, other, seed=4, monitoring_days=5, processes=1)
    assert _hashes(first) == _hashes(second)
    assert _hashes(first).keys() != _hashes(other).keys()  # another seed, another crawl id
    # Like a closed crawl, each source is in the lake too (hive layout), with its export manifest.
    lake = sorted(k.split("/")[2] for k in _hashes(first) if k.startswith("lake/items/") and k.endswith(".parquet"))
    assert sorted(set(lake)) == [f"source={s}" for s in ("nat_creditchina_penalties", "nat_envsc_incineration",
                                                         "nat_mee_permits", "zj_sthjt_credit_ratings")]
    # 300 enterprises hold no 嘉兴 unit: that source's crawl is empty, exported as a manifest without rows.
    assert len(list((first / "lake" / "_crawls").glob("*/*.json"))) == 5


def test_write_monitoring_values(tmp_path: Path) -> None:
    crawl = generate.write_monitoring_values(tmp_path, 5000, seed=SEED, days=20)
    assert crawl == generate.crawl_id(SEED)
    report = json.loads((tmp_path / "items" / generate.MONITORING / f"{crawl}.report.json").read_text())
    assert report["records"] == {"monitoring_value": 5000, "outlet": 57, "plant": 30}
    values = _items(tmp_path, generate.MONITORING)
    assert sum(1 for v in values if v["fields"].get("status") == "1") == 7
    assert {v["fields"]["remark"] for v in values if v["kind"] == "monitoring_value"} == {"", "通讯中断", "CEMS维护", "停炉"}


def test_cli(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "generate", "--scale", "200", "--seed", "2", "--monitoring-days", "3"]) == 0
    out = capsys.readouterr().out
    assert "200 enterprises (scale 200, seed 2, 3 monitoring days)" in out
    assert "nat_mee_permits" in out and "permit_limit" in out and "peak memory" in out
    assert len(list(data_dir.glob("items/*/*.jsonl"))) == 5
    with pytest.raises(SystemExit, match="scale 'lots'"):
        main(["bench", "generate", "--scale", "lots"])
