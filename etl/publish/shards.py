"""Sharded, parallel and incremental site builds.

The site is built in independent shards: one per province (the first two digits of a company's region code;
`00` where the region is unknown; a province of more than site.yml `shard_companies` companies is split into
chunks `<province>.<n>` of that many, by enterprise id, so no worker holds a whole large province) for the
company pages (page, JSON, feeds, risk JSON, outlet pages) and one
`site` shard for the site-wide pages (home, lists, map, screening, exports, feeds, changes). Each province
shard is rendered by a worker process that opens the warehouse read-only and reads only its own companies (a
temporary table of their ids limits every query), and indexes them into a Pagefind bundle of its own,
`pagefind/shards/<key>/`; the browser merges the bundles (site/static/search.js).

Every company page has a fingerprint: a hash of every warehouse row it shows, computed in SQL. An
incremental build re-renders only the companies whose fingerprint changed (and removes the pages of those
gone); their search documents go into a small delta bundle (the primary bundle, `pagefind/`), and the
manifest `pagefind/shards.json` lists the base-shard results they replace, which the browser drops. A full
build (or `--compact`) folds the delta back into the shards. `--shards 33,44` rebuilds those shards alone.

A build is made in a fresh folder and published with etl/swap.py. An incremental or shard build starts
from hard links to the published company files (never written through: every writer replaces a file), so
unchanged pages cost a link each. Site-wide inputs (templates, code, configuration, the date the risk is
computed for) are fingerprinted too: when they change, an incremental build is a full one.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from crawlers import paths
from etl.warehouse import connect
from etl.workers import pool

REPO = Path(__file__).resolve().parents[2]
SITE_SRC = REPO / "site"
STATE_DIR = ".build"  # inside the site folder: fingerprints, files and search ids per shard
MANIFEST = "pagefind/shards.json"
SHARD_BUNDLES = "pagefind/shards"
DELTA_DOCS = f"{STATE_DIR}/delta"
# The shard of a company: its province, from the region code.
SHARD_SQL = ("CASE WHEN regexp_full_match(coalesce(region_code, ''), '[0-9]{6}') THEN left(region_code, 2) "
             "ELSE '00' END")
# Everything a company's pages show, by enterprise id: each row is hashed whole, so a new column counts too.
FINGERPRINT_PARTS = (
    "SELECT enterprise_id, hash(t) AS h FROM marts.enterprises t",
    *(f"SELECT enterprise_id, hash(t) FROM marts.{mart} t WHERE enterprise_id IS NOT NULL"
      for mart in ("penalties", "credit_ratings", "correction_orders", "cleaner_production", "permits", "plants",
                   "permit_outlets", "monitoring_values", "compliance_quarterly")),
    "SELECT p.enterprise_id, hash(t) FROM marts.permit_limits t JOIN marts.permit_outlets p USING (national_code)",
    "SELECT p.enterprise_id, hash(t) FROM staging.stg_nat_envsc_incineration__outlets t "
    "JOIN marts.plants p USING (ps_code) WHERE p.enterprise_id IS NOT NULL",
    "SELECT p.enterprise_id, hash(t) FROM marts.record_status t JOIN marts.penalties p USING (record_id)",
    "SELECT p.enterprise_id, hash(t) FROM marts.record_timeline t JOIN marts.penalties p USING (record_id)",
    "SELECT enterprise_id, hash(day) FROM marts.outlet_values WHERE exceeded",
)
# Files whose change changes every page: then a build re-renders every company.
GLOBAL_INPUTS = ("site/templates", "site/site.yml", "etl/publish", "etl/risk.py", "etl/risk.yml", "etl/facts",
                 "crawlers/spiders")


@dataclass
class ShardResult:
    key: str
    companies: dict[str, list[str]] = field(default_factory=dict)  # enterprise id → its files
    fragments: dict[str, str] = field(default_factory=dict)  # page URL → Pagefind page id
    cited: dict[str, str] = field(default_factory=dict)
    pages: int = 0
    index_bytes: int = 0
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class ShardedBuild:
    path: Path
    mode: str
    pages: int = 0
    companies: int = 0
    archived: int = 0
    rendered: int = 0  # companies rendered by this build
    removed: int = 0
    pagefind: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    shards: dict[str, dict[str, Any]] = field(default_factory=dict)  # key → companies, seconds, index bytes
    index_bytes: int = 0
    delta: int = 0


def _config() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((SITE_SRC / "site.yml").read_text(encoding="utf-8"))
    return loaded


def global_fingerprint(con: Any, as_of: date) -> str:
    """A hash of every input shared by all company pages: code, templates, configuration, the risk date,
    the base URL, and the warehouse-wide values a page shows (the last monitoring day)."""
    digest = hashlib.sha256()
    for name in GLOBAL_INPUTS:
        root = REPO / name
        files = sorted(root.rglob("*")) if root.is_dir() else [root]
        for path in files:
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    last_day = con.execute("SELECT max(day) FROM marts.outlet_values").fetchall()[0][0]
    digest.update(f"{as_of}|{os.environ.get('QINGTIAN_SITE_URL', '')}|{last_day}".encode())
    return digest.hexdigest()


def fingerprints(con: Any) -> dict[str, tuple[str, str]]:
    """enterprise id → (shard key, fingerprint of everything its pages show)."""
    parts = "\nUNION ALL ".join(FINGERPRINT_PARTS)
    rows = con.execute(
        f"WITH parts AS ({parts}), sums AS (SELECT enterprise_id, sum(h::HUGEINT) AS s, count(*) AS n "
        "FROM parts GROUP BY enterprise_id) "
        f"SELECT e.enterprise_id, {SHARD_SQL}, CAST(s.s AS VARCHAR) || '-' || CAST(s.n AS VARCHAR) "
        "FROM marts.enterprises e JOIN sums s USING (enterprise_id)"
    ).fetchall()
    return {eid: (key, fp) for eid, key, fp in rows}


def company_files(builder: Any, context: dict[str, Any]) -> list[str]:
    """Every file a company's shard writes for it (site-relative)."""
    from etl.publish.feeds import company_feed_paths

    eid = context["e"]["enterprise_id"]
    page = context["e"]["url"]
    files = [page, page.removesuffix(".html") + ".json", *company_feed_paths(builder, eid),
             builder.url("risk_json", enterprise_id=eid)]
    files += [o["url"] for o in context.get("outlets", [])]
    return files


def shard_dirs(config: dict[str, Any]) -> list[str]:
    """The folders that hold only shard files (company, outlet, risk, archive copies, shard bundles)."""
    dirs = {config["urls"][kind].split("/")[0] for kind in ("company", "outlet", "risk_json", "archive")}
    return [*sorted(dirs), SHARD_BUNDLES, f"{STATE_DIR}/shards"]


# -- worker side ---------------------------------------------------------------------------------------

def _pagefind(docs: Path, bundle: Path) -> dict[str, str]:
    """Index the search documents under `docs` into `bundle`; returns page URL → Pagefind page id."""
    shutil.rmtree(bundle, ignore_errors=True)
    done = subprocess.run(
        [sys.executable, "-m", "pagefind", "--site", str(docs), "--output-path", str(bundle), "--quiet"],
        capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"pagefind failed for {bundle}: {done.stderr.strip() or done.stdout.strip()}")
    return fragment_ids(bundle)


def fragment_ids(bundle: Path) -> dict[str, str]:
    """Page URL → page id (the fragment's name, which search results carry as `id`) of a Pagefind bundle."""
    out = {}
    for fragment in (bundle / "fragment").glob("*.pf_fragment"):
        body = gzip.decompress(fragment.read_bytes())
        data = json.loads(body[body.index(b"{"):])
        out[data["url"]] = fragment.name.removesuffix(".pf_fragment")
    return out


def _tree_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (Pagefind): unlike wall time, not inflated
    when the machine is shared."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def build_shard(db_path: str, out: str, key: str, ids: list[str] | None, built_at: str, index: bool,
                docs_dir: str | None = None) -> ShardResult:
    """Render one shard (its companies, or only `ids`) into `out`, and index it into its bundle.

    `docs_dir`: keep the search documents there (the delta's documents) instead of in a temporary folder."""
    from etl.publish.build import SiteBuilder

    started, cpu = time.perf_counter(), _cpu()
    site = Path(out)
    con = connect(Path(db_path), read_only=True)
    try:
        if ids is None:
            con.execute(f"CREATE TEMP TABLE shard_ids AS SELECT enterprise_id FROM marts.enterprises "
                        f"WHERE {SHARD_SQL} = ?", [key])
        else:
            con.execute("CREATE TEMP TABLE shard_ids AS SELECT unnest(?::VARCHAR[]) AS enterprise_id", [ids])
        builder = SiteBuilder(con, site, scope="shard_ids", built_at=built_at)
        companies = builder.build_companies()
    finally:
        con.close()
    result = ShardResult(key, pages=builder.pages, cited=dict(builder.cited), timings=dict(builder.timings))
    result.companies = {c["e"]["enterprise_id"]: company_files(builder, c) for c in companies}
    rendered = _cpu()  # the search documents and Pagefind (a child process): CPU seconds
    template = builder.env.get_template("search_doc.html")
    with tempfile.TemporaryDirectory(prefix=f"search-{key}-", dir=site.parent) as tmp:
        docs = Path(docs_dir) if docs_dir else Path(tmp)
        for context in companies:
            target = docs / context["e"]["url"]
            builder.put(target, template.render(site=builder.config, **context).encode("utf-8"))
        if index and companies:
            bundle = site / SHARD_BUNDLES / key
            result.fragments = _pagefind(docs, bundle)
            result.index_bytes = _tree_bytes(bundle)
    result.timings["index"] = _cpu() - rendered
    result.timings["total"] = time.perf_counter() - started
    result.timings["cpu"] = _cpu() - cpu
    return result


def build_site_shard(db_path: str, out: str, built_at: str, previous: str | None = None,
                     reuse_writers: bool = False) -> dict[str, Any]:
    """Render the site-wide pages into `out`; `previous`: the published build whose unchanged files may be
    reused: exports of unchanged tables, and (`reuse_writers`: the code and date are the same) the files of
    the writers whose `writer_inputs` (site.yml) are unchanged."""
    from etl.publish.build import SiteBuilder

    started, cpu = time.perf_counter(), _cpu()
    con = connect(Path(db_path), read_only=True)
    try:
        builder = SiteBuilder(con, Path(out), built_at=built_at)
        builder.previous = Path(previous) if previous else None
        builder.reuse_writers = reuse_writers
        builder.build_site()
    finally:
        con.close()
    return {"pages": builder.pages, "companies": builder.company_count, "seconds": time.perf_counter() - started,
            "cpu": _cpu() - cpu}


# -- orchestration -------------------------------------------------------------------------------------

def _read_json(path: Path, default: Any) -> Any:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else default


def _write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def _link_tree(source: Path, target: Path) -> None:
    """`target` gets a hard link to every file of `source` (folders are made anew)."""
    if not source.is_dir():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-al", str(source), str(target)], check=True)


def province(key: str) -> str:
    """The province of a shard key: a large province is built in chunks `<province>.<n>` (site.yml
    `shard_companies`), each a task and a Pagefind bundle of its own."""
    return key.split(".")[0]


def _chunks(key: str, ids: list[str], size: int) -> list[tuple[str, list[str] | None]]:
    """The shards of a province: itself (all its companies), or chunks of `size` companies by id."""
    if len(ids) <= size:
        return [(key, None)]
    ordered = sorted(ids)
    return [(f"{key}.{n + 1}", ordered[i:i + size]) for n, i in enumerate(range(0, len(ordered), size))]


def _shard_state(site: Path, key: str) -> dict[str, Any]:
    return _read_json(site / STATE_DIR / "shards" / f"{key}.json", {"companies": {}, "fragments": {}})


def build(out: Path | None = None, db_path: Path | None = None, *, search: bool = True, workers: int | None = None,
          incremental: bool = False, shards: list[str] | None = None, data: Path | None = None,
          chunk: int | None = None) -> ShardedBuild:
    """Build the site (every shard), or `incremental`ly, or only the province `shards` named; publish it.
    `chunk`: the most companies a shard holds (default: site.yml `shard_companies`)."""
    from etl import swap
    from etl.publish.build import SiteBuilder

    out = out or paths.site_dir()
    db_path = db_path or paths.warehouse_path()
    data = data or paths.data_dir()
    workers = workers or os.cpu_count() or 1
    config = _config()
    chunk = chunk or int(config["shard_companies"])
    started = time.perf_counter()
    built_at = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    as_of = date.today()
    con = connect(db_path, read_only=True)
    try:
        fps = fingerprints(con)
        gfp = global_fingerprint(con, as_of)
    finally:
        con.close()
    previous = out.resolve() if out.exists() else None
    state = _read_json(previous / STATE_DIR / "state.json", None) if previous else None
    mode = "shards" if shards else "incremental" if incremental else "full"
    if mode != "full" and (state is None or state.get("global") != gfp):
        why = "no previous build" if state is None else "templates, code, configuration or the date changed"
        print(f"  {mode} build not possible ({why}): building everything")
        mode = "full"
    result = ShardedBuild(out, mode)
    result.timings["fingerprint"] = time.perf_counter() - started

    fresh = out.with_name(out.name + ".new")
    swap.discard(fresh, background=True)  # a killed build's leftovers
    fresh.mkdir(parents=True)
    by_shard: dict[str, list[str]] = defaultdict(list)
    for eid, (key, _) in fps.items():
        by_shard[key].append(eid)

    base: dict[str, dict[str, Any]] = {}  # shard → its state (companies: eid → {fp, files}; fragments)
    delta: dict[str, Any] = {"companies": {}, "removed": {}}
    if mode != "full":
        assert previous is not None and state is not None
        linked = time.perf_counter()
        for folder in shard_dirs(config):
            _link_tree(previous / folder, fresh / folder)
        _link_tree(previous / DELTA_DOCS, fresh / DELTA_DOCS)
        if mode == "shards":  # the site-wide pages stay as they are: link them too
            for item in [*previous.iterdir(), *(previous / STATE_DIR).glob("*.json")]:
                target = fresh / item.relative_to(previous)
                if not target.exists() and item.name not in ("pagefind", "state.json"):
                    _link_tree(item, target) if item.is_dir() else os.link(item, target)
        result.timings["link"] = time.perf_counter() - linked
        for key in state["shards"]:
            base[key] = _shard_state(fresh, key)
        delta = state["delta"]

    jobs: list[tuple[str, list[str] | None, bool]] = []  # (shard, ids or None for all, index it)
    to_delta: dict[str, str] = {}  # enterprise id → shard, rendered now into the delta
    removed: dict[str, str] = {}  # page URL → shard, for companies gone
    if mode == "full":
        for key in sorted(by_shard, key=lambda k: -len(by_shard[k])):
            jobs += [(part, ids, search) for part, ids in _chunks(key, by_shard[key], chunk)]
    elif mode == "shards":
        for key in shards or []:
            for part in [k for k in base if province(k) == key]:
                _drop_shard(fresh, part, base.pop(part), delta)
            _drop_shard(fresh, key, None, delta)
            jobs += [(part, ids, search) for part, ids in _chunks(key, by_shard.get(key, []), chunk)]
    else:
        current: dict[str, tuple[str, str]] = {}
        for key, shard_state in base.items():
            for eid, info in shard_state["companies"].items():
                current[eid] = (key, info["fp"])
        for eid, info in delta["companies"].items():
            current[eid] = (info["shard"], info["fp"])
        for eid, (key, fp) in fps.items():
            had = current.get(eid)
            if had is None or had[1] != fp:
                # The shard it is in (a chunk of its province, or the province), or, new, its province.
                to_delta[eid] = had[0] if had is not None and province(had[0]) == key else key
        for eid, (key, _) in current.items():
            if eid not in fps:
                files = (delta["companies"].get(eid) or base.get(key, {}).get("companies", {}).get(eid, {})
                         ).get("files", [])
                for rel in files:
                    (fresh / rel).unlink(missing_ok=True)
                page = config["urls"]["company"].format(enterprise_id=eid)
                removed["/" + page] = key
                delta["companies"].pop(eid, None)
                (fresh / DELTA_DOCS / page).unlink(missing_ok=True)
        for eid, key in to_delta.items():
            old = delta["companies"].get(eid) or base.get(key, {}).get("companies", {}).get(eid)
            for rel in (old or {}).get("files", []):
                (fresh / rel).unlink(missing_ok=True)
        ids = sorted(to_delta)
        # Twice as many chunks as workers: they balance against the site-wide pages, rendered meanwhile.
        chunk = max(1, -(-len(ids) // (2 * workers)))
        jobs = [("delta", ids[i:i + chunk], False) for i in range(0, len(ids), chunk)]
        delta["removed"].update(removed)

    timings: dict[str, float] = defaultdict(float)
    cited: dict[str, str] = {}
    with pool(workers) as executor:
        site_job = None
        if mode != "shards":
            site_job = executor.submit(build_site_shard, str(db_path), str(fresh), built_at,
                                       str(previous) if previous else None, mode == "incremental")
        futures = []
        for key, ids, index in jobs:
            docs = str(fresh / DELTA_DOCS) if key == "delta" else None
            futures.append(executor.submit(build_shard, str(db_path), str(fresh), key, ids, built_at, index, docs))
        for future in futures:
            shard = future.result()
            cited.update(shard.cited)
            result.pages += shard.pages
            for phase, seconds in shard.timings.items():
                timings[phase] += seconds
            if shard.key == "delta":
                for eid, files in shard.companies.items():
                    delta["companies"][eid] = {"shard": to_delta[eid], "fp": fps[eid][1], "files": files}
                continue
            base[shard.key] = {"companies": {eid: {"fp": fps[eid][1], "files": files}
                                             for eid, files in shard.companies.items()},
                               "fragments": shard.fragments}
            _write_json(fresh / STATE_DIR / "shards" / f"{shard.key}.json", base[shard.key])
            result.shards[shard.key] = {"companies": len(shard.companies), "seconds": round(shard.timings["total"], 2),
                                        "index_bytes": shard.index_bytes}
        if site_job is not None:
            site = site_job.result()
            result.pages += site["pages"]
            timings["site"] = site["seconds"]
            timings["site (process cpu)"] = site["cpu"]
    result.timings.update({f"{k} (cpu)" if k in ("read", "render", "index") else "shards (wall, summed)" if k == "total"
                           else "shards (process cpu)" if k == "cpu" else k: v for k, v in timings.items()})
    result.rendered = len(to_delta) if mode == "incremental" else sum(r["companies"] for r in result.shards.values())
    result.removed = len(removed)

    finishing = time.perf_counter()
    con = connect(db_path, read_only=True)
    try:
        extractor = SiteBuilder(con, fresh, built_at=built_at)
        extractor.cited = {d: rel for d, rel in cited.items() if not (fresh / rel).exists()}
        result.archived = extractor.extract_archive(data)
    finally:
        con.close()
    if search:
        _write_search(fresh, base, delta, result)
    _write_json(fresh / STATE_DIR / "state.json", {
        "version": 1, "global": gfp, "built_at": built_at, "shards": sorted(base), "delta": delta,
    })
    result.companies = len(fps)
    result.timings["archive+search+state"] = time.perf_counter() - finishing
    published = time.perf_counter()
    swap.publish(fresh, out, background=True)
    result.timings["publish"] = time.perf_counter() - published
    result.timings["wall"] = time.perf_counter() - started
    return result


def _drop_shard(site: Path, key: str, shard_state: dict[str, Any] | None, delta: dict[str, Any]) -> None:
    """Remove a shard's files (and the delta entries of its province's companies) before it is rebuilt."""
    for info in (shard_state or {}).get("companies", {}).values():
        for rel in info["files"]:
            (site / rel).unlink(missing_ok=True)
    for eid, info in list(delta["companies"].items()):
        if province(info["shard"]) == province(key):
            for rel in info["files"]:
                (site / rel).unlink(missing_ok=True)
            (site / DELTA_DOCS / info["files"][0]).unlink(missing_ok=True)
            del delta["companies"][eid]
    delta["removed"] = {url: k for url, k in delta["removed"].items() if province(k) != province(key)}
    shutil.rmtree(site / SHARD_BUNDLES / key, ignore_errors=True)
    (site / STATE_DIR / "shards" / f"{key}.json").unlink(missing_ok=True)


def _write_search(site: Path, base: dict[str, dict[str, Any]], delta: dict[str, Any], result: ShardedBuild) -> None:
    """The delta bundle (`pagefind/`: the documents of the companies changed since their shard was indexed;
    with none, only Pagefind's scripts), and the manifest the browser reads: the primary bundle, the bundles
    to merge into it, and the ids of base results that the delta replaces or that are gone."""
    started = time.perf_counter()
    docs = site / DELTA_DOCS
    docs.mkdir(parents=True, exist_ok=True)
    primary = site / "pagefind"
    shards_dir = primary / "shards"
    keep = site / ".shards-aside"
    if shards_dir.exists():
        shards_dir.rename(keep)
    try:
        delta_ids = _pagefind(docs, primary) if any(docs.rglob("*.html")) else _empty_bundle(primary)
    finally:
        if keep.exists():
            keep.rename(shards_dir)
    replaced = {"/" + info["files"][0] for info in delta["companies"].values()} | set(delta["removed"])
    stale = set()
    for shard_state in base.values():
        for url, page_id in shard_state["fragments"].items():
            if url in replaced:
                stale.add(page_id)
    stale -= set(delta_ids.values())
    bundles = [f"{SHARD_BUNDLES}/{key}/" for key in sorted(base) if (site / SHARD_BUNDLES / key).is_dir()]
    # Pagefind cannot search an empty primary bundle: without a delta, the first shard is the primary.
    primary_path = "pagefind/" if delta_ids or not bundles else bundles[0]
    _write_json(site / MANIFEST, {"version": 1, "primary": primary_path,
                                  "bundles": [b for b in bundles if b != primary_path],
                                  "stale": sorted(stale), "delta": sorted(replaced)})
    result.delta = len(delta["companies"])
    result.index_bytes = _tree_bytes(primary) - _tree_bytes(shards_dir)  # the primary bundle's own files
    languages = defaultdict(int)
    for key in base:
        entry = _read_json(site / SHARD_BUNDLES / key / "pagefind-entry.json", {"languages": {}})
        for lang, info in entry["languages"].items():
            languages[lang] += info["page_count"]
    result.pagefind = ", ".join(f"{lang} {n} pages" for lang, n in sorted(languages.items())) + \
        f" in {len(bundles)} shards; delta {result.delta} pages"
    result.timings["delta index"] = time.perf_counter() - started


def _empty_bundle(primary: Path) -> dict[str, str]:
    """A bundle with no page: the Pagefind scripts and an empty index, so the shards can merge into it."""
    code = ("import asyncio, sys\nfrom pagefind.index import PagefindIndex\n"
            "async def main():\n"
            "    async with PagefindIndex(config={'output_path': sys.argv[1]}):\n"
            "        pass\n"
            "asyncio.run(main())\n")
    shutil.rmtree(primary / "fragment", ignore_errors=True)
    shutil.rmtree(primary / "index", ignore_errors=True)
    for old in primary.glob("*") if primary.exists() else []:
        if old.is_file():
            old.unlink()
    subprocess.run([sys.executable, "-c", code, str(primary)], check=True, capture_output=True)
    return {}


def parse_shards(text: str) -> list[str]:
    keys = [k.strip() for k in text.split(",") if k.strip()]
    bad = [k for k in keys if not re.fullmatch(r"\d{2}", k)]
    if bad:
        raise ValueError(f"--shards: {', '.join(bad)} is not a two-digit province code (e.g. 33,44; 00: unknown)")
    return keys
