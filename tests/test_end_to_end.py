"""The foundation pipeline end to end: replicas → spiders → archive + items → warehouse → matching → site."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import duckdb
import pytest

from etl.load import load
from etl.match import match
from etl.warehouse import connect, table_fingerprints

E00 = "91330400MAJHTPQQ1T"  # 南湖嘉昌再生能源有限公司: holds two permits, runs a plant, has a penalty

pytestmark = pytest.mark.e2e


@pytest.fixture
def con(pipeline: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Iterator[duckdb.DuckDBPyConnection]:
    monkeypatch.setenv("QINGTIAN_DATA", str(pipeline["data"]))
    connection = connect(read_only=True)
    yield connection
    connection.close()


def test_every_source_crawled_cleanly(pipeline: dict[str, Any]) -> None:
    reports = pipeline["reports"]
    assert {"nat_mee_permits", "zj_jxsthj_penalties", "nat_envsc_incineration"} <= set(reports)
    for source, report in reports.items():
        assert report["ok"], (source, report["errors"][:5])
    assert reports["nat_mee_permits"]["records"] == {"permit": 60, "permit_outlet": 247, "permit_limit": 896}
    assert reports["nat_envsc_incineration"]["records"]["plant"] == 34
    assert reports["zj_jxsthj_penalties"]["records"] == {"correction_order": 5, "penalty": 35,
                                                         "rectification_event": 15}


def test_warehouse_holds_every_record_with_its_evidence(con: duckdb.DuckDBPyConnection) -> None:
    counts = dict(con.execute("SELECT kind, count(DISTINCT record_id) FROM raw.items GROUP BY kind").fetchall())
    assert counts["permit"] == 60 and counts["plant"] == 34
    # Every record cites an archived response that the archive index knows.
    orphans = con.execute(
        "SELECT count(*) FROM raw.items i WHERE NOT EXISTS "
        "(SELECT 1 FROM raw.archive a WHERE a.digest = i.archive_digest)").fetchall()[0][0]
    assert orphans == 0
    statuses = dict(con.execute("SELECT status, count(*) FROM raw.archive GROUP BY status").fetchall())
    assert statuses[200] >= 60 + 25 + 34


def test_one_enterprise_across_three_sources(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute(
        "SELECT name, aliases, province, city, permit_count, plant_count, penalty_count, industry, fines_yuan "
        "FROM marts.enterprises WHERE uscc = ?", [E00]).fetchall()[0]
    name, aliases, province, city, permits, plants, penalties, industry, fines = row
    assert name == "南湖嘉昌再生能源有限公司"
    # The monitoring platform writes the name differently; the USCC still links it.
    assert "南湖嘉昌再生能源（南湖）有限责任公司" in aliases
    assert (province, city, permits, plants, industry) == ("浙江省", "嘉兴市", 2, 1, "生活垃圾焚烧发电")
    # The bureau's 嘉环罚〔2024〕19号 280,000 + 嘉环罚〔2025〕12号 52,120 + 嘉环罚〔2026〕21号 110,000, and
    # 嘉环罚字〔2026〕13号 172,200 that only Credit China carries. Credit China also copies the first two:
    # one decision each, shown from the bureau's column with the copy listed.
    assert (penalties, fines) == (4, 614320)
    copies = dict(con.execute(
        "SELECT decision_number, [c.source for c in also_published] FROM marts.penalties WHERE enterprise_id = ?",
        [E00]).fetchall())
    assert copies == {"嘉环罚〔2026〕21号": [], "嘉环罚字〔2026〕13号": [],
                      "嘉环罚〔2025〕12号": ["nat_creditchina_penalties"],
                      "嘉环罚〔2024〕19号": ["nat_creditchina_penalties"]}
    methods = dict(con.execute(
        "SELECT kind, any_value(method) FROM intermediate.record_links WHERE enterprise_id = ? GROUP BY kind",
        [E00]).fetchall())
    # The 2026 cleaner-production list is a PDF without codes: it links by the normalised name.
    assert methods == {"permit": "uscc_exact", "penalty": "uscc_exact", "plant": "uscc_exact",
                       "credit_rating": "uscc_exact", "cleaner_production": "name_exact",
                       "rectification_event": "uscc_exact"}
    assert con.execute("SELECT count(*) FROM marts.enterprises").fetchall()[0][0] >= 50


def test_unmatched_records_are_kept_with_a_reason(con: duckdb.DuckDBPyConnection, pipeline: dict[str, Any]) -> None:
    rows = con.execute("SELECT code_status, count(*) FROM marts.unmatched_records GROUP BY 1").fetchall()
    statuses = dict(rows)
    # Masked or missing codes link by name or to a provisional enterprise; only anonymised people (王某某)
    # stay unmatched, and they are kept and listed.
    names = [n for (n,) in con.execute("SELECT name FROM marts.unmatched_records").fetchall()]
    assert names and all("某" in n for n in names), names
    assert set(statuses) == {"empty"}
    assert pipeline["match"].unmatched == sum(statuses.values())


def test_exceedances_exclude_flagged_values(con: duckdb.DuckDBPyConnection) -> None:
    exceeded, flagged, flagged_over = con.execute(
        "SELECT count(*) FILTER (WHERE exceeded), count(*) FILTER (WHERE flagged), "
        "count(*) FILTER (WHERE flagged AND exceeded) FROM marts.monitoring_values").fetchall()[0]
    assert 5 <= exceeded <= 10
    assert flagged > 0 and flagged_over == 0
    con.close()


def test_reloading_changes_nothing(pipeline: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINGTIAN_DATA", str(pipeline["data"]))
    con = connect(read_only=True)
    before = table_fingerprints(con)
    con.close()
    result = load()
    assert (result.files, result.items_added, result.archive_added, result.load_id) == (0, 0, 0, None)
    match()
    con = connect(read_only=True)
    assert table_fingerprints(con) == before


def test_site_pages(pipeline: dict[str, Any]) -> None:
    site = pipeline["build"].path
    companies = list((site / "c").glob("*.html"))
    assert len(companies) >= 50
    page = (site / "c" / f"{E00}.html").read_text(encoding="utf-8")
    assert "南湖嘉昌再生能源有限公司" in page and E00 in page
    assert f"{E00}001P" in page and f"{E00}002U" in page
    assert 'class="record penalty"' in page and '<dd class="fine">52,120 元</dd>' in page
    assert page.count('class="record penalty') == 4
    assert pipeline["origins"]["sthjj.jiaxing.gov.cn"] in page  # the source link
    assert 'href="../archive/' in page
    assert "<table class=\"monitoring\">" in page
    # The search index is sharded per province (etl/publish/shards.py): every company is in one shard's bundle.
    shards = json.loads((site / "pagefind" / "shards.json").read_text(encoding="utf-8"))
    bundles = [shards["primary"], *shards["bundles"]]
    indexed = sum(json.loads((site / b / "pagefind-entry.json").read_text(encoding="utf-8"))["languages"]["zh-cn"]
                  ["page_count"] for b in bundles)
    assert indexed == len(companies)
