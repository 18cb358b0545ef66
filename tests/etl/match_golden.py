"""Golden check for `qingtian match` on a big warehouse (not a pytest test: minutes, and needs a generated one).

    python -m tests.etl.match_golden save  <warehouse.duckdb> <golden folder>   # before changing the matcher
    python -m tests.etl.match_golden check <warehouse.duckdb> <golden folder>   # after: exit 1 on any difference

The warehouse is copied to a temporary folder first and matched there (the original is never written). It dumps
`intermediate.record_links`, `intermediate.review_candidates` (all columns, ordered by record) and the open
rows of `record_links_history` as Parquet, and compares them row for row. Prints wall time, CPU time (with the
second process) and peak memory, which are the machine's: say what else was running next to them.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import psutil

from etl.match import match

QUERIES = {
    "record_links": "SELECT * FROM intermediate.record_links ORDER BY record_id",
    "review_candidates": "SELECT * FROM intermediate.review_candidates ORDER BY record_id, rank, enterprise_id",
    "history": "SELECT * EXCLUDE (valid_from_load, valid_to_load) FROM intermediate.record_links_history "
               "WHERE valid_to_load IS NULL ORDER BY record_id",
}


def _peak(stop: threading.Event, out: list[int]) -> None:
    me = psutil.Process()
    while not stop.wait(0.05):
        try:
            out[0] = max(out[0], me.memory_info().rss + sum(c.memory_info().rss for c in me.children(recursive=True)))
        except psutil.Error:
            continue


def main(mode: str, warehouse: Path, golden: Path) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "warehouse.duckdb"
        shutil.copy(warehouse, db)
        stop, peak = threading.Event(), [0]
        meter = threading.Thread(target=_peak, args=(stop, peak), daemon=True)
        meter.start()
        start = time.perf_counter()
        result = match(db_path=db, marts=False)
        seconds = time.perf_counter() - start
        stop.set()
        cpu = sum(psutil.Process().cpu_times()[:4])
        print(f"match: {seconds:.1f} s wall, {cpu:.1f} s CPU, peak {peak[0] / 2**30:.2f} GiB; {result}")
        con = duckdb.connect(str(db), read_only=True)
        golden.mkdir(parents=True, exist_ok=True)
        same = True
        for name, sql in QUERIES.items():
            target = golden / f"{name}.parquet"
            if mode == "save":
                con.execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet)")
                print(f"{name}: {con.execute(f'SELECT count(*) FROM {target!r}').fetchone()[0]} rows saved")
                continue
            counts = con.execute(
                f"SELECT (SELECT count(*) FROM '{target}'), (SELECT count(*) FROM ({sql})), "
                f"(SELECT count(*) FROM (({sql}) EXCEPT ALL SELECT * FROM '{target}')), "
                f"(SELECT count(*) FROM (SELECT * FROM '{target}' EXCEPT ALL ({sql})))").fetchone()
            identical = counts[0] == counts[1] and counts[2] == counts[3] == 0
            same &= identical
            print(f"{name}: golden {counts[0]} rows, now {counts[1]}; only now {counts[2]}, only golden {counts[3]}: "
                  f"{'IDENTICAL' if identical else 'DIFFERENT'}")
        con.close()
    return 0 if same else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["save", "check"], help="save the golden dumps, or check against them")
    parser.add_argument("warehouse", type=Path, help="the warehouse to match (copied first, never written)")
    parser.add_argument("golden", type=Path, help="the folder of the golden dumps")
    args = parser.parse_args()
    sys.exit(main(args.mode, args.warehouse, args.golden))
