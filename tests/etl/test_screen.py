"""`qingtian screen`: a list of companies matched against a registry or the warehouse."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from crawlers.helpers import uscc
from etl.cli import main
from etl.load import load
from etl.match import match
from tests.etl.crawl_fixture import GOOD, OTHER, permit, write_crawl

THIRD = uscc.make("330402", "MA2B3C4E")
ROWS = [
    # name, uscc, address, region
    ("随便写的名字", GOOD, None, None),  # the code decides
    ("海宁泰丰纸业有限公司", OTHER[8:16] + "-" + OTHER[16], None, None),  # old organisation code
    ("浙江嘉兴恒瑞环保能源有限责任公司", None, "嘉兴市南湖区兴业路1号", None),
    ("嘉兴恒瑞环宝能源有限公司", None, None, "浙江省嘉兴市"),
    ("嘉兴恒瑞环保能源科技有限公司", None, None, "浙江省嘉兴市"),
    ("嘉兴恒瑞环保能源有限公司南湖分公司", None, None, "浙江省嘉兴市"),
    ("杭州西子化工有限公司", None, None, "浙江省杭州市"),
]
EXPECTED = [
    (GOOD, "uscc_exact", 1.0, "auto"),
    (OTHER, "org_code", 1.0, "auto"),
    (GOOD, "name_exact", 1.0, "auto"),
    (GOOD, "name_fuzzy", 0.8333, "auto"),
    (GOOD, "name_candidate", 0.75, "review"),
    (None, None, None, "new"),
    (None, None, None, "new"),
]


def _list(path: Path) -> Path:
    pd.DataFrame(ROWS, columns=["name", "uscc", "address", "region"]).to_csv(path, index=False)
    return path


def _results(path: Path) -> list[tuple[object, ...]]:
    frame = pd.read_csv(path, dtype={"enterprise_id": str})
    frame = frame.astype(object).where(frame.notna(), None)
    return list(zip(frame["enterprise_id"], frame["method"], frame["score"], frame["band"], strict=True))


def test_against_a_registry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    registry = tmp_path / "registry.csv"
    pd.DataFrame([(GOOD, "嘉兴恒瑞环保能源有限公司"), (OTHER, "海宁泰丰纸业有限公司"),
                  (THIRD, "嘉兴绿洲印染有限公司")], columns=["uscc", "name"]).to_csv(registry, index=False)
    out = tmp_path / "out.csv"
    assert main(["screen", str(_list(tmp_path / "list.csv")), "--against", str(registry), "--out", str(out)]) == 0
    assert _results(out) == EXPECTED
    frame = pd.read_csv(out, dtype=str)
    assert list(frame.columns[:4]) == ["name", "uscc", "address", "region"]
    assert frame.loc[0, "matched_name"] == "嘉兴恒瑞环保能源有限公司" and frame.loc[0, "matched_uscc"] == GOOD
    assert "7 rows" in capsys.readouterr().out


def test_xlsx_against_the_warehouse(data_dir: Path, tmp_path: Path) -> None:
    write_crawl(data_dir, "nat_mee_permits", "c1", [
        permit(f"{GOOD}001P", "嘉兴恒瑞环保能源有限公司"), permit(f"{OTHER}001C", "海宁泰丰纸业有限公司")])
    load()
    match()
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Name", "USCC", "Address", "Region"])
    for row in ROWS:
        sheet.append(list(row))
    listing = tmp_path / "list.xlsx"
    book.save(listing)
    out = tmp_path / "out.csv"
    assert main(["screen", str(listing), "--out", str(out)]) == 0
    assert _results(out) == EXPECTED


def test_a_list_without_names_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listing = tmp_path / "list.csv"
    listing.write_text("company\nX\n", encoding="utf-8")
    registry = tmp_path / "registry.csv"
    registry.write_text(f"uscc,name\n{GOOD},嘉兴恒瑞环保能源有限公司\n", encoding="utf-8")
    assert main(["screen", str(listing), "--against", str(registry)]) == 1
    assert "the list needs a `name` column" in capsys.readouterr().err
