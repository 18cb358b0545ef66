"""Unified social credit codes (统一社会信用代码, GB 32100-2015) and organisation codes (GB 11714).

python-stdnum checks length, alphabet and the mod-31 check character, but rejects codes whose first
eight characters are not digits (registrants under 外交/民政 etc. whose codes start with A, N or Y) and
does not check the GB 11714 organisation code embedded at positions 9–17; we add both.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from stdnum.cn import uscc as stdnum_uscc

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
# GB 32100-2015 §4: registration authority (1st) and organisation type (2nd).
_USCC_SHAPE = re.compile(r"^[1-9ANY][1-59]\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$")
_ORG_CODE = re.compile(r"^[0-9A-Z]{8}[0-9X]$")


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking one code as printed by a source."""

    printed: str
    code: str | None  # the valid code, or None
    status: str  # valid | invalid | masked | empty
    reason: str = ""


def compact(value: str) -> str:
    """NFKC, upper-case, and strip spaces and dashes."""
    value = unicodedata.normalize("NFKC", value).upper()
    return re.sub(r"[\s\-]", "", value)


def org_code_check_char(body: str) -> str:
    """GB 11714 check character for the first eight characters of an organisation code."""
    total = 0
    for ch, weight in zip(body, _ORG_WEIGHTS, strict=True):
        total += (int(ch) if ch.isdigit() else ord(ch) - 55) * weight
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_check_char(body: str) -> str:
    """GB 32100 check character for the first seventeen characters of a USCC."""
    total = sum(ALPHABET.index(ch) * w for ch, w in zip(body, _USCC_WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def is_valid_org_code(code: str) -> bool:
    code = compact(code)
    return bool(_ORG_CODE.match(code)) and org_code_check_char(code[:8]) == code[8]


def is_valid(code: str) -> bool:
    """True for a well-formed USCC whose mod-31 and inner GB 11714 checks both hold."""
    code = compact(code)
    if not _USCC_SHAPE.match(code):
        return False
    if code[:8].isdigit():
        if not stdnum_uscc.is_valid(code):
            return False
    elif uscc_check_char(code[:17]) != code[17]:
        return False
    return is_valid_org_code(code[8:17])


def is_masked(value: str) -> bool:
    """Sources hide parts of codes with * or x (`9133040*******123X`)."""
    return "*" in value or bool(re.search(r"[Xx×]{3,}", value[:-1]))


def check(printed: str | None) -> CodeCheck:
    """Classify a code as printed: valid, masked, invalid or empty. Never raises."""
    if printed is None or not printed.strip():
        return CodeCheck(printed or "", None, "empty")
    code = compact(printed)
    if is_masked(code):
        return CodeCheck(printed, None, "masked", "characters masked by the publisher")
    if is_valid(code):
        return CodeCheck(printed, code, "valid")
    if len(code) != 18:
        return CodeCheck(printed, None, "invalid", f"{len(code)} characters, expected 18")
    if not _USCC_SHAPE.match(code):
        return CodeCheck(printed, None, "invalid", "characters outside the GB 32100 alphabet")
    if not is_valid_org_code(code[8:17]):
        return CodeCheck(printed, None, "invalid", "organisation code check (GB 11714) fails")
    return CodeCheck(printed, None, "invalid", "check character (GB 32100) fails")


def make(region: str, org_body: str, prefix: str = "91") -> str:
    """Build a valid USCC from a 6-digit region code and an 8-character organisation-code body."""
    org = org_body + org_code_check_char(org_body)
    body = prefix + region + org
    return body + uscc_check_char(body)
