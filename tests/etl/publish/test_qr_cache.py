"""QR codes of outlet pages: a fixed mask, kept in the data folder's cache by content and reused."""

from __future__ import annotations

from pathlib import Path

import segno

from etl.publish.outlets import qr_svg

CODE = "91330100MA2B000001001QDA001"
URL = f"http://127.0.0.1:8000/o/{CODE}.html"


def test_qr_is_mask_zero_and_cached(tmp_path: Path) -> None:
    expected = str(segno.make(f"{CODE}\n{URL}", error="m", mask=0).svg_inline(
        scale=3, title=f"二维码 QR code: {CODE}"))
    assert qr_svg(CODE, URL) == expected
    cache = tmp_path / "qr"
    assert qr_svg(CODE, URL, cache) == expected
    files = list(cache.rglob("*.svg"))
    assert len(files) == 1 and files[0].read_text(encoding="utf-8") == expected
    # A second build reads the cached copy (here altered, to show it is the one used).
    files[0].write_text("<svg>cached</svg>", encoding="utf-8")
    assert qr_svg(CODE, URL, cache) == "<svg>cached</svg>"
    # Another URL is another code, another file.
    assert qr_svg(CODE, URL + "?x", cache) != "<svg>cached</svg>"
    assert len(list(cache.rglob("*.svg"))) == 2
