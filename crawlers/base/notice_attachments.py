"""`NoticeAttachmentSpider`: a notice column whose records live in the attachments of some of its notices.

Lists such as the environmental credit ratings (企业环境信用评价结果) or the compulsory cleaner-production
audit lists (强制性清洁生产审核企业名单) are published as a notice (通知, with a 文号 and a date) in a
department's notice column, the list itself an XLSX, DOCX or PDF attachment. The crawl:

1. pages the column. The platform is Hanweb (大汉) JCMS, the CMS of most Zhejiang government sites:
   `/col/col<id>/index.html` holds a jpage unit `<div id="<unitid>"><script type="text/xml"><datastore>`
   whose `<record>`s are CDATA list items, with `<totalpage>`; page N is `index.html?uid=<unitid>&pageNum=N`;
2. picks notices by title: a title must match one of the YAML's `config.notices.include` patterns and
   none of `config.notices.exclude` (drafts for comment, 拟评 results). The year of the list is the
   first `YYYY年` of the title;
3. downloads every attachment linked from a picked notice. The download script serves everything as
   `application/octet-stream` (and a missing file as an HTML page with status 200), so an attachment is
   read by what its content is (`crawlers.helpers.documents.sniff`), never by its name or Content-Type;
4. finds the list in the attachment's tables: the header is the first row whose labels, looked up in the
   YAML's `lookups.columns`, include every one of `config.required_columns`; in a PDF the table goes on
   over the following pages without its header (tables of the same width are its continuation). Labels
   the lookup does not know are reported once per crawl; columns mapped to `null` are known and not kept;
5. turns each row into a record: the enterprise's name, code (as printed) and place are read here, the
   rest by the spider's `parse_row`. A row without a name is reported and skipped (in the lists seen it
   is the wrapped end of the row above, not an enterprise). The record is built from, and cites, the
   attachment's response: the attachment is the evidence, the notice only says what it is.

A broken attachment (truncated zip, HTML in place of a file, legacy .xls) is reported with the notice it
belongs to; the crawl goes on with the other notices.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import date
from typing import Any, ClassVar, NamedTuple

import scrapy
from scrapy.http import Response

from crawlers.base import SourceSpider
from crawlers.base.trs_cms import html_lines
from crawlers.helpers import uscc
from crawlers.helpers.documents import DocumentError, Table, docx_tables, pdf_tables, sniff, xlsx_rows

_UNIT = re.compile(r"""<div\s+id=["']?(?P<unit>\d+)["']?\s*>\s*<script\s+type=["']text/xml["']>""")
_DATASTORE = re.compile(r"<datastore>(?P<body>.*?)</datastore>", re.DOTALL)
_TOTAL_PAGES = re.compile(r"<totalpage>\s*(?P<n>\d+)\s*</totalpage>")
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(?P<html>.*?)\]\]>\s*</record>", re.DOTALL)
_PUB_DATE = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
# 文号: issuer abbreviation, year in brackets of any kind, number: 浙环函〔2025〕66号.
_NOTICE_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}\s*[〔\[【(（]\s*(?:19|20)\d{2}\s*[〕\]】)）]\s*\d+\s*号")
_YEAR = re.compile(r"(?P<year>(?:19|20)\d{2})\s*年")
_WHITESPACE = re.compile(r"\s+")
# 所在地 as one cell: the prefecture-level city, then the county (县, 县级市 or 区).
_LOCATION = re.compile(r"^(?P<city>[^市]+市)(?P<county>.*)$")
_LIST_SEPARATORS = re.compile(r"[；;、，,\n]+")
# A category cell: 双有（使用有毒有害原料、排放有毒有害物质）, brackets separate like commas (after NFKC).
_CODE_SEPARATORS = re.compile(r"[;、,()/]+")
_DATE_YMD = re.compile(r"^(?P<y>\d{4})\s*[年\-/.]\s*(?P<m>\d{1,2})\s*[月\-/.]\s*(?P<d>\d{1,2})\s*日?"
                       r"(?:\s*00:00(?::00)?)?\s*(?:前|之前|以前)?$")
_DATE_MONTH_END = re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?:底|末)\s*(?:前|之前|以前)?$")
# Office and PDF text carry non-breaking and zero-width spaces as well.
_INVISIBLE = str.maketrans("", "", "\u200b\ufeff")


class Problem(NamedTuple):
    """A non-fatal problem found while reading an attachment, for the crawl report."""

    kind: str  # unknown_column | unknown_value | row_without_name | row_too_long | duplicate
    error: str
    key: str | None = None  # the record key it concerns, if any


class Notice(NamedTuple):
    url: str
    title: str
    number: str | None  # 文号
    date: str  # ISO publication date
    year: int  # the year of the list, from the title


class Attachment(NamedTuple):
    kind: str  # xlsx | docx | pdf
    records: list[tuple[str, dict[str, Any]]]  # (key, fields)
    problems: list[Problem]


Note = Callable[[str, str], None]  # (problem kind, message) about the row being parsed


def normalise(text: str) -> str:
    """A label or value as compared with the YAML: NFKC (full-width → ASCII), no whitespace at all."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text).translate(_INVISIBLE))


def cell(value: str | None) -> str | None:
    """A cell's text, stripped; empty cells are None."""
    if value is None:
        return None
    value = value.translate(_INVISIBLE).strip()
    return value or None


def lookup_table(spec: dict[str, Any], name: str) -> dict[str, str | None]:
    """A zavod-style lookup (`options: [{match: [...], value: ...}]`) as normalised label → value."""
    table: dict[str, str | None] = {}
    for option in spec["options"]:
        matches = option["match"] if isinstance(option["match"], list) else [option["match"]]
        for label in matches:
            key = normalise(str(label))
            if key in table:
                raise ValueError(f"lookups.{name}: {label!r} is listed twice")
            table[key] = option["value"]
    return table


def read_tables(data: bytes) -> tuple[str, list[Table]]:
    """The attachment's kind and its tables (an XLSX's first sheet is one table); DocumentError if unreadable."""
    kind = sniff(data)
    if kind == "xlsx":
        return kind, [xlsx_rows(data)]
    if kind == "docx":
        return kind, docx_tables(data)
    if kind == "pdf":
        return kind, pdf_tables(data)
    if kind == "html":
        raise DocumentError("an HTML page where the attachment should be (the server's 'file not found' page?)")
    if kind == "doc":
        raise DocumentError("legacy binary Office file (.doc/.xls): not supported")
    if data.startswith(b"PK\x03\x04"):
        raise DocumentError(f"a zip container that does not open ({len(data)} bytes): truncated or damaged")
    raise DocumentError(f"content is neither PDF, DOCX nor XLSX (starts {data[:8]!r})")


def header_map(row: list[str | None], columns: dict[str, str | None]) -> dict[int, str | None]:
    """Cell position → field (None for a known column we do not keep) for the labels the lookup knows."""
    return {i: columns[normalise(label)] for i, label in enumerate(row)
            if label is not None and normalise(label) in columns}


def list_rows(tables: list[Table], columns: dict[str, str | None],
              required: list[str]) -> tuple[list[dict[str, str | None]], list[str]]:
    """The list's rows as field → cell text, and the header labels the lookup does not know.

    Raises DocumentError when no table has a header with every required column.
    """
    rows: list[dict[str, str | None]] = []
    unknown: list[str] = []
    header: dict[int, str | None] | None = None
    width = 0
    for table in tables:
        start = None
        for index, row in enumerate(table):
            found = header_map(row, columns)
            if set(required) <= {f for f in found.values() if f is not None}:
                start, header, width = index + 1, found, len(row)
                unknown += [label for i, label in enumerate(row) if cell(label) is not None and i not in found]
                break
        if start is None:
            if header is None or not table or len(table[0]) != width:
                continue  # before the list, or another table: not a continuation
            start = 0
        assert header is not None
        for row in table[start:]:
            values = [cell(v) for v in row]
            if not any(values):
                continue
            extra = [v for i, v in enumerate(values) if i >= width and v is not None]
            if extra:
                raise DocumentError(f"a row has cells beyond the header's {width} columns: {values}")
            rows.append({field: values[i] if i < len(values) else None
                         for i, field in header.items() if field is not None})
    if header is None:
        raise DocumentError(f"no table with the columns {required} (lookups.columns)")
    return rows, unknown


def split_list(text: str | None) -> list[str]:
    """A cell listing several things (主要问题: 废水超标排放；危险废物管理不规范) as a list."""
    if text is None:
        return []
    return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]


def parse_deadline(text: str | None) -> str | None:
    """An ISO date from 2025-12-31 00:00:00 (an Excel date), 2026年6月30日前 or 2026年12月底前.

    Raises ValueError for a shape it does not know; None for an empty cell.
    """
    if text is None:
        return None
    value = normalise(text).replace("00:00:00", "")
    match = _DATE_YMD.match(value)
    if match is not None:
        return date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
    match = _DATE_MONTH_END.match(value)
    if match is not None:
        year, month = int(match["y"]), int(match["m"])
        return date(year, month, calendar.monthrange(year, month)[1]).isoformat()
    raise ValueError(f"deadline {text!r} is not a date we know how to read")


def identity(printed: str | None, name: str) -> str:
    """The key part naming the enterprise: its code when the printed code is valid, else its name."""
    checked = uscc.check(printed)
    return checked.code if checked.code is not None else normalise(name)


class NoticeAttachmentSpider(SourceSpider):
    """Page a Hanweb notice column, pick notices by title, and read the list in their attachments.

    The YAML gives `data.url` (the column), `config.notices.include`/`exclude` (title regexes),
    `config.required_columns`, `lookups.columns` and any lookups `parse_row` uses. A spider sets
    nothing else but `parse_row`: the row's remaining cells (field → text) → the record's own fields,
    popping what it uses; `note(kind, message)` reports a problem with the row.
    """

    record_link_xpath: ClassVar[str] = "//li/a[@href]"
    article_xpath: ClassVar[str] = "//div[@id='zoom']"
    attachment_xpath: ClassVar[str] = "//div[@id='zoom']//a[contains(@href, '/module/download/downfile.jsp')]"
    number_xpath: ClassVar[str] = "//table[contains(@class, 'xxgk')]//td[normalize-space()='文号：']" \
                                  "/following-sibling::td[1]//text()"

    def parse_row(self, row: dict[str, str | None], note: Note) -> dict[str, Any]:
        raise NotImplementedError

    # ---- configuration from the YAML

    @property
    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = self.metadata["config"]
        return config

    def lookup(self, name: str) -> dict[str, str | None]:
        cache: dict[str, dict[str, str | None]] = self.__dict__.setdefault("_lookups", {})
        if name not in cache:
            cache[name] = lookup_table(self.metadata["lookups"][name], name)
        return cache[name]

    def lookup_value(self, name: str, printed: str | None, note: Note) -> str | None:
        """The code for a printed label; an unknown label is reported and gives None."""
        if printed is None:
            return None
        table = self.lookup(name)
        key = normalise(printed)
        if key not in table:
            note("unknown_value", f"{printed!r} is not in lookups.{name}")
            return None
        return table[key]

    def lookup_codes(self, name: str, printed: str | None, note: Note) -> list[str]:
        """The codes of every part of a category cell, in order, once each; parts mapped to null are
        known headings (双超, 双有) and give no code; unknown parts are reported."""
        codes: list[str] = []
        for part in _CODE_SEPARATORS.split(normalise(printed or "")):
            code = self.lookup_value(name, part, note) if part else None
            if code is not None and code not in codes:
                codes.append(code)
        return codes

    def read_date(self, printed: str | None, note: Note) -> str | None:
        """`parse_deadline`, with a shape it does not know reported and read as None."""
        try:
            return parse_deadline(printed)
        except ValueError as error:
            note("unknown_value", str(error))
            return None

    def title_wanted(self, title: str) -> bool:
        notices = self.config["notices"]
        return (any(re.search(p, title) for p in notices["include"])
                and not any(re.search(p, title) for p in notices.get("exclude", [])))

    # ---- the crawl

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.url(self.metadata["data"]["url"]), callback=self.parse_list,
                             cb_kwargs={"page": 1})

    def parse_list(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        text = self.decode(response)
        unit = _UNIT.search(text)
        store = _DATASTORE.search(text)
        if unit is None or store is None:
            raise ValueError(f"{response.url}: no jpage unit <div id=…><script type=text/xml><datastore>")
        total = _TOTAL_PAGES.search(store["body"])
        if total is None:
            raise ValueError(f"{response.url}: the datastore has no <totalpage>")
        column = response.url.split("?", 1)[0]
        if page == 1 and not self.incremental:
            for number in range(2, int(total["n"]) + 1):
                yield scrapy.Request(f"{column}?uid={unit['unit']}&pageNum={number}", callback=self.parse_list,
                                     cb_kwargs={"page": number})
        records = _RECORD.findall(store["body"])
        if not records:
            raise ValueError(f"{response.url}: page {page} lists no records")
        known: list[bool] = []
        for record in records:
            links = scrapy.Selector(text=record).xpath(self.record_link_xpath)
            if len(links) != 1:
                raise ValueError(f"{response.url}: a record without exactly one link: {record!r}")
            title = (links[0].attrib.get("title") or "".join(links[0].xpath(".//text()").getall())).strip()
            if self.title_wanted(title):
                url = response.urljoin(links[0].attrib["href"])
                known.append(not self.wanted(url=url))
                if not known[-1]:
                    yield scrapy.Request(url, callback=self.parse_notice)
        # Incremental: newest first, one page at a time, until a page whose wanted notices were all read.
        if self.incremental and page < int(total["n"]) and self.keep_paging("list", known):
            yield scrapy.Request(f"{column}?uid={unit['unit']}&pageNum={page + 1}", callback=self.parse_list,
                                 cb_kwargs={"page": page + 1})

    def parse_notice(self, response: Response) -> Iterator[scrapy.Request]:
        text = self.decode(response)
        page = scrapy.Selector(text=text)
        title = (page.xpath("//meta[@name='ArticleTitle']/@content").get() or "").strip()
        published = _PUB_DATE.match((page.xpath("//meta[@name='PubDate']/@content").get() or "").strip())
        bodies = page.xpath(self.article_xpath).getall()
        if not title or published is None or len(bodies) != 1:
            raise ValueError(f"{response.url}: not a notice page (ArticleTitle, PubDate, one {self.article_xpath})")
        year = _YEAR.search(title)
        if year is None:
            self.report_error("not_a_record", response.url, f"no year in the notice title {title!r}")
            return
        printed_number = "".join(page.xpath(self.number_xpath).getall()).strip()
        number = _NOTICE_NUMBER.search(printed_number or html_lines(bodies[0]))
        notice = Notice(response.url, title, number.group(0) if number else None, published["date"],
                        int(year["year"]))
        links = page.xpath(self.attachment_xpath)
        if not links:
            self.report_error("no_attachment", response.url, f"notice 《{title}》 links no attachment",
                              f"{self.name}:{notice.year}")
            return
        for link in links:
            yield scrapy.Request(response.urljoin(link.attrib["href"]), callback=self.parse_attachment_response,
                                 cb_kwargs={"notice": notice})

    def parse_attachment_response(self, response: Response, notice: Notice) -> Iterator[dict[str, Any]]:
        try:
            parsed = self.parse_attachment(response.body, notice, response.url)
        except DocumentError as error:
            self.report_error("attachment", response.url,
                              f"{error}; attachment of notice 《{notice.title}》 ({notice.number}) {notice.url}",
                              f"{self.name}:{notice.year}")
            return
        reported: set[str] = self.__dict__.setdefault("_reported_columns", set())
        for problem in parsed.problems:
            if problem.kind == "unknown_column":
                if problem.error in reported:
                    continue
                reported.add(problem.error)
            record_id = f"{self.name}:{problem.key}" if problem.key is not None else None
            self.report_error(problem.kind, response.url, problem.error, record_id)
        for key, fields in parsed.records:
            yield self.record(response, self.metadata["record_kind"], key, fields)

    # ---- parsing (no network: tests call it on replica attachments)

    def parse_attachment(self, data: bytes, notice: Notice, url: str) -> Attachment:
        """The records of one attachment and the problems met; DocumentError if it holds no readable list."""
        kind, tables = read_tables(data)
        rows, unknown = list_rows(tables, self.lookup("columns"), self.config["required_columns"])
        problems = [Problem("unknown_column", f"column {label!r} is not in lookups.columns") for label in unknown]
        records: list[tuple[str, dict[str, Any]]] = []
        seen: set[str] = set()
        for row in rows:
            name = row.pop("enterprise_name", None)
            if name is None:
                problems.append(Problem("row_without_name", f"a row without an enterprise name: {row}"))
                continue
            printed = row.pop("uscc", None)
            key = f"{notice.year}:{identity(printed, name)}"

            def note(kind: str, message: str, key: str = key) -> None:
                problems.append(Problem(kind, message, key))

            city, county = row.pop("city", None), row.pop("county", None)
            location = row.pop("location", None)
            if location is not None:
                match = _LOCATION.match(normalise(location))
                if match is None:
                    note("unknown_value", f"所在地 {location!r} does not read as <city>市<county>")
                else:
                    city, county = match["city"], match["county"] or None
            own = self.parse_row(row, note)
            if row:
                raise ValueError(f"{self.name}: columns {sorted(row)} are mapped in lookups.columns but not used")
            if key in seen:
                note("duplicate", f"{name} is listed twice in the {notice.year} list")
                continue
            seen.add(key)
            records.append((key, {
                "year": notice.year, "enterprise_name": name, "uscc": printed, "city": city, "county": county,
                **own,
                "notice_number": notice.number, "notice_title": notice.title, "notice_date": notice.date,
                "notice_url": notice.url, "attachment_url": url, "attachment_type": kind,
            }))
        return Attachment(kind, records, problems)
