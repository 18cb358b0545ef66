"""Replica of the national permit platform, public side (全国排污许可证管理信息平台 公开端).

Faithful to what real crawlers meet (sources.md §1): the portal sets a JSESSIONID; the permit list is a GET
for page 1 and a POST form for every later page, chained by a `tempReportKey` that each page hands out
for the next one only (a POST with any other key gets the platform's 错误 page, status 200, no table);
`var totalPages` is a script variable; the table sits in `div.tb-con`, header row first, every `td` with a
`title`; the list is reverse-chronological by 发证日期. The basic-info detail page keeps the layout that
real crawlers address by absolute XPath (`/html/body/div/table/tr[1]/td[1]/p`). The old `/permitExt/` list
path redirects to `errorinfo.jsp`.

The permits are those of the shared world (`crawlers.replay.world`), so they overlap with the penalty and
incineration replicas. What the world does not say about a permit (business type, version, pollutants,
standards, the second site's address and coordinates) is derived here from the permit's own id, so it is
the same on every run.

Detail tabs are dispatched on the `xkgk` parameter (`PermitPlatform.detail_tabs`): basic info
(`getxxgkContent`), air limits (`approveAtmosphere_xkzgk`), water limits (`approveWater_xkzgk`) and other
permitted content (`approveothercon_xkzgk`); an unknown tab or dataid answers the 错误 page.

Air tab (sources.md §1.4, from an archived real page): `table#grouptable` 主要排放口 and
`table#apply_table1` 一般排放口, 13 cells per outlet row — 排放口编号, 排放口名称, 污染物种类, 许可排放小时浓度限值,
许可排放日均浓度限值, 许可排放速率限值(kg/h), 许可年排放量限值(t/a) 第一年…第五年, 承诺更加严格排放浓度限值. A
concentration is printed with its unit glued on (`50mg/Nm3`); a standard that sets one concentration only
leaves the second cell holding the bare unit (`mg/Nm3`); dimensionless limits (臭气浓度 `1000`, 林格曼黑度
`1级`) leave it empty; every other empty cell is `/`. Each table ends with its 主要排放口合计 / 一般排放口合计
rows (颗粒物, 二氧化硫, 氮氧化物, 挥发性有机物 × five years); `(3)全厂有组织排放总计` follows in a table of its
own (`table#totaltable`, an id of ours: the archived text does not show it), then the 特殊情况 section.

Water tab (no archived copy exists; a real crawler reshapes its flattened cells into rows of 9): our layout
is `table#fswrwinfo1` 主要排放口 and `table#fswrwinfo5` 一般排放口, 9 cells per row — 排放口编号, 排放口名称,
污染物种类, 许可排放浓度限值 (`50mg/L`; pH `6-9`), 许可年排放量限值(t/a) 第一年…第五年 — with no total rows
inside the tables, which is what lets that crawler cut the flattened text into rows of 9.

Outlets follow HJ 608-2017 (`DA001…` air, `DW001…` water, main outlets numbered first). The first site of an
incineration plant has one stack per furnace, coded and named as the incineration platform lists them
(`crawlers.replay.incineration`: `1号焚烧炉排气筒DA001` there is outlet DA001 `1号焚烧炉排气筒` here), with the
GB 18485-2014 hourly / daily limits; plants under stricter local limits show them in 承诺更加严格排放浓度限值.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from crawlers.replay import incineration, world
from crawlers.replay.editions import edition
from crawlers.replay.server import Request, Response

HOST = "permit.mee.gov.cn"
PORTAL_PATH = "/permitExt/defaults/default-index!getInformation.action"
LIST_PATH = "/perxxgkinfo/syssb/xkgg/xkgg!licenseInformation.action"
OLD_LIST_PATH = "/permitExt/syssb/xkgg/xkgg!licenseInformation.action"
ERROR_INFO_PATH = "/perxxgkinfo/errorinfo.jsp"
DETAIL_PATH = "/perxxgkinfo/xkgkAction!xkgk.action"
REGIONS_PATH = "/perxxgkinfo/syssb/xkgg/xkgg!getRegions.action"
INDUSTRY_TREE_PATH = "/perxxgkinfo/common/tree/xzxk-common-trade!hynodeslist.action"
ANNOUNCEMENT_PATH = "/permitExt/syssb/xxgk/xxgk!showggfk.action"
DOWNLOAD_PATH = "/perxxgkinfo/syssb/xkgg/xkgg!downloadFile.action"
COPY_VIEWER_PATH = "/perxxgkinfo/syssb/wysb/hpsp/hpsp-company-sewage!showImage.action"
PAGE_SIZE = 10
# The Java back end answers text/html;charset=UTF-8.
HTML = "text/html;charset=UTF-8"
# The search form's fields (sources.md §1.2). All of them bind the tempReportKey chain to one search.
FILTER_FIELDS = ("province", "city", "management", "registerentername", "xkznum", "treadname", "treadcode",
                 "publishtime")

# 主要污染物类别 as the platform codes them in `spdataMap_zywrwlbid` (joined by `@`).
POLLUTANT_CATEGORY_CODES = {"废气": "fq", "废水": "fs"}
AIR_FORMS = {"有组织": "PFXS_1", "无组织": "PFXS_2"}


@dataclass(frozen=True)
class IndustryProfile:
    """What a permit of one industry lists on its basic-info tab: pollutants, rules and standards."""

    categories: tuple[str, ...]
    air_pollutants: str
    air_standard: str
    water_pollutants: str
    water_standard: str


_AIR_GENERAL = "《大气污染物综合排放标准》GB 16297-1996"
_WATER_GENERAL = "《污水综合排放标准》GB 8978-1996"
INDUSTRY_PROFILES: dict[str, IndustryProfile] = {
    "生活垃圾焚烧发电": IndustryProfile(
        ("废气", "废水"),
        "颗粒物,二氧化硫,氮氧化物,氯化氢,一氧化碳,汞及其化合物,镉、铊及其化合物,二噁英类,氨（氨气）",
        "《生活垃圾焚烧污染控制标准》GB 18485-2014", "化学需氧量,氨氮,总磷,悬浮物,pH值", _WATER_GENERAL),
    "机制纸及纸板制造": IndustryProfile(
        ("废气", "废水"), "颗粒物,二氧化硫,氮氧化物,林格曼黑度", "《锅炉大气污染物排放标准》GB 13271-2014",
        "化学需氧量,氨氮,总氮,总磷,悬浮物,五日生化需氧量,色度,可吸附有机卤素",
        "《制浆造纸工业水污染物排放标准》GB 3544-2008"),
    "化学原料和化学制品制造业": IndustryProfile(
        ("废气", "废水"), "挥发性有机物,颗粒物,氨（氨气）,臭气浓度", _AIR_GENERAL,
        "化学需氧量,氨氮,总氮,总磷,石油类", _WATER_GENERAL),
    "金属表面处理及热处理加工": IndustryProfile(
        ("废气", "废水"), "氯化氢,硫酸雾,氮氧化物,铬酸雾", "《电镀污染物排放标准》GB 21900-2008",
        "总铬,六价铬,总镍,总铜,化学需氧量,氨氮", "《电镀污染物排放标准》GB 21900-2008"),
    "棉印染精加工": IndustryProfile(
        ("废气", "废水"), "颗粒物,挥发性有机物,臭气浓度", _AIR_GENERAL,
        "化学需氧量,五日生化需氧量,氨氮,总氮,总磷,色度,苯胺类,硫化物",
        "《纺织染整工业水污染物排放标准》GB 4287-2012"),
    "炼钢": IndustryProfile(
        ("废气", "废水"), "颗粒物,二氧化硫,氮氧化物,氟化物", "《炼钢工业大气污染物排放标准》GB 28664-2012",
        "化学需氧量,氨氮,悬浮物,石油类", "《钢铁工业水污染物排放标准》GB 13456-2012"),
    "污水处理及其再生利用": IndustryProfile(
        ("废水",), "", "", "化学需氧量,氨氮,总氮,总磷,五日生化需氧量,悬浮物",
        "《城镇污水处理厂污染物排放标准》GB 18918-2002"),
    "热力生产和供应": IndustryProfile(
        ("废气",), "颗粒物,二氧化硫,氮氧化物,汞及其化合物,林格曼黑度",
        "《火电厂大气污染物排放标准》GB 13223-2011", "", ""),
    "皮革鞣制加工": IndustryProfile(
        ("废气", "废水"), "颗粒物,挥发性有机物,臭气浓度", _AIR_GENERAL,
        "化学需氧量,氨氮,总铬,六价铬,硫化物", "《制革及毛皮加工工业水污染物排放标准》GB 30486-2013"),
}
# The industry tree (行业类别) of the search form: (id, pId, singlehyname). Ids are GB/T 4754-2017 codes
# [unverified: the real ids are not in any source found]; the leaves are the names the list prints.
INDUSTRY_TREE: tuple[tuple[str, str, str], ...] = (
    ("17", "0", "纺织业"),
    ("1713", "17", "棉印染精加工"),
    ("19", "0", "皮革、毛皮、羽毛及其制品和制鞋业"),
    ("1910", "19", "皮革鞣制加工"),
    ("22", "0", "造纸和纸制品业"),
    ("2221", "22", "机制纸及纸板制造"),
    ("26", "0", "化学原料和化学制品制造业"),
    ("2614", "26", "有机化学原料制造"),
    ("2631", "26", "化学农药制造"),
    ("31", "0", "黑色金属冶炼和压延加工业"),
    ("3120", "31", "炼钢"),
    ("33", "0", "金属制品业"),
    ("3360", "33", "金属表面处理及热处理加工"),
    ("44", "0", "电力、热力生产和供应业"),
    ("4417", "44", "生活垃圾焚烧发电"),
    ("4430", "44", "热力生产和供应"),
    ("46", "0", "水的生产和供应业"),
    ("4620", "46", "污水处理及其再生利用"),
)
INDUSTRY_IDS = {name: node for node, _, name in INDUSTRY_TREE}
WATER_RULES = ("间断排放，排放期间流量稳定", "连续排放，流量稳定",
               "间断排放，排放期间流量不稳定，但有周期性规律")
BUSINESS_TYPES = ("首次申请", "首次申请", "延续", "变更", "重新申请")


@dataclass(frozen=True)
class Listing:
    """One permit as the platform publishes it: the world's permit plus what only this platform says."""

    permit: world.Permit
    enterprise: world.Enterprise
    business_type: str
    version: str
    address: str
    longitude: float | None
    latitude: float | None
    water_rule: str

    @property
    def province_code(self) -> str:
        return self.enterprise.city_code[:2] + "0000"

    @property
    def region(self) -> str:
        e = self.enterprise
        # 东莞市 has no county level: the platform prints the city once.
        return e.province + e.city + ("" if e.county == e.city else e.county)

    @property
    def authority(self) -> str:
        return f"{self.enterprise.city}生态环境局"


def _listing(permit: world.Permit, enterprise: world.Enterprise) -> Listing:
    rng = random.Random(permit.dataid)
    business_type = rng.choice(BUSINESS_TYPES)
    version = "1" if business_type == "首次申请" else str(rng.randint(2, 4))
    address, lon, lat = enterprise.address, enterprise.longitude, enterprise.latitude
    if permit.number[18:21] != "001":
        # The second site of an enterprise lies elsewhere in the same county.
        county = "" if enterprise.county == enterprise.city else enterprise.county
        address = (f"{enterprise.province}{enterprise.city}{county}"
                   f"{rng.choice(['临港工业区', '循环经济产业园'])}{rng.choice(['纬一', '经二', '海港'])}路"
                   f"{rng.randint(1, 300)}号")
        lon, lat = round(lon + rng.uniform(0.01, 0.05), 6), round(lat - rng.uniform(0.01, 0.04), 6)
    longitude: float | None = lon
    latitude: float | None = lat
    if int(permit.dataid, 16) % 13 == 0:
        # Some real permits publish no coordinates: the hidden inputs are there with an empty value.
        longitude = latitude = None
    return Listing(permit, enterprise, business_type, version, address, longitude, latitude,
                   rng.choice(WATER_RULES))


# Edition 2 (QINGTIAN_REPLAY_EDITION=2, crawlers/replay/editions.py): permits issued since, for new sites.
EDITION_PERMITS = (("e03", "2026-11-09"), ("e21", "2026-11-12"))


def edition_listings() -> list[Listing]:
    if edition() < 2:
        return []
    rows = []
    for key, issued in EDITION_PERMITS:
        e = world.by_key(key)
        year, month, day = (int(part) for part in issued.split("-"))
        permit = world.Permit(number=f"{e.uscc}003C", dataid=world.hex_id("permit", e.uscc, 3).lower(),
                              site_name=f"{e.name}（三厂区）", issued=issued, valid_from=issued,
                              valid_to=f"{year + 5}-{month:02d}-{day - 1:02d}", management="简化管理")
        rows.append(_listing(permit, e))
    return rows


@cache
def listings() -> tuple[Listing, ...]:
    """Every permit of the world, newest 发证日期 first (ties by permit number), as the list shows them."""
    rows = [_listing(p, e) for e in world.enterprises() for p in e.permits]
    rows += edition_listings()
    rows.sort(key=lambda row: (row.permit.issued, row.permit.number), reverse=True)
    return tuple(rows)


@cache
def by_dataid() -> dict[str, Listing]:
    return {row.permit.dataid: row for row in listings()}


def temp_report_key(page: int, filters: tuple[str, ...]) -> str:
    """The key page `page` of one search hands out; it opens page `page + 1` of that search only.

    Deterministic, so that a retried request or a second crawler gets the same key.
    """
    return world.hex_id("tempReportKey", page, *filters).lower()


def _esc(value: object) -> str:
    return html.escape(str(value), quote=True)


ERROR_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<title>错误</title>
<link rel="stylesheet" type="text/css" href="/perxxgkinfo/css/error.css" />
</head>
<body>
<div class="error-box">
  <div class="error-title">错误</div>
  <p>对不起，您的请求出错了，请返回首页重新查询！</p>
  <p><a href="/permitExt/defaults/default-index!getInformation.action">返回首页</a></p>
</div>
</body>
</html>
"""

ERROR_INFO_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<title>全国排污许可证管理信息平台</title>
</head>
<body>
<div class="errorinfo">
  <p>请访问 permit.mee.gov.cn 点击许可信息公开查询</p>
</div>
</body>
</html>
"""

# The root answers a tiny script that sends the browser to the portal (about 124 bytes on the real host).
ROOT_PAGE = ('<html><head><script type="text/javascript">window.location.href='
             f'"{PORTAL_PATH}";</script></head><body></body></html>')

LIST_HEADER = ("省/直辖市", "地市", "许可证编号", "单位名称", "行业类别", "有效期限", "发证日期", "管理类别",
               "查看")


class PermitPlatform:
    """The replica of permit.mee.gov.cn: portal, permit list, detail tabs, search-form AJAX, error pages."""

    host = HOST

    def __init__(self) -> None:
        self._sessions = itertools.count(1)
        # xkgk parameter → renderer of that detail tab.
        self.detail_tabs: dict[str, Callable[[Listing], str]] = {
            "getxxgkContent": render_basic_info,
            "approveAtmosphere_xkzgk": render_air_tab,
            "approveWater_xkzgk": render_water_tab,
            "approveothercon_xkzgk": render_other_tab,
        }

    def handle(self, request: Request) -> Response:
        path = request.path
        if path == "/":
            return Response(ROOT_PAGE, content_type=HTML)
        if path == PORTAL_PATH:
            return self.portal()
        if path == LIST_PATH and request.method in ("GET", "POST"):
            return self.permit_list(request)
        if path == OLD_LIST_PATH:
            # The pre-2021 list moved; many crawlers on GitHub still ask for it.
            return Response.redirect(ERROR_INFO_PATH)
        if path == ERROR_INFO_PATH:
            return Response(ERROR_INFO_PAGE, content_type=HTML)
        if path == DETAIL_PATH:
            return self.detail(request)
        if path == REGIONS_PATH and request.method == "POST":
            return self.regions(request.param("parentCode"))
        if path == INDUSTRY_TREE_PATH and request.method == "POST":
            return self.industry_tree(request.body)
        return Response.not_found()

    def portal(self) -> Response:
        session = world.hex_id("JSESSIONID", next(self._sessions))
        body = render_portal()
        return Response(body, content_type=HTML,
                        headers={"Set-Cookie": f"JSESSIONID={session}; Path=/; HttpOnly"})

    def permit_list(self, request: Request) -> Response:
        if request.method == "GET":
            # Page 1 of the whole list; a GET ignores search parameters.
            page, filters = 1, tuple("" for _ in FILTER_FIELDS)
        else:
            try:
                page = int(request.param("page.pageNo") or "1")
            except ValueError:
                return Response(ERROR_PAGE, content_type=HTML)
            filters = tuple(request.param(name).strip() for name in FILTER_FIELDS)
            # Page 1 starts a search; every later page needs the key the previous page of that search gave.
            chained = page == 1 or request.param("tempReportKey") == temp_report_key(page - 1, filters)
            if page < 1 or not chained:
                return Response(ERROR_PAGE, content_type=HTML)
        rows = [row for row in listings() if _matches(row, dict(zip(FILTER_FIELDS, filters, strict=True)))]
        total_pages = math.ceil(len(rows) / PAGE_SIZE)
        shown = rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        body = render_list(shown, page, total_pages, len(rows), temp_report_key(page, filters),
                           dict(zip(FILTER_FIELDS, filters, strict=True)))
        return Response(body, content_type=HTML)

    def detail(self, request: Request) -> Response:
        renderer = self.detail_tabs.get(request.param("xkgk"))
        listing = by_dataid().get(request.param("dataid"))
        if renderer is None or listing is None:
            return Response(ERROR_PAGE, content_type=HTML)
        return Response(renderer(listing), content_type=HTML)

    def regions(self, parent: str) -> Response:
        """The region dropdown: provinces under `000000000000`, cities under a province, counties under a
        city (12-digit codes)."""
        seen: dict[str, str] = {}
        for e in world.enterprises():
            province_code = e.city_code[:2] + "0000"
            if parent == "000000000000":
                seen[province_code + "000000"] = e.province
            elif parent == province_code + "000000":
                seen[e.city_code + "000000"] = e.city
            elif parent == e.city_code + "000000" and e.county_code != e.city_code:
                # A city without counties (东莞市) has towns below it, which the world does not know.
                seen[e.county_code + "000000"] = e.county
        return Response.json({"regions": [{"regioncode": code, "regionname": name}
                                          for code, name in sorted(seen.items())]})


    def industry_tree(self, body: bytes) -> Response:
        """The industry tree's lazy loading: a JSON body `{"nodecode": …, "name": …, "hyids": …}`.

        `nodecode` "" gives the top level, a node id its children; a `name` searches the whole tree. The
        answer is a JSON array behind the `/**/` guard the platform puts in front of its JSON.
        """
        try:
            query = json.loads(body.decode("utf-8") or "{}")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return Response(ERROR_PAGE, content_type=HTML)
        if not isinstance(query, dict):
            return Response(ERROR_PAGE, content_type=HTML)
        nodecode, name = str(query.get("nodecode") or ""), str(query.get("name") or "")
        parents = {parent for _, parent, _ in INDUSTRY_TREE}
        if name:
            chosen = [node for node in INDUSTRY_TREE if name in node[2]]
        else:
            chosen = [node for node in INDUSTRY_TREE if node[1] == (nodecode or "0")]
        nodes = [{"id": node, "pId": parent, "singlehyname": label, "isParent": node in parents}
                 for node, parent, label in chosen]
        return Response("/**/" + json.dumps(nodes, ensure_ascii=False),
                        content_type="application/json;charset=UTF-8")


def _matches(row: Listing, filters: dict[str, str]) -> bool:
    """The search form's filters; empty ones match everything."""
    e, p = row.enterprise, row.permit
    checks = (
        (filters["province"], lambda v: v == row.province_code + "000000"),
        (filters["city"], lambda v: v == e.city_code + "000000"),
        (filters["management"], lambda v: v == p.management),
        (filters["registerentername"], lambda v: v in p.site_name),
        (filters["xkznum"], lambda v: v in p.number),
        (filters["treadname"], lambda v: e.industry in v.split(",")),
        (filters["treadcode"], lambda v: INDUSTRY_IDS[e.industry] in v.split(",")),
        (filters["publishtime"], lambda v: p.issued >= v),
    )
    return all(check(value) for value, check in checks if value)


def render_portal() -> str:
    """The portal: recent 受理/拟批准/批准 announcements and the way into the permit list."""
    items = []
    for row in listings()[:8]:
        pkid = world.hex_id("announcement", row.permit.dataid).lower()
        items.append(f'      <li><a href="{ANNOUNCEMENT_PATH}?pkid={pkid}" target="_blank">'
                     f"{_esc(row.permit.site_name)}排污许可证批准公告</a><span>{row.permit.issued}</span></li>")
    announcements = "\n".join(items)
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<title>全国排污许可证管理信息平台-公开端</title>
</head>
<body>
<div class="header"><h1>全国排污许可证管理信息平台-公开端</h1></div>
<div class="nav">
  <a href="{PORTAL_PATH}">首页</a>
  <a href="{LIST_PATH}" target="_blank">许可信息公开</a>
</div>
<div class="notice">
  <h3>批准信息公开</h3>
  <ul>
{announcements}
  </ul>
</div>
</body>
</html>
"""


def render_list(rows: list[Listing], page: int, total_pages: int, total: int, key: str,
                filters: dict[str, str]) -> str:
    """One page of the permit list, as the current (/perxxgkinfo/) platform serves it."""
    header = "".join(f"<td>{label}</td>" for label in LIST_HEADER)
    body = []
    for row in rows:
        p, e = row.permit, row.enterprise
        cells = (e.province, e.city, p.number, p.site_name, e.industry, f"{p.valid_from}至{p.valid_to}",
                 p.issued, p.management)
        tds = "".join(f'\n    <td title="{_esc(v)}">{_esc(v)}</td>' for v in cells)
        link = f"/perxxgkinfo/xkgkAction!xkgk.action?xkgk=getxxgkContent&amp;dataid={p.dataid}"
        view = f'<td title="查看"><a href="{link}" target="_blank">查看</a></td>'
        body.append(f"  <tr>{tds}\n    {view}\n  </tr>")
    rows_html = "\n".join(body)
    hidden = "\n".join(f'<input type="hidden" name="{name}" value="{_esc(value)}" />'
                       for name, value in filters.items() if name not in ("registerentername", "xkznum"))
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<title>全国排污许可证管理信息平台-公开端</title>
<script type="text/javascript" src="/perxxgkinfo/js/jquery.min.js"></script>
</head>
<body>
<form id="queryForm" name="queryForm" action="{LIST_PATH}" method="post">
<input type="hidden" name="page.pageNo" id="pageNo" value="{page}" />
<input type="hidden" name="page.orderBy" value="" />
<input type="hidden" name="page.order" value="" />
<input type="hidden" name="tempReportKey"  value="{key}" />
{hidden}
<div class="search">
  <span>单位名称：</span>
  <input type="text" name="registerentername" value="{_esc(filters["registerentername"])}" />
  <span>许可证编号：</span><input type="text" name="xkznum" value="{_esc(filters["xkznum"])}" />
  <a href="javascript:void(0)" onclick="submitForm()">查询</a>
</div>
<div class="tb-con">
<table width="100%" border="0" cellspacing="0" cellpadding="0">
  <tr class="tbhead">{header}</tr>
{rows_html}
</table>
</div>
<div class="fr margin-t-33 margin-b-20">共{total}条记录 第{page}/{total_pages}页
  <a href="javascript:void(0)" onclick="javascript:jumpPage2({max(page - 1, 1)})">上一页</a>
  <a href="javascript:void(0)" onclick="javascript:jumpPage2({min(page + 1, max(total_pages, 1))})">下一页</a>
</div>
</form>
<script>var totalPages = {total_pages};</script>
</body>
</html>
"""


def render_basic_info(row: Listing) -> str:
    """The basic-info tab (getxxgkContent), laid out as the real page that crawlers address by XPath."""
    p, e = row.permit, row.enterprise
    profile = INDUSTRY_PROFILES[e.industry]
    air = "废气" in profile.categories
    water = "废水" in profile.categories
    codes = "@".join(POLLUTANT_CATEGORY_CODES[c] for c in profile.categories)
    forms = "@".join(AIR_FORMS.values()) if air else ""
    lon = "" if row.longitude is None else f"{row.longitude}"
    lat = "" if row.latitude is None else f"{row.latitude}"
    tab = f"xkgkAction!xkgk.action?dataid={p.dataid}&amp;isVersion=&amp;operate=readonly&amp;xkgk="
    apply_rows = (
        ("主要污染物类别", ",".join(profile.categories)),
        ("大气主要污染物种类", profile.air_pollutants if air else "/"),
        ("大气污染物排放规律", ",".join(AIR_FORMS) if air else "/"),
        ("大气污染物排放执行标准", profile.air_standard if air else "/"),
        ("废水主要污染物种类", profile.water_pollutants if water else "/"),
        ("废水污染物排放规律", row.water_rule if water else "/"),
        ("废水污染物排放执行标准", profile.water_standard if water else "/"),
        ("排污权使用和交易信息", "/"),
    )
    apply_html = "\n".join(f"    <tr>\n      <th>{label}</th>\n      <td>{_esc(value)}</td>\n    </tr>"
                           for label, value in apply_rows)
    zbfile = world.hex_id("zbfile", p.dataid).lower()
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<title>排污许可证信息公开</title>
<script type="text/javascript">
  var spdataMap_zywrwlbid="{codes}";
  var spdataMap_airemissionid="{forms}";
  var spdataMap_wateremissionname="{_esc(row.water_rule) if water else ""}";
</script>
</head>
<body>
<div class="container">
  <table width="100%" border="0" cellspacing="0" cellpadding="0" class="tab-top">
    <tr>
      <td><p class="title">{_esc(p.site_name)}</p></td>
      <td class="tr">&nbsp;</td>
    </tr>
    <tr>
      <td><p>生产经营场所地址：{_esc(row.address)}<br />
        行业类别：{_esc(e.industry)}<br />
        所在地区：{_esc(row.region)}&nbsp; 发证机关：{_esc(row.authority)}</p></td>
      <td class="tr"><a href="{DOWNLOAD_PATH}?method=download&amp;fileType=zbfile&amp;datafileid={zbfile}\
&amp;dataid={p.dataid}" target="_blank">排污许可证正本</a>
        <a href="{COPY_VIEWER_PATH}?dataid={p.dataid}" target="_blank">排污许可证副本</a></td>
    </tr>
  </table>
  <div class="tab-nav">
    <a class="on" href="{tab}getxxgkContent">基本信息</a>
    <a href="{tab}approveAtmosphere_xkzgk">大气污染物排放信息</a>
    <a href="{tab}approveWater_xkzgk">水污染物排放信息</a>
    <a href="{tab}approveothercon_xkzgk">其他许可内容</a>
  </div>
  <div class="tb-con">
  <table width="100%" border="0" cellspacing="0" cellpadding="0" class="tab0">
    <tr>
      <th>许可证编号</th>
      <th>业务类型</th>
      <th>版本</th>
      <th>办结日期</th>
      <th>有效期限</th>
    </tr>
    <tr>
      <td>{p.number}</td>
      <td>{row.business_type}</td>
      <td>{row.version}</td>
      <td>{p.issued}</td>
      <td>{p.valid_from}至{p.valid_to}</td>
    </tr>
  </table>
  <table width="100%" border="0" cellspacing="0" cellpadding="0" id="apply_table" class="edit-grid">
{apply_html}
  </table>
  </div>
  <input type="hidden" id="longitude" value="{lon}"/><input type="hidden" id="latitude" value="{lat}"/>
</div>
</body>
</html>
"""


# --- outlets and their permitted limits (air and water tabs) ---

AIR_UNIT = "mg/Nm3"
WATER_UNIT = "mg/L"
# Annual tonnages are permitted for these pollutants, on main outlets only (HJ 942-2018 总则).
ANNUAL_AIR = ("颗粒物", "二氧化硫", "氮氧化物", "挥发性有机物")
ANNUAL_WATER = ("化学需氧量", "氨氮")
# Hours a year an air outlet is assumed to emit when the annual tonnage is worked out from its limit.
AIR_HOURS = 8000
# Flue gas per tonne of waste burnt (Nm3/t), to size a furnace's stack from its capacity.
FLUE_GAS_PER_TONNE = 5500
LEADING_NUMBER = re.compile(r"^\d+(?:\.\d+)?")


@dataclass(frozen=True)
class AirLimit:
    """One pollutant row of an air outlet, the cells as printed (the annual cells are computed)."""

    pollutant: str
    hourly: str
    daily: str
    rate: str = "/"
    stricter: str = "/"


@dataclass(frozen=True)
class WaterLimit:
    pollutant: str
    concentration: str


@dataclass(frozen=True)
class OutletPlan:
    """An outlet as an industry lays it out: name, main outlet or not, limits."""

    name: str
    main: bool
    limits: tuple[AirLimit, ...] | tuple[WaterLimit, ...]


@dataclass(frozen=True)
class PermitOutlet:
    code: str  # DA001 / DW001 (HJ 608-2017)
    name: str
    main: bool
    limits: tuple[AirLimit, ...] | tuple[WaterLimit, ...]
    annual: dict[str, str]  # pollutant → tonnes a year as printed, for the pollutants that have one


def _air(value: float | str) -> str:
    return f"{value}{AIR_UNIT}"


def _water(value: float | str) -> str:
    return f"{value}{WATER_UNIT}"


# A standard with one concentration: the value in the first cell, the bare unit in the second.
def _one(pollutant: str, value: float | str, rate: str = "/", stricter: str = "/") -> AirLimit:
    return AirLimit(pollutant, _air(value), AIR_UNIT, rate, stricter)


# Dimensionless limits (臭气浓度, 林格曼黑度): the second cell is left empty.
def _bare(pollutant: str, value: str, stricter: str = "/") -> AirLimit:
    return AirLimit(pollutant, value, "", "/", stricter)


# GB 16297-1996 表2 (15 m stack) and GB 14554-93 表2 (15 m): rates in kg/h.
_ODOUR = (AirLimit("氨（氨气）", "/", "/", "4.9"), AirLimit("硫化氢", "/", "/", "0.33"), _bare("臭气浓度", "2000"))
_COATING = (_one("颗粒物", 120, "3.5"), _one("非甲烷总烃", 120, "10"), _bare("臭气浓度", "2000"))
# GB 8978-1996 三级 / GB/T 31962-2015 B级: discharge into a municipal sewer.
_SEWER = (WaterLimit("化学需氧量", _water(500)), WaterLimit("氨氮", _water(45)), WaterLimit("总磷", _water(8)),
          WaterLimit("悬浮物", _water(400)), WaterLimit("pH值", "6-9"))

# GB 18485-2014 表4: (1-hour average, 24-hour average) mg/Nm3 of an incineration furnace's stack.
FURNACE_LIMITS: tuple[tuple[str, int, int], ...] = (
    ("颗粒物", 30, 20),
    ("二氧化硫", 100, 80),
    ("氮氧化物", 300, 250),
    ("一氧化碳", 100, 80),
    ("氯化氢", 60, 50),
)
INCINERATION_GENERAL_AIR = (
    OutletPlan("飞灰仓排气筒", False, (_one("颗粒物", 120, "3.5"),)),
    OutletPlan("渗滤液处理站除臭排气筒", False, _ODOUR),
)
INCINERATION_WATER = (OutletPlan("废水总排放口", True, _SEWER),)
# The second site of an incineration enterprise is not on the monitoring platform: it treats leachate.
INCINERATION_SECOND_SITE_AIR = (OutletPlan("渗滤液处理站除臭排气筒", False, _ODOUR),)

# What each other industry's permit lists, by the standards its basic-info tab names.
AIR_PLANS: dict[str, tuple[OutletPlan, ...]] = {
    "机制纸及纸板制造": (  # GB 13271-2014 表2, coal-fired boiler
        OutletPlan("锅炉废气排放口1#", True, (_one("颗粒物", 50), _one("二氧化硫", 300),
                                          _one("氮氧化物", 300, stricter="150"), _one("汞及其化合物", 0.05),
                                          _bare("林格曼黑度", "1级"))),
        OutletPlan("污水处理站废气排放口", False, _ODOUR),
    ),
    "化学原料和化学制品制造业": (  # GB 16297-1996, GB 14554-93; the rows of the archived page (§1.4)
        OutletPlan("RTO焚烧炉排放口", True, (_one("挥发性有机物", 60), _one("颗粒物", 20),
                                         _one("氨（氨气）", 30, "1", "30"), _bare("臭气浓度", "1000", "1000"))),
        OutletPlan("三车间废气排放口", False, (_one("挥发性有机物", 70, "3", "70"),)),
        OutletPlan("危废暂存间排气筒", False, (_one("非甲烷总烃", 120, "10"),)),
    ),
    "金属表面处理及热处理加工": (  # GB 21900-2008 表5
        OutletPlan("酸洗废气排放口", False, (_one("氯化氢", 30), _one("硫酸雾", 30), _one("氮氧化物", 200))),
        OutletPlan("镀铬废气排放口", False, (_one("铬酸雾", 0.05),)),
    ),
    "棉印染精加工": (OutletPlan("定型机废气排放口", False, _COATING),),
    "炼钢": (  # GB 28664-2012 表2
        OutletPlan("转炉二次烟气排放口", True, (_one("颗粒物", 20),)),
        OutletPlan("电炉烟气排放口", True, (_one("颗粒物", 20), _one("氟化物", 5),
                                       AirLimit("二噁英类", "0.5ng-TEQ/Nm3", "ng-TEQ/Nm3"))),
        OutletPlan("钢渣处理排气筒", False, (_one("颗粒物", 100),)),
    ),
    "污水处理及其再生利用": (),
    "热力生产和供应": (  # GB 13223-2011 表1; the stricter column holds the ultra-low emission commitment
        OutletPlan("1号锅炉烟囱", True, (_one("颗粒物", 30, stricter="10"), _one("二氧化硫", 100, stricter="35"),
                                     _one("氮氧化物", 100, stricter="50"), _one("汞及其化合物", 0.03),
                                     _bare("林格曼黑度", "1级"))),
        OutletPlan("煤场转运站排气筒", False, (_one("颗粒物", 120, "3.5"),)),
    ),
    "皮革鞣制加工": (OutletPlan("涂饰废气排放口", False, _COATING),),
}
WATER_PLANS: dict[str, tuple[OutletPlan, ...]] = {
    "机制纸及纸板制造": (OutletPlan("废水总排放口", True, (  # GB 3544-2008 表2
        WaterLimit("化学需氧量", _water(90)), WaterLimit("五日生化需氧量", _water(20)),
        WaterLimit("悬浮物", _water(30)), WaterLimit("氨氮", _water(8)), WaterLimit("总氮", _water(12)),
        WaterLimit("总磷", _water(0.8)), WaterLimit("色度", "50"), WaterLimit("可吸附有机卤素", _water(12)))),),
    "化学原料和化学制品制造业": (OutletPlan("废水总排放口", True, (
        WaterLimit("化学需氧量", _water(500)), WaterLimit("氨氮", _water(45)), WaterLimit("总氮", _water(70)),
        WaterLimit("总磷", _water(8)), WaterLimit("石油类", _water(20)))),),
    "金属表面处理及热处理加工": (  # GB 21900-2008 表2; first-class pollutants at the workshop outlet
        OutletPlan("废水总排放口", True, (WaterLimit("化学需氧量", _water(80)), WaterLimit("氨氮", _water(15)),
                                       WaterLimit("总铜", _water(0.5)), WaterLimit("悬浮物", _water(50)))),
        OutletPlan("含铬废水车间排放口", True, (WaterLimit("总铬", _water(1.0)), WaterLimit("六价铬", _water(0.2)))),
        OutletPlan("含镍废水车间排放口", True, (WaterLimit("总镍", _water(0.5)),)),
    ),
    "棉印染精加工": (OutletPlan("废水总排放口", True, (  # GB 4287-2012 表2, indirect discharge
        WaterLimit("化学需氧量", _water(200)), WaterLimit("五日生化需氧量", _water(50)),
        WaterLimit("悬浮物", _water(100)), WaterLimit("氨氮", _water(20)), WaterLimit("总氮", _water(30)),
        WaterLimit("总磷", _water(1.5)), WaterLimit("色度", "80"), WaterLimit("苯胺类", _water(1.0)),
        WaterLimit("硫化物", _water(0.5)))),),
    "炼钢": (OutletPlan("废水总排放口", True, (  # GB 13456-2012 表2
        WaterLimit("化学需氧量", _water(50)), WaterLimit("氨氮", _water(5)), WaterLimit("悬浮物", _water(30)),
        WaterLimit("石油类", _water(3)))),),
    "污水处理及其再生利用": (OutletPlan("废水总排放口", True, (  # GB 18918-2002 一级A
        WaterLimit("化学需氧量", _water(50)), WaterLimit("五日生化需氧量", _water(10)),
        WaterLimit("悬浮物", _water(10)), WaterLimit("氨氮", _water(5)), WaterLimit("总氮", _water(15)),
        WaterLimit("总磷", _water(0.5)), WaterLimit("pH值", "6-9"))),),
    "热力生产和供应": (),
    "皮革鞣制加工": (  # GB 30486-2013 表2, indirect discharge
        OutletPlan("废水总排放口", True, (WaterLimit("化学需氧量", _water(300)), WaterLimit("氨氮", _water(70)),
                                       WaterLimit("硫化物", _water(1.0)), WaterLimit("pH值", "6-9"))),
        OutletPlan("含铬废水车间排放口", True, (WaterLimit("总铬", _water(1.5)), WaterLimit("六价铬", _water(0.1)))),
    ),
}


def _leading_number(cell: str) -> float | None:
    match = LEADING_NUMBER.match(cell)
    return float(match[0]) if match else None


def _figure(value: float) -> str:
    """A number as the platform prints it: up to three decimals, no trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text or "0"


@cache
def _furnace_plans() -> dict[str, tuple[OutletPlan, ...]]:
    """World key → one stack per furnace, as the incineration platform lists the plant's outlets."""
    names = {code: name for code, name, _ in incineration.POLLUTANTS}
    stricter = {names[code]: _figure(limit) for code, limit in incineration.LOCAL_LIMITS.items()}
    out = {}
    for plant in incineration.platform_plants():
        local = plant.enterprise.city_code == incineration.LOCAL_LIMIT_CITY
        stacks = []
        for furnace in plant.outlets:
            limits = tuple(AirLimit(pollutant, _air(hourly), _air(daily), "/",
                                    stricter[pollutant] if local else "/")
                           for pollutant, hourly, daily in FURNACE_LIMITS)
            # The platform names the outlet `1号焚烧炉排气筒DA001`: our name, then our code.
            code = f"DA{furnace.number:03d}"
            if not furnace.mp_name.endswith(code):
                raise ValueError(f"incineration outlet {furnace.mp_name!r} no longer ends with {code}")
            stacks.append(OutletPlan(furnace.mp_name.removesuffix(code), True, limits))
        out[plant.enterprise.key] = tuple(stacks)
    return out


def _numbered(prefix: str, plans: tuple[OutletPlan, ...], row: Listing, flows: dict[str, float],
              hours: float, annual_for: tuple[str, ...]) -> tuple[PermitOutlet, ...]:
    """Code the outlets (main ones first) and work out the annual tonnage of the main outlets' pollutants."""
    simplified = row.permit.management == "简化管理"
    ordered = sorted(plans, key=lambda plan: not plan.main and not simplified)
    out = []
    for number, plan in enumerate(ordered, start=1):
        main = plan.main and not simplified  # 简化管理 permits have general outlets only
        annual: dict[str, str] = {}
        if main:
            for limit in plan.limits:
                if limit.pollutant not in annual_for:
                    continue
                cells = (limit.daily, limit.hourly) if isinstance(limit, AirLimit) else (limit.concentration,)
                concentration = next(v for v in map(_leading_number, cells) if v is not None)
                annual[limit.pollutant] = _figure(concentration * flows[plan.name] * hours / 1e9)
        out.append(PermitOutlet(f"{prefix}{number:03d}", plan.name, main, plan.limits, annual))
    return tuple(out)


@cache
def outlets(dataid: str) -> tuple[tuple[PermitOutlet, ...], tuple[PermitOutlet, ...]]:
    """A permit's (air, water) outlets with their limits; the same on every run."""
    row = by_dataid()[dataid]
    e = row.enterprise
    rng = random.Random(f"outlets-{dataid}")
    first_site = row.permit.number[18:21] == "001"
    if e.incineration:
        air_plans = ((*_furnace_plans()[e.key], *INCINERATION_GENERAL_AIR) if first_site
                     else INCINERATION_SECOND_SITE_AIR)
        water_plans = INCINERATION_WATER
    else:
        air_plans, water_plans = AIR_PLANS[e.industry], WATER_PLANS[e.industry]
    furnaces = {f"{o.number}号焚烧炉排气筒": o.burn_ability for p in incineration.platform_plants()
                if p.enterprise.key == e.key for o in p.outlets}
    # Stack flows in Nm3/h (a furnace's from its capacity), water flows in m3/d.
    air_flows = {plan.name: furnaces[plan.name] * FLUE_GAS_PER_TONNE / 24 if plan.name in furnaces
                 else rng.randrange(20_000, 150_000, 500) for plan in air_plans}
    big_water = 20_000 if e.industry == "污水处理及其再生利用" else 300
    water_flows = {plan.name: float(rng.randrange(big_water, big_water * 5, 50)) for plan in water_plans}
    # mg/Nm3 × Nm3/h × h → t: 1e9; mg/L × m3/d × d → t: 1e6 (hence 365 × 1000 against the 1e9).
    return (_numbered("DA", air_plans, row, air_flows, AIR_HOURS, ANNUAL_AIR),
            _numbered("DW", water_plans, row, water_flows, 365 * 1000, ANNUAL_WATER))


AIR_HEADER = ("<tr>\n    <th rowspan=\"2\">排放口编号</th>\n    <th rowspan=\"2\">排放口名称</th>\n"
              "    <th rowspan=\"2\">污染物种类</th>\n    <th rowspan=\"2\">许可排放小时浓度限值</th>\n"
              "    <th rowspan=\"2\">许可排放日均浓度限值</th>\n    <th rowspan=\"2\">许可排放速率限值(kg/h)</th>\n"
              "    <th colspan=\"5\">许可年排放量限值(t/a)</th>\n    <th rowspan=\"2\">承诺更加严格排放浓度限值</th>\n"
              "  </tr>\n  <tr>\n    <th>第一年</th><th>第二年</th><th>第三年</th><th>第四年</th><th>第五年</th>\n"
              "  </tr>")
WATER_HEADER = ("<tr>\n    <th rowspan=\"2\">排放口编号</th>\n    <th rowspan=\"2\">排放口名称</th>\n"
                "    <th rowspan=\"2\">污染物种类</th>\n    <th rowspan=\"2\">许可排放浓度限值</th>\n"
                "    <th colspan=\"5\">许可年排放量限值(t/a)</th>\n  </tr>\n  <tr>\n"
                "    <th>第一年</th><th>第二年</th><th>第三年</th><th>第四年</th><th>第五年</th>\n  </tr>")


def _tds(cells: tuple[str, ...] | list[str]) -> str:
    return "".join(f"<td>{_esc(cell)}</td>" for cell in cells)


def _air_rows(items: tuple[PermitOutlet, ...]) -> list[str]:
    rows = []
    for outlet in items:
        for limit in outlet.limits:
            assert isinstance(limit, AirLimit)
            years = [outlet.annual.get(limit.pollutant, "/")] * 5
            cells = [outlet.code, outlet.name, limit.pollutant, limit.hourly, limit.daily, limit.rate, *years,
                     limit.stricter]
            rows.append(f"  <tr>{_tds(cells)}</tr>")
    return rows


def _air_totals(label: str, items: tuple[PermitOutlet, ...]) -> list[str]:
    """The 合计 rows: the annual tonnages of the four pollutants summed over the outlets, `/` where none."""
    rows = []
    for index, pollutant in enumerate(ANNUAL_AIR):
        values = [float(o.annual[pollutant]) for o in items if pollutant in o.annual]
        year = _figure(sum(values)) if values else "/"
        head = (f'<td colspan="2" rowspan="{len(ANNUAL_AIR)}">{label}</td>' if index == 0 else "")
        rows.append(f'  <tr>{head}<td>{pollutant}</td><td colspan="3">/</td>{_tds([year] * 5)}<td>/</td></tr>')
    return rows


def _page(title: str, position: str, body: str) -> str:
    return f"""<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<title>{title}</title>
</head>
<body>
<div class="container">
<div class="position">当前位置:{position}</div>
<div class="tb-con">
{body}
</div>
</div>
</body>
</html>
"""


def render_air_tab(row: Listing) -> str:
    """The air tab (approveAtmosphere_xkzgk): organised-emission limits per outlet, totals, special cases."""
    air, _ = outlets(row.permit.dataid)
    main = tuple(o for o in air if o.main)
    general = tuple(o for o in air if not o.main)
    grouptable = "\n".join([f"  {AIR_HEADER}", *_air_rows(main), *_air_totals("主要排放口合计", main)])
    general_table = "\n".join([f"  {AIR_HEADER}", *_air_rows(general), *_air_totals("一般排放口合计", general)])
    totals = "\n".join(_air_totals("全厂有组织排放总计", air))
    body = f"""<p class="tit">1、大气污染物有组织排放许可限值</p>
<p class="tit2">(1)主要排放口</p>
<table width="100%" border="0" cellspacing="0" cellpadding="0" id="grouptable" class="edit-grid">
{grouptable}
</table>
<p class="tit2">(2)一般排放口</p>
<table width="100%" border="0" cellspacing="0" cellpadding="0" id="apply_table1" class="edit-grid">
{general_table}
</table>
<p class="tit2">(3)全厂有组织排放总计</p>
<table width="100%" border="0" cellspacing="0" cellpadding="0" id="totaltable" class="edit-grid">
  <tr><th colspan="2">&nbsp;</th><th>污染物种类</th><th colspan="3">&nbsp;</th><th>第一年</th><th>第二年</th>\
<th>第三年</th><th>第四年</th><th>第五年</th><th>&nbsp;</th></tr>
{totals}
</table>
<p class="tit">2、特殊情况下大气污染物排放许可限值</p>
<table width="100%" border="0" cellspacing="0" cellpadding="0" class="edit-grid">
  <tr><th>环境质量限期达标规划要求</th><td>/</td></tr>
  <tr><th>重污染天气应对要求</th><td>按所在地重污染天气应急预案要求执行</td></tr>
</table>"""
    return _page("大气污染物排放信息", "大气污染物排放信息审核", body)


def render_water_tab(row: Listing) -> str:
    """The water tab (approveWater_xkzgk): 9 cells per pollutant row of each outlet (our layout)."""
    _, water = outlets(row.permit.dataid)
    tables = []
    for table_id, title, main in (("fswrwinfo1", "(1)主要排放口", True), ("fswrwinfo5", "(2)一般排放口", False)):
        rows = [f"  {WATER_HEADER}"]
        for outlet in (o for o in water if o.main is main):
            for limit in outlet.limits:
                assert isinstance(limit, WaterLimit)
                years = [outlet.annual.get(limit.pollutant, "/")] * 5
                rows.append(f"  <tr>{_tds([outlet.code, outlet.name, limit.pollutant, limit.concentration, *years])}"
                            "</tr>")
        table_rows = "\n".join(rows)
        tables.append(f"""<p class="tit2">{title}</p>
<table width="100%" border="0" cellspacing="0" cellpadding="0" id="{table_id}" class="edit-grid">
{table_rows}
</table>""")
    body = "<p class=\"tit\">1、水污染物排放许可限值</p>\n" + "\n".join(tables)
    return _page("水污染物排放信息", "水污染物排放信息审核", body)


OTHER_CONTENT = (
    ("其他控制及管理要求", "按《排污许可管理条例》及排污许可证规定开展自行监测、环境管理台账记录和执行报告编制。"),
    ("环境管理台账记录要求", "台账保存期限不少于五年。"),
    ("执行报告要求", "{reports}"),
    ("信息公开要求", "通过全国排污许可证管理信息平台公开污染物排放信息。"),
)


def render_other_tab(row: Listing) -> str:
    """The 其他许可内容 tab (approveothercon_xkzgk): th/td rows of free text."""
    reports = "年度执行报告、季度执行报告" if row.permit.management == "重点管理" else "年度执行报告"
    rows = "\n".join(f"  <tr>\n    <th>{label}</th>\n    <td>{_esc(text.format(reports=reports))}</td>\n  </tr>"
                     for label, text in OTHER_CONTENT)
    body = f"""<table width="100%" border="0" cellspacing="0" cellpadding="0" id="othercon_table" class="edit-grid">
{rows}
</table>"""
    return _page("其他许可内容", "其他许可内容审核", body)
