"""`qingtian bench` (or `qingtian bench stages`): every stage of the pipeline at the 100k and 1m scales.

For each scale, the national-scale generator (`etl/generate.py`) writes crawl files into a fresh data folder;
then each stage runs in a process of its own, so its wall time and peak memory (resident set of the process and
its children, sampled every 50 ms) are its own: load (raw insert from the lake, and the staging tables), match
(linking records to enterprises), marts (every SQL and Python model), site (the sharded site build, every company
page). From the two scales the bench projects the national figure (3,500,000 enterprises): time grows with the
exponent measured between 100k and 1m (never less than linear), `t(national) = t(1m) × 3.5 ** k`; memory along the
straight line through the two measurements.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

from etl.bench_load import PeakRss
from etl.generate import scale_units

STAGES = ("load", "match", "marts", "site")
# Targets of issue 6 at the 1m scale, seconds (site: every company page).
TARGETS = {"load": 120, "match": 120, "marts": 120, "site": 1200}
MEMORY_LIMIT = 8 * 2**30
RESULT = "stage result: "


@dataclass
class Measure:
    stage: str
    scale: str
    seconds: float
    peak_rss: int
    rows: int
    what: str

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def _stage(stage: str) -> dict[str, object]:
    """Run one stage in this process (the data folder is QINGTIAN_DATA); returns its row count."""
    from etl.warehouse import connect, run_models

    if stage == "load":
        from etl.load import load

        result = load(models=False)
        # As `qingtian load` does, the staging tables are brought up to date with the load (typed, latest version).
        con = connect()
        try:
            run_models(con, ("staging",))
        finally:
            con.close()
        return {"rows": result.items_added + result.archive_added,
                "what": "record versions + archived responses, into raw and staging"}
    if stage == "match":
        from etl.match import match

        linked = match(marts=False)
        return {"rows": linked.records, "what": "records linked"}
    if stage == "marts":
        con = connect()
        try:
            con.execute("BEGIN TRANSACTION")
            run_models(con)
            con.execute("COMMIT")
            kinds = con.execute("SELECT table_name, table_type FROM information_schema.tables "
                                "WHERE table_schema = 'marts'").fetchall()
            # Views are not counted: counting would compute them, which is the readers' work, not this stage's.
            tables = [n for n, kind in kinds if kind == "BASE TABLE"]
            rows = sum(con.execute(f"SELECT count(*) FROM marts.{n}").fetchall()[0][0] for n in tables)
        finally:
            con.close()
        return {"rows": rows, "what": f"rows in {len(tables)} mart tables (and {len(kinds) - len(tables)} views)"}
    if stage == "site":
        from etl.publish.build import build

        built = build()
        return {"rows": built.pages, "what": f"pages ({built.companies} companies)"}
    raise ValueError(f"unknown stage {stage!r}; stages: {', '.join(STAGES)}")


def measure(stage: str, scale: str, data: Path) -> Measure:
    env = {**os.environ, "QINGTIAN_DATA": str(data)}
    # Output to files, not pipes: a stage that logs more than a pipe holds would block until it is read.
    with tempfile.TemporaryFile("w+") as stdout, tempfile.TemporaryFile("w+") as stderr:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "etl.bench_scale", "--stage", stage], env=env,
                                 stdout=stdout, stderr=stderr, text=True)
        meter = PeakRss(psutil.Process(child.pid), children=True)
        with meter.watch():
            child.wait()
        seconds = time.perf_counter() - started
        stdout.seek(0)
        stderr.seek(0)
        out, err = stdout.read(), stderr.read()
    peak = meter.peak
    if child.returncode != 0:
        raise RuntimeError(f"stage {stage} at {scale} failed ({child.returncode}):\n{err[-4000:]}")
    # The stage itself may print (a build prints its progress): its result is the line after the marker.
    result = json.loads(next(line for line in reversed(out.splitlines()) if line.startswith(RESULT))[len(RESULT):])
    return Measure(stage, scale, seconds, peak, int(result["rows"]), str(result["what"]))


def project(small: Measure, large: Measure, units: int) -> tuple[float, float, float]:
    """(seconds, bytes, exponent) at `units` enterprises. Time grows with the exponent measured between the two
    scales (at least linearly); memory along the straight line through the two measurements (a fixed part
    plus a part per enterprise)."""
    n_small, n_large = scale_units(small.scale), scale_units(large.scale)
    ratio = n_large / n_small
    k = max(1.0, math.log(large.seconds / small.seconds, ratio)) if small.seconds and large.seconds else 1.0
    per_unit = max(0.0, (large.peak_rss - small.peak_rss) / (n_large - n_small))
    return large.seconds * (units / n_large) ** k, large.peak_rss + per_unit * (units - n_large), k


def _mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def run(scales: list[str], stages: list[str], keep: Path | None = None, seed: int = 0) -> int:
    from etl.generate import generate

    national = scale_units("national")
    measures: dict[tuple[str, str], Measure] = {}
    for scale in scales:
        data = (keep / scale) if keep else Path(tempfile.mkdtemp(prefix=f"qingtian-bench-{scale}-"))
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        started = time.perf_counter()
        generate(scale, data, seed=seed)
        print(f"\n== {scale}: {scale_units(scale):,} enterprises generated in {time.perf_counter() - started:.0f} s "
              f"({data})", flush=True)
        print(f"  {'stage':<7}{'wall':>10}{'peak memory':>14}{'rows':>13}{'rows/s':>12}  what", flush=True)
        for stage in stages:
            m = measure(stage, scale, data)
            measures[(stage, scale)] = m
            print(f"  {stage:<7}{m.seconds:>9.1f}s{_mib(m.peak_rss):>14}{m.rows:>13,}{m.rows_per_second:>12,.0f}"
                  f"  {m.what}", flush=True)
        if not keep:
            shutil.rmtree(data, ignore_errors=True)
    if len(scales) >= 2:
        small, large = scales[0], scales[-1]
        factor = national / scale_units(large)
        print(f"\n== national projection ({national:,} enterprises = {factor:g} × {large}); time grows as "
              f"measured from {small} to {large}: t(national) = t({large}) × {factor:g}^k, k ≥ 1")
        print("  memory: the straight line through both measurements (fixed part + per enterprise)")
        print(f"  {'stage':<7}{'growth':>10}{'k':>6}{'national':>12}{'memory':>12}  target (issue 6, at 1m)")
        for stage in stages:
            a, b = measures[(stage, small)], measures[(stage, large)]
            seconds, memory, k = project(a, b, national)
            target = TARGETS.get(stage)
            verdict = ("met" if b.seconds <= target and b.peak_rss <= MEMORY_LIMIT else "MISSED") if target else ""
            verdict += "" if large == "1m" else f" at {large} (the target is for 1m)"
            print(f"  {stage:<7}{b.seconds / a.seconds:>9.1f}×{k:>6.2f}{seconds / 60:>10.1f} m{_mib(memory):>12}"
                  f"  ≤ {target / 60:g} min, ≤ 8 GiB: {verdict}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stage", choices=STAGES, help="(internal) run one stage here and print its rows")
    args = parser.parse_args(argv)
    print(RESULT + json.dumps(_stage(args.stage)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
