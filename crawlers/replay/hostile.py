"""Hostile variant of the 嘉兴 penalty column, for reliability tests only (never registered in REPLICAS).

Tests serve it in place of `sthjj.jiaxing.gov.cn` (see tests/reliability/conftest.py). It is the real
column with five decisions rewritten the way a compromised or careless CMS could publish them:

- `script`: the party's name and address carry `<script>`, an `onerror` attribute and a `javascript:`
  link as text (escaped in the page, so they reach the record as characters), and the page itself carries
  live markup: an inline script, an `<img onerror>`, a `javascript:` link and an `<iframe>`.
- `bidi`: the party's name holds a right-to-left override (U+202E … U+202C) and an isolate (U+2067).
- `huge`: a facts paragraph of 1,000,000 characters.
- `controls`: NUL and other C0 control characters in the name and address (raw bytes in valid UTF-8).
- `bad_utf8`: a page declared UTF-8 that contains bytes that are not UTF-8 (and a CESU-8 surrogate).

Every payload that runs sets `window.__pwned` or opens a dialog, which the browser tests watch for.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cached_property

from crawlers.replay import world
from crawlers.replay.penalties import JiaxingPenaltyColumn, Page
from crawlers.replay.server import Response

SCRIPT_NAME = '嘉兴<script>window.__pwned="name";alert("name")</script>毒物化工有限公司'
SCRIPT_ADDRESS = ('浙江省嘉兴市<img src=x onerror="window.__pwned=\'address\';alert(1)">南湖路1号'
                  '<a href="javascript:alert(\'address\')">javascript:alert(1)</a>')
BIDI_NAME = "嘉兴\u202e司公限有工化\u202c\u2067桐乡\u2069有限公司"
CONTROL_NAME = "嘉兴\x00空字符\x07控制\x1b[31m化工有限公司"
HUGE_LENGTH = 1_000_000
# Raw markup added to the article of the `script` page, inside the article body and outside it.
LIVE_MARKUP = (
    '<script>window.__pwned="page";alert("page")</script>'
    '<p><img src="x" onerror="window.__pwned=\'img\';alert(\'img\')"></p>'
    '<p><a href="javascript:window.__pwned=\'link\'" id="js-link">点此查看</a></p>'
    '<iframe src="javascript:parent.__pwned=\'iframe\'"></iframe>'
    '<svg onload="window.__pwned=\'svg\'"><script>window.__pwned="svg-script"</script></svg>'
)
# The five decisions rewritten, by world enterprise key of their party (each has one decision in the column).
TARGETS = {"e18": "script", "e24": "bidi", "e30": "huge", "e34": "controls", "e46": "bad_utf8"}


class HostileJiaxingColumn(JiaxingPenaltyColumn):
    """The 嘉兴 column with the hostile decisions of this module's docstring."""

    @cached_property
    def pages(self) -> dict[str, Page]:
        pages = dict(JiaxingPenaltyColumn.pages.func(self))  # type: ignore[attr-defined]
        targets = {world.by_key(key).name: (world.by_key(key), variant) for key, variant in TARGETS.items()}
        for path, page in pages.items():
            if page.party in targets and any("行政处罚决定书" in p for p in page.paragraphs[:2]):
                pages[path] = self.rewrite(page, *targets[page.party])
        return pages

    def rewrite(self, page: Page, enterprise: world.Enterprise, variant: str) -> Page:
        name = page.party
        if variant == "script":
            new, address = SCRIPT_NAME, SCRIPT_ADDRESS
        elif variant == "bidi":
            new, address = BIDI_NAME, enterprise.address
        elif variant == "controls":
            new, address = CONTROL_NAME, enterprise.address + "\x00\x0b"
        else:
            new, address = name, enterprise.address
        paragraphs = [p.replace(name, new).replace(enterprise.address, address) for p in page.paragraphs]
        if variant == "huge":
            at = next(i for i, p in enumerate(paragraphs) if p.startswith("一、"))
            paragraphs.insert(at + 1, "经查，" + "污" * HUGE_LENGTH + "。")
        return replace(page, title=page.title.replace(name, new), paragraphs=tuple(paragraphs), party=new,
                       encoding=f"hostile-{variant}")

    def article(self, page: Page) -> Response:
        if not page.encoding.startswith("hostile-"):
            return super().article(page)
        variant = page.encoding.removeprefix("hostile-")
        response = super().article(replace(page, encoding="utf-8"))
        body = response.encoded()
        if variant == "script":
            body = body.replace(b'<div class="article-tools">', LIVE_MARKUP.encode() + b'<div class="article-tools">')
            body = body.replace(b"<strong>", b"<strong>" + LIVE_MARKUP.encode(), 1)
        elif variant == "bad_utf8":
            # Latin-1 bytes and an encoded surrogate (CESU-8) in a page that says it is UTF-8.
            body = body.replace("行政处罚决定书".encode(), "行政处罚决定书".encode() + b"\xff\xfe\xed\xa0\x80", 1)
        return Response(body, content_type="text/html; charset=utf-8")
