"""嘉兴市生态环境局 信息公开 › 行政处罚: penalty decisions of the Jiaxing ecology bureau (TRS column)."""

from __future__ import annotations

from typing import ClassVar

from crawlers.base.trs_cms import TrsCmsColumnSpider


class ZjJxsthjPenaltiesSpider(TrsCmsColumnSpider):
    name = "zj_jxsthj_penalties"
    list_link_xpath: ClassVar[str] = "//ul[contains(@class, 'xxgk-list')]/li/a[@href]"
