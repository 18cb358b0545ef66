"""Bulk exports of the marts (CSV with BOM, Parquet, manifest) and the data dictionary that documents them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl.cli import main
from etl.load import load
from etl.match import match
from etl.publish.build import build
from etl.publish.exports import BOM, dictionary, export, mart_tables
from etl.warehouse import connect
from tests.etl.crawl_fixture import GOOD, penalty, permit, write_crawl

# The marts every column of which must be documented in warehouse/marts/_marts.yml (and so must any other
# mart listed there): a column added without a description fails here.
DOCUMENTED = ("enterprises", "penalties", "permits", "permit_outlets", "permit_limits", "credit_ratings", "outlet_values",
              "monitoring_values", "exceedance_days_monthly", "compliance_quarterly", "record_status", "record_timeline")
NAME = "嘉兴恒瑞环保能源有限公司"


@pytest.fixture
def warehouse(data_dir: Path) -> Path:
    write_crawl(data_dir, "nat_mee_permits", "c1", [permit(f"{GOOD}001P", NAME)])
    write_crawl(data_dir, "zj_jxsthj_penalties", "c1", [
        penalty("嘉环罚〔2025〕12号", NAME, GOOD, 52120),
        penalty("嘉环罚〔2025〕13号", "某某化工有限公司", "9133040*******123X", 100000),
        penalty("嘉环(秀)罚〔2025〕9号", "王某某", None, 1800),
    ])
    load()
    match()
    return data_dir


def test_csv_opens_in_pandas_with_bom_and_chinese_intact(warehouse: Path, tmp_path: Path) -> None:
    con = connect(read_only=True)
    try:
        result = export(con, tmp_path / "exports")
        counts = {t: con.execute(f"SELECT count(*) FROM marts.{t}").fetchall()[0][0] for t in mart_tables(con)}
    finally:
        con.close()
    assert {t["name"] for t in result.tables} == set(counts)
    raw = (tmp_path / "exports" / "penalties.csv").read_bytes()
    assert raw.startswith(BOM) and raw.count(BOM) == 1
    for table, rows in counts.items():
        frame = pd.read_csv(tmp_path / "exports" / f"{table}.csv", encoding="utf-8-sig", dtype=str)
        assert len(frame) == rows, table
    penalties = pd.read_csv(tmp_path / "exports" / "penalties.csv", encoding="utf-8-sig", dtype=str)
    assert penalties.columns[0] == "record_id"
    row = penalties.set_index("decision_number").loc["嘉环罚〔2025〕12号"]
    assert row["party"] == NAME and row["authority"] == "嘉兴市生态环境局"
    assert json.loads(row["penalty_types"]) == ["fine", "order_to_correct"]  # lists: JSON text in CSV
    assert json.loads(row["also_published"]) == []


def test_parquet_keeps_list_columns_and_manifest_matches_files(warehouse: Path, tmp_path: Path) -> None:
    con = connect(read_only=True)
    try:
        export(con, tmp_path / "exports")
        load_id = con.execute("SELECT max(load_id) FROM raw.loads").fetchall()[0][0]
    finally:
        con.close()
    table = pq.read_table(tmp_path / "exports" / "penalties.parquet")
    assert pa.types.is_list(table.schema.field("penalty_types").type)
    rows = {r["decision_number"]: r for r in table.to_pylist()}
    assert rows["嘉环罚〔2025〕12号"]["penalty_types"] == ["fine", "order_to_correct"]
    assert rows["嘉环罚〔2025〕12号"]["party"] == NAME
    aliases = pq.read_table(tmp_path / "exports" / "enterprises.parquet").schema.field("aliases").type
    assert pa.types.is_list(aliases)
    manifest = json.loads((tmp_path / "exports" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["load_id"] == load_id and manifest["built_at"].endswith("Z")
    entry = next(t for t in manifest["tables"] if t["table"] == "marts.penalties")
    assert entry["rows"] == 3
    assert {"name": "fine_yuan", "type": "DECIMAL(18,2)"}.items() <= next(
        c for c in entry["columns"] if c["name"] == "fine_yuan").items()
    for t in manifest["tables"]:
        assert set(t["files"]) == {"csv", "parquet"}
        for f in t["files"].values():
            data = (tmp_path / "exports" / f["path"]).read_bytes()
            assert f["size"] == len(data)
            assert f["sha256"] == hashlib.sha256(data).hexdigest()


def test_every_column_of_the_documented_marts_has_a_description(warehouse: Path) -> None:
    docs = dictionary()
    con = connect(read_only=True)
    try:
        tables = mart_tables(con)
        actual = {t: [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' AND table_name = ? "
            "ORDER BY ordinal_position", [t]).fetchall()] for t in tables}
    finally:
        con.close()
    assert set(DOCUMENTED) <= set(tables)
    missing = {t: [c for c in actual[t] if not docs.get(t, {}).get("columns", {}).get(c)]
               for t in actual if t in DOCUMENTED or t in docs}
    assert {t: cols for t, cols in missing.items() if cols} == {}, "document these in warehouse/marts/_marts.yml"
    stale = {t: sorted(set(d["columns"]) - set(actual.get(t, []))) for t, d in docs.items()}
    assert {t: cols for t, cols in stale.items() if cols} == {}, "columns documented but not in the marts"
    assert all(docs[t]["description"] for t in DOCUMENTED)


def test_site_has_exports_and_the_data_page(warehouse: Path) -> None:
    site = build(search=False).path
    page = (site / "data.html").read_text(encoding="utf-8")
    assert 'href="exports/penalties.csv"' in page and 'href="exports/penalties.parquet"' in page
    assert "行政处罚决定" in page  # the table description
    assert "罚款金额（元" in page  # a column description
    assert 'href="data.html">开放数据' in (site / "index.html").read_text(encoding="utf-8")
    manifest = json.loads((site / "exports" / "manifest.json").read_text(encoding="utf-8"))
    assert all((site / f["path"]).exists() for t in manifest["tables"] for f in t["files"].values())


def test_export_command_writes_the_chosen_format(warehouse: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--out", str(tmp_path / "x"), "--format", "parquet"]) == 0
    assert (tmp_path / "x" / "penalties.parquet").exists() and not (tmp_path / "x" / "penalties.csv").exists()
    assert "penalties" in capsys.readouterr().out
    assert main(["export"]) == 0
    assert (warehouse / "exports" / "penalties.csv").exists()
    assert (warehouse / "exports" / "penalties.parquet").exists()
