"""广东省生态环境厅 › 行政处罚: penalty decisions of the Guangdong ecology department (JS list, attachments)."""

from __future__ import annotations

from crawlers.base.js_list import JsListAttachmentSpider


class GdSthjtPenaltiesSpider(JsListAttachmentSpider):
    name = "gd_sthjt_penalties"
