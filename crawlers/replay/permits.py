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

Detail tabs are dispatched on the `xkgk` parameter (`DETAIL_TABS`); only the basic-info tab
(`getxxgkContent`) is replicated so far. The air (`approveAtmosphere_xkzgk`) and water
(`approveWater_xkzgk`) tabs answer the error page until they are added there.
"""

from __future__ import annotations

import html
import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from crawlers.replay import world
from crawlers.replay.server import Request, Response

HOST = "permit.mee.gov.cn"
PORTAL_PATH = "/permitExt/defaults/default-index!getInformation.action"
LIST_PATH = "/perxxgkinfo/syssb/xkgg/xkgg!licenseInformation.action"
OLD_LIST_PATH = "/permitExt/syssb/xkgg/xkgg!licenseInformation.action"
ERROR_INFO_PATH = "/perxxgkinfo/errorinfo.jsp"
DETAIL_PATH = "/perxxgkinfo/xkgkAction!xkgk.action"
REGIONS_PATH = "/perxxgkinfo/syssb/xkgg/xkgg!getRegions.action"
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


@cache
def listings() -> tuple[Listing, ...]:
    """Every permit of the world, newest 发证日期 first (ties by permit number), as the list shows them."""
    rows = [_listing(p, e) for e in world.enterprises() for p in e.permits]
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
    """The replica of permit.mee.gov.cn: portal, permit list, basic-info detail tab, error pages."""

    host = HOST

    def __init__(self) -> None:
        self._sessions = itertools.count(1)
        # xkgk parameter → renderer of that detail tab. The air and water tabs belong here when replicated.
        self.detail_tabs: dict[str, Callable[[Listing], str]] = {
            "getxxgkContent": render_basic_info,
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
        """The region dropdown: provinces under `000000000000`, cities under a province (12-digit codes)."""
        seen: dict[str, str] = {}
        for e in world.enterprises():
            province_code = e.city_code[:2] + "0000"
            if parent == "000000000000":
                seen[province_code + "000000"] = e.province
            elif parent == province_code + "000000":
                seen[e.city_code + "000000"] = e.city
        return Response.json({"regions": [{"regioncode": code, "regionname": name}
                                          for code, name in sorted(seen.items())]})


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
