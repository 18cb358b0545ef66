"""`qingtian screen LIST --report out.html|out.xlsx`: a report a person reads, standalone."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from etl.cli import main
from etl.load import load
from etl.match import match
from tests.etl.crawl_fixture import GOOD, OTHER, permit, write_crawl

ROWS = [
    ("随便写的名字", GOOD, None),
    ("嘉兴恒瑞环宝能源有限公司", None, "浙江省嘉兴市"),
    ("<b>杭州西子化工有限公司</b>", None, "浙江省杭州市"),
]


@pytest.fixture
def listing(data_dir: Path, tmp_path: Path) -> Path:
    write_crawl(data_dir, "nat_mee_permits", "c1", [
        permit(f"{GOOD}001P", "嘉兴恒瑞环保能源有限公司"), permit(f"{OTHER}001C", "海宁泰丰纸业有限公司")])
    load()
    match()
    path = tmp_path / "suppliers.csv"
    pd.DataFrame(ROWS, columns=["name", "uscc", "region"]).to_csv(path, index=False)
    return path


def test_html_report_has_the_rows_and_no_external_url(listing: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.html"
    assert main(["screen", str(listing), "--report", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    rows = re.findall(r"<tr class=\"band-(\w+)\">(.*?)</tr>", page)
    assert [band for band, _ in rows] == ["auto", "auto", "new"]
    assert "嘉兴恒瑞环保能源有限公司" in rows[0][1] and "USCC exact" in rows[0][1]
    assert "名称相似 name 0.83" in rows[1][1]
    assert "&lt;b&gt;杭州西子化工有限公司&lt;/b&gt;" in rows[2][1] and "no match" in rows[2][1]
    assert "<style>" in page and "3 行 rows: 2 匹配 matched" in page
    assert not re.search(r"(?:https?:)?//|<script|<link|@import|url\(", page)


def test_xlsx_report_is_readable(listing: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    screened = tmp_path / "screened.csv"
    assert main(["screen", str(listing), "--report", str(out), "--out", str(screened)]) == 0
    sheet = openpyxl.load_workbook(out).active
    values = list(sheet.values)
    assert values[0][:5] == ("#", "输入 Input row", "匹配企业 Matched company", "统一社会信用代码 USCC", "依据 Reason")
    assert [r[2] for r in values[1:]] == ["嘉兴恒瑞环保能源有限公司", "嘉兴恒瑞环保能源有限公司", "—"]
    assert [r[3] for r in values[1:]] == [GOOD, GOOD, "—"]
    assert values[1][5:8] == (0, 0, "—")  # no penalties, no rating
    assert len(pd.read_csv(screened)) == 3  # --out still written


def test_a_report_must_be_html_or_xlsx(listing: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["screen", str(listing), "--report", str(tmp_path / "out.pdf")]) == 1
    assert "a report is .html or .xlsx" in capsys.readouterr().err
