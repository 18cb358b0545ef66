"""MEE 生活垃圾焚烧发电厂自动监测数据公开平台: plants, furnaces / outlets and daily averages per pollutant."""

from __future__ import annotations

from crawlers.base.envsc import EnvscSignedJsonSpider


class NatEnvscIncinerationSpider(EnvscSignedJsonSpider):
    name = "nat_envsc_incineration"
