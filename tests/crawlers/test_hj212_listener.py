"""The HJ 212 receiver: frames over TCP are archived (good or bad), answered when asked, itemised and loaded."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawlers.helpers import hj212
from crawlers.hj212_listener import MAX_FRAME, ListenerThread, exchange, read_frames
from tests.conftest import read_items
from tests.crawlers.test_hj212 import (
    AMBIENT_SEGMENT,
    CEMS,
    OLD_CODES,
    OLD_CODES_2,
    README_BAD_CRC,
    STANDARD,
    WATER,
)

AMBIENT = hj212.frame(AMBIENT_SEGMENT)  # Flag=5: asks for an answer
# The standard's example with one CRC digit changed: it asks for an answer and must not get one.
STANDARD_BAD_CRC = STANDARD.replace("1C80", "1C81")


def answered_qns(answers: list[str]) -> list[str]:
    parsed = [hj212.parse(a) for a in answers]
    assert all(p.header["CN"] == "9014" and p.header["ST"] == "91" for p in parsed)
    return [p.header["QN"] for p in parsed]


def test_vectors_over_one_connection(data_dir: Path) -> None:
    stream = [STANDARD, WATER, CEMS + "\r\n", OLD_CODES, README_BAD_CRC, OLD_CODES_2, STANDARD_BAD_CRC, AMBIENT]
    with ListenerThread() as listener:
        # 37-byte pieces: frames arrive split across reads, several per read.
        answers = exchange(listener.port, stream, chunk=37, pause=0.001)
    assert answered_qns(answers) == ["20160801085857223", "20190925181031464"]
    assert answers[0] == hj212.data_answer(hj212.parse(STANDARD), datetime(2026, 1, 1))

    frames = read_frames(data_dir)
    assert [f["raw"] for f in frames] == stream
    assert [f["ok"] for f in frames] == [True, True, True, True, False, True, False, True]
    assert frames[4]["error"] == "CRC mismatch: frame says 4980, computed 3C00"
    assert frames[6]["error"] == "CRC mismatch: frame says 1C81, computed 1C80"
    assert all(f["peer"].startswith("127.0.0.1:") and f["received_at"].endswith("Z") for f in frames)
    assert [f["seq"] for f in frames] == list(range(1, 9))

    report = listener.report
    assert report is not None and report["responses"] == {"200": 6, "400": 2}
    assert [e["kind"] for e in report["errors"]] == ["bad_frame", "bad_frame"]
    items = {i["record_id"]: i for i in read_items(data_dir, "hj212")}
    assert not list((data_dir / "items" / "hj212").glob("*.part"))
    cod = items["hj212:81733553213013:2011:20210320013400:w01018:Rtd"]
    assert cod["kind"] == "hj212_value" and cod["archive"]["digest"] and cod["url"].startswith("hj212://127.0.0.1:")
    assert cod["fields"] == {
        "mn": "81733553213013", "cn": "2011", "st": "32", "qn": "20210320163101890", "version": "2017",
        "data_time": "2021-03-20T01:34:00", "pollutant_code": "w01018", "pollutant_name": "化学需氧量",
        "suffix": "Rtd", "value": 194.2, "value_text": "194.200", "sample_time": "2021-03-20T01:34:00",
        "flag": "N", "flag_meaning": "normal", "eflag": None,
    }
    so2 = items["hj212:8888888000114W:2011:20180303105900:a21026:ZsRtd"]["fields"]
    assert (so2["value"], so2["flag"], so2["flag_meaning"], so2["pollutant_name"]) == (0.0, "D", "fault", "二氧化硫")
    old = items["hj212:LD130133000015:2011:20160824003817:011:Rtd"]["fields"]
    assert (old["value"], old["version"], old["pollutant_name"], old["qn"]) == (231.0, "2005", "化学需氧量", None)
    ambient = items["hj212:Z13401000010301:2061:20190924220000:a34049:Avg"]["fields"]
    assert ambient["value"] == 10.663 and ambient["st"] == "22"
    assert not any(":1062:" in key for key in items)  # a command carries no values
    assert all("PW" not in json.dumps(i["fields"]) and "123456" not in json.dumps(i["fields"]) for i in items.values())
    # 6 water values, 19 CEMS values (6 pollutants with ZsRtd), 3 + 4 old-code values, 5 ambient averages.
    assert len(items) == 6 + 19 + 3 + 4 + 5


def _frame(mn: str, n: int, flag: int) -> str:
    segment = (f"QN=20261101{n:06d}000;ST=32;CN=2011;PW=123456;MN={mn};Flag={flag};"
               f"CP=&&DataTime=20261101{n:04d}00;w01018-Rtd={10 + n}.5,w01018-Flag=N;w21003-Rtd=0.{n}1,w21003-Flag=N&&")
    return hj212.frame(segment)


def test_concurrent_connections(data_dir: Path) -> None:
    def device(number: int) -> tuple[list[str], list[str]]:
        mn = f"33040000000{number:03d}"
        frames = [_frame(mn, n, 5 if n % 2 else 4) for n in range(1, 7)]
        frames.insert(3, frames[0].replace("Flag=5", "Flag=7"))  # length and CRC no longer hold
        return frames, exchange(listener.port, frames, chunk=50, pause=0.002)

    with ListenerThread() as listener, ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(device, range(5)))
    frames = read_frames(data_dir)
    assert len(frames) == 5 * 7
    assert sorted(f["raw"] for f in frames) == sorted(f for sent, _ in results for f in sent)
    assert sum(not f["ok"] for f in frames) == 5
    for sent, answers in results:
        asked = [hj212.parse(f).header["QN"] for f in sent if "Flag=5;" in f]
        assert answered_qns(answers) == asked and len(asked) == 3
    items = read_items(data_dir, "hj212")
    assert len(items) == 5 * 6 * 2
    value = next(i for i in items if i["record_id"] == "hj212:33040000000002:2011:20261101000300:w21003:Rtd")
    assert value["fields"]["value"] == 0.31


def test_too_long_frames_are_refused_and_the_stream_resyncs(data_dir: Path) -> None:
    head = "QN=20261101000000000;ST=32;CN=2011;PW=123456;MN=LONG01;Flag=4;CP=&&DataTime=20261101000000;w01018-Rtd=12.5;"
    longest = hj212.frame(head + "Pad=" + "0" * (1024 - len(head) - 6) + "&&")
    assert len(longest) == MAX_FRAME  # the largest frame the standard allows is accepted
    too_long = hj212.frame(head + "Pad=" + "0" * (1025 - len(head) - 6) + "&&")
    runaway = "##9999" + "7" * 3000 + "\r\n"  # no terminator within the limit
    with ListenerThread() as listener:
        exchange(listener.port, [longest, too_long, runaway, WATER], chunk=700)
    frames = read_frames(data_dir)
    assert [f["ok"] for f in frames] == [True, False, False, True]
    assert "longer than 1036" in frames[1]["error"] and "longer than 1036" in frames[2]["error"]
    assert len(frames[2]["raw"]) == MAX_FRAME and frames[3]["raw"] == WATER
    index = [json.loads(line) for path in (data_dir / "raw" / "hj212").glob("*.index.jsonl")
             for line in path.read_text(encoding="utf-8").splitlines()]
    assert [e["status"] for e in index] == [200, 413, 413, 200]


def test_loaded_like_any_source(data_dir: Path) -> None:
    from etl.load import load
    from etl.warehouse import connect

    with ListenerThread() as listener:
        exchange(listener.port, [WATER, README_BAD_CRC, AMBIENT])
    result = load()
    assert result.errors == [] and result.items_added == 6 + 5 and result.archive_added == 3
    con = connect()
    try:
        rows = con.execute(
            "SELECT pollutant_code, pollutant_name, suffix, value, flag, data_time::VARCHAR FROM "
            "staging.stg_hj212__values WHERE mn = '81733553213013' ORDER BY pollutant_code").fetchall()
        archive = con.execute(
            "SELECT status, method, content_type, warc, warc_offset FROM raw.archive WHERE source = 'hj212' "
            "ORDER BY warc_offset").fetchall()
        reports = con.execute("SELECT ok FROM raw.crawl_reports WHERE source = 'hj212'").fetchall()
    finally:
        con.close()
    assert rows[0] == ("w00000", "污水", "Rtd", 181.682, "N", "2021-03-20 01:34:00")
    assert ("w01001", "pH值", "Rtd", 7.496, "N", "2021-03-20 01:34:00") in rows and len(rows) == 6
    assert [(s, m) for s, m, *_ in archive] == [(200, "TCP"), (400, "TCP"), (200, "TCP")]
    assert reports == [(True,)]
    # The archive reference leads back to the exact bytes received, as for any crawled page.
    _, _, content_type, warc, offset = archive[1]
    with (data_dir / "raw" / warc).open("rb") as fh:
        fh.seek(offset)
        record = next(iter(ArchiveIterator(fh)))
        assert record.rec_type == "resource" and content_type.startswith("text/plain")
        assert record.content_stream().read() == README_BAD_CRC.encode("ascii")
    assert load().items_added == 0  # idempotent


def test_cli_listen(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from etl.cli import main

    assert main(["hj212", "listen", "--port", "0", "--for", "0.2"]) == 0
    out = capsys.readouterr().out
    assert "HJ 212 listener" in out and "0 frames (0 parsed)" in out
    assert len(list((data_dir / "items" / "hj212").glob("*.jsonl"))) == 1
    assert main(["hj212", "parse"]) == 2
