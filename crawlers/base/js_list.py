"""`JsListAttachmentSpider`: a column whose list is rendered by JavaScript and whose items are attachments.

Provincial department sites (广东省生态环境厅 `/bgtxzcf/`) publish penalties like this: the list page is an
HTML shell whose script fetches the list from a same-origin endpoint with a token it computes at run time
(from a nonce the shell carries and a secret the script assembles), and writes the list and a pager. Each
item is a short HTML note whose single attachment link (PDF or DOCX) is the decision itself.

Why the browser (style habit 9, "the JSON endpoint before the browser"): the endpoint exists but cannot be
used without the page's script. Its token depends on a secret that only appears, scrambled, inside the
script; calling the endpoint directly would mean copying the site's obfuscation into our code and
following every change of it. So list pages, and only list pages (a handful per crawl), are rendered in
Chromium (scrapy-playwright, `wait_for_selector` on the rendered pager); the notes and the attachments are
static files fetched with plain requests.

The crawl:

1. render list page 1 (the YAML's `data.url`); the rendered pager's `data-pages` gives the page count, and
   pages 2… (`index_N.html`, beside page 1) are rendered the same way;
2. request each item's note; it must link exactly one attachment of a known type;
3. request the attachment, read its text (`crawlers.helpers.documents`, strict, size-limited), parse it
   as a decision. The record cites the attachment response as its evidence (`url`, archive reference); the
   note's URL and title are kept in the fields. An attachment that cannot be read, or a note without one,
   is reported with the source, the URL and the record it would have been, and the crawl goes on.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, ClassVar
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

from crawlers.base import SourceSpider
from crawlers.base.trs_cms import decode_page
from crawlers.helpers import documents
from crawlers.helpers.penalty import NotADecisionError, normalise_number, parse_decision

# The 文号 in a note or a title: an issuer, the year in a bracket, the sequence and 号.
_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,8}(?:[（(][\u4e00-\u9fff]{1,3}[)）][\u4e00-\u9fff]{0,3})?"
    r"\s*[〔\[【(（]\s*\d{4}\s*[〕\]】)）]\s*\d+\s*号"
)


class JsListAttachmentSpider(SourceSpider):
    """Render each list page in Chromium, then fetch notes and attachments as plain HTTP.

    Set in the spider (defaults fit the 广东 layout): `list_ready_selector` (present once the script has
    rendered the list and pager), `pager_xpath` (the element carrying `data-page` and `data-pages`),
    `list_link_xpath`, `page_path` (path of list page N ≥ 2, relative to page 1's folder),
    `attachment_xpath` (links of a note), `title_xpath` (the note's title) and `attachment_types` (file
    extension → the type we read).
    """

    list_ready_selector: ClassVar[str] = "#pager[data-pages]"
    pager_xpath: ClassVar[str] = "//div[@id='pager']"
    list_link_xpath: ClassVar[str] = "//ul[@id='xzcf-list']/li/a[@href]"
    page_path: ClassVar[str] = "index_{page}.html"
    attachment_xpath: ClassVar[str] = "//div[@id='zoom']//a[contains(@href, '/attachment/')]"
    title_xpath: ClassVar[str] = "//meta[@name='ArticleTitle']/@content"
    attachment_types: ClassVar[dict[str, str]] = {"pdf": "pdf", "docx": "docx"}
    parse_document: ClassVar[Callable[[str], dict[str, Any]]] = staticmethod(parse_decision)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.list_request(self.url(self.metadata["data"]["url"]), 1)

    def list_request(self, url: str, page: int) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_list,
            errback=self.list_failed,
            cb_kwargs={"page": page},
            meta={"playwright": True,
                  "playwright_page_methods": [PageMethod("wait_for_selector", self.list_ready_selector)]},
        )

    def list_failed(self, failure: Failure) -> None:
        """A list page that did not render (the script failed, the endpoint refused): its items are lost."""
        request = failure.request  # type: ignore[attr-defined]
        self.report_error("list_page", request.url, f"list page {request.cb_kwargs['page']} did not render: "
                          f"{failure.value!r}")

    def parse_list(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        selector = scrapy.Selector(text=response.text)
        pagers = selector.xpath(self.pager_xpath)
        assert len(pagers) == 1, f"{response.url}: expected one pager at {self.pager_xpath}, found {len(pagers)}"
        current, total = pagers[0].attrib.get("data-page", ""), pagers[0].attrib.get("data-pages", "")
        assert current.isdigit() and total.isdigit(), f"{response.url}: pager says page {current!r} of {total!r}"
        if int(current) != page or not 1 <= page <= int(total):
            raise ValueError(f"{response.url}: rendered page {current} of {total}, expected page {page}")
        folder = response.url.rsplit("/", 1)[0]
        if page == 1 and not self.incremental:
            for number in range(2, int(total) + 1):
                yield self.list_request(f"{folder}/{self.page_path.format(page=number)}", number)
        links = selector.xpath(self.list_link_xpath)
        if not links:
            raise ValueError(f"{response.url}: no items at {self.list_link_xpath}")
        origin = urlsplit(response.url).netloc
        known: list[bool] = []
        for link in links:
            url = response.urljoin(link.attrib["href"])
            if urlsplit(url).netloc != origin:
                self.report_error("offsite_link", response.url, f"item links to another host: {url}")
                continue
            known.append(not self.wanted(url=url))
            if not known[-1]:
                yield scrapy.Request(url, callback=self.parse_note)
        # Incremental: newest first, one page at a time, until a page of notes already read.
        if self.incremental and page < int(total) and self.keep_paging("list", known):
            yield self.list_request(f"{folder}/{self.page_path.format(page=page + 1)}", page + 1)

    def _record_hint(self, title: str, text: str, url: str) -> str:
        """The record a note stands for, before its attachment is read: `<source>:<文号>`, else its URL."""
        found = _NUMBER.search(title) or _NUMBER.search(text)
        return f"{self.name}:{normalise_number(found.group(0))}" if found else f"{self.name}:{url}"

    def parse_note(self, response: Response) -> Iterator[scrapy.Request]:
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        page = decode_page(response.body, content_type, self.metadata["encoding"])
        selector = scrapy.Selector(text=page)
        titles = selector.xpath(self.title_xpath).getall()
        if not titles:
            raise ValueError(f"{response.url}: no title at {self.title_xpath}")
        title = titles[0].strip()
        record = self._record_hint(title, " ".join(selector.xpath("//body//text()").getall()), response.url)
        links = selector.xpath(self.attachment_xpath)
        if len(links) != 1:
            self.report_error("attachment", response.url,
                              f"{self.name}: expected one attachment link, found {len(links)}", record)
            return
        url = response.urljoin(links[0].attrib["href"])
        extension = urlsplit(url).path.rsplit(".", 1)[-1].lower()
        if extension not in self.attachment_types:
            self.report_error("attachment", url, f"{self.name}: attachment of unknown type .{extension} "
                              f"(note {response.url})", record)
            return
        yield scrapy.Request(url, callback=self.parse_attachment, errback=self.attachment_failed,
                             cb_kwargs={"page_url": response.url, "page_title": title, "record": record,
                                        "attachment_type": self.attachment_types[extension]})

    def attachment_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if self.unchanged(failure):
            return
        self.report_error("attachment", request.url, f"{self.name}: attachment of {request.cb_kwargs['page_url']} "
                          f"could not be fetched: {failure.value!r}", request.cb_kwargs["record"])

    def parse_attachment(self, response: Response, page_url: str, page_title: str, record: str,
                         attachment_type: str) -> Iterator[dict[str, Any]]:
        found = documents.sniff(response.body)
        if found != attachment_type:
            self.report_error("attachment", response.url, f"{self.name}: a .{attachment_type} link to content "
                              f"that looks like {found} (note {page_url})", record)
            return
        try:
            text = documents.text_of(response.body)
        except documents.DocumentError as error:
            self.report_error("attachment", response.url,
                              f"{self.name}: unreadable attachment of {page_url}: {error}", record)
            return
        try:
            fields = self.parse_document(text)
        except NotADecisionError as error:
            self.report_error("not_a_record", response.url, f"{error} (note {page_url})", record)
            return
        key = fields["decision_number_norm"]
        if record != f"{self.name}:{key}" and not record.endswith(page_url):
            self.report_error("mismatch", response.url, f"the note announces {record}, the attachment is {key}",
                              record)
        fields.update(source_page_title=page_title, page_url=page_url, attachment_url=response.url,
                      attachment_type=attachment_type)
        yield self.record(response, self.metadata["record_kind"], key, fields)
