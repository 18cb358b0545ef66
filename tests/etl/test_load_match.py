"""Load, match and marts on a miniature crawl: idempotence, link reasons, unmatched records."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.load import load
from etl.match import match
from etl.warehouse import connect, table_fingerprints
from tests.etl.crawl_fixture import GOOD, OTHER, penalty, permit, write_crawl


@pytest.fixture
def crawled(data_dir: Path) -> Path:
    write_crawl(data_dir, "nat_mee_permits", "c1", [
        permit(f"{GOOD}001P", "嘉兴恒瑞环保能源有限公司"),
        permit(f"{GOOD}002U", "嘉兴恒瑞环保能源有限公司"),
        permit(f"{OTHER}001C", "海宁泰丰纸业有限公司"),
    ])
    write_crawl(data_dir, "zj_jxsthj_penalties", "c1", [
        penalty("嘉环罚〔2025〕12号", "嘉兴恒瑞环保能源有限公司", GOOD, 52120),
        penalty("嘉环罚〔2025〕13号", "某某化工有限公司", "9133040*******123X", 100000),
        penalty("嘉环罚〔2025〕14号", "海宁泰丰纸业有限公司", OTHER[8:16] + "-" + OTHER[16], 8000),
        penalty("嘉环罚〔2025〕15号", "张三（个体工商户）", None, 2000),
    ])
    return data_dir


def test_load_is_idempotent(crawled: Path) -> None:
    first = load()
    assert (first.files, first.items_added, first.archive_added, first.load_id) == (6, 7, 7, 1)
    match()
    con = connect()
    before = table_fingerprints(con)
    con.close()
    again = load()
    assert (again.files, again.items_added, again.load_id) == (0, 0, None)
    match()
    con = connect()
    assert table_fingerprints(con) == before
    assert con.execute("SELECT count(*) FROM raw.loads").fetchall() == [(1,)]
    con.close()


def test_recrawl_with_same_content_adds_nothing(crawled: Path) -> None:
    load()
    write_crawl(crawled, "nat_mee_permits", "c2", [permit(f"{GOOD}001P", "嘉兴恒瑞环保能源有限公司")])
    result = load()
    assert (result.files, result.items_added, result.archive_added) == (3, 0, 1)


def test_match_links_by_code_and_keeps_the_rest(crawled: Path) -> None:
    load()
    result = match()
    assert result.records == 7
    # Records without a usable code land on provisional enterprises (etl/match.py), none stays unmatched.
    assert result.linked == {"uscc_exact": 4, "org_code": 1, "provisional": 2}
    assert (result.unmatched, result.provisional, result.review) == (0, 2, 0)
    con = connect()
    rows = {r: (status, method) for r, status, method in con.execute(
        "SELECT record_id, code_status, method FROM intermediate.record_links").fetchall()}
    assert rows["zj_jxsthj_penalties:嘉环罚〔2025〕13号"] == ("masked", "provisional")
    assert rows["zj_jxsthj_penalties:嘉环罚〔2025〕14号"] == ("org_code", "org_code")
    assert rows["zj_jxsthj_penalties:嘉环罚〔2025〕15号"] == ("empty", "provisional")
    enterprise = con.execute(
        "SELECT name, permit_count, penalty_count, fines_yuan, province, city, county FROM marts.enterprises "
        "WHERE uscc = ?", [GOOD]).fetchall()[0]
    assert enterprise == ("嘉兴恒瑞环保能源有限公司", 2, 1, 52120, "浙江省", "嘉兴市", "南湖区")
    provisional = con.execute(
        "SELECT name, uscc, region_code, city FROM marts.enterprises WHERE enterprise_id LIKE 'P-%' ORDER BY name"
    ).fetchall()
    assert provisional == [("张三（个体工商户）", None, "330400", "嘉兴市"), ("某某化工有限公司", None, "330400", "嘉兴市")]
    assert con.execute("SELECT name FROM marts.unmatched_records").fetchall() == []
    con.close()


def test_truncated_item_line_is_reported_and_the_rest_loads(crawled: Path) -> None:
    items = crawled / "items" / "nat_mee_permits" / "c1.jsonl"
    items.write_text(items.read_text(encoding="utf-8") + '{"record_id": "nat_mee_permits:broken', encoding="utf-8")
    result = load()
    assert result.items_added == 7
    assert len(result.errors) == 1 and "c1.jsonl:4" in result.errors[0]
