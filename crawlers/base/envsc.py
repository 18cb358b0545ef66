"""`EnvscSignedJsonSpider`: the MEE platform for the automatic monitoring data of waste incineration plants.

生活垃圾焚烧发电厂自动监测数据公开平台 (`ljgk.envsc.cn`) serves its data from three GET endpoints that
answer JSON, each call signed with `SystemType`, `sgn`, `ts` and `tc` query parameters that only the
platform page's JavaScript can make (the secret is assembled by the script at run time). So the crawl:

1. opens the platform page in Chromium (scrapy-playwright, `playwright_include_page`) and keeps the page;
2. asks the page for a signature (`signParams()`), again whenever the one in hand is five minutes old
   (the platform refuses a `ts` older than ten minutes) or a call is refused, so a slow, polite live
   crawl keeps working;
3. requests, as plain HTTP: the plant list → the outlets of each plant → the daily values of each outlet
   per day. The days of one outlet are requested one after the other (each request made, and signed,
   when the previous one is answered), so no request waits in the queue with an old signature;
4. closes the page when no request needs signing any more.

Envelope: `{"status": 1, "msg": ..., "data": [rows]}`; `status` -1 is a refusal (bad or expired
signature), anything else is reported. Rows are parsed strictly by the module-level functions below: a
missing field is an error for that row (reported, the crawl goes on); a field we neither use nor know is
reported once per record kind. Personal fields the platform publishes (legal representative, environment
contact, phone numbers) are known and deliberately not kept.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cached_property
from typing import Any, ClassVar, NamedTuple
from urllib.parse import parse_qs, urlencode, urlsplit

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlers.base import SourceSpider

# Ask the page for a new signature when the one in hand is this old (the platform allows 10 minutes).
RESIGN_AFTER_S = 300.0
CHINA_TZ = timezone(timedelta(hours=8))  # no daylight saving time in China

PLANT_LIST = "/OutInterface/GetPSList.ashx"
OUTLET_LIST = "/OutInterface/GetBurnList.ashx"
DAY_VALUES = "/OutInterface/GetMonitorDataList.ashx"

# The platform's ids: 32 upper-case hex digits, a few 80.
HEX_ID = re.compile(r"^[0-9A-F]{32}(?:[0-9A-F]{48})?$")
DAY_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
DAY_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
CODE = re.compile(r"^\d{3}$")

# HJ 212-2005 air pollutant codes the platform publishes.
POLLUTANTS = {"001": "颗粒物", "002": "二氧化硫", "003": "氮氧化物", "004": "一氧化碳", "008": "氯化氢"}


class EnvelopeError(ValueError):
    """A response that is not the platform's JSON envelope, or has a status we do not know."""


class Refused(EnvelopeError):
    """The platform's refusal (`status` -1): a missing, wrong or expired signature."""


class RowError(ValueError):
    """A row without a field we need, or with a value of the wrong shape."""


class Parsed(NamedTuple):
    fields: dict[str, Any]
    unknown: list[str]  # fields of the row we neither use nor know


def parse_envelope(text: str) -> list[dict[str, Any]]:
    """The rows of a platform answer; raises `Refused` or `EnvelopeError`."""
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EnvelopeError(f"not JSON: {exc}") from exc
    if not isinstance(payload, dict) or "status" not in payload:
        raise EnvelopeError(f"unknown envelope: {text[:200]!r}")
    extra = sorted(set(payload) - {"status", "msg", "data"})
    if extra:
        raise EnvelopeError(f"unknown envelope keys {extra}")
    status, msg = payload["status"], payload.get("msg")
    if status == -1:
        raise Refused(f"refused: {msg}")
    if status != 1:
        raise EnvelopeError(f"status {status!r}: {msg!r}")
    data = payload.get("data")
    if not isinstance(data, list) or not all(isinstance(row, dict) for row in data):
        raise EnvelopeError(f"data is not a list of objects: {str(data)[:200]!r}")
    return data


# --- value converters: each takes the raw JSON value and raises RowError on a shape it does not expect ---


def _hex_id(value: Any) -> str:
    if not isinstance(value, str) or not HEX_ID.match(value.strip()):
        raise RowError(f"not a platform id: {value!r}")
    return value.strip()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise RowError(f"not text: {value!r}")
    return value.strip()


def _number(value: Any) -> float | None:
    """A number published as a JSON number or string; "" and null are None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise RowError(f"not a number: {value!r}")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError as exc:
            raise RowError(f"not a number: {value!r}") from exc
    raise RowError(f"not a number: {value!r}")


def _integer(value: Any) -> int | None:
    number = _number(value)
    if number is None:
        return None
    if not number.is_integer():
        raise RowError(f"not an integer: {value!r}")
    return int(number)


def _flag(value: Any) -> str:
    """A status flag ("0", "1"), published as a string or a number."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RowError(f"not a status flag: {value!r}")
    return str(value).strip()


def _pollutant_code(value: Any) -> str:
    text = f"{value:03d}" if isinstance(value, int) and not isinstance(value, bool) else _text(value)
    if not CODE.match(text):
        raise RowError(f"not a pollutant code: {value!r}")
    return text


def iso_day(value: Any) -> str:
    """`20261001` or `2026-10-01` → `2026-10-01`."""
    text = _text(value)
    match = DAY_COMPACT.match(text) or DAY_ISO.match(text)
    if not match:
        raise RowError(f"not a day: {value!r}")
    try:
        return date(*map(int, match.groups())).isoformat()
    except ValueError as exc:
        raise RowError(f"not a day: {value!r}") from exc


Spec = tuple[tuple[str, Callable[[Any], Any]], ...]

PLANT_FIELDS: Spec = (
    ("ps_code", _hex_id),
    ("ps_name", _text),
    ("credit_code", _text),
    ("region_name", _text),
    ("fullregion_name", _text),
    ("address", _text),
    ("longitude", _number),
    ("latitude", _number),
    ("burn_ability", _text),
    ("electric_power", _text),
    ("boiler_num", _integer),
)
# Known and not kept: internal ids and timestamps, and the personal fields (法人代表, 环保负责人, 联系方式).
PLANT_IGNORED = frozenset(
    {
        "region_code",
        "manufacture_date",
        "data_status",
        "create_time",
        "update_time",
        "token_id",
        "error_web",
        "afgroup_code",
        "corporation_name",
        "environment_principal",
        "link_info",
    }
)
OUTLET_FIELDS: Spec = (
    ("ps_code", _hex_id),
    ("mp_code", _hex_id),
    ("mp_name", _text),
    ("boiler_name", _text),
    ("boiler_type", _text),
    ("burn_ability", _text),
    ("stopopen_status", _flag),
)
OUTLET_IGNORED = frozenset(
    {
        "creater_time",
        "data_status",
        "open_time",
        "create_time",
        "update_time",
        "stopopen_time",
        "stopopen_reason",
        "success_time",
    }
)
VALUE_FIELDS: Spec = (
    ("ps_code", _hex_id),
    ("mp_code", _hex_id),
    ("day", iso_day),
    ("monitor_time", _text),
    ("pollutant_code", _pollutant_code),
    ("pollutant_name", _text),
    ("strength", _number),
    ("standard_value", _number),
    ("remark", _text),
    ("status", _flag),
    ("data_status", _flag),
)
VALUE_IGNORED = frozenset({"create_time", "update_time"})


def _take(row: dict[str, Any], spec: Spec, ignored: frozenset[str]) -> Parsed:
    rest = dict(row)
    fields: dict[str, Any] = {}
    for name, convert in spec:
        if name not in rest:
            raise RowError(f"missing field {name!r}")
        try:
            fields[name] = convert(rest.pop(name))
        except RowError as exc:
            raise RowError(f"{name}: {exc}") from exc
    return Parsed(fields, sorted(set(rest) - ignored))


def parse_plant(row: dict[str, Any]) -> Parsed:
    """A GetPSList row → `plant` fields (burn_ability and electric_power kept as published, `600t/d`)."""
    return _take(row, PLANT_FIELDS, PLANT_IGNORED)


def parse_outlet(row: dict[str, Any]) -> Parsed:
    """A GetBurnList row → `outlet` fields (stopopen_status "1" = furnace out of service, else "")."""
    return _take(row, OUTLET_FIELDS, OUTLET_IGNORED)


def parse_value(row: dict[str, Any]) -> Parsed:
    """A GetMonitorDataList row → `monitoring_value` fields; `day` as an ISO date, numbers as floats."""
    return _take(row, VALUE_FIELDS, VALUE_IGNORED)


def day_range(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    if end < start:
        raise ValueError(f"config days: {last} is before {first}")
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


class EnvscSignedJsonSpider(SourceSpider):
    """Base of spiders on the incineration platform; a spider only names itself and writes its YAML.

    YAML `config: {days: {first: ISO, last: ISO}}` are the days crawled against the replica; a live crawl
    takes yesterday (China time), the last complete day the platform publishes.
    """

    page_path: ClassVar[str] = "/"
    sign_expression: ClassVar[str] = "() => signParams()"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._page: Any = None  # playwright.async_api.Page while signatures may be needed
        self._signature: dict[str, str] = {}
        self._signed_at = 0.0
        self._holds = 0  # pending responses and outlet day-chains that will still need a signature
        self._unknown_reported: set[tuple[str, str]] = set()
        self._closing: asyncio.Future[None] | None = None
        self.crawl_days: list[date] = []

    # --- days ---

    def days(self) -> list[date]:
        if self.live:
            return [datetime.now(UTC).astimezone(CHINA_TZ).date() - timedelta(days=1)]
        days = self.metadata["config"]["days"]
        return day_range(str(days["first"]), str(days["last"]))

    @cached_property
    def days_known(self) -> set[tuple[str, str, str]]:
        """(ps_code, mp_code, ISO day) of the daily values already loaded, and of the days already answered
        without values (an outlet that did not run)."""
        known = {(str(ps), str(mp), str(day)) for ps, mp, day in self.known("monitoring_value", "ps_code",
                                                                              "mp_code", "day")}
        for query in self.state.fetched_queries(DAY_VALUES):
            day = query.get("day", "")
            if len(day) == 8 and day.isdigit():
                known.add((query.get("pscode", ""), query.get("outputcode", ""), f"{day[:4]}-{day[4:6]}-{day[6:]}"))
        return known

    def next_day(self, ps_code: str, mp_code: str, index: int) -> int | None:
        """The first of `crawl_days` from `index` on still to fetch for an outlet, or None. Incremental: days
        already loaded are skipped, except the last `incremental.recheck_days` (the platform revises them)."""
        recent = self.recent(self.crawl_days)
        for n in range(index, len(self.crawl_days)):
            day = self.crawl_days[n]
            if day in recent or self.wanted(seen=(ps_code, mp_code, day.isoformat()) in self.days_known, what="day"):
                return n
        return None

    # --- signing through the platform page ---

    async def start(self) -> AsyncIterator[scrapy.Request]:
        self.crawl_days = self.days()
        yield scrapy.Request(
            self.url(self.page_path),
            callback=self.parse_platform_page,
            errback=self.platform_page_failed,
            meta={"playwright": True, "playwright_include_page": True},
            dont_filter=True,
        )

    async def _resign(self) -> dict[str, str]:
        if self._page is None:
            raise RuntimeError("the platform page is closed: no signature can be made")
        signature = await self._page.evaluate(self.sign_expression)
        if not isinstance(signature, dict) or set(signature) != {"SystemType", "sgn", "ts", "tc"}:
            raise EnvelopeError(f"the page's signParams() returned {signature!r}")
        self._signature = {k: str(v) for k, v in signature.items()}
        self._signed_at = time.monotonic()
        return self._signature

    async def signature(self, force: bool = False) -> dict[str, str]:
        """The signature parameters, from the page again when they are old (or `force`)."""
        if force or not self._signature or time.monotonic() - self._signed_at > RESIGN_AFTER_S:
            return await self._resign()
        return self._signature

    def signed_url(self, path: str, params: dict[str, str], signature: dict[str, str]) -> str:
        return f"{self.url(path)}?{urlencode({**params, **signature})}"

    def _hold(self, n: int = 1) -> None:
        self._holds += n

    def _release(self) -> None:
        self._holds -= 1
        if self._holds <= 0:
            self._close_page()

    def _close_page(self, page: Any = None) -> None:
        """Close the platform page (ours, or the one a failed request left open) without waiting for it."""
        page, self._page = page or self._page, None
        if page is not None:
            self._closing = asyncio.ensure_future(page.close())

    async def parse_platform_page(self, response: Response) -> AsyncIterator[scrapy.Request]:
        self._page = response.meta["playwright_page"]
        try:
            signature = await self.signature(force=True)
        except Exception as exc:  # a page without the signing script: nothing can be crawled
            self.report_error("signature", response.url, f"could not sign with the page's script: {exc!r}")
            self._close_page()
            return
        self._hold()
        yield self._plant_list_request(signature)

    def platform_page_failed(self, failure: Failure) -> None:
        self._close_page(failure.request.meta.get("playwright_page"))  # type: ignore[attr-defined]
        self.report_error("download", failure.request.url, f"platform page: {failure.value!r}")  # type: ignore[attr-defined]

    # --- requests ---

    def _plant_list_request(self, signature: dict[str, str], retried: bool = False) -> scrapy.Request:
        return scrapy.Request(
            self.signed_url(PLANT_LIST, {"regionCode": "0", "psname": ""}, signature),
            callback=self.parse_plants,
            errback=self.request_failed,
            meta={"retried": retried},
            dont_filter=retried,
        )

    def _outlet_list_request(self, ps_code: str, signature: dict[str, str], retried: bool = False) -> scrapy.Request:
        return scrapy.Request(
            self.signed_url(OUTLET_LIST, {"pscode": ps_code}, signature),
            callback=self.parse_outlets,
            errback=self.request_failed,
            cb_kwargs={"ps_code": ps_code},
            meta={"retried": retried},
            dont_filter=retried,
        )

    def _values_request(
        self, ps_code: str, mp_code: str, index: int, signature: dict[str, str], retried: bool = False
    ) -> scrapy.Request:
        day = self.crawl_days[index]
        return scrapy.Request(
            self.signed_url(
                DAY_VALUES, {"pscode": ps_code, "outputcode": mp_code, "day": day.strftime("%Y%m%d")}, signature
            ),
            callback=self.parse_values,
            errback=self.values_failed,
            cb_kwargs={"ps_code": ps_code, "mp_code": mp_code, "index": index},
            meta={"retried": retried},
            dont_filter=retried,
        )

    async def _rows(
        self, response: Response, again: Callable[[dict[str, str]], scrapy.Request]
    ) -> tuple[list[dict[str, Any]] | None, scrapy.Request | None]:
        """The rows of a response; or, on a first refusal, the same request signed anew; or (None, None)."""
        try:
            return parse_envelope(self.decode(response)), None
        except Refused as exc:
            if not response.meta.get("retried"):
                # Sign anew only if this request carried the newest signature; else the newest will do.
                used = parse_qs(urlsplit(response.url).query).get("ts", [""])[0]
                return None, again(await self.signature(force=used == self._signature.get("ts")))
            self.report_error("refused", response.url, str(exc))
        except (EnvelopeError, UnicodeDecodeError) as exc:
            self.report_error("envelope", response.url, str(exc))
        return None, None

    def _parse_rows(
        self, response: Response, kind: str, rows: list[dict[str, Any]], parse: Callable[[dict[str, Any]], Parsed]
    ) -> Iterator[dict[str, Any]]:
        """Parsed fields of each good row; bad rows and unknown fields go to the report."""
        for n, row in enumerate(rows):
            try:
                parsed = parse(row)
            except RowError as exc:
                self.report_error("invalid_row", response.url, f"{kind} row {n}: {exc}")
                continue
            for name in parsed.unknown:
                if (kind, name) not in self._unknown_reported:
                    self._unknown_reported.add((kind, name))
                    self.report_error("unknown_field", response.url, f"{kind} field {name!r} is new")
            yield parsed.fields

    # --- callbacks ---

    async def parse_plants(self, response: Response) -> AsyncIterator[Any]:
        rows, retry = await self._rows(response, lambda s: self._plant_list_request(s, retried=True))
        if retry is not None:
            yield retry
            return
        signature = await self.signature()
        for fields in self._parse_rows(response, "plant", rows or [], parse_plant):
            yield self.record(response, "plant", fields["ps_code"], fields)
            self._hold()
            yield self._outlet_list_request(fields["ps_code"], signature)
        self._release()

    async def parse_outlets(self, response: Response, ps_code: str) -> AsyncIterator[Any]:
        rows, retry = await self._rows(response, lambda s: self._outlet_list_request(ps_code, s, retried=True))
        if retry is not None:
            yield retry
            return
        signature = await self.signature()
        for fields in self._parse_rows(response, "outlet", rows or [], parse_outlet):
            if fields["ps_code"] != ps_code:
                self.report_error("invalid_row", response.url, f"outlet of {fields['ps_code']} under {ps_code}")
                continue
            yield self.record(response, "outlet", f"{ps_code}:{fields['mp_code']}", fields)
            first = self.next_day(ps_code, fields["mp_code"], 0)
            if first is not None:
                self._hold()
                yield self._values_request(ps_code, fields["mp_code"], first, signature)
        self._release()

    async def parse_values(self, response: Response, ps_code: str, mp_code: str, index: int) -> AsyncIterator[Any]:
        rows, retry = await self._rows(
            response, lambda s: self._values_request(ps_code, mp_code, index, s, retried=True)
        )
        if retry is not None:
            yield retry
            return
        day = self.crawl_days[index].isoformat()
        for fields in self._parse_rows(response, "monitoring_value", rows or [], parse_value):
            if (fields["ps_code"], fields["mp_code"], fields["day"]) != (ps_code, mp_code, day):
                self.report_error(
                    "invalid_row",
                    response.url,
                    f"value for {fields['mp_code']} on {fields['day']} in the answer for {day}",
                )
                continue
            if fields["pollutant_code"] not in POLLUTANTS:
                self.logger.warning(
                    "%s: unknown pollutant %s %s", self.name, fields["pollutant_code"], fields["pollutant_name"]
                )
            key = f"{ps_code}:{mp_code}:{day}:{fields['pollutant_code']}"
            yield self.record(response, "monitoring_value", key, fields)
        following = self.next_day(ps_code, mp_code, index + 1)
        if following is not None:
            yield self._values_request(ps_code, mp_code, following, await self.signature())
        else:
            self._release()

    def request_failed(self, failure: Failure) -> None:
        """A plant or outlet list that could not be fetched: its part of the crawl is lost (reported)."""
        request = failure.request  # type: ignore[attr-defined]
        self.report_error("download", request.url, repr(failure.value))
        self._release()

    def values_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        """A day that could not be fetched: report it and go on with the outlet's next day."""
        request = failure.request  # type: ignore[attr-defined]
        self.report_error("download", request.url, repr(failure.value))
        kw = request.cb_kwargs
        following = self.next_day(kw["ps_code"], kw["mp_code"], kw["index"] + 1)
        if following is not None:
            # The signature in hand; if it has aged out, the refusal makes the next callback re-sign.
            yield self._values_request(kw["ps_code"], kw["mp_code"], following, self._signature)
        else:
            self._release()
