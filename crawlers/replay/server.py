"""Serve the replicas of the real sources on 127.0.0.1, one port per replicated host.

Each replica answers the same paths, parameters and encodings as the host it replicates, so a spider's
code is the same whether it crawls the replica or the live site; only the origin differs.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import socket
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from crawlers.replay import faults as fault_kinds
from crawlers.replay.faults import Faults

log = logging.getLogger(__name__)

# Replicated host → "module:Class" of its replica. Order fixes the port each one gets (base port + index).
REPLICAS: dict[str, str] = {
    "permit.mee.gov.cn": "crawlers.replay.permits:PermitPlatform",
    "sthjj.jiaxing.gov.cn": "crawlers.replay.penalties:JiaxingPenaltyColumn",
    "ljgk.envsc.cn": "crawlers.replay.incineration:IncinerationPlatform",
    "ywxt.sthjt.jiangsu.gov.cn": "crawlers.replay.jiangsu_sgs:JiangsuSgsPlatform",
    "gdee.gd.gov.cn": "crawlers.replay.guangdong:GuangdongPenaltyList",
    "public.creditchina.gov.cn": "crawlers.replay.creditchina:CreditChinaApi",
    "zxjc.sthjt.zj.gov.cn": "crawlers.replay.selfmonitoring:ZhejiangSelfMonitoring",
    "sthjt.zj.gov.cn": "crawlers.replay.lists:ZhejiangLists",
}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    body: bytes = b""

    def param(self, name: str, default: str = "") -> str:
        """A parameter from the query string or, for POST forms, the body."""
        return self.form.get(name, self.query.get(name, default))


@dataclass
class Response:
    body: bytes | str = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        charset = "utf-8"
        if "charset=" in self.content_type:
            charset = self.content_type.split("charset=", 1)[1].strip()
        return self.body.encode(charset)

    @classmethod
    def json(cls, payload: object, status: int = 200) -> Response:
        return cls(json.dumps(payload, ensure_ascii=False), status, "application/json; charset=utf-8")

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> Response:
        return cls(b"", status, headers={"Location": location})

    @classmethod
    def not_found(cls) -> Response:
        return cls("<html><body><h1>404 Not Found</h1></body></html>", 404)


class Replica(Protocol):
    host: str

    def handle(self, request: Request) -> Response: ...


def load_replica(host: str) -> Replica:
    module_name, class_name = REPLICAS[host].split(":")
    replica: Replica = getattr(importlib.import_module(module_name), class_name)()
    return replica


FaultSpec = Faults | str | Path | list[dict[str, Any]] | None


def _handler_for(replica: Replica, faults: Faults | None = None,
                 stopping: threading.Event | None = None) -> type[BaseHTTPRequestHandler]:
    faults = faults if faults is not None else Faults()
    stopping = stopping or threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "nginx"  # what the real hosts announce
        sys_version = ""

        def _serve(self, method: str) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            form: dict[str, str] = {}
            ctype = self.headers.get("Content-Type", "")
            if method == "POST" and "application/x-www-form-urlencoded" in ctype:
                form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}
            request = Request(
                method=method,
                path=split.path,
                query={k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()},
                form=form,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            decision = faults.decide(replica.host, method, self.path, body,
                                     kinds=fault_kinds.BEFORE | fault_kinds.AFTER) if faults else None
            fault = decision.rule if decision else None
            if decision and decision.latency:
                stopping.wait(decision.latency)
            if fault and fault.fault in ("timeout", "reset"):
                self._no_answer(fault.fault, float(fault.arg or fault_kinds.DEFAULT_HOLD))
                return
            try:
                response = self._faulty_answer(fault) or replica.handle(request)
            except Exception:
                log.exception("replica %s failed on %s %s", replica.host, method, self.path)
                response = Response("<html><body>500 Internal Server Error</body></html>", 500)
            payload = response.encoded()
            if fault and fault.fault == "charset" and response.content_type.startswith("text/"):
                response.content_type = fault_kinds.wrong_charset(response.content_type, payload)
            elif fault and fault.fault == "layout" and response.content_type.startswith("text/"):
                payload = fault_kinds.change_layout(payload, fault.arg)
            elif fault and fault.fault == "broken-attachment" and fault_kinds.is_attachment(payload):
                payload = fault_kinds.break_attachment(payload, fault.arg or "truncate")
            # Like the real hosts' web servers, answer conditional GETs: an ETag from the body, 304 on a match.
            # (A faulty answer is another representation: its ETag differs even where only a header does.)
            basis = payload + (str(fault).encode() if fault else b"")
            etag = f'"{hashlib.sha1(basis).hexdigest()[:16]}"'
            if method in ("GET", "HEAD") and response.status == 200:
                response.headers.setdefault("ETag", etag)
                if self.headers.get("If-None-Match") == response.headers["ETag"]:
                    response, payload = Response(b"", 304, headers={"ETag": response.headers["ETag"]}), b""
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if method == "HEAD":
                return
            if fault and fault.fault == "truncate":
                # The full length announced, part of the body sent, the connection closed: a cut transfer.
                self.wfile.write(payload[: int(len(payload) * float(fault.arg or 0.5))])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(payload)

        def _faulty_answer(self, fault: fault_kinds.Rule | None) -> Response | None:
            """The answer a fault puts in place of the replica's (None: ask the replica)."""
            if fault is None:
                return None
            if fault.fault == "status":
                return Response(fault_kinds.status_page(int(fault.arg)), int(fault.arg))
            if fault.fault == "waf412":
                body, headers = fault_kinds.waf_page(self.path)
                return Response(body, 412, headers=headers)
            if fault.fault == "captcha":
                return Response(fault_kinds.CAPTCHA_PAGE, 200)
            return None

        def _no_answer(self, how: str, hold: float) -> None:
            """`timeout`: keep the connection open for `hold` seconds, then close it; `reset`: close it now (RST)."""
            if how == "timeout":
                stopping.wait(hold)
            else:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True

        def _serve_quietly(self, method: str) -> None:
            try:
                self._serve(method)
            except ConnectionError as exc:  # the client gave up (its timeout, a fault's reset): not our error
                log.debug("%s %s %s: %r", replica.host, method, self.path, exc)
                self.close_connection = True

        def do_GET(self) -> None:
            self._serve_quietly("GET")

        def do_HEAD(self) -> None:
            self._serve_quietly("HEAD")

        def do_POST(self) -> None:
            self._serve_quietly("POST")

        def log_message(self, format: str, *args: object) -> None:
            log.debug("%s %s", replica.host, format % args)

    return Handler


class ReplayServer:
    """All replicas, each on its own port of 127.0.0.1, served from background threads."""

    def __init__(self, port: int = 0, hosts: Iterable[str] | None = None, bind: str = "127.0.0.1",
                 faults: FaultSpec = None) -> None:
        self.port = port
        self.bind = bind
        self.hosts = list(hosts or REPLICAS)
        self._servers: list[ThreadingHTTPServer] = []
        self.origins: dict[str, str] = {}
        # Injected failures (crawlers/replay/faults.py); `self.faults.reset()` re-arms `times=N` rules.
        self.faults = faults if isinstance(faults, Faults) else Faults(faults)
        self._stopping = threading.Event()

    def start(self) -> dict[str, str]:
        """Start serving; returns replicated host → local origin (`http://127.0.0.1:PORT`)."""
        for index, host in enumerate(REPLICAS):
            if host not in self.hosts:
                continue
            replica = load_replica(host)
            port = self.port + index if self.port else 0
            server = ThreadingHTTPServer((self.bind, port), _handler_for(replica, self.faults, self._stopping))
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, name=f"replay-{host}", daemon=True).start()
            self._servers.append(server)
            self.origins[host] = f"http://{self.bind}:{server.server_address[1]}"
        return self.origins

    def stop(self) -> None:
        self._stopping.set()  # ends held (`timeout`) connections
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def __enter__(self) -> ReplayServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve_forever(port: int, announce: Callable[[str], None] = print, faults: FaultSpec = None) -> None:
    server = ReplayServer(port, faults=faults)
    if server.faults:
        announce(f"faults: {server.faults}")
    for host, origin in server.start().items():
        announce(f"{host:<24} {origin}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()
