"""Replica of the Guangdong ecology department's penalty column: 广东省生态环境厅 › 行政处罚 (`/bgtxzcf/`).

The real column's list is rendered by JavaScript (sources.md §2.1); so is this one:

* `/bgtxzcf/index.html` (page 1) and `/bgtxzcf/index_N.html` (page N ≥ 2) are HTML shells: an empty
  `<ul id="xzcf-list">`, an empty `<div id="pager">` and a script. The shell carries a fresh nonce
  (`<ms timestamp>.<server MAC>`, good for ten minutes) and the list secret, scrambled (reversed, each code
  XOR a key byte and its position). The script assembles the secret, hashes `nonce|page|secret` (two
  FNV-1a rounds) into a token and asks `/bgtxzcf/api/list?page=N&nonce=…&token=…` (with
  `X-Requested-With: XMLHttpRequest`) for the page's items, then writes the list and a pager whose
  `data-page` / `data-pages` attributes say where it is.
* The endpoint refuses (HTTP 403, `{"code": 403, "msg": "非法访问"}`) a missing or wrong token, a nonce
  it did not issue, a nonce for another page, or one older than ten minutes.
* `/bgtxzcf/content/post_<id>.html`: a short note and one attachment link, `/attachment/0/<a>/<a><b>/<id>.pdf`
  (or `.docx`): the 行政处罚决定书 itself (MEE layout, sources.md §2.2). 21 posts, 8 a page, newest
  first: 20 decisions, 15 as PDF and 5 as DOCX, and one post whose PDF is truncated (unreadable).

Parties are the world's 广州 and 东莞 enterprises and synthetic Guangdong parties (valid USCCs on 44xxxx
region codes; one individual business, one code masked by the publisher).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from crawlers.helpers import uscc
from crawlers.replay import world
from crawlers.replay.documents import make_docx, make_pdf
from crawlers.replay.penalties import AMOUNT_STYLES, Violation, chinese_date, digits_date
from crawlers.replay.server import Request, Response

HOST = "gdee.gd.gov.cn"
COLUMN = "/bgtxzcf/"
LIST_API = "/bgtxzcf/api/list"
PAGE_SIZE = 8
AUTHORITY = "广东省生态环境厅"
SEED = f"{world.SEED}-guangdong"
NONCE_TTL_MS = 600_000
# Only the server holds these in clear; the page carries the list secret scrambled.
LIST_SECRET = "gdee#xzcf@2024!v3"
_NONCE_KEY = b"replica-nonce-key-gdee"
_KEY = (0x3C, 0x71, 0x0E, 0x55, 0x2A, 0x68)

_SURNAMES = "陈李黄张梁刘林何罗郑谢冯邓"
_GIVEN = "志伟国强建华文杰明辉永锦海嘉俊"


def fnv1a(text: str, seed: int) -> int:
    """32-bit FNV-1a over UTF-16 code units (what the page's `charCodeAt` sees), from `seed`."""
    h = seed
    for ch in text:  # nonce and secret are ASCII: one code unit each
        h ^= ord(ch)
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def list_token(nonce: str, page: int) -> str:
    """The token the page's script computes for one list page."""
    text = f"{nonce}|{page}|{LIST_SECRET}"
    return f"{fnv1a(text, 0x811C9DC5):08x}{fnv1a(text[::-1], 0x01000193):08x}"


def _scrambled() -> list[int]:
    codes = [ord(c) ^ _KEY[i % len(_KEY)] ^ ((i * 5) & 0x1F) for i, c in enumerate(LIST_SECRET)]
    return codes[::-1]


def make_nonce(page: int, now_ms: int) -> str:
    mac = hmac.new(_NONCE_KEY, f"{now_ms}.{page}".encode(), hashlib.sha256).hexdigest()[:16]
    return f"{now_ms}.{mac}"


@dataclass(frozen=True)
class Party:
    name: str
    uscc: str | None
    address: str
    county: str
    city: str
    industry: str
    legal_representative: str | None = None
    operator: str | None = None


def _outsider(name: str, region: str, body: str, address: str, county: str, city: str, industry: str,
              prefix: str = "91", operator: str | None = None, masked: bool = False) -> Party:
    code = uscc.make(region, body, prefix)
    shown = code[:8] + "*" * 6 + code[14:] if masked else code
    rng = random.Random(f"{SEED}-{name}")
    person = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(2))
    return Party(name, shown, address, county, city, industry,
                 legal_representative=None if operator else person, operator=operator)


# Parties outside the synthetic world (valid codes on real GB/T 2260 codes of Guangdong).
OUTSIDERS: dict[str, Party] = {
    "g_shunde": _outsider("佛山市顺德区恒泰五金制品有限公司", "440606", "MA51XH3Q",
                          "广东省佛山市顺德区勒流街道众裕路8号", "顺德区", "佛山市", "金属表面处理及热处理加工"),
    "g_baoan": _outsider("深圳市鑫达电路板有限公司", "440306", "MA5DKL72",
                         "广东省深圳市宝安区沙井街道新桥工业区6栋", "宝安区", "深圳市", "电子电路制造"),
    "g_huicheng": _outsider("惠州市宏远化工有限公司", "441302", "73214965",
                            "广东省惠州市惠城区水口街道化工园区3号", "惠城区", "惠州市", "化学原料和化学制品制造业"),
    "g_pengjiang": _outsider("江门市蓬江区佳盛印染有限公司", "440703", "69051873",
                             "广东省江门市蓬江区荷塘镇三丫工业区", "蓬江区", "江门市", "棉印染精加工"),
    "g_zhongshan": _outsider("中山市永华家具制造有限公司", "442000", "MA4UPQ8N",
                             "广东省中山市东升镇同茂工业大道12号", "中山市", "中山市", "家具制造", masked=True),
    "g_chaoyang": _outsider("汕头市潮阳区谷饶镇丰华织造厂（个体工商户）", "440513", "MA4X2R0C",
                            "广东省汕头市潮阳区谷饶镇上堡工业区", "潮阳区", "汕头市", "棉印染精加工",
                            prefix="92", operator="郑某某"),
}


def party(key: str) -> Party:
    if key in OUTSIDERS:
        return OUTSIDERS[key]
    e = world.by_key(key)
    rng = random.Random(f"{SEED}-{key}")
    person = rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(2))
    return Party(e.name, e.uscc, e.address, e.county, e.city, e.industry, legal_representative=person)


@dataclass(frozen=True)
class Case:
    """One decision as the column publishes it: a post with one attachment."""

    number: str  # 文号 as printed
    decided: str  # ISO date
    party: str  # world key or OUTSIDERS key
    violation: str  # key of VIOLATIONS
    fine: int  # yuan
    amount_style: str = "capital"
    extras: tuple[str, ...] = ("correct",)  # keys of EXTRAS, and "detention"
    attachment: str = "pdf"  # pdf | docx
    layout: str = "standard"  # standard | long_facts | merged
    date_style: str = "digits"  # digits | chinese
    title: str = "number"  # number | party
    fine_order: str = "after"
    broken: bool = False  # the attachment is a truncated PDF


CASES: tuple[Case, ...] = (
    Case("粤环罚〔2024〕5号", "2024-01-23", "e01", "air_exceed", 220000),
    Case("粤环罚〔2024〕9号", "2024-02-29", "g_baoan", "water_exceed", 185000, "capital_figure",
         attachment="docx"),
    Case("粤环罚〔2024〕14号", "2024-04-11", "e39", "water_exceed", 136000, layout="long_facts"),
    Case("粤环罚〔2024〕18号", "2024-05-16", "g_shunde", "hidden_pipe", 450000, "capital_zheng",
         ("correct", "detention")),
    Case("粤环罚〔2024〕23号", "2024-06-27", "e27", "cems_tamper", 520000, extras=("correct", "detention"),
         title="party"),
    Case("粤环罚〔2024〕31号", "2024-08-08", "g_zhongshan", "vocs", 50000, "lower", attachment="docx"),
    Case("粤环罚〔2024〕36号", "2024-09-19", "g_pengjiang", "unapproved_construction", 320000,
         extras=("stop_building",), layout="merged"),
    Case("粤环罚〔2024〕42号", "2024-11-05", "e08", "hazardous_storage", 120000, "digits",
         date_style="chinese", broken=True),
    Case("粤环罚〔2024〕47号", "2024-12-17", "g_huicheng", "ledger", 15000, "capital_figure_ascii"),
    Case("粤环罚〔2025〕3号", "2025-01-21", "e20", "air_exceed", 310000, "wan", title="party"),
    Case("粤环罚[2025]8号", "2025-03-04", "g_chaoyang", "water_exceed", 62000, "capital_figure",
         fine_order="before"),
    Case("粤环罚〔2025〕12号", "2025-04-15", "e28", "hazardous_storage", 100000, attachment="docx",
         layout="long_facts"),
    Case("粤环罚〔2025〕17号", "2025-05-27", "e39", "hidden_pipe", 800000, "capital_figure_fen",
         ("correct", "suspend")),
    Case("粤环罚〔2025〕21号", "2025-07-08", "g_baoan", "ledger", 20000, date_style="chinese"),
    Case("粤环罚【2025】26号", "2025-08-19", "e01", "cems_tamper", 600000, extras=("correct", "detention")),
    Case("粤环罚〔2025〕30号", "2025-09-30", "g_huicheng", "vocs", 80000, attachment="docx", title="party"),
    Case("粤环罚 〔2025〕 35 号", "2025-11-11", "e27", "air_exceed", 260000, layout="merged"),
    Case("粤环罚〔2026〕2号", "2026-01-13", "g_shunde", "unapproved_construction", 150000,
         extras=("stop_building", "restore")),
    Case("粤环罚〔2026〕6号", "2026-03-10", "e20", "hazardous_storage", 130000, "capital_zheng",
         attachment="docx", date_style="chinese"),
    Case("粤环罚〔2026〕11号", "2026-05-26", "g_pengjiang", "water_exceed", 240000, layout="long_facts"),
    Case("粤环罚〔2026〕15号", "2026-08-18", "e08", "air_exceed", 180000, "capital_figure_ascii"),
)


@dataclass
class Context:
    case: Case
    party: Party
    rng: random.Random
    inspected: date

    @property
    def inspect_phrase(self) -> str:
        return f"{digits_date(self.inspected)}，我厅执法人员对你单位进行现场检查"

    def report_no(self) -> str:
        return f"粤环监测〔{self.inspected.year}〕{self.rng.randint(100, 980)}号"


EVIDENCE = "以上事实，有《现场检查（勘察）笔录》《调查询问笔录》、监测报告、现场照片和你单位营业执照复印件等证据为证。"
_WATER = {
    "皮革鞣制加工": ("总铬", 1.5, "制革及毛皮加工工业水污染物排放标准", "GB 30486-2013"),
    "电子电路制造": ("总铜", 0.5, "电子工业水污染物排放标准", "GB 39731-2020"),
    "棉印染精加工": ("化学需氧量", 80, "纺织染整工业水污染物排放标准", "GB 4287-2012"),
    "金属表面处理及热处理加工": ("总镍", 0.5, "电镀污染物排放标准", "GB 21900-2008"),
    "化学原料和化学制品制造业": ("化学需氧量", 110, "水污染物排放限值", "DB44/26-2001"),
}
_AIR = (("氮氧化物", 250), ("二氧化硫", 80), ("颗粒物", 20))
_RIVERS = ("东江", "西江", "北江", "珠江", "潭江", "练江", "石马河")
_WATER_BASIS = "《中华人民共和国水污染防治法》第八十三条"


def _ratio(value: float, limit: float) -> str:
    return f"{(value - limit) / limit:.2f}".rstrip("0").rstrip(".")


def air_exceed(ctx: Context) -> Violation:
    pollutant, limit = ctx.rng.choice(_AIR)
    value = round(limit * ctx.rng.uniform(1.1, 1.7), 1)
    day = ctx.inspected - timedelta(days=ctx.rng.randint(1, 6))
    furnace, outlet = ctx.rng.randint(1, 3), ctx.rng.randint(1, 3)
    facts = [f"{ctx.inspect_phrase}。经查，你单位{furnace}#焚烧炉烟气排放口（DA00{outlet}）"
             f"自动监测数据显示，{digits_date(day)}{pollutant}日均值浓度为{value}mg/m³，超过《生活垃圾焚烧污染控制标准》"
             f"（GB 18485-2014）规定的{limit}mg/m³排放限值，超标{_ratio(value, limit)}倍。", EVIDENCE]
    return Violation(facts, "《中华人民共和国大气污染防治法》第十八条",
                     "《中华人民共和国大气污染防治法》第九十九条第二项")


def water_exceed(ctx: Context) -> Violation:
    pollutant, limit, standard, code = _WATER[ctx.party.industry]
    value = round(limit * ctx.rng.uniform(1.15, 2.6), 2 if limit < 10 else 0)
    facts = [f"{ctx.inspect_phrase}，对你单位废水总排放口（DW001）外排废水采样。经广东省生态环境监测中心监测"
             f"（{ctx.report_no()}），{pollutant}浓度为{value:g}mg/L，超过《{standard}》（{code}）规定的"
             f"{limit:g}mg/L排放限值，超标{_ratio(value, limit)}倍。", EVIDENCE]
    return Violation(facts, "《中华人民共和国水污染防治法》第十条", f"{_WATER_BASIS}第二项")


def hidden_pipe(ctx: Context) -> Violation:
    pollutant = _WATER[ctx.party.industry][0]
    facts = [f"{ctx.inspect_phrase}，发现你单位在生产车间北侧私设一根DN{ctx.rng.choice((90, 110, 160))}暗管，"
             f"将未经处理的生产废水经市政雨水管网排入{ctx.rng.choice(_RIVERS)}支流，外排废水中{pollutant}严重超标。",
             EVIDENCE]
    return Violation(facts, "《中华人民共和国水污染防治法》第三十九条", f"{_WATER_BASIS}第三项")


def cems_tamper(ctx: Context) -> Violation:
    facts = [f"{ctx.inspect_phrase}，发现你单位人为修改焚烧炉烟气自动监测设备氮氧化物量程及折算参数，"
             f"致使{ctx.rng.randint(3, 20)}日的自动监测数据失真。你单位通过篡改监测数据逃避监管排放大气污染物。",
             EVIDENCE]
    return Violation(facts, "《中华人民共和国大气污染防治法》第二十条第二款",
                     "《中华人民共和国大气污染防治法》第九十九条第三项")


def vocs(ctx: Context) -> Violation:
    facts = [f"{ctx.inspect_phrase}，发现你单位喷漆车间调漆、喷涂工序未在密闭空间中进行，含挥发性有机物废气"
             f"未经收集处理直接排放。经监测（{ctx.report_no()}），厂界非甲烷总烃浓度为"
             f"{ctx.rng.uniform(4.2, 9.5):.1f}mg/m³。", EVIDENCE]
    return Violation(facts, "《中华人民共和国大气污染防治法》第四十五条",
                     "《中华人民共和国大气污染防治法》第一百零八条第一项")


def unapproved_construction(ctx: Context) -> Violation:
    project = ctx.rng.choice(("印染定型机扩建项目", "年产3万吨精细化工技改项目", "新增电镀生产线项目"))
    facts = [f"{ctx.inspect_phrase}，发现你单位{project}未依法报批环境影响报告书，擅自开工建设，"
             "至检查时主体工程已建成。", EVIDENCE]
    return Violation(facts, "《中华人民共和国环境影响评价法》第二十五条",
                     "《中华人民共和国环境影响评价法》第三十一条第一款")


def hazardous_storage(ctx: Context) -> Violation:
    tons = ctx.rng.randint(8, 60)
    facts = [f"{ctx.inspect_phrase}，发现你单位将约{tons}吨飞灰螯合物露天堆放于厂区空地，未采取防扬散、防流失、"
             "防渗漏措施，未设置危险废物识别标志。", EVIDENCE]
    return Violation(facts, "《中华人民共和国固体废物污染环境防治法》第七十七条第一款、第七十九条",
                     "《中华人民共和国固体废物污染环境防治法》第一百一十二条第一款第六项")


def ledger(ctx: Context) -> Violation:
    facts = [f"{ctx.inspect_phrase}，发现你单位未按照排污许可证规定建立环境管理台账，"
             f"{ctx.inspected.year}年以来废气治理设施运行记录缺失。", EVIDENCE]
    return Violation(facts, "《排污许可管理条例》第二十一条第一款", "《排污许可管理条例》第三十七条第一项")


VIOLATIONS: dict[str, Callable[[Context], Violation]] = {
    "air_exceed": air_exceed,
    "water_exceed": water_exceed,
    "hidden_pipe": hidden_pipe,
    "cems_tamper": cems_tamper,
    "vocs": vocs,
    "unapproved_construction": unapproved_construction,
    "hazardous_storage": hazardous_storage,
    "ledger": ledger,
}
EXTRAS: dict[str, str] = {
    "correct": "责令你单位立即改正违法行为",
    "stop_building": "责令你单位停止建设",
    "restore": "责令恢复原状",
    "suspend": "责令你单位停产整治",
}


def _police(p: Party) -> str:
    return f"{p.city}公安局" if p.county == p.city else f"{p.city}公安局{p.county}分局"


def decision_paragraphs(case: Case, rng: random.Random) -> list[str]:
    """The paragraphs of one decision below its heading (文号 first)."""
    p = party(case.party)
    decided = date.fromisoformat(case.decided)
    ctx = Context(case, p, rng, decided - timedelta(days=rng.randint(40, 100)))
    violation = VIOLATIONS[case.violation](ctx)
    out = [case.number, f"{'当事人' if rng.random() < 0.6 else '单位名称'}：{p.name}"]
    if p.uscc is not None:
        out.append(f"统一社会信用代码：{p.uscc}")
    if p.operator:
        out.append(f"经营者：{p.operator}")
    if p.legal_representative:
        out.append(f"法定代表人：{p.legal_representative}")
    out.append(f"地址：{p.address}")
    out.append("一、调查情况及发现的环境违法事实、证据和陈述申辩及采纳情况" if case.layout == "long_facts"
               else "一、环境违法事实和证据")
    out += violation.facts
    if case.layout == "long_facts":
        out.append(f"我厅于{digits_date(decided - timedelta(days=rng.randint(15, 30)))}向你单位送达了"
                   "《行政处罚事先（听证）告知书》，你单位在规定期限内未提出陈述、申辩意见，也未要求听证。")
    out.append(f"你单位的上述行为违反了{violation.violated}的规定。")
    out.append("二、行政处罚的依据、种类及其履行方式、期限" if case.layout == "merged" else "二、行政处罚的依据、种类")
    amount = AMOUNT_STYLES[case.amount_style](case.fine)
    fine = f"处{amount}罚款" if case.fine_order == "before" else f"罚款{amount}"
    numbered = [*(EXTRAS[k] for k in case.extras if k in EXTRAS), fine]
    listed = "；".join(f"{i}.{t}" for i, t in enumerate(numbered, 1)) if len(numbered) > 1 else numbered[0]
    out.append(f"依据{violation.basis}的规定，我厅决定对你单位作出如下行政处罚：{listed}。")
    if "detention" in case.extras:
        out.append(f"同时，依据《中华人民共和国环境保护法》第六十三条第三项的规定，我厅将本案移送{_police(p)}，"
                   "对你单位直接负责的主管人员和其他直接责任人员处以行政拘留。")
    pay = ("你单位应自收到本处罚决定书之日起十五日内，将罚款缴至指定银行。到期不缴纳罚款的，"
           "我厅可以每日按罚款数额的百分之三加处罚款，并依法申请人民法院强制执行。")
    remedy = ("你单位如不服本处罚决定，可以在收到本处罚决定书之日起六十日内向广东省人民政府申请行政复议，"
              "也可以在六个月内向广州铁路运输法院提起行政诉讼。")
    if case.layout == "merged":
        out += [pay, "三、申请行政复议或者提起行政诉讼的途径和期限", remedy]
    else:
        out += ["三、行政处罚决定的履行方式和期限", pay, "四、申请复议或者提起诉讼的途径和期限", remedy]
    if p.operator:
        out = [line.replace("你单位", "你") for line in out]
    out += [AUTHORITY, chinese_date(decided) if case.date_style == "chinese" else digits_date(decided)]
    return out


@dataclass(frozen=True)
class Post:
    post_id: int
    published: date
    title: str
    case: Case
    attachment_path: str
    attachment: bytes

    @property
    def path(self) -> str:
        return f"{COLUMN}content/post_{self.post_id}.html"


def _title(case: Case) -> str:
    if case.title == "party":
        return f"{party(case.party).name.removesuffix('（个体工商户）')}行政处罚决定书"
    return f"{AUTHORITY}行政处罚决定书（{case.number.replace(' ', '')}）"


class GuangdongPenaltyList:
    """The 行政处罚 column of 广东省生态环境厅: JS-rendered list pages, notes with attachments."""

    host = HOST

    def __init__(self, clock: Callable[[], int] | None = None) -> None:
        self.clock = clock or (lambda: int(time.time() * 1000))

    @cached_property
    def posts(self) -> dict[str, Post]:
        """Every post by path, newest first."""
        rng = random.Random(SEED)
        posts: list[Post] = []
        post_id = 4_380_000
        for case in sorted(CASES, key=lambda c: c.decided):
            paragraphs = decision_paragraphs(case, rng)
            heading = f"{AUTHORITY}行政处罚决定书"
            data = (make_docx(heading, paragraphs) if case.attachment == "docx"
                    else make_pdf(heading, paragraphs))
            if case.broken:
                data = data[: len(data) // 2]  # the upload was cut off
            post_id += rng.randint(1500, 40000)
            folder = post_id // 10000
            path = f"/attachment/0/{folder}/{folder}{post_id % 1000:03d}/{post_id + 7}.{case.attachment}"
            published = date.fromisoformat(case.decided) + timedelta(days=rng.randint(3, 12))
            posts.append(Post(post_id, published, _title(case), case, path, data))
        posts.sort(key=lambda p: (p.published, p.post_id), reverse=True)
        return {p.path: p for p in posts}

    @cached_property
    def attachments(self) -> dict[str, Post]:
        return {p.attachment_path: p for p in self.posts.values()}

    @property
    def page_count(self) -> int:
        return -(-len(self.posts) // PAGE_SIZE)

    def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response("<html><body>405 Not Allowed</body></html>", 405)
        path = request.path
        if path == "/robots.txt":
            return Response("User-agent: *\nDisallow:\n", content_type="text/plain; charset=utf-8")
        if path in (COLUMN, f"{COLUMN}index.html"):
            return self.shell(1)
        if path.startswith(f"{COLUMN}index_") and path.endswith(".html"):
            number = path[len(f"{COLUMN}index_"):-len(".html")]
            if number.isdigit() and str(int(number)) == number and 2 <= int(number) <= self.page_count:
                return self.shell(int(number))
            return Response.not_found()
        if path == LIST_API:
            return self.list_api(request)
        if path in self.posts:
            return self.note(self.posts[path])
        if path in self.attachments:
            post = self.attachments[path]
            kind = post.case.attachment
            content_type = ("application/pdf" if kind == "pdf" else
                            "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
            return Response(post.attachment, content_type=content_type)
        return Response.not_found()

    def list_items(self, page: int) -> list[dict[str, str]]:
        posts = list(self.posts.values())[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
        return [{"id": str(p.post_id), "title": p.title, "date": p.published.isoformat(), "url": p.path}
                for p in posts]

    def list_api(self, request: Request) -> Response:
        refused = Response(json.dumps({"code": 403, "msg": "非法访问"}, ensure_ascii=False), 403,
                           "application/json; charset=utf-8")
        page_text, nonce, token = request.param("page"), request.param("nonce"), request.param("token")
        if not page_text.isdigit() or not 1 <= int(page_text) <= self.page_count:
            return refused
        page = int(page_text)
        stamp = nonce.split(".", 1)[0]
        if (not stamp.isdigit() or not hmac.compare_digest(nonce, make_nonce(page, int(stamp)))
                or not 0 <= self.clock() - int(stamp) <= NONCE_TTL_MS
                or not hmac.compare_digest(token, list_token(nonce, page))):
            return refused
        return Response.json({"code": 0, "msg": "ok", "data": {
            "page": page, "pages": self.page_count, "total": len(self.posts), "list": self.list_items(page)}})

    def shell(self, page: int) -> Response:
        script = (_SCRIPT.replace("__PAGE__", str(page))
                  .replace("__NONCE__", make_nonce(page, self.clock()))
                  .replace("__KEY__", json.dumps(list(_KEY)))
                  .replace("__CODES__", json.dumps(_scrambled())))
        return Response(f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>行政处罚_广东省生态环境厅</title>
<meta name="SiteName" content="广东省生态环境厅">
<meta name="ColumnName" content="行政处罚">
</head>
<body>
{_HEADER}
<div class="main">
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/bgtxzcf/">行政处罚</a></div>
<ul class="list" id="xzcf-list"></ul>
<div class="pagination" id="pager"></div>
<noscript>请开启浏览器的JavaScript功能后浏览本页。</noscript>
</div>
{_FOOTER}
<script>
{script}
</script>
</body>
</html>
""")

    def note(self, post: Post) -> Response:
        name = post.attachment_path.rsplit("/", 1)[1]
        label = f"{post.case.number.replace(' ', '')}行政处罚决定书.{post.case.attachment}"
        return Response(f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{html.escape(post.title)}_广东省生态环境厅</title>
<meta name="ArticleTitle" content="{html.escape(post.title)}">
<meta name="PubDate" content="{post.published.isoformat()} 10:30:00">
</head>
<body>
{_HEADER}
<div class="main article">
<h1 class="article-title">{html.escape(post.title)}</h1>
<div class="article-info"><span>发布日期：{post.published.isoformat()}</span><span>来源：{AUTHORITY}</span></div>
<div class="article-content" id="zoom">
<p>我厅依法对{html.escape(party(post.case.party).name)}作出行政处罚决定（{html.escape(post.case.number)}），
现予公开。决定书全文见附件。</p>
<p>附件：<a href="{post.attachment_path}" title="{html.escape(name)}">{html.escape(label)}</a></p>
</div>
</div>
{_FOOTER}
</body>
</html>
""")


_SCRIPT = """(function (w, d) {
  "use strict";
  var PAGE = __PAGE__, NONCE = "__NONCE__", _k = __KEY__, _p = __CODES__;
  function secret() {
    var out = "", n = _p.length;
    for (var i = 0; i < n; i++) { out += String.fromCharCode(_p[n - 1 - i] ^ _k[i % _k.length] ^ ((i * 5) & 0x1f)); }
    return out;
  }
  function fnv(s, h) {
    for (var i = 0; i < s.length; i++) { h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0; }
    return h >>> 0;
  }
  function hex8(v) { return ("0000000" + v.toString(16)).slice(-8); }
  function token() {
    var text = NONCE + "|" + PAGE + "|" + secret();
    return hex8(fnv(text, 0x811c9dc5)) + hex8(fnv(text.split("").reverse().join(""), 0x01000193));
  }
  function esc(s) { var e = d.createElement("span"); e.textContent = s; return e.innerHTML; }
  function pageHref(n) { return n === 1 ? "index.html" : "index_" + n + ".html"; }
  function render(data) {
    var list = d.getElementById("xzcf-list"), html = "";
    data.list.forEach(function (row) {
      html += '<li><a href="' + row.url + '" target="_blank" title="' + esc(row.title) + '">' + esc(row.title)
        + '</a><span class="date">' + row.date + "</span></li>";
    });
    list.innerHTML = html;
    var pager = d.getElementById("pager"), links = "";
    if (data.page > 1) { links += '<a href="' + pageHref(data.page - 1) + '">上一页</a>'; }
    for (var n = 1; n <= data.pages; n++) {
      links += n === data.page ? '<span class="current">' + n + "</span>"
        : '<a href="' + pageHref(n) + '">' + n + "</a>";
    }
    if (data.page < data.pages) { links += '<a href="' + pageHref(data.page + 1) + '">下一页</a>'; }
    pager.innerHTML = links + "<span>共" + data.total + "条 " + data.pages + "页</span>";
    pager.setAttribute("data-pages", String(data.pages));
    pager.setAttribute("data-page", String(data.page));
  }
  function load() {
    var url = "/bgtxzcf/api/list?page=" + PAGE + "&nonce=" + encodeURIComponent(NONCE) + "&token=" + token();
    fetch(url, { headers: { "X-Requested-With": "XMLHttpRequest" } })
      .then(function (r) { return r.json(); })
      .then(function (res) {
        if (res.code !== 0) { d.getElementById("pager").setAttribute("data-error", res.msg); return; }
        render(res.data);
      })
      .catch(function (err) { d.getElementById("pager").setAttribute("data-error", String(err)); });
  }
  d.addEventListener("DOMContentLoaded", load);
})(window, document);"""

_HEADER = """<div class="header"><div class="logo"><a href="/">广东省生态环境厅</a></div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/gkmlpt/">政府信息公开</a></li>
<li><a href="/bgtxzcf/">行政处罚</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>"""
_FOOTER = """<div class="footer"><p>主办：广东省生态环境厅　地址：广州市越秀区东风中路335号</p>
<p>网站标识码：4400000097</p></div>"""
