"""`qingtian bench parse` and `qingtian bench crawl`: how fast pages are parsed and the replicas crawled.

parse: every parser over the pages its replica serves, asked in this process (`Replica.handle`, no socket),
timed for at least `MIN_SECONDS` each; prints pages (documents, frames) per second.

crawl: every spider against the replicas in a fresh data folder, then again on the same folder (the second
crawl is incremental: it fetches only what changed, here nothing), then once more against edition 2 of the
replicas (`QINGTIAN_REPLAY_EDITION=2`: a few new records at the top of the list sources); wall time and
request counts of each, per source. Each crawl runs in a subprocess (a Twisted reactor runs once per process).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from crawlers.replay.server import Replica, Request, Response, load_replica

MIN_SECONDS = 0.5
REPO = Path(__file__).resolve().parent.parent


@cache
def _replica(host: str) -> Replica:
    return load_replica(host)


def _ask(host: str, path: str, method: str = "GET", query: dict[str, str] | None = None,
         form: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Response:
    return _replica(host).handle(Request(method, path, query or {}, form or {}, headers or {}))


def _ok(response: Response, what: str) -> bytes:
    if response.status != 200:
        raise RuntimeError(f"bench: the replica answered {response.status} for {what}")
    return response.encoded()


def _split(url: str) -> tuple[str, dict[str, str]]:
    parts = urlsplit(url)
    return parts.path, {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}


# ------------------------------------------------------------------------------------------ samples
# Each returns (what one sample is, samples, parse one sample).

Bench = tuple[str, list[Any], Callable[[Any], Any]]


def _permits() -> dict[str, Bench]:
    from crawlers.base import mee_permit as mp
    from crawlers.replay import permits
    from crawlers.spiders.nat.nat_mee_permits import NatMeePermitsSpider

    host = NatMeePermitsSpider.metadata["host"]
    paths = NatMeePermitsSpider.metadata["data"]["paths"]
    lists = [_ok(_ask(host, paths["list"]), "permit list").decode("utf-8")]
    _, total, key = mp.parse_list(lists[0])
    for page in range(2, total + 1):
        form = {"page.pageNo": str(page), "page.orderBy": "", "page.order": "", "tempReportKey": key}
        form.update({name: "" for name in mp.MeePermitSpider.FORM_FIELDS})
        lists.append(_ok(_ask(host, paths["list"], "POST", form=form), "permit list").decode("utf-8"))
        key = mp.parse_list(lists[-1])[2]
    dataids = [row.permit.dataid for row in permits.listings()]

    def tab(name: str, dataid: str) -> str:
        path, query = _split(paths[name].format(dataid=dataid))
        return _ok(_ask(host, path, query=query), f"permit {name}").decode("utf-8")

    details = [tab("detail", d) for d in dataids]
    tabs = [(parser, tab(name, d)) for d in dataids
            for name, parser in (("air", mp.parse_air_tab), ("water", mp.parse_water_tab),
                                 ("other", mp.parse_other_tab))]
    return {"permit list (HTML)": ("page", lists, mp.parse_list),
            "permit detail (HTML)": ("page", details, mp.parse_detail),
            "permit tabs (HTML)": ("page", tabs, lambda t: t[0](t[1]))}


def _jiaxing() -> dict[str, Bench]:
    from crawlers.base.trs_cms import article_text, decode_page
    from crawlers.helpers.penalty import parse_decision
    from crawlers.spiders.zj.zj_jxsthj_penalties import ZjJxsthjPenaltiesSpider as Spider

    host = Spider.metadata["host"]
    pages = []
    for path in _replica(host).pages:  # type: ignore[attr-defined]
        response = _ask(host, path)
        pages.append((response.encoded(), response.content_type))

    def parse(page: tuple[bytes, str]) -> dict[str, Any]:
        return parse_decision(article_text(decode_page(page[0], page[1], "utf-8"), Spider.article_xpath))

    return {"TRS penalty decision (HTML)": ("page", [p for p in pages if _parses(parse, p)], parse)}


def _parses(parse: Callable[[Any], Any], sample: Any) -> bool:
    """Summaries, tables and notices in a column are not decisions: they are left out of the decision bench."""
    try:
        parse(sample)
    except ValueError:
        return False
    return True


def _jiangsu() -> dict[str, Bench]:
    from crawlers.base import sgs_form
    from crawlers.replay.jiangsu_sgs import DETAIL_PATH, LIST_PATH, JiangsuSgsPlatform
    from crawlers.spiders.js.js_sthjt_sgs_penalties import JsSthjtSgsPenaltiesSpider as Spider

    host = Spider.metadata["host"]
    lists = []
    for category in Spider.metadata["config"]["categories"]:
        page, pages = 1, 1
        while page <= pages:
            text = _ok(_ask(host, LIST_PATH, "POST", form={"q_GGTJ": category, "P_CURRENT": str(page)}),
                       "双公示 list").decode("gb18030")
            lists.append(text)
            pages, page = sgs_form.parse_list(text).pages, page + 1
    details = [_ok(_ask(host, DETAIL_PATH, query={"id": r.id}), "双公示 detail").decode("gb18030")
               for r in JiangsuSgsPlatform().records.values()]
    return {"双公示 list (HTML)": ("page", lists, sgs_form.parse_list),
            "双公示 detail (HTML)": ("page", details, sgs_form.parse_detail)}


def _guangdong() -> dict[str, Bench]:
    from crawlers.helpers import documents
    from crawlers.helpers.penalty import parse_decision
    from crawlers.replay import guangdong

    host, replica = guangdong.HOST, guangdong.GuangdongPenaltyList()
    found: dict[str, list[bytes]] = {"pdf": [], "docx": []}
    page, pages = 1, 1
    while page <= pages:
        nonce = guangdong.make_nonce(page, replica.clock())
        query = {"page": str(page), "nonce": nonce, "token": guangdong.list_token(nonce, page)}
        data = json.loads(_ok(_ask(host, guangdong.LIST_API, query=query,
                                   headers={"x-requested-with": "XMLHttpRequest"}), "广东 list API"))["data"]
        pages = int(data.get("pages") or data.get("totalPage") or pages)
        for row in data["list"]:
            note = _ok(_ask(host, row["url"]), "广东 note").decode("utf-8")
            for href in re.findall(r'href="([^"]*/attachment/[^"]+)"', note):
                path, query = _split(urljoin(row["url"], href))
                response = _ask(host, path, query=query)
                kind = documents.sniff(response.encoded()) if response.status == 200 else None
                if kind in found:
                    found[kind].append(response.encoded())
        page += 1

    def parse(data: bytes) -> dict[str, Any]:
        return parse_decision(documents.text_of(data))

    return {f"广东 attachment ({kind.upper()})": ("document", [d for d in docs if _parses(parse, d)], parse)
            for kind, docs in found.items()}


def _creditchina() -> dict[str, Bench]:
    from crawlers.base.creditchina import HEADERS, PAGE_SIZE, RECORDS_PATH, RowError, parse_envelope, parse_penalty
    from crawlers.replay import world
    from crawlers.replay.creditchina import CreditChinaApi
    from crawlers.spiders.nat.nat_creditchina_penalties import NatCreditchinaPenaltiesSpider as Spider

    api = CreditChinaApi(fail_every=0)
    headers = {k.lower(): v for k, v in HEADERS.items()}
    pages = []
    for enterprise in world.enterprises():
        page, total = 1, 1
        while page <= total:
            query = {"source": "", "type": "行政处罚", "searchState": "1", "entityType": "1",
                     "scenes": "defaultscenario", "keyword": enterprise.name, "page": str(page),
                     "pageSize": str(PAGE_SIZE)}
            response = api.handle(Request("GET", RECORDS_PATH, query, {}, headers))
            if response.status != 200:
                break
            found = parse_envelope(response.status, response.encoded())
            if not found.rows:
                break
            pages.append((response.status, response.encoded()))
            total, page = found.pages, page + 1
    lookups = Spider.metadata["lookups"]

    def parse(page: tuple[int, bytes]) -> int:
        n = 0
        for row in parse_envelope(*page).rows:
            try:
                parse_penalty(row, lookups)
                n += 1
            except RowError:
                continue
        return n

    return {"Credit China search (JSON)": ("page", pages, parse)}


def _incineration() -> dict[str, Bench]:
    import hashlib

    from crawlers.base import envsc
    from crawlers.replay import incineration

    host = "ljgk.envsc.cn"

    def signed() -> dict[str, str]:
        ts, tc = str(int(time.time() * 1000)), "4711"
        sgn = hashlib.sha1(f"{incineration.SYSTEM_TYPE}{ts}{tc}{incineration.SECRET}".encode()).hexdigest()
        return {"SystemType": incineration.SYSTEM_TYPE, "sgn": sgn, "ts": ts, "tc": tc}

    def ask(path: str, **params: str) -> str:
        return _ok(_ask(host, path, query={**params, **signed()}), path).decode("utf-8")

    pages = []
    for plant in envsc.parse_envelope(ask(envsc.PLANT_LIST, regionCode="0", psname="")):
        ps = envsc.parse_plant(plant).fields["ps_code"]
        for outlet in envsc.parse_envelope(ask(envsc.OUTLET_LIST, pscode=ps)):
            mp = envsc.parse_outlet(outlet).fields["mp_code"]
            for n in range(0, incineration.DAYS, 10):
                day = incineration.FIRST_DAY + timedelta(days=n)
                pages.append(ask(envsc.DAY_VALUES, pscode=ps, outputcode=mp, day=day.strftime("%Y%m%d")))

    def parse(text: str) -> int:
        rows = envsc.parse_envelope(text)
        for row in rows:
            envsc.parse_value(row)
        return len(rows)

    return {"incineration day values (JSON)": ("response", pages, parse)}


def _selfmonitoring() -> dict[str, Bench]:
    from crawlers.base import selfmonitoring as sm
    from crawlers.replay import selfmonitoring as replica
    from crawlers.spiders.zj.zj_sthjt_selfmonitoring import ZjSthjtSelfmonitoringSpider as Spider

    days = sm.day_range(str(Spider.metadata["config"]["days"]["first"]), str(Spider.metadata["config"]["days"]["last"]))
    pages = []
    for site in replica.sites():
        for day in days:
            number, total = 1, 1
            while number <= total:
                text = _ok(_ask(replica.HOST, replica.DAY_PATH, query={"ent": site.ent_id, "date": day.isoformat(),
                                                                       "page": str(number)}), "day page").decode()
                pages.append(text)
                total, number = sm.parse_day_page(text).pager.pages, number + 1
    lookups = Spider.metadata["lookups"]

    def parse(text: str) -> int:
        parsed = sm.parse_day_page(text)
        for row in parsed.rows:
            sm.parse_value_row(row, lookups)
        return len(parsed.rows)

    return {"self-monitoring day table (HTML)": ("page", pages, parse)}


def _notice_lists() -> dict[str, Bench]:
    import scrapy

    from crawlers.base.notice_attachments import Notice, NoticeAttachmentSpider
    from crawlers.helpers.documents import DocumentError, sniff
    from crawlers.replay import lists
    from crawlers.spiders.zj.zj_sthjt_cleaner_production import ZjSthjtCleanerProductionSpider
    from crawlers.spiders.zj.zj_sthjt_credit_ratings import ZjSthjtCreditRatingsSpider

    found: dict[str, list[tuple[NoticeAttachmentSpider, bytes, Notice]]] = {}
    for spider_class, label in ((ZjSthjtCreditRatingsSpider, "credit rating"),
                                (ZjSthjtCleanerProductionSpider, "cleaner production")):
        spider = spider_class()
        for notice in lists.NOTICES:
            if not spider.title_wanted(notice.title):
                continue
            page = scrapy.Selector(text=_ok(_ask(lists.HOST, notice.path), "notice").decode("utf-8"))
            year = re.search(r"20\d\d", notice.title)
            for href in page.xpath(NoticeAttachmentSpider.attachment_xpath + "/@href").getall():
                path, query = _split(urljoin(f"https://{lists.HOST}{notice.path}", href))
                response = _ask(lists.HOST, path, query=query)
                if response.status != 200 or year is None:
                    continue
                data = response.encoded()
                sample = (spider, data, Notice(notice.path, notice.title, None, "2026-01-01", int(year.group(0))))
                try:
                    spider.parse_attachment(data, sample[2], path)
                except DocumentError:
                    continue  # the replica's deliberately broken attachment
                found.setdefault(f"{label} ({(sniff(data) or 'file').upper()})", []).append(sample)

    def parse(sample: tuple[NoticeAttachmentSpider, bytes, Notice]) -> Any:
        return sample[0].parse_attachment(sample[1], sample[2], "u")

    return {name: ("document", samples, parse) for name, samples in sorted(found.items())}


def _hj212() -> dict[str, Bench]:
    from crawlers.helpers import hj212

    frames = []
    for n in range(1, 2001):
        stamp = f"20261101{n // 60 % 24:02d}{n % 60:02d}00"
        segment = (f"QN={stamp}000;ST=32;CN=2011;PW=123456;MN=ZJ{n % 40:012d};Flag=4;"
                   f"CP=&&DataTime={stamp};w01018-Rtd={10 + n % 90}.5,w01018-Flag=N;"
                   f"w21003-Rtd=0.{n % 9}1,w21003-Flag=N;w01001-Rtd=7.{n % 9},w01001-Flag=N&&")
        frames.append(hj212.frame(segment))
    return {"HJ 212 frame (TCP text)": ("frame", frames, hj212.parse)}


SAMPLERS: tuple[Callable[[], dict[str, Bench]], ...] = (
    _permits, _jiaxing, _jiangsu, _guangdong, _creditchina, _incineration, _selfmonitoring, _notice_lists, _hj212,
)


def _timed(samples: list[Any], parse: Callable[[Any], Any]) -> tuple[int, float]:
    """(samples parsed, seconds): whole passes over the samples until MIN_SECONDS have gone."""
    done, started = 0, time.perf_counter()
    while True:
        for sample in samples:
            parse(sample)
        done += len(samples)
        elapsed = time.perf_counter() - started
        if elapsed >= MIN_SECONDS:
            return done, elapsed


def bench_parse(**_: Any) -> int:
    print("[parse throughput] replica pages asked in this process (no network), each parser for "
          f"≥ {MIN_SECONDS} s")
    failed = 0
    for sampler in SAMPLERS:
        try:
            benches = sampler()
        except Exception as exc:  # one replica's trouble must not hide the other figures
            print(f"  {sampler.__name__.strip('_'):<36} failed to collect pages: {exc!r}")
            failed += 1
            continue
        for name, (unit, samples, parse) in benches.items():
            if not samples:
                print(f"  {name:<36} no samples")
                failed += 1
                continue
            done, elapsed = _timed(samples, parse)
            print(f"  {name:<36} {done / elapsed:>10,.0f} {unit}s/s   ({len(samples)} distinct {unit}s)")
    return 1 if failed else 0


# ------------------------------------------------------------------------------------------ crawl


def _crawl(data: Path, edition: int = 1) -> tuple[float, list[dict[str, Any]]]:
    """Crawl every source in a subprocess that serves the replicas itself (of `edition`): (seconds, reports)."""
    code = ("import json; from crawlers.run import crawl, spider_names; "
            "print(json.dumps(crawl(spider_names())))")
    env = {**os.environ, "QINGTIAN_DATA": str(data), "QINGTIAN_REPLAY_EDITION": str(edition)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=REPO,
                          check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"crawl failed: {done.stderr[-2000:]}")
    reports: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return elapsed, reports


def bench_crawl(data: Path | None = None, **_: Any) -> int:
    """Full replica crawl, incremental re-crawl, and a re-crawl of edition 2; in a fresh data folder."""
    runs: list[tuple[str, float, list[dict[str, Any]]]] = []
    with tempfile.TemporaryDirectory(prefix="qingtian-bench-") as tmp:
        folder = data or Path(tmp) / "data"
        for label, edition in (("full crawl (fresh folder)", 1), ("incremental, unchanged", 1),
                               ("incremental, edition 2", 2)):
            elapsed, reports = _crawl(folder, edition)
            runs.append((label, elapsed, reports))
            print(f"  {label}: {elapsed:.1f} s", flush=True)
    print("[crawl] every spider against the replicas; wall time includes starting the crawler process")
    sources = [r["source"] for r in runs[0][2]]
    header = "".join(f"{label[:30]:>32}" for label, _, _ in runs)
    print(f"  {'source':<28}{header}")
    for index, source in enumerate(sources):
        cells = []
        for _, _, reports in runs:
            r = reports[index]
            new = sum(r.get("records", {}).values())
            cells.append(f"{r.get('requests', 0):>6} req {r.get('not_modified', 0):>4}×304 {new:>6} rec")
        print(f"  {source:<28}" + "".join(f"{c:>32}" for c in cells))
    totals = []
    for _, elapsed, reports in runs:
        requests = sum(r.get("requests", 0) for r in reports)
        records = sum(sum(r.get("records", {}).values()) for r in reports)
        totals.append(f"{requests:>6} req {records:>11} rec {elapsed:5.1f} s")
    print(f"  {'total':<28}" + "".join(f"{t:>32}" for t in totals))
    bad = [r["source"] for _, _, reports in runs for r in reports if not r.get("ok")]
    if bad:
        print(f"  reports with errors: {', '.join(sorted(set(bad)))} (see their crawl reports)")
    return 0
