"""Chinese numerals in official documents: amounts of money and dates.

Penalty decisions write fines in financial capitals (大写: 伍万贰仟壹佰贰拾元整), sometimes followed by
the figure (`（¥52120元）`), sometimes in ordinary lower-case numerals (五万元) or in digits with a 万
multiplier (`5.2万元`); dates are written `2025年10月15日` or `二〇二五年十月十五日`. Everything here is
strict: text that cannot be read completely raises ValueError instead of yielding a guess.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation

# Digits, capital (大写) and lower-case; 两 is the colloquial 2 (两万元).
DIGITS: dict[str, int] = {
    "零": 0, "〇": 0, "○": 0, "Ｏ": 0,
    "一": 1, "壹": 1, "二": 2, "贰": 2, "貳": 2, "两": 2, "兩": 2, "三": 3, "叁": 3, "參": 3,
    "四": 4, "肆": 4, "五": 5, "伍": 5, "六": 6, "陆": 6, "陸": 6, "七": 7, "柒": 7,
    "八": 8, "捌": 8, "九": 9, "玖": 9,
}
# Units inside a four-digit group.
SMALL_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
# Group units, largest first.
BIG_UNITS: tuple[tuple[str, int], ...] = (("亿億", 10**8), ("万萬", 10**4))

_ZERO = frozenset(ch for ch, v in DIGITS.items() if v == 0)
_ARABIC = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
# Currency marks and words that carry no value.
_CURRENCY_PREFIX = re.compile(r"^(?:人民币|RMB)?\s*[¥￥]?\s*")
_WRAPPED = re.compile(r"^[（(]\s*(?:小写\s*[:：]?\s*)?(?P<inner>.*?)\s*[）)]$")
_YUAN = re.compile(r"^(?P<whole>.*?)(?:元|圆)(?P<fraction>.*)$")
_FRACTION = re.compile(r"^[零〇]?(?:(?P<jiao>[^零〇角分])角)?[零〇]?(?:(?P<fen>[^零〇角分])分)?(?:整|正)?$")
_DATE = re.compile(r"^\s*(?P<y>\d{4}|[〇零○一二三四五六七八九]{4})\s*年"
                   r"\s*(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})\s*月"
                   r"\s*(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})\s*日\s*$")


def _group(text: str, original: str) -> int:
    """A number below 10,000 written with 千/百/十 (`伍仟零贰拾`, `十五`, `壹拾`)."""
    if _ARABIC.match(text) and "." not in text:
        return int(text.replace(",", ""))
    total = 0
    pending: int | None = None  # a digit waiting for its unit
    last_unit = 10**4
    zero_gap = False  # a 零 since the last unit: the next digit may stand without a unit
    for ch in text:
        if ch in DIGITS:
            value = DIGITS[ch]
            if value == 0:
                if pending is not None:
                    raise ValueError(f"cannot read {original!r}: 零 after a digit without a unit")
                zero_gap = True
                continue
            if pending is not None:
                raise ValueError(f"cannot read {original!r}: two digits without a unit")
            pending = value
        elif ch in SMALL_UNITS:
            unit = SMALL_UNITS[ch]
            if unit >= last_unit:
                raise ValueError(f"cannot read {original!r}: unit {ch} out of order")
            if pending is None:
                # 十五 = 15: a bare 十 only at the start of a group.
                if unit != 10 or total:
                    raise ValueError(f"cannot read {original!r}: unit {ch} without a digit")
                pending = 1
            total += pending * unit
            pending = None
            last_unit = unit
            zero_gap = False
        else:
            raise ValueError(f"cannot read {original!r}: unexpected character {ch!r}")
    if pending is not None:
        # A trailing digit is the ones place only after 十, after a 零, or when it stands alone;
        # 壹仟伍 (colloquial 1,500) is ambiguous and refused.
        if last_unit not in (10, 10**4) and not zero_gap:
            raise ValueError(f"cannot read {original!r}: trailing digit after {last_unit}")
        total += pending
    return total


def parse_integer(text: str) -> int:
    """An integer in Chinese numerals, capital or lower-case, possibly mixed with digits (`3万`)."""
    value = parse_number(text)
    if value != value.to_integral_value():
        raise ValueError(f"{text!r} is not an integer")
    return int(value)


def parse_number(text: str) -> Decimal:
    """A number in Chinese numerals or digits with 万/亿 multipliers: `壹佰万` → 1000000, `5.2万` → 52000."""
    original = text
    text = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if not text:
        raise ValueError("empty number")
    if _ARABIC.match(text):
        return Decimal(text.replace(",", ""))
    total = Decimal(0)
    rest = text
    for chars, unit in BIG_UNITS:
        for ch in chars:
            if ch in rest:
                head, rest = rest.split(ch, 1)
                if not head:
                    raise ValueError(f"cannot read {original!r}: {ch} without a digit")
                if _ARABIC.match(head):
                    try:
                        total += Decimal(head.replace(",", "")) * unit
                    except InvalidOperation as exc:  # pragma: no cover - _ARABIC guards this
                        raise ValueError(f"cannot read {original!r}") from exc
                else:
                    total += _group(head, original) * unit
                break
    if rest:
        # 叁万零伍佰: the 零 marks the gap, and is not a digit of the group
        stripped = rest.lstrip("".join(_ZERO)) or "0"
        if stripped == rest and len(rest) == 1 and total and rest in DIGITS:
            # 壹万伍 is colloquial for 15,000, never 10,005: refuse rather than guess
            raise ValueError(f"cannot read {original!r}: a lone digit after 万/亿")
        total += _group(stripped, original) if not _ARABIC.match(stripped) else Decimal(stripped.replace(",", ""))
    return total


def parse_amount(text: str) -> int | float:
    """An amount of money in yuan, as written in a decision.

    Reads `伍万贰仟壹佰贰拾元`, `壹拾万元整`, `壹万贰仟叁佰肆拾伍元陆角`, `五万元`, `5.2万元`,
    `¥52,120.00元`, `人民币52120元` and a bracketed figure such as `（¥545元）` or `(小写：¥545.00元)`.
    Returns an int for whole yuan, otherwise a float rounded to the fen. Raises ValueError otherwise.
    """
    original = text
    text = unicodedata.normalize("NFKC", text).strip()
    wrapped = _WRAPPED.match(text)
    if wrapped:
        text = wrapped.group("inner")
    text = _CURRENCY_PREFIX.sub("", text.replace(" ", ""))
    has_sign = any(mark in original for mark in "¥￥")
    match = _YUAN.match(text)
    if match:
        whole, fraction = match.group("whole"), match.group("fraction")
    elif has_sign:
        whole, fraction = text, ""
    else:
        raise ValueError(f"cannot read amount {original!r}: no 元 and no ¥")
    if not whole:
        raise ValueError(f"cannot read amount {original!r}: no figure before 元")
    value = parse_number(whole)
    if fraction:
        parts = _FRACTION.match(fraction)
        if not parts or (fraction not in ("整", "正") and not (parts.group("jiao") or parts.group("fen"))):
            raise ValueError(f"cannot read amount {original!r}: {fraction!r} after 元")
        for key, scale in (("jiao", Decimal("0.1")), ("fen", Decimal("0.01"))):
            digit = parts.group(key)
            if digit is not None:
                if digit not in DIGITS:
                    raise ValueError(f"cannot read amount {original!r}: {digit!r} is not a digit")
                value += DIGITS[digit] * scale
    value = value.quantize(Decimal("0.01"))
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def _date_part(text: str, original: str) -> int:
    if text.isdigit():
        return int(text)
    return _group(text, original)


def parse_date(text: str) -> date:
    """A date written `2025年10月15日` or `二〇二五年十月十五日` (spaces tolerated)."""
    match = _DATE.match(unicodedata.normalize("NFKC", text))
    if not match:
        raise ValueError(f"cannot read date {text!r}")
    year_text = match.group("y")
    year = int(year_text) if year_text.isdigit() else int("".join(str(DIGITS[ch]) for ch in year_text))
    return date(year, _date_part(match.group("m"), text), _date_part(match.group("d"), text))
