"""浙江省重点排污单位自行监测信息公开平台: key dischargers' hourly / 2-hourly self-monitoring values."""

from __future__ import annotations

from crawlers.base.selfmonitoring import SelfMonitoringTableSpider


class ZjSthjtSelfmonitoringSpider(SelfMonitoringTableSpider):
    name = "zj_sthjt_selfmonitoring"
