from __future__ import annotations

from etl.load import content_hash


def test_urls_are_provenance_not_content() -> None:
    a = {"decision_number": "粤环罚〔2025〕17号", "attachment_url": "http://127.0.0.1:45893/a.pdf", "fine_yuan": 1}
    b = {**a, "attachment_url": "http://127.0.0.1:38563/a.pdf"}
    assert content_hash(a) == content_hash(b)
    assert content_hash(a) != content_hash({**a, "fine_yuan": 2})
