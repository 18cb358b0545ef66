"""`TrsCmsColumnSpider`: a column of a TRS WCM (拓尔思) site, the CMS behind most bureau websites.

A TRS column is static: `index.shtml` is page 1, `index_1.shtml` page 2 and so on; the page count is only
in the pager script, `createPageHTML(total, current, "index", "shtml")`. Each list item links (usually
relatively, `./202510/t20251015_5512345.shtml`) to one article whose text sits in `div.TRS_Editor`.
Articles are penalty decisions here, parsed by `crawlers.helpers.penalty.parse_decision`; orders to
correct (责令改正违法行为决定书, recognised by their heading) by `crawlers.helpers.correction_order`; and a
county page whose article is a table of cases (its header names 案件名称) gives one record a row
(`crawlers.helpers.penalty_table`). Notices that follow decisions up (re-inspections, fines paid, credit
repair), recognised by the headings in the YAML's `lookups.rectification`, give one `rectification_event`
a decision they name (`crawlers.helpers.rectification`). Other tables (summaries of decisions published one
by one) are not records: they are reported as `not_a_record` and skipped.

Old TRS sites serve GBK; some say so in the Content-Type, some only in a meta tag, some nowhere. Pages are
decoded with the charset actually declared (header, else meta, else the source YAML's `encoding`), and
strictly: a page that does not decode is an error, not mojibake.
"""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Callable, Iterator
from functools import cached_property
from typing import Any, ClassVar, NamedTuple
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response

from crawlers.base import SourceSpider
from crawlers.helpers.correction_order import parse_correction_order
from crawlers.helpers.penalty import NotADecisionError, parse_decision, signature, text_lines
from crawlers.helpers.penalty_table import is_case_table, parse_case_table
from crawlers.helpers.rectification import Lookups, notice_type, parse_notice

_PAGER = re.compile(
    r"""createPageHTML\(\s*(?P<total>\d+)\s*,\s*(?P<current>\d+)\s*,\s*["'](?P<stem>[\w-]+)["']\s*,"""
    r"""\s*["'](?P<ext>\w+)["']\s*\)"""
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*(?P<charset>[\w-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?(?P<charset>[\w-]+)", re.IGNORECASE)
# Block ends and line breaks become newlines; every other tag disappears.
_BREAK = re.compile(r"<br\s*/?>|</(?:p|div|h\d|li|tr|td|th|table)\s*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
# GB2312 and GBK pages routinely contain characters only GB18030 (their superset) defines.
_CHARSET_ALIASES = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "utf8": "utf-8"}
_CORRECTION_HEADING = re.compile(r"责令(?:限期)?改正(?:违法行为)?决定书$")


def declared_charset(content_type: str, body: bytes, default: str) -> str:
    """The charset the server declares in Content-Type, else the page in a meta tag, else `default`."""
    header = _HEADER_CHARSET.search(content_type or "")
    meta = _META_CHARSET.search(body[:4096])
    charset = (header.group("charset") if header else
               meta.group("charset").decode("ascii") if meta else default)
    return _CHARSET_ALIASES.get(charset.lower(), charset.lower())


def decode_page(body: bytes, content_type: str, default: str) -> str:
    """The page as text in its declared charset; undecodable bytes raise UnicodeDecodeError."""
    return body.decode(declared_charset(content_type, body, default), errors="strict")


class Pager(NamedTuple):
    total: int  # pages in the column
    current: int  # 0-based
    stem: str  # "index": page N > 0 is <stem>_N.<ext>
    ext: str


def pager(text: str) -> Pager:
    """The column's createPageHTML(total, current, stem, ext) call; a list page without one is an error."""
    match = _PAGER.search(text)
    if match is None:
        raise ValueError("no createPageHTML(total, current, …) pager on the column page")
    found = Pager(int(match.group("total")), int(match.group("current")), match.group("stem"), match.group("ext"))
    if not 0 <= found.current < found.total:
        raise ValueError(f"pager says page {found.current} of {found.total}")
    return found


def html_lines(fragment: str) -> str:
    """Plain text of an HTML fragment, one paragraph (or <br/> line, or table cell) a line."""
    text = _TAG.sub("", _BREAK.sub("\n", _SCRIPT.sub("", fragment)))
    lines = (_SPACES.sub(" ", html.unescape(line)).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def article_tables(page: str, xpath: str) -> list[list[list[str]]]:
    """The tables inside the article body at `xpath`: rows of cell texts (th and td alike)."""
    return [[[html_lines(cell) for cell in row.xpath("./th|./td").getall()] for row in table.xpath(".//tr")]
            for table in scrapy.Selector(text=page).xpath(f"{xpath}//table")]


def article_text(page: str, xpath: str) -> str:
    """The text of the article body selected by `xpath`; a page without one is an error."""
    fragments = scrapy.Selector(text=page).xpath(xpath).getall()
    if len(fragments) != 1:
        raise ValueError(f"expected one article body at {xpath}, found {len(fragments)}")
    return html_lines(fragments[0])


class TrsCmsColumnSpider(SourceSpider):
    """Crawl every page of a TRS column and parse each article it lists.

    Set in the spider: `list_link_xpath` (the item links of a list page), optionally `article_xpath`
    and `title_xpath`. The column's first page is the YAML's `data.url`; records are of the YAML's
    `record_kind`, keyed by the decision number.
    """

    list_link_xpath: ClassVar[str] = "//ul[contains(@class, 'list')]/li/a[@href]"
    article_xpath: ClassVar[str] = "//div[contains(@class, 'TRS_Editor')]"
    title_xpath: ClassVar[str] = "//meta[@name='ArticleTitle']/@content"
    # Text → fields. A staticmethod so that the parser is not bound as a method.
    parse_document: ClassVar[Callable[[str], dict[str, Any]]] = staticmethod(parse_decision)
    # Documents other than the YAML's record_kind, told apart by their heading: (heading, kind, parser).
    other_documents: ClassVar[tuple[tuple[re.Pattern[str], str, Callable[[str], dict[str, Any]]], ...]] = (
        (_CORRECTION_HEADING, "correction_order", parse_correction_order),
    )

    event_kind: ClassVar[str] = "rectification_event"

    @cached_property
    def rectification_lookups(self) -> Lookups | None:
        """The YAML's `lookups.rectification`; None: the column publishes no follow-up notices."""
        spec = self.metadata.get("lookups", {}).get("rectification")
        return Lookups.from_yaml(spec) if spec is not None else None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield scrapy.Request(self.url(self.metadata["data"]["url"]), callback=self.parse_list,
                             cb_kwargs={"page": 0})

    def page_text(self, response: Response) -> str:
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        return decode_page(response.body, content_type, self.metadata["encoding"])

    def parse_list(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        text = self.page_text(response)
        found = pager(text)
        if found.current != page:
            raise ValueError(f"{response.url}: pager says page {found.current}, expected {page}")
        # index.shtml → index_1.shtml … index_{total-1}.shtml, beside the first page
        folder = response.url.rsplit("/", 1)[0]
        if page == 0 and not self.incremental:
            for number in range(1, found.total):
                yield scrapy.Request(f"{folder}/{found.stem}_{number}.{found.ext}", callback=self.parse_list,
                                     cb_kwargs={"page": number})
        links = scrapy.Selector(text=text).xpath(self.list_link_xpath)
        if not links:
            raise ValueError(f"{response.url}: no items at {self.list_link_xpath}")
        origin = urlsplit(response.url).netloc
        known: list[bool] = []
        for link in links:
            url = response.urljoin(link.attrib["href"])
            if urlsplit(url).netloc != origin:
                # Some columns link to items republished from other sites; they are not this source's.
                self.report_error("offsite_link", response.url, f"item links to another host: {url}")
                continue
            known.append(not self.wanted(url=url))
            if not known[-1]:
                yield scrapy.Request(url, callback=self.parse_article)
        # Incremental: newest first, one page at a time, until a page of items fetched before.
        if self.incremental and page + 1 < found.total and self.keep_paging("list", known):
            yield scrapy.Request(f"{folder}/{found.stem}_{page + 1}.{found.ext}", callback=self.parse_list,
                                 cb_kwargs={"page": page + 1})

    def document_kind(self, text: str) -> tuple[str, Callable[[str], dict[str, Any]]]:
        """The record kind and parser for an article, by its heading (one of its first lines)."""
        for line in text_lines(text)[:4]:
            for heading, kind, parse in self.other_documents:
                if heading.search(line):
                    return kind, parse
        return self.metadata["record_kind"], self.parse_document

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        text = self.page_text(response)
        body = article_text(text, self.article_xpath)
        titles = scrapy.Selector(text=text).xpath(self.title_xpath).getall()
        if not titles:
            raise ValueError(f"{response.url}: no article title at {self.title_xpath}")
        tables = article_tables(text, self.article_xpath)
        lookups = self.rectification_lookups
        if lookups is not None and notice_type(body, lookups) is not None:
            for key, fields in parse_notice(body, tables, lookups):
                fields["source_page_title"] = titles[0].strip()
                yield self.record(response, self.event_kind, key, fields)
            return
        case_tables = [t for t in tables if is_case_table(t)]
        if case_tables:
            yield from self.parse_case_tables(response, body, case_tables, titles[0].strip())
            return
        kind, parse = self.document_kind(body)
        try:
            fields = parse(body)
        except NotADecisionError as error:
            # Columns also carry summaries and notices; they are known, reported and skipped.
            self.report_error("not_a_record", response.url, str(error))
            return
        fields["source_page_title"] = titles[0].strip()
        yield self.record(response, kind, fields["decision_number_norm"], fields)

    def parse_case_tables(self, response: Response, body: str, tables: list[list[list[str]]],
                          title: str) -> Iterator[dict[str, Any]]:
        """One record per row of a county case table; the page's closing signature is the authority."""
        closing = signature(text_lines(body), 0)
        if closing is None:
            raise ValueError(f"{response.url}: a case table without the signing bureau and date")
        for table in tables:
            for fields in parse_case_table(table, closing[0]):
                fields["source_page_title"] = title
                yield self.record(response, self.metadata["record_kind"], fields["decision_number_norm"], fields)
