"""`qingtian bench hj212`: many data loggers at once against the HJ 212 receiver; nothing may be lost.

The listener runs in this process (its own event-loop thread, writing to a temporary data folder); the
loggers run in a child process (one asyncio loop, one TCP connection per logger on 127.0.0.1), so the two
do not share an interpreter lock. Each logger sends its frames with at most `window` unanswered at a time
(a real logger waits for the 9014 answer before resending: window 1); every tenth frame has Flag=4 (no
answer asked), the rest Flag=5. After the run the archive is counted: every frame must be in the frames
file and the WARC index exactly once, every Flag=5 frame answered exactly once with its QN, no Flag=4 frame
answered. Latency is send → answer, per answered frame.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from crawlers.helpers import hj212

_ANSWER = re.compile(rb"^##\d{4}QN=(\d+);ST=91;CN=9014;")
_KEY = re.compile(r"QN=(\d+);.*?MN=(\w+);")
_BASE = datetime(2026, 11, 1)
NO_ACK_EVERY = 10  # every tenth frame asks for no answer


@dataclass
class LoadResult:
    connections: int
    frames: int
    seconds: float
    asked: int  # frames whose Flag asked for an answer
    answered: int  # distinct asked frames answered
    stray_answers: int  # answers to frames that did not ask, or duplicates, or unknown QNs
    archived: int  # frames in the frames files
    indexed: int  # frames in the WARC index
    distinct_archived: int  # distinct (MN, QN) among the archived frames
    parsed: int  # archived frames the listener parsed
    items: int
    latencies: list[float] = field(repr=False, default_factory=list)

    @property
    def lost(self) -> int:
        return (self.frames - self.distinct_archived) + (self.asked - self.answered)

    @property
    def rate(self) -> float:
        return self.frames / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def logger_frames(number: int, count: int) -> list[tuple[str, bool, bytes]]:
    """(QN, asks for an answer, frame bytes) for logger `number`: two values per frame, one minute apart."""
    mn = f"BENCH{number:09d}"
    out = []
    for n in range(count):
        moment = _BASE + timedelta(minutes=n)
        qn = (moment + timedelta(milliseconds=number % 1000)).strftime("%Y%m%d%H%M%S%f")[:17]
        ack = n % NO_ACK_EVERY != NO_ACK_EVERY - 1
        segment = (f"QN={qn};ST=32;CN=2011;PW=123456;MN={mn};Flag={5 if ack else 4};"
                   f"CP=&&DataTime={moment:%Y%m%d%H%M%S};w01018-Rtd={n % 500}.5,w01018-Flag=N;"
                   f"w21003-Rtd=0.{n % 97:02d},w21003-Flag=N&&")
        out.append((qn, ack, hj212.frame(segment).encode("ascii")))
    return out


async def _logger(port: int, number: int, count: int, window: int, started: asyncio.Event
                  ) -> tuple[int, int, int, list[float]]:
    frames = logger_frames(number, count)
    reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 16)
    sent_at: dict[bytes, float] = {}
    asked = {qn.encode() for qn, ack, _ in frames if ack}
    slots = asyncio.Semaphore(window)
    latencies: list[float] = []
    stray = 0

    async def receive() -> None:
        nonlocal stray
        while line := await reader.readline():
            match = _ANSWER.match(line)
            qn = match.group(1) if match else None
            if qn is None or qn not in asked or qn not in sent_at:
                stray += 1
                continue
            latencies.append(time.perf_counter() - sent_at.pop(qn))
            asked.discard(qn)
            slots.release()

    receiving = asyncio.create_task(receive())
    await started.wait()
    for qn, ack, data in frames:
        if ack:
            await slots.acquire()
            sent_at[qn.encode()] = time.perf_counter()
        writer.write(data)
        await writer.drain()
    writer.write_eof()
    await receiving
    writer.close()
    return sum(ack for _, ack, _ in frames), len(latencies), stray, latencies


async def _loggers(port: int, connections: int, per_connection: list[int], window: int) -> dict[str, Any]:
    started = asyncio.Event()
    tasks = [asyncio.create_task(_logger(port, i, per_connection[i], window, started)) for i in range(connections)]
    await asyncio.sleep(0.2)  # every connection open before the clock starts
    began = time.perf_counter()
    started.set()
    results = await asyncio.gather(*tasks)
    return {"seconds": time.perf_counter() - began, "asked": sum(r[0] for r in results),
            "answered": sum(r[1] for r in results), "stray": sum(r[2] for r in results),
            "latencies": [x for r in results for x in r[3]]}


def _client_process(port: int, connections: int, per_connection: list[int], window: int, out: Any) -> None:
    out.send(asyncio.run(_loggers(port, connections, per_connection, window)))
    out.close()


def run_load(connections: int, frames: int, window: int = 1, data: Path | None = None) -> LoadResult:
    """Send `frames` frames over `connections` concurrent connections and count what was archived/answered."""
    from crawlers.hj212_listener import ListenerThread

    base, extra = divmod(frames, connections)
    per_connection = [base + (i < extra) for i in range(connections)]
    folder = data or Path(tempfile.mkdtemp(prefix="qingtian-hj212-bench-"))
    previous = os.environ.get("QINGTIAN_DATA")
    os.environ["QINGTIAN_DATA"] = str(folder)
    try:
        with ListenerThread() as listener:
            receive, send = multiprocessing.get_context("spawn").Pipe(duplex=False)
            child = multiprocessing.get_context("spawn").Process(
                target=_client_process, args=(listener.port, connections, per_connection, window, send))
            child.start()
            send.close()
            figures = receive.recv()
            child.join()
        report = listener.report or {}
        return _count(folder, connections, frames, figures, report)
    finally:
        if previous is None:
            os.environ.pop("QINGTIAN_DATA", None)
        else:
            os.environ["QINGTIAN_DATA"] = previous
        if data is None:
            shutil.rmtree(folder, ignore_errors=True)


def _count(folder: Path, connections: int, frames: int, figures: dict[str, Any], report: dict[str, Any]
           ) -> LoadResult:
    raw = folder / "raw" / "hj212"
    keys: Counter[tuple[str, str]] = Counter()
    archived = parsed = 0
    for path in raw.glob("*.frames.jsonl"):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                entry = json.loads(line)
                archived += 1
                parsed += entry["ok"]
                found = _KEY.search(entry["raw"])
                keys[found.groups() if found else ("", entry["raw"])] += 1
    indexed = sum(sum(1 for _ in path.open(encoding="utf-8")) for path in raw.glob("*.index.jsonl"))
    return LoadResult(
        connections=connections, frames=frames, seconds=figures["seconds"], asked=figures["asked"],
        answered=figures["answered"], stray_answers=figures["stray"], archived=archived, indexed=indexed,
        distinct_archived=len(keys), parsed=parsed, items=int(report.get("records", {}).get("hj212_value", 0)),
        latencies=figures["latencies"],
    )


def bench_hj212(connections: int = 200, frames: int = 100_000, window: int = 1, **_: Any) -> int:
    print(f"[hj212 load] {connections} connections on 127.0.0.1, {frames:,} frames "
          f"(1 in {NO_ACK_EVERY} without Flag bit 0), at most {window} unanswered per connection")
    r = run_load(connections, frames, window)
    print(f"  {r.rate:,.0f} frames/s ({r.frames:,} in {r.seconds:.1f} s); {r.items:,} values itemised")
    print(f"  send → 9014 answer: p50 {r.percentile(0.5) * 1000:.1f} ms, p99 {r.percentile(0.99) * 1000:.1f} ms, "
          f"max {max(r.latencies, default=0) * 1000:.1f} ms")
    print(f"  archived {r.archived:,} frames ({r.distinct_archived:,} distinct, {r.parsed:,} parsed), "
          f"WARC index {r.indexed:,}; answered {r.answered:,} of {r.asked:,} asking; "
          f"{r.stray_answers} stray answers; lost {r.lost}")
    ok = (r.lost == 0 and r.stray_answers == 0 and r.archived == r.frames == r.indexed == r.parsed)
    print("  OK: every frame archived once, every asking frame answered once" if ok else "  FAILED: frames lost")
    return 0 if ok else 1
