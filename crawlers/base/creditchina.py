"""`CreditChinaSearchSpider`: one category of Credit China's (信用中国) records, searched keyword by keyword.

Credit China (`public.creditchina.gov.cn`, sources.md §2.3) has no list of all records: its front end asks
`/private-api/typeSourceSearch?source=&type=<category>&searchState=1&entityType=1&scenes=defaultscenario
&keyword=<name or code>&page=N&pageSize=10` for one entity at a time. So the crawl takes a list of keywords
(YAML `config.keywords`) and pages through each: page 1 says how many records there are (`total`) and pages
(`totalSize`), and the remaining pages are requested at once. Every request carries the `Referer` and
`Origin` of `www.creditchina.gov.cn`, which the API requires.

Keywords: `config.keywords` is `world` (replay only: the names of the replica's synthetic enterprises),
`warehouse` (the USCCs of the enterprises already in the warehouse's `marts.enterprises`: a code finds
the records filed under any spelling of the name) or a list of names or codes. A live crawl uses
`config.live_keywords` instead (default `warehouse`).

The WAF (瑞数 + 加速乐) refuses a share of anonymous requests with HTTP 412 (a JavaScript challenge page or
an empty body) or HTTP 500 `{"status": 40001, "message": "请刷新后重试！"}`; a later retry usually passes.
These requests opt out of Scrapy's RetryMiddleware (`dont_retry`; it would resend a 500 at once, which
only earns another refusal, and it does not know 412) and accept 412 and 5xx in the callback
(`handle_httpstatus_list`). The callback waits — exponential back-off with jitter, capped, from YAML
`config.retry` — and sends the same request again, up to `config.retry.limit` times; download errors
(timeouts, resets) are retried the same way. When the limit is reached, the keyword's page is reported
as a `gap` naming the keyword and page; records already fetched are kept and the crawl goes on.

Live crawls: the real WAF's challenge is JavaScript (瑞数 sets its cookies from the `$_ts` script), which
plain requests do not run; expect many refusals, reported as gaps. Getting those cookies from a browser
session (as `envsc.py` gets its signatures) is not implemented yet.

The envelope is parsed strictly (`parse_envelope`): a status we do not know is an error, not an empty page.
Records (`entity`) keep every `CF_*` field in `raw`; the ones we use are converted by `parse_penalty`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, NamedTuple
from urllib.parse import urlencode

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawlers import incremental, paths
from crawlers.base import SourceSpider
from crawlers.helpers import uscc
from crawlers.helpers.penalty import _laws, normalise_number, penalty_type_labels

SITE = "https://www.creditchina.gov.cn"
RECORDS_PATH = "/private-api/typeSourceSearch"
PAGE_SIZE = 10  # the API's maximum
# Answers that mean "refused or overloaded, try later": the WAF's 412 and 40001, and the usual 5xx/429.
RETRY_STATUSES = (412, 429, 500, 502, 503, 504)
WAF_RETRY = 40001
# The headers the site's front end sends; without Referer and Origin the WAF answers 412.
HEADERS = {
    "Accept": "application/json, text/javascript, */*; q=0.01",
    "Accept-Language": "zh-CN,zh;q=0.9",
    "Referer": f"{SITE}/",
    "Origin": SITE,
}

_DAY = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?: 00:00:00)?$")
_CATEGORY_SEPARATOR = re.compile(r"[;；,，]")
_CLAUSE = re.compile(r"[，,。；;]")
# How the exchange writes "none" in a code or number field.
_NO_VALUE = frozenset({"", "无", "/", "／", "-", "—", "——", "空", "null"})


class EnvelopeError(ValueError):
    """An answer that is not the API's JSON envelope, or has a status we do not know."""


class Refused(EnvelopeError):
    """The WAF's (or an overloaded server's) refusal: worth retrying later."""


class RowError(ValueError):
    """A record without a field we need, or with a value of the wrong shape."""


class SearchPage(NamedTuple):
    rows: list[dict[str, Any]]  # the `entity` of each list item
    page: int
    total: int  # records for the keyword
    pages: int


class Parsed(NamedTuple):
    fields: dict[str, Any]
    unknown_fields: list[str]  # fields of the entity we neither use nor know
    unknown_labels: list[str]  # CF_CFLB / CF_XDR_LB values the YAML lookups do not know


def parse_envelope(status: int, body: bytes, page_size: int = PAGE_SIZE) -> SearchPage:
    """One typeSourceSearch answer; raises `Refused` (retry later) or `EnvelopeError` (give up)."""
    if status == 412:
        raise Refused("HTTP 412: the WAF's challenge")
    try:
        payload = json.loads(body.decode("utf-8"), parse_float=Decimal)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        if status in RETRY_STATUSES:
            raise Refused(f"HTTP {status} without a JSON body") from exc
        raise EnvelopeError(f"HTTP {status}, not JSON: {body[:200]!r}") from exc
    if not isinstance(payload, dict) or set(payload) != {"status", "message", "data"}:
        raise EnvelopeError(f"unknown envelope: {body[:200]!r}")
    code, message, data = payload["status"], payload["message"], payload["data"]
    if code == WAF_RETRY:
        raise Refused(f"HTTP {status}, status {code}: {message}")
    if status in RETRY_STATUSES:
        raise Refused(f"HTTP {status}, status {code!r}: {message}")
    if code != 1 or status != 200:
        raise EnvelopeError(f"HTTP {status}, status {code!r}: {message!r}")
    if not isinstance(data, dict) or set(data) != {"list", "page", "total", "totalSize"}:
        raise EnvelopeError(f"unknown data object: {str(data)[:200]!r}")
    items, page, total, pages = data["list"], data["page"], data["total"], data["totalSize"]
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (page, total, pages)):
        raise EnvelopeError(f"page {page!r}, total {total!r}, totalSize {pages!r} are not counts")
    # totalSize is the page count (unverified on the live API: a mismatch fails loudly rather than guess).
    if pages != -(-total // page_size):
        raise EnvelopeError(f"totalSize {pages} is not the page count of {total} records")
    if not isinstance(items, list) or len(items) > page_size:
        raise EnvelopeError(f"list is not a page of at most {page_size} items")
    rows = []
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("entity"), dict) or \
                not isinstance(item.get("columnList", []), list) or set(item) - {"entity", "columnList"}:
            raise EnvelopeError(f"unknown list item: {str(item)[:200]!r}")
        rows.append(item["entity"])
    return SearchPage(rows, page, total, pages)


# --- record fields ---

# CF_* fields we convert into our fields; all CF_* fields go to `raw` as well.
USED = ("CF_WSH", "CF_XDR_MC", "CF_XDR_LB", "CF_XDR_SHXYM", "CF_FRDB", "CF_CFJG", "CF_CFJGDM", "CF_JDRQ",
        "CF_NR_FK", "CF_NR", "CF_CFLB", "CF_SY", "CF_WFXW", "CF_YJ", "CF_YXQ", "CF_GSJZQ", "CF_SJLY")
# The 双公示 standard's other fields (sources.md §2.3): known, kept in `raw` only.
KNOWN = frozenset({
    "CF_CFMC", "CF_CFLB1", "CF_CFLB2", "CF_NR_WFFF", "CF_NR_ZKDX", "CF_XZJG", "CF_SJLYDM", "CF_XDR_ZDM",
    "CF_XDR_GSDJ", "CF_XDR_GSZC", "CF_XDR_SWDJ", "CF_XDR_SYDW", "CF_XDR_SHZZ", "CF_FR", "CF_ZT", "BZ",
    "COMP_NAME",
})


def _text(row: dict[str, Any], name: str, required: bool = False) -> str | None:
    value = row.get(name)
    if value is None or (isinstance(value, str) and value.strip() in _NO_VALUE):
        if required:
            raise RowError(f"no {name}")
        return None
    if not isinstance(value, str):
        raise RowError(f"{name} is not text: {value!r}")
    return value.strip()


def _day(row: dict[str, Any], name: str, required: bool = False) -> str | None:
    text = _text(row, name, required)
    if text is None:
        return None
    match = _DAY.match(text)
    if not match:
        raise RowError(f"{name} is not a day: {text!r}")
    year, month, day = (int(g) for g in match.groups())
    return f"{year:04d}-{month:02d}-{day:02d}"


def fine_in_yuan(value: Any) -> int | float | None:
    """`CF_NR_FK` (万元; a JSON number read as Decimal, or a numeric string) → yuan, exactly.

    0.2 → 2000, 5.212 → 52120, 3.054969 → 30549.69. 0 and empty mean no fine. A whole amount is an int,
    one with 角/分 a float whose shortest repr is the exact decimal; finer than 分 is an error.
    """
    if value is None or (isinstance(value, str) and value.strip() in _NO_VALUE):
        return None
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise RowError(f"CF_NR_FK is not a number: {value!r}")
    try:
        wan = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation as exc:
        raise RowError(f"CF_NR_FK is not a number: {value!r}") from exc
    if not wan.is_finite() or wan < 0:
        raise RowError(f"CF_NR_FK is not an amount: {value!r}")
    if wan == 0:
        return None
    yuan = wan * 10000
    if yuan == yuan.to_integral_value():
        return int(yuan)
    if yuan != yuan.quantize(Decimal("0.01")):
        raise RowError(f"CF_NR_FK {value} 万元 is not a whole number of 分")
    return float(yuan)


def _plain(value: Any) -> Any:
    """JSON-ready: Decimals (how numbers were read) become int or float again."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _laws_split(basis: str) -> tuple[list[str], list[str]]:
    """(laws violated, laws applied) from `CF_YJ` (违反了《…》…的规定，依据《…》…的规定)."""
    clauses = [c for c in _CLAUSE.split(basis) if c.strip()]
    return (_laws([c for c in clauses if "违反" in c]), _laws([c for c in clauses if "违反" not in c]))


def parse_penalty(row: dict[str, Any], lookups: dict[str, dict[str, Any]]) -> Parsed:
    """One `entity` of the 行政处罚 category → `penalty` fields, aligned with the decision parsers'.

    `lookups`: `penalty_types` (CF_CFLB category → list of our penalty type codes) and `party_types`
    (CF_XDR_LB → organisation | individual_business | individual), from the source's YAML.
    """
    number = _text(row, "CF_WSH")
    party = _text(row, "CF_XDR_MC", required=True)
    code = _text(row, "CF_XDR_SHXYM")
    unknown_labels: list[str] = []
    party_label = _text(row, "CF_XDR_LB")
    party_type = lookups["party_types"].get(party_label) if party_label is not None else None
    if party_label is not None and party_type is None:
        unknown_labels.append(f"CF_XDR_LB {party_label}")
    penalty_types: list[str] = []
    for label in _CATEGORY_SEPARATOR.split(_text(row, "CF_CFLB") or ""):
        label = label.strip()
        if not label:
            continue
        codes = lookups["penalty_types"].get(label)
        if codes is None:
            unknown_labels.append(f"CF_CFLB {label}")
            continue
        penalty_types.extend(c for c in codes if c not in penalty_types)
    basis = _text(row, "CF_YJ") or ""
    laws_violated, laws_applied = _laws_split(basis)
    fields = {
        "decision_number": number,
        "decision_number_norm": normalise_number(number) if number is not None else None,
        "party": party,
        "party_type": party_type,
        "uscc": code,
        "uscc_masked": code is not None and uscc.is_masked(uscc.compact(code)),
        # Only an organisation's legal representative is published information about the party.
        "legal_representative": _text(row, "CF_FRDB") if party_type == "organisation" else None,
        "authority": _text(row, "CF_CFJG", required=True),
        "authority_code": _text(row, "CF_CFJGDM"),
        "decision_date": _day(row, "CF_JDRQ", required=True),
        "fine_yuan": fine_in_yuan(row.get("CF_NR_FK")),
        "fine_text": _text(row, "CF_NR"),
        "penalty_types": penalty_types,
        "facts": _text(row, "CF_SY"),
        "violation_type": _text(row, "CF_WFXW"),
        "basis_text": basis or None,
        "laws_violated": laws_violated,
        "laws_applied": laws_applied,
        "valid_until": _day(row, "CF_YXQ"),
        "publicity_until": _day(row, "CF_GSJZQ"),
        "data_source": _text(row, "CF_SJLY"),
        "raw": {k: _plain(v) for k, v in row.items() if k.startswith("CF_")},
    }
    unknown = sorted(k for k in row if k not in USED and k not in KNOWN)
    return Parsed(fields, unknown, unknown_labels)


def check_lookups(lookups: dict[str, dict[str, Any]]) -> None:
    """The YAML lookups map onto our codes: penalty types of crawlers/helpers/penalty_types.yml."""
    ours = {code for _, code in penalty_type_labels()}
    for label, codes in lookups["penalty_types"].items():
        if not isinstance(codes, list) or not set(codes) <= ours:
            raise ValueError(f"lookups.penalty_types[{label!r}] = {codes!r}: codes must be among {sorted(ours)}")
    parties = {"organisation", "individual_business", "individual"}
    for label, code in lookups["party_types"].items():
        if code not in parties:
            raise ValueError(f"lookups.party_types[{label!r}] = {code!r}: must be one of {sorted(parties)}")


def record_key(fields: dict[str, Any]) -> str:
    """The normalised 文号; a record filed without one gets a hash of party, authority, date and content."""
    if fields["decision_number_norm"]:
        return str(fields["decision_number_norm"])
    parts = (fields["party"], fields["uscc"], fields["authority"], fields["decision_date"], fields["fine_text"])
    return "h" + hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Backoff:
    """Exponential back-off with equal jitter: attempt n waits between d/2 and d, d = min(cap, base·2ⁿ⁻¹)."""

    limit: int  # retries after the first attempt
    base_s: float
    max_s: float

    def delay(self, attempt: int, rng: random.Random) -> float:
        ceiling = min(self.max_s, self.base_s * 2 ** (attempt - 1))
        return ceiling / 2 + rng.uniform(0, ceiling / 2)


class CreditChinaSearchSpider(SourceSpider):
    """Base of spiders on one Credit China record category; a spider names itself and writes its YAML.

    YAML `config`: `keywords` / `live_keywords` (`world`, `warehouse` or a list), `retry: {limit,
    replay: {base_s, max_s}, live: {base_s, max_s}}`, and `lookups` at the top level for the labels.
    """

    record_type: ClassVar[str] = "行政处罚"
    record_kind: ClassVar[str] = "penalty"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rng = random.Random()
        self._seen: set[str] = set()
        self._reported: set[str] = set()

    # --- configuration ---

    @property
    def backoff(self) -> Backoff:
        retry = self.metadata["config"]["retry"]
        delays = retry["live" if self.live else "replay"]
        return Backoff(int(retry["limit"]), float(delays["base_s"]), float(delays["max_s"]))

    def keywords(self) -> list[str]:
        config = self.metadata["config"]
        setting = config.get("live_keywords", "warehouse") if self.live else config["keywords"]
        if isinstance(setting, list):
            return [str(k).strip() for k in setting if str(k).strip()]
        if setting == "world":
            if self.live:
                raise ValueError(f"{self.name}: keywords `world` name the replica's synthetic enterprises")
            from crawlers.replay import world

            return [e.name for e in world.enterprises()]
        if setting == "warehouse":
            return warehouse_keywords()
        raise ValueError(f"{self.name}: config keywords must be world, warehouse or a list, not {setting!r}")

    # --- requests ---

    async def start(self) -> AsyncIterator[scrapy.Request]:
        check_lookups(self.metadata["lookups"])
        window = float(self.incremental_setting("recheck_days"))
        for keyword in self.keywords():
            # Incremental: the API says nothing of changes; a keyword searched within the window is skipped.
            searched = self.state.fetched_at(self.page_request(keyword, 1).url) if self.incremental else None
            if self.wanted(seen=searched is not None and incremental.age_days(searched) < window, what="keyword"):
                yield self.page_request(keyword, 1)

    def page_request(self, keyword: str, page: int, attempt: int = 0) -> scrapy.Request:
        query = {"source": "", "type": self.record_type, "searchState": "1", "entityType": "1",
                 "scenes": "defaultscenario", "keyword": keyword, "page": str(page), "pageSize": str(PAGE_SIZE)}
        return scrapy.Request(
            f"{self.url(RECORDS_PATH)}?{urlencode(query)}",
            headers=HEADERS,
            callback=self.parse_page,
            errback=self.page_failed,
            cb_kwargs={"keyword": keyword, "page": page},
            # Our back-off, not RetryMiddleware's immediate resend; 412 and 5xx reach the callback.
            meta={"attempt": attempt, "dont_retry": True, "handle_httpstatus_list": list(RETRY_STATUSES)},
            dont_filter=attempt > 0,
        )

    async def _again(self, request: scrapy.Request, keyword: str, page: int, reason: str) -> scrapy.Request | None:
        """The same request after a back-off delay; None (and a reported gap) when the retries are spent."""
        attempt = int(request.meta.get("attempt", 0)) + 1
        backoff = self.backoff
        if attempt > backoff.limit:
            self.report_error(
                "gap", request.url,
                f"keyword {keyword!r} page {page}: still refused after {attempt} attempts ({reason}); "
                "its records are missing from this crawl",
            )
            return None
        delay = backoff.delay(attempt, self._rng)
        self.logger.info("%s: %s; retry %d of %d in %.2f s", self.name, reason, attempt, backoff.limit, delay)
        await asyncio.sleep(delay)
        return self.page_request(keyword, page, attempt)

    # --- callbacks ---

    async def parse_page(self, response: Response, keyword: str, page: int) -> AsyncIterator[Any]:
        try:
            result = parse_envelope(response.status, response.body)
        except Refused as exc:
            again = await self._again(response.request, keyword, page, str(exc))  # type: ignore[arg-type]
            if again is not None:
                yield again
            return
        except EnvelopeError as exc:
            raise EnvelopeError(f"keyword {keyword!r} page {page}: {exc}") from exc
        if result.page != page:
            raise EnvelopeError(f"keyword {keyword!r}: asked for page {page}, got page {result.page}")
        if page == 1:
            # Incremental: newest first; the later pages only when page 1 brought something new.
            later_pages = range(2, result.pages + 1)
            if self.incremental and all(self.is_known(record_key(fields)) for fields in self._keys(result.rows)):
                later_pages = range(0)
            for later in later_pages:
                yield self.page_request(keyword, later)
        lookups = self.metadata["lookups"]
        for n, row in enumerate(result.rows):
            try:
                parsed = parse_penalty(row, lookups)
            except RowError as exc:
                self.report_error("invalid_row", response.url, f"keyword {keyword!r} page {page} row {n}: {exc}")
                continue
            for note in [f"field {name}" for name in parsed.unknown_fields] + parsed.unknown_labels:
                if note not in self._reported:
                    self._reported.add(note)
                    self.report_error("unknown_value", response.url, f"{note} is new: add it to the YAML lookups")
            key = record_key(parsed.fields)
            if key in self._seen:
                continue  # found again under another keyword (a name and a code of one party)
            self._seen.add(key)
            yield self.record(response, self.record_kind, key, parsed.fields)

    def _keys(self, rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The fields of the rows that parse (for their record keys)."""
        for row in rows:
            try:
                yield parse_penalty(row, self.metadata["lookups"]).fields
            except RowError:
                continue

    async def page_failed(self, failure: Failure) -> AsyncIterator[scrapy.Request]:
        """A download error is retried like a refusal; any other HTTP status loses the page (a gap)."""
        request: scrapy.Request = failure.request  # type: ignore[attr-defined]
        keyword, page = request.cb_kwargs["keyword"], request.cb_kwargs["page"]
        if self.unchanged(failure):
            return
        if failure.check(HttpError):
            status = failure.value.response.status  # type: ignore[attr-defined]
            self.report_error("gap", request.url, f"keyword {keyword!r} page {page}: HTTP {status}")
            return
        again = await self._again(request, keyword, page, repr(failure.value))
        if again is not None:
            yield again


def warehouse_keywords() -> list[str]:
    """The USCCs of the enterprises in the warehouse (`marts.enterprises`), for a live crawl."""
    import duckdb

    path = paths.warehouse_path()
    if not path.exists():
        raise ValueError(f"no warehouse at {path}: crawl and load the other sources first, or list keywords")
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute("SELECT uscc FROM marts.enterprises ORDER BY uscc").fetchall()
    finally:
        con.close()
    return [str(uscc_) for (uscc_,) in rows]
