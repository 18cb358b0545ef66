"""`qingtian serve`: serve the built site over HTTP (any static file server would do)."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def make_server(site: Path, port: int = 8000, bind: str = "127.0.0.1") -> ThreadingHTTPServer:
    if not (site / "index.html").exists():
        raise FileNotFoundError(f"no built site at {site}: run `qingtian build` first")
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer((bind, port), handler)
    server.daemon_threads = True
    return server


def serve_in_background(site: Path, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    server = make_server(site, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
