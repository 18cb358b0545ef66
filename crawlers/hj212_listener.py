"""An HJ 212-2017 receiver: data loggers connect over TCP and push frames; every frame is kept as evidence.

Where the crawlers fetch what publishers show, this is the other way data arrives: a data logger (数采仪)
opens a TCP connection and sends `##dddd<segment>CCCC\\r\\n` frames (sources.md §3.1). It lives beside the
crawlers because it produces exactly what a crawl produces, so `qingtian load` needs nothing new:

* `data/raw/hj212/<YYYYMMDD>.frames.jsonl` — every frame as received (good or bad), append-only, one JSON line
  each: received_at, peer, listen_id, seq, raw text, ok, error, digest. One file per UTC day.
* `data/raw/hj212/<listen-id>.warc.gz` + `.index.jsonl` — every frame also as a WARC `resource` record
  (`text/plain`, the exact bytes) with an index line in the crawl-archive format (`status` 200 = parsed,
  400 = refused, 413 = longer than the standard allows; `method` TCP), so the loader's `raw.archive` and
  the site's archived copies work as for any crawled page.
* `data/items/hj212/<listen-id>.jsonl` — one `hj212_value` record per pollutant and value kind (Rtd, Avg,
  ZsRtd…) of every parsed frame, written to `.jsonl.part` and renamed when the listener stops cleanly, and
  `<listen-id>.report.json` like a crawl report; then both go to the lake as Parquet (etl/lake.py).

Files are flushed and fsynced in batches (group commit, every `SYNC_DELAY` s at most); a frame whose Flag
asks for an answer (bit 0, e.g. `Flag=5`) gets its 9014 data answer only after the batch holding it is on
disk, since a logger may drop its copy once answered. Refused frames (bad length, bad CRC, not ASCII, too
long) are archived with their error and never answered. The data segment is at most 1024 characters
(HJ 212-2017 §6.3), so a frame is at most 1036 bytes with `##`, length, CRC and `\\r\\n`; a longer one is
refused, logged, archived cut at that size, and the stream resynchronises at the next `\\r\\n`.

The raw archive keeps each frame's `PW` (the logger's access password), as the evidence must be exact; the
items never carry it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from warcio.warcwriter import WARCWriter

from crawlers import paths
from crawlers.helpers import hj212, pollutants
from crawlers.items import content_hash

log = logging.getLogger(__name__)

SOURCE = "hj212"
PARSER_VERSION = "1"
KIND = "hj212_value"
MAX_SEGMENT = 1024
MAX_FRAME = 2 + 4 + MAX_SEGMENT + 4 + 2  # ##, dddd, segment, CCCC, \r\n
SYNC_DELAY = 0.05  # seconds: frames arriving within one window share one fsync
READ_SIZE = 4096
CONTENT_TYPE = "text/plain; charset=us-ascii"
VALUE_SUFFIXES = ("Rtd", "Min", "Avg", "Max", "Cou", "ZsRtd", "ZsMin", "ZsAvg", "ZsMax")
ATTRIBUTE_SUFFIXES = ("Flag", "EFlag", "SampleTime")
STATUS_PARSED, STATUS_REFUSED, STATUS_TOO_LONG = 200, 400, 413


def utc_stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _compact_time(moment: datetime) -> str:
    """DataTime as the frame prints it (yyyyMMddHHmmss, with milliseconds where the frame had them)."""
    text = moment.strftime("%Y%m%d%H%M%S")
    return text + f"{moment.microsecond // 1000:03d}" if moment.microsecond else text


def frame_values(parsed: hj212.Frame) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    """(key, fields) of each value a parsed frame carries, and the problems met (unknown suffixes, bad numbers).

    The key is `<MN>:<CN>:<DataTime>:<pollutant>:<suffix>`; a frame without DataTime (a command, an answer)
    carries no values.
    """
    if parsed.data_time is None:
        return [], []
    header = parsed.header
    out: list[tuple[str, dict[str, Any]]] = []
    problems: list[str] = []
    stamp = _compact_time(parsed.data_time)
    for code, parts in parsed.values.items():
        flag = parts.get("Flag")
        if flag is not None and flag not in hj212.DATA_FLAGS:
            problems.append(f"{code}: unknown data flag {flag!r}")
        sample = parts.get("SampleTime")
        try:
            sample_time = None if sample is None else hj212._parse_time(sample).isoformat()
        except hj212.FrameError as exc:
            problems.append(f"{code}-SampleTime: {exc}")
            sample_time = None
        for suffix, text in parts.items():
            if suffix in ATTRIBUTE_SUFFIXES:
                continue
            if suffix not in VALUE_SUFFIXES:
                problems.append(f"{code}-{suffix}: unknown field")
                continue
            try:
                value = float(text)
            except ValueError:
                problems.append(f"{code}-{suffix}={text!r} is not a number")
                continue
            out.append((f"{header['MN']}:{header['CN']}:{stamp}:{code}:{suffix}", {
                "mn": header["MN"], "cn": header["CN"], "st": header["ST"], "qn": header.get("QN"),
                "version": parsed.version, "data_time": parsed.data_time.isoformat(),
                "pollutant_code": code, "pollutant_name": pollutants.name_for_code(code),
                "suffix": suffix, "value": value, "value_text": text, "sample_time": sample_time,
                "flag": flag, "flag_meaning": None if flag is None else hj212.DATA_FLAGS.get(flag),
                "eflag": parts.get("EFlag"),
            }))
    return out, problems


class FrameArchive:
    """The listener's output files; every method is synchronous (one event loop writes, no interleaving)."""

    def __init__(self, listen_id: str, endpoint: str) -> None:
        self.listen_id = listen_id
        self.endpoint = endpoint  # host:port the frames were received on
        self.raw = paths.raw_dir() / SOURCE
        self.items = paths.items_dir() / SOURCE
        self.raw.mkdir(parents=True, exist_ok=True)
        self.items.mkdir(parents=True, exist_ok=True)
        self.warc_path = self.raw / f"{listen_id}.warc.gz"
        self._warc: IO[bytes] = self.warc_path.open("ab")
        self._writer = WARCWriter(self._warc, gzip=True)
        self._index: IO[str] = (self.raw / f"{listen_id}.index.jsonl").open("a", encoding="utf-8")
        self.final = self.items / f"{listen_id}.jsonl"
        self.part = self.final.with_suffix(".jsonl.part")
        self._out: IO[str] = self.part.open("w", encoding="utf-8")
        self._frames: dict[str, IO[str]] = {}  # UTC day → its frames file
        self.seq = 0
        self.started = utc_stamp(datetime.now(UTC))
        self.statuses: Counter[int] = Counter()
        self.records = 0
        self.errors: list[dict[str, Any]] = []

    def _frames_file(self, moment: datetime) -> IO[str]:
        day = moment.strftime("%Y%m%d")
        if day not in self._frames:
            for old in self._frames.values():
                old.flush()
                os.fsync(old.fileno())
                old.close()
            self._frames = {day: (self.raw / f"{day}.frames.jsonl").open("a", encoding="utf-8")}
        return self._frames[day]

    def frame(self, data: bytes, peer: str, received: datetime, status: int, error: str | None) -> dict[str, Any]:
        """Archive one frame as received; returns its archive reference (for the items it yields)."""
        self.seq += 1
        self.statuses[status] += 1
        stamp = utc_stamp(received)
        digest = hashlib.sha256(data).hexdigest()
        url = f"hj212://{self.endpoint}/{self.listen_id}/{self.seq}"
        self._frames_file(received).write(json.dumps({
            "received_at": stamp, "peer": peer, "listen_id": self.listen_id, "seq": self.seq,
            "raw": data.decode("ascii", errors="backslashreplace"), "ok": status == STATUS_PARSED,
            "error": error, "digest": digest}, ensure_ascii=False) + "\n")
        record = self._writer.create_warc_record(
            url, "resource", payload=BytesIO(data), warc_content_type=CONTENT_TYPE,
            warc_headers_dict={"WARC-Date": stamp[:19] + "Z", "WARC-Qingtian-Source": SOURCE,
                               "WARC-Qingtian-Peer": peer},
        )
        offset = self._warc.tell()
        self._writer.write_record(record)
        ref = {"warc": f"{SOURCE}/{self.warc_path.name}", "offset": offset, "length": self._warc.tell() - offset,
               "digest": digest, "fetched_at": stamp}
        self._index.write(json.dumps({
            "source": SOURCE, "crawl_id": self.listen_id, "url": url, "method": "TCP", "status": status,
            "content_type": CONTENT_TYPE, "size": len(data), "peer": peer, "error": error, **ref},
            ensure_ascii=False) + "\n")
        if error:
            self.errors.append({"kind": "bad_frame", "url": url, "peer": peer, "error": error})
        return {"url": url, "archive": ref}

    def item(self, key: str, fields: dict[str, Any], evidence: dict[str, Any]) -> None:
        self.records += 1
        self._out.write(json.dumps({
            "source": SOURCE, "record_id": f"{SOURCE}:{key}", "kind": KIND, "url": evidence["url"],
            "archive": evidence["archive"], "fields": fields, "crawl_id": self.listen_id,
            "parser_version": PARSER_VERSION, "fetched_at": evidence["archive"]["fetched_at"],
            "content_hash": content_hash(fields),
        }, ensure_ascii=False, sort_keys=True) + "\n")

    def note(self, kind: str, url: str, error: str) -> None:
        self.errors.append({"kind": kind, "url": url, "error": error})

    def sync(self) -> None:
        """Flush and fsync every file written since the last batch."""
        for fh in (*self._frames.values(), self._warc, self._index, self._out):
            fh.flush()
            os.fsync(fh.fileno())

    def close(self) -> dict[str, Any]:
        """Sync, close, publish the items (`.part` → `.jsonl`) and write the report."""
        self.sync()
        for fh in (*self._frames.values(), self._warc, self._index, self._out):
            fh.close()
        self.part.replace(self.final)
        report = {
            "source": SOURCE, "crawl_id": self.listen_id, "live": True, "started": self.started,
            "finished": utc_stamp(datetime.now(UTC)), "finish_reason": "finished", "requests": self.seq,
            "responses": {str(k): v for k, v in sorted(self.statuses.items())}, "records": {KIND: self.records},
            "errors": self.errors, "ok": True,
        }
        (self.items / f"{self.listen_id}.report.json").write_text(
            json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        from etl import lake

        try:
            lake.export_crawl(paths.data_dir(), SOURCE, self.listen_id)
        except Exception:  # the files are complete; `qingtian load` exports what is not in the lake
            log.exception("HJ 212 listen %s not exported to the lake", self.listen_id)
        return report


class Hj212Listener:
    """`asyncio.start_server` on host:port; `start()` returns the port (0 picks a free one)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.listen_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        self.archive: FrameArchive | None = None
        self.report: dict[str, Any] | None = None
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._batch: asyncio.Future[None] | None = None

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._connection, self.host, self.port, limit=MAX_FRAME)
        self.port = self._server.sockets[0].getsockname()[1]
        self.archive = FrameArchive(self.listen_id, f"{self.host}:{self.port}")
        log.info("HJ 212 listener %s on %s:%s", self.listen_id, self.host, self.port)
        return self.port

    async def stop(self) -> dict[str, Any]:
        """Stop accepting, end open connections, sync and close the files; returns the report."""
        assert self._server is not None and self.archive is not None
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()
        self._flush_batch()
        self.report = self.archive.close()
        return self.report

    # --- group commit ---

    def _schedule_sync(self) -> asyncio.Future[None]:
        if self._batch is None:
            self._batch = asyncio.get_running_loop().create_future()
            asyncio.get_running_loop().call_later(SYNC_DELAY, self._flush_batch)
        return self._batch

    def _flush_batch(self) -> None:
        batch, self._batch = self._batch, None
        if batch is None or self.archive is None:
            return
        try:
            self.archive.sync()
        except OSError as exc:
            log.error("HJ 212 archive sync failed: %s", exc)
            batch.set_exception(exc)
            return
        batch.set_result(None)

    # --- one connection ---

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        host, port = writer.get_extra_info("peername")[:2]
        peer = f"{host}:{port}"
        buffer = b""
        discarding = False  # inside a frame that was already refused as too long
        try:
            while True:
                chunk = await reader.read(READ_SIZE)
                answers: list[bytes] = []
                if not chunk:
                    # End of stream: a last frame may lack its \r\n (some loggers send none).
                    if buffer.strip() and not discarding:
                        answers += self._receive([buffer], peer)
                    await self._answer(writer, answers)
                    break
                buffer += chunk
                lines: list[bytes] = []
                while True:
                    end = buffer.find(b"\r\n")
                    if end < 0:
                        break
                    line, buffer = buffer[:end + 2], buffer[end + 2:]
                    if discarding:
                        discarding = False
                    elif line.strip():
                        lines.append(line)
                answers += self._receive(lines, peer)
                # MAX_FRAME bytes without a \r\n: the frame cannot end within the limit.
                if len(buffer) >= MAX_FRAME and not discarding:
                    self._refuse_too_long(buffer, peer)
                    discarding = True
                if discarding:
                    buffer = buffer[-1:] if buffer.endswith(b"\r") else b""  # keep a split \r\n findable
                await self._answer(writer, answers)
        except (ConnectionError, asyncio.IncompleteReadError) as exc:
            log.warning("HJ 212 connection from %s ended: %r", peer, exc)
        finally:
            self._handlers.discard(task)
            writer.close()

    def _refuse_too_long(self, data: bytes, peer: str) -> None:
        assert self.archive is not None
        error = f"frame longer than {MAX_FRAME} bytes (HJ 212-2017: segment ≤ {MAX_SEGMENT}); archived cut"
        log.error("HJ 212 frame from %s refused: %s", peer, error)
        self.archive.frame(data[:MAX_FRAME], peer, datetime.now(UTC), STATUS_TOO_LONG, error)
        self._schedule_sync()

    def _receive(self, lines: Iterable[bytes], peer: str) -> list[bytes]:
        """Archive, parse and itemise complete frames; returns the answers owed (sent after the next sync)."""
        assert self.archive is not None
        answers = []
        for data in lines:
            received = datetime.now(UTC)
            parsed: hj212.Frame | None = None
            status, error = STATUS_PARSED, None
            if len(data) > MAX_FRAME:
                status, error = STATUS_TOO_LONG, f"frame of {len(data)} bytes, longer than {MAX_FRAME}"
            else:
                try:
                    parsed = hj212.parse(data.decode("ascii"))
                except UnicodeDecodeError:
                    status, error = STATUS_REFUSED, "frame is not ASCII"
                except hj212.FrameError as exc:
                    status, error = STATUS_REFUSED, str(exc)
            if error:
                log.error("HJ 212 frame from %s refused: %s", peer, error)
            evidence = self.archive.frame(data[:MAX_FRAME] if status == STATUS_TOO_LONG else data, peer, received,
                                          status, error)
            self._schedule_sync()
            if parsed is None:
                continue
            values, problems = frame_values(parsed)
            for problem in problems:
                self.archive.note("invalid_value", evidence["url"], problem)
            for key, fields in values:
                self.archive.item(key, fields, evidence)
            if parsed.wants_ack:
                answers.append(hj212.data_answer(parsed, datetime.now(UTC)).encode("ascii"))
        return answers

    async def _answer(self, writer: asyncio.StreamWriter, answers: list[bytes]) -> None:
        if not answers:
            return
        await asyncio.shield(self._schedule_sync())  # durable before acknowledged
        for answer in answers:
            writer.write(answer)
        await writer.drain()


class ListenerThread:
    """A listener on its own event loop in a background thread: `with ListenerThread() as lt: lt.port`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.listener = Hj212Listener(host, port)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="hj212-listener", daemon=True)
        self.report: dict[str, Any] | None = None

    @property
    def port(self) -> int:
        return self.listener.port

    def __enter__(self) -> ListenerThread:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.listener.start(), self.loop).result(timeout=10)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.report = asyncio.run_coroutine_threadsafe(self.listener.stop(), self.loop).result(timeout=30)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
            self.loop.close()


def listen(port: int, seconds: float | None = None, host: str = "127.0.0.1") -> dict[str, Any]:
    """Listen until `seconds` have passed (or forever, until Ctrl-C); returns the listener's report."""

    async def main() -> dict[str, Any]:
        listener = Hj212Listener(host, port)
        task = asyncio.current_task()
        assert task is not None
        # SIGTERM (a service manager stopping us) and SIGINT end the wait; the files are closed cleanly.
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                asyncio.get_running_loop().add_signal_handler(sig, task.cancel)
        bound = await listener.start()
        print(f"HJ 212 listener {listener.listen_id} on {host}:{bound}"
              + (f" for {seconds:g} s" if seconds else " (Ctrl-C stops)"), flush=True)
        try:
            await asyncio.sleep(seconds if seconds else float("inf"))
        except asyncio.CancelledError:
            task.uncancel()  # the signal ends the sleep, not the shutdown
        return await listener.stop()

    runner = asyncio.Runner()
    try:
        return runner.run(main())
    finally:
        runner.close()


def exchange(port: int, frames: Iterable[str | bytes], host: str = "127.0.0.1", chunk: int | None = None,
             pause: float = 0.0, timeout: float = 10.0) -> list[str]:
    """A client for tests: send frames on one connection, close the sending side, return the answers.

    `chunk` splits the stream into pieces of that many bytes (with `pause` between them) to exercise
    partial reads; answers are the `\\r\\n`-terminated lines received until the listener closes.
    """
    stream = b"".join(f.encode("ascii") if isinstance(f, str) else f for f in frames)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        size = chunk or len(stream) or 1
        for start in range(0, len(stream), size):
            sock.sendall(stream[start:start + size])
            if pause:
                time.sleep(pause)
        sock.shutdown(socket.SHUT_WR)
        received = b""
        while True:
            data = sock.recv(READ_SIZE)
            if not data:
                break
            received += data
    return [line + "\r\n" for line in received.decode("ascii").split("\r\n") if line]


def read_frames(data: Path | None = None) -> list[dict[str, Any]]:
    """Every archived frame record (`raw/hj212/*.frames.jsonl`), oldest file first."""
    folder = (data or paths.data_dir()) / "raw" / SOURCE
    return [json.loads(line) for path in sorted(folder.glob("*.frames.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()]


def run_listen(port: int, seconds: float | None = None, host: str = "127.0.0.1") -> int:
    """`qingtian hj212 listen`: listen, then say what was received and where it went."""
    report = listen(port, seconds, host)
    print(f"  {report['requests']} frames ({report['responses'].get(str(STATUS_PARSED), 0)} parsed), "
          f"{report['records'][KIND]} values → data/items/{SOURCE}/{report['crawl_id']}.jsonl; "
          f"raw frames in data/raw/{SOURCE}/ (load them with `qingtian load`)")
    for error in report["errors"][:10]:
        print(f"    - {json.dumps(error, ensure_ascii=False)}")
    return 0
