"""Read an order to correct an environmental violation (责令改正违法行为决定书 / 责令改正决定书).

Bureaux issue these under 《环境行政处罚办法》 (MEE Order 2023 No. 30) 第九条 and 《行政处罚法》 第二十八条:
an order to stop or correct a violation by a deadline, with no fine. The layout follows the penalty
decision's (sources.md §2.2): a heading, the 文号, the party's labelled header lines, then either numbered
sections (一、违法事实和证据; 二、责令改正的依据、内容和期限; 三、remedies) or, in the older template, plain
paragraphs; the authority and the date close it.

Strict like `crawlers.helpers.penalty`: a text without the heading, the 文号 or the party raises
`NotADecisionError`; one without the order itself or the closing authority and date raises ValueError.
"""

from __future__ import annotations

import re
from typing import Any

from crawlers.helpers import numerals, uscc
from crawlers.helpers.penalty import (
    NotADecisionError,
    header_fields,
    laws_in,
    normalise_number,
    number_line,
    sentences,
    signature,
    text_lines,
)

_TITLE = re.compile(r"责令(?:限期)?改正(?:违法行为)?决定书$")
_SECTION = re.compile(r"^[一二三四五六七八九十]{1,2}\s*[、.．]\s*(?P<heading>.*)$")
# The order itself: "（现）责令你单位：…。" up to the end of its sentence, the addressee dropped.
_ORDER = re.compile(r"责令(?:你单位|你公司|你厂|你|当事人)\s*[:：]\s*(?P<order>[^。]+)")
_DATE = (r"(?:\d{4}|[〇零○一二三四五六七八九]{4})\s*年\s*[\d一二三四五六七八九十]{1,3}\s*月"
         r"\s*[\d一二三四五六七八九十]{1,3}\s*日")
# 于2025年8月31日前 / 在2025年8月31日之前: a deadline; a date without 前 is not one.
_DEADLINE = re.compile(rf"(?P<date>{_DATE})\s*(?:之)?前")
_QUOTATION = re.compile(r"“[^”]*”|「[^」]*」")
_REMEDY = re.compile(r"行政复议|行政诉讼")
_INDIVIDUAL_BUSINESS = re.compile(r"\s*[（(]个体工商户[）)]$")


def parse_correction_order(text: str) -> dict[str, Any]:
    """The fields of one 责令改正（违法行为）决定书, from its plain text (one paragraph a line).

    Returns title, decision_number (as printed), decision_number_norm, party, party_type (organisation |
    individual_business | individual), uscc (as printed, or None), uscc_masked, address,
    legal_representative, authority, decision_date (ISO), facts, order_text, deadline (ISO: the latest
    "…日前" date in the order, None for an order without one, 立即改正), laws_violated and laws_applied.
    """
    lines = text_lines(text)
    title_at = next((i for i, line in enumerate(lines[:4]) if _TITLE.search(line)), None)
    if title_at is None:
        raise NotADecisionError("not an order to correct: no 责令改正…决定书 heading")
    title = lines[title_at]
    if _TITLE.fullmatch(title) and title_at > 0:
        title = lines[title_at - 1] + title  # the authority on its own line above
    number_at = next((i for i in range(title_at + 1, min(title_at + 3, len(lines))) if number_line(lines[i])), None)
    if number_at is None:
        raise NotADecisionError(f"{title}: no 文号 below the heading")
    number = number_line(lines[number_at])
    assert number is not None
    header_end = number_at + 1
    while header_end < len(lines) and header_fields([lines[header_end]]):
        header_end += 1
    header = header_fields(lines[number_at + 1:header_end])
    if "party" not in header:
        raise NotADecisionError(f"{number}: no 当事人 in the header")

    closing = signature(lines, header_end)
    if closing is None:
        raise ValueError(f"order {number}: no authority and date at the end")
    authority, decided, signed_at = closing
    body = lines[header_end:signed_at]
    order_at = next((i for i, line in enumerate(body) if _ORDER.search(_QUOTATION.sub("", line))), None)
    if order_at is None:
        raise ValueError(f"order {number}: no 责令你单位：… order")
    order_line = _QUOTATION.sub("", body[order_at])
    match = _ORDER.search(order_line)
    assert match is not None
    order_text = match.group("order").strip()
    deadlines = [numerals.parse_date(m.group("date")) for m in _DEADLINE.finditer(order_text)]

    # Facts: what precedes the order, section headings aside; the sentence of the order itself is not.
    before_order = [line for line in body[:order_at] if not _SECTION.match(line)]
    lead = order_line[:match.start()]
    facts_lines = [*before_order, *([lead.strip()] if "违反" in lead else [])]
    facts = "\n".join(facts_lines)
    basis_sentences = [s for s in sentences(order_line[:match.start()]) if "违反" not in s]
    party = header["party"]
    party_type = "organisation" if "legal_representative" in header else "individual"
    if _INDIVIDUAL_BUSINESS.search(party) or "operator" in header:
        party, party_type = _INDIVIDUAL_BUSINESS.sub("", party), "individual_business"
    printed_code = header.get("uscc", "").strip()
    code = None if printed_code in ("", "无", "/", "-", "—") else printed_code
    violated = [s for s in sentences(facts) if "违反" in s]
    remedies = [line for line in body[order_at + 1:] if _REMEDY.search(line)]
    if not remedies:
        raise ValueError(f"order {number}: no 行政复议/行政诉讼 remedies after the order")
    return {
        "title": title,
        "decision_number": number,
        "decision_number_norm": normalise_number(number),
        "party": party,
        "party_type": party_type,
        "uscc": code,
        "uscc_masked": code is not None and uscc.is_masked(uscc.compact(code)),
        "address": header.get("address") or None,
        "legal_representative": header.get("legal_representative") if party_type == "organisation" else None,
        "authority": authority,
        "decision_date": decided.isoformat(),
        "facts": facts,
        "order_text": order_text,
        "deadline": max(deadlines).isoformat() if deadlines else None,
        "laws_violated": laws_in(violated),
        "laws_applied": laws_in(basis_sentences),
    }
