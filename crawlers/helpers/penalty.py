"""Read an administrative penalty decision (行政处罚决定书) from its plain text.

The layout is the MEE template used nationwide (see sources.md §2.2): the authority's heading, the
decision number (文号), a header of labelled lines about the party, numbered sections (一、violation facts
and evidence; 二、basis and kind of penalty; 三、how and when to perform it; 四、remedies), and the
authority with the date at the end. Older decisions merge 二 and 三 ("依据、种类及其履行方式、期限").
Decisions are free text with no field table, so this works on lines; it is shared by the HTML, PDF and
DOCX parsers, which only have to produce the text, one paragraph a line.

Strict: a document that is not a decision raises `NotADecisionError`; a decision whose structure
surprises us (no date, two different fines, an unreadable amount) raises ValueError.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from crawlers.helpers import numerals, uscc

PENALTY_TYPES_FILE = Path(__file__).with_name("penalty_types.yml")


class NotADecisionError(ValueError):
    """The text is not a penalty decision (a notice, a list, a summary table)."""


# Header labels → field. The header is the block of `标签：值` lines between the 文号 and section 一.
HEADER_LABELS: dict[str, str] = {
    "当事人": "party",
    "当事人名称": "party",
    "单位名称": "party",
    "被处罚单位": "party",
    "被处罚人": "party",
    "统一社会信用代码": "uscc",
    "社会信用代码": "uscc",
    "地址": "address",
    "住所": "address",
    "住址": "address",
    "单位地址": "address",
    "注册地址": "address",
    "经营场所": "address",
    "生产经营场所": "address",
    "生产经营场所地址": "address",
    "法定代表人": "legal_representative",
    "法定代表人（负责人）": "legal_representative",
    "法定代表人(负责人)": "legal_representative",
    "负责人": "legal_representative",
    "主要负责人": "legal_representative",
    "经营者": "operator",
    "身份证号码": "id_number",
    "身份证号": "id_number",
}
# How publishers write "no code": an empty cell, a slash, a dash.
_NO_VALUE = frozenset({"", "无", "/", "／", "-", "—", "——", "空"})

_CN = "零〇一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟"
_ORDINAL = "一二三四五六七八九十"
_LABEL = re.compile(
    r"(?:^|\s)(?P<label>" + "|".join(re.escape(k) for k in sorted(HEADER_LABELS, key=len, reverse=True))
    + r")\s*[：:]"
)
# 文号 as printed: an issuer prefix, the year in some bracket, the sequence and 号; spaces anywhere.
_NUMBER_LINE = re.compile(
    r"^(?:文号\s*[：:]\s*)?(?P<number>[\u4e00-\u9fff（）()A-Za-z0-9\s]{1,30}?"
    r"[〔\[（(【]\s*\d{4}\s*[〕\]）)】]\s*第?\s*\d+\s*号)$"
)
_YEAR_BRACKET = re.compile(r"[〔\[(（【]\s*(\d{4})\s*[〕\])）】]")
_SECTION = re.compile(rf"^(?P<ordinal>[{_ORDINAL}]{{1,2}})\s*[、.．]\s*(?P<heading>.*)$")
_TITLE = re.compile(r"处罚决定书$")
_SIGNATURE = re.compile(
    r"^(?P<authority>.*?)\s*(?P<date>(?:\d{4}|[〇零○一二三四五六七八九]{4})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月"
    r"\s*[\d一二三四五六七八九十]{1,3}\s*日)$"
)
_AUTHORITY = re.compile(r"(?:局|厅|部|委员会|政府|管理委员会|办公室)$")
_INDIVIDUAL_BUSINESS = re.compile(r"\s*[（(]个体工商户[）)]$")
_ORGANISATION_NAME = re.compile(r"(?:公司|厂|集团|中心|合作社|企业|医院|学校|研究院|所|站|场|社|院|局|部|店|行)$")
# Quotations of the law (“违反本法规定……处十万元以上一百万元以下的罚款”) are not the decision.
_QUOTATION = re.compile(r"“[^”]*”|「[^」]*」|‘[^’]*’")
_DECISION_MARKER = re.compile(r"(?:作出|给予|处以|决定)如下(?:行政)?处罚(?:决定)?\s*[：:]?")
_SENTENCE_END = re.compile(r"[。；;]")
# 责令你单位停产整治 → 责令停产整治, 吊销你单位排污许可证 → 吊销排污许可证: the addressee is dropped
# before the kinds of penalty are looked up.
_ADDRESSEE = re.compile(r"(?<=责令|吊销)(?:你单位|你公司|你厂|你|当事人|该单位|其)")

_AMOUNT = (
    rf"(?:[¥￥]\s*)?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?\s*万?\s*元"
    rf"|[{_CN}]+[元圆](?:[{_CN}]{{1,2}}角)?(?:[{_CN}]{{1,2}}分)?(?:整|正)?"
)
_FIGURE = r"[（(]\s*(?:小写\s*[:：]?\s*)?[¥￥]?\s*[\d,.]+\s*万?\s*元?\s*[）)]"
# 罚款人民币伍万元（¥50000元） | 罚款总额为人民币捌拾万元 | 处人民币伍万元罚款 | 处以5.2万元的罚款
_FINE_AFTER = re.compile(
    rf"罚款(?P<total>总额|数额|金额)?(?:为|共计|合计)?\s*[:：]?\s*(?:人民币)?\s*(?P<amount>{_AMOUNT})\s*(?P<figure>{_FIGURE})?"
)
_FINE_BEFORE = re.compile(
    rf"(?:处以?|并处)\s*(?:人民币)?\s*(?P<amount>{_AMOUNT})\s*(?P<figure>{_FIGURE})?\s*的?罚款"
)
_CONFISCATION = re.compile(rf"没收违法所得\s*(?:人民币)?\s*(?P<amount>{_AMOUNT})")
_ARTICLE = rf"第[{_CN}]+条(?:第[{_ORDINAL}]+款)?(?:第[{_ORDINAL}]+项)?"
_LAW = re.compile(rf"《(?P<name>[^《》]{{2,60}})》(?P<articles>{_ARTICLE}(?:\s*(?:、|和|及|以及|与)\s*{_ARTICLE})*)")
_ARTICLE_ONE = re.compile(_ARTICLE)


@cache
def penalty_type_labels() -> tuple[tuple[str, str], ...]:
    """(label, code) pairs from penalty_types.yml, in file order."""
    with PENALTY_TYPES_FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return tuple((entry["match"], entry["code"]) for entry in data["penalty_types"])


def normalise_number(number: str) -> str:
    """The 文号 with its year in 〔〕, other brackets full-width and no spaces: 嘉环（海）罚字〔2024〕3号."""
    # NFKC again after the spaces go: a space-plus-combining-mark (NFKC of ¨) would otherwise compose later.
    text = unicodedata.normalize("NFKC", re.sub(r"\s+", "", unicodedata.normalize("NFKC", number)))
    text = _YEAR_BRACKET.sub(r"〔\1〕", text)
    return text.replace("(", "（").replace(")", "）")


def _lines(text: str) -> list[str]:
    # Full-width and non-breaking spaces indent paragraphs; they carry nothing.
    cleaned = text.replace("\u3000", " ").replace("\xa0", " ").replace("\r", "\n")
    return [line.strip() for line in cleaned.split("\n") if line.strip()]


def _header_fields(lines: list[str]) -> dict[str, str]:
    """`标签：值` pairs of the header; several may share a line (`法定代表人：张三  地址：…`)."""
    fields: dict[str, str] = {}
    for line in lines:
        matches = list(_LABEL.finditer(line))
        if not matches or matches[0].start() != 0:
            continue  # an introductory sentence, not a labelled line
        for match, following in zip(matches, [*matches[1:], None], strict=True):
            end = following.start() if following is not None else len(line)
            field = HEADER_LABELS[match.group("label")]
            fields.setdefault(field, line[match.end():end].strip())
    return fields


def _laws(sentences: list[str]) -> list[str]:
    """`《法》第X条第Y款第Z项` references in order, each once; `第十条、第三十九条` share the law's name."""
    found: list[str] = []
    for sentence in sentences:
        for match in _LAW.finditer(sentence):
            for article in _ARTICLE_ONE.finditer(match.group("articles")):
                law = f"《{match.group('name')}》{article.group(0)}"
                if law not in found:
                    found.append(law)
    return found


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(_QUOTATION.sub("", text.replace("\n", ""))) if s.strip()]


def _fine(decision: str) -> tuple[int | float | None, str | None]:
    """The fine in yuan and the phrase it was read from; a written figure must agree with the words."""
    found: list[tuple[int, int | float, str, bool]] = []
    for pattern in (_FINE_AFTER, _FINE_BEFORE):
        for match in pattern.finditer(decision):
            amount = numerals.parse_amount(match.group("amount"))
            figure = match.group("figure")
            if figure is not None and numerals.parse_amount(figure) != amount:
                raise ValueError(f"fine {match.group('amount')!r} disagrees with its figure {figure!r}")
            is_total = "total" in pattern.groupindex and match.group("total") == "总额"
            found.append((match.start(), amount, match.group(0).strip(), is_total))
    if not found:
        return None, None
    totals = [f for f in found if f[3]]
    if totals:
        # 按日连续处罚: the decision states the daily amount and the total; the total is the fine.
        return totals[-1][1], totals[-1][2]
    amounts = {f[1] for f in found}
    if len(amounts) > 1:
        raise ValueError(f"several different fines in one decision: {sorted(f[2] for f in found)}")
    first = min(found)
    return first[1], first[2]


def parse_decision(text: str) -> dict[str, Any]:
    """The fields of one 行政处罚决定书, from its plain text (one paragraph a line).

    Returns title, decision_number (as printed), decision_number_norm, party, party_type
    (organisation | individual_business | individual), uscc (as printed, or None), uscc_masked,
    address, legal_representative (organisations only), authority, decision_date (ISO), fine_yuan,
    fine_text, confiscated_yuan, penalty_types, laws_violated, laws_applied and facts.
    """
    lines = _lines(text)
    sections = [(i, m) for i, line in enumerate(lines) if (m := _SECTION.match(line))]
    first_section = sections[0][0] if sections else len(lines)
    number_at = next((i for i, line in enumerate(lines[:first_section]) if _NUMBER_LINE.match(line)), None)
    header = _header_fields(lines[:first_section])
    if number_at is None or "party" not in header:
        missing = " and ".join(n for n, absent in (("文号", number_at is None), ("当事人", "party" not in header))
                               if absent)
        raise NotADecisionError(f"not a penalty decision: no {missing} before the first section")
    number_match = _NUMBER_LINE.match(lines[number_at])
    assert number_match is not None
    number = re.sub(r"\s+", " ", number_match.group("number")).strip()

    title_at = next((i for i, line in enumerate(lines[: number_at + 1]) if _TITLE.search(line)), None)
    if title_at is None:
        raise ValueError(f"decision {number}: no 处罚决定书 heading above the 文号")
    title = lines[title_at]
    if title == "行政处罚决定书" and title_at > 0:
        title = lines[title_at - 1] + title  # the authority on its own line above

    facts_section = next((k for k, (_, m) in enumerate(sections) if "违法事实" in m.group("heading")), None)
    penalty_section = next((k for k, (_, m) in enumerate(sections) if "处罚的依据" in m.group("heading")
                            or "处罚依据" in m.group("heading")), None)
    if facts_section is None or penalty_section is None:
        raise ValueError(f"decision {number}: no violation-facts or penalty-basis section")

    def body(k: int) -> str:
        start = sections[k][0] + 1
        end = sections[k + 1][0] if k + 1 < len(sections) else len(lines)
        return "\n".join(lines[start:end])

    facts = body(facts_section)
    basis = body(penalty_section)

    # The authority and the date close the document, after the last section.
    signature_date = authority = None
    for i in range(len(lines) - 1, sections[-1][0], -1):
        match = _SIGNATURE.match(lines[i])
        if match:
            signature_date = numerals.parse_date(match.group("date"))
            authority = match.group("authority").strip() or lines[i - 1]
            break
    if signature_date is None or authority is None:
        raise ValueError(f"decision {number}: no authority and date at the end")
    if not _AUTHORITY.search(authority):
        raise ValueError(f"decision {number}: {authority!r} before the date is not an authority")

    basis_text = _QUOTATION.sub("", basis.replace("\n", ""))
    marker = _DECISION_MARKER.search(basis_text)
    decision = basis_text[marker.end():] if marker else basis_text
    plain = _ADDRESSEE.sub("", decision)
    penalty_types: list[str] = []
    for label, code in penalty_type_labels():
        if label in plain and code not in penalty_types:
            penalty_types.append(code)
    if not penalty_types:
        raise ValueError(f"decision {number}: no known kind of penalty in {decision[:80]!r}")
    fine_yuan, fine_text = _fine(decision)
    if "fine" in penalty_types and fine_yuan is None:
        raise ValueError(f"decision {number}: a fine without a readable amount")
    confiscation = _CONFISCATION.search(decision)

    party = header["party"]
    party_type = "organisation"
    if _INDIVIDUAL_BUSINESS.search(party) or "operator" in header:
        party_type = "individual_business"
        party = _INDIVIDUAL_BUSINESS.sub("", party)
    elif "id_number" in header or ("legal_representative" not in header
                                   and not _ORGANISATION_NAME.search(party)):
        party_type = "individual"
    printed_code = header.get("uscc", "").strip()
    code = None if printed_code in _NO_VALUE else printed_code

    violation_sentences = [s for s in _sentences(facts) + _sentences(basis) if "违反" in s]
    applied_sentences = [s for s in _sentences(basis) if "违反" not in s]
    return {
        "title": title,
        "decision_number": number,
        "decision_number_norm": normalise_number(number),
        "party": party,
        "party_type": party_type,
        "uscc": code,
        "uscc_masked": code is not None and uscc.is_masked(uscc.compact(code)),
        "address": header.get("address") or None,
        "legal_representative": (header.get("legal_representative") or None)
        if party_type == "organisation" else None,
        "authority": authority,
        "decision_date": signature_date.isoformat(),
        "fine_yuan": fine_yuan,
        "fine_text": fine_text,
        "confiscated_yuan": numerals.parse_amount(confiscation.group("amount")) if confiscation else None,
        "penalty_types": penalty_types,
        "laws_violated": _laws(violation_sentences),
        "laws_applied": _laws(applied_sentences),
        "facts": facts,
    }


# --- shared with the other readers of decision-like documents (correction orders, county case tables) ---


def text_lines(text: str) -> list[str]:
    """The non-empty lines of a document, stripped, full-width and non-breaking spaces as spaces."""
    return _lines(text)


def header_fields(lines: list[str]) -> dict[str, str]:
    """The `标签：值` header fields (party, uscc, address, …) found on `lines`."""
    return _header_fields(lines)


def number_line(line: str) -> str | None:
    """The 文号 if `line` is one (as printed, runs of spaces collapsed), else None."""
    match = _NUMBER_LINE.match(line)
    return re.sub(r"\s+", " ", match.group("number")).strip() if match else None


def sentences(text: str) -> list[str]:
    """Sentences of `text`, quotations of the law removed."""
    return _sentences(text)


def laws_in(found_in: list[str]) -> list[str]:
    """`《法》第X条…` references in `found_in`, in order, each once."""
    return _laws(found_in)


def signature(lines: list[str], after: int) -> tuple[str, date, int] | None:
    """The closing authority, date and the date's line index, searched upwards from the end to `after`."""
    for i in range(len(lines) - 1, after - 1, -1):
        match = _SIGNATURE.match(lines[i])
        if match:
            authority = match.group("authority").strip() or (lines[i - 1] if i > after else "")
            if not _AUTHORITY.search(authority):
                raise ValueError(f"{authority!r} before the date is not an authority")
            start = i if match.group("authority").strip() else i - 1
            return authority, numerals.parse_date(match.group("date")), start
    return None


def penalty_types_in(decision: str) -> list[str]:
    """Our codes for the kinds of penalty named in a decision's wording (penalty_types.yml)."""
    plain = _ADDRESSEE.sub("", _QUOTATION.sub("", decision))
    found: list[str] = []
    for label, code in penalty_type_labels():
        if label in plain and code not in found:
            found.append(code)
    return found


def fine_in(decision: str) -> tuple[int | float | None, str | None]:
    """The fine in yuan and the phrase it was read from (ValueError on two different fines)."""
    return _fine(decision)
