"""The one raw-record shape every spider emits."""

from __future__ import annotations

import hashlib
import json
import re
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


def content_hash(fields: dict[str, Any]) -> str:
    """What makes a record version new. Fields named `*_url` are provenance, not content: a document that
    moved (or a replica on another port) is the same record, so they are left out."""
    content = {k: v for k, v in fields.items() if not k.endswith("_url")}
    return hashlib.sha256(json.dumps(content, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


# Longest text kept in one field: real decisions' longest paragraphs (facts) run to a few thousand characters;
# a longer one is cut here, marked, and reported (the archived source keeps the whole text).
MAX_TEXT = 20_000
TRUNCATED = "…〔截断 truncated: {n} characters〕"
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> tuple[str, bool]:
    """`text` without NULs, with lone surrogates as U+FFFD (they cannot be written as UTF-8), at most
    MAX_TEXT characters plus a marker. Returns the text and whether it was cut."""
    text = _SURROGATE.sub("\ufffd", text.replace("\x00", ""))
    if len(text) <= MAX_TEXT:
        return text, False
    return text[:MAX_TEXT] + TRUNCATED.format(n=len(text) - MAX_TEXT), True


def clean_fields(value: Any, path: str = "") -> tuple[Any, list[str]]:
    """`value` (a record's fields: dicts, lists, strings) with every string cleaned by `clean_text`;
    also the paths of the fields that were cut."""
    if isinstance(value, str):
        text, cut = clean_text(value)
        return text, [path] if cut else []
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        cut_paths: list[str] = []
        for key, item in value.items():
            out[clean_text(key)[0] if isinstance(key, str) else key], cut = clean_fields(item, f"{path}.{key}")
            cut_paths += cut
        return out, cut_paths
    if isinstance(value, list | tuple):
        cleaned = [clean_fields(item, f"{path}[{i}]") for i, item in enumerate(value)]
        return [c[0] for c in cleaned], [p for c in cleaned for p in c[1]]
    return value, []
