"""Name matching in `qingtian match`: bands, branches, provisional enterprises, idempotence, old warehouses."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from crawlers import paths
from etl.load import load
from etl.match import NamedRecord, NameIndex, Query, link_records, match, provisional_id
from etl.normalise import normalise_name
from etl.warehouse import connect, table_fingerprints
from tests.conftest import shared_data
from tests.etl.crawl_fixture import GOOD, OTHER, penalty, permit, write_crawl

P = "zj_jxsthj_penalties:嘉环罚〔2025〕"


@pytest.fixture
def crawled(data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QINGTIAN_JUDGEMENTS", str(tmp_path / "judgements.csv"))
    write_crawl(data_dir, "nat_mee_permits", "c1", [
        permit(f"{GOOD}001P", "嘉兴恒瑞环保能源有限公司"),
        permit(f"{OTHER}001C", "海宁泰丰纸业有限公司"),
    ])
    write_crawl(data_dir, "zj_jxsthj_penalties", "c1", [
        penalty("嘉环罚〔2025〕20号", "浙江嘉兴恒瑞环保能源有限责任公司", None, 1000),
        penalty("嘉环罚〔2025〕21号", "嘉兴恒瑞环宝能源有限公司", None, 1000),  # one character wrong
        penalty("嘉环罚〔2025〕22号", "嘉兴恒瑞环保能源有限公司南湖分公司", None, 1000),
        penalty("嘉环罚〔2025〕23号", "嘉兴恒瑞环保能源科技有限公司", None, 1000),
        penalty("嘉环罚〔2025〕24号", "某某化工有限公司", "9133040*******123X", 1000),
        penalty("嘉环罚〔2025〕25号", "海宁泰丰纸业有限公司", "91400700697317111L", 1000),
        penalty("嘉环罚〔2025〕26号", "嘉兴恒瑞环保能源有限公司", GOOD + "（1）", 1000),
    ])
    load()
    return data_dir


def _links() -> dict[str, tuple[str | None, str | None, float | None]]:
    con = connect()
    rows = con.execute("SELECT record_id, enterprise_id, method, score FROM intermediate.record_links").fetchall()
    con.close()
    return {r: (e, m, s) for r, e, m, s in rows}


def test_bands(crawled: Path) -> None:
    result = match()
    links = _links()
    assert links[P + "20号"] == (GOOD, "name_exact", 1.0)
    assert links[P + "21号"] == (GOOD, "name_fuzzy", 0.8333)
    assert links[P + "23号"] == (None, "review", 0.75)
    assert links[P + "24号"][1] == "provisional"
    # a flagged code (wrong check character) falls back to the name
    assert links[P + "25号"] == (OTHER, "name_exact", 1.0)
    assert links[P + "26号"] == (GOOD, "uscc_repaired", 1.0)
    assert result.review == 1 and result.unmatched == 1
    con = connect()
    assert con.execute("SELECT record_id, enterprise_id, score, rank, judgement FROM intermediate.review_candidates"
                       ).fetchall() == [(P + "23号", GOOD, 0.75, 1, None)]
    code = con.execute("SELECT code_printed, code_used, code_status, region_code FROM intermediate.record_links "
                       "WHERE record_id = ?", [P + "25号"]).fetchall()[0]
    assert code == ("91400700697317111L", None, "invalid", "330400")
    assert con.execute("SELECT code_used, code_status, code_reason FROM intermediate.record_links "
                       "WHERE record_id = ?", [P + "26号"]).fetchall() == [
        (GOOD, "repaired", "repaired: running number (1) after the code removed")]
    con.close()


def test_branch_is_never_merged_into_its_parent(crawled: Path) -> None:
    match()
    enterprise, method, _ = _links()[P + "22号"]
    assert method == "provisional" and enterprise != GOOD
    assert enterprise == provisional_id(normalise_name("嘉兴恒瑞环保能源有限公司南湖分公司"), "330400")
    con = connect()
    assert con.execute("SELECT name, uscc, city FROM marts.enterprises WHERE enterprise_id = ?",
                       [enterprise]).fetchall() == [("嘉兴恒瑞环保能源有限公司南湖分公司", None, "嘉兴市")]
    con.close()


def test_provisional_ids_are_stable(crawled: Path) -> None:
    match()
    first = _links()[P + "24号"][0]
    assert first == "P-6567f292db7f"
    paths.warehouse_path().unlink()  # a warehouse built afresh from the same crawls
    load()
    match()
    assert _links()[P + "24号"][0] == first
    assert provisional_id(normalise_name("某某化工有限责任公司"), "330402") == first  # same name, same city block


def test_rerunning_match_changes_nothing(crawled: Path) -> None:
    match()
    con = connect()
    before = table_fingerprints(con)
    con.close()
    match()
    con = connect()
    assert table_fingerprints(con) == before
    con.close()


def test_an_older_warehouse_gains_the_new_columns(data_dir: Path) -> None:
    path = paths.warehouse_path()
    path.parent.mkdir(parents=True)
    old = duckdb.connect(str(path))
    old.execute("CREATE SCHEMA intermediate")
    old.execute("CREATE TABLE intermediate.record_links (record_id VARCHAR PRIMARY KEY, source VARCHAR NOT NULL, "
                "kind VARCHAR NOT NULL, name VARCHAR, code_printed VARCHAR, code_status VARCHAR NOT NULL, "
                "code_reason VARCHAR, enterprise_id VARCHAR, method VARCHAR, score DOUBLE)")
    old.close()
    write_crawl(data_dir, "nat_mee_permits", "c1", [permit(f"{GOOD}001P", "嘉兴恒瑞环保能源有限公司")])
    load()
    match()
    con = connect()
    columns = [r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'record_links'").fetchall()]
    assert {"code_used", "region_code"} <= set(columns)
    assert con.execute("SELECT code_used, method FROM intermediate.record_links").fetchall() == [(GOOD, "uscc_exact")]
    con.close()


def test_ties_and_missing_places_go_to_review() -> None:
    names = ["嘉兴恒瑞环保能源有限公司", "恒瑞环保能源（秀洲）有限公司"]
    index = NameIndex(["A", "B"], [[normalise_name(n)] for n in names], [{"330402"}, {"330411"}])
    tie, placeless, hinted = index.match([
        Query("q1", normalise_name("恒瑞环保能源有限公司"), "330400"),
        Query("q2", normalise_name("恒瑞环保能源有限公司"), None),
        Query("q3", normalise_name("恒瑞环保能源（南湖）有限公司"), "330400"),
    ])
    assert (tie.band, tie.enterprise_id, [e for e, _ in tie.candidates]) == ("review", None, ["A", "B"])
    assert placeless.band == "review"
    # (南湖) contradicts B's (秀洲): only A remains
    assert (hinted.band, hinted.enterprise_id, hinted.method) == ("auto", "A", "name_exact")


def test_bench_quality_on_the_real_plants() -> None:
    from etl.bench import evaluate, evaluation_set

    index, cases = evaluation_set(shared_data("incineration", "plants.csv").parent)
    figures, _ = evaluate(index, cases)
    assert figures.positives > 1000 and figures.negatives > 500
    assert figures.auto_precision >= 0.99 and figures.auto_recall >= 0.95


def test_bench_throughput_runs_small() -> None:
    from etl.bench import throughput

    figures = throughput(2000, 2000)
    assert figures["auto precision"] >= 0.99 and figures["total"] < 60


def test_every_real_plant_lands_somewhere() -> None:
    plants = pd.read_csv(shared_data("incineration", "plants.csv"), dtype=str, keep_default_na=False)
    records = [NamedRecord(f"plants:{r['ps_code']}", "plants", "plant", r["ps_name"], r["credit_code"], r["address"],
                           r["fullregion_name"]) for r in plants.to_dict("records")]
    links, candidates = link_records(records)
    assert links["method"].notna().all()
    assert links["method"].value_counts().to_dict() == {
        "uscc_exact": 441, "uscc_repaired": 10, "provisional": 15, "org_code": 1}
    # 汾阳中科渊昌 prints its old organisation code on one plant and its USCC on another
    assert links.loc[links["code_printed"] == "55658144-5", "enterprise_id"].tolist() == ["91141182556581445R"]
    # 厦门市政环能: two plants, two suffixes, one enterprise
    xiamen = links[links["name"].str.startswith("厦门市政环能")]
    assert set(xiamen["enterprise_id"]) == {"913502007980712884"} and len(candidates) == 0


def test_people_are_not_enterprises_and_masked_codes_give_a_place() -> None:
    records = [
        NamedRecord("p:1", "p", "permit", "吴中宇禾环保能源有限公司", "91320500MAGBWH2E46"),
        NamedRecord("d:1", "d", "penalty", "吴中宇禾环保能源有限公司", "91320500******2E46"),
        NamedRecord("d:2", "d", "penalty", "王某某", None),
        NamedRecord("d:3", "d", "penalty", "王某某", None),
    ]
    links, _ = link_records(records)
    links = links.astype(object).where(links.notna(), None)
    rows = {r: (e, m, g) for r, e, m, g in zip(links["record_id"], links["enterprise_id"], links["method"],
                                                 links["region_code"], strict=True)}
    assert rows["d:1"] == ("91320500MAGBWH2E46", "name_exact", "320500")
    assert rows["d:2"] == (None, None, None) and rows["d:3"] == (None, None, None)
