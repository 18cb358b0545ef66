"""Read a county bureau's table of penalty cases: one row a decision, several decisions a page.

County bureaux often publish their penalties as one page with a table instead of one decision a page
(sources.md §2.1, the 东宁 example): `序号 | 案件名称 | 被处罚对象名称 | 案件简要情况 | 处罚依据 | 处罚决定文号`,
often with the party's code and the decision date; the fine is written in 案件简要情况. A table is a case
table when its header names 案件名称; every other header must be one we know (an unknown column is an
error: the publisher changed the format). Rows are parsed into the same fields as `parse_decision`.
"""

from __future__ import annotations

import re
from typing import Any

from crawlers.helpers import numerals, uscc
from crawlers.helpers.penalty import fine_in, laws_in, normalise_number, number_line, penalty_types_in, sentences

Table = list[list[str]]

# Column header → field. 序号 is known and dropped: a record is never keyed by its row position.
COLUMNS: dict[str, str | None] = {
    "序号": None,
    "案件名称": "title",
    "被处罚对象名称": "party",
    "被处罚对象": "party",
    "被处罚单位名称": "party",
    "统一社会信用代码": "uscc",
    "案件简要情况": "facts",
    "处罚依据": "basis",
    "处罚决定文号": "decision_number",
    "处罚决定书文号": "decision_number",
    "处罚决定日期": "decision_date",
    "处罚日期": "decision_date",
}
MARKER = "案件名称"
REQUIRED = ("party", "decision_number", "facts", "basis")

_SPACES = re.compile(r"\s+")
_ISO_DATE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_INDIVIDUAL_BUSINESS = re.compile(r"\s*[（(]个体工商户[）)]$")
_ORGANISATION = re.compile(r"(?:公司|厂|集团|中心|合作社|企业|医院|学校|所|站|场|社|院|店|行)$")
# In 案件简要情况 the decision follows the facts: "…我局决定对其罚款…" / "…决定责令其改正，并处罚款…".
_DECIDED = re.compile(r"决定")


def is_case_table(table: Table) -> bool:
    """True when the first row is a case-table header (it names 案件名称)."""
    return bool(table) and any(_SPACES.sub("", cell) == MARKER for cell in table[0])


def _date(text: str) -> str:
    match = _ISO_DATE.match(text)
    if match:
        year, month, day = map(int, match.groups())
        return f"{year:04d}-{month:02d}-{day:02d}"
    return numerals.parse_date(text).isoformat()


def parse_case_table(table: Table, authority: str) -> list[dict[str, Any]]:
    """One field dict per row of a case table; `authority` is the bureau that signs the page.

    Raises ValueError for an unknown column, a missing required column, a row of the wrong width, or a
    row whose decision names no known kind of penalty or an unreadable fine.
    """
    header = [_SPACES.sub("", cell) for cell in table[0]]
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise ValueError(f"case table: unknown column(s) {unknown}")
    fields_of = [COLUMNS[h] for h in header]
    missing = [f for f in REQUIRED if f not in fields_of]
    if missing:
        raise ValueError(f"case table: no column for {missing}")
    records: list[dict[str, Any]] = []
    for row in table[1:]:
        if len(row) != len(header):
            raise ValueError(f"case table: a row of {len(row)} cells under {len(header)} columns: {row}")
        cells = {f: cell.strip() for f, cell in zip(fields_of, row, strict=True) if f is not None}
        number = number_line(cells.pop("decision_number"))
        if number is None:
            raise ValueError(f"case table: {row} has no readable 处罚决定文号")
        party = cells.pop("party")
        party_type = "organisation" if _ORGANISATION.search(party) else "individual"
        if _INDIVIDUAL_BUSINESS.search(party):
            party, party_type = _INDIVIDUAL_BUSINESS.sub("", party), "individual_business"
        facts, basis = cells.pop("facts"), cells.pop("basis")
        decided_at = [m.start() for m in _DECIDED.finditer(facts)]
        decision = facts[decided_at[-1]:] if decided_at else facts
        types = penalty_types_in(decision)
        if not types:
            raise ValueError(f"case {number}: no known kind of penalty in {decision[:80]!r}")
        fine_yuan, fine_text = fine_in(decision)
        if "fine" in types and fine_yuan is None:
            raise ValueError(f"case {number}: a fine without a readable amount")
        printed_code = cells.pop("uscc", "")
        code = None if printed_code in ("", "无", "/", "-", "—") else printed_code
        date_text = cells.pop("decision_date", "")
        records.append({
            "title": cells.pop("title", ""),
            "decision_number": number,
            "decision_number_norm": normalise_number(number),
            "party": party,
            "party_type": party_type,
            "uscc": code,
            "uscc_masked": code is not None and uscc.is_masked(uscc.compact(code)),
            "address": None,
            "legal_representative": None,
            "authority": authority,
            "decision_date": _date(date_text) if date_text else None,
            "fine_yuan": fine_yuan,
            "fine_text": fine_text,
            "confiscated_yuan": None,
            "penalty_types": types,
            "laws_violated": laws_in([s for s in sentences(facts) if "违反" in s]),
            "laws_applied": laws_in(sentences(basis)),
            "facts": facts,
        })
        assert not cells, f"case table: fields left over {sorted(cells)}"
    return records
