"""Replica of Credit China's (信用中国) public search API, `public.creditchina.gov.cn` (sources.md §2.3).

The site's pages (`www.creditchina.gov.cn`) are a JavaScript front end over GET endpoints that answer JSON:

* `/private-api/catalogSearchHome?keyword=…&scenes=defaultScenario&tableName=credit_xyzx_tyshxydm&searchState=2
  &entityType=1,2,4,5,6,7,8,1001&page=1&pageSize=10` — entity search; items carry `accurate_entity_name`,
  `uuid`, `tyshxydm`.
* `/private-api/typeSourceSearch?source=&type=行政处罚&searchState=1&entityType=1&scenes=defaultscenario
  &keyword=<name or code>&page=N&pageSize=10` — the records of one category for an entity:
  `{"status": 1, "message": "成功", "data": {"list": [{"entity": {CF_* fields}, "columnList": [...]}],
  "page": N, "total": <records>, "totalSize": <pages>}}`. pageSize is capped at 10.

Both need the headers the front end sends, `Referer` and `Origin: https://www.creditchina.gov.cn`; without
them the WAF (瑞数 `$_ts` + 加速乐) answers 412 with its JavaScript challenge page. With them, the WAF still
refuses some requests, the way it does anonymous crawlers: HTTP 412 (a challenge page or an empty body) or
HTTP 500 `{"status": 40001, "message": "请刷新后重试！", "data": null}`. Here that is deterministic: a request
(path and parameters, without the `_` cache-buster) whose hash falls in every `fail_every`-th bucket is
refused on its first one or two attempts, and again whenever it comes back sooner than `retry_after_s`
after a refusal; a keyword in `always_fail` is refused every time. Tests set these per instance.

Records are environmental penalties (处罚机关 a city 生态环境局 or one of its 分局) of the world's
enterprises in the 双公示 format, `CF_NR_FK` in 万元. Some are the very decisions the 嘉兴 bureau's column
publishes (`crawlers.replay.penalties.CASES`: same 文号, party, date and fine), printed the way Credit
China's data exchange normalises them; the most recent 嘉兴 decision is not here yet (the exchange lags).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property
from urllib.parse import urlencode

from crawlers.helpers import uscc
from crawlers.helpers.penalty import normalise_number
from crawlers.replay import penalties, world
from crawlers.replay.server import Request, Response

HOST = "public.creditchina.gov.cn"
SITE = "https://www.creditchina.gov.cn"
SEARCH = "/private-api/catalogSearchHome"
RECORDS = "/private-api/typeSourceSearch"
PAGE_SIZE_MAX = 10
SEED = f"{world.SEED}-creditchina"

# The enterprise whose every search the WAF refuses (the crawl must report a gap and go on).
BLOCKED_KEY = "e27"
# One enterprise with many penalties: several pages.
PROLIFIC_KEY = "e43"
# 嘉兴 decisions that Credit China carries too (the column's 文号 as printed there).
JIAXING_SHARED = ("嘉环罚〔2024〕19号", "嘉环罚〔2025〕12号", "嘉环(海)罚字[2024]35号", "嘉环(海)罚字〔2026〕5号")

# 文号 prefixes of the city bureaux (简称 + 环罚).
CITY_ABBR: dict[str, str] = {
    "330400": "嘉", "440100": "穗", "410100": "郑", "330100": "杭", "330300": "温", "340100": "合",
    "320500": "苏", "230100": "哈", "510100": "成", "430100": "长", "441900": "东", "130200": "唐",
    "320200": "锡", "370700": "潍",
}
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱马胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
_GIVEN = "建国伟明华军杰勇志强春林海峰晓红丽英斌新荣平德文辉成"


@dataclass(frozen=True)
class Offence:
    """A kind of environmental violation as the 双公示 fields describe it."""

    wfxw: str  # CF_WFXW 违法行为类型
    facts: str  # CF_SY, with {name} for the party
    violated: str
    applied: str
    categories: str  # CF_CFLB
    fines: tuple[int, ...]  # typical amounts, yuan; () for no fine


OFFENCES: dict[str, Offence] = {
    "air_exceed": Offence(
        "超标排放大气污染物",
        "{name}{line}烟气排放口氮氧化物小时均值浓度超过排放标准限值，超标排放大气污染物",
        "《中华人民共和国大气污染防治法》第十八条", "《中华人民共和国大气污染防治法》第九十九条第二项",
        "罚款", (100000, 150000, 200000, 280000, 350000, 500000)),
    "water_exceed": Offence(
        "超标排放水污染物",
        "{name}废水总排放口化学需氧量、氨氮浓度超过排放标准限值，超标排放水污染物",
        "《中华人民共和国水污染防治法》第十条", "《中华人民共和国水污染防治法》第八十三条第二项",
        "罚款;其他-责令改正", (100000, 120000, 180000, 260000, 400000)),
    "hidden_pipe": Offence(
        "通过暗管逃避监管排放水污染物",
        "{name}私设暗管将未经处理的生产废水排入雨水管网，逃避监管排放水污染物",
        "《中华人民共和国水污染防治法》第三十九条", "《中华人民共和国水污染防治法》第八十三条第三项",
        "罚款;责令停产停业", (500000, 650000, 800000)),
    "unapproved_construction": Offence(
        "建设项目环境影响报告表未经批准擅自开工建设",
        "{name}技改项目环境影响报告表未经审批即擅自开工建设",
        "《中华人民共和国环境影响评价法》第二十五条", "《中华人民共和国环境影响评价法》第三十一条第一款",
        "罚款;其他-责令停止建设", ()),  # 1%–5% of the investment, see _new_penalty()
    "hazardous_storage": Offence(
        "未按照国家环境保护标准贮存危险废物",
        "{name}将焚烧飞灰等危险废物露天堆放，未采取防扬散、防流失、防渗漏措施",
        "《中华人民共和国固体废物污染环境防治法》第七十九条",
        "《中华人民共和国固体废物污染环境防治法》第一百一十二条第一款第六项",
        "罚款;其他-责令改正", (100000, 150000, 210000)),
    "cems_malfunction": Offence(
        "未保证自动监测设备正常运行",
        "{name}{line}自动监测设备故障未及时修复，导致监测数据缺失",
        "《排污许可管理条例》第二十条第一款", "《排污许可管理条例》第三十六条第四项",
        "罚款", (20000, 45000, 52120, 80000, 120000)),
    "ledger": Offence(
        "未按照排污许可证规定制作环境管理台账",
        "{name}未按照排污许可证规定记录污染防治设施运行管理信息，环境管理台账缺失",
        "《排污许可管理条例》第二十一条", "《排污许可管理条例》第三十七条第一项",
        "罚款", (5000, 6800, 8000, 12000, 20000)),
    # The same, with a mitigated fine below the statutory minimum (减轻处罚).
    "ledger_mitigated": Offence(
        "未按照排污许可证规定制作环境管理台账",
        "{name}未按照排污许可证规定记录污染防治设施运行管理信息，首次违法且危害后果轻微并及时改正",
        "《排污许可管理条例》第二十一条",
        "《排污许可管理条例》第三十七条第一项、《中华人民共和国行政处罚法》第三十二条第一项",
        "罚款", (2000, 3000)),
    "dust": Offence(
        "未采取有效措施防治扬尘污染",
        "{name}物料堆场未采取密闭、围挡、遮盖等措施，装卸作业时产生明显扬尘",
        "《中华人民共和国大气污染防治法》第七十二条第一款",
        "《中华人民共和国大气污染防治法》第一百一十七条第一项",
        "罚款;其他-责令改正", (10000, 20000, 35000, 50000)),
    "disclosure": Offence(
        "未按规定披露环境信息",
        "{name}未按照规定在企业环境信息依法披露系统披露上一年度环境信息",
        "《企业环境信息依法披露管理办法》第十二条", "《企业环境信息依法披露管理办法》第二十八条",
        "通报批评", ()),
}
# The 嘉兴 column's violations → the offence Credit China files them under.
_JIAXING_OFFENCE = {"air_exceed": "air_exceed", "cems_malfunction": "cems_malfunction"}

COLUMNS: tuple[tuple[str, str], ...] = (
    ("CF_WSH", "行政处罚决定书文号"), ("CF_XDR_MC", "行政相对人名称"), ("CF_XDR_SHXYM", "统一社会信用代码"),
    ("CF_WFXW", "违法行为类型"), ("CF_SY", "违法事实"), ("CF_YJ", "处罚依据"), ("CF_CFLB", "处罚类别"),
    ("CF_NR", "处罚内容"), ("CF_NR_FK", "罚款金额（万元）"), ("CF_JDRQ", "处罚决定日期"), ("CF_YXQ", "处罚有效期"),
    ("CF_CFJG", "处罚机关"), ("CF_SJLY", "数据来源"),
)


@dataclass(frozen=True)
class Authority:
    name: str
    code: str  # 机关 USCC, prefix 11

    @classmethod
    def named(cls, name: str, city_code: str) -> Authority:
        digest = int(hashlib.sha256(name.encode()).hexdigest(), 16)
        return cls(name, uscc.make(city_code, f"{digest % 10**8:08d}", prefix="11"))


def authority_for(enterprise: world.Enterprise, branch: bool) -> tuple[Authority, str]:
    """The city bureau of the enterprise's city, or its county branch (分局), and its 文号 prefix."""
    name = f"{enterprise.city}生态环境局"
    prefix = f"{CITY_ABBR[enterprise.city_code]}环"
    if branch and enterprise.county != enterprise.city:
        county = enterprise.county
        name += f"{county.removesuffix('区').removesuffix('县').removesuffix('市')}分局"
        prefix += f"（{county[0]}）"
    return Authority.named(name, enterprise.city_code), prefix


@dataclass
class Penalty:
    """One 双公示 record: what `entity` holds, before it is written as JSON."""

    key: str  # world enterprise
    number: str
    decided: date
    authority: Authority
    offence: Offence
    fine: Decimal | None  # yuan
    legal_representative: str
    line: str = ""
    date_style: str = "iso"  # iso | slash
    fine_wording: str = "wan"  # wan | yuan | yuan_correct
    with_org_code: bool = False
    permanent: bool = False  # CF_YXQ 2099-12-31

    def entity(self) -> dict[str, object]:
        enterprise = world.by_key(self.key)
        offence = self.offence
        wan = None if self.fine is None else self.fine / 10000
        if self.fine is None:
            content = offence.categories
        elif self.fine_wording == "wan" and self.fine == self.fine.to_integral_value():
            content = f"罚款{_plain(wan)}万元"
        elif self.fine_wording == "yuan":
            content = f"处罚款人民币{_plain(self.fine)}元"
        else:
            content = f"责令改正违法行为，罚款{_plain(self.fine)}元"
        publicity = self.decided + timedelta(days=365 * (3 if (self.fine or 0) >= 1000000 else 1))
        row: dict[str, object] = {
            "CF_WSH": self.number,
            "CF_CFMC": f"{enterprise.name}{offence.wfxw}案",
            "CF_XDR_MC": enterprise.name,
            "CF_XDR_LB": "法人及非法人组织",
            "CF_XDR_SHXYM": enterprise.uscc,
            "CF_FRDB": self.legal_representative,
            "CF_WFXW": offence.wfxw,
            "CF_SY": offence.facts.format(name=enterprise.name, line=self.line),
            "CF_YJ": f"违反了{offence.violated}的规定，依据{offence.applied}的规定",
            "CF_CFLB": offence.categories,
            "CF_NR": content,
            "CF_NR_FK": 0 if wan is None else _json_number(wan),
            "CF_JDRQ": _day(self.decided, self.date_style),
            "CF_YXQ": "2099-12-31" if self.permanent else _day(publicity, "iso"),
            "CF_GSJZQ": _day(publicity, "iso"),
            "CF_CFJG": self.authority.name,
            "CF_CFJGDM": self.authority.code,
            "CF_SJLY": self.authority.name,
            "CF_SJLYDM": self.authority.code,
            "COMP_NAME": enterprise.name,
        }
        if self.with_org_code:
            row["CF_XDR_ZDM"] = f"{enterprise.uscc[8:16]}-{enterprise.uscc[16]}"
        return row


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _json_number(value: Decimal) -> int | float:
    """万元 as the API writes it: a JSON number (5.212, 0.2, 28)."""
    return int(value) if value == value.to_integral_value() else float(value)


def _day(day: date, style: str) -> str:
    return day.isoformat() if style == "iso" else day.strftime("%Y/%m/%d")


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2))))


@dataclass
class _Seen:
    refusals: int = 0
    last_refusal: float = -math.inf


@dataclass
class CreditChinaApi:
    """Credit China's search API with its WAF. Refusals are deterministic; see the module docstring."""

    host: str = HOST
    # A request whose hash is ≡ 0 mod fail_every is refused on its first attempt(s); 0 disables this.
    fail_every: int = 4
    # A refused request that comes back sooner than this (seconds) is refused again.
    retry_after_s: float = 0.1
    # Keywords the WAF always refuses; None: the name of the world's BLOCKED_KEY enterprise.
    always_fail: frozenset[str] | None = None
    clock: Callable[[], float] = time.monotonic
    _seen: dict[str, _Seen] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.always_fail is None:
            self.always_fail = frozenset({world.by_key(BLOCKED_KEY).name})

    # --- the records ---

    @cached_property
    def penalties(self) -> tuple[Penalty, ...]:
        """Every record, oldest first."""
        rng = random.Random(SEED)
        out: list[Penalty] = []
        # Sequence numbers per 文号 prefix and year; never one the 嘉兴 column uses for another decision.
        taken = {_same_number(c.number) for c in penalties.CASES}
        numbers: dict[tuple[str, int], int] = {}
        shared = {c.number: c for c in penalties.CASES}
        for number in JIAXING_SHARED:
            case = shared[number]
            enterprise = world.by_key(case.party)
            representative = penalties._party(case.party).legal_representative or _person(rng)
            out.append(Penalty(case.party, _as_exchanged(number), date.fromisoformat(case.decided),
                               Authority.named(case.signed_by, enterprise.city_code),
                               OFFENCES[_JIAXING_OFFENCE[case.violation]], Decimal(case.fine), representative,
                               line="1#焚烧炉"))
        for enterprise in world.enterprises():
            key = enterprise.key
            count = rng.choices((0, 1, 2, 3), weights=(40, 35, 15, 10))[0]
            if key == PROLIFIC_KEY:
                count = 23
            elif key == BLOCKED_KEY:
                count = 2
            elif key in ("e00", "e06"):
                count = 1  # besides the shared 嘉兴 decisions
            # The same legal representative as the 嘉兴 column prints, for the parties it names.
            representative = (penalties._party(key).legal_representative
                              if enterprise.city_code == world.PENALTY_CITY else None) or _person(rng)
            for _ in range(count):
                out.append(self._new_penalty(enterprise, representative, rng, numbers, taken))
        # Real exchange data has records filed without their 文号.
        plain = [p for p in out if p.key not in (BLOCKED_KEY, PROLIFIC_KEY, "e00", "e06")]
        plain[len(plain) // 2].number = ""
        out.sort(key=lambda p: (p.decided, p.number))
        return tuple(out)

    @staticmethod
    def _new_penalty(enterprise: world.Enterprise, representative: str, rng: random.Random,
                     numbers: dict[tuple[str, int], int], taken: set[str]) -> Penalty:
        choices = [k for k in OFFENCES if enterprise.incineration or k != "hazardous_storage"]
        offence_key = rng.choice(choices)
        offence = OFFENCES[offence_key]
        decided = date(2023, 1, 3) + timedelta(days=rng.randint(0, 1390))
        authority, prefix = authority_for(enterprise, branch=rng.random() < 0.3)
        style = rng.choice(("罚〔{y}〕{n}号", "罚字〔{y}〕{n}号", "罚〔{y}〕第{n}号", "罚[{y}]{n}号"))
        sequence = numbers.get((prefix, decided.year), rng.randint(3, 40))
        while True:
            sequence += rng.randint(1, 9)
            number = prefix + style.format(y=decided.year, n=sequence)
            if _same_number(number) not in taken:
                break
        numbers[(prefix, decided.year)] = sequence
        taken.add(_same_number(number))
        fine: Decimal | None
        if offence_key == "unapproved_construction":
            # 总投资额百分之一以上百分之五以下: an investment in 元 makes a fine with 角 and 分.
            investment = Decimal(rng.randint(80, 900) * 10000)
            if rng.random() < 0.3:
                investment += Decimal(rng.randint(1, 999_999)) / 100
            fine = (investment * Decimal(rng.choice((1, 2, 3))) / 100).quantize(Decimal("0.01"))
        elif offence.fines:
            fine = Decimal(rng.choice(offence.fines))
        else:
            fine = None
        line = f"{rng.randint(1, 3)}#{'焚烧炉' if enterprise.incineration else '锅炉'}"
        return Penalty(enterprise.key, number, decided, authority, offence, fine, representative, line=line,
                       date_style="slash" if rng.random() < 0.1 else "iso",
                       fine_wording=rng.choice(("wan", "wan", "yuan", "yuan_correct")),
                       with_org_code=rng.random() < 0.3, permanent=rng.random() < 0.1)

    def records_for(self, keyword: str) -> list[Penalty]:
        """What the search finds for a keyword: the exact name or code of the party, newest first."""
        keyword = keyword.strip()
        found = [p for p in self.penalties
                 if keyword and keyword in (world.by_key(p.key).name, world.by_key(p.key).uscc)]
        return sorted(found, key=lambda p: (p.decided, p.number), reverse=True)

    # --- the WAF ---

    @staticmethod
    def request_key(request: Request) -> str:
        """A distinct request: path and parameters, without jQuery's `_` cache-buster."""
        return request.path + "?" + urlencode(sorted((k, v) for k, v in request.query.items() if k != "_"))

    def planned_refusals(self, key: str) -> tuple[str, ...]:
        """How the first attempts of a request are refused: "412" or "40001" each; () for none."""
        digest = int(hashlib.sha256(f"{SEED}|{key}".encode()).hexdigest(), 16)
        if not self.fail_every or digest % self.fail_every:
            return ()
        return (("412",), ("40001",), ("412", "40001"), ("40001",))[digest // self.fail_every % 4]

    def _refusal(self, request: Request) -> str | None:
        keyword = request.query.get("keyword", "").strip()
        key = self.request_key(request)
        now = self.clock()
        with self._lock:
            seen = self._seen.setdefault(key, _Seen())
            plan = self.planned_refusals(key)
            if keyword in (self.always_fail or ()):
                verdict = ("412", "40001")[seen.refusals % 2]
            elif seen.refusals < len(plan):
                verdict = plan[seen.refusals]
            elif seen.refusals and now - seen.last_refusal < self.retry_after_s:
                verdict = plan[-1]  # back too soon: refused again
            else:
                return None
            seen.refusals += 1
            seen.last_refusal = now
            return verdict

    # --- HTTP ---

    def handle(self, request: Request) -> Response:
        if request.path == "/robots.txt":
            return Response("User-agent: *\nDisallow:\n", content_type="text/plain; charset=utf-8")
        if request.path not in (SEARCH, RECORDS):
            return Response.not_found()
        if request.method != "GET":
            return _refused_412(request, challenge=True)
        referer, origin = request.headers.get("referer", ""), request.headers.get("origin", "")
        if not referer.startswith(SITE) or origin != SITE:
            return _refused_412(request, challenge=True)
        verdict = self._refusal(request)
        if verdict == "412":
            return _refused_412(request, challenge=len(request.query.get("keyword", "")) % 2 == 0)
        if verdict == "40001":
            return Response.json({"status": 40001, "message": "请刷新后重试！", "data": None}, status=500)
        try:
            page = int(request.param("page", "1"))
            size = min(int(request.param("pageSize", "10")), PAGE_SIZE_MAX)
        except ValueError:
            return _error("参数错误")
        if page < 1 or size < 1:
            return _error("参数错误")
        keyword = request.param("keyword").strip()
        if not keyword:
            return _error("请输入查询关键字")
        if request.path == SEARCH:
            return self.entities(keyword, page, size)
        if request.param("type") != "行政处罚":
            return _page([], page, size, 0)
        records = self.records_for(keyword)
        chosen = records[(page - 1) * size:page * size]
        rows = [{"entity": p.entity(), "columnList": [{"key": k, "title": t} for k, t in COLUMNS]} for p in chosen]
        return _page(rows, page, size, len(records))

    def entities(self, keyword: str, page: int, size: int) -> Response:
        found = [e for e in world.enterprises() if keyword in e.name or keyword == e.uscc]
        rows = [
            {"accurate_entity_name": e.name, "accurate_entity_name_query": e.name, "accurate_entity_code": e.uscc,
             "tyshxydm": e.uscc, "uuid": world.hex_id("creditchina", e.uscc), "entityType": "1",
             "recid": world.hex_id("recid", e.uscc, length=16).lower(), "dataSource": "市场监管总局"}
            for e in found[(page - 1) * size:page * size]
        ]
        return _page(rows, page, size, len(found))


def _same_number(number: str) -> str:
    """A 文号 compared for sameness: normalised, 第 dropped."""
    return normalise_number(number).replace("第", "")


def _as_exchanged(number: str) -> str:
    """The 文号 as the exchange files it: full-width parentheses, the year in 〔〕."""
    return number.replace("(", "（").replace(")", "）").replace("[", "〔").replace("]", "〕")


def _page(rows: list[dict[str, object]], page: int, size: int, total: int) -> Response:
    return Response.json({"status": 1, "message": "成功",
                          "data": {"list": rows, "page": page, "total": total, "totalSize": -(-total // size)}})


def _error(message: str) -> Response:
    return Response.json({"status": 0, "message": message, "data": None})


def _refused_412(request: Request, challenge: bool) -> Response:
    """瑞数's answer: its challenge page (a `$_ts` script and a cookie), or nothing at all."""
    token = hashlib.sha256(json.dumps(request.query, sort_keys=True).encode()).hexdigest()
    headers = {"Set-Cookie": f"FSSBBIl1UgzbN7N443S={token[:40]}; Path=/; HttpOnly"}
    if not challenge:
        return Response(b"", 412, headers=headers)
    body = (
        '<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f'<meta content="{token[:64]}" r="m"><script type="text/javascript" r="m">'
        "$_ts=window['$_ts'];if(!$_ts)$_ts=window['$_ts']={};$_ts.nsd=" + str(int(token[:6], 16)) +
        f';$_ts.cd="{token}";</script><script type="text/javascript" charset="utf-8" '
        'src="/4QbVtADbnLVIc/c.FxJzG50F.7eb6fb8.js" r="m"></script></head><body></body></html>'
    )
    return Response(body, 412, headers=headers)
