"""`SgsFormSpider`: a 双公示 (行政许可和行政处罚 "double publicity") list served as a POST form.

Since 2015 every administration publishes its licensing and penalty decisions within seven working days
under the national 双公示 data standard (sources.md §2.3: CF_WSH, CF_XDR_MC, CF_NR_FK in 万元 …). Several
provincial ecology departments run the same kind of Java application for it (Jiangsu's is
`…/sgs/business/sgs/wzsgs/sgscontroller/sgsXzcfGsList`; other provinces' share its shape as far as their
public pages show, unverified beyond Jiangsu):

1. POST the list form (application/x-www-form-urlencoded): `q_GGTJ` the category tab, `P_CURRENT` the page
   (1-based), optionally `q_XDRMC` a name filter. A GET without the form answers an empty list, and a page
   past the last is clamped to the last one, so every page's pager is checked against the page asked for.
2. Read the pager text `共 N 条 第 x/y 页` on page 1 and POST pages 2..y of the category.
3. GET each row's detail page (`sgsXzcfGsDetail?id=<uuid>`): a label/value table of the 双公示 fields,
   two pairs a row.

The YAML maps each category to a record kind (`config.categories`, e.g. `环罚: penalty`, `责改:
correction_order`) and the publisher's categorical labels to our codes (`lookups.penalty_type` for the
双公示 处罚类别 labels that `crawlers/helpers/penalty_types.yml` does not word the same way,
`lookups.party_type` for 行政相对人类别).

`parse_list`, `parse_detail`, `penalty_fields` and `correction_order_fields` are pure functions of the page
text or the parsed fields. They are strict: a changed column, a missing label, a date or an amount in an
unknown format raises ValueError; an unknown label or category value is returned for the crawl report.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, NamedTuple

import scrapy
from parsel import Selector, SelectorList
from scrapy.http import Response

from crawlers.base import SourceSpider
from crawlers.base.trs_cms import decode_page
from crawlers.helpers import numerals, uscc
from crawlers.helpers.penalty import laws_in, normalise_number, penalty_type_labels, sentences

# The list's columns → row keys (双公示 names where the column is one of the standard's fields).
LIST_COLUMNS: dict[str, str] = {
    "序号": "n",
    "行政处罚决定书文号": "CF_WSH",
    "行政相对人名称": "CF_XDR_MC",
    "处罚类别": "CF_CFLB",
    "罚款金额（万元）": "CF_NR_FK",
    "处罚决定日期": "CF_JDRQ",
    "处罚机关": "CF_CFJG",
    "操作": "detail_path",
}
# Labels of the detail table → 双公示 field names (sources.md §2.3).
DETAIL_LABELS: dict[str, str] = {
    "行政处罚决定书文号": "CF_WSH",
    "处罚名称": "CF_CFMC",
    "处罚类别": "CF_CFLB",
    "违法行为类型": "CF_WFXW",
    "行政相对人名称": "CF_XDR_MC",
    "行政相对人类别": "CF_XDR_LB",
    "统一社会信用代码": "CF_XDR_SHXYM",
    "法定代表人": "CF_FRDB",
    "处罚事由": "CF_SY",
    "处罚依据": "CF_YJ",
    "处罚内容": "CF_NR",
    "罚款金额（万元）": "CF_NR_FK",
    "没收违法所得、没收非法财物的金额（万元）": "CF_NR_WFFF",
    "暂扣或吊销证照名称及编号": "CF_NR_ZKDX",
    "处罚决定日期": "CF_JDRQ",
    "处罚有效期": "CF_YXQ",
    "公示截止期": "CF_GSJZQ",
    "处罚机关": "CF_CFJG",
    "处罚机关统一社会信用代码": "CF_CFJGDM",
    "数据来源单位": "CF_SJLY",
    "数据来源单位统一社会信用代码": "CF_SJLYDM",
    "备注": "BZ",
}
# Without these a detail page is not a record we can key or attribute.
REQUIRED_FIELDS = ("CF_WSH", "CF_XDR_MC", "CF_CFLB", "CF_NR", "CF_JDRQ", "CF_CFJG")

PAGER = re.compile(r"共\s*(?P<total>\d+)\s*条\s*第\s*(?P<current>\d+)\s*/\s*(?P<pages>\d+)\s*页")
DETAIL_ID = re.compile(r"[?&]id=(?P<id>[0-9A-Za-z-]+)")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WAN = re.compile(r"^\d+(?:\.\d+)?$")
SPACES = re.compile(r"\s+")
LABEL_SEPARATORS = re.compile(r"[,，;；]")
# Where 处罚依据 turns from the provision broken to the provision applied: 违反了《…》第十八条，依据《…》…
BASIS_MARKER = re.compile(r"依据|根据|按照")
# 罚款人民币伍万贰仟壹佰贰拾元 | 罚款5.212万元 | 处罚款人民币52120元 in 处罚内容
FINE_IN_CONTENT = re.compile(r"罚款\s*(?:人民币)?\s*(?P<amount>[^，。；,;（(]+?元)")
# 责令你单位于2025年7月31日前改正 …
DEADLINE = re.compile(r"(?:于|在)\s*(?P<date>\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*(?:之)?前")
# How the system writes "no code" for natural persons.
NO_VALUE = frozenset({"", "/", "／", "-", "—", "无"})
PAGE_SIZE_LIMIT = 100  # a list page with more rows than this is not the list we know


class ListPage(NamedTuple):
    category: str  # q_GGTJ as the page's form carries it
    rows: list[dict[str, str]]
    total: int  # records in the category
    current: int  # 1-based
    pages: int


def _clean(text: str) -> str:
    return SPACES.sub(" ", text.replace("\xa0", " ").replace("\u3000", " ")).strip()


def _text(node: Selector | SelectorList[Selector]) -> str:
    return _clean("".join(node.xpath(".//text()").getall()))


def _rows(table: Selector) -> SelectorList[Selector]:
    return table.xpath("./tr | ./tbody/tr | ./thead/tr")


def parse_list(html: str) -> ListPage:
    """One list page → its category, rows and pager.

    Each row has the LIST_COLUMNS keys (`CF_WSH`, `CF_XDR_MC` — the full name from the cell's title, the
    cell text being cut with `...` —, `CF_CFLB`, `CF_NR_FK`, `CF_JDRQ`, `CF_CFJG`, `detail_path`) and `id`.
    """
    sel = Selector(text=html)
    category = sel.xpath('//form//input[@name="q_GGTJ"]/@value').get()
    if category is None:
        raise ValueError("the list page has no q_GGTJ form field: the list form changed")
    tables = sel.css("table.list-table")
    if len(tables) != 1:
        raise ValueError(f"expected one table.list-table, found {len(tables)}: the list layout changed")
    trs = _rows(tables[0])
    header = [_text(cell) for cell in trs[0].xpath("./th | ./td")] if trs else []
    if header != list(LIST_COLUMNS):
        raise ValueError(f"list columns changed: expected {list(LIST_COLUMNS)}, found {header}")
    rows: list[dict[str, str]] = []
    for number, tr in enumerate(trs[1:], start=2):
        cells = tr.xpath("./td")
        if len(cells) == 1 and _text(cells[0]) == "暂无数据":
            continue
        if len(cells) != len(LIST_COLUMNS):
            raise ValueError(f"list row {number} has {len(cells)} cells, expected {len(LIST_COLUMNS)}")
        row: dict[str, str] = {}
        for key, cell in zip(LIST_COLUMNS.values(), cells, strict=True):
            if key == "detail_path":
                href = cell.xpath("./a/@href").get()
                if href is None:
                    raise ValueError(f"list row {number}: the 操作 cell has no link")
                row[key] = href.strip()
            else:
                # Long names are cut in the cell (`…有限公...`); the title attribute has them whole.
                title = cell.attrib.get("title")
                row[key] = _clean(title) if title is not None else _text(cell)
        detail_id = DETAIL_ID.search(row["detail_path"])
        if detail_id is None:
            raise ValueError(f"list row {number}: detail link {row['detail_path']!r} has no id")
        row["id"] = detail_id["id"]
        if not row["CF_WSH"]:
            raise ValueError(f"list row {number} has no 行政处罚决定书文号")
        rows.append(row)
    pager = PAGER.search(_clean(" ".join(sel.xpath("//body//text()[not(ancestor::script)]").getall())))
    if pager is None:
        raise ValueError("the list page has no `共 N 条 第 x/y 页` pager: the pager changed")
    total, current, pages = (int(pager[k]) for k in ("total", "current", "pages"))
    if not 1 <= current <= max(pages, 1) or (total > 0) != bool(rows) or len(rows) > PAGE_SIZE_LIMIT:
        raise ValueError(f"pager says {total} records, page {current}/{pages}, but the page has {len(rows)} rows")
    return ListPage(category, rows, total, current, pages)


def parse_detail(html: str) -> tuple[dict[str, str], list[str]]:
    """A detail page → (the 双公示 fields as shown, keyed CF_*, and the labels we do not know).

    An unknown label's value is kept under the label itself. A page without the detail table (the
    system's 该信息不存在 page) or without a required label raises ValueError.
    """
    sel = Selector(text=html)
    tables = sel.css("table.detail-table")
    if len(tables) != 1:
        gone = _text(sel.css("div.nodata"))
        raise ValueError(f"expected one table.detail-table, found {len(tables)}" + (f": {gone}" if gone else ""))
    raw: dict[str, str] = {}
    unknown: list[str] = []
    for tr in _rows(tables[0]):
        cells = tr.xpath("./th | ./td")
        if len(cells) % 2 or any(c.root.tag != ("th" if i % 2 == 0 else "td") for i, c in enumerate(cells)):
            raise ValueError(f"detail row {_text(tr)[:60]!r} is not label/value pairs (th, td)")
        for label_cell, value_cell in zip(cells[::2], cells[1::2], strict=True):
            label = _text(label_cell).rstrip("：:")
            key = DETAIL_LABELS.get(label)
            if key is None:
                unknown.append(label)
                key = label
            if key in raw:
                raise ValueError(f"detail label {label!r} appears twice")
            raw[key] = _text(value_cell)
    missing = [label for label, key in DETAIL_LABELS.items() if key in REQUIRED_FIELDS and not raw.get(key)]
    if missing:
        raise ValueError(f"detail page lacks {', '.join(missing)}: the labels changed")
    if not ISO_DATE.match(raw["CF_JDRQ"]):
        raise ValueError(f"处罚决定日期 {raw['CF_JDRQ']!r} is not YYYY-MM-DD: the date format changed")
    date.fromisoformat(raw["CF_JDRQ"])  # raises on impossible dates
    return raw, unknown


def wan_to_yuan(text: str, what: str = "罚款金额（万元）") -> int | float | None:
    """An amount in 万元 as shown (`5.212`, `2.0000`) → yuan (52120), exactly; "" → None."""
    if text == "":
        return None
    if not WAN.match(text):
        raise ValueError(f"{what} {text!r} is not a number of 万元")
    try:
        yuan = Decimal(text) * 10000
    except InvalidOperation:
        raise ValueError(f"{what} {text!r} is not a number of 万元") from None
    # Whole yuan as int; a fraction (to the fen) as float, as numerals.parse_amount returns it.
    return int(yuan) if yuan == yuan.to_integral_value() else float(yuan.quantize(Decimal("0.01")))


def penalty_type_codes(labels: str, lookup: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """处罚类别 `警告,罚款` → (['warning', 'fine'], unknown labels).

    A label is looked up in the source's `lookups.penalty_type`, then among the wordings of
    penalty_types.yml. Labels are split on commas and semicolons only: the standard's own labels
    contain 、 (`没收违法所得、没收非法财物`).
    """
    wordings = dict(penalty_type_labels())
    codes: list[str] = []
    unknown: list[str] = []
    for label in (part.strip() for part in LABEL_SEPARATORS.split(labels)):
        if not label:
            continue
        code = lookup.get(label, wordings.get(label))
        if code is None:
            unknown.append(label)
        elif code not in codes:
            codes.append(code)
    return codes, unknown


def _laws(facts: str, basis: str) -> tuple[list[str], list[str]]:
    """(violated, applied): 处罚依据 reads `违反了《A》…，依据《B》…` or only `依据《B》…` or only `《B》…`."""
    marker = BASIS_MARKER.search(basis)
    if marker is not None:
        before, after = basis[: marker.start()], basis[marker.start():]
    else:
        before, after = (basis, "") if "违反" in basis else ("", basis)
    violated = laws_in(sentences(facts))
    violated += [law for law in laws_in(sentences(before)) if law not in violated]
    return violated, laws_in(sentences(after))


class Built(NamedTuple):
    fields: dict[str, Any]
    warnings: list[tuple[str, str]]  # (report kind, message)


def _party(raw: dict[str, str], lookups: Mapping[str, Mapping[str, str]]) -> Built:
    warnings: list[tuple[str, str]] = []
    category = raw.get("CF_XDR_LB", "")
    party_type = lookups.get("party_type", {}).get(category)
    if party_type is None:
        warnings.append(("unknown_value", f"行政相对人类别 {category!r} is not in lookups.party_type"))
    printed = raw.get("CF_XDR_SHXYM", "").strip()
    code = None if printed in NO_VALUE else printed
    representative = raw.get("CF_FRDB") or None
    return Built({
        "party": raw["CF_XDR_MC"],
        "party_type": party_type,
        "uscc": code,
        "uscc_masked": code is not None and uscc.is_masked(uscc.compact(code)),
        # The 双公示 fields carry no address.
        "address": None,
        # For 个体工商户 the field names the operator, a private person: kept in raw only.
        "legal_representative": representative if party_type == "organisation" else None,
    }, warnings)


def _common(raw: dict[str, str], lookups: Mapping[str, Mapping[str, str]]) -> Built:
    party = _party(raw, lookups)
    violated, applied = _laws(raw.get("CF_SY", ""), raw.get("CF_YJ", ""))
    return Built({
        "title": raw.get("CF_CFMC") or None,
        "decision_number": SPACES.sub(" ", raw["CF_WSH"]).strip(),
        "decision_number_norm": normalise_number(raw["CF_WSH"]),
        **party.fields,
        "authority": raw["CF_CFJG"],
        "authority_code": raw.get("CF_CFJGDM") or None,
        "decision_date": raw["CF_JDRQ"],
        "violation_type": raw.get("CF_WFXW") or None,
        "facts": raw.get("CF_SY") or None,
        "laws_violated": violated,
        "laws_applied": applied,
        "publicity_until": raw.get("CF_GSJZQ") or None,
        "raw": raw,
    }, party.warnings)


def penalty_fields(raw: dict[str, str], lookups: Mapping[str, Mapping[str, str]]) -> Built:
    """The fields of a penalty record (the names the 嘉兴 decisions use) from a detail page's CF_* fields."""
    common = _common(raw, lookups)
    warnings = list(common.warnings)
    types, unknown = penalty_type_codes(raw["CF_CFLB"], lookups.get("penalty_type", {}))
    warnings += [("unknown_value", f"处罚类别 {label!r} is in neither lookups.penalty_type nor penalty_types.yml")
                 for label in unknown]
    fine_shown = raw.get("CF_NR_FK", "")
    fine = wan_to_yuan(fine_shown)
    number = common.fields["decision_number"]
    if "fine" in types and fine is None:
        raise ValueError(f"{number}: 处罚类别 says 罚款 but 罚款金额（万元） is empty")
    stated = FINE_IN_CONTENT.search(raw["CF_NR"])
    if fine is not None and stated is not None:
        try:
            in_words = numerals.parse_amount(stated["amount"])
        except ValueError as exc:
            warnings.append(("inconsistent", f"{number}: 处罚内容 fine unreadable: {exc}"))
        else:
            if in_words != fine:
                warnings.append(("inconsistent", f"{number}: 罚款金额 {fine_shown} 万元 but 处罚内容 says "
                                 f"{stated['amount']!r}"))
    return Built({
        **common.fields,
        "fine_yuan": fine,
        "fine_text": f"{fine_shown}万元" if fine_shown else None,
        "confiscated_yuan": wan_to_yuan(raw.get("CF_NR_WFFF", ""), "没收违法所得、没收非法财物的金额（万元）"),
        "penalty_types": types,
        "penalty_content": raw["CF_NR"],
    }, warnings)


def correction_order_fields(raw: dict[str, str], lookups: Mapping[str, Mapping[str, str]]) -> Built:
    """The fields of a correction order (责令改正违法行为决定书) from a detail page's CF_* fields."""
    common = _common(raw, lookups)
    deadline = DEADLINE.search(raw["CF_NR"])
    return Built({
        **{k: v for k, v in common.fields.items() if k != "laws_applied"},
        "order_text": raw["CF_NR"],
        "deadline": numerals.parse_date(deadline["date"]).isoformat() if deadline else None,
    }, common.warnings)


# Record kind (the YAML's config.categories values) → how its fields are built.
BUILDERS: dict[str, Callable[[dict[str, str], Mapping[str, Mapping[str, str]]], Built]] = {
    "penalty": penalty_fields,
    "correction_order": correction_order_fields,
}


class SgsFormSpider(SourceSpider):
    """Crawl every page of every configured category of a 双公示 POST-form list, and each record's detail.

    The YAML gives the list path (`data.url`), the categories (`config.categories`: q_GGTJ value → record
    kind) and the lookups. A subclass may set `list_filters` (e.g. `{"q_XDRMC": "化工"}`) to crawl part of
    the list. `-a max_pages=N` stops a live crawl after N list pages per category.
    """

    CATEGORY_FIELD: ClassVar[str] = "q_GGTJ"
    PAGE_FIELD: ClassVar[str] = "P_CURRENT"
    list_filters: ClassVar[dict[str, str]] = {}
    max_pages: int | str | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._unknown_reported: set[str] = set()  # detail labels already reported in this crawl

    async def start(self) -> AsyncIterator[scrapy.Request]:
        categories: dict[str, str] = self.metadata["config"]["categories"]
        for category, kind in categories.items():
            if kind not in BUILDERS:
                raise ValueError(f"config.categories: {category} → {kind!r}, expected one of {list(BUILDERS)}")
            yield self.list_request(category, 1)

    def list_request(self, category: str, page: int) -> scrapy.FormRequest:
        form = {self.CATEGORY_FIELD: category, self.PAGE_FIELD: str(page), **self.list_filters}
        return scrapy.FormRequest(self.url(self.metadata["data"]["url"]), formdata=form, callback=self.parse_list,
                                  cb_kwargs={"category": category, "page": page})

    def page_text(self, response: Response) -> str:
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        return decode_page(response.body, content_type, self.metadata["encoding"])

    def parse_list(self, response: Response, category: str, page: int) -> Iterator[scrapy.Request]:
        listing = parse_list(self.page_text(response))
        if (listing.category, listing.current) != (category, page):
            raise ValueError(f"{response.url}: asked for {category} page {page}, the page is "
                             f"{listing.category} page {listing.current}")
        last = listing.pages if self.max_pages is None else min(listing.pages, int(self.max_pages))
        if page == 1 and not self.incremental:
            for number in range(2, last + 1):
                yield self.list_request(category, number)
        kind = self.metadata["config"]["categories"][category]
        known: list[bool] = []
        for row in listing.rows:
            url = response.urljoin(row["detail_path"])
            known.append(not self.wanted(url=url, key=normalise_number(row["CF_WSH"])))
            if not known[-1]:
                yield scrapy.Request(url, callback=self.parse_detail, cb_kwargs={"row": row, "kind": kind})
        # Incremental: newest first, one page at a time, until a page of decisions already known.
        if self.incremental and page < last and self.keep_paging(category, known):
            yield self.list_request(category, page + 1)

    def parse_detail(self, response: Response, row: dict[str, str], kind: str) -> Iterator[dict[str, Any]]:
        raw, unknown = parse_detail(self.page_text(response))
        for label in unknown:
            if label not in self._unknown_reported:
                self._unknown_reported.add(label)
                self.report_error("unknown_field", response.url, f"detail label {label!r} is new")
        built = BUILDERS[kind](raw, self.metadata.get("lookups", {}))
        fields = built.fields
        record_id = f"{self.name}:{fields['decision_number_norm']}"
        for report_kind, message in built.warnings:
            self.report_error(report_kind, response.url, message, record_id)
        if normalise_number(row["CF_WSH"]) != fields["decision_number_norm"]:
            self.report_error("inconsistent", response.url,
                              f"list row says {row['CF_WSH']!r}, detail page {fields['decision_number']!r}", record_id)
        fields["detail_id"] = row["id"]
        yield self.record(response, kind, fields["decision_number_norm"], fields)
