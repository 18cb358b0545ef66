"""信用中国 行政处罚: administrative penalties in the national 双公示 exchange, searched enterprise by enterprise."""

from __future__ import annotations

from crawlers.base.creditchina import CreditChinaSearchSpider


class NatCreditchinaPenaltiesSpider(CreditChinaSearchSpider):
    name = "nat_creditchina_penalties"
