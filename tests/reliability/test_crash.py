"""SIGKILL in the middle of a crawl, a load, a match and a site build: the next run ends with the same
warehouse and site as a run that was never interrupted (compared, table by table and file by file).

Each step runs as `python -m etl.cli …` in a subprocess; `QINGTIAN_CRASH_AT=<point>:<n>` (etl/crashpoint.py)
makes it kill itself the n-th time it reaches a named point, n drawn from a seeded generator
(`QINGTIAN_CRASH_SEED`, default 212); one build is killed from outside while it writes pages.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import psutil
import pytest

from etl.warehouse import table_fingerprints

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("zj_jxsthj_penalties", "nat_mee_permits")
RNG = random.Random(int(os.environ.get("QINGTIAN_CRASH_SEED", "212")))
KILLED = -signal.SIGKILL
# Tables whose content depends on the wall clock: compared without these columns.
CLOCK_COLUMNS = {"raw.loads": ["loaded_at"]}
# The build time in every footer and in the exports' metadata; the feeds' first-seen times (raw.loads.loaded_at).
_BUILT = re.compile(rb"(Built</span> )[^<]*|(\"built_at\": ?\")[^\"]*")
_MOMENT = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?")


def step(data: Path, *args: str, crash: str | None = None, origins: dict[str, str] | None = None,
         judgements: Path | None = None) -> int:
    env = {**os.environ, "QINGTIAN_DATA": str(data), "QINGTIAN_JUDGEMENTS": str(judgements or data / "j.csv")}
    env.pop("QINGTIAN_CRASH_AT", None)
    if crash:
        env["QINGTIAN_CRASH_AT"] = crash
    if args[0] == "crawl":
        args = ("crawl", "--origins", json.dumps(origins), *args[1:])
    done = subprocess.run([sys.executable, "-m", "etl.cli", *args], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    if crash is None:
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done.returncode


def pipeline(data: Path, *stages: str) -> None:
    for stage in stages:
        step(data, *([stage, "--no-search"] if stage == "build" else [stage]))


def warehouse(data: Path) -> dict[str, Any]:
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        out: dict[str, Any] = dict(table_fingerprints(con))
        for table, columns in CLOCK_COLUMNS.items():
            drop = ", ".join(columns)
            out[table] = con.execute(f"SELECT * EXCLUDE ({drop}) FROM {table} ORDER BY ALL").fetchall()
    finally:
        con.close()
    return out


def records(data: Path) -> list[tuple[str, str]]:
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute("SELECT record_id, content_hash FROM raw.items ORDER BY ALL").fetchall()
    finally:
        con.close()


def site(data: Path) -> dict[str, bytes]:
    root = data / "site"
    return {p.relative_to(root).as_posix(): _MOMENT.sub(b"(time)", _BUILT.sub(rb"\1\2(masked)", p.read_bytes()))
            for p in sorted(root.rglob("*")) if p.is_file()}


def assert_same(data: Path, reference: dict[str, Any], with_site: bool = True) -> None:
    got = warehouse(data)
    assert got.keys() == reference["warehouse"].keys()
    differing = [t for t in got if got[t] != reference["warehouse"][t]]
    assert differing == []
    if with_site:
        pages = site(data)
        assert pages.keys() == reference["site"].keys()
        assert [p for p in pages if pages[p] != reference["site"][p]] == []
        leftovers = sorted(p.name for p in data.iterdir() if p.name.startswith(("site.", ".site.")))
        assert leftovers == [os.readlink(data / "site")]


def copy_crawl(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns("warehouse.duckdb*", "site*", "j.csv"))
    return target


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory, replay: dict[str, str]) -> dict[str, Any]:
    """One uninterrupted crawl, and the warehouse and site an uninterrupted load → match → build makes of it."""
    base = tmp_path_factory.mktemp("crawled") / "data"
    step(base, "crawl", *SOURCES, origins=replay)
    reference = copy_crawl(base, base.parent / "reference")
    pipeline(reference, "load", "match", "build")
    items = sum(1 for p in base.glob("items/*/*.jsonl") for _ in p.open(encoding="utf-8"))
    files = len([*base.glob("items/*/*.jsonl"), *base.glob("raw/*/*.index.jsonl"), *base.glob("items/*/*.json")])
    return {"base": base, "reference": reference, "origins": replay, "items": items, "files": files,
            "warehouse": warehouse(reference), "site": site(reference)}


def test_killed_crawl_leaves_nothing_the_next_run_uses(crawled: dict[str, Any], tmp_path: Path) -> None:
    data = tmp_path / "data"
    n = RNG.randint(2, crawled["items"] // 2)
    assert step(data, "crawl", *SOURCES, origins=crawled["origins"], crash=f"crawl.item:{n}") == KILLED
    killed = [p.name.removesuffix(".jsonl.part") for p in data.glob("items/*/*.jsonl.part")]
    assert killed and not list(data.glob("items/*/*.report.json"))
    assert list(data.glob(f"raw/*/{killed[0]}.index.jsonl"))  # its archive is there, unreported
    step(data, "crawl", *SOURCES, origins=crawled["origins"])
    # The uninterrupted twin: the same folder without the killed crawl's files.
    clean = copy_crawl(data, tmp_path / "clean")
    for path in clean.rglob("*"):
        if path.is_file() and path.name.split(".")[0] in killed:
            path.unlink()
    for folder in (data, clean):
        pipeline(folder, "load", "match", "build")
    twin = {"warehouse": warehouse(clean), "site": site(clean)}
    assert_same(data, twin)
    # …and the re-crawl got what the reference crawl got (same records, same content, other crawl times).
    assert records(clean) == records(crawled["reference"])
    assert twin["site"].keys() == crawled["site"].keys()


@pytest.mark.parametrize("point", ["load.file", "load.commit", "load.committed"])
def test_killed_load(crawled: dict[str, Any], tmp_path: Path, point: str) -> None:
    data = copy_crawl(crawled["base"], tmp_path / "data")
    n = RNG.randint(1, crawled["files"]) if point == "load.file" else 1
    assert step(data, "load", crash=f"{point}:{n}") == KILLED
    # DuckDB replays (or drops) its WAL on the next open; the next load finishes the job.
    pipeline(data, "load", "match")
    assert_same(data, crawled, with_site=False)


@pytest.mark.parametrize("point", ["match.links", "match.committed"])
def test_killed_match(crawled: dict[str, Any], tmp_path: Path, point: str) -> None:
    data = copy_crawl(crawled["base"], tmp_path / "data")
    pipeline(data, "load")
    assert step(data, "match", crash=f"{point}:1") == KILLED
    pipeline(data, "match")
    assert_same(data, crawled, with_site=False)


def test_killed_build_never_leaves_the_site_missing(crawled: dict[str, Any], tmp_path: Path) -> None:
    data = copy_crawl(crawled["base"], tmp_path / "data")
    pipeline(data, "load", "match", "build")
    published = os.readlink(data / "site")
    # Killed from outside while writing pages, then at the swap: the published site is untouched.
    env = {**os.environ, "QINGTIAN_DATA": str(data), "QINGTIAN_JUDGEMENTS": str(data / "j.csv")}
    env.pop("QINGTIAN_CRASH_AT", None)
    child = subprocess.Popen([sys.executable, "-m", "etl.cli", "build", "--no-search"], env=env, cwd=REPO,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    threshold, deadline = RNG.randint(5, 40), time.monotonic() + 120
    while time.monotonic() < deadline and child.poll() is None:
        new = data / "site.new"
        if new.exists() and sum(1 for _ in new.rglob("*.html")) >= threshold:
            break
        time.sleep(0.02)
    workers = psutil.Process(child.pid).children(recursive=True)
    child.send_signal(signal.SIGKILL)
    assert child.wait() == KILLED
    _, alive = psutil.wait_procs(workers, timeout=15)  # the build's workers die with it (etl/workers.py)
    assert alive == []
    assert os.readlink(data / "site") == published and (data / "site" / "index.html").exists()
    assert step(data, "build", "--no-search", crash="build.swap:1") == KILLED
    assert os.readlink(data / "site") == published and (data / "site" / "index.html").exists()
    pipeline(data, "build")
    assert os.readlink(data / "site") != published
    assert_same(data, crawled)


def test_a_folder_site_from_before_is_replaced(crawled: dict[str, Any], tmp_path: Path) -> None:
    from etl.swap import publish

    out = tmp_path / "site"
    out.mkdir()
    (out / "old.html").write_text("old")
    fresh = tmp_path / "site.new"
    fresh.mkdir()
    (fresh / "index.html").write_text("new")
    target = publish(fresh, out)
    assert out.is_symlink() and os.readlink(out) == target.name and not fresh.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["site", target.name])
    assert (out / "index.html").read_text() == "new"
