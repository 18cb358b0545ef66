"""Replica of a city ecology bureau's column of penalty decisions: 嘉兴市生态环境局 信息公开 › 行政处罚.

A TRS-style static column (sources.md §2.1): `/xxgk/xzcf/index.shtml` is page 1, `index_1.shtml` page 2
and so on, 15 items a page, newest first, the page count only in `createPageHTML(total, current, "index",
"shtml")`. Items link relatively (`./202510/t20251015_5512345.shtml`) to one HTML article each: a
行政处罚决定书 in the MEE layout (§2.2), as free text in `<p>` paragraphs, with no field table.

The decisions are written the way real ones vary: 文号 brackets 〔〕 [] () 【】 with stray spaces, fines in
capital numerals with or without the figure, in lower-case numerals, in 万元 digits; codes printed,
partly masked or fully masked, none for an individual; the long facts heading and the older template
that merges sections 二 and 三; GBK pages, one of them declaring its charset only in a meta tag. One
item is a quarterly summary table, not a decision; another is the 海盐 branch's quarterly table of its
cases (序号 | 案件名称 | 被处罚对象名称 | … | 处罚决定文号, the 东宁 layout of sources.md §2.1), one case a row;
five are orders to correct (责令改正违法行为决定书: no fine, a deadline), in the numbered and the older
plain layout. After the decisions come the notices that follow them up: re-inspection opinions
(整改复查意见书: 已完成整改 or 未完成整改, one of them citing the 文号 with different spacing), quarterly
notices of fines paid (one a paragraph per decision, one a table that also lists a fine not paid) and
notices granting credit repair (信用修复) for listed decisions, one of which predates the column.
Parties are mostly the world's 嘉兴 enterprises
(every one of them, the incineration plant e00 three times) and a few parties outside the world.
"""

from __future__ import annotations

import html
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property

from crawlers.replay import world
from crawlers.replay.editions import edition
from crawlers.replay.server import Request, Response

HOST = "sthjj.jiaxing.gov.cn"
COLUMN = "/xxgk/xzcf/"
PAGE_SIZE = 15
CITY_BUREAU = "嘉兴市生态环境局"
SEED = f"{world.SEED}-penalties"

_CAPITAL = "零壹贰叁肆伍陆柒捌玖"
_LOWER = "零一二三四五六七八九"
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱沈钱陆顾褚金屠"
_GIVEN = "建国伟明华军杰勇志强春林海峰晓红丽英斌新荣平"
_RIVERS = ("长水塘", "海盐塘", "新塍塘", "平湖塘", "京杭运河", "长山河", "盐官下河")


def render_number(value: int, digits: str = _CAPITAL, units: str = "拾佰仟") -> str:
    """An integer in Chinese numerals, the way amounts are written: 108000 → 壹拾万零捌仟."""
    if value == 0:
        return digits[0]
    groups: list[int] = []
    while value:
        groups.append(value % 10000)
        value //= 10000
    out = ""
    zero_pending = False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            zero_pending = bool(out)
            continue
        for position in (3, 2, 1, 0):
            digit = group // 10**position % 10
            if digit == 0:
                zero_pending = zero_pending or bool(out)
                continue
            if zero_pending:
                out += digits[0]
                zero_pending = False
            out += digits[digit] + ("", *units)[position]
        out += ("", "万", "亿")[index]
    return out


def capital_yuan(amount: Decimal) -> str:
    """Financial capitals (大写) with 角 and 分: 12345.6 → 壹万贰仟叁佰肆拾伍元陆角."""
    whole = int(amount)
    fen = int((amount - whole) * 100)
    text = render_number(whole) + "元"
    if fen // 10:
        text += _CAPITAL[fen // 10] + "角"
    if fen % 10:
        text += _CAPITAL[fen % 10] + "分"
    return text


def lower_yuan(amount: int) -> str:
    """Ordinary numerals, as some county offices type them: 45000 → 四万五千元."""
    text = render_number(amount, _LOWER, "十百千")
    return (text[1:] if text.startswith("一十") else text) + "元"


def chinese_date(day: date) -> str:
    """二〇二五年十月十五日."""
    year = "".join("〇一二三四五六七八九"[int(c)] for c in str(day.year))

    def small(n: int) -> str:
        return lower_yuan(n)[:-1]

    return f"{year}年{small(day.month)}月{small(day.day)}日"


def digits_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# How the fine is written (amount in yuan → phrase after 罚款 / around 罚款).
AMOUNT_STYLES: dict[str, Callable[[int], str]] = {
    "capital": lambda n: f"人民币{capital_yuan(Decimal(n))}",
    "capital_zheng": lambda n: f"人民币{capital_yuan(Decimal(n))}整",
    "capital_figure": lambda n: f"人民币{capital_yuan(Decimal(n))}（¥{n}元）",
    "capital_figure_ascii": lambda n: f"人民币{capital_yuan(Decimal(n))}(¥{n}元)",
    "capital_figure_fen": lambda n: f"人民币{capital_yuan(Decimal(n))}（小写：¥{n:,.2f}元）",
    "wan": lambda n: f"人民币{(Decimal(n) / 10000).normalize():f}万元",
    "lower": lower_yuan,
    "digits": lambda n: f"人民币{n}元",
}


@dataclass(frozen=True)
class Party:
    name: str
    uscc: str | None
    address: str
    county: str
    legal_representative: str | None = None
    operator: str | None = None  # 个体工商户 经营者
    permit: str | None = None
    individual: bool = False


# Parties outside the synthetic world: not on the permit platform, matched (if at all) by name.
OUTSIDERS: dict[str, Party] = {
    "x_person": Party("沈某某", None, "浙江省嘉兴市秀洲区王江泾镇南汇村", "秀洲区", individual=True),
    "x_company": Party("嘉兴晟禾塑业有限公司", "*" * 18, "浙江省嘉兴市南湖区大桥镇工业园区亚太路1188号",
                       "南湖区", legal_representative="钱某"),
    "x_workshop": Party("嘉兴市秀洲区洪合镇鑫达五金加工厂（个体工商户）", "92330411MA2******8",
                        "浙江省嘉兴市秀洲区洪合镇洪福路66号", "秀洲区", operator="朱某某"),
}


@dataclass(frozen=True)
class Case:
    """One decision as the column publishes it."""

    number: str  # 文号 exactly as printed
    decided: str  # ISO date of the decision
    party: str  # world enterprise key or OUTSIDERS key
    violation: str  # key of VIOLATIONS
    fine: int  # yuan
    amount_style: str = "capital"
    extras: tuple[str, ...] = ("correct",)  # further penalties besides the fine, keys of EXTRAS
    code: str = "printed"  # printed | masked
    layout: str = "standard"  # standard | long_facts | merged (二 and 三 in one, older template)
    encoding: str = "utf-8"  # utf-8 | gbk | gbk-meta (charset only in the meta tag)
    date_style: str = "digits"  # digits | chinese
    signed_by: str = CITY_BUREAU
    heading: str = "one_line"  # one_line | two_lines
    title: str = "party"  # how the list and the page title it: party | number | bureau
    fine_order: str = "after"  # after: 罚款人民币…元 | before: 处人民币…元罚款
    quote_law: bool = False
    signature: str = "two_lines"  # two_lines | one_line | br
    confiscated: Decimal | None = None


# Reverse-chronological order is applied when the column is built; written here by date for reading.
CASES: tuple[Case, ...] = (
    Case("嘉环罚〔2024〕3号", "2024-01-18", "e36", "water_exceed", 125000, layout="merged"),
    Case("嘉环(海)罚字[2024]3号", "2024-02-27", "e42", "water_exceed", 108000, "capital_figure",
         signed_by="嘉兴市生态环境局海宁分局"),
    Case("嘉环罚〔2024〕11号", "2024-03-20", "e40", "vocs", 35000, heading="two_lines"),
    Case("嘉环(平)罚【2024】15号", "2024-04-16", "e38", "hidden_pipe", 500000, "capital_zheng",
         ("correct", "detention")),
    Case("嘉环罚〔2024〕19号", "2024-05-22", "e00", "air_exceed", 280000, quote_law=True, title="number"),
    Case("嘉环(秀)罚〔2024〕9号", "2024-06-13", "x_person", "open_burning", 1800, "capital_figure_ascii",
         encoding="gbk"),
    Case("嘉环(海)罚字[2024]21号", "2024-07-09", "e44", "water_exceed", 180000, layout="long_facts"),
    Case("嘉环(桐)罚〔2024〕7号", "2024-08-21", "e49", "unapproved_construction", 390000,
         extras=("stop_building",)),
    Case("嘉环(善)罚〔2024〕12号", "2024-09-10", "e34", "hazardous_storage", 150000, layout="merged",
         code="masked"),
    Case("嘉环(海)罚字[2024]35号", "2024-10-15", "e06", "cems_malfunction", 80000, "capital_figure_fen",
         title="bureau"),
    Case("嘉环罚〔2024〕27号", "2024-11-19", "x_company", "no_acceptance", 200000, layout="long_facts",
         fine_order="before"),
    Case("嘉环(南)罚〔2024〕18号", "2024-12-10", "e46", "air_exceed", 150000, date_style="chinese",
         heading="two_lines"),
    Case("嘉环(盐)罚〔2025〕1号", "2025-01-14", "e45", "daily_penalty", 800000, "capital_figure",
         extras=("daily",)),
    Case("嘉环(南)罚〔2025〕2号", "2025-02-25", "e37", "hidden_pipe", 600000, extras=("suspend", "detention"),
         code="masked", quote_law=True),
    Case("嘉环(秀)罚〔2025〕4号", "2025-03-18", "e18", "permit_outlets", 45000, "lower"),
    Case("嘉环(海)罚字[2025]13号", "2025-04-22", "e48", "water_exceed", 156000, "wan", title="number"),
    Case("嘉环(平)罚〔2025〕5号", "2025-05-20", "e41", "hazardous_unlicensed", 600000,
         extras=("correct", "confiscate"), encoding="gbk", confiscated=Decimal("12345.60")),
    Case("嘉环罚〔2025〕12号", "2025-06-20", "e00", "cems_malfunction", 52120, "capital_figure",
         signature="one_line"),
    Case("嘉环(平)罚 〔2025〕 6 号", "2025-06-30", "e12", "tamper_air", 700000, extras=("correct", "detention"),
         layout="long_facts", quote_law=True),
    Case("嘉环(平)罚[2025]9号", "2025-07-24", "e38", "permit_discharge_route", 85000, fine_order="before"),
    Case("嘉环(秀)罚〔2025〕14号", "2025-08-12", "x_workshop", "unapproved_construction", 16000, "digits",
         extras=("stop_building",)),
    Case("嘉环(桐)罚【2025】11号", "2025-09-16", "e30", "air_exceed", 200000, "capital_zheng",
         encoding="gbk-meta", signature="br"),
    Case("嘉环(海)罚字[2025]30号", "2025-10-21", "e42", "cems_water", 35000, date_style="chinese"),
    Case("嘉环（秀）罚〔2025〕21号", "2025-11-25", "e24", "hazardous_storage", 120000, heading="two_lines"),
    Case("嘉环(桐)罚〔2025〕15号", "2025-12-18", "e40", "unapproved_construction", 180000,
         extras=("stop_building", "restore"), title="bureau"),
    Case("嘉环罚〔2026〕2号", "2026-01-20", "e36", "tamper_water", 1000000, extras=("correct", "revoke"),
         quote_law=True),
    Case("嘉环(海)罚字〔2026〕5号", "2026-03-17", "e06", "air_exceed", 350000, layout="long_facts",
         signed_by="嘉兴市生态环境局海宁分局"),
    Case("嘉环 (海) 罚字 [2026] 12 号", "2026-05-12", "e44", "bypass", 400000),
    Case("嘉环(桐)罚〔2026〕9号", "2026-08-04", "e49", "dust", 68000, "capital_figure_ascii"),
    Case("嘉环罚〔2026〕21号", "2026-10-28", "e00", "hazardous_manifest", 110000, date_style="chinese",
         title="number"),
)


@dataclass(frozen=True)
class Violation:
    """What was found and which provisions apply: facts paragraphs, the law broken, the basis, a quote."""

    facts: list[str]
    violated: str
    basis: str
    quote: str = ""


@dataclass
class Context:
    case: Case
    party: Party
    rng: random.Random
    inspected: date

    @property
    def inspect_phrase(self) -> str:
        return f"{digits_date(self.inspected)}，我局执法人员对你单位进行现场检查"

    def report_no(self) -> str:
        return f"嘉环监字〔{self.inspected.year}〕第{self.rng.randint(20, 480)}号"


EVIDENCE = ("以上事实，有《现场检查（勘察）笔录》《调查询问笔录》、监测报告、现场照片及视频资料、"
            "你单位营业执照复印件等证据为凭。")


def _exceed(value: float, limit: float) -> str:
    return f"{(value - limit) / limit:.2f}".rstrip("0").rstrip(".")


# Emission limits the facts cite: (pollutant, limit, unit, standard, code).
_AIR_LIMITS = {
    "生活垃圾焚烧发电": [
        ("氮氧化物", 250, "mg/m³", "生活垃圾焚烧污染控制标准", "GB 18485-2014"),
        ("二氧化硫", 80, "mg/m³", "生活垃圾焚烧污染控制标准", "GB 18485-2014"),
        ("氯化氢", 50, "mg/m³", "生活垃圾焚烧污染控制标准", "GB 18485-2014"),
    ],
    "热力生产和供应": [("氮氧化物", 50, "mg/m³", "燃煤电厂大气污染物排放标准", "DB33/2147-2018")],
}
_WATER_LIMITS = {
    "棉印染精加工": ("化学需氧量", 200, "纺织染整工业水污染物排放标准", "GB 4287-2012"),
    "皮革鞣制加工": ("总铬", 1.5, "制革及毛皮加工工业水污染物排放标准", "GB 30486-2013"),
    "污水处理及其再生利用": ("氨氮", 5, "城镇污水处理厂污染物排放标准", "GB 18918-2002"),
    "金属表面处理及热处理加工": ("总镍", 0.5, "电镀污染物排放标准", "GB 21900-2008"),
    "化学原料和化学制品制造业": ("化学需氧量", 500, "污水综合排放标准", "GB 8978-1996"),
}
_WATER_QUOTE = ("违反本法规定，有下列行为之一的，由县级以上人民政府环境保护主管部门责令改正或者责令限制生产、停产整治，"
                "并处十万元以上一百万元以下的罚款；情节严重的，报经有批准权的人民政府批准，责令停业、关闭：")


def air_exceed(ctx: Context, industry: str) -> Violation:
    pollutant, limit, unit, standard, code = ctx.rng.choice(_AIR_LIMITS[industry])
    value = round(limit * ctx.rng.uniform(1.08, 1.6), 1)
    line = f"{ctx.rng.randint(1, 3)}#焚烧炉" if industry == "生活垃圾焚烧发电" else f"{ctx.rng.randint(1, 2)}#锅炉"
    day = ctx.inspected - timedelta(days=ctx.rng.randint(1, 5))
    facts = [
        f"{ctx.inspect_phrase}。经查，你单位{line}烟气排放口（编号DA00{ctx.rng.randint(1, 3)}）自动监测数据显示，"
        f"{digits_date(day)}{pollutant}日均值浓度为{value}{unit}，超过《{standard}》（{code}）规定的排放限值"
        f"（{limit}{unit}），超标{_exceed(value, limit)}倍。我局委托嘉兴市环境监测站于同日对该排放口进行监督性监测，"
        f"监测报告（{ctx.report_no()}）结果与自动监测数据一致。",
        EVIDENCE,
    ]
    return Violation(
        facts, "《中华人民共和国大气污染防治法》第十八条", "《中华人民共和国大气污染防治法》第九十九条第二项",
        "违反本法规定，有下列行为之一的，由县级以上人民政府生态环境主管部门责令改正或者限制生产、停产整治，"
        "并处十万元以上一百万元以下的罚款；情节严重的，报经有批准权的人民政府批准，责令停业、关闭：……"
        "（二）超过大气污染物排放标准或者超过重点大气污染物排放总量控制指标排放大气污染物的",
    )


def water_exceed(ctx: Context, industry: str) -> Violation:
    pollutant, limit, standard, code = _WATER_LIMITS[industry]
    value = round(limit * ctx.rng.uniform(1.12, 2.4), 2 if limit < 10 else 0)
    shown = f"{value:g}"
    facts = [
        f"{ctx.inspect_phrase}，并对你单位废水总排放口（DW001）外排废水进行采样。经嘉兴市环境监测站监测"
        f"（报告编号：{ctx.report_no()}），{pollutant}浓度为{shown}mg/L，超过《{standard}》（{code}）"
        f"规定的{limit:g}mg/L排放限值，超标{_exceed(value, limit)}倍。",
        EVIDENCE,
    ]
    return Violation(facts, "《中华人民共和国水污染防治法》第十条", "《中华人民共和国水污染防治法》第八十三条第二项",
                     _WATER_QUOTE + "……（二）超过水污染物排放标准或者超过重点水污染物排放总量控制指标排放水污染物的")


def vocs(ctx: Context) -> Violation:
    value = round(ctx.rng.uniform(4.5, 9.8), 1)
    facts = [
        f"{ctx.inspect_phrase}，发现你单位2#车间反应釜投料、出料环节未在密闭空间或者设备中进行，含挥发性有机物废气"
        f"未经收集处理直接无组织排放。经监测（{ctx.report_no()}），厂界非甲烷总烃浓度为{value}mg/m³。",
        EVIDENCE,
    ]
    return Violation(facts, "《中华人民共和国大气污染防治法》第四十五条",
                     "《中华人民共和国大气污染防治法》第一百零八条第一项")


def hidden_pipe(ctx: Context, industry: str) -> Violation:
    pollutant, limit, _, _ = _WATER_LIMITS[industry]
    value = round(limit * ctx.rng.uniform(3, 12), 2 if limit < 10 else 0)
    river = ctx.rng.choice(_RIVERS)
    facts = [
        f"{ctx.inspect_phrase}，发现你单位在污水处理站调节池东侧私设一根DN{ctx.rng.choice((75, 110, 160))}PVC暗管，"
        f"将未经处理的生产废水直接排入厂区雨水管网，并经雨水排放口排入{river}。经采样监测（{ctx.report_no()}），"
        f"雨水排放口外排废水中{pollutant}浓度为{value:g}mg/L。你单位通过暗管逃避监管排放水污染物。",
        EVIDENCE,
    ]
    return Violation(facts, "《中华人民共和国水污染防治法》第三十九条",
                     "《中华人民共和国水污染防治法》第八十三条第三项",
                     _WATER_QUOTE + "……（三）利用渗井、渗坑、裂隙、溶洞，私设暗管，篡改、伪造监测数据，"
                     "或者不正常运行水污染防治设施等逃避监管的方式排放水污染物的")


def bypass(ctx: Context) -> Violation:
    hours = ctx.rng.randint(6, 30)
    facts = [
        f"{ctx.inspect_phrase}，发现你单位进水泵房超越管闸阀处于开启状态，部分未经处理的污水经超越管直接排入"
        f"{ctx.rng.choice(_RIVERS)}。经调阅中控系统记录，超越排放累计约{hours}小时，期间未向我局报告。",
        EVIDENCE,
    ]
    return Violation(facts, "《中华人民共和国水污染防治法》第三十九条",
                     "《中华人民共和国水污染防治法》第八十三条第三项")


def unapproved_construction(ctx: Context) -> Violation:
    project = ctx.rng.choice(("年产2万吨精密铸件技改项目", "新增中频感应炉项目", "2#车间扩建项目",
                              "金属表面酸洗生产线项目"))
    invest = ctx.case.fine * 100 // ctx.rng.choice((1, 2))
    facts = [
        f"{ctx.inspect_phrase}，发现你单位投资建设的{project}（总投资约{invest // 10000}万元）未依法报批建设项目"
        "环境影响报告表，即擅自开工建设，至检查时主体工程已基本建成，部分生产设备已安装到位。",
        EVIDENCE,
    ]
    return Violation(facts, "《中华人民共和国环境影响评价法》第二十五条",
                     "《中华人民共和国环境影响评价法》第三十一条第一款")


def no_acceptance(ctx: Context) -> Violation:
    facts = [
        f"{ctx.inspect_phrase}，发现你单位年产5000吨塑料制品项目已于{ctx.inspected.year - 1}年投入生产，"
        "但需要配套建设的废气收集处理设施未经验收。",
        EVIDENCE,
    ]
    return Violation(facts, "《建设项目环境保护管理条例》第十九条第一款",
                     "《建设项目环境保护管理条例》第二十三条第一款")


def hazardous_storage(ctx: Context, industry: str) -> Violation:
    waste = ("焚烧飞灰（HW18）" if industry == "生活垃圾焚烧发电" else "含铬污泥（HW21）")
    tons = round(ctx.rng.uniform(3, 40), 1)
    facts = [
        f"{ctx.inspect_phrase}，发现你单位将{waste}约{tons}吨露天堆放于厂区北侧空地，未设置危险废物识别标志，"
        "未采取防扬散、防流失、防渗漏措施，未按照国家环境保护标准贮存危险废物。",
        EVIDENCE,
    ]
    return Violation(facts, "《中华人民共和国固体废物污染环境防治法》第七十七条第一款、第七十九条",
                     "《中华人民共和国固体废物污染环境防治法》第一百一十二条第一款第六项")


def hazardous_unlicensed(ctx: Context) -> Violation:
    income = ctx.case.confiscated or Decimal(0)
    tons = round(float(income) / ctx.rng.uniform(240, 320), 1)
    facts = [
        f"{ctx.inspect_phrase}。经查，{ctx.inspected.year - 1}年以来，你单位将生产过程中产生的含铬皮革废碎料（HW21）"
        f"约{tons}吨，以每吨二百余元至三百余元不等的价格出售给无危险废物经营许可证的个人，"
        f"违法所得人民币{capital_yuan(income)}。",
        EVIDENCE,
    ]
    return Violation(facts, "《中华人民共和国固体废物污染环境防治法》第八十条第三款",
                     "《中华人民共和国固体废物污染环境防治法》第一百一十二条第一款第四项和第二款")


def hazardous_manifest(ctx: Context) -> Violation:
    trips = ctx.rng.randint(3, 9)
    facts = [
        f"{ctx.inspect_phrase}，发现你单位于{ctx.inspected.year}年转移螯合固化后的焚烧飞灰（HW18）共{trips}车次，"
        "未按照国家有关规定填写、运行危险废物电子转移联单。",
        EVIDENCE,
    ]
    return Violation(facts, "《中华人民共和国固体废物污染环境防治法》第八十二条第一款",
                     "《中华人民共和国固体废物污染环境防治法》第一百一十二条第一款第五项")


def cems_malfunction(ctx: Context, water: bool = False) -> Violation:
    start = ctx.inspected - timedelta(days=ctx.rng.randint(10, 40))
    end = start + timedelta(days=ctx.rng.randint(2, 9))
    device = ("废水总排放口化学需氧量在线监测仪" if water
              else f"{ctx.rng.randint(1, 3)}#焚烧炉烟气排放口自动监测设备（CEMS）")
    problem = ("采样管路堵塞，仪器长期处于维护状态" if water
               else "伴热管线故障，氮氧化物分析仪零点漂移超出允许范围")
    facts = [
        f"{ctx.inspect_phrase}。经查，你单位{device}于{digits_date(start)}至{digits_date(end)}期间{problem}，"
        "你单位未及时修复，导致自动监测设备未能正常运行、数据无效。",
        EVIDENCE,
    ]
    return Violation(facts, "《排污许可管理条例》第二十条第一款", "《排污许可管理条例》第三十六条第四项")


def tamper(ctx: Context, water: bool) -> Violation:
    start = ctx.inspected - timedelta(days=ctx.rng.randint(20, 60))
    end = ctx.inspected - timedelta(days=1)
    if water:
        text = ("通过将化学需氧量在线监测仪采样管接入自来水管，稀释水样的方式干扰自动监测设备，"
                "致使上传的化学需氧量监测数据失真")
        violated = "《中华人民共和国水污染防治法》第三十九条、《排污许可管理条例》第二十条第二款"
        basis = "《排污许可管理条例》第三十四条第二项"
        quote = ("违反本条例规定，排污单位有下列行为之一的，由生态环境主管部门责令改正或者限制生产、停产整治，"
                 "处20万元以上100万元以下的罚款；情节严重的，吊销排污许可证，报经有批准权的人民政府批准，责令停业、关闭")
    else:
        text = (f"运维人员通过修改自动监测设备数据采集仪中氮氧化物量程参数和折算系数的方式，篡改自动监测数据，"
                f"上传至监控平台的氮氧化物小时均值较实测值平均降低{ctx.rng.randint(25, 60)}%")
        violated = "《中华人民共和国大气污染防治法》第二十条第二款"
        basis = "《中华人民共和国大气污染防治法》第九十九条第三项"
        quote = ("违反本法规定，有下列行为之一的，由县级以上人民政府生态环境主管部门责令改正或者限制生产、停产整治，"
                 "并处十万元以上一百万元以下的罚款；情节严重的，报经有批准权的人民政府批准，责令停业、关闭：……"
                 "（三）通过逃避监管的方式排放大气污染物的")
    facts = [
        f"{ctx.inspect_phrase}。经查，{digits_date(start)}至{digits_date(end)}期间，你单位{text}。",
        "以上事实，有《现场检查（勘察）笔录》《调查询问笔录》、数据采集仪参数修改日志、监控平台历史数据、"
        "现场照片等证据为凭。",
    ]
    return Violation(facts, violated, basis, quote)


def permit(ctx: Context, route: bool) -> Violation:
    number = ctx.party.permit or ""
    if route:
        finding = ("排污许可证载明你单位生产废水经预处理后纳管排放，现场检查发现你单位将部分印染废水"
                   "经厂区北侧雨水排放口排放，污染物排放去向不符合排污许可证规定")
        basis = "《排污许可管理条例》第三十六条第二项"
    else:
        finding = (f"排污许可证载明你单位废气排放口{ctx.rng.randint(2, 4)}个，现场检查发现你单位在渗滤液处理站"
                   "新增除臭废气排放口一个，未纳入排污许可管理，污染物排放口数量不符合排污许可证规定")
        basis = "《排污许可管理条例》第三十六条第一项"
    facts = [f"{ctx.inspect_phrase}。你单位持有排污许可证（证书编号：{number}），{finding}。", EVIDENCE]
    return Violation(facts, "《排污许可管理条例》第十八条", basis)


def daily_penalty(ctx: Context) -> Violation:
    ordered = ctx.inspected - timedelta(days=ctx.rng.randint(20, 30))
    value = ctx.rng.randint(560, 820)
    facts = [
        f"我局于{digits_date(ordered)}向你单位送达《责令改正违法行为决定书》（嘉环(盐)改〔2024〕15号），"
        "责令你单位立即停止超标排放水污染物的违法行为，并以《行政处罚决定书》（嘉环(盐)罚〔2024〕15号）对你单位"
        "处以罚款人民币贰拾万元。",
        f"{digits_date(ctx.inspected)}，我局执法人员对你单位进行复查，经监测（{ctx.report_no()}），你单位废水总排放口"
        f"化学需氧量浓度为{value}mg/L，仍超过《污水综合排放标准》（GB 8978-1996）规定的500mg/L排放限值，"
        "你单位拒不改正超标排放水污染物的违法行为。",
        EVIDENCE,
    ]
    return Violation(
        facts, "《中华人民共和国水污染防治法》第十条",
        "《中华人民共和国环境保护法》第五十九条第一款、《中华人民共和国水污染防治法》第九十五条和"
        "《环境保护主管部门实施按日连续处罚办法》第五条、第十七条",
    )


def open_burning(ctx: Context) -> Violation:
    facts = [
        f"{digits_date(ctx.inspected)}，我局执法人员接群众举报后赴现场检查，发现你在秀洲区王江泾镇南汇村空地露天焚烧"
        "废旧电线电缆约0.5吨，用以回收铜料，焚烧产生大量黑烟和刺激性气味。",
        "以上事实，有《现场检查（勘察）笔录》《调查询问笔录》、现场照片等证据为凭。",
    ]
    return Violation(facts, "《中华人民共和国大气污染防治法》第八十二条第一款",
                     "《中华人民共和国大气污染防治法》第一百一十九条第二款")


def dust(ctx: Context) -> Violation:
    tons = ctx.rng.randint(300, 1200)
    facts = [
        f"{ctx.inspect_phrase}，发现你单位废钢料场未采取密闭、围挡、遮盖等措施，露天堆放废钢及除尘灰约{tons}吨，"
        "装卸作业时产生明显扬尘。",
        EVIDENCE,
    ]
    return Violation(facts, "《中华人民共和国大气污染防治法》第七十二条第一款",
                     "《中华人民共和国大气污染防治法》第一百一十七条第一项")


VIOLATIONS: dict[str, Callable[[Context], Violation]] = {
    "air_exceed": lambda ctx: air_exceed(ctx, _industry(ctx)),
    "water_exceed": lambda ctx: water_exceed(ctx, _industry(ctx)),
    "vocs": vocs,
    "hidden_pipe": lambda ctx: hidden_pipe(ctx, _industry(ctx)),
    "bypass": bypass,
    "unapproved_construction": unapproved_construction,
    "no_acceptance": no_acceptance,
    "hazardous_storage": lambda ctx: hazardous_storage(ctx, _industry(ctx)),
    "hazardous_unlicensed": hazardous_unlicensed,
    "hazardous_manifest": hazardous_manifest,
    "cems_malfunction": cems_malfunction,
    "cems_water": lambda ctx: cems_malfunction(ctx, water=True),
    "tamper_air": lambda ctx: tamper(ctx, water=False),
    "tamper_water": lambda ctx: tamper(ctx, water=True),
    "permit_outlets": lambda ctx: permit(ctx, route=False),
    "permit_discharge_route": lambda ctx: permit(ctx, route=True),
    "daily_penalty": daily_penalty,
    "open_burning": open_burning,
    "dust": dust,
}


def _industry(ctx: Context) -> str:
    return next(e.industry for e in world.enterprises() if e.name == ctx.party.name)


# Further penalties, as the decision words them (before or after the fine).
EXTRAS: dict[str, Callable[[Context], str]] = {
    "correct": lambda ctx: "责令你单位立即改正违法行为",
    "stop_building": lambda ctx: "责令你单位停止建设",
    "restore": lambda ctx: "责令恢复原状",
    "suspend": lambda ctx: "责令你单位停产整治，整治期限为三个月",
    "confiscate": lambda ctx: f"没收违法所得人民币{capital_yuan(ctx.case.confiscated or Decimal(0))}",
    "revoke": lambda ctx: f"吊销你单位排污许可证（证书编号：{ctx.party.permit}）",
}


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


def _party(key: str) -> Party:
    if key in OUTSIDERS:
        return OUTSIDERS[key]
    enterprise = world.by_key(key)
    rng = random.Random(f"{SEED}-{key}")
    return Party(enterprise.name, enterprise.uscc, enterprise.address, enterprise.county,
                 legal_representative=_person(rng),
                 permit=enterprise.permits[0].number if enterprise.permits else None)


def _masked(code: str) -> str:
    # The bureau hides the organisation-code part: 91330402MAU*****76
    return code[:11] + "*****" + code[16:]


def _police_and_court(county: str) -> tuple[str, str]:
    if county.endswith("区"):
        return f"嘉兴市公安局{county}分局", f"嘉兴市{county}人民法院"
    return f"{county}公安局", f"{county}人民法院"


@dataclass(frozen=True)
class Page:
    path: str
    published: date
    title: str
    paragraphs: tuple[str, ...]  # each one <p>; a tuple of lines joined by <br/> is written as str with \n
    encoding: str
    party: str = ""


def decision_paragraphs(case: Case, rng: random.Random) -> tuple[list[str], str]:
    """The paragraphs of one decision and its party's name."""
    party = _party(case.party)
    decided = date.fromisoformat(case.decided)
    ctx = Context(case, party, rng, decided - timedelta(days=rng.randint(35, 95)))
    violation = VIOLATIONS[case.violation](ctx)
    you = "你" if party.individual else "你单位"

    paragraphs: list[str] = []
    if case.heading == "two_lines":
        paragraphs += [case.signed_by, "行政处罚决定书"]
    else:
        paragraphs.append(f"{case.signed_by}行政处罚决定书")
    paragraphs.append(case.number)
    if party.individual:
        paragraphs += [f"当事人：{party.name}", f"住址：{party.address}"]
    else:
        label = "当事人" if rng.random() < 0.6 else "单位名称"
        paragraphs.append(f"{label}：{party.name}")
        if party.uscc is not None:
            shown = _masked(party.uscc) if case.code == "masked" else party.uscc
            paragraphs.append(f"统一社会信用代码：{shown}")
        if party.operator:
            paragraphs.append(f"经营者：{party.operator}")
        if party.legal_representative:
            paragraphs.append(f"法定代表人：{party.legal_representative}")
        paragraphs.append(f"{'住所' if rng.random() < 0.4 else '地址'}：{party.address}")

    facts_heading = ("一、调查情况及发现的环境违法事实、证据和陈述申辩及采纳情况" if case.layout == "long_facts"
                     else "一、环境违法事实和证据")
    paragraphs.append(facts_heading)
    paragraphs += [p.replace("你单位", you) for p in violation.facts]
    violated_sentence = f"{you}的上述行为违反了{violation.violated}的规定。"
    if case.layout == "long_facts":
        notice = decided - timedelta(days=rng.randint(15, 30))
        paragraphs.append(
            f"我局于{digits_date(notice)}向{you}送达了《行政处罚事先（听证）告知书》，告知{you}陈述、申辩和要求听证的权利。"
            + rng.choice((f"{you}在规定期限内未提出陈述、申辩意见，也未要求听证。",
                          f"{you}提出了陈述、申辩意见，经我局复核，{you}所提意见不能成立，不予采纳。"))
        )
    paragraphs.append(violated_sentence)

    basis_heading = ("二、行政处罚的依据、种类及其履行方式、期限" if case.layout == "merged"
                     else "二、行政处罚的依据、种类")
    paragraphs.append(basis_heading)
    amount = AMOUNT_STYLES[case.amount_style](case.fine)
    fine = f"处{amount}罚款" if case.fine_order == "before" else f"罚款{amount}"
    quote = f"：“{violation.quote}”" if case.quote_law and violation.quote else ""
    items = [EXTRAS[key](ctx) for key in case.extras if key in EXTRAS]
    if "daily" in case.extras:
        days = case.fine // 200000
        basis = (f"依据{violation.basis}的规定，我局决定对{you}实施按日连续处罚，按照原处罚数额人民币贰拾万元"
                 f"按日连续计罚，计罚日数为{days}日，罚款总额为{amount}。")
    else:
        numbered = [*items, fine] if rng.random() < 0.5 or "confiscate" in case.extras else [fine, *items]
        listed = "；".join(f"{i}.{text}" for i, text in enumerate(numbered, 1)) if len(numbered) > 1 else numbered[0]
        basis = f"依据{violation.basis}的规定{quote}，我局决定对{you}作出如下行政处罚：{listed}。"
    paragraphs.append(basis)
    if "detention" in case.extras:
        police, _ = _police_and_court(party.county)
        paragraphs.append(f"同时，依据《中华人民共和国环境保护法》第六十三条第三项的规定，我局将本案移送{police}，"
                          f"对{you}直接负责的主管人员和其他直接责任人员处以行政拘留。")

    _, court = _police_and_court(party.county)
    pay = (f"{you}应自收到本处罚决定书之日起十五日内，将罚款缴至嘉兴市财政局指定的代收银行。"
           f"逾期不缴纳罚款的，我局可以每日按罚款数额的百分之三加处罚款，并依法申请人民法院强制执行。")
    remedy = (f"{you}如不服本处罚决定，可以在收到本处罚决定书之日起六十日内向嘉兴市人民政府申请行政复议，"
              f"也可以在六个月内向{court}提起行政诉讼。申请行政复议或者提起行政诉讼，不停止行政处罚决定的执行。")
    if case.layout == "merged":
        paragraphs += [pay, "三、申请行政复议或者提起行政诉讼的途径和期限", remedy]
    else:
        paragraphs += ["三、行政处罚决定的履行方式和期限", pay, "四、申请复议或者提起诉讼的途径和期限", remedy]

    if party.individual:
        paragraphs = [p.replace("你单位", "你") for p in paragraphs]
    signed = chinese_date(decided) if case.date_style == "chinese" else digits_date(decided)
    if case.signature == "one_line":
        paragraphs.append(f"{case.signed_by}　　{signed}")
    elif case.signature == "br":
        paragraphs.append(f"{case.signed_by}\n{signed}")
    else:
        paragraphs += [case.signed_by, signed]
    return paragraphs, party.name


def _title(case: Case, party: str) -> str:
    return {
        "party": f"{party.removesuffix('（个体工商户）')}行政处罚决定书",
        "number": f"行政处罚决定书（{case.number}）",
        "bureau": f"{CITY_BUREAU}行政处罚决定书（{party}）",
    }[case.title]


def _summary_paragraphs(cases: list[Case]) -> list[str]:
    """A quarterly summary (not a decision): a table of the quarter's cases."""
    rows = "".join(
        f"<tr><td>{i}</td><td>{html.escape(c.number)}</td><td>{html.escape(_party(c.party).name)}</td>"
        f"<td>罚款{c.fine}元</td></tr>"
        for i, c in enumerate(cases, 1)
    )
    return [
        "根据《中华人民共和国政府信息公开条例》和环境行政处罚案件信息公开的有关要求，现将我局2025年第三季度"
        "作出的环境行政处罚案件办理情况公示如下：",
        "<table border=\"1\"><tr><th>序号</th><th>处罚决定书文号</th><th>被处罚单位</th><th>处罚结果</th></tr>"
        f"{rows}</table>",
        "特此公示。",
        "嘉兴市生态环境局",
        "2025年10月10日",
    ]


@dataclass(frozen=True)
class Correction:
    """An order to correct (责令改正违法行为决定书): no fine, a deadline."""

    number: str
    decided: str
    party: str  # world enterprise key
    violation: str  # key of VIOLATIONS
    order: str  # the order, {deadline} where the deadline goes
    deadline: str  # ISO
    layout: str = "sections"  # sections | plain (older template: no numbered sections)
    heading: str = "责令改正违法行为决定书"
    signed_by: str = CITY_BUREAU
    code: str = "printed"


CORRECTIONS: tuple[Correction, ...] = (
    Correction("嘉环(海)责改〔2024〕15号", "2024-09-24", "e48", "permit_outlets",
               "于{deadline}前按照排污许可证规定规范设置排放口并设立标志牌", "2024-11-30", layout="plain",
               heading="责令改正决定书", signed_by="嘉兴市生态环境局海宁分局"),
    Correction("嘉环改字〔2025〕3号", "2025-02-18", "e37", "hazardous_manifest",
               "立即停止违法行为，并于{deadline}前完成危险废物转移联单补录和管理台账整改", "2025-03-31"),
    Correction("嘉环(秀)改〔2025〕9号", "2025-06-05", "e24", "cems_malfunction",
               "于{deadline}前修复自动监测设备并恢复数据正常传输", "2025-07-15", code="masked"),
    Correction("嘉环(桐)责改〔2025〕6号", "2025-08-27", "e49", "dust",
               "在{deadline}之前对废钢料场采取密闭、围挡、遮盖等防尘措施", "2025-10-31", layout="plain"),
    Correction("嘉环责改[2026]2号", "2026-04-14", "e34", "hazardous_storage",
               "于{deadline}前完成危险废物贮存场所规范化整改", "2026-06-30"),
)


def correction_paragraphs(order: Correction, rng: random.Random) -> tuple[list[str], str]:
    """The paragraphs of one order to correct and its party's name."""
    party = _party(order.party)
    decided = date.fromisoformat(order.decided)
    ctx = Context(Case(order.number, order.decided, order.party, order.violation, 0), party, rng,
                  decided - timedelta(days=rng.randint(10, 30)))
    violation = VIOLATIONS[order.violation](ctx)
    deadline = date.fromisoformat(order.deadline)
    out = [order.signed_by, order.heading, order.number, f"当事人：{party.name}"]
    if party.uscc is not None:
        out.append(f"统一社会信用代码：{_masked(party.uscc) if order.code == 'masked' else party.uscc}")
    out += [f"法定代表人：{party.legal_representative}", f"地址：{party.address}"]
    violated = f"你单位的上述行为违反了{violation.violated}的规定。"
    basis = f"依据《中华人民共和国行政处罚法》第二十八条第一款和{violation.basis}的规定"
    command = f"我局责令你单位：{order.order.format(deadline=digits_date(deadline))}。"
    report = "你单位应当在改正期限届满之日起五个工作日内将改正情况书面报告我局，我局将进行复查。"
    _, court = _police_and_court(party.county)
    remedy = (f"你单位如不服本决定，可以在收到本决定书之日起六十日内向嘉兴市人民政府申请行政复议，"
              f"也可以在六个月内向{court}提起行政诉讼。")
    if order.layout == "plain":
        out += [*violation.facts, f"{violated}{basis}，现{command}", report, remedy]
    else:
        out += ["一、环境违法事实和证据", *violation.facts, violated, "二、责令改正的依据、内容和期限",
                f"{basis}，{command}", report, "三、申请行政复议或者提起行政诉讼的途径和期限", remedy]
    out += [order.signed_by, digits_date(decided)]
    return out, party.name


@dataclass(frozen=True)
class TableCase:
    """One row of the 海盐 branch's quarterly case table."""

    number: str
    decided: str
    party: str  # world enterprise key
    name: str  # 案件名称
    facts: str  # 案件简要情况 without the decision
    violated: str
    basis: str
    decision: str  # what was decided, fine written out


HAIYAN_BUREAU = "嘉兴市生态环境局海盐分局"
TABLE_CASES: tuple[TableCase, ...] = (
    TableCase("嘉环(盐)罚〔2025〕4号", "2025-04-08", "e45", "超标排放水污染物案",
              "2025年2月13日，我分局执法人员检查发现该公司废水总排放口外排废水化学需氧量浓度为"
              "763mg/L，超过《污水综合排放标准》（GB 8978-1996）规定的500mg/L排放限值",
              "《中华人民共和国水污染防治法》第十条", "《中华人民共和国水污染防治法》第八十三条第二项",
              "责令其改正违法行为，并处罚款人民币壹拾贰万陆仟元"),
    TableCase("嘉环(盐)罚〔2025〕6号", "2025-04-29", "e36", "未批先建案",
              "2025年3月4日，我分局执法人员检查发现该公司位于海盐县百步镇的新增鞣制生产线未依法报批环境影响"
              "报告表即开工建设，至检查时已建成",
              "《中华人民共和国环境影响评价法》第二十五条", "《中华人民共和国环境影响评价法》第三十一条第一款",
              "责令其停止建设，并处罚款人民币捌万元"),
    TableCase("嘉环(盐)罚 〔2025〕 7号", "2025-05-20", "e45", "未按规定贮存危险废物案",
              "2025年3月26日，我分局执法人员检查发现该公司将约12吨废活性炭露天堆放于厂区空地，未采取防扬散、"
              "防流失、防渗漏措施",
              "《中华人民共和国固体废物污染环境防治法》第七十九条",
              "《中华人民共和国固体废物污染环境防治法》第一百一十二条第一款第六项",
              "责令其改正违法行为，并处罚款人民币壹拾伍万元（¥150000元）"),
    TableCase("嘉环(盐)罚〔2025〕9号", "2025-06-10", "e46", "挥发性有机物无组织排放案",
              "2025年4月9日，我分局执法人员检查发现该公司位于海盐县的脱硝剂配制车间含挥发性有机物废气未经收集"
              "处理直接无组织排放",
              "《中华人民共和国大气污染防治法》第四十五条", "《中华人民共和国大气污染防治法》第一百零八条第一项",
              "处人民币叁万伍仟元罚款"),
    TableCase("嘉环(盐)罚〔2025〕11号", "2025-06-24", "e18", "自动监测设备不正常运行案",
              "2025年5月7日，我分局执法人员检查发现该公司海盐县厂区烟气自动监测设备采样探头堵塞，数据连续"
              "缺失41小时未报告",
              "《排污许可管理条例》第二十条第一款", "《排污许可管理条例》第三十六条第四项",
              "罚款5.2万元"),
)


def _table_paragraphs() -> list[str]:
    """The 海盐 branch's quarterly table of cases: one case a row, the fine in the case summary."""
    rows = []
    for i, case in enumerate(TABLE_CASES, 1):
        party = _party(case.party)
        summary = f"{case.facts}，违反了{case.violated}的规定。我分局决定{case.decision}。"
        cells = (str(i), case.name, party.name, party.uscc, summary, f"依据{case.basis}的规定",
                 case.number, case.decided)
        rows.append("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>")
    header = "".join(f"<th>{h}</th>" for h in ("序号", "案件名称", "被处罚对象名称", "统一社会信用代码",
                                              "案件简要情况", "处罚依据", "处罚决定文号", "处罚决定日期"))
    return [
        "根据《中华人民共和国政府信息公开条例》和《环境行政处罚办法》的规定，现将我分局2025年第二季度"
        "办结的环境行政处罚案件公开如下：",
        f'<table border="1" class="case-table"><tr>{header}</tr>{"".join(rows)}</table>',
        HAIYAN_BUREAU,
        "2025年7月8日",
    ]


# --- After the decision: re-inspections, fines paid, credit repair (信用修复) ---------------------------


@dataclass(frozen=True)
class ReInspection:
    """An 整改复查意见书: the bureau re-inspects a party it penalised and says whether it has corrected."""

    number: str  # the notice's own 文号
    signed: str  # ISO
    inspected: str  # ISO
    decision: str  # the decision's 文号 as CASES prints it
    findings: str  # what the re-inspection found (after 经复查，你单位)
    passed: bool
    cited_as: str | None = None  # the decision's 文号 as this notice prints it, when it differs


REINSPECTIONS: tuple[ReInspection, ...] = (
    ReInspection("嘉环复查〔2025〕21号", "2025-08-15", "2025-08-12", "嘉环罚〔2025〕12号",
                 "已更换1#焚烧炉烟气排放口自动监测设备伴热管线，重新标定氮氧化物分析仪，经嘉兴市环境监测站比对监测，"
                 "自动监测设备运行正常，数据有效传输率恢复至百分之九十九以上", True),
    ReInspection("嘉环(平)复查〔2025〕7号", "2025-09-26", "2025-09-23", "嘉环(平)罚 〔2025〕 6 号",
                 "已将自动监测数据采集仪氮氧化物量程参数和折算系数恢复为出厂设定值，但未按要求委托第三方开展比对监测，"
                 "未建立数据采集仪参数修改审批和记录制度，也未向我局提交书面整改报告", False,
                 cited_as="嘉环(平)罚〔2025〕6号"),
    ReInspection("嘉环(平)复查〔2025〕11号", "2025-10-20", "2025-10-16", "嘉环(平)罚[2025]9号",
                 "北侧雨水排放口仍未封堵，现场检查时该排放口有少量带色废水外排，印染废水排放去向仍不符合排污许可证规定",
                 False),
    ReInspection("嘉环(平)复查〔2025〕15号", "2025-12-02", "2025-11-27", "嘉环(平)罚[2025]9号",
                 "已对厂区雨污管网进行改造，封堵北侧雨水排放口处的印染废水接入管，生产废水经预处理后全部纳管排放，"
                 "雨水排放口采样监测结果符合要求", True),
)


@dataclass(frozen=True)
class FinePaid:
    """One line of a quarterly notice of fines paid: a decision, and when (or whether) its fine was paid."""

    decision: str  # the decision's 文号 as CASES prints it
    paid: str | None  # ISO; None: not paid
    status: str = "已缴纳"  # 履行情况 as printed


@dataclass(frozen=True)
class FineNotice:
    quarter: str  # 2025年第三季度
    published: str
    layout: str  # lines (one paragraph a decision) | table
    rows: tuple[FinePaid, ...]


FINE_NOTICES: tuple[FineNotice, ...] = (
    FineNotice("2024年第二季度", "2024-07-10", "lines", (
        FinePaid("嘉环(海)罚字[2024]3号", "2024-04-02"),
        FinePaid("嘉环(平)罚【2024】15号", "2024-05-10"),
        FinePaid("嘉环罚〔2024〕19号", "2024-06-05"),
    )),
    FineNotice("2025年第三季度", "2025-10-15", "table", (
        FinePaid("嘉环罚〔2025〕12号", "2025-07-03"),
        FinePaid("嘉环(平)罚 〔2025〕 6 号", None, "未缴纳，已申请人民法院强制执行"),
        FinePaid("嘉环(平)罚[2025]9号", "2025-08-06"),
        FinePaid("嘉环(秀)罚〔2025〕14号", "2025-08-29"),
        FinePaid("嘉环(桐)罚【2025】11号", "2025-09-28"),
    )),
)


@dataclass(frozen=True)
class Repair:
    """One row of a credit-repair notice: an enterprise whose penalty information stops being published."""

    party: str  # world enterprise key
    decisions: tuple[str, ...]  # 文号 as printed in the notice; one may predate the column
    decided: str  # ISO date of the repair decision


@dataclass(frozen=True)
class RepairNotice:
    batch: str  # 2025年第2批
    published: str
    rows: tuple[Repair, ...]


REPAIR_NOTICES: tuple[RepairNotice, ...] = (
    RepairNotice("2025年第2批", "2025-07-18", (
        Repair("e00", ("嘉环罚〔2024〕19号",), "2025-07-10"),
        Repair("e42", ("嘉环(海)罚字[2024]3号",), "2025-07-10"),
        # decided in 2023, before the column's replica starts: we have no record of it
        Repair("e18", ("嘉环(秀)罚〔2023〕31号",), "2025-07-14"),
    )),
    RepairNotice("2026年第2批", "2026-07-15", (
        Repair("e40", ("嘉环罚〔2024〕11号", "嘉环(桐)罚〔2025〕15号"), "2026-07-08"),
    )),
)


def _case(number: str) -> Case:
    return next(c for c in CASES if c.number == number)


def reinspection_paragraphs(notice: ReInspection) -> tuple[list[str], str]:
    """The paragraphs of one 整改复查意见书 and its party's name."""
    case = _case(notice.decision)
    party = _party(case.party)
    decided, inspected = date.fromisoformat(case.decided), date.fromisoformat(notice.inspected)
    out = [CITY_BUREAU, "环境违法行为整改复查意见书", notice.number, f"当事人：{party.name}"]
    if party.uscc is not None:
        out.append(f"统一社会信用代码：{party.uscc}")
    out += [f"地址：{party.address}",
            f"我局于{digits_date(decided)}对你单位作出《行政处罚决定书》（{notice.cited_as or case.number}），"
            f"责令你单位改正环境违法行为。{digits_date(inspected)}，我局执法人员依法对你单位整改情况进行了复查。",
            f"经复查，你单位{notice.findings}。"]
    if notice.passed:
        out.append("复查结论：你单位已完成整改。")
    else:
        out += ["复查结论：你单位未完成整改。",
                "我局将依据《中华人民共和国环境保护法》第五十九条等规定依法处理，并将复查情况记入你单位环境信用记录。"]
    out += [CITY_BUREAU, digits_date(date.fromisoformat(notice.signed))]
    return out, party.name


def fine_notice_paragraphs(notice: FineNotice) -> tuple[list[str], str]:
    """A quarterly notice of fines paid (and not paid), and its title."""
    title = f"{CITY_BUREAU}关于{notice.quarter}行政处罚罚款缴纳情况的公示"
    out = [title, "根据《中华人民共和国政府信息公开条例》和行政处罚决定履行情况公开的有关要求，"
                  f"现将我局{notice.quarter}行政处罚罚款缴纳情况公示如下："]
    if notice.layout == "lines":
        for i, row in enumerate(notice.rows):
            case = _case(row.decision)
            party = _party(case.party)
            assert row.paid is not None, "the lines layout lists fines paid only"
            out.append(f"{render_number(i + 1, _LOWER, '十百千')}、{party.name}（统一社会信用代码：{party.uscc}）"
                       f"已于{digits_date(date.fromisoformat(row.paid))}全额缴纳《行政处罚决定书》（{case.number}）"
                       f"所处罚款人民币{capital_yuan(Decimal(case.fine))}。")
    else:
        header = "".join(f"<th>{h}</th>" for h in ("序号", "处罚决定书文号", "被处罚单位", "统一社会信用代码",
                                                  "罚款金额（元）", "履行情况", "缴纳日期"))
        rows = []
        for i, row in enumerate(notice.rows, 1):
            case = _case(row.decision)
            party = _party(case.party)
            cells = (str(i), case.number, party.name, party.uscc or "", f"{case.fine:,}", row.status,
                     row.paid or "—")
            rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
        out.append(f'<table border="1"><tr>{header}</tr>{"".join(rows)}</table>')
    out += ["特此公示。", CITY_BUREAU, digits_date(date.fromisoformat(notice.published))]
    return out, title


def repair_notice_paragraphs(notice: RepairNotice) -> tuple[list[str], str]:
    """A notice granting credit repair (信用修复) for listed decisions, and its title."""
    title = f"{CITY_BUREAU}关于准予行政处罚信息信用修复的公示（{notice.batch}）"
    header = "".join(f"<th>{h}</th>" for h in ("序号", "企业名称", "统一社会信用代码", "行政处罚决定书文号",
                                              "信用修复决定日期"))
    rows = []
    for i, row in enumerate(notice.rows, 1):
        party = _party(row.party)
        cells = (str(i), party.name, party.uscc or "", "、".join(row.decisions), row.decided)
        rows.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    out = [title,
           "根据《失信行为纠正后的信用信息修复管理办法（试行）》（国家发展和改革委员会令2023年第58号）的规定，"
           "下列企业已履行行政处罚决定规定的义务并完成整改，经审核符合信用修复条件，我局决定准予信用修复，"
           "相关行政处罚信息在本局网站停止公示。",
           f'<table border="1"><tr>{header}</tr>{"".join(rows)}</table>',
           "特此公示。", CITY_BUREAU, digits_date(date.fromisoformat(notice.published))]
    return out, title


def rectification_pages() -> list[Page]:
    """The notices that follow decisions up: re-inspections, fines paid, credit repair."""
    rng = random.Random(f"{SEED}-rectification")
    pages = []
    for notice in REINSPECTIONS:
        paragraphs, party = reinspection_paragraphs(notice)
        published = date.fromisoformat(notice.signed) + timedelta(days=rng.randint(1, 6))
        path = f"{COLUMN}{published:%Y%m}/t{published:%Y%m%d}_{5_700_000 + rng.randint(1, 99999)}.shtml"
        pages.append(Page(path, published, f"{party}环境违法行为整改复查意见书", tuple(paragraphs), "utf-8", party))
    for fines in FINE_NOTICES:
        paragraphs, title = fine_notice_paragraphs(fines)
        published = date.fromisoformat(fines.published)
        path = f"{COLUMN}{published:%Y%m}/t{published:%Y%m%d}_{5_800_000 + rng.randint(1, 99999)}.shtml"
        pages.append(Page(path, published, title, tuple(paragraphs), "utf-8"))
    for repairs in REPAIR_NOTICES:
        paragraphs, title = repair_notice_paragraphs(repairs)
        published = date.fromisoformat(repairs.published)
        path = f"{COLUMN}{published:%Y%m}/t{published:%Y%m%d}_{5_900_000 + rng.randint(1, 99999)}.shtml"
        pages.append(Page(path, published, title, tuple(paragraphs), "utf-8"))
    return pages


# --- Edition 2 (QINGTIAN_REPLAY_EDITION=2, crawlers/replay/editions.py): decisions published since ---------

EDITION_CASES: tuple[Case, ...] = (
    Case("嘉环(秀)罚〔2026〕25号", "2026-11-10", "e18", "vocs", 42000),
    Case("嘉环罚〔2026〕30号", "2026-11-13", "e36", "water_exceed", 96000),
)


def edition_pages() -> list[Page]:
    """The articles an edition after the first adds at the top of the column (their own random stream)."""
    if edition() < 2:
        return []
    rng = random.Random(f"{SEED}-edition-2")
    pages = []
    for n, case in enumerate(EDITION_CASES):
        paragraphs, party = decision_paragraphs(case, rng)
        published = date.fromisoformat(case.decided) + timedelta(days=2)
        path = f"{COLUMN}{published:%Y%m}/t{published:%Y%m%d}_{6_100_000 + n}.shtml"
        pages.append(Page(path, published, _title(case, party), tuple(paragraphs), case.encoding, party))
    return pages


class JiaxingPenaltyColumn:
    """The 行政处罚 column of 嘉兴市生态环境局 (TRS CMS), as static pages."""

    host = HOST

    @cached_property
    def pages(self) -> dict[str, Page]:
        """Every article of the column by path, in list order (newest first)."""
        rng = random.Random(SEED)
        pages: list[Page] = []
        article_id = 5_120_000
        for case in sorted(CASES, key=lambda c: c.decided):
            paragraphs, party = decision_paragraphs(case, rng)
            published = date.fromisoformat(case.decided) + timedelta(days=rng.randint(2, 9))
            article_id += rng.randint(900, 26000)
            path = f"{COLUMN}{published:%Y%m}/t{published:%Y%m%d}_{article_id}.shtml"
            pages.append(Page(path, published, _title(case, party), tuple(paragraphs), case.encoding, party))
        for order in sorted(CORRECTIONS, key=lambda c: c.decided):
            paragraphs, party = correction_paragraphs(order, rng)
            published = date.fromisoformat(order.decided) + timedelta(days=rng.randint(2, 9))
            path = f"{COLUMN}{published:%Y%m}/t{published:%Y%m%d}_{5_600_000 + rng.randint(1, 99999)}.shtml"
            pages.append(Page(path, published, f"{party}{order.heading}", tuple(paragraphs), "utf-8", party))
        published = date(2025, 7, 8)
        path = f"{COLUMN}{published:%Y%m}/t{published:%Y%m%d}_{5_440_017}.shtml"
        pages.append(Page(path, published, f"{HAIYAN_BUREAU}2025年第二季度环境行政处罚案件",
                          tuple(_table_paragraphs()), "utf-8"))
        summary = [c for c in CASES if "2025-07-01" <= c.decided <= "2025-09-30"]
        published = date(2025, 10, 10)
        path = f"{COLUMN}{published:%Y%m}/t{published:%Y%m%d}_{5_470_001}.shtml"
        pages.append(Page(path, published, "嘉兴市生态环境局2025年第三季度环境行政处罚案件信息公示",
                          tuple(_summary_paragraphs(summary)), "utf-8"))
        pages += rectification_pages()
        pages += edition_pages()
        pages.sort(key=lambda p: (p.published, p.path), reverse=True)
        return {p.path: p for p in pages}

    @property
    def page_count(self) -> int:
        return -(-len(self.pages) // PAGE_SIZE)

    def handle(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response("<html><body>405 Not Allowed</body></html>", 405)
        path = request.path
        if path == "/robots.txt":
            return Response("User-agent: *\nDisallow:\n", content_type="text/plain; charset=utf-8")
        if path in (COLUMN, f"{COLUMN}index.shtml"):
            return self.list_page(0)
        if path.startswith(f"{COLUMN}index_") and path.endswith(".shtml"):
            number = path[len(f"{COLUMN}index_"):-len(".shtml")]
            if number.isdigit() and 0 < int(number) < self.page_count and str(int(number)) == number:
                return self.list_page(int(number))
            return Response.not_found()
        page = self.pages.get(path)
        if page is None:
            return Response.not_found()
        return self.article(page)

    def list_page(self, index: int) -> Response:
        items = list(self.pages.values())[index * PAGE_SIZE:(index + 1) * PAGE_SIZE]
        lis = "\n".join(
            f'<li><a href="./{p.path[len(COLUMN):]}" target="_blank" title="{html.escape(p.title)}">'
            f"{html.escape(p.title)}</a><span>{p.published.isoformat()}</span></li>"
            for p in items
        )
        body = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<title>行政处罚_嘉兴市生态环境局</title>
<meta name="SiteName" content="嘉兴市生态环境局">
<meta name="ColumnName" content="行政处罚">
<link rel="stylesheet" href="/images/common.css">
<script src="/images/jquery.min.js"></script>
</head>
<body>
{_HEADER}
<div class="main clearfix">
<div class="xxgk-left"><ul class="left-nav">
<li><a href="../zcwj/">政策文件</a></li><li><a href="../xzxk/">行政许可</a></li>
<li class="on"><a href="./">行政处罚</a></li><li><a href="../hjzl/">环境质量</a></li>
</ul></div>
<div class="xxgk-right">
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="../">信息公开</a> &gt;
<a href="./">行政处罚</a></div>
<ul class="xxgk-list">
{lis}
</ul>
<div class="page"><script type="text/javascript">
createPageHTML({self.page_count}, {index}, "index", "shtml");
</script></div>
</div>
</div>
{_FOOTER}
</body>
</html>
"""
        return Response(body)

    def article(self, page: Page) -> Response:
        gbk = page.encoding.startswith("gbk")
        meta = '<meta charset="gbk">' if gbk else '<meta charset="utf-8">'
        if page.encoding == "gbk-meta":
            meta = '<meta http-equiv="Content-Type" content="text/html; charset=gbk">'
        paragraphs = []
        last = len(page.paragraphs) - 1
        for i, text in enumerate(page.paragraphs):
            if text.startswith("<table"):
                paragraphs.append(text)
                continue
            # heading (one or two lines) and 文号 centred, authority and date right-aligned
            centred = i < 3 and (text.endswith("行政处罚决定书") or i == 0 or "号" in text[-2:])
            style = (' style="text-align: center;"' if centred
                     else ' style="text-align: right;"' if i >= last - 1 and len(text) < 40
                     else ' style="text-indent: 2em;"')
            inner = "<br/>".join(html.escape(line) for line in text.split("\n"))
            if centred or text[:2] in ("一、", "二、", "三、", "四、"):
                inner = f"<strong>{inner}</strong>"
            paragraphs.append(f"<p{style}>{inner}</p>")
        content = "\n".join(paragraphs)
        body = f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
{meta}
<title>{html.escape(page.title)}</title>
<meta name="ArticleTitle" content="{html.escape(page.title)}">
<meta name="PubDate" content="{page.published.isoformat()} 16:20">
<meta name="ContentSource" content="{CITY_BUREAU}">
<link rel="stylesheet" href="/images/common.css">
</head>
<body>
{_HEADER}
<div class="main article">
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="../../">信息公开</a> &gt;
<a href="../">行政处罚</a></div>
<h1 class="article-title">{html.escape(page.title)}</h1>
<div class="article-info"><span>发布日期：{page.published.isoformat()}</span><span>来源：{CITY_BUREAU}</span>
<span>浏览次数：<script>document.write(Math.floor(Math.random()*900)+100)</script></span></div>
<div class="article-content"><div class="TRS_Editor"><div class="TRS_UEDITOR trs_paper_default trs_web">
{content}
</div></div></div>
<div class="article-tools"><a href="javascript:window.print()">【打印本页】</a>
<a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
{_FOOTER}
</body>
</html>
"""
        if not gbk:
            return Response(body)
        # GBK has no ¥ (U+00A5) or ³: the bureau's editor writes ￥ and m3.
        encoded = body.replace("¥", "￥").replace("³", "3").encode("gbk")
        content_type = "text/html; charset=GBK" if page.encoding == "gbk" else "text/html"
        return Response(encoded, content_type=content_type)


_HEADER = """<div class="header">
<div class="logo"><a href="/"><img src="/images/logo.png" alt="嘉兴市生态环境局"></a></div>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/xwzx/">新闻中心</a></li>
<li><a href="/xxgk/">信息公开</a></li>
<li><a href="/hdjl/">互动交流</a></li><li><a href="/bsfw/">办事服务</a></li></ul></div>"""
_FOOTER = """<div class="footer"><p>主办单位：嘉兴市生态环境局　地址：嘉兴市南湖区广益路1008号</p>
<p>网站标识码：3304000049　<a href="/sitemap.shtml">网站地图</a></p></div>"""
