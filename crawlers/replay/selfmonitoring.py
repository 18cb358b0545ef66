"""Replica of 浙江省重点排污单位自行监测信息公开平台 (`zxjc.sthjt.zj.gov.cn`): self-monitoring disclosure tables.

The real platform's HTML is not known (sources.md §3.3, §7.8: no archived page was found), so this replica is
a design, not a copy. It publishes what HJ 819-2017 (排污单位自行监测技术指南 总则) §9 and the 国家重点监控
企业自行监测及信息公开办法 require a key discharger to disclose, in the form provincial platforms use:

* `GET /zxjc/qyxx/list.do?page=N` — the enterprises, 5 a page: 序号, 企业名称, 统一社会信用代码,
  排污许可证编号, 所属地区, 行业类别, and a 查看 link to the enterprise's latest day
  (`/zxjc/jcsj/day.do?ent=<id>&date=2026-11-07&page=1`). The pager says `共 12 条记录，第 1/3 页`.
* `GET /zxjc/jcsj/day.do?ent=<id>&date=YYYY-MM-DD&page=N` — one enterprise's values of one day, 100 rows a
  page, under a header (企业名称, 统一社会信用代码, 排污许可证编号, 监测日期) and the banner the disclosure
  rules require: 「实时公布数据属于企业自行监测数据，未经环境保护主管部门审核。」. Columns: 企业名称,
  监测点位 (`1号锅炉烟囱(DA001)`: outlet name and HJ 608 code), 监测时间, 监测项目, 监测值, 单位,
  标准限值 (`50`, pH `6~9`), 是否达标 (是/否, `/` without a value), 超标倍数 ((监测值 − 标准限值)/标准限值,
  two decimals; empty when compliant, `/` without a value), 排放方式 (自动/手工), 烟气/废水流量(m³/h), 备注
  (停产, 故障). A day without data says 暂无数据; an unknown enterprise or a malformed date answers a page
  with 参数错误 and no table. Automatic values are hourly averages for air (24 a day) and 2-hourly averages
  for water (12 a day); manual (手工) results are sampled once a week at their own time.

The data are synthetic and deterministic: the 12 enterprises of `crawlers.replay.world` in 嘉兴 that are not
incineration plants (those report to the MEE platform), their first permit's number, the outlets of that permit
(`crawlers.replay.permits`; which are monitored, and how, by industry in `INDUSTRY_POINTS`), days
2026-11-01..07. Deliberate features: the exceedances in `EXCEEDANCES`, one of
them printed with the wrong 超标倍数 (the platform divided by the limit without subtracting it, as happens),
one enterprise stopped for a day (停产), analyser faults (故障) on a few hours, and one enterprise whose
统一社会信用代码 cell is empty (its permit number, which begins with the code, is printed).
"""

from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from crawlers.replay import permits, world
from crawlers.replay.server import Request, Response

HOST = "zxjc.sthjt.zj.gov.cn"
LIST_PATH = "/zxjc/qyxx/list.do"
DAY_PATH = "/zxjc/jcsj/day.do"
LIST_PAGE_SIZE = 5
DAY_PAGE_SIZE = 100
FIRST_DAY = date(2026, 11, 1)
DAYS = 7
SEED = f"{world.SEED}-selfmonitoring"
BANNER = "实时公布数据属于企业自行监测数据，未经环境保护主管部门审核。"
TITLE = "浙江省重点排污单位自行监测信息公开平台"
COLUMNS = ("企业名称", "监测点位", "监测时间", "监测项目", "监测值", "单位", "标准限值", "是否达标", "超标倍数",
           "排放方式", "烟气/废水流量(m³/h)", "备注")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Item:
    """A monitored pollutant (监测项目) at an outlet: its limit, and its usual level as a share of the limit."""

    name: str
    unit: str
    limit: float | tuple[float, float]  # upper limit, or (low, high) for pH
    level: tuple[float, float] = (0.2, 0.6)


@dataclass(frozen=True)
class Point:
    """A monitoring point (监测点位): an outlet with its automatic and manual items."""

    code: str  # HJ 608-2017 outlet code: DA = 废气 (air), DW = 废水 (water)
    name: str
    auto: tuple[Item, ...]
    manual: tuple[Item, ...]
    flow: tuple[float, float]  # m³/h

    @property
    def air(self) -> bool:
        return self.code.startswith("DA")

    @property
    def label(self) -> str:
        return f"{self.name}({self.code})"


MG_M3, MG_L, PH = "mg/m³", "mg/L", "无量纲"
_PH = Item("pH值", PH, (6, 9))
# The outlets are the permit's (`crawlers.replay.permits`: same HJ 608 code, same name; `sites()` checks), and
# 标准限值 is the permit's concentration limit (hourly for air, the stricter commitment where there is one),
# except where noted: a stricter local standard, or a pollutant the permit does not list at that outlet.
INDUSTRY_POINTS: dict[str, tuple[Point, ...]] = {
    "皮革鞣制加工": (
        Point("DA001", "涂饰废气排放口", (Item("颗粒物", MG_M3, 120, (0.05, 0.2)),
                                        Item("非甲烷总烃", MG_M3, 120, (0.1, 0.4))), (), (8000, 15000)),
        # 总磷: not on the permit; the platform prints the indirect-discharge standard.
        Point("DW001", "废水总排放口", (Item("化学需氧量", MG_L, 300), Item("氨氮", MG_L, 70), Item("总磷", MG_L, 4),
                                      _PH), (), (10, 40)),
        Point("DW002", "含铬废水车间排放口", (), (Item("总铬", MG_L, 1.5), Item("六价铬", MG_L, 0.1)), (2, 8)),
    ),
    "金属表面处理及热处理加工": (
        Point("DA001", "酸洗废气排放口", (), (Item("氯化氢", MG_M3, 30), Item("氮氧化物", MG_M3, 200)), (6000, 9000)),
        Point("DW001", "废水总排放口", (Item("化学需氧量", MG_L, 80), Item("氨氮", MG_L, 15), Item("总磷", MG_L, 1),
                                      _PH), (Item("悬浮物", MG_L, 50),), (3, 12)),
        Point("DW002", "含铬废水车间排放口", (), (Item("总铬", MG_L, 1), Item("六价铬", MG_L, 0.2)), (1, 4)),
    ),
    "棉印染精加工": (
        # 颗粒物 15: DB33/962-2015, stricter than the permit's GB 16297-1996 120.
        Point("DA001", "定型机废气排放口", (), (Item("颗粒物", MG_M3, 15),), (20000, 30000)),
        Point("DW001", "废水总排放口", (Item("化学需氧量", MG_L, 200), Item("氨氮", MG_L, 20), Item("总磷", MG_L, 1.5),
                                      _PH), (Item("悬浮物", MG_L, 100),), (40, 120)),
    ),
    "化学原料和化学制品制造业": (
        # The permit limits 挥发性有机物 here; the analyser reports 非甲烷总烃 against GB 16297-1996's 60.
        Point("DA001", "RTO焚烧炉排放口", (Item("非甲烷总烃", MG_M3, 60, (0.1, 0.5)),), (), (20000, 40000)),
        Point("DW001", "废水总排放口", (Item("化学需氧量", MG_L, 500), Item("氨氮", MG_L, 45), Item("总磷", MG_L, 8),
                                      _PH), (Item("悬浮物", MG_L, 400),), (5, 25)),
    ),
    "污水处理及其再生利用": (
        Point("DW001", "废水总排放口", (Item("化学需氧量", MG_L, 50), Item("氨氮", MG_L, 5),
                                      Item("总氮", MG_L, 15), Item("总磷", MG_L, 0.5), _PH), (), (2000, 4000)),
    ),
    "热力生产和供应": (
        # The permit's stricter column: the ultra-low emission commitment.
        Point("DA001", "1号锅炉烟囱", (Item("颗粒物", MG_M3, 10), Item("二氧化硫", MG_M3, 35),
                                     Item("氮氧化物", MG_M3, 50, (0.45, 0.8))), (), (180000, 260000)),
        Point("DA002", "煤场转运站排气筒", (), (Item("颗粒物", MG_M3, 120, (0.05, 0.2)),), (15000, 25000)),
    ),
    "炼钢": (
        # 颗粒物 10: the special limit of GB 28664-2012, stricter than the permit's 20.
        Point("DA002", "电炉烟气排放口", (Item("颗粒物", MG_M3, 10),), (), (400000, 600000)),
        Point("DW001", "废水总排放口", (Item("化学需氧量", MG_L, 50), Item("氨氮", MG_L, 5), Item("总磷", MG_L, 0.5),
                                      _PH), (), (30, 80)),
    ),
}

# (world key, outlet, item, day of November 2026, hour, value): clearly synthetic exceedances.
EXCEEDANCES: tuple[tuple[str, str, str, int, int, float], ...] = (
    ("e46", "DA001", "氮氧化物", 3, 7, 63.5),
    ("e37", "DW001", "化学需氧量", 2, 10, 96.8),
    ("e42", "DW001", "氨氮", 5, 14, 26.4),
    ("e44", "DW001", "总磷", 6, 4, 0.62),
    ("e34", "DA001", "颗粒物", 4, 15, 152.4),
    ("e40", "DA001", "非甲烷总烃", 1, 9, 75.0),
)
# The one exceedance the platform prints with 超标倍数 = value / limit instead of (value − limit) / limit.
WRONG_MULTIPLE = ("e40", "DA001", "非甲烷总烃", 1, 9)
# (world key, day): the enterprise stopped production (停产) for the whole day.
STOPPED = (("e41", 5),)
# (world key, outlet, day, first hour, last hour): analyser fault (故障), no values.
FAULTS = (("e38", "DW001", 2, 8, 12), ("e46", "DA001", 6, 13, 15))
# The enterprise whose 统一社会信用代码 the list leaves empty.
NO_USCC = "e41"
MANUAL_DAY = 4  # manual sampling: water at 10:30, air at 14:30


@dataclass(frozen=True)
class Site:
    enterprise: world.Enterprise
    ent_id: str
    permit_number: str
    points: tuple[Point, ...]

    @property
    def uscc_shown(self) -> str:
        return "" if self.enterprise.key == NO_USCC else self.enterprise.uscc

    @property
    def region(self) -> str:
        e = self.enterprise
        return e.city + ("" if e.county == e.city else e.county)


@cache
def sites() -> tuple[Site, ...]:
    """The enterprises the platform lists: 嘉兴's dischargers that are not incineration plants, in world order."""
    out = []
    for e in world.in_city("330400"):
        if e.incineration:
            continue
        points = INDUSTRY_POINTS[e.industry]
        air, water = permits.outlets(e.permits[0].dataid)
        permitted = {(o.code, o.name) for o in (*air, *water)}
        if stray := [p.label for p in points if (p.code, p.name) not in permitted]:
            raise ValueError(f"{e.key}: outlets {stray} are not on permit {e.permits[0].number}")
        out.append(Site(e, world.hex_id("zxjc", e.uscc, length=16).lower(), e.permits[0].number, points))
    return tuple(out)


@cache
def by_ent_id() -> dict[str, Site]:
    return {s.ent_id: s for s in sites()}


def _decimals(item: Item) -> int:
    return 2 if isinstance(item.limit, tuple) or item.limit < 10 else 1


def _fmt(value: float, decimals: int) -> str:
    return f"{value:.{decimals}f}"


def _limit_text(item: Item) -> str:
    if isinstance(item.limit, tuple):
        return f"{item.limit[0]:g}~{item.limit[1]:g}"
    return f"{item.limit:g}"


@dataclass(frozen=True)
class Row:
    point: Point
    time: str  # YYYY-MM-DD HH:MM
    item: Item
    value: str
    compliant: str  # 是 | 否 | /
    multiple: str  # "" | "0.27" | /
    mode: str  # 自动 | 手工
    flow: str
    remark: str


def _judge(item: Item, value: float, wrong: bool) -> tuple[str, str]:
    if isinstance(item.limit, tuple):
        return ("是" if item.limit[0] <= value <= item.limit[1] else "否"), ""
    if value <= item.limit:
        return "是", ""
    multiple = value / item.limit if wrong else (value - item.limit) / item.limit
    return "否", f"{multiple:.2f}"


def day_rows(site: Site, day: date) -> list[Row]:
    """Every row of one enterprise's day, in the platform's order: outlet, time, item."""
    if not FIRST_DAY <= day < FIRST_DAY + timedelta(days=DAYS):
        return []
    key, n = site.enterprise.key, day.day
    stopped = (key, n) in STOPPED
    forced = {(p, i, h): v for k, p, i, d, h, v in EXCEEDANCES if (k, d) == (key, n)}
    rows: list[Row] = []
    for point in site.points:
        step = 1 if point.air else 2
        faults = {h for k, p, d, lo, hi in FAULTS if (k, p, d) == (key, point.code, n) for h in range(lo, hi + 1)}
        levels = random.Random(f"{SEED}-{key}-{point.code}")
        base = {item.name: levels.uniform(*item.level) for item in point.auto}
        timed: list[tuple[str, Item, str]] = [(f"{h:02d}:00", item, "自动") for h in range(0, 24, step)
                                              for item in point.auto]
        if n == MANUAL_DAY:
            timed += [("14:30" if point.air else "10:30", item, "手工") for item in point.manual]
        timed.sort(key=lambda t: t[0])
        flows: dict[str, str] = {}
        for clock, item, mode in timed:
            rng = random.Random(f"{SEED}-{key}-{point.code}-{item.name}-{day.isoformat()}-{clock}")
            hour = int(clock[:2])
            decimals = _decimals(item)
            if clock not in flows:
                flow_rng = random.Random(f"{SEED}-{key}-{point.code}-flow-{day.isoformat()}-{clock}")
                flow = flow_rng.uniform(*point.flow)
                flows[clock] = "0" if stopped else (f"{flow:.0f}" if point.air else f"{flow:.2f}")
            flow_text = "" if mode == "手工" else flows[clock]
            if stopped or (mode == "自动" and hour in faults):
                rows.append(Row(point, f"{day.isoformat()} {clock}", item, "", "/", "/", mode, flow_text,
                                "停产" if stopped else "故障"))
                continue
            if (point.code, item.name, hour) in forced and mode == "自动":
                value = forced[(point.code, item.name, hour)]
            elif isinstance(item.limit, tuple):
                value = rng.uniform(6.6, 8.4)
            else:
                share = base.get(item.name, rng.uniform(*item.level))
                value = min(item.limit * share * rng.uniform(0.85, 1.15), item.limit * 0.95)
            value = round(value, decimals)
            wrong = (key, point.code, item.name, n, hour) == WRONG_MULTIPLE
            compliant, multiple = _judge(item, value, wrong)
            rows.append(Row(point, f"{day.isoformat()} {clock}", item, _fmt(value, decimals), compliant, multiple,
                            mode, flow_text, ""))
    return rows


def _e(value: object) -> str:
    return html.escape(str(value))


_HEAD = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 0; font-size: 14px; }}
.top {{ background: #0b6e4f; color: #fff; padding: 12px 24px; font-size: 20px; }}
.notice {{ color: #b00; padding: 8px 24px; }}
table {{ border-collapse: collapse; margin: 8px 24px; }}
th, td {{ border: 1px solid #ccd6dd; padding: 3px 8px; }}
.pager {{ padding: 8px 24px; }}
</style>
</head>
<body>
<div class="top">{platform}</div>
<div class="nav"><a href="{list_path}?page=1">企业列表</a></div>
<div class="notice">{banner}</div>
"""


def _page(title: str, body: str) -> str:
    return (_HEAD.format(title=_e(title), platform=TITLE, list_path=LIST_PATH, banner=BANNER) + body
            + '\n<div class="foot">浙江省生态环境厅 主办</div>\n</body>\n</html>\n')


def _pager(total: int, page: int, pages: int, base: str) -> str:
    """`base` is the page's URL up to its `page=` parameter (`…?` or `…&amp;`)."""
    links = []
    if page > 1:
        links.append(f'<a href="{base}page={page - 1}">上一页</a>')
    if page < pages:
        links.append(f'<a href="{base}page={page + 1}">下一页</a>')
    return f'<div class="pager">共 {total} 条记录，第 {page}/{pages} 页 {" ".join(links)}</div>'


def _error(message: str) -> Response:
    return Response(_page(TITLE, f'<div class="error">{_e(message)}</div>'))


class ZhejiangSelfMonitoring:
    host = HOST

    def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response("<html><body>405 Not Allowed</body></html>", 405)
        if request.path == "/robots.txt":
            return Response("User-agent: *\nDisallow:\n", content_type="text/plain; charset=utf-8")
        if request.path in ("/", "/zxjc/", "/zxjc/index.do"):
            return Response.redirect(f"{LIST_PATH}?page=1")
        page_text = request.param("page", "1")
        if not page_text.isdigit() or int(page_text) < 1:
            return _error("参数错误：page")
        page = int(page_text)
        if request.path == LIST_PATH:
            return self.enterprise_list(page)
        if request.path == DAY_PATH:
            site = by_ent_id().get(request.param("ent"))
            text = request.param("date")
            if site is None:
                return _error("参数错误：未找到该企业")
            if not _DATE.match(text):
                return _error("参数错误：date 应为 yyyy-MM-dd")
            try:
                day = date.fromisoformat(text)
            except ValueError:
                return _error("参数错误：date 应为 yyyy-MM-dd")
            return self.day_table(site, day, page)
        return Response.not_found()

    def enterprise_list(self, page: int) -> Response:
        all_sites = sites()
        pages = max(1, -(-len(all_sites) // LIST_PAGE_SIZE))
        chosen = all_sites[(page - 1) * LIST_PAGE_SIZE:page * LIST_PAGE_SIZE]
        last = (FIRST_DAY + timedelta(days=DAYS - 1)).isoformat()
        rows = "\n".join(
            f"<tr><td>{(page - 1) * LIST_PAGE_SIZE + n}</td><td>{_e(s.enterprise.name)}</td>"
            f"<td>{_e(s.uscc_shown)}</td><td>{_e(s.permit_number)}</td><td>{_e(s.region)}</td>"
            f"<td>{_e(s.enterprise.industry)}</td>"
            f'<td><a href="{DAY_PATH}?ent={s.ent_id}&amp;date={last}&amp;page=1">查看</a></td></tr>'
            for n, s in enumerate(chosen, 1)
        ) or '<tr><td colspan="7" class="empty">暂无数据</td></tr>'
        body = f"""<h2>重点排污单位名录</h2>
<table class="list" id="qyTable">
<thead><tr><th>序号</th><th>企业名称</th><th>统一社会信用代码</th><th>排污许可证编号</th><th>所属地区</th>\
<th>行业类别</th><th>监测数据</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>
{_pager(len(all_sites), page, pages, f"{LIST_PATH}?")}"""
        return Response(_page(f"重点排污单位名录 - {TITLE}", body))

    def day_table(self, site: Site, day: date, page: int) -> Response:
        rows = day_rows(site, day)
        pages = max(1, -(-len(rows) // DAY_PAGE_SIZE))
        chosen = rows[(page - 1) * DAY_PAGE_SIZE:page * DAY_PAGE_SIZE]
        name = site.enterprise.name
        cells = "\n".join(
            "<tr>" + "".join(f"<td>{_e(v)}</td>" for v in (
                name, r.point.label, r.time, r.item.name, r.value, r.item.unit, _limit_text(r.item), r.compliant,
                r.multiple, r.mode, r.flow, r.remark)) + "</tr>"
            for r in chosen
        ) or f'<tr><td colspan="{len(COLUMNS)}" class="empty">暂无数据</td></tr>'
        header = "".join(f"<th>{_e(c)}</th>" for c in COLUMNS)
        link = f"{DAY_PATH}?ent={site.ent_id}&amp;date={day.isoformat()}&amp;"
        body = f"""<table class="info" id="qyxx">
<tr><th>企业名称</th><td>{_e(name)}</td><th>统一社会信用代码</th><td>{_e(site.uscc_shown)}</td></tr>
<tr><th>排污许可证编号</th><td>{_e(site.permit_number)}</td><th>监测日期</th><td>{day.isoformat()}</td></tr>
</table>
<table class="list" id="jcsjTable">
<thead><tr>{header}</tr></thead>
<tbody>
{cells}
</tbody>
</table>
{_pager(len(rows), page, pages, link)}"""
        return Response(_page(f"{name} {day.isoformat()} 自行监测数据 - {TITLE}", body))
