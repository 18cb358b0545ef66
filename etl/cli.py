"""The `qingtian` command: one entry point for every stage of the pipeline."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from crawlers import paths


@contextmanager
def stage(name: str, timings: dict[str, float] | None = None) -> Iterator[None]:
    started = time.perf_counter()
    print(f"[{name}] …", flush=True)
    yield
    elapsed = time.perf_counter() - started
    if timings is not None:
        timings[name] = elapsed
    print(f"[{name}] done in {elapsed:.1f} s", flush=True)


def _print_reports(reports: list[dict[str, Any]]) -> bool:
    all_ok = True
    for r in reports:
        records = ", ".join(f"{n} {k}" for k, n in r.get("records", {}).items()) or "no records"
        status = "ok" if r.get("ok") else "ERRORS"
        all_ok &= bool(r.get("ok"))
        print(f"  {r['source']:<26} {status:<6} {r.get('requests', 0):>5} requests  {records}")
        for error in r.get("errors", [])[:10]:
            print(f"    - {json.dumps(error, ensure_ascii=False)}")
        if len(r.get("errors", [])) > 10:
            print(f"    … {len(r['errors']) - 10} more in data/items/{r['source']}/{r['crawl_id']}.report.json")
    from crawlers.run import summary

    print(summary([r for r in reports if "crawl_id" in r]))
    return all_ok


def cmd_replay(args: argparse.Namespace) -> int:
    from crawlers.replay.server import serve_forever

    print(f"Serving the replicas on 127.0.0.1 (ports from {args.port}); Ctrl-C stops.")
    serve_forever(args.port, faults=args.faults)
    return 0


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawlers.run import crawl, spider_names

    if args.list:
        print("\n".join(spider_names()))
        return 0
    origins = json.loads(args.origins) if args.origins else None
    if args.collect:
        from crawlers.distributed import collect_command

        if not args.redis:
            raise SystemExit("--collect needs --redis URL")
        results = collect_command(args.redis, args.sources or spider_names(), args.crawl_id, paths.items_dir())
        for result in results:
            print(f"  {json.dumps(result, ensure_ascii=False)}")
        return 0 if all(r["collected"] for r in results) else 1
    reports = crawl(args.sources or spider_names(), live=args.live, origins=origins, full=args.full,
                    redis=args.redis, shared_crawl=args.crawl_id)
    ok = _print_reports(reports)
    for r in reports:
        if "shared_crawl" in r:
            print(f"  {r['source']}: items of crawl {r['shared_crawl']} " + (
                f"in data/items/{r['source']}/{r['shared_crawl']}.jsonl" if r["collected"]
                else "not collected yet (other workers are still at it; or `qingtian crawl --redis URL --collect`)"))
    return 0 if ok else 1


def cmd_load(args: argparse.Namespace) -> int:
    from etl.load import load

    result = load()
    print(f"  {result.files} new crawl files, {result.items_added} record versions and "
          f"{result.archive_added} archived responses added"
          + (f" (load {result.load_id})" if result.load_id else " (nothing new: warehouse unchanged)"))
    for error in result.errors:
        print(f"  ! {error}")
    return 0


def cmd_match(args: argparse.Namespace) -> int:
    from etl.match import match

    result = match()
    methods = ", ".join(f"{n} by {m}" for m, n in sorted(result.linked.items())) or "none linked"
    print(f"  {result.records} records → {result.enterprises} enterprises ({methods}; {result.provisional} "
          f"provisional); {result.unmatched} unmatched, {result.review} of them for `qingtian review`")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from etl.publish import shards

    try:
        only = shards.parse_shards(args.shards) if args.shards else None
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc
    result = shards.build(search=not args.no_search, workers=args.workers, shards=only,
                          incremental=args.incremental and not args.compact)
    print(f"  {result.mode} build: {result.pages} pages written, {result.rendered} companies rendered "
          f"({result.companies} in the site), {result.removed} removed, {result.archived} archived copies "
          f"extracted; {result.timings['wall']:.1f} s")
    print(f"  search: {result.pagefind or 'skipped'}")
    print(f"  site: {result.path}")
    return 0


def _serve_until_interrupted(site: Path, port: int) -> None:
    from etl.serve import make_server

    server = make_server(site, port)
    print(f"Serving {site} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)", flush=True)
    # A crawl earlier in this process (demo) leaves Scrapy's graceful-shutdown handlers installed, which
    # would swallow Ctrl-C and SIGTERM here: both stop the server.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def cmd_serve(args: argparse.Namespace) -> int:
    _serve_until_interrupted(Path(args.site) if args.site else paths.site_dir(), args.port)
    return 0


def cmd_hj212(args: argparse.Namespace) -> int:
    from crawlers.helpers import hj212

    if args.action == "listen":
        from crawlers.hj212_listener import run_listen

        return run_listen(args.port, args.seconds)
    if not args.file:
        print("qingtian hj212 parse: give a FILE of frames", file=sys.stderr)
        return 2
    bad = 0
    text = Path(args.file).read_text(encoding="ascii", errors="replace")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            print(json.dumps(hj212.parse(line).as_json(), ensure_ascii=False))
        except hj212.FrameError as exc:
            bad += 1
            print(f"{args.file}:{number}: {exc}", file=sys.stderr)
    return 1 if bad else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from crawlers.replay.server import ReplayServer
    from crawlers.run import crawl, spider_names
    from etl.load import load
    from etl.match import match
    from etl.publish.build import build

    timings: dict[str, float] = {}
    started = time.perf_counter()
    with stage("replay", timings):
        replay = ReplayServer(args.replay_port)
        origins = replay.start()
        for host, origin in origins.items():
            print(f"  {host:<24} {origin}")
    try:
        with stage("crawl", timings):
            ok = _print_reports(crawl(spider_names(), origins=origins))
        with stage("load", timings):
            result = load()
            print(f"  {result.items_added} record versions, {result.archive_added} archived responses")
        with stage("match", timings):
            m = match()
            print(f"  {m.records} records → {m.enterprises} enterprises; {m.unmatched} unmatched")
        with stage("build", timings):
            b = build()
            print(f"  {b.pages} pages ({b.companies} companies); search: {b.pagefind}")
        total = time.perf_counter() - started
        print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()) + f"; total {total:.1f} s")
        if not ok:
            print("Some sources reported errors (see above); the site shows what was collected.")
        if args.no_serve:
            print(f"site: {b.path}")
            return 0
        # The replicas keep running while the site is served, so its source links work.
        _serve_until_interrupted(b.path, args.port)
    finally:
        replay.stop()
    return 0



def cmd_parse(args: argparse.Namespace) -> int:
    from crawlers.helpers.penalty_file import cmd_parse as parse_file

    return parse_file(args)


def cmd_review(args: argparse.Namespace) -> int:
    from etl.review import cmd_review as review

    return review(args)


def cmd_screen(args: argparse.Namespace) -> int:
    from etl.screen import cmd_screen as screen

    return screen(args)


def cmd_export(args: argparse.Namespace) -> int:
    from etl.publish.exports import cmd_export as export

    return export(args)


def cmd_risk(args: argparse.Namespace) -> int:
    from etl.risk import cmd_risk as risk

    return risk(args)


def cmd_bench(args: argparse.Namespace) -> int:
    if args.target == "stages":
        from etl.bench_scale import run as stages

        return stages(args.scales.split(","), args.stages.split(","), Path(args.keep) if args.keep else None,
                      seed=args.seed)
    if args.target == "site":
        from etl.bench_site import cmd_bench_site

        return cmd_bench_site(args)
    if args.target == "generate":
        from etl.generate import cmd_generate

        return cmd_generate(args)
    if not isinstance(args.scale, int):
        raise SystemExit(f"bench {args.target}: --scale takes a count, not {args.scale!r}")
    from etl.bench import run

    return run(args.target, args.scale, Path(args.data) if args.data else None,
               connections=getattr(args, "connections", None), frames=getattr(args, "frames", None),
               values=getattr(args, "values", None),
               seed=getattr(args, "seed", None) if args.target == "load" else None)


def _bench_scale(text: str) -> int | str:
    """A count for most benches; `generate` also takes a named scale (national, 1m, 100k)."""
    return int(text) if text.isdigit() else text


def cmd_asof(args: argparse.Namespace) -> int:
    from etl.asof import cmd_asof as asof

    return asof(args)


def cmd_feedback(args: argparse.Namespace) -> int:
    from etl.feedback import cmd_feedback as feedback

    return feedback(args)


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], str, str]] = {
    "demo": (cmd_demo, "replay → crawl → load → match → build → serve, in one go",
             "qingtian demo              # ends serving http://127.0.0.1:8000\n"
             "qingtian demo --no-serve   # builds and prints the site's path"),
    "replay": (cmd_replay, "serve the bundled replicas of the real sources on 127.0.0.1",
               "qingtian replay --port 8700\n"
               "qingtian replay --faults 'host=sthjj.jiaxing.gov.cn,path=/xxgk/xzcf/index_1.shtml,fault=status:503,"
               "times=3;host=*,fault=latency:0.5'"),
    "crawl": (cmd_crawl, "crawl sources (the replicas by default, the real hosts with --live); a re-crawl "
              "fetches only what is new or changed unless --full",
              "qingtian crawl nat_mee_permits zj_jxsthj_penalties\nqingtian crawl --full\nqingtian crawl --list\n"
              "qingtian crawl --redis redis://127.0.0.1:6379/0 --origins '{…}' zj_jxsthj_penalties   # one worker"),
    "load": (cmd_load, "load crawled items and the archive index into the warehouse (idempotent)",
             "qingtian load"),
    "match": (cmd_match, "link records to enterprises by USCC and record why", "qingtian match"),
    "asof": (cmd_asof, "the marts as they stood after an earlier load (rebuilt from the append-only raw layer and "
             "the link history)",
             "qingtian asof --list\nqingtian asof 3 --table penalties > penalties-load3.csv\n"
             "qingtian asof --at 2026-06-30T00:00 --out marts-2026-06-30.duckdb"),
    "build": (cmd_build, "render the static site from the warehouse marts, in shards (one per province, in "
              "parallel processes, each with its own search index)",
              "qingtian build\nqingtian build --incremental   # only the companies whose data changed\n"
              "qingtian build --shards 33,44   # rebuild those provinces alone\nqingtian build --compact"),
    "serve": (cmd_serve, "serve the built site", "qingtian serve --port 8000"),
    "hj212": (cmd_hj212, "parse HJ 212 data-logger frames (one per line) and print one JSON object per frame, "
              "or receive them over TCP (listen), archiving every frame and answering those that ask",
              "qingtian hj212 parse frames.txt\nqingtian hj212 listen --port 9212 --for 3600"),
    "parse": (cmd_parse, "read one penalty decision (HTML, PDF, DOCX or text; detected by content) and print its "
              "fields as JSON", "qingtian parse penalty decision.pdf"),
    "review": (cmd_review, "judge the name matches `qingtian match` left for review (positive | negative | unsure)",
               "qingtian review --list\nqingtian review --judge RECORD_ID ENTERPRISE_ID positive --who alice\n"
               "qingtian review --who alice      # asks about each pending pair\n"
               "qingtian review --verify         # is the judgements log intact?"),
    "screen": (cmd_screen, "match a list of companies (CSV/XLSX: name, uscc, address, region) against the "
               "warehouse's enterprises or a registry", "qingtian screen suppliers.xlsx --out screened.csv\n"
               "qingtian screen list.csv --against registry.csv --out screened.csv\n"
               "qingtian screen suppliers.xlsx --report report.html   # or report.xlsx"),
    "risk": (cmd_risk, "green-credit check: match a borrower list (name and/or uscc) and score each borrower's "
             "environmental risk as of a date, with the evidence per flag (weights: etl/risk.yml)",
             "qingtian risk borrowers.csv --as-of 2026-06-30 --out results.csv\n"
             "qingtian risk borrowers.xlsx --out results.json"),
    "bench": (cmd_bench, "measure: by default every stage (load, match, marts, site) at the 100k and 1m scales with "
              "wall time, peak memory, rows/s and the national projection; `match` prints precision/recall per band "
              "and throughput, `parse` "
              "pages/s per parser, `crawl` the replica crawl's wall time and requests (full and incremental), "
              "`hj212` the HJ 212 receiver under many concurrent data loggers (frames/s, p99 latency, nothing lost); "
              "`generate` writes a synthetic national register as crawls (then `qingtian load`, `qingtian match`); "
              "`load` times lake export, load, models and a re-load of N monitoring values (rows/s, peak memory)",
              "qingtian bench                      # every stage at 100k and 1m, national projection\n"
              "qingtian bench stages --scales 10k,100k --keep bench-data\n"
              "qingtian bench match --scale 100000\nqingtian bench parse\nqingtian bench crawl\n"
              "qingtian bench hj212 --connections 200 --frames 100000\n"
              "QINGTIAN_DATA=big qingtian bench generate --scale 100k --seed 1 --monitoring-days 90\n"
              "qingtian bench load --values 10000000"),
    "export": (cmd_export, "write every public mart as CSV (UTF-8 with BOM) and Parquet, with manifest.json, "
               "without building the site", "qingtian export                      # into data/exports/\n"
               "qingtian export --out dump --format parquet"),
    "feedback": (cmd_feedback, "validate enterprise feedback files (warehouse/feedback/<USCC>/<date>-<slug>.yml) "
                 "against the schema; every invalid file is named with the field at fault",
                 "qingtian feedback validate\nqingtian feedback validate warehouse/feedback/91330400MAJHTPQQ1T/"
                 "2025-08-01-cems-repair-evidence.yml\nqingtian feedback record"),
}


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="qingtian",
        description="Qingtian (晴天): an open environmental-disclosure database for China.",
        epilog="Data lives under ./data (override with QINGTIAN_DATA). Example: qingtian demo",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("-v", "--verbose", action="store_true", help="log more")
    subs = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (func, help_text, example) in COMMANDS.items():
        examples = "\n  ".join(example.splitlines())
        sub = subs.add_parser(name, help=help_text, description=help_text, epilog=f"example:\n  {examples}",
                              formatter_class=argparse.RawDescriptionHelpFormatter)
        sub.set_defaults(func=func)
        if name == "demo":
            sub.add_argument("--no-serve", action="store_true", help="build, print the site's path and exit")
            sub.add_argument("--port", type=int, default=8000, help="port to serve the site on (default 8000)")
            sub.add_argument("--replay-port", type=int, default=8700,
                             help="first port of the replicas (default 8700; 0 picks free ports)")
        elif name == "replay":
            sub.add_argument("--port", type=int, default=8700, help="first port; one port per replicated host")
            sub.add_argument("--faults", metavar="SPEC", help="inject faults: rules `host=…,path=…,fault=…,times=N` "
                             "separated by ';', or a YAML/JSON file (see crawlers/replay/faults.py)")
        elif name == "crawl":
            sub.add_argument("sources", nargs="*", help="spider names (default: every source; see --list)")
            sub.add_argument("--live", action="store_true", help="crawl the real hosts (politely) instead")
            sub.add_argument("--origins", help="JSON host → origin of already running replicas")
            sub.add_argument("--list", action="store_true", help="list the available sources")
            sub.add_argument("--full", action="store_true",
                             help="fetch everything again (by default a re-crawl fetches only what is new or changed)")
            sub.add_argument("--redis", metavar="URL", help="be one worker of a distributed crawl shared through "
                             "this Redis server: join the running crawl of these sources, or start one")
            sub.add_argument("--crawl-id", help="with --redis: join this crawl rather than the running one")
            sub.add_argument("--collect", action="store_true", help="with --redis: write the items of a finished "
                             "crawl whose workers are all gone to the data folder")
        elif name == "asof":
            sub.add_argument("load", nargs="?", type=int, help="load id (default: the latest; see --list)")
            sub.add_argument("--at", help="the latest load at or before this time (ISO, UTC), instead of a load id")
            sub.add_argument("--list", action="store_true", help="list the loads with their times and counts")
            sub.add_argument("--table", help="print this mart as CSV on standard output")
            sub.add_argument("--out", help="write every mart as of the load to this DuckDB file")
            sub.add_argument("--warehouse", help="warehouse file (default: the data folder's)")
        elif name == "build":
            sub.add_argument("--no-search", action="store_true", help="skip the Pagefind index")
            sub.add_argument("--incremental", action="store_true",
                             help="re-render only the companies whose data changed since the published build; "
                             "their search entries go into a delta index")
            sub.add_argument("--compact", action="store_true",
                             help="a full build: fold the delta index back into the shards")
            sub.add_argument("--shards", "--shard", help="rebuild only these province shards, e.g. 33,44 "
                             "(00: region unknown); the rest of the published site is kept")
            sub.add_argument("--workers", type=int, help="parallel processes (default: one per core)")
        elif name == "hj212":
            sub.add_argument("action", choices=["parse", "listen"], help="what to do with the frames")
            sub.add_argument("file", nargs="?", help="parse: a file of frames, one per line")
            sub.add_argument("--port", type=int, default=9212, help="listen: TCP port on 127.0.0.1 (default 9212)")
            sub.add_argument("--for", dest="seconds", type=float, help="listen: stop after SECONDS (default: Ctrl-C)")
        elif name == "review":
            sub.add_argument("--list", action="store_true", help="list the pending pairs with their evidence")
            sub.add_argument("--unsure", action="store_true", help="list the pairs judged unsure (second opinion)")
            sub.add_argument("--judge", nargs=3, metavar=("RECORD_ID", "ENTERPRISE_ID", "JUDGEMENT"),
                             help="record one judgement: positive | negative | unsure")
            sub.add_argument("--who", help="who judges (recorded with each judgement)")
            sub.add_argument("--judgements", help="judgements file (default: warehouse/judgements.csv, or "
                             "QINGTIAN_JUDGEMENTS)")
            sub.add_argument("--warehouse", help="warehouse file (default: the data folder's)")
            sub.add_argument("--verify", action="store_true", help="check the judgements' hash chain: prints OK "
                             "and the head hash, or the first bad line")
            sub.add_argument("--repair", action="store_true", help="with --verify: complete or remove a torn last "
                             "line left by an interrupted append (any other damage is only reported)")
        elif name == "screen":
            sub.add_argument("list", help="CSV or XLSX with a `name` column (optionally uscc, address, region)")
            sub.add_argument("--against", help="a registry CSV/XLSX (uscc, name, …) or a warehouse file "
                             "(default: the warehouse's enterprises)")
            sub.add_argument("--out", help="write the results here as CSV (default: standard output)")
            sub.add_argument("--report", help="also write a report to read: .html (standalone) or .xlsx")
        elif name == "risk":
            sub.add_argument("list", help="CSV or XLSX of borrowers with `name` (and/or uscc, address, region)")
            sub.add_argument("--as-of", help="count only records dated on or before this day (default: today)")
            sub.add_argument("--out", help="results as .csv (one row per borrower) or .json (with evidence); "
                             "default: CSV on standard output")
            sub.add_argument("--warehouse", help="warehouse file (default: the data folder's)")
        elif name == "bench":
            sub.add_argument("target", nargs="?", default="stages",
                             choices=["stages", "match", "parse", "crawl", "hj212", "generate", "load", "site"],
                             help="what to measure (default: stages, every pipeline stage at the 100k and 1m scales "
                             "with the national projection): match quality/speed, parse throughput per parser, "
                             "replica crawl wall time (full, then incremental), …")
            sub.add_argument("--scales", default="100k,1m", help="stages: generated scales, smallest first "
                             "(default 100k,1m)")
            sub.add_argument("--stages", default="load,match,marts,site",
                             help="stages: which stages (default load,match,marts,site)")
            sub.add_argument("--keep", help="stages: keep each scale's data folder under this folder")
            sub.add_argument("--scale", type=_bench_scale, default=1_000_000,
                             help="records and enterprises for the throughput run (default 1,000,000; 0 skips it); "
                             "generate: enterprises, national | 1m | 100k or a count (2000, 5k)")
            sub.add_argument("--data", help="folder of the incineration data (default: ../shared/data/incineration); "
                             "generate: the data folder to write into (default: the data folder)")
            sub.add_argument("--connections", type=int, help="hj212: concurrent data loggers (default 200)")
            sub.add_argument("--frames", type=int, help="hj212: frames in all (default 100,000)")
            sub.add_argument("--values", type=int, help="load: monitoring values to generate (default 10,000,000) "
                             "into --data (default: a temporary folder, removed after)")
            sub.add_argument("--seed", type=int, default=0, help="generate: the seed (same seed, same files)")
            sub.add_argument("--companies", type=int, default=100_000,
                             help="site: company pages of the synthetic warehouse (default 100,000)")
            sub.add_argument("--changes", type=int, default=1_000,
                             help="site: companies changed before the incremental rebuild (default 1,000)")
            sub.add_argument("--warehouse", help="site: bench on a copy of this warehouse instead of a synthetic one")
            sub.add_argument("--workers", type=int, help="site: parallel processes (default: one per core)")
            sub.add_argument("--monitoring-days", type=int, default=365,
                             help="generate: days of daily monitoring values (default 365)")
        elif name == "serve":
            sub.add_argument("--port", type=int, default=8000)
            sub.add_argument("--site", help="folder to serve (default: data/site)")
        elif name == "parse":
            sub.add_argument("what", choices=["penalty"], help="the kind of document in FILE")
            sub.add_argument("file", help="an HTML page, PDF or DOCX attachment, or text file")
        elif name == "export":
            sub.add_argument("--out", help="folder to write to (default: data/exports)")
            sub.add_argument("--format", choices=["csv", "parquet", "both"], default="both",
                             help="file formats (default: both)")
        elif name == "feedback":
            sub.add_argument("action", choices=["validate", "record"],
                             help="validate the files; record: also enter new valid files in the hash-chained "
                             "intake ledger (warehouse/feedback/ledger.csv), after which only recorded, unchanged "
                             "files are used")
            sub.add_argument("paths", nargs="*", help="files or folders (default: warehouse/feedback, or "
                             "QINGTIAN_FEEDBACK)")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
        os.environ.setdefault("QINGTIAN_LOG_LEVEL", "INFO")
    threading.current_thread().name = "qingtian"
    from etl.ledger import LedgerError

    try:
        return int(args.func(args))
    except LedgerError as error:
        # A tampered or torn log of human decisions: say which line, use nothing from it.
        print(f"qingtian {args.command}: {error}", file=sys.stderr)
        print("  check it with `qingtian review --verify` (judgements) or restore the file from version control",
              file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
