"""The synthetic world the replicas publish: one set of enterprises shared by every replica.

Names, codes and facts are generated (deterministically, from a fixed seed): they are realistic in form
(valid USCCs on real GB/T 2260 region codes, permit numbers per HJ 608-2017) but describe no real company.
Enterprises overlap across sources the way real ones do: an incineration plant holds a permit and may have
a penalty; one plant is written with a slightly different name on the monitoring platform.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from functools import cache

from crawlers.helpers import uscc

SEED = 2026
# The city whose ecology bureau publishes the replica penalty column.
PENALTY_CITY = "330400"

# (county code, county, city code, city, province, longitude, latitude): real GB/T 2260 codes.
REGIONS: tuple[tuple[str, str, str, str, str, float, float], ...] = (
    ("330402", "南湖区", "330400", "嘉兴市", "浙江省", 120.78, 30.75),
    ("330411", "秀洲区", "330400", "嘉兴市", "浙江省", 120.71, 30.77),
    ("330421", "嘉善县", "330400", "嘉兴市", "浙江省", 120.93, 30.83),
    ("330424", "海盐县", "330400", "嘉兴市", "浙江省", 120.95, 30.53),
    ("330481", "海宁市", "330400", "嘉兴市", "浙江省", 120.68, 30.51),
    ("330482", "平湖市", "330400", "嘉兴市", "浙江省", 121.02, 30.68),
    ("330483", "桐乡市", "330400", "嘉兴市", "浙江省", 120.57, 30.63),
    ("330303", "龙湾区", "330300", "温州市", "浙江省", 120.81, 27.93),
    ("330110", "余杭区", "330100", "杭州市", "浙江省", 120.30, 30.42),
    ("320506", "吴中区", "320500", "苏州市", "江苏省", 120.63, 31.26),
    ("320213", "梁溪区", "320200", "无锡市", "江苏省", 120.30, 31.57),
    ("370783", "寿光市", "370700", "潍坊市", "山东省", 118.79, 36.86),
    ("130203", "路北区", "130200", "唐山市", "河北省", 118.20, 39.63),
    ("510112", "龙泉驿区", "510100", "成都市", "四川省", 104.27, 30.56),
    ("440113", "番禺区", "440100", "广州市", "广东省", 113.38, 22.94),
    ("441900", "东莞市", "441900", "东莞市", "广东省", 113.75, 23.02),
    ("410122", "中牟县", "410100", "郑州市", "河南省", 113.98, 34.72),
    ("430111", "雨花区", "430100", "长沙市", "湖南省", 113.04, 28.14),
    ("340104", "蜀山区", "340100", "合肥市", "安徽省", 117.26, 31.85),
    ("230110", "香坊区", "230100", "哈尔滨市", "黑龙江省", 126.66, 45.71),
)

# Trade names (字号): pairs of these characters, chosen to read like Chinese company names.
_TRADE_CHARS = "恒瑞鑫泰宏远嘉盛永丰华新源达昌隆金祥德润兴汇通和佳正宇晟博安澄禾清沛"
# (industry as the permit platform names it, name suffix, is an incineration plant)
INDUSTRIES: tuple[tuple[str, str, bool], ...] = (
    ("生活垃圾焚烧发电", "环保能源有限公司", True),
    ("生活垃圾焚烧发电", "再生能源有限公司", True),
    ("机制纸及纸板制造", "纸业有限公司", False),
    ("化学原料和化学制品制造业", "化工有限公司", False),
    ("金属表面处理及热处理加工", "电镀有限公司", False),
    ("棉印染精加工", "印染有限公司", False),
    ("炼钢", "特钢有限公司", False),
    ("污水处理及其再生利用", "水务有限公司", False),
    ("热力生产和供应", "热电有限公司", False),
    ("皮革鞣制加工", "皮革有限公司", False),
)
_PERMIT_LETTERS = "CUQPVWXY"


@dataclass(frozen=True)
class Permit:
    number: str  # USCC + 3-digit sequence + 1 character (HJ 608-2017)
    dataid: str  # 32-hex id of the permit on the platform
    site_name: str
    issued: str
    valid_from: str
    valid_to: str
    management: str  # 重点管理 | 简化管理


@dataclass(frozen=True)
class Enterprise:
    key: str
    name: str
    uscc: str
    county_code: str
    county: str
    city_code: str
    city: str
    province: str
    industry: str
    incineration: bool
    address: str
    longitude: float
    latitude: float
    permits: tuple[Permit, ...] = field(default=())
    # How a source writes the name when it differs from the registered one (source → name).
    name_variants: tuple[tuple[str, str], ...] = field(default=())

    def name_in(self, source: str) -> str:
        return dict(self.name_variants).get(source, self.name)


def hex_id(*parts: object, length: int = 32) -> str:
    """A stable upper-case hex id, the shape the platforms use for their record ids."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest().upper()
    return digest[:length]


def _org_body(rng: random.Random) -> str:
    # Newer codes are issued as MA + 6 alphanumerics; older ones are 8 digits.
    if rng.random() < 0.5:
        return "MA" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(6))
    return "".join(rng.choice("0123456789") for _ in range(8))


@cache
def enterprises() -> tuple[Enterprise, ...]:
    """The whole world: 34 incineration operators and 16 other dischargers, 18 of them in 嘉兴."""
    rng = random.Random(SEED)
    out: list[Enterprise] = []
    used_names: set[str] = set()
    for i in range(50):
        incineration = i < 34
        # Most dischargers and a few plants are in the penalty city, so that the sources overlap.
        local = i % 6 == 0 if incineration else i % 4 != 3
        region = rng.choice(REGIONS[:7]) if local else rng.choice(REGIONS[7:])
        county_code, county, city_code, city, province, lon, lat = region
        industry, suffix, _ = (
            rng.choice(INDUSTRIES[:2]) if incineration else rng.choice(INDUSTRIES[2:])
        )
        while True:
            trade = rng.choice(_TRADE_CHARS) + rng.choice(_TRADE_CHARS)
            place = city.removesuffix("市") if rng.random() < 0.7 else county.rstrip("区县市")
            name = f"{place}{trade}{suffix}"
            if name not in used_names and trade[0] != trade[1]:
                used_names.add(name)
                break
        code = uscc.make(county_code if rng.random() < 0.6 else city_code, _org_body(rng))
        permits = []
        for seq in range(1, 3 if i % 5 == 0 else 2):
            year = rng.randint(2020, 2025)
            month, day = rng.randint(1, 12), rng.randint(1, 28)
            issued = f"{year}-{month:02d}-{day:02d}"
            permits.append(
                Permit(
                    number=f"{code}{seq:03d}{rng.choice(_PERMIT_LETTERS)}",
                    dataid=hex_id("permit", code, seq).lower(),
                    site_name=name if seq == 1 else f"{name}（二厂区）",
                    issued=issued,
                    valid_from=issued,
                    valid_to=f"{year + 5}-{month:02d}-{day - 1 if day > 1 else 28:02d}",
                    management="重点管理" if incineration or rng.random() < 0.5 else "简化管理",
                )
            )
        variants: tuple[tuple[str, str], ...] = ()
        if i == 0:
            # The monitoring platform writes this one as 有限责任公司 with the county in brackets.
            variants = (("incineration", name.replace("有限公司", f"（{county.rstrip('区县市')}）有限责任公司")),)
        out.append(
            Enterprise(
                key=f"e{i:02d}",
                name=name,
                uscc=code,
                county_code=county_code,
                county=county,
                city_code=city_code,
                city=city,
                province=province,
                industry=industry,
                incineration=incineration,
                address=f"{province}{city}{county if county != city else ''}"
                f"{rng.choice(['工业园区', '经济开发区', '高新区'])}"
                f"{rng.choice(['环城', '滨江', '兴业', '发展', '创业'])}路{rng.randint(1, 999)}号",
                longitude=round(lon + rng.uniform(-0.08, 0.08), 6),
                latitude=round(lat + rng.uniform(-0.06, 0.06), 6),
                permits=tuple(permits),
                name_variants=variants,
            )
        )
    return tuple(out)


def by_key(key: str) -> Enterprise:
    return next(e for e in enterprises() if e.key == key)


def in_city(city_code: str) -> list[Enterprise]:
    return [e for e in enterprises() if e.city_code == city_code]


def plants() -> list[Enterprise]:
    return [e for e in enterprises() if e.incineration]
