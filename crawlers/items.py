"""The one raw-record shape every spider emits."""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

RECORD_KEYS = ("source", "record_id", "kind", "url", "fields")


def new_record(spider_name: str, response: Response, kind: str, key: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A record of `kind` keyed `<source>:<key>`, citing the response it was parsed from.

    `key` is the publisher's own identifier where one exists (permit number, decision number, platform
    id), otherwise a hash of the key fields; never a row position.
    """
    return {
        "source": spider_name,
        "record_id": f"{spider_name}:{key}",
        "kind": kind,
        "url": response.url,
        "archive": response.meta.get("archive"),
        "fields": fields,
    }
