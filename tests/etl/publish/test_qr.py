"""QR codes of outlet pages (etl/publish/qr.py): the same symbol, module for module, and the same SVG bytes as
segno makes with mask 0, for the contents an outlet code carries and for byte-mode contents of every length up
to a version 40 symbol; what is not byte mode is made by segno itself."""

from __future__ import annotations

import random
import string

import numpy as np
import pytest
import segno

from etl.publish.outlets import qr_svg
from etl.publish.qr import qr_matrix, qr_svg_inline

CODE = "91330100MA2B000001001QDA001"
URL = f"http://127.0.0.1:8000/o/{CODE}.html"


def segno_modules(content: str) -> np.ndarray:
    return np.array([list(row) for row in segno.make(content, error="m", mask=0).matrix], dtype=np.uint8)


def test_outlet_qr_is_segnos_mask_zero_code() -> None:
    expected = segno.make(f"{CODE}\n{URL}", error="m", mask=0)
    assert expected.version == 5 and expected.mask == 0 and expected.error == "M"
    assert qr_svg(CODE, URL) == expected.svg_inline(scale=3, title=f"二维码 QR code: {CODE}")
    assert qr_svg(CODE, URL).startswith('<svg width="135" height="135" class="segno"><title>二维码 QR code: '
                                        f'{CODE}</title><path transform="scale(3)" class="qrline" stroke="#000" d="M4 4.5h7')


@pytest.mark.parametrize("seed", range(4))
def test_byte_mode_contents_of_every_length_match_segno(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits + "-_/.:?=&#%\n<>\"' "
    lengths = [*range(16 + seed, 400, 4), 1000, 1500 + seed, 2331 - seed]  # versions 2 to 40, error boosted or not
    for n in lengths:
        content = "".join(rng.choice(alphabet) for _ in range(n - 1)) + "x"
        modules = qr_matrix(content)
        assert modules is not None, n
        assert np.array_equal(modules, segno_modules(content)), n
        title = f"二维码 <&> {content[:8]}"
        assert qr_svg_inline(content, title) == segno.make(content, error="m", mask=0).svg_inline(
            scale=3, title=title), n


@pytest.mark.parametrize("content", ["ABC-123 $%*+./:", "12345678901234567890", "short", "排放口 DA001 编码很长的内容"])
def test_other_contents_are_made_by_segno(content: str) -> None:
    assert qr_matrix(content) is None  # alphanumeric, numeric, possibly Micro QR, beyond ASCII
    assert qr_svg_inline(content, "t") == segno.make(content, error="m", mask=0).svg_inline(scale=3, title="t")
