"""Every spider follows the project's rules: name = file stem = YAML stem, metadata complete, thin on a base."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from scrapy.utils.misc import walk_modules_iter
from scrapy.utils.spider import iter_spider_classes

from crawlers.base import REQUIRED_METADATA, SourceSpider
from crawlers.replay.server import REPLICAS

SPIDER_CLASSES = sorted(
    {cls for module in walk_modules_iter("crawlers.spiders") for cls in iter_spider_classes(module)},
    key=lambda cls: cls.name,
)


def test_all_three_foundation_sources_exist() -> None:
    names = {cls.name for cls in SPIDER_CLASSES}
    assert {"nat_mee_permits", "zj_jxsthj_penalties", "nat_envsc_incineration"} <= names


@pytest.mark.parametrize("cls", SPIDER_CLASSES, ids=lambda c: c.name)
def test_spider_conforms(cls: type[SourceSpider]) -> None:
    path = Path(inspect.getfile(cls))
    assert issubclass(cls, SourceSpider)
    assert cls.name == path.stem, "spider name must equal its file stem"
    assert path.with_suffix(".yml").exists(), "metadata YAML beside the spider"
    for key in REQUIRED_METADATA:
        assert key in cls.metadata, f"{cls.name}.yml lacks {key}"
    assert isinstance(cls.metadata["region_code"], str) and len(cls.metadata["region_code"]) == 6
    assert cls.metadata["host"] in REPLICAS, "every source has a replica"
    assert "custom_settings" not in vars(cls) or not cls.custom_settings, "politeness lives in settings.py"
    # Thin: the crawl logic lives in a platform base, not in the spider's own module.
    assert cls.__mro__[1] is not SourceSpider, f"{cls.name} should subclass a platform base"
    assert "start_requests" not in vars(cls), "Scrapy 2.19 starts spiders with async start()"
    assert cls.metadata["assertions"].get("min_records"), "record-count assertions"
    assert cls.metadata.get("required_fields"), "required fields per record kind"
