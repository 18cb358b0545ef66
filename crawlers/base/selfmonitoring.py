"""`SelfMonitoringTableSpider`: a provincial self-monitoring disclosure platform (自行监测信息公开平台).

Such platforms publish, per key discharger (重点排污单位) and day, the table HJ 819-2017 asks for: one row per
outlet, time and pollutant, with the limit, whether it was met, the exceedance multiple, automatic or
manual, the flow and a remark (停产, 故障). The crawl: the paged enterprise list → a `monitoring_site` record
per enterprise → for each day, the enterprise's paged day table → a `selfmonitoring_value` record per row.

Parsing is strict: the table header must be the expected one (a changed layout is a crash), every cell is
popped, and a row that contradicts itself (超标倍数 disagreeing with (监测值 − 标准限值)/标准限值, 是否达标
disagreeing with the value) is reported in the crawl report and kept as printed, never silently fixed.
Labels (排放方式, 是否达标, outlet-code prefixes) map through the YAML `lookups`; pollutant names map to
HJ 212-2017 codes through `crawlers/helpers/pollutants.yml`.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import scrapy
from scrapy.http import Response

from crawlers.base import SourceSpider
from crawlers.helpers import pollutants

CHINA_TZ = timezone(timedelta(hours=8))
LIST_COLUMNS = ("序号", "企业名称", "统一社会信用代码", "排污许可证编号", "所属地区", "行业类别", "监测数据")
DAY_COLUMNS = ("企业名称", "监测点位", "监测时间", "监测项目", "监测值", "单位", "标准限值", "是否达标", "超标倍数",
               "排放方式", "烟气/废水流量(m³/h)", "备注")
EMPTY_MARKS = frozenset({"", "/", "—", "-", "--"})
_PAGER = re.compile(r"共\s*(?P<total>\d+)\s*条记录，第\s*(?P<page>\d+)\s*/\s*(?P<pages>\d+)\s*页")
_POINT = re.compile(r"^(?P<name>.+?)[（(](?P<code>D[A-Z]\d{3})[)）]$")
_TIME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2}) (?P<clock>\d{2}:\d{2})$")
_RANGE = re.compile(r"^(?P<low>\d+(?:\.\d+)?)\s*[~～-]\s*(?P<high>\d+(?:\.\d+)?)$")
_SPACES = re.compile(r"\s+")


class LayoutError(ValueError):
    """The page is not laid out as the platform lays it out: the crawler needs attention."""


class RowError(ValueError):
    """One row cannot be read; the rest of the page still can."""


@dataclass(frozen=True)
class Pager:
    total: int
    page: int
    pages: int


@dataclass
class DayPage:
    header: dict[str, str]  # 企业名称, 统一社会信用代码, 排污许可证编号, 监测日期
    rows: list[dict[str, str]]
    pager: Pager
    banner: bool  # the required 「…未经环境保护主管部门审核。」 disclaimer is on the page


@dataclass
class ParsedRow:
    fields: dict[str, Any]
    problems: list[str] = field(default_factory=list)  # contradictions and unknown labels, for the report


def _text(cell: scrapy.Selector) -> str:
    return _SPACES.sub(" ", "".join(cell.xpath(".//text()").getall())).strip()


def _said(selector: scrapy.Selector) -> str:
    """The platform's own error message (参数错误…), to quote in a LayoutError."""
    said = " ".join(_text(div) for div in selector.xpath("//div[@class='error']"))
    return f" (the page says {said!r})" if said else ""


def parse_pager(text: str) -> Pager:
    match = _PAGER.search(text)
    if match is None:
        raise LayoutError("no pager 「共 N 条记录，第 p/P 页」 on the page")
    pager = Pager(int(match["total"]), int(match["page"]), int(match["pages"]))
    if not 1 <= pager.page <= pager.pages:
        raise LayoutError(f"pager says page {pager.page} of {pager.pages}")
    return pager


def _table(text: str, table_id: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    """The rows of table `#table_id` as dicts keyed by its header; a different header is a LayoutError."""
    selector = scrapy.Selector(text=text)
    tables = selector.xpath(f"//table[@id='{table_id}']")
    if len(tables) != 1:
        raise LayoutError(f"expected one table #{table_id}, found {len(tables)}{_said(selector)}")
    header = tuple(_text(th) for th in tables[0].xpath("./thead/tr/th"))
    if header != columns:
        raise LayoutError(f"table #{table_id} has columns {header}, expected {columns}")
    rows = []
    for tr in tables[0].xpath("./tbody/tr"):
        cells = tr.xpath("./td")
        if len(cells) == 1 and _text(cells[0]) == "暂无数据":
            continue
        if len(cells) != len(columns):
            raise LayoutError(f"a row of #{table_id} has {len(cells)} cells, expected {len(columns)}")
        row = dict(zip(columns, (_text(c) for c in cells), strict=True))
        links = tr.xpath("./td/a/@href").getall()
        if links:
            row["_links"] = " ".join(links)
        rows.append(row)
    return rows


def parse_enterprise_list(text: str) -> tuple[list[dict[str, Any]], Pager]:
    """The enterprise list → monitoring_site fields (with the platform's enterprise id) and the pager."""
    out = []
    for row in _table(text, "qyTable", LIST_COLUMNS):
        link = row.pop("_links", "")
        ent = parse_qs(urlsplit(link).query).get("ent", [""])[0]
        if not ent:
            raise LayoutError(f"enterprise row without an ent= link: {row}")
        row.pop("序号")
        row.pop("监测数据")
        out.append({
            "enterprise_id": ent,
            "enterprise_name": row.pop("企业名称"),
            "uscc": row.pop("统一社会信用代码") or None,
            "permit_number": row.pop("排污许可证编号") or None,
            "region": row.pop("所属地区") or None,
            "industry": row.pop("行业类别") or None,
        })
        assert not row, f"unread list cells {row}"
    return out, parse_pager(text)


def parse_day_page(text: str) -> DayPage:
    selector = scrapy.Selector(text=text)
    header: dict[str, str] = {}
    info = selector.xpath("//table[@id='qyxx']//tr")
    if not info:
        raise LayoutError(f"no enterprise header table #qyxx{_said(selector)}")
    for tr in info:
        cells = [_text(c) for c in tr.xpath("./th|./td")]
        header.update(zip(cells[::2], cells[1::2], strict=True))
    rows = _table(text, "jcsjTable", DAY_COLUMNS)
    banner = "未经环境保护主管部门审核" in _text(selector.xpath("//body")[0])
    return DayPage(header, rows, parse_pager(text), banner)


def _number(text: str, what: str) -> float | None:
    if text in EMPTY_MARKS:
        return None
    try:
        return float(text)
    except ValueError:
        raise RowError(f"{what} {text!r} is not a number") from None


def _decimals(text: str) -> int:
    return len(text.partition(".")[2])


def _lookup(lookups: dict[str, dict[str, Any]], table: str, label: str, problems: list[str]) -> Any:
    mapping = lookups[table]
    if label not in mapping:
        problems.append(f"unknown {table} {label!r}")
        return None
    return mapping[label]


def parse_value_row(row: dict[str, str], lookups: dict[str, dict[str, Any]]) -> ParsedRow:
    """One day-table row → selfmonitoring_value fields; contradictions go to `problems`, values stay as printed."""
    rest = dict(row)
    problems: list[str] = []
    point = _POINT.match(rest.pop("监测点位"))
    if point is None:
        raise RowError(f"监测点位 {row['监测点位']!r} is not 「name(DA001)」")
    when = _TIME.match(rest.pop("监测时间"))
    if when is None:
        raise RowError(f"监测时间 {row['监测时间']!r} is not 「yyyy-MM-dd HH:mm」")
    name = rest.pop("监测项目")
    code = pollutants.code_for_name(name)
    if code is None:
        problems.append(f"unknown pollutant {name!r}")
    value_text = rest.pop("监测值")
    value = _number(value_text, "监测值")
    limit_text = rest.pop("标准限值")
    limit_lower: float | None = None
    range_match = _RANGE.match(limit_text)
    if range_match:
        limit_lower, limit = float(range_match["low"]), float(range_match["high"])
    else:
        limit = _number(limit_text, "标准限值")
    compliant_text = rest.pop("是否达标")
    compliant = _lookup(lookups, "compliant", compliant_text, problems)
    multiple_text = rest.pop("超标倍数")
    multiple = _number(multiple_text, "超标倍数")
    fields: dict[str, Any] = {
        "enterprise_name": rest.pop("企业名称"),
        "outlet_code": point["code"],
        "outlet_name": point["name"],
        "medium": _lookup(lookups, "outlet_prefix", point["code"][:2], problems),
        "measured_at": f"{when['date']}T{when['clock']}:00",
        "pollutant_name": name,
        "pollutant_code": code,
        "value": value,
        "unit": rest.pop("单位") or None,
        "limit_value": limit,
        "limit_lower": limit_lower,
        "compliant": compliant,
        "exceedance_multiple": multiple,
        "mode": _lookup(lookups, "mode", rest.pop("排放方式"), problems),
        "flow": _number(rest.pop("烟气/废水流量(m³/h)"), "流量"),
        "remark": rest.pop("备注") or None,
    }
    if rest:
        raise RowError(f"unread cells {sorted(rest)}")
    problems += _contradictions(value, limit, limit_lower, compliant, multiple, multiple_text)
    return ParsedRow(fields, problems)


def _contradictions(value: float | None, limit: float | None, lower: float | None, compliant: bool | None,
                    multiple: float | None, multiple_text: str) -> list[str]:
    if value is None:
        return [] if multiple is None else [f"超标倍数 {multiple_text} without a value"]
    if limit is None:
        return [] if multiple is None else [f"超标倍数 {multiple_text} without a limit"]
    over = value > limit or (lower is not None and value < lower)
    problems = []
    if compliant is not None and compliant == over:
        problems.append(f"是否达标 says {'达标' if compliant else '超标'} for {value:g} against {limit:g}")
    if lower is not None:
        # A range limit (pH) has no exceedance multiple.
        return problems + ([f"超标倍数 {multiple_text} for a range limit"] if multiple is not None else [])
    if multiple is None:
        return problems + ([f"no 超标倍数 for {value:g} over {limit:g}"] if over else [])
    expected = (value - limit) / limit if limit else float("inf")
    tolerance = 0.5 * 10 ** -_decimals(multiple_text) + 1e-9
    if abs(multiple - expected) > tolerance:
        problems.append(f"超标倍数 {multiple_text} disagrees with ({value:g} − {limit:g}) / {limit:g} = {expected:.4f}")
    return problems


def day_range(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    if end < start:
        raise ValueError(f"config days: {last} is before {first}")
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


class SelfMonitoringTableSpider(SourceSpider):
    """Base of spiders on a self-monitoring disclosure platform; a spider names itself and writes its YAML.

    YAML: `data.endpoints.list` / `data.endpoints.day` (paths), `lookups` (compliant, mode, outlet_prefix),
    `config.days` (first/last, the days crawled against the replica; a live crawl takes yesterday, China
    time, the last complete day).
    """

    def days(self) -> list[date]:
        if self.live:
            return [datetime.now(UTC).astimezone(CHINA_TZ).date() - timedelta(days=1)]
        days = self.metadata["config"]["days"]
        return day_range(str(days["first"]), str(days["last"]))

    @cached_property
    def days_known(self) -> set[tuple[str, str]]:
        """(enterprise id, ISO day) of the values already loaded."""
        return {(str(ent), str(at)[:10]) for ent, at in self.known("selfmonitoring_value", "enterprise_id",
                                                                      "measured_at")}

    def list_url(self, page: int) -> str:
        return self.url(f"{self.metadata['data']['endpoints']['list']}?{urlencode({'page': page})}")

    def day_url(self, ent: str, day: date, page: int) -> str:
        query = urlencode({"ent": ent, "date": day.isoformat(), "page": page})
        return self.url(f"{self.metadata['data']['endpoints']['day']}?{query}")

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.list_url(1), callback=self.parse_list, cb_kwargs={"page": 1},
                             meta={"conditional": False})

    def parse_list(self, response: Response, page: int) -> Iterator[Any]:
        sites, pager = parse_enterprise_list(self.decode(response))
        if pager.page != page:
            raise LayoutError(f"{response.url}: pager says page {pager.page}, expected {page}")
        if page == 1:
            for number in range(2, pager.pages + 1):
                yield scrapy.Request(self.list_url(number), callback=self.parse_list, cb_kwargs={"page": number},
                                     meta={"conditional": False})  # the days below are wanted every time
        days = self.days()
        recent = self.recent(days)
        for site in sites:
            ent = site["enterprise_id"]
            yield self.record(response, "monitoring_site", ent, site)
            for day in days:
                # Incremental: a day already loaded is skipped, unless recent (the platform revises those).
                if day not in recent and not self.wanted(seen=(ent, day.isoformat()) in self.days_known,
                                                         what="day"):
                    continue
                yield scrapy.Request(self.day_url(ent, day, 1), callback=self.parse_day,
                                     cb_kwargs={"site": site, "day": day, "page": 1})

    def parse_day(self, response: Response, site: dict[str, Any], day: date, page: int) -> Iterator[Any]:
        parsed = parse_day_page(self.decode(response))
        if parsed.pager.page != page:
            raise LayoutError(f"{response.url}: pager says page {parsed.pager.page}, expected {page}")
        if page == 1:
            if not parsed.banner:
                self.report_error("no_disclaimer", response.url, "the 未经…审核 disclaimer is missing")
            for number in range(2, parsed.pager.pages + 1):
                yield scrapy.Request(self.day_url(site["enterprise_id"], day, number), callback=self.parse_day,
                                     cb_kwargs={"site": site, "day": day, "page": number})
        name = parsed.header.get("企业名称")
        if name != site["enterprise_name"] or parsed.header.get("监测日期") != day.isoformat():
            self.report_error("invalid_page", response.url,
                              f"page is for {name} on {parsed.header.get('监测日期')}, asked {day}")
            return
        uscc = parsed.header.get("统一社会信用代码") or None
        lookups = self.metadata["lookups"]
        for number, row in enumerate(parsed.rows, 1):
            try:
                result = parse_value_row(row, lookups)
            except RowError as exc:
                self.report_error("invalid_row", response.url, f"row {number}: {exc}")
                continue
            fields = result.fields
            key = (f"{site['enterprise_id']}:{fields['outlet_code']}:"
                   f"{fields['pollutant_code'] or fields['pollutant_name']}:{fields['measured_at']}")
            record_id = f"{self.name}:{key}"
            for problem in result.problems:
                self.report_error("inconsistent_row", response.url, problem, record_id)
            if fields["enterprise_name"] != name:
                self.report_error("inconsistent_row", response.url, f"row names {fields['enterprise_name']}",
                                  record_id)
            if not fields["measured_at"].startswith(day.isoformat()):
                self.report_error("invalid_row", response.url, f"row of {fields['measured_at']} on {day}",
                                  record_id)
                continue
            fields = {"enterprise_id": site["enterprise_id"], "uscc": uscc, **fields}
            yield self.record(response, "selfmonitoring_value", key, fields)
