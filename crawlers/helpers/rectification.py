"""Read the notices that follow a penalty decision up: re-inspections, fines paid, credit repair (信用修复).

A bureau's column carries, beside its decisions, what happened to them afterwards:

- 整改复查意见书: the bureau re-inspected a party it penalised; a 复查结论 says 已完成整改 or 未完成整改. One
  document, its own 文号, the party's labelled header, the decision cited as 《行政处罚决定书》（…号）.
- 罚款缴纳情况的公示: a quarterly notice of the fines paid, either one numbered paragraph a decision
  (`一、<party>（统一社会信用代码：…）已于<date>全额缴纳《行政处罚决定书》（<文号>）所处罚款…`) or a table
  (处罚决定书文号 | 被处罚单位 | 统一社会信用代码 | 罚款金额（元） | 履行情况 | 缴纳日期). A fine not paid is
  listed too; it is no event.
- 信用修复的公示: a table of enterprises granted credit repair for the decisions listed in a cell
  (several 文号 separated by 、), under 《失信行为纠正后的信用信息修复管理办法（试行）》.

Each becomes one `rectification_event` per decision line (a table row, a paragraph, a re-inspection):
event_type (fine_paid | reinspection_passed | reinspection_failed | credit_repaired), the decision numbers as
printed and normalised, the date, the party, its code as printed, the signing authority and the text the
event was read from. Which heading is which notice, which 复查结论 is which result, which 履行情况 is a
payment and which table header is which field are the source YAML's `lookups.rectification`: a new label
is a one-line change in data. Strict: an unknown label, header or conclusion raises ValueError.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from crawlers.helpers import numerals, uscc
from crawlers.helpers.penalty import header_fields, normalise_number, number_line, signature, text_lines

Table = list[list[str]]
EVENT_TYPES = ("fine_paid", "reinspection_passed", "reinspection_failed", "credit_repaired")
NOTICE_TYPES = ("reinspection", "fine_payment", "credit_repair")

_DATE = (r"(?:\d{4}|[〇零○一二三四五六七八九]{4})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月"
         r"\s*[\d一二三四五六七八九十]{1,3}\s*日")
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_SPACES = re.compile(r"\s+")
# 《行政处罚决定书》（嘉环罚〔2025〕12号） or several: （嘉环罚〔2024〕11号、嘉环(桐)罚〔2025〕15号）
_CITED = re.compile(r"《行政处罚决定书》\s*[（(](?P<numbers>.+?号)\s*[）)]")
_CONCLUSION = re.compile(r"^复查(?:结论|意见)\s*[:：]\s*(?P<conclusion>.+)$")
_FINDINGS = re.compile(r"^经复查")
_INSPECTED = re.compile(rf"(?P<date>{_DATE})\s*，?\s*我局执法人员.{{0,24}}复查")
# 一、<party>（统一社会信用代码：<code>）已于<date><verb>《行政处罚决定书》（<文号>）所处罚款人民币<amount>。
_PAID_LINE = re.compile(
    rf"^[一二三四五六七八九十]{{1,3}}\s*[、.．]\s*(?P<party>.+?)\s*[（(]\s*统一社会信用代码\s*[:：]\s*(?P<uscc>[^）)]*)[）)]"
    rf"\s*(?:已)?于\s*(?P<date>{_DATE})\s*(?P<status>[^《]{{1,12}}?)\s*《行政处罚决定书》\s*[（(](?P<numbers>.+?号)\s*[）)]"
    rf"\s*(?:所处|的)?罚款\s*(?:人民币)?\s*(?P<amount>[^。；;]+?)\s*[。；;]?$"
)
_NUMBER_SEPARATORS = re.compile(r"[、，,；;\n]")
_NO_VALUE = frozenset({"", "无", "/", "／", "-", "—", "——"})
_INDIVIDUAL_BUSINESS = re.compile(r"\s*[（(]个体工商户[）)]$")


class NotANoticeError(ValueError):
    """The text is none of the follow-up notices the lookups know."""


@dataclass(frozen=True)
class Lookups:
    """The source YAML's `lookups.rectification`, compiled."""

    notices: tuple[tuple[re.Pattern[str], str], ...]
    conclusions: tuple[tuple[str, str], ...]
    payment: dict[str, str | None]
    columns: dict[str, str | None]

    @classmethod
    def from_yaml(cls, spec: dict[str, Any]) -> Lookups:
        """Build from `{notices: [{match, value}], conclusions: …, payment: …, columns: …}`."""
        def pairs(name: str) -> list[tuple[str, Any]]:
            out = []
            for option in spec[name]:
                matches = option["match"] if isinstance(option["match"], list) else [option["match"]]
                out += [(_key(m), option["value"]) for m in matches]
            return out

        notices = tuple((re.compile(m), v) for m, v in pairs("notices"))
        unknown = sorted({v for _, v in notices} - set(NOTICE_TYPES))
        events = [v for _, v in pairs("conclusions")] + [v for _, v in pairs("payment") if v is not None]
        unknown += sorted(set(events) - set(EVENT_TYPES))
        if unknown:
            raise ValueError(f"lookups.rectification: unknown codes {unknown}")
        return cls(notices, tuple(pairs("conclusions")), dict(pairs("payment")), dict(pairs("columns")))


def _key(label: str) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", label))


def _date(text: str) -> str:
    match = _ISO_DATE.match(text.strip())
    if match:
        year, month, day = map(int, match.groups())
        return f"{year:04d}-{month:02d}-{day:02d}"
    return numerals.parse_date(text).isoformat()


def _numbers(text: str) -> list[str]:
    """The 文号 in a cell or a citation, as printed (runs of spaces collapsed); an unreadable one is an error."""
    found = []
    for part in _NUMBER_SEPARATORS.split(text):
        if not part.strip():
            continue
        number = number_line(part.strip())
        if number is None:
            raise ValueError(f"{part.strip()!r} is not a decision number")
        found.append(number)
    if not found:
        raise ValueError(f"no decision number in {text!r}")
    return found


def _code(printed: str | None) -> tuple[str | None, bool]:
    code = None if printed is None or printed.strip() in _NO_VALUE else printed.strip()
    return code, code is not None and uscc.is_masked(uscc.compact(code))


def notice_type(text: str, lookups: Lookups) -> str | None:
    """The kind of follow-up notice `text` is, by a heading among its first lines; None when it is none."""
    for line in text_lines(text)[:4]:
        for heading, kind in lookups.notices:
            if heading.search(line):
                return kind
    return None


def parse_notice(text: str, tables: list[Table], lookups: Lookups) -> list[tuple[str, dict[str, Any]]]:
    """(record key, fields) for every event in a follow-up notice; `tables` are the article's tables."""
    kind = notice_type(text, lookups)
    if kind is None:
        raise NotANoticeError("not a re-inspection, fine-payment or credit-repair notice")
    lines = text_lines(text)
    closing = signature(lines, 0)
    if closing is None:
        raise ValueError(f"{kind} notice: no authority and date at the end")
    authority, signed, _ = closing
    heading = next(line for line in lines[:4] if any(h.search(line) for h, _ in lookups.notices))
    common = {"notice_type": kind, "notice_title": heading, "notice_date": signed.isoformat(),
              "authority": authority}
    if kind == "reinspection":
        return [_reinspection(lines, lookups, common)]
    if tables:
        return [event for table in tables for event in _table(table, kind, lookups, common)]
    if kind == "fine_payment":
        return _paid_lines(lines, lookups, common)
    raise ValueError(f"{kind} notice without a table")


def _event(event_type: str, numbers: list[str], event_date: str, party: str, printed_code: str | None,
           text: str, common: dict[str, Any], **extra: Any) -> dict[str, Any]:
    code, masked = _code(printed_code)
    return {
        "event_type": event_type,
        "decision_numbers": numbers,
        "decision_numbers_norm": [normalise_number(n) for n in numbers],
        "event_date": event_date,
        # as the decision parsers name it: 某某加工厂（个体工商户） → 某某加工厂
        "party": _INDIVIDUAL_BUSINESS.sub("", party),
        "uscc": code,
        "uscc_masked": masked,
        "text": text,
        "notice_number": None,
        "amount_yuan": None,
        "reinspection_date": None,
        **common,
        **extra,
    }


def _row_key(fields: dict[str, Any]) -> str:
    # A decision's fine is paid once and its credit repaired once: the event and the decisions name it.
    return f"{fields['event_type']}:{'、'.join(fields['decision_numbers_norm'])}"


def _reinspection(lines: list[str], lookups: Lookups, common: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    number_at = next((i for i, line in enumerate(lines[:5]) if number_line(line)), None)
    if number_at is None:
        raise ValueError("re-inspection notice: no 文号 below the heading")
    number = number_line(lines[number_at])
    assert number is not None
    header_end = number_at + 1
    while header_end < len(lines) and header_fields([lines[header_end]]):
        header_end += 1
    header = header_fields(lines[number_at + 1:header_end])
    if "party" not in header:
        raise ValueError(f"re-inspection {number}: no 当事人 in the header")
    body = "\n".join(lines[header_end:])
    cited = _CITED.search(body)
    if cited is None:
        raise ValueError(f"re-inspection {number}: no 《行政处罚决定书》（…号） cited")
    conclusions = [m.group("conclusion") for line in lines if (m := _CONCLUSION.match(line))]
    if len(conclusions) != 1:
        raise ValueError(f"re-inspection {number}: {len(conclusions)} 复查结论 lines, expected one")
    results = {event for label, event in lookups.conclusions if label in _key(conclusions[0])}
    if len(results) != 1:
        raise ValueError(f"re-inspection {number}: conclusion {conclusions[0]!r} is not one known result")
    inspected = _INSPECTED.search(body)
    text = "\n".join(line for line in lines[header_end:] if _FINDINGS.match(line) or _CONCLUSION.match(line))
    fields = _event(results.pop(), _numbers(cited.group("numbers")), common["notice_date"], header["party"],
                    header.get("uscc"), text, common, notice_number=number,
                    reinspection_date=numerals.parse_date(inspected.group("date")).isoformat() if inspected
                    else None)
    return f"reinspection:{normalise_number(number)}", fields


def _payment_event(status: str, where: str, lookups: Lookups) -> str | None:
    key = _key(status)
    if key not in lookups.payment:
        raise ValueError(f"{where}: unknown payment status {status!r}")
    return lookups.payment[key]


def _paid_lines(lines: list[str], lookups: Lookups, common: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for line in lines:
        match = _PAID_LINE.match(line)
        if match is None:
            continue
        event_type = _payment_event(match.group("status"), line, lookups)
        if event_type is None:
            continue
        text = re.sub(r"^[一二三四五六七八九十]{1,3}\s*[、.．]\s*", "", line)
        fields = _event(event_type, _numbers(match.group("numbers")), _date(match.group("date")),
                        match.group("party").strip(), match.group("uscc"), text, common,
                        amount_yuan=numerals.parse_amount(match.group("amount")))
        out.append((_row_key(fields), fields))
    if not out:
        raise ValueError("fine-payment notice: no line of a fine paid")
    return out


def _table(table: Table, kind: str, lookups: Lookups, common: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    header = [_key(cell) for cell in table[0]]
    unknown = [h for h in header if h not in lookups.columns]
    if unknown:
        raise ValueError(f"{kind} table: unknown column(s) {unknown}")
    fields_of = [lookups.columns[h] for h in header]
    required = ["decision_numbers", "party", "event_date"] + (["payment_status"] if kind == "fine_payment" else [])
    missing = [f for f in required if f not in fields_of]
    if missing:
        raise ValueError(f"{kind} table: no column for {missing}")
    out = []
    for row in table[1:]:
        if len(row) != len(header):
            raise ValueError(f"{kind} table: a row of {len(row)} cells under {len(header)} columns: {row}")
        cells = {f: cell.strip() for f, cell in zip(fields_of, row, strict=True) if f is not None}
        text = "；".join(f"{h}：{c.strip()}" for h, c, f in zip(table[0], row, fields_of, strict=True)
                        if f is not None)
        if kind == "fine_payment":
            event_type = _payment_event(cells.pop("payment_status"), text, lookups)
        else:
            event_type = "credit_repaired"
        numbers = _numbers(cells.pop("decision_numbers"))
        party, code, when = cells.pop("party"), cells.pop("uscc", None), cells.pop("event_date")
        amount = cells.pop("amount_yuan", None)
        assert not cells, f"{kind} table: fields left over {sorted(cells)}"
        if event_type is None:
            continue  # listed, but nothing happened (a fine not paid)
        fields = _event(event_type, numbers, _date(when), party, code, text, common,
                        amount_yuan=int(amount.replace(",", "")) if amount else None)
        out.append((_row_key(fields), fields))
    return out
