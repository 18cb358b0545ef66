"""Pollutant names and codes (HJ 212-2017, HJ 524/525-2009) from `pollutants.yml`: a lookup, not an if-chain."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import yaml

_TABLE = Path(__file__).with_name("pollutants.yml")


@cache
def table() -> dict[str, dict[str, Any]]:
    with _TABLE.open(encoding="utf-8") as fh:
        data: dict[str, dict[str, Any]] = yaml.safe_load(fh)["pollutants"]
    return data


def _norm(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip()


@cache
def _by_name() -> dict[str, str]:
    out: dict[str, str] = {}
    for code, entry in table().items():
        for name in (entry["name"], *entry.get("aliases", ())):
            out[_norm(name)] = code
    return out


@cache
def _by_old_code() -> dict[str, str]:
    return {str(entry["hj2005"]): code for code, entry in table().items() if "hj2005" in entry}


def code_for_name(name: str) -> str | None:
    """The HJ 212-2017 code of a pollutant as a publisher names it (`氨氮` → `w21003`), or None if unknown."""
    return _by_name().get(_norm(name))


def name_for_code(code: str) -> str | None:
    """The name of an HJ 212-2017 code, or of an HJ 212-2005 code (`011` → 化学需氧量); None if unknown."""
    entry = table().get(code) or table().get(_by_old_code().get(code, ""))
    return None if entry is None else str(entry["name"])
