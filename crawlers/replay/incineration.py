"""Replica of 生活垃圾焚烧发电厂自动监测数据公开平台 (MEE, `ljgk.envsc.cn`): a JS page and signed JSON endpoints.

What the real platform does, and so this replica does (see sources.md §3.3):

* `/` (also `/index.html`) is the platform page. Its inline script signs every call to the JSON endpoints
  with four query parameters, `SystemType=C16A882D480E678F&sgn=<40-hex>&ts=<ms>&tc=<n>`, and fetches the
  plant list with them, so a browser visitor sees the plants. `signParams()` in the page returns them.
* The signature: `sgn = lower-case hex SHA-1 of (SystemType + ts + tc + secret)`, `ts` the client's clock in
  milliseconds, `tc` a random nonce of up to 8 digits. The secret is never in the page as text: the script
  assembles it at run time from a scrambled code array (`_assemble()`), so the only practical way to sign is
  to run the page's JavaScript (a browser session). The signature does not cover the endpoint parameters:
  one signature is good for any call until its `ts` is 10 minutes old (real crawlers on GitHub reuse one).
* `GET /OutInterface/GetPSList.ashx?regionCode=0&psname=` → plants;
  `GET /OutInterface/GetBurnList.ashx?pscode=<ps_code>` → furnaces / outlets (监测点) of a plant;
  `GET /OutInterface/GetMonitorDataList.ashx?pscode=<ps_code>&outputcode=<mp_code>&day=YYYYMMDD` → the
  daily averages of one outlet on one day (five pollutants, or none).

Response envelope (always HTTP 200, `application/json; charset=utf-8`):

* success: `{"status": 1, "msg": "成功", "data": [ {row}, ... ]}`; `data` may be `[]` (an outlet-day without
  data, an unknown pscode).
* refusal (no, wrong or expired signature): `{"status": -1, "msg": "签名验证失败"}`, or with
  `"msg": "签名已过期"` when `ts` is more than 10 minutes old (or more than a minute in the future).
* bad parameters (a malformed `day`, a missing `pscode`): `{"status": 0, "msg": "参数错误"}`.

Rows use the platform's field names (personal fields such as the legal representative, the environment
contact and phone numbers are left out). Like the platform's DataTable serialisation, every value is a
JSON string and a missing value is `""`: `"strength": "4.81"`, `"standard_value": "20"`, `"boiler_num": "2"`.

The data are synthetic and deterministic: the 34 incineration enterprises of `crawlers.replay.world`, 1–3
outlets each, daily values for 2026-10-01..2026-10-31 under the GB 18485-2014 daily limits (stricter local
limits for the plants in 嘉兴), remarks `通讯中断` (~5% of outlet-days; half of them without values) and
`CEMS维护` (~3%), about 4% of outlet-days empty, one stopped furnace (停运) with no data at all, and the
handful of deliberate exceedances listed in `EXCEEDANCES` (`status` "1" marks a value above its limit).
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache

from crawlers.replay.server import Request, Response
from crawlers.replay.world import SEED, Enterprise, hex_id, plants

SYSTEM_TYPE = "C16A882D480E678F"
# The signing secret. Only this server holds it in clear; the page assembles it from `_scrambled()`.
SECRET = "ljgk#Envsc@2019!OutInterface"
MAX_AGE_MS = 10 * 60 * 1000
MAX_SKEW_MS = 60 * 1000

FIRST_DAY = date(2026, 10, 1)
DAYS = 31

# (2005 code, name, GB 18485-2014 daily limit mg/m³)
POLLUTANTS: tuple[tuple[str, str, float], ...] = (
    ("001", "颗粒物", 20),
    ("002", "二氧化硫", 80),
    ("003", "氮氧化物", 250),
    ("004", "一氧化碳", 80),
    ("008", "氯化氢", 50),
)
# Stricter local daily limits, applied to the plants in this city (values seen on the real platform).
LOCAL_LIMIT_CITY = "330400"
LOCAL_LIMITS: dict[str, float] = {"001": 10, "002": 50, "003": 150, "004": 80, "008": 10}
# Typical level of each pollutant as a share of its limit (low, high): a furnace's base level is drawn here.
_LEVELS: dict[str, tuple[float, float]] = {
    "001": (0.12, 0.35),
    "002": (0.08, 0.35),
    "003": (0.50, 0.75),
    "004": (0.06, 0.25),
    "008": (0.20, 0.50),
}

# The deliberate exceedances: (world key, outlet number, day of October 2026, pollutant code, daily average).
# All on plants under the national limits, on outlets that have data that day; clearly synthetic values.
EXCEEDANCES: tuple[tuple[str, int, int, str, float], ...] = (
    ("e03", 1, 17, "003", 287.4),
    ("e05", 1, 3, "001", 26.8),
    ("e09", 1, 22, "002", 103.5),
    ("e14", 1, 9, "008", 61.2),
    ("e21", 1, 28, "004", 132.0),
    ("e27", 1, 14, "003", 263.9),
    ("e31", 1, 6, "001", 21.7),
)

BOILER_TYPES = ("炉排炉", "循环流化床焚烧炉")


def sign(ts: str, tc: str, system_type: str = SYSTEM_TYPE) -> str:
    """The signature the page computes: hex SHA-1 of SystemType + ts + tc + secret."""
    return hashlib.sha1((system_type + ts + tc + SECRET).encode()).hexdigest()


@dataclass(frozen=True)
class Outlet:
    number: int
    mp_code: str
    mp_name: str
    boiler_name: str
    boiler_type: str
    burn_ability: int  # t/d
    creater_time: str
    stopped: bool


@dataclass(frozen=True)
class Plant:
    enterprise: Enterprise
    ps_code: str
    manufacture_date: str
    electric_power: int  # kW
    outlets: tuple[Outlet, ...]

    @property
    def limits(self) -> dict[str, float]:
        if self.enterprise.city_code == LOCAL_LIMIT_CITY:
            return LOCAL_LIMITS
        return {code: limit for code, _, limit in POLLUTANTS}


@cache
def platform_plants() -> tuple[Plant, ...]:
    """The plants the platform lists, with their furnaces, in world order."""
    rng = random.Random(f"{SEED}-incineration")
    out = []
    for index, ent in enumerate(plants()):
        ps_code = hex_id("incineration", ent.uscc)
        n_outlets = rng.choice((1, 1, 2, 2, 2, 3))
        if index == 10:
            n_outlets = max(n_outlets, 2)  # the plant whose last furnace is out of service
        built = date(rng.randint(2008, 2022), rng.randint(1, 12), rng.randint(1, 28))
        grate = rng.random() < 0.85
        outlets = []
        for number in range(1, n_outlets + 1):
            ability = rng.choice((300, 400, 500, 600, 750, 850))
            outlets.append(
                Outlet(
                    number=number,
                    mp_code=hex_id("incineration", ent.uscc, "outlet", number),
                    mp_name=f"{number}号焚烧炉排气筒DA{number:03d}",
                    boiler_name=f"{number}号焚烧炉",
                    boiler_type=BOILER_TYPES[0] if grate else BOILER_TYPES[1],
                    burn_ability=ability,
                    creater_time=(built + timedelta(days=120 * (number - 1))).isoformat(),
                    # One furnace on the platform is out of service (停运) and reports nothing.
                    stopped=index == 10 and number == n_outlets,
                )
            )
        total = sum(o.burn_ability for o in outlets)
        out.append(
            Plant(
                enterprise=ent,
                ps_code=ps_code,
                manufacture_date=built.isoformat(),
                electric_power=round(total * rng.uniform(18, 24) / 1000) * 1000,
                outlets=tuple(outlets),
            )
        )
    return tuple(out)


@cache
def _by_ps_code() -> dict[str, Plant]:
    return {p.ps_code: p for p in platform_plants()}


def _short(name: str, *suffixes: str) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name.removesuffix(suffix)
    return name


def plant_row(plant: Plant) -> dict[str, str]:
    ent = plant.enterprise
    province = _short(ent.province, "省", "市")
    city = _short(ent.city, "市")
    full = f"{province}-{city}" if ent.county == ent.city else f"{province}-{city}-{ent.county}"
    return {
        "ps_code": plant.ps_code,
        "ps_name": ent.name_in("incineration"),
        "region_code": hex_id("region", ent.city_code),
        "region_name": ent.city,
        "address": ent.address,
        "longitude": f"{ent.longitude:.6f}",
        "latitude": f"{ent.latitude:.6f}",
        "manufacture_date": plant.manufacture_date,
        "credit_code": ent.uscc,
        "boiler_num": str(len(plant.outlets)),
        "burn_ability": f"{sum(o.burn_ability for o in plant.outlets)}t/d",
        "electric_power": f"{plant.electric_power}KW",
        "data_status": "0",
        "create_time": "2020-01-15 10:00:00",
        "update_time": "2026-09-30 12:09:58",
        "fullregion_name": full,
    }


def outlet_row(plant: Plant, outlet: Outlet) -> dict[str, str]:
    return {
        "ps_code": plant.ps_code,
        "mp_code": outlet.mp_code,
        "mp_name": outlet.mp_name,
        "boiler_name": outlet.boiler_name,
        "boiler_type": outlet.boiler_type,
        "creater_time": outlet.creater_time,
        "burn_ability": str(outlet.burn_ability),
        "data_status": "0",
        "open_time": "2020-01-01 00:00:00",
        "create_time": "2020-01-15 10:00:00",
        "update_time": "2026-09-30 12:10:02",
        "stopopen_time": "2026-06-30 23:59:59" if outlet.stopped else "",
        "stopopen_status": "1" if outlet.stopped else "",
        "stopopen_reason": "焚烧炉停运检修" if outlet.stopped else "",
        "success_time": "2026-09-28 00:00:00",
    }


@cache
def _exceedances() -> dict[tuple[str, str, date], dict[str, float]]:
    by_key = {p.enterprise.key: p for p in platform_plants()}
    out: dict[tuple[str, str, date], dict[str, float]] = {}
    for key, number, day, code, value in EXCEEDANCES:
        plant = by_key[key]
        outlet = plant.outlets[number - 1]
        out.setdefault((plant.ps_code, outlet.mp_code, date(2026, 10, day)), {})[code] = value
    return out


def value_rows(plant: Plant, outlet: Outlet, day: date) -> list[dict[str, str]]:
    """The daily averages of one outlet on one day, as the platform serialises them."""
    if outlet.stopped or not FIRST_DAY <= day < FIRST_DAY + timedelta(days=DAYS):
        return []
    forced = _exceedances().get((plant.ps_code, outlet.mp_code, day), {})
    base = random.Random(f"{SEED}-levels-{outlet.mp_code}")
    levels = {code: base.uniform(*_LEVELS[code]) for code, _, _ in POLLUTANTS}
    rng = random.Random(f"{SEED}-day-{outlet.mp_code}-{day.isoformat()}")
    draw = rng.random()
    if forced:
        remark, blank = "", False
    elif draw < 0.04:
        return []  # an outlet-day the platform holds nothing for, as happens on the real one
    elif draw < 0.09:
        remark, blank = "通讯中断", rng.random() < 0.5
    elif draw < 0.12:
        remark, blank = "CEMS维护", False
    else:
        remark, blank = "", False
    stamp = day.strftime("%Y%m%d")
    created = f"{(day + timedelta(days=1)).isoformat()}T09:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}.91"
    rows = []
    for code, name, _ in POLLUTANTS:
        limit = plant.limits[code]
        if code in forced:
            value: float | None = forced[code]
        elif blank:
            value = None
        else:
            # Daily noise around the furnace's level, never reaching the limit by chance.
            value = round(min(limit * levels[code] * rng.uniform(0.8, 1.2), limit * 0.92), 2)
        rows.append(
            {
                "ps_code": plant.ps_code,
                "mp_code": outlet.mp_code,
                "monitor_time": f"{day.isoformat()} 00:00:00",
                "pollutant_code": code,
                "pollutant_name": name,
                "strength": "" if value is None else f"{value:g}",
                "standard_value": f"{limit:g}",
                "remark": remark,
                "status": "1" if value is not None and value > limit else "0",
                "data_status": "0",
                "create_time": created,
                "update_time": created,
                "day": stamp,
            }
        )
    return rows


def _scrambled() -> tuple[list[int], list[int]]:
    """The secret as the page carries it: reversed, each code XOR a key byte and its position."""
    key = [0x5A, 0x13, 0x7C, 0x2E, 0x41]
    codes = [ord(c) ^ key[i % len(key)] ^ ((i * 7) & 0x1F) for i, c in enumerate(SECRET)]
    return key, codes[::-1]


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>生活垃圾焚烧发电厂自动监测数据公开平台</title>
<style>
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 0; }
header { background: #1d5fa8; color: #fff; padding: 12px 24px; font-size: 20px; }
#pslist { list-style: none; padding: 0 24px; columns: 2; }
#pslist li { padding: 4px 0; border-bottom: 1px solid #e4e8ee; }
#status { padding: 8px 24px; color: #666; }
</style>
</head>
<body>
<header>生活垃圾焚烧发电厂自动监测数据公开平台</header>
<div id="status">正在加载企业列表……</div>
<ul id="pslist"></ul>
<script>
(function (w) {
  "use strict";
  var SYSTEM_TYPE = "__SYSTEM_TYPE__";
  var _k = __KEY__;
  var _p = __CODES__;

  function _assemble() {
    var out = "", n = _p.length;
    for (var i = 0; i < n; i++) {
      out += String.fromCharCode(_p[n - 1 - i] ^ _k[i % _k.length] ^ ((i * 7) & 0x1f));
    }
    return out;
  }

  function rotl(x, s) { return (x << s) | (x >>> (32 - s)); }

  function hex(v) {
    var s = "";
    for (var i = 7; i >= 0; i--) { s += ((v >>> (i * 4)) & 0xf).toString(16); }
    return s;
  }

  function sha1(text) {
    var msg = unescape(encodeURIComponent(text));
    var len = msg.length, words = [], i, t;
    for (i = 0; i < len; i++) { words[i >> 2] |= msg.charCodeAt(i) << (24 - (i % 4) * 8); }
    words[len >> 2] |= 0x80 << (24 - (len % 4) * 8);
    words[(((len + 8) >> 6) << 4) + 15] = len * 8;
    var h0 = 0x67452301, h1 = 0xefcdab89, h2 = 0x98badcfe, h3 = 0x10325476, h4 = 0xc3d2e1f0;
    var W = new Array(80);
    for (var blk = 0; blk < words.length; blk += 16) {
      for (t = 0; t < 16; t++) { W[t] = words[blk + t] | 0; }
      for (t = 16; t < 80; t++) { W[t] = rotl(W[t - 3] ^ W[t - 8] ^ W[t - 14] ^ W[t - 16], 1); }
      var a = h0, b = h1, c = h2, d = h3, e = h4, f, k, tmp;
      for (t = 0; t < 80; t++) {
        if (t < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
        else if (t < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
        else if (t < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
        else { f = b ^ c ^ d; k = 0xca62c1d6; }
        tmp = (rotl(a, 5) + f + e + k + W[t]) | 0;
        e = d; d = c; c = rotl(b, 30); b = a; a = tmp;
      }
      h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0; h4 = (h4 + e) | 0;
    }
    return hex(h0) + hex(h1) + hex(h2) + hex(h3) + hex(h4);
  }

  function signParams() {
    var ts = String(Date.now());
    var tc = String(Math.floor(Math.random() * 99999999) + 1);
    return { SystemType: SYSTEM_TYPE, sgn: sha1(SYSTEM_TYPE + ts + tc + _assemble()), ts: ts, tc: tc };
  }

  function query(params) {
    var all = Object.assign({}, params, signParams()), parts = [];
    for (var name in all) { parts.push(encodeURIComponent(name) + "=" + encodeURIComponent(all[name])); }
    return parts.join("&");
  }

  function loadPlants() {
    var status = document.getElementById("status");
    fetch("/OutInterface/GetPSList.ashx?" + query({ regionCode: "0", psname: "" }))
      .then(function (r) { return r.json(); })
      .then(function (res) {
        if (res.status !== 1) { status.textContent = "加载失败：" + res.msg; return; }
        var list = document.getElementById("pslist");
        res.data.forEach(function (row) {
          var li = document.createElement("li");
          li.setAttribute("data-pscode", row.ps_code);
          li.textContent = row.ps_name + "（" + row.fullregion_name + "）";
          list.appendChild(li);
        });
        status.textContent = "共 " + res.data.length + " 家企业";
      })
      .catch(function (err) { status.textContent = "加载失败：" + err; });
  }

  w.signParams = signParams;
  w.addEventListener("DOMContentLoaded", loadPlants);
})(window);
</script>
</body>
</html>
"""


def page_html() -> str:
    key, codes = _scrambled()
    return (
        _PAGE.replace("__SYSTEM_TYPE__", SYSTEM_TYPE)
        .replace("__KEY__", json.dumps(key))
        .replace("__CODES__", json.dumps(codes))
    )


def _refusal(msg: str) -> Response:
    return Response.json({"status": -1, "msg": msg})


def _ok(rows: list[dict[str, str]]) -> Response:
    return Response.json({"status": 1, "msg": "成功", "data": rows})


class IncinerationPlatform:
    host = "ljgk.envsc.cn"

    def __init__(self, clock: Callable[[], int] | None = None) -> None:
        # `clock` (epoch milliseconds) lets tests move time; the server uses the wall clock.
        self._clock = clock or (lambda: int(time.time() * 1000))

    def check_signature(self, request: Request) -> str | None:
        """Why the request is refused, or None when its signature is valid and fresh."""
        system_type, sgn = request.param("SystemType"), request.param("sgn")
        ts, tc = request.param("ts"), request.param("tc")
        if system_type != SYSTEM_TYPE or not ts.isdigit() or not tc.isdigit() or sgn != sign(ts, tc):
            return "签名验证失败"
        age = self._clock() - int(ts)
        if age > MAX_AGE_MS or age < -MAX_SKEW_MS:
            return "签名已过期"
        return None

    def handle(self, request: Request) -> Response:
        path = request.path
        if path in ("/", "/index.html"):
            return Response(page_html())
        endpoints = {
            "/OutInterface/GetPSList.ashx": self._plants,
            "/OutInterface/GetBurnList.ashx": self._outlets,
            "/OutInterface/GetMonitorDataList.ashx": self._values,
        }
        endpoint = endpoints.get(path)
        if endpoint is None or request.method not in ("GET", "HEAD"):
            return Response.not_found()
        refused = self.check_signature(request)
        if refused:
            return _refusal(refused)
        return endpoint(request)

    def _plants(self, request: Request) -> Response:
        name = request.param("psname").strip()
        rows = [plant_row(p) for p in platform_plants()]
        return _ok([r for r in rows if name in r["ps_name"]])

    def _outlets(self, request: Request) -> Response:
        ps_code = request.param("pscode")
        if not ps_code:
            return Response.json({"status": 0, "msg": "参数错误"})
        plant = _by_ps_code().get(ps_code)
        return _ok([outlet_row(plant, o) for o in plant.outlets] if plant else [])

    def _values(self, request: Request) -> Response:
        ps_code, mp_code, day_param = request.param("pscode"), request.param("outputcode"), request.param("day")
        if not ps_code or not mp_code or len(day_param) != 8 or not day_param.isdigit():
            return Response.json({"status": 0, "msg": "参数错误"})
        try:
            day = date(int(day_param[:4]), int(day_param[4:6]), int(day_param[6:]))
        except ValueError:
            return Response.json({"status": 0, "msg": "参数错误"})
        plant = _by_ps_code().get(ps_code)
        outlet = next((o for o in plant.outlets if o.mp_code == mp_code), None) if plant else None
        if plant is None or outlet is None:
            return _ok([])
        return _ok(value_rows(plant, outlet, day))
