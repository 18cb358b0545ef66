"""GB/T 2260 region codes, from the table python-stdnum ships (`stdnum/cn/loc.dat`, with history).

A USCC's positions 3–8 are the registering authority's division code at registration time: a province
(`xx0000`), a city (`xxxx00`) or a county, possibly since renamed or abolished. We keep every code the
table knows, named by its latest name, and resolve province and city from the code's prefixes.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import stdnum

if TYPE_CHECKING:  # not imported at run time: `etl.normalise` (and the matcher's second process) need no database
    import duckdb

_LINE = re.compile(r'^(\s*)(\d+) (?:province|county)="(.*)"$')
# `[1983-1992]城区,[1993-2004]秀城区,[2005-]南湖区`: the last entry is the current (or last) name.
_HISTORY = re.compile(r"(?:\[[\d-]*\])?([^,\[\]]+)")


def _latest(names: str) -> str:
    found = _HISTORY.findall(names)
    return found[-1].strip() if found else names


@cache
def table() -> dict[str, str]:
    """6-digit code → name for every province, city and county code."""
    path = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    out: dict[str, str] = {}
    province = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        indent, code, names = match.groups()
        if not indent:
            province = code
            out[code + "0000"] = _latest(names)
        else:
            out[province + code] = _latest(names)
    return out


@cache
def current() -> frozenset[str]:
    """Codes still in use: their latest name has no end year (`[1983-]嘉兴市`, not `[-1983]嘉兴地区`)."""
    path = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    out = set()
    province = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        indent, code, names = match.groups()
        province = province if indent else code
        full = province + code if indent else code + "0000"
        if not re.search(r"\[\d*-\d+\][^,\[\]]*$", names):
            out.add(full)
    return frozenset(out)


def describe(code: str | None) -> dict[str, str | None]:
    """Province, city and county names for a 6-digit division code (None where unknown)."""
    names = table()
    if code is None or len(code) != 6 or not code.isdigit():
        return {"province": None, "city": None, "county": None}
    province = names.get(code[:2] + "0000")
    city = names.get(code[:4] + "00") if code[2:4] != "00" else None
    county = names.get(code) if code[4:] != "00" else None
    return {"province": province, "city": city, "county": county}


def ensure_seed(con: duckdb.DuckDBPyConnection) -> None:
    """`seeds.regions`: code, province, city, county, and the most specific name."""
    import pandas as pd

    con.execute("CREATE SCHEMA IF NOT EXISTS seeds")
    con.execute(
        "CREATE TABLE IF NOT EXISTS seeds.regions (code VARCHAR PRIMARY KEY, province VARCHAR, city VARCHAR, "
        "county VARCHAR, name VARCHAR)"
    )
    if con.execute("SELECT count(*) FROM seeds.regions").fetchall()[0][0]:
        return
    frame = pd.DataFrame(
        [{"code": code, **describe(code), "name": name} for code, name in sorted(table().items())]
    )
    con.register("incoming_regions", frame)
    con.execute("INSERT INTO seeds.regions SELECT code, province, city, county, name FROM incoming_regions")
    con.unregister("incoming_regions")
