"""Fault injection for the replay server: the ways real hosts fail, on demand and deterministically.

A fault spec is a list of rules. As text (`qingtian replay --faults SPEC`, `ReplayServer(faults=SPEC)`) rules
are separated by `;`, each a comma-separated list of `key=value`:

    host=sthjj.jiaxing.gov.cn,path=/xxgk/xzcf/index_1.shtml,fault=status:503,times=3;host=*,fault=latency:0.2

or the path of a YAML or JSON file holding a list of mappings with the same keys (or `{faults: [...]}`).

Keys: `fault` (required, below); `host` (glob on the replicated host, default `*`); `path` (glob on the
request target, path and query string: `/module/download/downfile.jsp?*filename=2404*`, default `*`);
`method` (default `*`); `rate` (0–1, default 1: the share of distinct requests hit, chosen by a hash of the
request, so the same requests are hit on every run); `times` (default unlimited: each matching request —
method, target and body — is faulted the first N times it is asked, then answered normally, so Scrapy's
retries or a re-run succeed). `Faults.reset()` forgets what was counted.

Faults (`name` or `name:argument`):

- `latency:S` — answer S seconds late (every matching latency rule adds up; other faults still apply);
- `timeout[:S]` — hold the connection S seconds (default 30, or until the server stops) and close it
  without an answer: set DOWNLOAD_TIMEOUT below S;
- `reset` — close the connection at once without an answer (TCP RST);
- `status:CODE` — a bare error page with that status (500, 502, 503…);
- `waf412` — the WAF's refusal: HTTP 412 with a JavaScript challenge page and a cookie;
- `captcha` — a 验证码 page served with status 200 in place of the content;
- `truncate[:F]` — announce the full Content-Length, send the first F (default 0.5) of the body, close;
- `charset` — declare the wrong charset in Content-Type (UTF-8 bytes labelled GBK, GBK labelled UTF-8);
- `layout[:OLD=NEW]` — a changed page layout: without argument every `class` and `id` value is renamed,
  with one the text OLD is replaced by NEW (a renamed label: `layout:当事人：=被处罚单位：`);
- `broken-attachment[:truncate|garble]` — a PDF, DOCX or XLSX body served cut in half (default) or with a
  block of bytes in its middle flipped; other bodies pass untouched;
- `bad-crc`, `bad-length` — HJ 212 frames only (`corrupt_frames`): a wrong CRC or length field. For frames
  `host` is matched against `hj212` and `path` against the frame's MN.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

FAULTS = ("latency", "timeout", "reset", "status", "waf412", "captcha", "truncate", "charset", "layout",
          "broken-attachment", "bad-crc", "bad-length")
# Faults applied before the replica is asked (no answer, or another answer) and after it (its answer changed).
BEFORE = frozenset({"timeout", "reset", "status", "waf412", "captcha"})
AFTER = frozenset({"truncate", "charset", "layout", "broken-attachment"})
FRAME_FAULTS = frozenset({"bad-crc", "bad-length"})
DEFAULT_HOLD = 30.0

_CLASS_OR_ID = re.compile(rb"""(?P<attr>\b(?:class|id)\s*=\s*)(?P<q>["'])(?P<value>[^"']*)(?P=q)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r";?\s*charset\s*=\s*[\"']?[\w-]+[\"']?", re.IGNORECASE)
_GB = frozenset({"gb2312", "gbk", "gb18030", "x-gbk"})
_MN = re.compile(r"MN=([^;]*);")


class FaultSpecError(ValueError):
    """A fault spec that does not parse: the message says which rule and why."""


@dataclass(frozen=True)
class Rule:
    fault: str
    arg: str = ""
    host: str = "*"
    path: str = "*"
    method: str = "*"
    rate: float = 1.0
    times: int | None = None

    def matches(self, host: str, method: str, target: str) -> bool:
        return (fnmatch.fnmatchcase(host, self.host) and fnmatch.fnmatchcase(target, self.path)
                and (self.method == "*" or self.method.upper() == method.upper()))

    def __str__(self) -> str:
        fault = f"{self.fault}:{self.arg}" if self.arg else self.fault
        parts = [f"host={self.host}", f"path={self.path}", f"fault={fault}"]
        if self.method != "*":
            parts.append(f"method={self.method}")
        if self.rate != 1.0:
            parts.append(f"rate={self.rate:g}")
        if self.times is not None:
            parts.append(f"times={self.times}")
        return ",".join(parts)


def rule(values: Mapping[str, Any]) -> Rule:
    """A rule from a mapping of the spec's keys; FaultSpecError for anything it does not know."""
    unknown = set(values) - {"fault", "host", "path", "method", "rate", "times"}
    if unknown:
        raise FaultSpecError(f"unknown key(s) {sorted(unknown)} in fault rule {dict(values)}")
    if "fault" not in values:
        raise FaultSpecError(f"fault rule {dict(values)} names no fault")
    name, _, arg = str(values["fault"]).partition(":")
    if name not in FAULTS:
        raise FaultSpecError(f"unknown fault {name!r}; known: {', '.join(FAULTS)}")
    try:
        if name in ("latency", "timeout") and arg:
            float(arg)
        if name == "truncate" and arg and not 0 <= float(arg) < 1:
            raise ValueError("the share kept must be in [0, 1)")
        if name == "status" and not 100 <= int(arg) <= 599:
            raise ValueError("an HTTP status is 100–599")
        rate = float(values.get("rate", 1.0))
        if not 0 <= rate <= 1:
            raise ValueError("rate must be in [0, 1]")
        times = None if values.get("times") in (None, "") else int(values["times"])
    except ValueError as exc:
        raise FaultSpecError(f"fault rule {dict(values)}: {exc}") from exc
    if name == "latency" and not arg:
        raise FaultSpecError("latency needs seconds: latency:0.5")
    if name == "layout" and arg and "=" not in arg:
        raise FaultSpecError("layout takes OLD=NEW (or nothing)")
    if name == "broken-attachment" and arg not in ("", "truncate", "garble"):
        raise FaultSpecError("broken-attachment takes truncate or garble")
    return Rule(name, arg, str(values.get("host", "*")), str(values.get("path", "*")),
                str(values.get("method", "*")), rate, times)


def parse_spec(spec: str) -> list[Rule]:
    """Rules from the text form: `key=value,…;key=value,…`."""
    rules = []
    for text in filter(None, (part.strip() for part in spec.split(";"))):
        values: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in text.split(","))):
            key, eq, value = item.partition("=")
            if not eq:
                raise FaultSpecError(f"{item!r} in fault rule {text!r} is not key=value")
            values[key.strip()] = value.strip()
        rules.append(rule(values))
    return rules


def load_rules(spec: str | Path | Iterable[Mapping[str, Any] | Rule] | None) -> list[Rule]:
    """Rules from a spec text, a YAML/JSON file, or a list of mappings or rules."""
    if spec is None:
        return []
    if isinstance(spec, Path) or (isinstance(spec, str) and spec.endswith((".yml", ".yaml", ".json"))):
        path = Path(spec)
        text = path.read_text(encoding="utf-8")
        loaded = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        if isinstance(loaded, dict):
            loaded = loaded.get("faults")
        if not isinstance(loaded, list):
            raise FaultSpecError(f"{path}: expected a list of fault rules (or faults: [...])")
        return load_rules(loaded)
    if isinstance(spec, str):
        return parse_spec(spec)
    return [r if isinstance(r, Rule) else rule(r) for r in spec]


@dataclass(frozen=True)
class Decision:
    """What to do with one request: extra latency, then at most one fault."""

    latency: float = 0.0
    rule: Rule | None = None


class Faults:
    """The rules and what they have hit so far (thread-safe: the replay server answers from threads)."""

    def __init__(self, spec: str | Path | Iterable[Mapping[str, Any] | Rule] | None = None) -> None:
        self.rules = load_rules(spec)
        self._lock = threading.Lock()
        self._counts: Counter[tuple[int, str]] = Counter()
        self.injected: list[dict[str, str]] = []  # every fault applied: host, method, target, fault

    def __bool__(self) -> bool:
        return bool(self.rules)

    def __str__(self) -> str:
        return ";".join(str(r) for r in self.rules)

    def reset(self) -> None:
        """Forget what was counted: `times=N` rules fault the next N requests again."""
        with self._lock:
            self._counts.clear()
            self.injected.clear()

    def decide(self, host: str, method: str, target: str, body: bytes = b"",
               kinds: frozenset[str] | None = None) -> Decision:
        """The latency and the fault (the first matching rule that fires) for one request."""
        key = f"{method.upper()} {host}{target}\n".encode() + body
        share = int(hashlib.sha256(key).hexdigest()[:8], 16) / 0xFFFFFFFF
        latency = 0.0
        chosen: Rule | None = None
        with self._lock:
            for index, candidate in enumerate(self.rules):
                if kinds is not None and candidate.fault not in kinds and candidate.fault != "latency":
                    continue
                if (candidate.fault != "latency" and chosen is not None) or not candidate.matches(host, method, target):
                    continue
                if share >= candidate.rate:
                    continue
                counter = (index, key.decode("utf-8", "replace"))
                if candidate.times is not None and self._counts[counter] >= candidate.times:
                    continue
                self._counts[counter] += 1
                if candidate.fault == "latency":
                    latency += float(candidate.arg)
                else:
                    chosen = candidate
                self.injected.append({"host": host, "method": method, "target": target, "fault": candidate.fault})
        return Decision(latency, chosen)


# --- the answers -------------------------------------------------------------------------------------------

def status_page(code: int) -> bytes:
    """nginx's bare error page."""
    reasons = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Temporarily Unavailable",
               504: "Gateway Time-out"}
    title = f"{code} {reasons.get(code, 'Error')}"
    return (f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n"
            "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n").encode()


def waf_page(target: str) -> tuple[bytes, dict[str, str]]:
    """A 瑞数-style refusal: the JavaScript challenge page and the cookie it sets."""
    token = hashlib.sha256(target.encode()).hexdigest()
    body = (
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f'<meta content="{token[:64]}" r="m"><script type="text/javascript" r="m">'
        f"$_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={{}};$_ts.nsd={int(token[:6], 16)};"
        f'$_ts.cd="{token}";</script><script type="text/javascript" charset="utf-8" '
        'src="/4QbVtADbnLVIc/c.FxJzG50F.7eb6fb8.js" r="m"></script></head><body></body></html>'
    )
    return body.encode(), {"Set-Cookie": f"FSSBBIl1UgzbN7N443S={token[:40]}; Path=/; HttpOnly"}


CAPTCHA_PAGE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>安全验证</title></head><body>'
    '<div class="verify-wrap"><h3>访问验证</h3><p>您的访问过于频繁，请输入验证码后继续访问。</p>'
    '<form method="post" action="/waf_verify.htm"><img src="/waf_captcha.jpg" alt="验证码">'
    '<input type="text" name="captcha" placeholder="请输入验证码"><button type="submit">提交</button>'
    "</form></div></body></html>"
).encode()


def actual_charset(payload: bytes) -> str:
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def wrong_charset(content_type: str, payload: bytes) -> str:
    """The Content-Type with the charset the body is not in."""
    declared = re.search(r"charset\s*=\s*[\"']?([\w-]+)", content_type, re.IGNORECASE)
    real = declared.group(1).lower() if declared else actual_charset(payload)
    wrong = "utf-8" if real in _GB else "gbk"
    base = _HEADER_CHARSET.sub("", content_type).strip() or "text/html"
    return f"{base}; charset={wrong}"


def change_layout(payload: bytes, arg: str) -> bytes:
    """Rename every class and id (no argument), or replace the text OLD by NEW (`OLD=NEW`)."""
    if not arg:
        def rename(match: re.Match[bytes]) -> bytes:
            tokens = match.group("value").split()
            renamed = b" ".join(b"v2-" + hashlib.sha1(t).hexdigest()[:6].encode() for t in tokens)
            return match.group("attr") + match.group("q") + renamed + match.group("q")
        return _CLASS_OR_ID.sub(rename, payload)
    old, _, new = arg.partition("=")
    charset = actual_charset(payload)
    return payload.decode(charset).replace(old, new).encode(charset)


def is_attachment(payload: bytes) -> bool:
    """PDF or a zip container (DOCX, XLSX): what `broken-attachment` breaks."""
    return payload.startswith((b"%PDF-", b"PK\x03\x04"))


def break_attachment(payload: bytes, how: str) -> bytes:
    if how == "garble":
        start = len(payload) // 3
        block = payload[start:start + 256]
        return payload[:start] + bytes(b ^ 0xFF for b in block) + payload[start + len(block):]
    return payload[: len(payload) // 2]


# --- HJ 212 frames (client side) ----------------------------------------------------------------------------

def corrupt_frame(frame: str, how: str) -> str:
    """`##dddd<segment>CCCC\\r\\n` with a CRC off by one (`bad-crc`) or a length field off by one (`bad-length`)."""
    if not frame.startswith("##") or len(frame) < 12:
        raise ValueError(f"not an HJ 212 frame: {frame[:20]!r}")
    end = frame.rstrip("\r\n")
    tail = frame[len(end):]
    if how == "bad-crc":
        crc = int(end[-4:], 16)
        return f"{end[:-4]}{(crc + 1) & 0xFFFF:04X}{tail}"
    if how == "bad-length":
        length = int(end[2:6])
        return f"##{(length + 1) % 10000:04d}{end[6:]}{tail}"
    raise ValueError(f"unknown frame fault {how!r}; known: {', '.join(sorted(FRAME_FAULTS))}")


def corrupt_frames(frames: Iterable[str], faults: Faults) -> list[str]:
    """The frames a faulty data logger would send: each matching a `bad-crc`/`bad-length` rule corrupted."""
    out = []
    for frame in frames:
        mn = _MN.search(frame)
        decision = faults.decide("hj212", "SEND", mn.group(1) if mn else "", frame.encode(), kinds=FRAME_FAULTS)
        out.append(corrupt_frame(frame, decision.rule.fault) if decision.rule else frame)
    return out
