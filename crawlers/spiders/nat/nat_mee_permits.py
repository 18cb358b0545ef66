"""排污许可证 from the national permit platform's public list (全国排污许可证管理信息平台 公开端)."""

from __future__ import annotations

from crawlers.base.mee_permit import MeePermitSpider


class NatMeePermitsSpider(MeePermitSpider):
    name = "nat_mee_permits"
