"""Replica of the 浙江省生态环境厅 notice column that publishes lists as attachments (sources.md §2.5).

The provincial site runs Hanweb (大汉) JCMS, like most Zhejiang government sites: a column is
`/col/col<columnid>/index.html`; its list is a jpage unit whose records sit in the page itself, inside
`<div id="<unitid>"><script type="text/xml"><datastore>…<record><![CDATA[<li>…</li>]]></record>…`, with
`<totalrecord>` and `<totalpage>`; page N is `index.html?uid=<unitid>&pageNum=N`. Articles are
`/art/<yyyy>/<m>/<d>/art_<columnid>_<articleid>.html` (month and day not zero-padded) with the
信息公开 metadata table (索引号, 发布机构, 文号, 成文日期) above the text in `div#zoom`. Attachments are
linked relatively (`../../../../module/download/downfile.jsp?classid=0&filename=…&showname=…`) and served
by that one script as `application/octet-stream` whatever they are, so only their content says what they
are; a file that is not there comes back as a 200 HTML page, not a 404.

The column mixes the lists with other notices. The lists:
- 企业环境信用评价结果 for 2023 (an XLSX that was uploaded truncated: unreadable), 2024 (DOCX, the long
  grade names 环保诚信企业 …, one 所在地 column "嘉兴市海宁市") and 2025 (XLSX, 绿牌 …, a title row above
  the header, 设区市 and 县（市、区） columns, one row that only carries the wrapped end of the row above);
  the 2025 draft (拟评) results are a separate notice without attachment. Every 嘉兴 enterprise of the
  world is rated with a grade that follows its penalty history (crawlers/replay/penalties.py), beside 30
  synthetic Zhejiang enterprises; one code is masked, one printed in full-width digits, one mistyped.
- 强制性清洁生产审核企业名单 (the "双超双有" enterprises) for 2025 (XLSX, codes, deadlines as Excel dates
  or text) and 2026 (PDF: no code column, name only; the table runs over two pages, the header only on
  the first).
"""

from __future__ import annotations

import html
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, cached_property
from urllib.parse import quote

from crawlers.helpers import uscc
from crawlers.replay import world
from crawlers.replay.documents import make_docx, make_pdf, make_xlsx
from crawlers.replay.server import Request, Response

HOST = "sthjt.zj.gov.cn"
COLUMN_ID = "1229116"
COLUMN = f"/col/col{COLUMN_ID}/index.html"
UNIT_ID = "4880925"
PAGE_SIZE = 5
DOWNLOAD = "/module/download/downfile.jsp"
DEPARTMENT = "浙江省生态环境厅"
SEED = f"{world.SEED}-lists"

# (county code, county, city): real GB/T 2260 codes of Zhejiang outside 嘉兴.
ZJ_COUNTIES: tuple[tuple[str, str, str], ...] = (
    ("330106", "西湖区", "杭州市"), ("330109", "萧山区", "杭州市"), ("330110", "余杭区", "杭州市"),
    ("330206", "北仑区", "宁波市"), ("330212", "鄞州区", "宁波市"), ("330281", "余姚市", "宁波市"),
    ("330302", "鹿城区", "温州市"), ("330381", "瑞安市", "温州市"), ("330502", "吴兴区", "湖州市"),
    ("330522", "长兴县", "湖州市"), ("330603", "柯桥区", "绍兴市"), ("330604", "上虞区", "绍兴市"),
    ("330681", "诸暨市", "绍兴市"), ("330782", "义乌市", "金华市"), ("330702", "婺城区", "金华市"),
    ("330802", "柯城区", "衢州市"), ("330902", "定海区", "舟山市"), ("331002", "椒江区", "台州市"),
    ("331082", "临海市", "台州市"), ("331102", "莲都区", "丽水市"),
)
_TRADE = "恒瑞鑫泰宏远嘉盛永丰华新源达昌隆金祥德润兴汇通和佳正宇晟博安澄禾清沛东明立中"
_SUFFIXES = ("化工有限公司", "印染有限公司", "电镀有限公司", "纸业有限公司", "热电有限公司", "医药化工有限公司",
             "金属表面处理有限公司", "铸造有限公司", "合成革有限公司", "环保科技有限公司", "新材料有限公司")


@dataclass(frozen=True)
class Firm:
    key: str
    name: str
    uscc: str
    city: str
    county: str


@cache
def synthetic_firms() -> tuple[Firm, ...]:
    """80 Zhejiang enterprises outside the world (s00…s79), with valid codes on their county's region."""
    rng = random.Random(SEED)
    taken = {e.name for e in world.enterprises()}
    out = []
    for i in range(80):
        code, county, city = rng.choice(ZJ_COUNTIES)
        while True:
            trade = rng.choice(_TRADE) + rng.choice(_TRADE)
            place = city.removesuffix("市") if rng.random() < 0.6 else county[:-1]
            name = f"{place}{trade}{rng.choice(_SUFFIXES)}"
            if trade[0] != trade[1] and name not in taken:
                taken.add(name)
                break
        body = ("MA" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(6))
                if rng.random() < 0.6 else "".join(rng.choice("0123456789") for _ in range(8)))
        out.append(Firm(f"s{i:02d}", name, uscc.make(code, body), city, county))
    return tuple(out)


def firm(key: str) -> Firm:
    if key.startswith("e"):
        e = world.by_key(key)
        return Firm(e.key, e.name, e.uscc, e.city, e.county)
    return synthetic_firms()[int(key[1:])]


# ---- 企业环境信用评价 -------------------------------------------------------------------------------

GRADES = ("green", "blue", "yellow", "red", "black")
# 2025 list: the plate colours; 2024 list: the names of 《企业环境信用评价办法(试行)》 (环发〔2013〕150号),
# with the fifth grade Zhejiang adds.
PLATES = {"green": "绿牌", "blue": "蓝牌", "yellow": "黄牌", "red": "红牌", "black": "黑牌"}
LONG_NAMES = {"green": "环保诚信企业", "blue": "环保良好企业", "yellow": "环保警示企业", "red": "环保不良企业",
              "black": "环保严重失信企业"}

# The world's 嘉兴 enterprises: grade and main problems per evaluation year, following their penalties.
# The 2025 evaluation (made in early 2026) also counts what was decided before it was made (e36, 2026-01).
WORLD_RATINGS: dict[str, dict[int, tuple[str, tuple[str, ...]]]] = {
    "e00": {2024: ("yellow", ("废气超标排放",)), 2025: ("yellow", ("自动监测设施不正常运行",))},
    "e06": {2024: ("blue", ()), 2025: ("blue", ())},
    "e12": {2024: ("green", ()), 2025: ("black", ("篡改自动监测数据", "自动监测数据造假"))},
    "e18": {2024: ("green", ()), 2025: ("blue", ())},
    "e24": {2024: ("green", ()), 2025: ("yellow", ("危险废物管理不规范",))},
    "e30": {2024: ("blue", ()), 2025: ("yellow", ("废气超标排放",))},
    "e34": {2024: ("yellow", ("危险废物贮存不规范",)), 2025: ("blue", ())},
    "e36": {2024: ("yellow", ("废水超标排放",)), 2025: ("red", ("篡改自动监测数据", "排污许可证被吊销"))},
    "e37": {2024: ("blue", ()), 2025: ("black", ("私设暗管排放水污染物", "直接责任人员被行政拘留"))},
    "e38": {2024: ("red", ("私设暗管排放水污染物",)), 2025: ("yellow", ("未按排污许可证规定排放污染物",))},
    "e40": {2024: ("blue", ()), 2025: ("yellow", ("未批先建",))},
    "e41": {2024: ("green", ()), 2025: ("red", ("无危险废物经营许可证从事经营活动",))},
    "e42": {2024: ("yellow", ("废水超标排放",)), 2025: ("blue", ())},
    "e44": {2024: ("yellow", ("废水超标排放",)), 2025: ("blue", ())},
    "e45": {2024: ("blue", ()), 2025: ("red", ("废水超标排放", "拒不改正被按日连续处罚"))},
    "e46": {2024: ("yellow", ("废气超标排放",)), 2025: ("blue", ())},
    "e48": {2024: ("green", ()), 2025: ("yellow", ("废水超标排放",))},
    "e49": {2024: ("yellow", ("未批先建",)), 2025: ("blue", ())},
}
# The 30 synthetic enterprises s00…s29: one letter a firm (G B Y R, "-" not rated that year).
_SYNTHETIC_GRADES = {
    2024: "GBBGBBGBBYBGBBGGBYBBGBBGBRBGB-",
    2025: "GBBGBYBGBBGRBBGBYBBGBBGBBYGB-B",
}
_LETTERS = {"G": "green", "B": "blue", "Y": "yellow", "R": "red"}
_PROBLEMS = ("废水超标排放", "危险废物管理不规范", "废气超标排放", "未按规定开展自行监测", "挥发性有机物无组织排放",
             "私设暗管排放水污染物")
CITY_ORDER = ("杭州市", "宁波市", "温州市", "湖州市", "嘉兴市", "绍兴市", "金华市", "衢州市", "舟山市", "台州市",
              "丽水市")


@dataclass(frozen=True)
class Rating:
    firm: Firm
    grade: str
    problems: tuple[str, ...]


def ratings(year: int) -> list[Rating]:
    """One evaluation year's list in the order it is published: by city, then grade, then name."""
    out = [Rating(firm(key), years[year][0], years[year][1]) for key, years in WORLD_RATINGS.items()]
    for i, letter in enumerate(_SYNTHETIC_GRADES[year]):
        if letter == "-":
            continue
        grade = _LETTERS[letter]
        problems = (_PROBLEMS[(i + year) % len(_PROBLEMS)],) if grade in ("yellow", "red") else ()
        out.append(Rating(firm(f"s{i:02d}"), grade, problems))
    out.sort(key=lambda r: (CITY_ORDER.index(r.firm.city), GRADES.index(r.grade), r.firm.county, r.firm.name))
    return out


def full_width(code: str) -> str:
    """The code as a Chinese input method types it: ９１３３…"""
    return "".join(chr(ord(c) + 0xFEE0) for c in code)


def masked(code: str) -> str:
    return code[:10] + "*****" + code[15:]


def mistyped(code: str) -> str:
    """The check character wrong: a transcription error the list keeps."""
    wrong = "0" if code[-1] != "0" else "1"
    return code[:-1] + wrong


# How a code is printed where it is not printed as registered: (year, firm) → function.
PRINTED_CODES: dict[tuple[int, str], Callable[[str], str]] = {
    (2025, "e46"): full_width,
    (2025, "s04"): masked,
    (2024, "s07"): mistyped,
}


def _code(year: int, f: Firm) -> str:
    return PRINTED_CODES.get((year, f.key), lambda c: c)(f.uscc)


def credit_xlsx(year: int) -> bytes:
    """The 2025 style: plates, city and county columns, a title row, a wrapped reason on its own row."""
    header = ["序号", "设区市", "县（市、区）", "企业名称", "统一社会信用代码", "评价等级", "主要问题"]
    rows: list[list[object]] = [[f"{year}年度浙江省企业环境信用评价结果"], [], header]
    for n, r in enumerate(ratings(year), 1):
        problems = "；".join(r.problems)
        wrapped = None
        if r.firm.key == "e37":
            # The cell was too narrow: its second half ended up in a row of its own.
            problems, wrapped = f"{r.problems[0]}；", r.problems[1]
        rows.append([n, r.firm.city, r.firm.county, r.firm.name, _code(year, r.firm), PLATES[r.grade],
                     problems or None])
        if wrapped is not None:
            rows.append([None, None, None, None, None, None, wrapped])
    return make_xlsx({f"{year}年度评价结果": rows})


def credit_docx(year: int) -> bytes:
    """The 2024 style: the long grade names, one 所在地 column, the list as a Word table."""
    rows: list[list[object]] = [["序号", "企业名称", "统一社会信用代码", "所在地", "信用等级", "主要环境问题"]]
    for n, r in enumerate(ratings(year), 1):
        rows.append([n, r.firm.name, _code(year, r.firm), f"{r.firm.city}{r.firm.county}", LONG_NAMES[r.grade],
                     "、".join(r.problems)])
    return make_docx(f"{year}年度浙江省企业环境信用评价结果", [
        "评价等级分为环保诚信企业、环保良好企业、环保警示企业、环保不良企业和环保严重失信企业五个等级。",
    ], [rows])


def truncated(data: bytes) -> bytes:
    """An upload that broke off: the first 60 % of the file."""
    return data[: len(data) * 3 // 5]


# ---- 强制性清洁生产审核 ------------------------------------------------------------------------------

AUDIT_REASONS = {
    "over_standard": "双超（超标排放）",
    "over_total": "双超（超总量）",
    "over_both": "双超（超标排放、超总量）",
    "toxic_materials": "双有（使用有毒有害原料）",
    "toxic_emissions": "双有（排放有毒有害物质）",
    "toxic_both": "双有（使用有毒有害原料、排放有毒有害物质）",
    # The 2026 list spells the total-load case out.
    "over_total_long": "双超（超过重点污染物排放总量控制指标）",
}
WORLD_AUDITS: dict[int, dict[str, str]] = {
    2025: {"e37": "toxic_both", "e36": "toxic_emissions", "e42": "over_standard", "e48": "over_standard",
           "e45": "toxic_materials"},
    2026: {"e00": "over_standard", "e44": "over_standard", "e30": "over_standard", "e41": "toxic_emissions",
           "e38": "over_both"},
}
AUDIT_FIRMS = {2025: [f"s{i:02d}" for i in range(30, 60)],
               2026: [f"s{i:02d}" for i in (*range(0, 20), *range(60, 80))]}


@dataclass(frozen=True)
class Audit:
    firm: Firm
    reason: str  # key of AUDIT_REASONS
    deadline: date | str  # an Excel date, or text as printed


def audits(year: int) -> list[Audit]:
    rng = random.Random(f"{SEED}-audits-{year}")
    keys = [*WORLD_AUDITS[year], *AUDIT_FIRMS[year]]
    choices = [k for k in AUDIT_REASONS if k != "over_total_long" or year == 2026]
    out = []
    for key in keys:
        reason = WORLD_AUDITS[year].get(key) or rng.choice(choices)
        deadline: date | str
        if year == 2025:
            deadline = date(2025, 12, 31) if rng.random() < 0.8 else "2026年6月30日前"
        else:
            deadline = "2026年12月底前" if rng.random() < 0.7 else "2027年6月30日前"
        out.append(Audit(firm(key), reason, deadline))
    out.sort(key=lambda a: (CITY_ORDER.index(a.firm.city), a.firm.county, a.firm.name))
    return out


def audit_xlsx(year: int) -> bytes:
    header = ["序号", "设区市", "县（市、区）", "企业名称", "统一社会信用代码", "审核类型", "审核完成时限"]
    rows: list[list[object]] = [["附件"], [f"{year}年度浙江省强制性清洁生产审核企业名单"], header]
    for n, a in enumerate(audits(year), 1):
        deadline = (datetime(a.deadline.year, a.deadline.month, a.deadline.day)
                    if isinstance(a.deadline, date) else a.deadline)
        rows.append([n, a.firm.city, a.firm.county, a.firm.name, a.firm.uscc, AUDIT_REASONS[a.reason], deadline])
    return make_xlsx({"名单": rows})


def audit_pdf(year: int) -> bytes:
    """No code column: the PDF names the enterprises only."""
    rows: list[list[object]] = [["序号", "设区市", "县（市、区）", "企业名称", "审核原因", "完成时限"]]
    for n, a in enumerate(audits(year), 1):
        rows.append([n, a.firm.city, a.firm.county, a.firm.name, AUDIT_REASONS[a.reason], str(a.deadline)])
    return make_pdf(f"{year}年度浙江省强制性清洁生产审核企业名单", [
        "根据《中华人民共和国清洁生产促进法》和《清洁生产审核办法》，下列企业应当实施强制性清洁生产审核。",
    ], [rows])


# ---- the column --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    filename: str  # the server's stored name (query `filename`)
    showname: str  # the name people see (link text, query `showname`)
    build: Callable[[], bytes]


@dataclass(frozen=True)
class Notice:
    published: str
    title: str
    number: str | None  # 文号
    article_id: int
    paragraphs: tuple[str, ...]
    attachment: Attachment | None = None

    @property
    def day(self) -> date:
        return date.fromisoformat(self.published)

    @property
    def path(self) -> str:
        d = self.day
        return f"/art/{d.year}/{d.month}/{d.day}/art_{COLUMN_ID}_{self.article_id}.html"


def _credit_text(year: int) -> tuple[str, ...]:
    return ("各设区市生态环境局：",
            f"根据《浙江省企业环境信用评价管理办法》，我厅组织开展了{year}年度企业环境信用评价工作。经企业自评、"
            "设区市初评、公示等程序，现将评价结果予以公布（见附件）。",
            "各地要将评价结果推送至信用浙江平台，并依法实施守信激励和失信惩戒。")


def _audit_text(year: int) -> tuple[str, ...]:
    return ("各设区市生态环境局：",
            f"根据《中华人民共和国清洁生产促进法》《清洁生产审核办法》，现将{year}年度浙江省强制性清洁生产审核企业"
            "名单予以公布（见附件）。列入名单的企业应当在名单公布后一个月内公布主要污染物排放情况，并在规定时限内"
            "完成清洁生产审核。")


NOTICES: tuple[Notice, ...] = (
    Notice("2026-04-10", "浙江省生态环境厅关于公布2026年度强制性清洁生产审核企业名单的通知", "浙环函〔2026〕83号",
           61842377, _audit_text(2026),
           Attachment("2604101035482718.pdf", "2026年度浙江省强制性清洁生产审核企业名单.pdf",
                      lambda: audit_pdf(2026))),
    Notice("2026-03-20", "浙江省生态环境厅关于公布2025年度企业环境信用评价结果的通知", "浙环函〔2026〕58号",
           61790214, _credit_text(2025),
           Attachment("2603200930155204.xlsx", "2025年度浙江省企业环境信用评价结果.xlsx", lambda: credit_xlsx(2025))),
    Notice("2026-02-10", "关于2025年度浙江省企业环境信用评价结果（拟评）的公示", None, 61703365,
           ("根据《浙江省企业环境信用评价管理办法》，现将2025年度企业环境信用拟评结果予以公示，公示期为10个工作日。",
            "公示期间如有异议，请以书面形式向所在地设区市生态环境局反映。")),
    Notice("2026-01-15", "浙江省生态环境厅关于开展2026年度强制性清洁生产审核工作的通知", "浙环函〔2026〕5号",
           61655120, ("各设区市生态环境局：", "为做好2026年度强制性清洁生产审核工作，现将有关事项通知如下。")),
    Notice("2025-06-05", "2024年浙江省生态环境状况公报", None, 60512877,
           ("2024年，全省生态环境质量持续改善。",)),
    Notice("2025-04-18", "浙江省生态环境厅关于公布2025年度强制性清洁生产审核企业名单的通知", "浙环函〔2025〕98号",
           60388105, _audit_text(2025),
           Attachment("2504181102396651.xlsx", "2025年度浙江省强制性清洁生产审核企业名单.xlsx",
                      lambda: audit_xlsx(2025))),
    Notice("2025-03-14", "浙江省生态环境厅关于公布2024年度企业环境信用评价结果的通知", "浙环函〔2025〕66号",
           60317749, _credit_text(2024),
           Attachment("2503141023458807.docx", "2024年度浙江省企业环境信用评价结果.docx", lambda: credit_docx(2024))),
    Notice("2024-11-20", "浙江省生态环境厅关于印发《浙江省企业环境信用评价管理办法》的通知", "浙环发〔2024〕31号",
           59871533, ("各设区市生态环境局：", "现将《浙江省企业环境信用评价管理办法》印发给你们，请遵照执行。")),
    Notice("2024-04-12", "浙江省生态环境厅关于公布2023年度企业环境信用评价结果的通知", "浙环函〔2024〕71号",
           58996402, _credit_text(2023),
           # Broken at the source: the stored file is cut off (what it held is never seen, so any list will do).
           Attachment("2404121514002193.xlsx", "2023年度浙江省企业环境信用评价结果.xlsx",
                      lambda: truncated(credit_xlsx(2025)))),
    Notice("2024-03-01", "关于征求《浙江省强制性清洁生产审核实施细则（征求意见稿）》意见的通知", None, 58820716,
           ("为规范强制性清洁生产审核工作，我厅起草了实施细则（征求意见稿），现公开征求意见。",)),
    Notice("2023-12-08", "浙江省生态环境厅2023年度法治政府建设情况报告", None, 58502291,
           ("2023年，我厅深入推进法治政府建设。",)),
)


_NEXT_GROUP = (f"/module/jpage/dataproxy.jsp?page=1&webid=3082&path=/&columnid={COLUMN_ID}&unitid={UNIT_ID}"
               f"&webname={quote(DEPARTMENT)}&permissiontype=0")


def _chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


class ZhejiangLists:
    """The 通知公告 column of 浙江省生态环境厅 (Hanweb JCMS), its notices and their attachments."""

    host = HOST

    @cached_property
    def notices(self) -> dict[str, Notice]:
        ordered = sorted(NOTICES, key=lambda n: n.published, reverse=True)
        return {n.path: n for n in ordered}

    @cached_property
    def files(self) -> dict[str, Attachment]:
        return {n.attachment.filename: n.attachment for n in NOTICES if n.attachment is not None}

    @property
    def page_count(self) -> int:
        return -(-len(self.notices) // PAGE_SIZE)

    def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response("<html><body>405 Not Allowed</body></html>", 405)
        if request.path == "/robots.txt":
            return Response("User-agent: *\nDisallow:\n", content_type="text/plain; charset=utf-8")
        if request.path == COLUMN:
            number = request.query.get("pageNum", "1")
            if request.query and request.query.get("uid") != UNIT_ID:
                return Response.not_found()
            if not number.isdigit() or not 1 <= int(number) <= self.page_count:
                return Response.not_found()
            return self.list_page(int(number))
        if request.path == DOWNLOAD:
            return self.download(request.query.get("filename", ""))
        notice = self.notices.get(request.path)
        if notice is None:
            return Response.not_found()
        return self.article(notice)

    def download(self, filename: str) -> Response:
        attachment = self.files.get(filename)
        if attachment is None:
            # Hanweb answers a missing file with a page, status 200.
            return Response("<html><head><meta charset=\"utf-8\"></head><body><script>"
                            "alert('对不起，您要下载的文件不存在或已被删除！');history.back();</script></body></html>")
        return Response(attachment.build(), content_type="application/octet-stream", headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment.showname)}"})

    def list_page(self, number: int) -> Response:
        notices = list(self.notices.values())[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]
        records = "\n".join(
            f'<record><![CDATA[<li><a href="{n.path}" target="_blank" title="{html.escape(n.title)}">'
            f"{html.escape(n.title)}</a><span class=\"bt_time\">{n.published}</span></li>]]></record>"
            for n in notices
        )
        body = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="SiteName" content="{DEPARTMENT}">
<meta name="ColumnName" content="通知公告">
<title>通知公告 {DEPARTMENT}</title>
<script language="javascript" src="/module/jslib/jquery/jquery.js"></script>
</head>
<body>
{_HEADER}
<div class="main-list">
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="{COLUMN}">通知公告</a></div>
<div class="list-box"><ul class="list">
<div id="{UNIT_ID}"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="{_NEXT_GROUP}"></a>]]></nextgroup>
<totalrecord>{len(self.notices)}</totalrecord>
<totalpage>{self.page_count}</totalpage>
<perpage>{PAGE_SIZE}</perpage>
<recordset>
{records}
</recordset></datastore></script></div>
</ul></div>
<script language="javascript" src="/module/jpage/jpage.js"></script>
</div>
{_FOOTER}
</body>
</html>
"""
        return Response(body)

    def article(self, notice: Notice) -> Response:
        paragraphs = [f'<p style="text-indent: 2em;">{html.escape(p)}</p>' for p in notice.paragraphs]
        if notice.number is not None:
            paragraphs.insert(0, f'<p style="text-align: center;">{html.escape(notice.number)}</p>')
        if notice.attachment is not None:
            a = notice.attachment
            href = html.escape(f"../../../..{DOWNLOAD}?classid=0&filename={a.filename}&showname={quote(a.showname)}")
            paragraphs.append(f'<p>附件：<a href="{href}" target="_blank">{html.escape(a.showname)}</a></p>')
        paragraphs += [f'<p style="text-align: right;">{DEPARTMENT}</p>',
                       f'<p style="text-align: right;">{_chinese_date(notice.day)}</p>']
        number = html.escape(notice.number or "")
        content = "\n".join(paragraphs)
        body = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{html.escape(notice.title)}</title>
<meta name="ArticleTitle" content="{html.escape(notice.title)}">
<meta name="PubDate" content="{notice.published} 09:30">
<meta name="ContentSource" content="{DEPARTMENT}">
<meta name="ColumnName" content="通知公告">
</head>
<body>
{_HEADER}
<div class="main-article">
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="{COLUMN}">通知公告</a></div>
<table class="xxgk_table">
<tr><td>索引号：</td><td>002482214/{notice.day.year}-{notice.article_id % 100000:05d}</td>
<td>发布机构：</td><td>{DEPARTMENT}</td></tr>
<tr><td>文号：</td><td>{number}</td><td>成文日期：</td><td>{notice.published}</td></tr>
</table>
<div class="article-title">{html.escape(notice.title)}</div>
<div class="article-info">发布日期：{notice.published}　来源：{DEPARTMENT}</div>
<div id="zoom">
{content}
</div>
</div>
{_FOOTER}
</body>
</html>
"""
        return Response(body)


_HEADER = f"""<div class="header"><div class="logo"><a href="/"><img src="/picture/0/logo.png" alt="{DEPARTMENT}">
</a></div><ul class="nav"><li><a href="/">首页</a></li><li><a href="/col/col1229106/index.html">政务公开</a></li>
<li><a href="{COLUMN}">通知公告</a></li></ul></div>"""
_FOOTER = f"""<div class="footer"><p>主办：{DEPARTMENT}　地址：杭州市西湖区学院路117号</p>
<p>网站标识码：3300000040　浙ICP备05029079号</p></div>"""
