"""`qingtian serve`: serve the built site over HTTP (any static file server would do)."""

from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

SITE_YML = Path(__file__).resolve().parents[1] / "site" / "site.yml"


class _QuietHandler(SimpleHTTPRequestHandler):
    csp = ""

    def end_headers(self) -> None:
        # The pages carry the same policy in a meta tag; the header also covers what is not HTML.
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def make_server(site: Path, port: int = 8000, bind: str = "127.0.0.1") -> ThreadingHTTPServer:
    if not (site / "index.html").exists():
        raise FileNotFoundError(f"no built site at {site}: run `qingtian build` first")
    csp = yaml.safe_load(SITE_YML.read_text(encoding="utf-8"))["csp"]
    handler = functools.partial(type("Handler", (_QuietHandler,), {"csp": csp}), directory=str(site))
    server = ThreadingHTTPServer((bind, port), handler)
    server.daemon_threads = True
    return server


def serve_in_background(site: Path, port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    server = make_server(site, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
