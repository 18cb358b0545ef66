"""江苏省生态环境厅 双公示 › 行政处罚: penalties and correction orders of Jiangsu's ecology bureaux (POST form)."""

from __future__ import annotations

from crawlers.base.sgs_form import SgsFormSpider


class JsSthjtSgsPenaltiesSpider(SgsFormSpider):
    name = "js_sthjt_sgs_penalties"
