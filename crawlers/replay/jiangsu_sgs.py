"""Replica of 江苏省生态环境厅's 双公示 system, administrative penalty side (sources.md §2.1, row 江苏).

`http://ywxt.sthjt.jiangsu.gov.cn:9081/sgs/business/sgs/wzsgs/sgscontroller/sgsXzcfGsList` is a Java list
that answers a POST form (application/x-www-form-urlencoded):

- `q_GGTJ`, the category tab: `环罚` 行政处罚决定书, `责改` 责令改正违法行为决定书 (our reading of the second
  tab: Jiangsu bureaux file correction orders under their own 文号 series, `锡环责改字〔2025〕31号`, beside
  the penalties; the parameter is named after the 文号 type);
- `P_CURRENT`, the page, 1-based (a page past the last is clamped to the last, as the real pager does);
- `q_XDRMC`, an optional 行政相对人名称 filter (substring).

20 rows a page, newest decision first; the pager is text, `共 N 条 第 x/y 页`, with `goPage(n)` links that
resubmit the form. Each row links to `sgsXzcfGsDetail?id=<uuid>`, a label/value table of the 双公示 fields
(§2.3: CF_WSH, CF_XDR_MC, CF_XDR_SHXYM, CF_CFLB, CF_NR, CF_NR_FK in 万元, CF_JDRQ, CF_CFJG, …), two pairs a
row, long texts spanning the row. The list path without a form (a plain GET) answers an empty list, an
unknown detail id a 200 page that says the record is gone. Long party names are cut in the list cell with
the full name in its `title`. Everything is served as GB18030 (header and meta): parties' names carry
characters GBK lacks (𠮷, 䶮). robots.txt does not exist on this application port (404).

Parties: every world enterprise in Jiangsu (苏州 320500, 无锡 320200), codes printed or partly masked, and
synthetic parties elsewhere in the province with generated valid codes, a few 个体工商户 and two natural
persons without codes. Decisions 2024-01..2026-11, fines in 万元 with decimals. Deterministic (seeded).
"""

from __future__ import annotations

import html
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property

from crawlers.helpers import uscc
from crawlers.replay import world
from crawlers.replay.editions import edition
from crawlers.replay.penalties import capital_yuan, digits_date
from crawlers.replay.server import Request, Response

HOST = "ywxt.sthjt.jiangsu.gov.cn"
BASE = "/sgs/business/sgs/wzsgs/sgscontroller/"
LIST_PATH = f"{BASE}sgsXzcfGsList"
DETAIL_PATH = f"{BASE}sgsXzcfGsDetail"
PAGE_SIZE = 20
CHARSET = "GB18030"
SEED = f"{world.SEED}-jiangsu-sgs"
PENALTY, CORRECTION = "环罚", "责改"
CATEGORIES = {PENALTY: "行政处罚", CORRECTION: "责令改正"}

# (county code, county, city code, city, 文号 abbreviation of the city bureau): real GB/T 2260 codes.
JS_REGIONS: tuple[tuple[str, str, str, str, str], ...] = (
    ("320115", "江宁区", "320100", "南京市", "宁"),
    ("320116", "六合区", "320100", "南京市", "宁"),
    ("320281", "江阴市", "320200", "无锡市", "锡"),
    ("320282", "宜兴市", "320200", "无锡市", "锡"),
    ("320312", "铜山区", "320300", "徐州市", "徐"),
    ("320412", "武进区", "320400", "常州市", "常"),
    ("320413", "金坛区", "320400", "常州市", "常"),
    ("320581", "常熟市", "320500", "苏州市", "苏"),
    ("320582", "张家港市", "320500", "苏州市", "苏"),
    ("320585", "太仓市", "320500", "苏州市", "苏"),
    ("320612", "通州区", "320600", "南通市", "通"),
    ("320681", "启东市", "320600", "南通市", "通"),
    ("320707", "赣榆区", "320700", "连云港市", "连"),
    ("320812", "清江浦区", "320800", "淮安市", "淮"),
    ("320981", "东台市", "320900", "盐城市", "盐"),
    ("320925", "建湖县", "320900", "盐城市", "盐"),
    ("321012", "江都区", "321000", "扬州市", "扬"),
    ("321181", "丹阳市", "321100", "镇江市", "镇"),
    ("321282", "靖江市", "321200", "泰州市", "泰"),
    ("321283", "泰兴市", "321200", "泰州市", "泰"),
    ("321322", "沭阳县", "321300", "宿迁市", "宿"),
)
_TRADE_CHARS = "苏锦鸿润泽恒瑞亚德昌裕丰源华新盛达永隆邦科凯嘉"
_SUFFIXES = ("化工有限公司", "印染有限公司", "电镀有限公司", "纺织有限公司", "新材料科技有限公司", "机械制造有限公司",
             "金属制品有限公司", "建材有限公司", "塑业有限公司", "食品有限公司", "精细化工有限公司", "铸造有限公司")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱马胡郭何高林"
_GIVEN = "建国伟明华军杰勇志强春林海峰晓红丽英斌新荣平"
_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"

ORGANISATION, INDIVIDUAL_BUSINESS, PERSON = "法人及非法人组织", "个体工商户", "自然人"
ORDER = "责令改正"  # CF_CFLB of a correction order


@dataclass(frozen=True)
class Party:
    name: str
    code: str | None  # the valid code (None for natural persons)
    category: str
    representative: str | None
    county_code: str
    county: str
    city: str


@dataclass(frozen=True)
class Violation:
    """违法行为类型 and its facts, the provisions broken and applied, the order that corrects it."""

    label: str
    finding: Callable[[random.Random], str]
    violated: str
    applied: str
    correction: str


VIOLATIONS: dict[str, Violation] = {
    "air_exceed": Violation(
        "超标排放大气污染物",
        lambda r: f"{r.randint(1, 3)}#排气筒（DA00{r.randint(1, 3)}）氮氧化物小时均值浓度为{r.randint(160, 390)}mg/m³，"
        "超过排放标准限值",
        "《中华人民共和国大气污染防治法》第十八条", "《中华人民共和国大气污染防治法》第九十九条第二项",
        "停止超标排放大气污染物的违法行为"),
    "water_exceed": Violation(
        "超标排放水污染物",
        lambda r: f"废水总排放口（DW001）外排废水化学需氧量浓度为{r.randint(120, 480)}mg/L，超过排放标准限值",
        "《中华人民共和国水污染防治法》第十条", "《中华人民共和国水污染防治法》第八十三条第二项",
        "停止超标排放水污染物的违法行为"),
    "hidden_pipe": Violation(
        "通过暗管逃避监管排放水污染物",
        lambda r: f"在厂区东侧私设DN{r.choice((75, 110, 160))}暗管，将未经处理的生产废水排入雨水管网",
        "《中华人民共和国水污染防治法》第三十九条", "《中华人民共和国水污染防治法》第八十三条第三项",
        "拆除私设暗管，停止逃避监管排放水污染物的违法行为"),
    "unapproved": Violation(
        "未批先建",
        lambda r: f"{r.choice(('年产3000吨', '年产1.2万吨', '新增'))}{r.choice(('涂装线', '酸洗线', '注塑车间'))}"
        "项目未依法报批环境影响评价文件即擅自开工建设",
        "《中华人民共和国环境影响评价法》第二十五条", "《中华人民共和国环境影响评价法》第三十一条第一款",
        "停止建设，依法报批环境影响评价文件"),
    "hazardous_storage": Violation(
        "危险废物贮存不规范",
        lambda r: f"将废矿物油（HW08）约{r.randint(2, 30)}吨露天堆放，未采取防扬散、防流失、防渗漏措施",
        "《中华人民共和国固体废物污染环境防治法》第七十九条",
        "《中华人民共和国固体废物污染环境防治法》第一百一十二条第一款第六项",
        "按照国家有关规定贮存危险废物"),
    "vocs": Violation(
        "挥发性有机物无组织排放",
        lambda r: f"{r.randint(1, 4)}#车间调漆、喷涂工序未在密闭空间内进行，含挥发性有机物废气无组织排放",
        "《中华人民共和国大气污染防治法》第四十五条", "《中华人民共和国大气污染防治法》第一百零八条第一项",
        "在密闭空间或者设备中进行产生含挥发性有机物废气的生产活动"),
    "cems": Violation(
        "自动监测设备不正常运行",
        lambda r: f"废气排放口自动监测设备伴热管线故障达{r.randint(3, 15)}日，未及时修复，监测数据无效",
        "《排污许可管理条例》第二十条第一款", "《排污许可管理条例》第三十六条第四项",
        "修复自动监测设备并保证其正常运行"),
    "no_permit": Violation(
        "未取得排污许可证排放污染物",
        lambda r: "未依法取得排污许可证即排放大气污染物和水污染物",
        "《排污许可管理条例》第二条第一款", "《排污许可管理条例》第三十三条第一项",
        "停止排放污染物，依法申请取得排污许可证"),
    "dust": Violation(
        "未采取扬尘污染防治措施",
        lambda r: f"堆场约{r.randint(300, 4000)}平方米砂石物料未密闭、未覆盖",
        "《中华人民共和国大气污染防治法》第七十二条第一款", "《中华人民共和国大气污染防治法》第一百零八条第五项",
        "对易产生扬尘的物料采取密闭或者覆盖措施"),
    "open_burning": Violation(
        "露天焚烧产生有毒有害烟尘的物质",
        lambda r: "在承包地内露天焚烧废旧轮胎、塑料等产生有毒有害烟尘和恶臭气体的物质",
        "《中华人民共和国大气污染防治法》第八十二条第一款", "《中华人民共和国大气污染防治法》第一百一十九条第二款",
        "停止露天焚烧"),
}


@dataclass(frozen=True)
class Case:
    """One decision as the system publishes it (anchors written by hand, the rest generated)."""

    category: str  # 环罚 | 责改
    number: str  # 文号 as printed
    decided: str  # ISO date
    party: str  # world key (e07) or a key of OUTSIDERS
    violation: str
    fine_wan: str = ""  # CF_NR_FK as shown, 万元; "" = no fine
    types: str = "罚款"  # CF_CFLB as shown
    authority: str = ""  # "" = the party's city bureau
    masked: bool = False
    basis_style: str = "both"  # both | applied | bare | vague (unparseable)
    content_style: str = "capital"  # capital | wan | digits (how CF_NR writes the fine)
    confiscated_wan: str = ""
    deadline: str = ""  # correction orders: ISO date, "" = 立即改正


OUTSIDERS: dict[str, Party] = {
    # 𠮷 (U+20BB7, a variant of 吉) is outside GBK: GB18030 encodes it in four bytes.
    "x_ji": Party("昆山𠮷盛精密五金有限公司", uscc.make("320583", "MA1XQ7K4"), ORGANISATION, "顾建平",
                  "320583", "昆山市", "苏州市"),
    # 䶮 (U+4DAE, CJK Extension A) is outside GBK too.
    "x_yan": Party("邳州市䶮记废旧物资回收站", uscc.make("320382", "MA2N4R1D", "92"), INDIVIDUAL_BUSINESS, "刘䶮",
                   "320382", "邳州市", "徐州市"),
    "x_person_yc": Party("王某某", None, PERSON, None, "320925", "建湖县", "盐城市"),
    "x_person_sq": Party("陈某", None, PERSON, None, "321322", "沭阳县", "宿迁市"),
    "x_cz": Party("常州市武进区恒泽电镀有限公司", uscc.make("320412", "78391562"), ORGANISATION, "周志强",
                  "320412", "武进区", "常州市"),
}

ANCHORS: tuple[Case, ...] = (
    Case(PENALTY, "锡环罚决字〔2025〕31号", "2025-06-20", "e47", "water_exceed", "5.212"),
    Case(PENALTY, "锡环罚决字〔2024〕88号", "2024-09-12", "e47", "cems", "3.5", masked=True, content_style="wan"),
    Case(PENALTY, "苏吴环罚〔2024〕27号", "2024-04-18", "e07", "air_exceed", "28", "责令停产整治,罚款"),
    Case(PENALTY, "苏环罚字〔2025〕第046号", "2025-03-05", "e11", "hazardous_storage", "12.6", masked=True,
         authority="苏州市生态环境局", basis_style="applied"),
    Case(PENALTY, "苏吴环罚〔2025〕33号", "2025-10-09", "e26", "cems", "4.8", content_style="digits"),
    Case(PENALTY, "苏吴环罚 [2026] 5号", "2026-02-11", "e32", "air_exceed", "21.35", masked=True),
    Case(PENALTY, "苏环罚字〔2026〕第072号", "2026-07-22", "e11", "vocs", "2.0000", "警告,罚款",
         authority="苏州市生态环境局"),
    Case(PENALTY, "苏昆环罚〔2025〕58号", "2025-08-14", "x_ji", "vocs", "3.1", basis_style="bare"),
    Case(PENALTY, "徐邳环罚〔2024〕16号", "2024-11-06", "x_yan", "hazardous_storage", "1.2",
         "罚款;没收违法所得、没收非法财物", confiscated_wan="0.3562"),
    Case(PENALTY, "盐环罚〔2024〕41号", "2024-05-30", "x_person_yc", "open_burning", "", "警告"),
    Case(PENALTY, "宿环罚〔2025〕9号", "2025-01-23", "x_person_sq", "open_burning", "0.2", content_style="digits"),
    Case(PENALTY, "常环罚〔2025〕27号", "2025-12-03", "x_cz", "hidden_pipe", "60", "责令停产停业,罚款"),
    Case(PENALTY, "常环罚〔2026〕14号", "2026-09-17", "x_cz", "dust", "1.6", basis_style="vague"),
    Case(CORRECTION, "锡环责改字〔2025〕31号", "2025-06-20", "e47", "water_exceed", types=ORDER,
         deadline="2025-07-31"),
    Case(CORRECTION, "苏吴环责改〔2025〕33号", "2025-10-09", "e26", "cems", types=ORDER),
    Case(CORRECTION, "苏昆环责改〔2025〕58号", "2025-08-14", "x_ji", "vocs", types=ORDER, deadline="2025-09-30"),
    Case(CORRECTION, "苏吴环责改〔2024〕27号", "2024-04-18", "e07", "air_exceed", types=ORDER),
    Case(CORRECTION, "苏吴环责改〔2026〕5号", "2026-02-11", "e32", "air_exceed", types=ORDER, masked=True,
         deadline="2026-03-31"),
)
PENALTY_COUNT, CORRECTION_COUNT = 45, 15
FIRST_DAY, LAST_DAY = date(2024, 1, 2), date(2026, 11, 27)


def uuid_like(*parts: object) -> str:
    digest = world.hex_id("jiangsu-sgs", *parts).lower()
    return f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:32]}"


def mask(code: str) -> str:
    """How the system hides the middle of some codes: 91320213******98T → kept 8 + 6 stars + last 4."""
    return code[:8] + "******" + code[14:]


def world_party(key: str) -> Party:
    e = world.by_key(key)
    rng = random.Random(f"{SEED}-{key}")
    return Party(e.name, e.uscc, ORGANISATION, rng.choice(_SURNAMES) + rng.choice(_GIVEN) + rng.choice(_GIVEN),
                 e.county_code, e.county, e.city)


def authority_for(party: Party, branch: bool) -> str:
    """The city bureau, or its county-level branch, named the Jiangsu way: 苏州市吴中生态环境局."""
    if not branch:
        return f"{party.city}生态环境局"
    county = party.county[:-1] if len(party.county) > 2 else party.county
    return f"{party.city}{county}生态环境局"


def organ_code(authority: str) -> str:
    """A valid code of a government organ (registration class 1, type 1) for the authority."""
    rng = random.Random(f"{SEED}-organ-{authority}")
    region = next((r[2] for r in JS_REGIONS if authority.startswith(r[3])), "320000")
    return uscc.make(region, "".join(rng.choice("0123456789") for _ in range(8)), "11")


@dataclass
class Record:
    id: str
    category: str
    decided: date
    fields: dict[str, str] = field(default_factory=dict)  # CF_* as shown, in the page's order

    @property
    def number(self) -> str:
        return self.fields["CF_WSH"]


def _generated(rng: random.Random, count: int, category: str, parties: dict[str, Party]) -> list[Case]:
    """Synthetic parties across the province, with their own valid codes."""
    cases = []
    counters: dict[tuple[str, int], int] = {}
    span = (LAST_DAY - FIRST_DAY).days
    while len(cases) < count:
        county_code, county, city_code, city, abbr = rng.choice(JS_REGIONS)
        place = county.removesuffix("区").removesuffix("县") if rng.random() < 0.5 else city.removesuffix("市")
        trade = rng.choice(_TRADE_CHARS) + rng.choice(_TRADE_CHARS)
        name = f"{place}{trade}{rng.choice(_SUFFIXES)}"
        if trade[0] == trade[1] or name in {p.name for p in parties.values()}:
            continue
        body = ("MA" + "".join(rng.choice(_CODE_CHARS) for _ in range(6)) if rng.random() < 0.6
                else "".join(rng.choice("0123456789") for _ in range(8)))
        code = uscc.make(county_code if rng.random() < 0.7 else city_code, body)
        key = f"g_{category}_{len(cases)}"
        parties[key] = Party(name, code, ORGANISATION, rng.choice(_SURNAMES) + rng.choice(_GIVEN),
                               county_code, county, city)
        decided = FIRST_DAY + timedelta(days=rng.randrange(span))
        seq = counters.setdefault((abbr, decided.year), rng.randint(3, 20)) + rng.randint(1, 9)
        counters[(abbr, decided.year)] = seq
        kind = "环罚" if category == PENALTY else "环责改"
        word = "字" if abbr in "锡徐盐" else ""
        bracket = rng.choice(("〔{}〕", "〔{}〕", "〔{}〕", "[{}]", "（{}）"))
        number = f"{abbr}{kind}{word}{bracket.format(decided.year)}{seq}号"
        if rng.random() < 0.1:
            number = number.replace(bracket.format(decided.year), f" {bracket.format(decided.year)} ")
        violation = rng.choice([v for v in VIOLATIONS if v != "open_burning"])
        fine = Decimal(rng.randrange(20000, 900000, 10)) / 10000
        shown = f"{fine:.4f}" if rng.random() < 0.15 else f"{fine.normalize():f}"
        types = rng.choice(("罚款", "罚款", "罚款", "罚款", "警告,罚款", "责令停产整治,罚款"))
        cases.append(Case(category, number, decided.isoformat(), key, violation,
                          shown if category == PENALTY else "", types if category == PENALTY else ORDER,
                          masked=rng.random() < 0.15,
                          basis_style=rng.choice(("both", "both", "applied", "bare")),
                          content_style=rng.choice(("capital", "wan", "digits")),
                          deadline=(decided + timedelta(days=rng.choice((30, 45, 60)))).isoformat()
                          if category == CORRECTION and rng.random() < 0.6 else ""))
    return cases




def _fine_phrase(case: Case) -> str:
    yuan = Decimal(case.fine_wan) * 10000
    return {
        "capital": f"罚款人民币{capital_yuan(yuan)}",
        "wan": f"罚款{Decimal(case.fine_wan).normalize():f}万元",
        "digits": f"处罚款人民币{int(yuan)}元",
    }[case.content_style]


def _fields(case: Case, party: Party, rng: random.Random) -> dict[str, str]:
    violation = VIOLATIONS[case.violation]
    decided = date.fromisoformat(case.decided)
    authority = case.authority or authority_for(party, branch=case.number[1] not in "环")
    you = "你" if party.category == PERSON else "你单位"
    inspected = decided - timedelta(days=rng.randint(30, 90))
    facts = (f"{digits_date(inspected)}，{authority}执法人员现场检查发现，{you}{violation.finding(rng)}，"
             f"违反了{violation.violated}的规定。")
    basis = {
        "both": f"违反了{violation.violated}，依据{violation.applied}的规定",
        "applied": f"依据{violation.applied}",
        "bare": violation.applied,
        "vague": violation.applied.split("》")[0] + "》相关规定",
    }[case.basis_style]
    if case.category == CORRECTION:
        when = (f"于{digits_date(date.fromisoformat(case.deadline))}前" if case.deadline else "立即")
        content = f"责令{you}{when}{violation.correction}，并将改正情况书面报告我局。"
        name = "责令改正违法行为决定书"
        publicity = decided + timedelta(days=365)
    else:
        parts = []
        for label in case.types.replace(";", ",").split(","):
            if label == "罚款":
                parts.append(_fine_phrase(case))
            elif label.startswith("没收违法所得"):
                parts.append(f"没收违法所得人民币{int(Decimal(case.confiscated_wan) * 10000)}元")
            elif label == "责令停产停业":
                parts.append("责令停产整治")
            else:
                parts.append(label)
        content = "，".join(parts) + "。"
        name = f"{party.name}{violation.label}案"
        publicity = decided + timedelta(days=365 * (3 if "停" in case.types else 1))
    code = party.code
    printed_code = "" if code is None else mask(code) if case.masked else code
    return {
        "CF_WSH": case.number,
        "CF_CFMC": name,
        "CF_CFLB": case.types,
        "CF_WFXW": violation.label,
        "CF_XDR_MC": party.name,
        "CF_XDR_LB": party.category,
        "CF_XDR_SHXYM": printed_code,
        "CF_FRDB": party.representative or "",
        "CF_SY": facts,
        "CF_YJ": basis,
        "CF_NR": content,
        "CF_NR_FK": case.fine_wan,
        "CF_NR_WFFF": case.confiscated_wan,
        "CF_NR_ZKDX": "",
        "CF_JDRQ": case.decided,
        "CF_YXQ": publicity.isoformat(),
        "CF_GSJZQ": publicity.isoformat(),
        "CF_CFJG": authority,
        "CF_CFJGDM": organ_code(authority),
        "CF_SJLY": authority,
        "CF_SJLYDM": organ_code(authority),
        "BZ": "",
    }


# Detail page labels → field, in display order, two pairs a row; a lone pair (long texts) spans the row.
DETAIL_LAYOUT: tuple[tuple[tuple[str, str], ...], ...] = (
    (("行政处罚决定书文号", "CF_WSH"), ("处罚名称", "CF_CFMC")),
    (("处罚类别", "CF_CFLB"), ("违法行为类型", "CF_WFXW")),
    (("行政相对人名称", "CF_XDR_MC"), ("行政相对人类别", "CF_XDR_LB")),
    (("统一社会信用代码", "CF_XDR_SHXYM"), ("法定代表人", "CF_FRDB")),
    (("处罚事由", "CF_SY"),),
    (("处罚依据", "CF_YJ"),),
    (("处罚内容", "CF_NR"),),
    (("罚款金额（万元）", "CF_NR_FK"), ("没收违法所得、没收非法财物的金额（万元）", "CF_NR_WFFF")),
    (("暂扣或吊销证照名称及编号", "CF_NR_ZKDX"), ("处罚决定日期", "CF_JDRQ")),
    (("处罚有效期", "CF_YXQ"), ("公示截止期", "CF_GSJZQ")),
    (("处罚机关", "CF_CFJG"), ("处罚机关统一社会信用代码", "CF_CFJGDM")),
    (("数据来源单位", "CF_SJLY"), ("数据来源单位统一社会信用代码", "CF_SJLYDM")),
    (("备注", "BZ"),),
)
LIST_HEADER = ("序号", "行政处罚决定书文号", "行政相对人名称", "处罚类别", "罚款金额（万元）", "处罚决定日期",
               "处罚机关", "操作")
_NAME_CUT = 14
_ON = ' class="on"'


# Edition 2 (QINGTIAN_REPLAY_EDITION=2, crawlers/replay/editions.py): decisions published since. Their fields
# are drawn last from the random stream, so edition 1's records stay as they are.
EDITION_CASES: tuple[Case, ...] = (
    Case(PENALTY, "苏吴环罚〔2026〕41号", "2026-11-11", "e07", "vocs", "6.5"),
    Case(PENALTY, "锡环罚决字〔2026〕102号", "2026-11-16", "e47", "water_exceed", "11.2"),
)


class JiangsuSgsPlatform:
    """The 双公示 行政处罚 list and detail pages, as the Jiangsu system serves them."""

    host = HOST

    @cached_property
    def records(self) -> dict[str, Record]:
        """Every record by detail id, each category newest first."""
        rng = random.Random(SEED)
        parties = {**OUTSIDERS, **{c.party: world_party(c.party) for c in ANCHORS if c.party not in OUTSIDERS}}
        cases = list(ANCHORS)
        for category, total in ((PENALTY, PENALTY_COUNT), (CORRECTION, CORRECTION_COUNT)):
            have = sum(c.category == category for c in cases)
            cases += _generated(rng, total - have, category, parties)
        cases += EDITION_CASES if edition() >= 2 else ()
        numbers = [c.number.replace(" ", "") for c in cases]
        assert len(set(numbers)) == len(numbers), "duplicate 文号 in the replica"
        records = [Record(uuid_like(c.category, c.number), c.category, date.fromisoformat(c.decided),
                          _fields(c, parties[c.party], rng)) for c in cases]
        records.sort(key=lambda r: (r.category, r.decided, r.id), reverse=True)
        return {r.id: r for r in records}

    def listing(self, category: str, name_filter: str = "") -> list[Record]:
        return [r for r in self.records.values()
                if r.category == category and name_filter in r.fields["CF_XDR_MC"]]

    def handle(self, request: Request) -> Response:
        if request.path == LIST_PATH and request.method in ("GET", "POST"):
            category = request.param("q_GGTJ")
            page = request.param("P_CURRENT", "1")
            return self.list_page(category, int(page) if page.isdigit() else 1, request.param("q_XDRMC"))
        if request.path == DETAIL_PATH and request.method == "GET":
            record = self.records.get(request.param("id"))
            return self.detail_page(record)
        return _page("404", "<div class=\"error\">您访问的页面不存在</div>", 404)

    def list_page(self, category: str, page: int, name_filter: str) -> Response:
        # Without the form (a plain GET) the category is empty and nothing matches.
        rows = self.listing(category, name_filter) if category in CATEGORIES else []
        pages = math.ceil(len(rows) / PAGE_SIZE)
        page = max(1, min(page, pages))
        shown = rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        trs = []
        for n, r in enumerate(shown, (page - 1) * PAGE_SIZE + 1):
            f = r.fields
            name = f["CF_XDR_MC"]
            cut = name if len(name) <= _NAME_CUT else name[:_NAME_CUT] + "..."
            trs.append(
                f'<tr class="{"odd" if n % 2 else "even"}"><td>{n}</td><td>{html.escape(f["CF_WSH"])}</td>'
                f'<td title="{html.escape(name)}">{html.escape(cut)}</td><td>{html.escape(f["CF_CFLB"])}</td>'
                f'<td class="num">{f["CF_NR_FK"]}</td><td>{f["CF_JDRQ"]}</td><td>{html.escape(f["CF_CFJG"])}</td>'
                f'<td><a href="sgsXzcfGsDetail?id={r.id}" target="_blank">查看</a></td></tr>'
            )
        if not trs:
            trs.append(f'<tr><td colspan="{len(LIST_HEADER)}" class="nodata">暂无数据</td></tr>')
        header = "".join(f"<th>{h}</th>" for h in LIST_HEADER)
        tabs = "".join(
            f"<li{_ON if key == category else ''}><a href=\"javascript:changeTab('{key}')\">{label}</a></li>"
            for key, label in CATEGORIES.items()
        )
        pager = (f'<div class="pagination">共 <span class="total">{len(rows)}</span> 条 '
                 f'第 <span class="cur">{page}</span>/<span class="pages">{pages}</span> 页 '
                 f'<a href="javascript:goPage(1)">首页</a> <a href="javascript:goPage({max(page - 1, 1)})">上一页</a> '
                 f'<a href="javascript:goPage({min(page + 1, max(pages, 1))})">下一页</a> '
                 f'<a href="javascript:goPage({max(pages, 1)})">尾页</a></div>')
        body = f"""<form id="searchForm" name="searchForm" method="post" action="sgsXzcfGsList">
<input type="hidden" name="q_GGTJ" id="q_GGTJ" value="{html.escape(category)}">
<input type="hidden" name="P_CURRENT" id="P_CURRENT" value="{page}">
<div class="search">行政相对人名称：<input type="text" name="q_XDRMC" value="{html.escape(name_filter)}">
<input type="button" class="btn" value="查询" onclick="doSearch()"></div>
</form>
<ul class="tabs">{tabs}</ul>
<table class="list-table" width="100%" cellspacing="0" cellpadding="0">
<tr>{header}</tr>
{"".join(trs)}
</table>
{pager}
<script type="text/javascript">
function goPage(n){{document.getElementById('P_CURRENT').value=n;document.getElementById('searchForm').submit();}}
function doSearch(){{goPage(1);}}
function changeTab(t){{document.getElementById('q_GGTJ').value=t;goPage(1);}}
</script>"""
        return _page("行政处罚公示", body)

    def detail_page(self, record: Record | None) -> Response:
        if record is None:
            return _page("行政处罚公示详情", '<div class="nodata">该信息不存在或已过公示期！</div>')
        rows = []
        for pairs in DETAIL_LAYOUT:
            if len(pairs) == 1:
                label, key = pairs[0]
                rows.append(f'<tr><th width="18%">{label}</th><td colspan="3">'
                            f"{html.escape(record.fields[key])}</td></tr>")
            else:
                cells = "".join(f'<th width="18%">{label}</th><td width="32%">{html.escape(record.fields[key])}</td>'
                                for label, key in pairs)
                rows.append(f"<tr>{cells}</tr>")
        body = f"""<div class="detail-title">{CATEGORIES[record.category]}信息公示</div>
<table class="detail-table" width="100%" cellspacing="0" cellpadding="0" border="1">
{"".join(rows)}
</table>
<div class="detail-foot"><a href="javascript:window.close()">关闭</a></div>"""
        return _page("行政处罚公示详情", body)


def _page(title: str, body: str, status: int = 200) -> Response:
    text = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset={CHARSET}">
<title>{title}</title>
<link href="/sgs/static/css/sgs.css" rel="stylesheet" type="text/css">
<script type="text/javascript" src="/sgs/static/js/jquery-1.8.3.min.js"></script>
</head>
<body>
<div class="top"><img src="/sgs/static/images/logo.png" alt="江苏省生态环境厅">双公示信息公开</div>
<div class="main">
{body}
</div>
<div class="footer">主办单位：江苏省生态环境厅　地址：南京市鼓楼区凤凰西街241号</div>
</body>
</html>
"""
    return Response(text, status, f"text/html;charset={CHARSET}")
