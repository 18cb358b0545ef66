"""The site rendered from a miniature warehouse: pages, evidence links, archived copies, search index."""

from __future__ import annotations

import json
from pathlib import Path

from etl.load import load
from etl.match import match
from etl.publish.build import build
from tests.etl.crawl_fixture import GOOD, penalty, permit, write_crawl


def test_company_page_shows_records_with_evidence(data_dir: Path) -> None:
    write_crawl(data_dir, "nat_mee_permits", "c1", [permit(f"{GOOD}001P", "嘉兴恒瑞环保能源有限公司")])
    write_crawl(data_dir, "zj_jxsthj_penalties", "c1", [
        penalty("嘉环罚〔2025〕12号", "嘉兴恒瑞环保能源有限公司", GOOD, 52120),
        penalty("嘉环罚〔2025〕13号", "某某化工有限公司", "9133040*******123X", 100000),
        penalty("嘉环(秀)罚〔2025〕9号", "王某某", None, 1800),
    ])
    load()
    match()
    result = build()
    # The masked-code company becomes a provisional enterprise; the anonymised person stays unmatched.
    assert result.companies == 2
    assert result.archived == 3  # the permit page and the two linked penalties; unmatched ones are not cited
    page = (result.path / "c" / f"{GOOD}.html").read_text(encoding="utf-8")
    assert "<h1 data-pagefind-meta=\"title\">嘉兴恒瑞环保能源有限公司</h1>" in page
    assert "52,120 元" in page
    assert "嘉环罚〔2025〕12号" in page
    assert "统一社会信用代码一致 USCC exact" in page
    assert f"{GOOD}001P" in page
    assert 'href="http://127.0.0.1:9/zj_jxsthj_penalties/0.html"' in page
    # Each archived HTML page is kept byte for byte as .html.txt and shown through a sandboxed viewer .html.
    originals = sorted((result.path / "archive").glob("*.html.txt"))
    viewers = sorted((result.path / "archive").glob("*.html"))
    assert len(originals) == len(viewers) == 3
    assert any("嘉环罚〔2025〕12号" in p.read_text(encoding="utf-8") for p in originals)
    assert all("sandbox" in p.read_text(encoding="utf-8") for p in viewers)
    unmatched = (result.path / "unmatched.html").read_text(encoding="utf-8")
    assert "王某某" in unmatched and "某某化工有限公司" not in unmatched
    provisional = next(p for p in (result.path / "c").glob("P-*.html"))
    text = provisional.read_text(encoding="utf-8")
    assert "某某化工有限公司" in text and "暂定企业 provisional" in text and "100,000 元" in text
    assert (result.path / "pagefind" / "pagefind-ui.js").exists()
    data = json.loads((result.path / "c" / f"{GOOD}.json").read_text(encoding="utf-8"))
    assert data["enterprise"]["name"] == "嘉兴恒瑞环保能源有限公司"
    assert [(p["decision_number"], p["fine_yuan"], p["link_method"]) for p in data["penalties"]] == [
        ("嘉环罚〔2025〕12号", "52120.00", "uscc_exact")]
    assert data["permits"][0]["permit_number"] == f"{GOOD}001P"
    assert not (data_dir / "site.new").exists()


def test_rebuild_replaces_the_site_whole(data_dir: Path) -> None:
    write_crawl(data_dir, "nat_mee_permits", "c1", [permit(f"{GOOD}001P", "嘉兴恒瑞环保能源有限公司")])
    load()
    match()
    first = build(search=False)
    (first.path / "stale.html").write_text("old")
    second = build(search=False)
    assert not (second.path / "stale.html").exists()
    assert (second.path / "index.html").exists()
