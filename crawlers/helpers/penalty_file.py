"""`qingtian parse penalty FILE`: read one penalty decision from a file and print its fields as JSON.

The file may be an HTML page, a PDF or DOCX attachment, or plain text; which one is decided by its content
(`documents.sniff`), never by its name. HTML is decoded in the charset it declares (meta tag; GBK pages are
common) and reduced to its article body when it has a known one (TRS `div.TRS_Editor`, the `#zoom` of
Hanweb-style pages), else to the text of its `<body>`. Plain text must be UTF-8 or GB18030.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import scrapy

from crawlers.base.trs_cms import decode_page, html_lines
from crawlers.helpers import documents
from crawlers.helpers.correction_order import parse_correction_order
from crawlers.helpers.penalty import NotADecisionError, parse_decision

# Where publishers put the article body, most specific first.
ARTICLE_XPATHS = (
    "//div[contains(@class, 'TRS_Editor')]",
    "//div[@id='zoom']",
    "//div[contains(@class, 'article-content')]",
    "//body",
)
# Text files: UTF-8 (with or without BOM), else the Chinese national superset of GBK.
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")


class UnreadableFileError(ValueError):
    """A file we cannot turn into text: a legacy .doc, a damaged PDF, binary data."""


def html_text(data: bytes) -> str:
    """The article text of an HTML page, one paragraph a line."""
    try:
        page = decode_page(data, "", "utf-8")
    except (UnicodeDecodeError, LookupError) as exc:
        raise UnreadableFileError(f"an HTML page that does not decode in its declared charset: {exc}") from exc
    selector = scrapy.Selector(text=page)
    for xpath in ARTICLE_XPATHS:
        found = selector.xpath(xpath).getall()
        if len(found) == 1:
            return html_lines(found[0])
    raise UnreadableFileError("an HTML page without an article body or <body>")


def plain_text(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise UnreadableFileError("binary data, not a PDF, DOCX, HTML or text file")
    for encoding in TEXT_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFileError("text that is neither UTF-8 nor GB18030")


def file_text(data: bytes) -> tuple[str, str]:
    """(kind, text) of a file's content: kind is pdf, docx, html or text."""
    kind = documents.sniff(data)
    try:
        if kind in ("pdf", "docx"):
            return kind, documents.text_of(data)
        if kind == "html":
            return kind, html_text(data)
        if kind in ("doc", "xlsx"):
            documents.text_of(data)  # raises the readers' own message
            raise UnreadableFileError(f"a {kind.upper()} file is not a decision")
    except documents.DocumentError as exc:
        raise UnreadableFileError(str(exc)) from exc
    text = plain_text(data)
    if text.lstrip().startswith("<"):
        return "html", html_text(data)
    return "text", text


def parse_penalty_file(path: Path) -> dict[str, Any]:
    """The `parse_decision` fields of the decision in `path` (raises OSError, UnreadableFileError, ValueError)."""
    _, text = file_text(path.read_bytes())
    try:
        parse_correction_order(text)
    except ValueError:
        return parse_decision(text)
    raise NotADecisionError("not a penalty decision: an order to correct (责令改正…决定书) without a penalty")


def cmd_parse(args: argparse.Namespace) -> int:
    """`qingtian parse penalty FILE`: the decision's fields as JSON on stdout; errors on stderr, status 1."""
    path = Path(args.file)
    try:
        fields = parse_penalty_file(path)
    except OSError as exc:
        print(f"qingtian parse penalty: {path}: cannot read the file: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except UnreadableFileError as exc:
        print(f"qingtian parse penalty: {path}: not readable: {exc}", file=sys.stderr)
        return 1
    except NotADecisionError as exc:
        print(f"qingtian parse penalty: {path}: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:  # a decision whose structure surprises the parser
        print(f"qingtian parse penalty: {path}: not a penalty decision we can read: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(fields, ensure_ascii=False, indent=2))
    return 0
