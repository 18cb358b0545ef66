"""`qingtian bench` (stages): every stage measured in its own process at two scales, and the projection."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.bench_scale import Measure, project, run


def test_projection_uses_the_measured_growth_and_a_memory_line() -> None:
    # 10× the enterprises took 20× the time: k = log(20)/log(10) ≈ 1.301; memory 1 GiB → 2 GiB over 900k.
    small = Measure("match", "100k", 6.0, 2**30, 100_000, "records")
    large = Measure("match", "1m", 120.0, 2 * 2**30, 1_000_000, "records")
    seconds, memory, k = project(small, large, 3_500_000)
    assert round(k, 3) == 1.301
    assert round(seconds) == round(120 * 3.5**1.30103)  # 611 s
    assert memory == 2 * 2**30 + (2**30 / 900_000) * 2_500_000
    # Growth below linear (fixed costs) is projected linearly, never better.
    seconds, _, k = project(Measure("load", "100k", 10.0, 1, 1, ""), Measure("load", "1m", 50.0, 1, 1, ""), 3_500_000)
    assert (k, seconds) == (1.0, 175.0)


def test_stages_run_at_two_small_scales(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["500", "1000"], ["load", "match", "marts"], keep=tmp_path) == 0
    out = capsys.readouterr().out
    assert "== 500: 500 enterprises generated" in out and "== 1000: 1,000 enterprises generated" in out
    rows = [line.split() for line in out.splitlines() if line.startswith(("  load ", "  match ", "  marts "))]
    assert [r[0] for r in rows] == ["load", "match", "marts"] * 3  # two scales, then the projection
    assert "national projection (3,500,000 enterprises = 3500 × 1000)" in out
    assert (tmp_path / "1000" / "warehouse.duckdb").exists()


def test_bench_load_times_every_step_and_reloads_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from etl.bench_load import bench_load

    assert bench_load(values=2_000, data=tmp_path / "data") == 0
    out = capsys.readouterr().out
    steps = {line.split()[0]: line.split()[1] for line in out.splitlines()
             if line.startswith("  ") and "rows/s" in line}
    assert steps["generate"] == "2,000" and steps["models"] == "2,001" and steps["re-load"] == "0"
    assert "re-load added 0 (load id None)" in out
