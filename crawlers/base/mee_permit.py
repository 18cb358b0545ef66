"""`MeePermitSpider`: the national permit platform's public side (全国排污许可证管理信息平台 公开端).

The crawl, as the platform demands it (sources.md §1):

1. GET the portal, which sets the JSESSIONID the list pages expect (the cookie middleware keeps it).
2. GET page 1 of the permit list (or POST it, when the spider sets search filters).
3. POST pages 2..totalPages in order: each POST carries the `tempReportKey` that the previous page handed
   out, which opens the next page only. The chain cannot be parallelised.
4. GET the basic-info detail page of every permit; the list row rides along in `cb_kwargs`.
5. GET the permit's air (`approveAtmosphere_xkzgk`), water (`approveWater_xkzgk`) and other-content
   (`approveothercon_xkzgk`) tabs: outlets (HJ 608-2017 `DA001`/`DW001`) and their permitted limits.

`parse_list`, `parse_detail`, `parse_air_tab`, `parse_water_tab`, `parse_other_tab`, `parse_regions` and
`parse_industry_tree` are pure functions of the page text, so tests can feed them replica or saved pages.
They are strict: a missing table, a changed header or a cell in an unknown format raises a
`ValueError` that says what changed, instead of yielding half-filled records.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator
from datetime import date
from functools import cached_property
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from parsel import Selector, SelectorList
from scrapy.http import Response

from crawlers.base import SourceSpider

# The list's columns in the current (/perxxgkinfo/) version, mapped to our row keys; 查看 holds the link.
LIST_COLUMNS: dict[str, str] = {
    "省/直辖市": "province",
    "地市": "city",
    "许可证编号": "permit_number",
    "单位名称": "enterprise_name",
    "行业类别": "industry",
    "有效期限": "validity",
    "发证日期": "issued",
    "管理类别": "management",
    "查看": "detail_path",
}
# table.tab0 on the basic-info page: one header row, one value row.
TAB0_COLUMNS: dict[str, str] = {
    "许可证编号": "permit_number",
    "业务类型": "business_type",
    "版本": "version",
    "办结日期": "completed",
    "有效期限": "validity",
}
# th labels of table#apply_table, in the platform's order. A label outside this list is reported.
APPLY_LABELS = (
    "主要污染物类别",
    "大气主要污染物种类",
    "大气污染物排放规律",
    "大气污染物排放执行标准",
    "废水主要污染物种类",
    "废水污染物排放规律",
    "废水污染物排放执行标准",
    "排污权使用和交易信息",
)

# The air tab (sources.md §1.4): the first header row, then 第一年…第五年 under 许可年排放量限值(t/a).
YEARS = ("第一年", "第二年", "第三年", "第四年", "第五年")
ANNUAL = "许可年排放量限值(t/a)"
AIR_HEADER = ("排放口编号", "排放口名称", "污染物种类", "许可排放小时浓度限值", "许可排放日均浓度限值",
              "许可排放速率限值(kg/h)", ANNUAL, "承诺更加严格排放浓度限值")
AIR_CELLS = 12
# The water tab: 9 cells a row (排放口编号, 排放口名称, 污染物种类, 许可排放浓度限值, five years).
WATER_HEADER = ("排放口编号", "排放口名称", "污染物种类", "许可排放浓度限值", ANNUAL)
WATER_CELLS = 9
# table id → outlet type; both tables must be there, even when empty.
AIR_TABLES = {"grouptable": "main", "apply_table1": "general"}
WATER_TABLES = {"fswrwinfo1": "main", "fswrwinfo5": "general"}
# The 合计 row that closes each air table, and the plant total in table#totaltable.
AIR_TOTAL_LABELS = {"grouptable": "主要排放口合计", "apply_table1": "一般排放口合计",
                    "totaltable": "全厂有组织排放总计"}
# The breadcrumb (div.position) of each tab: it tells a tab from another, or from the error page.
POSITIONS = {"air": "当前位置:大气污染物排放信息审核", "water": "当前位置:水污染物排放信息审核",
             "other": "当前位置:其他许可内容审核"}
OUTLET_PREFIX = {"air": "DA", "water": "DW"}
# Units the platform glues to a concentration (`50mg/Nm3`), or prints alone in an empty unit cell.
LIMIT_UNITS = ("mg/Nm3", "mg/m3", "mg/L", "ng-TEQ/Nm3", "ng-TEQ/m3", "μg/Nm3", "μg/L")
VALUE_UNIT = re.compile(r"^(\d+(?:\.\d+)?)?(" + "|".join(map(re.escape, LIMIT_UNITS)) + r")?$")
NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
# Text limits kept only in limit_text: 林格曼黑度 `1级`, pH `6-9`.
GRADE = re.compile(r"^\d+级$")
RANGE = re.compile(r"^\d+(?:\.\d+)?\s*[-~～]\s*\d+(?:\.\d+)?$")
OUTLET_CODE = re.compile(r"^D[AW]\d{3}$")
# The industry tree answers JSON behind a `/**/` guard; a region code has 12 digits.
JSON_GUARD = re.compile(r"^\s*/\*\*/")
REGION_CODE = re.compile(r"^\d{12}$")
TREE_KEYS = ("id", "pId", "singlehyname", "isParent")

TOTAL_PAGES = re.compile(r"var\s+totalPages\s*=\s*(\d+)\s*;")
REPORT_KEY = re.compile(r"^[0-9a-fA-F]{32}$")
DATAID = re.compile(r"[?&]dataid=([0-9A-Za-z]+)")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
VALIDITY = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*至\s*(\d{4}-\d{2}-\d{2})$")
# The basic-info blob; the same shape real crawlers have parsed since 2018.
BLOB = re.compile(r"生产经营场所地址：(.*)行业类别：(.*)所在地区：(.*)发证机关：(.*)", re.S)
CATEGORY_CODES = re.compile(r"""spdataMap_zywrwlbid\s*=\s*["']([^"']*)["']""")
LIST_SEPARATORS = re.compile(r"[,，、;；]")
SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    """Collapse whitespace (including &nbsp;) and strip."""
    return SPACES.sub(" ", text.replace("\xa0", " ")).strip()


def _text(node: Selector | SelectorList[Selector]) -> str:
    return _clean("".join(node.xpath(".//text()").getall()))


def _rows(table: Selector) -> SelectorList[Selector]:
    # lxml does not invent <tbody>, but a saved or browser-serialised page may carry one.
    return table.xpath("./tr | ./tbody/tr | ./thead/tr")


def _iso_date(value: str, what: str) -> str:
    if not ISO_DATE.match(value):
        raise ValueError(f"{what} {value!r} is not a YYYY-MM-DD date: the date format changed")
    date.fromisoformat(value)  # raises on impossible dates such as 2024-02-30
    return value


def _validity(value: str, what: str) -> tuple[str, str]:
    match = VALIDITY.match(value)
    if match is None:
        raise ValueError(f"{what} {value!r} is not 'YYYY-MM-DD至YYYY-MM-DD': the format changed")
    return _iso_date(match[1], what), _iso_date(match[2], what)


def is_error_page(html: str) -> bool:
    """The platform's 错误 page: what it answers (status 200) to a broken key chain or an unknown id."""
    title = Selector(text=html).xpath("//title/text()").get()
    return title is not None and title.strip() == "错误"


def parse_list(html: str) -> tuple[list[dict[str, str]], int, str]:
    """One list page → (rows, totalPages, the tempReportKey that opens the next page).

    Each row has `province`, `city`, `permit_number`, `enterprise_name`, `industry`, `valid_from`,
    `valid_to`, `issued`, `management`, `detail_path` (root-relative) and `dataid`. Values come from the
    cells' `title` attributes, which carry the full text.
    """
    if is_error_page(html):
        raise ValueError("the platform answered its 错误 page instead of the permit list "
                         "(a POST without the previous page's tempReportKey, or a refused session)")
    sel = Selector(text=html)
    tables = sel.css("div.tb-con table")
    if len(tables) != 1:
        raise ValueError(f"expected one table in div.tb-con, found {len(tables)}: the list layout changed")
    trs = _rows(tables[0])
    if not trs:
        raise ValueError("the list table has no header row: the list layout changed")
    header = [_text(cell) for cell in trs[0].xpath("./th | ./td")]
    if header != list(LIST_COLUMNS):
        raise ValueError(f"list columns changed: expected {list(LIST_COLUMNS)}, found {header}")
    rows = []
    for number, tr in enumerate(trs[1:], start=2):
        cells = tr.xpath("./td")
        if len(cells) != len(LIST_COLUMNS):
            raise ValueError(f"list row {number} has {len(cells)} cells, expected {len(LIST_COLUMNS)}")
        row: dict[str, str] = {}
        for (label, key), cell in zip(LIST_COLUMNS.items(), cells, strict=True):
            if key == "detail_path":
                href = cell.xpath("./a/@href").get()
                if href is None:
                    raise ValueError(f"list row {number}: the 查看 cell has no link")
                row[key] = href.strip()
                continue
            title = cell.attrib.get("title")
            if title is None:
                raise ValueError(f"list row {number}: the {label} cell has no title attribute")
            row[key] = _clean(title)
        row["valid_from"], row["valid_to"] = _validity(row.pop("validity"), f"list row {number} 有效期限")
        _iso_date(row["issued"], f"list row {number} 发证日期")
        dataid = DATAID.search(row["detail_path"])
        if dataid is None:
            raise ValueError(f"list row {number}: detail link {row['detail_path']!r} has no dataid")
        row["dataid"] = dataid[1]
        rows.append(row)
    total = TOTAL_PAGES.search(html)
    if total is None:
        raise ValueError("the list page has no `var totalPages = N;`: the pager changed")
    key = sel.xpath('//input[@name="tempReportKey"]/@value').get()
    if key is None or not REPORT_KEY.match(key.strip()):
        raise ValueError(f"the list page has no 32-hex tempReportKey input (found {key!r}): "
                         "the paging changed")
    return rows, int(total[1]), key.strip()


def parse_detail(html: str) -> dict[str, Any]:
    """The basic-info tab (getxxgkContent) → its values.

    Keys: `enterprise_name`, `address`, `industry`, `region`, `authority`, `permit_number`,
    `business_type`, `version`, `completed` (办结日期), `valid_from`, `valid_to`, `apply` (every
    th → td of table#apply_table), `pollutant_categories` (主要污染物类别 as a list), `pollutant_codes`
    (`spdataMap_zywrwlbid` split on `@`), `longitude`, `latitude` (float, or None when left empty).
    """
    if is_error_page(html):
        raise ValueError("the platform answered its 错误 page instead of the permit's basic information")
    sel = Selector(text=html)
    out: dict[str, Any] = {}

    # The absolute XPaths that real crawlers use: the page layout is that stable, or they all break.
    names = sel.xpath("/html/body/div/table/tr[1]/td[1]/p")
    if len(names) != 1:
        raise ValueError(f"expected one 单位名称 at /html/body/div/table/tr[1]/td[1]/p, found {len(names)}")
    out["enterprise_name"] = _text(names[0])
    blobs = sel.xpath("/html/body/div/table/tr[2]/td[1]/p")
    blob = BLOB.search(_text(blobs[0])) if len(blobs) == 1 else None
    if blob is None:
        raise ValueError("the basic-info text at /html/body/div/table/tr[2]/td[1]/p no longer reads "
                         "生产经营场所地址：… 行业类别：… 所在地区：… 发证机关：…")
    out["address"], out["industry"], out["region"], out["authority"] = (_clean(g) for g in blob.groups())

    tab0 = sel.css("table.tab0")
    if len(tab0) != 1:
        raise ValueError(f"expected one table.tab0 (许可证编号 | 业务类型 | …), found {len(tab0)}")
    trs = _rows(tab0[0])
    header = [_text(cell) for cell in trs[0].xpath("./th | ./td")] if trs else []
    if header != list(TAB0_COLUMNS) or len(trs) < 2:
        raise ValueError(f"table.tab0 changed: expected {list(TAB0_COLUMNS)} and a value row, found {header}")
    values = [_text(cell) for cell in trs[1].xpath("./td")]
    if len(values) != len(TAB0_COLUMNS):
        raise ValueError(f"table.tab0 value row has {len(values)} cells, expected {len(TAB0_COLUMNS)}")
    out.update(zip(TAB0_COLUMNS.values(), values, strict=True))
    out["valid_from"], out["valid_to"] = _validity(out.pop("validity"), "table.tab0 有效期限")
    _iso_date(out["completed"], "table.tab0 办结日期")

    apply_tables = sel.css("table#apply_table")
    if len(apply_tables) != 1:
        raise ValueError(f"expected one table#apply_table, found {len(apply_tables)}")
    apply: dict[str, str] = {}
    for tr in _rows(apply_tables[0]):
        label, value = tr.xpath("./th"), tr.xpath("./td")
        if len(label) != 1 or len(value) != 1:
            raise ValueError(f"table#apply_table row {_text(tr)!r} is not one th and one td")
        apply[_text(label[0])] = _text(value[0])
    if "主要污染物类别" not in apply:
        raise ValueError(f"table#apply_table has no 主要污染物类别 row (labels: {list(apply)})")
    out["apply"] = apply
    out["pollutant_categories"] = _split_list(apply["主要污染物类别"])

    codes = CATEGORY_CODES.search(html)
    if codes is None:
        raise ValueError("the basic-info page no longer sets spdataMap_zywrwlbid")
    out["pollutant_codes"] = [c for c in codes[1].split("@") if c]

    for axis in ("longitude", "latitude"):
        raw = sel.xpath(f'//input[@id="{axis}"]/@value').get()
        if raw is None:
            raise ValueError(f"the basic-info page has no hidden input#{axis}")
        try:
            out[axis] = float(raw) if raw.strip() else None
        except ValueError:
            raise ValueError(f"input#{axis} value {raw!r} is not a number") from None
    return out


def _split_list(value: str) -> list[str]:
    """`废气,废水` → ['废气', '废水']; the platform writes an empty cell as `/`."""
    if value in ("", "/"):
        return []
    return [part.strip() for part in LIST_SEPARATORS.split(value) if part.strip()]


def _position(sel: Selector, html: str, tab: str) -> None:
    """Check the breadcrumb: the page is the tab asked for, not the error page or another tab."""
    if is_error_page(html):
        raise ValueError(f"the platform answered its 错误 page instead of the {tab} tab")
    found = _text(sel.css("div.position"))
    if found != POSITIONS[tab]:
        raise ValueError(f"the {tab} tab's div.position reads {found!r}, expected {POSITIONS[tab]!r}")


def _one_table(sel: Selector, table_id: str) -> Selector:
    tables = sel.css(f"table#{table_id}")
    if len(tables) != 1:
        raise ValueError(f"expected one table#{table_id}, found {len(tables)}: the tab layout changed")
    return tables[0]


def _check_header(table_id: str, trs: SelectorList[Selector], top: tuple[str, ...]) -> None:
    """The two header rows: `top` with 许可年排放量限值(t/a) spanning 第一年…第五年 below it."""
    if len(trs) < 2:
        raise ValueError(f"table#{table_id} has {len(trs)} rows, expected two header rows")
    for found_row, expected_row in ((trs[0], top), (trs[1], YEARS)):
        found = [_text(cell) for cell in found_row.xpath("./th")]
        for index, expected in enumerate(expected_row):
            label = found[index] if index < len(found) else None
            if label != expected:
                raise ValueError(f"table#{table_id} header column {index + 1} is {label!r}, expected "
                                 f"{expected!r}: the columns changed")
        if len(found) != len(expected_row):
            raise ValueError(f"table#{table_id} header has new columns {found[len(expected_row):]}")


def _concentration(cell: str, where: str) -> tuple[float | None, str | None]:
    """A concentration cell → (value, unit): `50mg/Nm3`, a bare unit `mg/Nm3` (no value), a dimensionless
    `1000`, `/` or empty (nothing), and text limits kept as text only (`1级`, `6-9`)."""
    if cell in ("", "/") or GRADE.match(cell) or RANGE.match(cell):
        return None, None
    match = VALUE_UNIT.match(cell)
    if match is None or not (match[1] or match[2]):
        raise ValueError(f"{where}: {cell!r} is not a concentration limit (number and unit, a unit, `/`, "
                         "a grade or a range): the format or the unit changed")
    return (float(match[1]) if match[1] else None), match[2]


def _number(cell: str, where: str) -> float | None:
    if cell in ("", "/"):
        return None
    if not NUMBER.match(cell):
        raise ValueError(f"{where}: {cell!r} is not a number or `/`")
    return float(cell)


Totals = dict[str, dict[str, list[float | None]]]


def _limit_rows(sel: Selector, tables: dict[str, str], medium: str, top: tuple[str, ...],
                width: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]], Totals]:
    """The outlet rows of a tab's tables → (outlets, limits, 合计 totals by label and pollutant)."""
    outlets: dict[str, dict[str, Any]] = {}
    limits: list[dict[str, Any]] = []
    totals: Totals = {}
    seen: set[tuple[str, str]] = set()
    for table_id, outlet_type in tables.items():
        trs = _rows(_one_table(sel, table_id))
        _check_header(table_id, trs, top)
        section: str | None = None
        for number, tr in enumerate(trs[2:], start=3):
            cells = [_text(td) for td in tr.xpath("./td")]
            where = f"table#{table_id} row {number}"
            if cells and OUTLET_CODE.match(cells[0]) and section is None:
                if len(cells) != width:
                    raise ValueError(f"{where} has {len(cells)} cells, expected {width}")
                outlet, limit = _limit_row(cells, medium, outlet_type, where)
                code = outlet["outlet_code"]
                known = outlets.setdefault(code, outlet)
                if known != outlet:
                    raise ValueError(f"{where}: outlet {code} is {outlet['outlet_name']!r} "
                                     f"({outlet_type}), earlier {known['outlet_name']!r} ({known['outlet_type']})")
                if (code, limit["pollutant_name"]) in seen:
                    raise ValueError(f"{where}: {code} lists {limit['pollutant_name']} twice")
                seen.add((code, limit["pollutant_name"]))
                limits.append(limit)
            elif medium == "air":
                section = _total_row(cells, table_id, section, where, totals)
            else:
                raise ValueError(f"{where} does not start with a {OUTLET_PREFIX[medium]} outlet code: {cells}")
    return list(outlets.values()), limits, totals


def _limit_row(cells: list[str], medium: str, outlet_type: str,
               where: str) -> tuple[dict[str, Any], dict[str, Any]]:
    code, name, pollutant = cells[0], cells[1], cells[2]
    if not code.startswith(OUTLET_PREFIX[medium]):
        raise ValueError(f"{where}: outlet code {code} on the {medium} tab")
    if not name or not pollutant:
        raise ValueError(f"{where}: empty 排放口名称 or 污染物种类")
    if medium == "air":
        hourly, daily, rate, years, stricter = cells[3], cells[4], cells[5], cells[6:11], cells[11]
        hourly_limit, hourly_unit = _concentration(hourly, f"{where} 许可排放小时浓度限值")
        daily_limit, daily_unit = _concentration(daily, f"{where} 许可排放日均浓度限值")
        rate_limit = _number(rate, f"{where} 许可排放速率限值(kg/h)")
        stricter_limit = _number(stricter, f"{where} 承诺更加严格排放浓度限值")
    else:
        years = cells[4:9]
        hourly_limit, hourly_unit, rate_limit, stricter_limit = None, None, None, None
        # Water permits set one concentration, a daily-average one (our field daily_limit).
        daily_limit, daily_unit = _concentration(cells[3], f"{where} 许可排放浓度限值")
    annual = [_number(year, f"{where} {label}") for year, label in zip(years, YEARS, strict=True)]
    outlet = {"outlet_code": code, "outlet_name": name, "medium": medium, "outlet_type": outlet_type}
    limit = {
        "outlet_code": code,
        "medium": medium,
        "pollutant_name": pollutant,
        "hourly_limit": hourly_limit,
        "hourly_unit": hourly_unit,
        "daily_limit": daily_limit,
        "daily_unit": daily_unit,
        "rate_limit_kg_h": rate_limit,
        "annual_t": annual,
        "stricter_limit": stricter_limit,
        "limit_text": " | ".join(cells),
    }
    return outlet, limit


def _total_row(cells: list[str], table_id: str, section: str | None, where: str,
               totals: Totals) -> str:
    """A 合计 row: `label | pollutant | / | five years | /` first, `pollutant | / | five years | /` after."""
    label = AIR_TOTAL_LABELS[table_id]
    if cells and cells[0] == label and len(cells) == 9:
        section, cells = label, cells[1:]
    elif section is None or len(cells) != 8:
        raise ValueError(f"{where} is neither an outlet row (DA001…) nor a {label} row: {cells}")
    pollutant, years = cells[0], cells[2:7]
    totals.setdefault(section, {})[pollutant] = [_number(y, f"{where} {label} {pollutant}") for y in years]
    return section


def parse_air_tab(html: str) -> dict[str, Any]:
    """The air tab (approveAtmosphere_xkzgk) → `outlets`, `limits` and `totals`.

    Outlets come from table#grouptable (主要排放口, `outlet_type` "main") and table#apply_table1 (一般排放口,
    "general"), one dict per outlet (`outlet_code`, `outlet_name`, `medium`, `outlet_type`). Limits are one
    dict per outlet and pollutant with the fields of a `permit_limit` record except `permit_number`. Totals map
    主要排放口合计 / 一般排放口合计 / 全厂有组织排放总计 to {pollutant: five years, t/a or None}.
    """
    sel = Selector(text=html)
    _position(sel, html, "air")
    outlets, limits, totals = _limit_rows(sel, AIR_TABLES, "air", AIR_HEADER, AIR_CELLS)
    trs = _rows(_one_table(sel, "totaltable"))
    section: str | None = None
    for number, tr in enumerate(trs, start=1):
        if tr.xpath("./th"):
            continue
        cells = [_text(td) for td in tr.xpath("./td")]
        section = _total_row(cells, "totaltable", section, f"table#totaltable row {number}", totals)
    missing = [label for label in AIR_TOTAL_LABELS.values() if label not in totals]
    if missing:
        raise ValueError(f"the air tab has no {missing} rows: the totals layout changed")
    return {"outlets": outlets, "limits": limits, "totals": totals}


def parse_water_tab(html: str) -> dict[str, Any]:
    """The water tab (approveWater_xkzgk) → `outlets` and `limits`, as `parse_air_tab` gives them.

    Tables #fswrwinfo1 (主要排放口) and #fswrwinfo5 (一般排放口), 9 cells a row; the one concentration is
    `daily_limit`/`daily_unit`; the hourly, rate and stricter fields are None.
    """
    sel = Selector(text=html)
    _position(sel, html, "water")
    outlets, limits, _ = _limit_rows(sel, WATER_TABLES, "water", WATER_HEADER, WATER_CELLS)
    return {"outlets": outlets, "limits": limits}


def parse_other_tab(html: str) -> dict[str, str]:
    """The 其他许可内容 tab (approveothercon_xkzgk) → {th label: td text} of table#othercon_table."""
    sel = Selector(text=html)
    _position(sel, html, "other")
    out: dict[str, str] = {}
    for tr in _rows(_one_table(sel, "othercon_table")):
        label, value = tr.xpath("./th"), tr.xpath("./td")
        if len(label) != 1 or len(value) != 1:
            raise ValueError(f"table#othercon_table row {_text(tr)!r} is not one th and one td")
        out[_text(label[0])] = _text(value[0])
    return out


def parse_regions(text: str) -> list[dict[str, str]]:
    """The region dropdown's JSON → [{regioncode, regionname}], codes of 12 digits."""
    payload = json.loads(text)
    if not isinstance(payload, dict) or not isinstance(payload.get("regions"), list):
        raise ValueError("the region answer is not {\"regions\": [...]}")
    out = []
    for region in payload["regions"]:
        if not isinstance(region, dict):
            raise ValueError(f"region {region!r} is not an object")
        code, name = region.get("regioncode"), region.get("regionname")
        if not isinstance(code, str) or not REGION_CODE.match(code) or not name:
            raise ValueError(f"region {region!r} lacks a 12-digit regioncode or a regionname")
        out.append({"regioncode": code, "regionname": name})
    return out


def parse_industry_tree(text: str) -> list[dict[str, Any]]:
    """The industry tree's answer (JSON after an optional `/**/` guard) → nodes {id, pId, singlehyname,
    isParent}."""
    payload = json.loads(JSON_GUARD.sub("", text, count=1))
    if not isinstance(payload, list):
        raise ValueError("the industry tree answer is not a JSON array")
    out = []
    for node in payload:
        if not isinstance(node, dict):
            raise ValueError(f"industry tree node {node!r} is not an object")
        missing = [key for key in TREE_KEYS if key not in node]
        if missing:
            raise ValueError(f"industry tree node {node!r} lacks {missing}")
        if not isinstance(node["isParent"], bool):
            raise ValueError(f"industry tree node {node['id']!r}: isParent {node['isParent']!r} is not a boolean")
        out.append({key: node[key] for key in TREE_KEYS})
    return out


class MeePermitSpider(SourceSpider):
    """Base for crawls of the national permit platform's public list, basic-info pages and limit tabs.

    The YAML gives the paths (`data.paths.portal`, `data.paths.list`, and `data.paths.air`, `.water`,
    `.other`: the tab URLs with a `{dataid}` placeholder) and the lookup from the platform's
    pollutant-category codes to labels (`lookups.pollutant_category`). A subclass may set `list_filters`
    (search form fields such as `province=330000000000`) to crawl part of the list. `-a max_pages=N`
    stops a live crawl after N list pages (the real list has tens of thousands).
    """

    # Search form fields sent with every list POST (sources.md §1.2); filters override the empty defaults.
    FORM_FIELDS: ClassVar[tuple[str, ...]] = ("province", "city", "management", "registerentername", "xkznum",
                                              "treadname", "treadcode", "publishtime")
    list_filters: ClassVar[dict[str, str]] = {}
    max_pages: int | str | None = None

    def _path(self, name: str) -> str:
        path: str = self.metadata["data"]["paths"][name]
        return path

    def _page_limit(self, total_pages: int) -> int:
        return total_pages if self.max_pages in (None, "") else min(total_pages, int(self.max_pages))

    @cached_property
    def issued(self) -> set[tuple[str, str]]:
        """(permit number, 发证日期) of the permits already known."""
        return {(str(n), str(d)) for n, d in self.known("permit", "permit_number", "issued")}

    def list_form(self, page: int, key: str) -> dict[str, str]:
        """The POST form for list page `page`, chained with the previous page's `key`."""
        unknown = set(self.list_filters) - set(self.FORM_FIELDS)
        if unknown:
            raise ValueError(f"{self.name}: unknown list filters {sorted(unknown)}")
        form = {"page.pageNo": str(page), "page.orderBy": "", "page.order": "", "tempReportKey": key}
        form.update({field: self.list_filters.get(field, "") for field in self.FORM_FIELDS})
        return form

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # The portal first: it sets the session cookie, and real crawlers found the list refuses sessionless
        # clients at times.
        # Never conditional: a 304 would end the crawl before the list.
        yield scrapy.Request(self.url(self._path("portal")), callback=self.parse_portal, dont_filter=True,
                             meta={"conditional": False})

    def parse_portal(self, response: Response) -> Iterator[scrapy.Request]:
        url = self.url(self._path("list"))
        if self.list_filters:
            # A search starts with a POST of page 1 (no key needed); a GET would ignore the filters.
            yield scrapy.FormRequest(url, formdata=self.list_form(1, ""), callback=self.parse_list_page,
                                     cb_kwargs={"page": 1}, priority=1)
        else:
            yield scrapy.Request(url, callback=self.parse_list_page, cb_kwargs={"page": 1}, priority=1)

    def parse_list_page(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        rows, total_pages, key = parse_list(self.decode(response))
        if not rows and page <= total_pages:
            raise ValueError(f"list page {page} of {total_pages} has no rows")
        known: list[bool] = []
        for row in rows:
            # Duplicates across pages (the list shifts when permits are issued mid-crawl) are dropped by
            # the request dupefilter: the detail URL is the same.
            url = response.urljoin(row["detail_path"])
            # A permit issued again (变更, 延续) keeps its number under a new 发证日期: fetched again.
            known.append(not self.wanted(seen=(row["permit_number"], row["issued"]) in self.issued))
            if not known[-1]:
                yield scrapy.Request(url, callback=self.parse_detail_page, cb_kwargs={"row": row})
        # Incremental: the list is newest 发证日期 first; it stops after pages of permits already known.
        if page < self._page_limit(total_pages) and (not self.incremental or self.keep_paging("list", known)):
            # Paging first (priority), so the key chain is not starved behind detail pages on live hosts.
            yield scrapy.FormRequest(self.url(self._path("list")), formdata=self.list_form(page + 1, key),
                                     callback=self.parse_list_page, cb_kwargs={"page": page + 1}, priority=1)

    def parse_detail_page(self, response: Response,
                          row: dict[str, str]) -> Iterator[dict[str, Any] | scrapy.Request]:
        html = self.decode(response)
        record_id = f"{self.name}:{row['permit_number']}"
        if is_error_page(html):
            # A permit withdrawn between list and detail: a gap to report, not a layout change.
            self.report_error("missing_detail", response.url, "the platform answered its 错误 page",
                              record_id)
            return
        detail = parse_detail(html)
        if detail["permit_number"] != row["permit_number"]:
            raise ValueError(f"detail page shows permit {detail['permit_number']}, the list row "
                             f"{row['permit_number']}: the dataid link no longer leads to its permit")
        self._check(response, record_id, row, detail)
        number = detail["permit_number"]
        fields = {
            "permit_number": number,
            "uscc": number[:18],  # HJ 608-2017: USCC + 3-digit site sequence + 1 character
            "enterprise_name": detail["enterprise_name"],
            "province": row["province"],
            "city": row["city"],
            "industry": detail["industry"],
            "management": row["management"],
            "valid_from": detail["valid_from"],
            "valid_to": detail["valid_to"],
            "issued": row["issued"],
            "address": detail["address"],
            "region": detail["region"],
            "authority": detail["authority"],
            "business_type": detail["business_type"],
            "version": detail["version"],
            "pollutant_categories": detail["pollutant_categories"],
            "longitude": detail["longitude"],
            "latitude": detail["latitude"],
            "dataid": row["dataid"],
            "detail_url": self.canonical_url(response.url),
        }
        yield self.record(response, "permit", number, fields)
        for tab, callback in (("air", self.parse_air_page), ("water", self.parse_water_page),
                              ("other", self.parse_other_page)):
            yield scrapy.Request(self.url(self._path(tab).format(dataid=row["dataid"])), callback=callback,
                                 cb_kwargs={"permit_number": number})

    def _tab_html(self, response: Response, permit_number: str, tab: str) -> str | None:
        """The tab's text, or None (reported) when the platform answers its 错误 page for it."""
        html = self.decode(response)
        if is_error_page(html):
            self.report_error("missing_tab", response.url, f"the platform answered its 错误 page for the {tab} tab",
                              f"{self.name}:{permit_number}")
            return None
        return html

    def parse_air_page(self, response: Response, permit_number: str) -> Iterator[dict[str, Any]]:
        html = self._tab_html(response, permit_number, "air")
        if html is None:
            return
        tab = parse_air_tab(html)
        self._check_totals(response, permit_number, tab)
        yield from self._outlet_records(response, permit_number, tab)

    def parse_water_page(self, response: Response, permit_number: str) -> Iterator[dict[str, Any]]:
        html = self._tab_html(response, permit_number, "water")
        if html is None:
            return
        yield from self._outlet_records(response, permit_number, parse_water_tab(html))

    def parse_other_page(self, response: Response, permit_number: str) -> None:
        # Free text only (台账, 执行报告, 信息公开 requirements): archived as evidence, checked, not itemised.
        html = self._tab_html(response, permit_number, "other")
        if html is not None:
            parse_other_tab(html)

    def _outlet_records(self, response: Response, permit_number: str,
                        tab: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """`permit_outlet` and `permit_limit` records of one parsed tab."""
        for outlet in tab["outlets"]:
            code = outlet["outlet_code"]
            fields = {
                "permit_number": permit_number,
                "uscc": permit_number[:18],
                "outlet_code": code,
                "outlet_name": outlet["outlet_name"],
                "medium": outlet["medium"],
                "outlet_type": outlet["outlet_type"],
                # HJ 608-2017: the nationally unique outlet id is the permit number followed by the outlet code.
                "national_code": permit_number + code,
            }
            yield self.record(response, "permit_outlet", f"{permit_number}:{code}", fields)
        for limit in tab["limits"]:
            fields = {"permit_number": permit_number, **limit}
            key = f"{permit_number}:{limit['outlet_code']}:{limit['pollutant_name']}"
            yield self.record(response, "permit_limit", key, fields)

    def _check_totals(self, response: Response, permit_number: str, tab: dict[str, Any]) -> None:
        """Report where the 主要排放口合计 rows differ from the sum of the main outlets' annual tonnages."""
        main = {o["outlet_code"] for o in tab["outlets"] if o["outlet_type"] == "main"}
        for pollutant, years in tab["totals"]["主要排放口合计"].items():
            for index, total in enumerate(years):
                values = [limit["annual_t"][index] for limit in tab["limits"]
                          if limit["outlet_code"] in main and limit["pollutant_name"] == pollutant
                          and limit["annual_t"][index] is not None]
                summed = round(sum(values), 3) if values else None
                if summed != (None if total is None else round(total, 3)):
                    self.report_error("inconsistent", response.url,
                                      f"主要排放口合计 {pollutant} {YEARS[index]} is {total}, the main outlets "
                                      f"add up to {summed}", f"{self.name}:{permit_number}")

    def canonical_url(self, url: str) -> str:
        """The URL on the live host, whichever origin (live or replica) served the page."""
        parts = urlsplit(url)
        origin: str = self.metadata.get("origin", f"https://{self.metadata['host']}")
        return origin + parts.path + (f"?{parts.query}" if parts.query else "")

    def _check(self, response: Response, record_id: str, row: dict[str, str], detail: dict[str, Any]) -> None:
        """Report, without failing, where the list and the detail page disagree or use unknown values."""
        pairs = (("单位名称", row["enterprise_name"], detail["enterprise_name"]),
                 ("行业类别", row["industry"], detail["industry"]),
                 ("有效期限起", row["valid_from"], detail["valid_from"]),
                 ("有效期限止", row["valid_to"], detail["valid_to"]),
                 ("发证日期/办结日期", row["issued"], detail["completed"]))
        for label, listed, shown in pairs:
            if listed != shown:
                self.report_error("inconsistent", response.url,
                                  f"{label}: list says {listed!r}, detail page {shown!r}", record_id)
        unknown_labels = [label for label in detail["apply"] if label not in APPLY_LABELS]
        if unknown_labels:
            self.report_error("unknown_field", response.url,
                              f"table#apply_table has new rows {unknown_labels}", record_id)
        lookup: dict[str, str] = self.metadata.get("lookups", {}).get("pollutant_category", {})
        unknown_codes = [code for code in detail["pollutant_codes"] if code not in lookup]
        if unknown_codes:
            self.report_error("unknown_value", response.url,
                              f"spdataMap_zywrwlbid codes {unknown_codes} are not in "
                              "lookups.pollutant_category",
                              record_id)
        elif sorted(lookup[c] for c in detail["pollutant_codes"]) != sorted(detail["pollutant_categories"]):
            self.report_error("inconsistent", response.url,
                              f"主要污染物类别 {detail['pollutant_categories']} but spdataMap_zywrwlbid "
                              f"{detail['pollutant_codes']}", record_id)
