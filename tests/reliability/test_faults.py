"""Fault injection (crawlers/replay/faults.py): every way a host fails is reported, costs nothing stored, and heals.

One faulted crawl of three sources (the 嘉兴 TRS penalty column, and the Zhejiang notice column's credit
ratings and cleaner-production lists with their XLSX, DOCX and PDF attachments) meets every HTTP fault on
its own URLs; then:

- the crawl report names each fault's URL (and record, where one is known before the failure) in the
  source's report, and every other record was still collected;
- loading the faulted crawl over a warehouse that already holds a clean crawl adds no record version
  and loses none (a fault never becomes a "new version" of a record);
- the re-run against the same server (the `times=N` counters are spent: healthy now) completes the
  data: the warehouse then equals a clean crawl's, no record twice, one version per record.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crawlers.replay.faults import Faults, FaultSpecError, corrupt_frame, corrupt_frames, parse_spec
from crawlers.replay.server import ReplayServer
from tests.conftest import fetch, read_items, run_crawl

pytestmark = pytest.mark.faults

JX = "zj_jxsthj_penalties"
CREDIT = "zj_sthjt_credit_ratings"
AUDITS = "zj_sthjt_cleaner_production"
SOURCES = (JX, CREDIT, AUDITS)
JX_HOST = "sthjj.jiaxing.gov.cn"
ZJ_HOST = "sthjt.zj.gov.cn"
COLUMN = "/xxgk/xzcf/"
DOWNLOAD = "/module/download/downfile.jsp?classid=0&filename="
DOWNLOAD_TIMEOUT = 10  # seconds; the `timeout` fault holds the connection longer
ATTEMPTS = 3  # 1 + RETRY_TIMES against the replicas (crawlers/settings.py REPLAY_OVERRIDES)

# fault id → (source, rule without host, the URL's distinctive part, error kinds expected, record id or None).
# `times` makes each fault last exactly as long as it should: through every retry of the faulted crawl,
# gone for the re-run. Two faults last one attempt only: Scrapy's retry heals them within the crawl.
CASES: dict[str, tuple[str, str, str, set[str], str | None]] = {
    "timeout": (JX, f"path={COLUMN}202611/t20261104_5521721.shtml,fault=timeout:12,times={ATTEMPTS}",
                "t20261104_5521721", {"download"}, None),
    # (Twisted resends a request once by itself when a kept-alive connection is reset: twice the attempts)
    "reset": (JX, f"path={COLUMN}202608/t20260812_5495751.shtml,fault=reset,times={2 * ATTEMPTS}",
              "t20260812_5495751", {"download"}, None),
    "status500": (JX, f"path={COLUMN}202605/t20260515_5489443.shtml,fault=status:500,times={ATTEMPTS}",
                  "t20260515_5489443", {"http"}, None),
    "status502": (JX, f"path={COLUMN}202604/t20260418_5605317.shtml,fault=status:502,times={ATTEMPTS}",
                  "t20260418_5605317", {"http"}, None),
    "status503": (JX, f"path={COLUMN}202510/t20251021_5704947.shtml,fault=status:503,times={ATTEMPTS}",
                  "t20251021_5704947", {"http"}, None),
    "waf412": (JX, f"path={COLUMN}202603/t20260324_5486991.shtml,fault=waf412,times=1", "t20260324_5486991",
               {"http"}, None),
    "captcha": (JX, f"path={COLUMN}202601/t20260123_5462552.shtml,fault=captcha,times=1", "t20260123_5462552",
                {"parse"}, None),
    "truncate": (JX, f"path={COLUMN}202512/t20251223_5445810.shtml,fault=truncate,times={ATTEMPTS}",
                 "t20251223_5445810", {"download"}, None),
    # a GBK page labelled UTF-8, and a UTF-8 page labelled GBK
    "charset_gbk": (JX, f"path={COLUMN}202505/t20250528_5338208.shtml,fault=charset,times=1", "t20250528_5338208",
                    {"parse"}, None),
    "charset_utf8": (JX, f"path={COLUMN}202511/t20251128_5432925.shtml,fault=charset,times=1",
                     "t20251128_5432925", {"parse"}, None),
    # every class and id renamed: on a list page (its 15 items are missing until the re-run), on a decision;
    # a key label renamed in a decision
    "layout_list": (JX, f"path={COLUMN}index_2.shtml,fault=layout,times=1", "index_2.shtml", {"parse"}, None),
    "layout_page": (JX, f"path={COLUMN}202510/t20251029_5408294.shtml,fault=layout,times=1", "t20251029_5408294",
                    {"parse"}, None),
    "layout_label": (JX, f"path={COLUMN}202508/t20250815_5375902.shtml,fault=layout:单位名称：=受罚单位：,times=1",
                     "t20250815_5375902", {"not_a_record"}, None),
    "broken_pdf": (AUDITS, f"path={DOWNLOAD}2604101035482718.pdf*,fault=broken-attachment,times=1",
                   "2604101035482718.pdf", {"attachment"}, f"{AUDITS}:2026"),
    "broken_xlsx": (CREDIT, f"path={DOWNLOAD}2603200930155204.xlsx*,fault=broken-attachment:garble,times=1",
                    "2603200930155204.xlsx", {"attachment"}, f"{CREDIT}:2025"),
    "broken_docx": (CREDIT, f"path={DOWNLOAD}2503141023458807.docx*,fault=broken-attachment,times=1",
                    "2503141023458807.docx", {"attachment"}, f"{CREDIT}:2024"),
}
# Healed by Scrapy's retry within the faulted crawl: nothing missing, nothing reported as lost.
HEALED = {
    "reset_once": (JX, f"path={COLUMN}202508/t20250802_5361402.shtml,fault=reset,times=1"),
    "status503_once": (JX, f"path={COLUMN}202507/t20250702_5359900.shtml,fault=status:503,times=2"),
}
_ARTICLE_LINK = re.compile(r'href="\./(20\d{4}/t\d+_\d+\.shtml)"')
LATENCY = f"host={JX_HOST},path={COLUMN}index*,fault=latency:0.3"


def spec() -> str:
    rules = [f"host={JX_HOST if source == JX else ZJ_HOST},{rule}"
             for source, rule, *_ in [*CASES.values(), *HEALED.values()]]
    return ";".join([*rules, LATENCY])


def _crawl(data: Path, origins: dict[str, str], timeout: int = 60, full: bool = False) -> dict[str, dict[str, Any]]:
    previous = os.environ.get("QINGTIAN_TEST_SETTINGS")
    os.environ["QINGTIAN_TEST_SETTINGS"] = json.dumps({"DOWNLOAD_TIMEOUT": timeout, "QINGTIAN_FULL": full})
    try:
        return {r["source"]: r for r in run_crawl(data, *SOURCES, origins=origins)}
    finally:
        if previous is None:
            os.environ.pop("QINGTIAN_TEST_SETTINGS", None)
        else:
            os.environ["QINGTIAN_TEST_SETTINGS"] = previous


def _load(data: Path) -> dict[str, Any]:
    """Load `data` into its own warehouse and describe it: staging rows, raw versions, record ids."""
    from etl.load import load
    from etl.warehouse import connect

    previous = os.environ.get("QINGTIAN_DATA")
    os.environ["QINGTIAN_DATA"] = str(data)
    try:
        result = load(data)
        con = connect()
        try:
            versions = dict(con.execute(
                "SELECT record_id || ' ' || content_hash, crawl_id FROM raw.items WHERE source IN (?, ?, ?)",
                list(SOURCES)).fetchall())
            staged = {}
            for (view,) in con.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'staging' AND ("
                    + " OR ".join(["table_name LIKE ?"] * len(SOURCES)) + ")",
                    [f"stg_{s}__%" for s in SOURCES]).fetchall():
                staged[view] = con.execute(f"SELECT record_id FROM staging.{view}").fetchall()
        finally:
            con.close()
    finally:
        if previous is None:
            os.environ.pop("QINGTIAN_DATA", None)
        else:
            os.environ["QINGTIAN_DATA"] = previous
    return {"errors": result.errors, "items_added": result.items_added, "versions": versions,
            "staged": {view: sorted(r[0] for r in rows) for view, rows in staged.items()}}


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, replay: dict[str, str]) -> Iterator[dict[str, Any]]:
    """clean crawl → load; faulted crawl → load; faulted crawl over the clean warehouse; re-run → load."""
    root = tmp_path_factory.mktemp("faults")
    clean, faulted = root / "clean", root / "faulted"
    out: dict[str, Any] = {"clean_reports": _crawl(clean, replay)}
    out["clean"] = _load(clean)
    out["clean_items"] = {s: read_items(clean, s) for s in SOURCES}
    with ReplayServer(hosts=[JX_HOST, ZJ_HOST], faults=spec()) as server:
        started = time.monotonic()
        out["reports"] = _crawl(faulted, server.origins, DOWNLOAD_TIMEOUT)
        out["seconds"] = time.monotonic() - started
        out["faulted_items"] = {s: read_items(faulted, s) for s in SOURCES}
        out["after_fault"] = _load(faulted)
        # The faulted crawl's files, loaded over the warehouse of the clean crawl.
        for report in out["reports"].values():
            for folder in ("items", "raw"):
                for path in (faulted / folder / report["source"]).glob(f"{report['crawl_id']}*"):
                    shutil.copy(path, clean / folder / report["source"] / path.name)
        out["clean_then_fault"] = _load(clean)
        out["injected"] = list(server.faults.injected)
        out["rerun_reports"] = _crawl(faulted, server.origins, DOWNLOAD_TIMEOUT)
        out["rerun"] = _load(faulted)
        # and once more, `--full` (nothing skipped as known): what the data is once every page is fetched again
        out["full_reports"] = _crawl(faulted, server.origins, DOWNLOAD_TIMEOUT, full=True)
        out["full"] = _load(faulted)
    yield out


def _errors(report: dict[str, Any], fragment: str) -> list[dict[str, Any]]:
    return [e for e in report["errors"] if fragment in (e.get("url") or "")]


def _records_from(items: list[dict[str, Any]], fragment: str) -> set[str]:
    return {i["record_id"] for i in items if fragment in i["url"]}


def test_clean_crawl_has_everything(runs: dict[str, Any]) -> None:
    for source, report in runs["clean_reports"].items():
        assert report["ok"], (source, report["errors"])
    assert runs["clean"]["errors"] == []


@pytest.mark.parametrize("case", sorted(CASES))
def test_fault_is_reported_with_its_url(runs: dict[str, Any], case: str) -> None:
    source, _, fragment, kinds, record_id = CASES[case]
    report = runs["reports"][source]
    assert report["source"] == source and report["finish_reason"] == "finished"
    found = _errors(report, fragment)
    assert found, f"{case}: no error names {fragment}: {report['errors']}"
    assert {e["kind"] for e in found} & kinds, f"{case}: {found}"
    for error in found:
        assert error["url"].startswith("http://127.0.0.1:") and (error.get("error") or error.get("status"))
    if record_id is not None:
        assert any(e.get("record_id") == record_id for e in found), f"{case}: {found}"
    # the records of that URL are missing from the faulted crawl, present in the clean one
    clean_items = runs["clean_items"][source]
    lost = _records_from(clean_items, fragment)
    got = {i["record_id"] for i in runs["faulted_items"][source]}
    if fragment.startswith("index_"):  # a list page: the items it links to
        assert len(got) < len({i["record_id"] for i in clean_items})
    else:
        assert lost and not (lost & got), f"{case}: {sorted(lost & got)}"


def test_every_fault_was_injected(runs: dict[str, Any]) -> None:
    faults = {(e["target"].split("?")[-1][:60], e["fault"]) for e in runs["injected"]}
    for case, (_, _, fragment, _, _) in CASES.items():
        assert any(fragment in target for target, _ in faults), case


def test_healed_by_retry(runs: dict[str, Any]) -> None:
    for case, (source, rule) in HEALED.items():
        fragment = rule.split(",")[0].rsplit("/", 1)[1].removesuffix(".shtml")
        assert not _errors(runs["reports"][source], fragment), case
        assert _records_from(runs["faulted_items"][source], fragment), case


def test_rest_of_run_continues(runs: dict[str, Any]) -> None:
    faulted = runs["reports"]
    for source in SOURCES:
        assert faulted[source]["finish_reason"] == "finished"
    # (both credit-rating attachments that open are faulted: that source has nothing this time, and says so)
    assert sum(faulted[AUDITS]["records"].values()) > 0 and sum(faulted[JX]["records"].values()) > 0
    assert {e["kind"] for e in faulted[CREDIT]["errors"]} >= {"attachment", "assertion"}
    # the 嘉兴 column's first list page: every article on it that was not faulted gave its records
    page = fetch(JX_HOST, f"{COLUMN}index.shtml").encoded().decode("utf-8")
    faulted_urls = {fragment for source, _, fragment, *_ in CASES.values() if source == JX}
    healthy = {link.rsplit("/", 1)[1].removesuffix(".shtml") for link in _ARTICLE_LINK.findall(page)} - faulted_urls
    assert len(healthy) >= 4
    got = {i["record_id"] for i in runs["faulted_items"][JX]}
    expected = {fragment: _records_from(runs["clean_items"][JX], fragment) for fragment in healthy}
    assert sum(map(bool, expected.values())) >= 4  # (a summary table on that page gives no record)
    for fragment, records in expected.items():
        assert records <= got, fragment


def test_faulted_crawl_adds_no_version_and_loses_nothing(runs: dict[str, Any]) -> None:
    before, after = runs["clean"], runs["clean_then_fault"]
    assert after["errors"] == []
    assert after["items_added"] == 0, sorted(set(after["versions"]) - set(before["versions"]))
    assert after["versions"] == before["versions"]
    assert after["staged"] == before["staged"]


def _complete(runs: dict[str, Any], which: str) -> None:
    clean, partial, rerun = runs["clean"], runs["after_fault"], runs[which]
    for source, report in runs[f"{which}_reports"].items():
        assert report["ok"], (source, report["errors"])
    assert sum(map(len, partial["staged"].values())) < sum(map(len, clean["staged"].values()))
    assert rerun["errors"] == []
    for view, ids in clean["staged"].items():
        assert rerun["staged"][view] == ids, view
        assert len(set(ids)) == len(ids), view
    # one version per record, as in the clean warehouse; records the fault did not touch kept their version
    assert {k.split(" ")[0] for k in rerun["versions"]} == {k.split(" ")[0] for k in clean["versions"]}
    assert set(rerun["versions"]) == set(clean["versions"])
    assert all(rerun["versions"][k] == crawl for k, crawl in partial["versions"].items())


def test_full_rerun_completes_without_duplicates(runs: dict[str, Any]) -> None:
    _complete(runs, "full")


def test_incremental_rerun_completes_without_duplicates(runs: dict[str, Any]) -> None:
    _complete(runs, "rerun")


# --- the spec language, without a crawl ---------------------------------------------------------------------

def test_spec_text_yaml_and_json(tmp_path: Path) -> None:
    text = "host=a.gov.cn,path=/x/*,fault=status:503,times=2;fault=latency:0.5,rate=0.25"
    rules = parse_spec(text)
    assert [(r.fault, r.arg, r.host, r.path, r.times, r.rate) for r in rules] == [
        ("status", "503", "a.gov.cn", "/x/*", 2, 1.0), ("latency", "0.5", "*", "*", None, 0.25)]
    (tmp_path / "f.yml").write_text("faults:\n  - {host: a.gov.cn, path: /x/*, fault: 'status:503', times: 2}\n"
                                    "  - {fault: 'latency:0.5', rate: 0.25}\n", encoding="utf-8")
    (tmp_path / "f.json").write_text(json.dumps([{"host": "a.gov.cn", "path": "/x/*", "fault": "status:503",
                                                  "times": 2}, {"fault": "latency:0.5", "rate": 0.25}]))
    assert Faults(str(tmp_path / "f.yml")).rules == Faults(tmp_path / "f.json").rules == rules
    assert parse_spec(str(Faults(text))) == rules
    for bad in ("fault=nope", "host=x", "fault=status:999", "fault=latency", "fault=reset,color=red",
                "fault=broken-attachment:melt", "fault=reset,rate=2"):
        with pytest.raises(FaultSpecError):
            parse_spec(bad)


def test_times_rate_and_reset_are_deterministic() -> None:
    faults = Faults("host=h,path=/a*,fault=status:500,times=2;host=h,path=/r*,fault=reset,rate=0.5")
    hits = [faults.decide("h", "GET", "/a1").rule is not None for _ in range(4)]
    assert hits == [True, True, False, False]
    assert faults.decide("h", "GET", "/a2").rule is not None  # counted per request
    faults.reset()
    assert faults.decide("h", "GET", "/a1").rule is not None
    chosen = {p for p in (f"/r{n}" for n in range(400)) if faults.decide("h", "GET", p).rule is not None}
    assert 150 < len(chosen) < 250
    again = Faults(str(faults))
    assert chosen == {p for p in (f"/r{n}" for n in range(400)) if again.decide("h", "GET", p).rule is not None}
    assert faults.decide("other", "GET", "/a1").rule is None


# --- HJ 212: frames with a bad CRC or length, from a faulty data logger -------------------------------------

def test_hj212_bad_crc_and_length_are_archived_refused_and_resent(data_dir: Path) -> None:
    from crawlers.helpers import hj212
    from crawlers.hj212_listener import ListenerThread, exchange, read_frames
    from etl.load import load
    from etl.warehouse import connect

    def frame(mn: str, n: int) -> str:
        return hj212.frame(f"QN=20261101{n:06d}000;ST=32;CN=2011;PW=123456;MN={mn};Flag=4;"
                           f"CP=&&DataTime=20261101{n:04d}00;w01018-Rtd={10 + n}.5,w01018-Flag=N&&")

    frames = [frame(mn, n) for mn in ("33040000000001", "33040000000002") for n in range(1, 5)]
    with pytest.raises(hj212.FrameError, match="CRC mismatch"):
        hj212.parse(corrupt_frame(frames[0], "bad-crc"))
    with pytest.raises(hj212.FrameError, match="length field"):
        hj212.parse(corrupt_frame(frames[0], "bad-length"))
    faults = Faults("host=hj212,path=33040000000001,fault=bad-crc,times=1;"
                    "host=hj212,path=33040000000002,fault=bad-length,rate=0.6,times=1")
    sent = corrupt_frames(frames, faults)
    bad = [i for i, (a, b) in enumerate(zip(frames, sent, strict=True)) if a != b]
    assert 0 < len(bad) < len(frames) and bad[0] < 4
    with ListenerThread() as listener:
        exchange(listener.port, sent)
    report = listener.report
    assert report is not None
    refused = [e for e in report["errors"] if e["kind"] == "bad_frame"]
    assert len(refused) == len(bad)
    assert all(e["url"].startswith("hj212://") and ("CRC" in e["error"] or "length" in e["error"]) for e in refused)
    archived = read_frames(data_dir)
    assert [f["raw"] for f in archived] == sent and sum(not f["ok"] for f in archived) == len(bad)
    first = load()
    # the data logger sends again (the counters are spent: the frames are good now); nothing twice
    resent = corrupt_frames(frames, faults)
    assert resent == frames
    with ListenerThread() as listener:
        exchange(listener.port, resent)
    second = load()
    assert first.items_added == len(frames) - len(bad) and second.items_added == len(bad)
    con = connect()
    try:
        rows = con.execute("SELECT count(*), count(DISTINCT record_id) FROM raw.items WHERE source = 'hj212'").fetchall()
    finally:
        con.close()
    assert rows == [(len(frames), len(frames))]
