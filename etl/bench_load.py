"""`qingtian bench load`: N daily monitoring values written as one crawl, then timed stage by stage.

generate (etl.generate.write_monitoring_values: items JSON Lines, archive index, WARC, report) → export to the
lake (etl/lake.py) → load into raw (etl/load.py, one transaction) → models (staging → marts, run_models) → a
second load with nothing new. Each stage prints rows, seconds, rows/s and the peak resident memory of this
process during the stage (sampled). Target: the load of 10,000,000 values in under 30 seconds on 2 cores.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

TARGET_SECONDS = 30.0


class PeakRss:
    """The highest resident set size seen while the block runs (sampled every 20 ms): of this process, or of
    `process` and, with `children`, every process it started (a site build's workers, Pagefind)."""

    def __init__(self, process: psutil.Process | None = None, children: bool = False) -> None:
        self.peak = 0
        self._process = process or psutil.Process()
        self._children = children
        self._stop = threading.Event()

    def _rss(self) -> int:
        try:
            tree = [self._process, *(self._process.children(recursive=True) if self._children else [])]
            return sum(p.memory_info().rss for p in tree)
        except psutil.Error:  # the process (or a child) ended between listing and reading
            return 0

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self._rss())

    @contextmanager
    def watch(self) -> Iterator[None]:
        self.peak = self._rss()
        self._stop.clear()
        thread = threading.Thread(target=self._sample, daemon=True)
        thread.start()
        try:
            yield
        finally:
            self._stop.set()
            thread.join()
            self.peak = max(self.peak, self._rss())


def _stage(name: str, work: Callable[[], Any], rows: Callable[[Any], int], figures: list[tuple[Any, ...]]) -> Any:
    print(f"  {name} …", flush=True)
    meter = PeakRss()
    with meter.watch():
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
    count = rows(result)
    figures.append((name, count, seconds, meter.peak))
    print(f"  {name:<10} {count:>12,} rows {seconds:>8.1f} s {count / seconds if seconds else 0:>12,.0f} rows/s "
          f"peak RSS {meter.peak / 2**20:>7,.0f} MiB", flush=True)
    return result


def bench_load(values: int = 10_000_000, data: Path | None = None, seed: int = 0) -> int:
    from etl import lake
    from etl.generate import write_monitoring_values
    from etl.load import load
    from etl.warehouse import connect, run_models

    folder = data or Path(tempfile.mkdtemp(prefix="qingtian-bench-load-"))
    db = folder / "warehouse.duckdb"
    print(f"[load] {values:,} monitoring values (seed {seed}) in {folder}", flush=True)
    figures: list[tuple[Any, ...]] = []
    try:
        _stage("generate", lambda: write_monitoring_values(folder, values, seed), lambda _: values, figures)
        _stage("export", lambda: lake.export_pending(folder),
               lambda _: sum(m["items"]["rows"] + m["archive"]["rows"] for m in lake.manifests(folder)), figures)
        first = _stage("load", lambda: load(folder, db, models=False),
                       lambda r: r.items_added + r.archive_added, figures)

        def models() -> int:
            con = connect(db)
            try:
                con.execute("SET enable_progress_bar = false")
                con.execute("BEGIN TRANSACTION")
                run_models(con)
                con.execute("COMMIT")
                return int(con.execute("SELECT count(*) FROM marts.monitoring_values").fetchall()[0][0])
            finally:
                con.close()

        _stage("models", models, lambda n: n, figures)
        again = _stage("re-load", lambda: load(folder, db, models=False),
                       lambda r: r.items_added + r.archive_added, figures)
        print(f"  load {first.items_added:,} items + {first.archive_added:,} archived responses (load "
              f"{first.load_id}); re-load added {again.items_added + again.archive_added} (load id {again.load_id})")
        for error in [*first.errors, *again.errors][:10]:
            print(f"  ! {error}")
        seconds = next(s for name, _, s, _ in figures if name == "load")
        met = "met" if seconds < TARGET_SECONDS else "NOT met"
        print(f"  target: load under {TARGET_SECONDS:.0f} s for 10,000,000 values: {seconds:.1f} s for {values:,} "
              f"({met}{'' if values == 10_000_000 else ', other scale'})")
        return 0 if again.load_id is None and not first.errors else 1
    finally:
        if data is None:
            shutil.rmtree(folder, ignore_errors=True)
