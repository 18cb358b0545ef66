"""QR codes for the outlet pages, made fast: the same symbols and the same SVG bytes as segno's
`segno.make(content, error="m", mask=mask).svg_inline(scale=3, title=title)`, for the byte-mode content an
outlet code carries (tests/etl/publish/test_qr.py compares them, matrix and SVG, over many contents).

segno builds a symbol module by module in pure Python (about 3 ms a code with its SVG; 100,000 outlets a build).
Here what depends only on the version, error level and mask (function patterns, format and version information,
the order in which the data modules are placed, the mask over them) is computed once from segno's own
functions, and a code is its codewords (Reed-Solomon over integers, ISO/IEC 18004 §7.5) put into that layout
with numpy. Any other content (numeric, alphanumeric, beyond ASCII) is left to segno.
"""

from __future__ import annotations

from functools import cache
from xml.sax.saxutils import escape

import numpy as np
import segno
from segno import consts, encoder

_ERRORS = {"L": consts.ERROR_LEVEL_L, "M": consts.ERROR_LEVEL_M, "Q": consts.ERROR_LEVEL_Q,
           "H": consts.ERROR_LEVEL_H}
_BOOST = ("L", "M", "Q", "H")  # segno raises the error level as far as the version allows (boost_error)
_MICRO_BYTES = 15  # up to this many bytes, segno may make a Micro QR code (M4 holds 15 at level L)
_ALPHANUMERIC = frozenset(consts.ALPHANUMERIC_CHARS.decode("ascii"))
# ISO/IEC 18004 §7.6: remainder bits after the final message, by version.
_REMAINDER = {**{v: 7 for v in range(2, 7)}, **{v: 3 for v in (*range(14, 21), *range(28, 35))},
              **{v: 4 for v in range(21, 28)}}


def _byte_mode(content: str) -> bool:
    """segno encodes `content` as one byte-mode segment of its ASCII bytes (what this module makes)."""
    return content.isascii() and len(content) > _MICRO_BYTES and not all(c in _ALPHANUMERIC for c in content)


def _version(length: int, error: str) -> tuple[int, str]:
    """The smallest version that holds `length` bytes at `error`, and the error level boosted within it."""
    for version in range(1, 41):
        bits = 4 + (8 if version < 10 else 16) + 8 * length
        if consts.SYMBOL_CAPACITY[version][_ERRORS[error]] >= bits:
            for level in _BOOST[_BOOST.index(error) + 1:]:
                if consts.SYMBOL_CAPACITY[version][_ERRORS[level]] < bits:
                    break
                error = level
            return version, error
    raise ValueError(f"QR code: {length} bytes do not fit in a version 40 symbol")


@cache
def _rs_table(words: int) -> tuple[int, ...]:
    """Reed-Solomon remainders as integers: entry f is the generator polynomial times f (its `words` bytes)."""
    gen, log, exp = consts.GEN_POLY[words], consts.GALIOS_LOG, consts.GALIOS_EXP
    table = [0]
    for f in range(1, 256):
        table.append(int.from_bytes(bytes(exp[log[f] + g] for g in gen), "big"))
    return tuple(table)


def _error_words(block: bytes, words: int) -> bytes:
    table = _rs_table(words)
    top, keep = 8 * (words - 1), (1 << (8 * words)) - 1
    rem = 0
    for byte in block:
        rem = ((rem << 8) & keep) ^ table[(rem >> top) ^ byte]
    return rem.to_bytes(words, "big")


@cache
def _layout(version: int, error: str, mask: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the symbol's modules with the data modules cleared, the flat index of each data module in placement
    order, the mask bit of each): segno's own function patterns, placement walk and mask functions."""
    width = encoder.calc_matrix_size(version)
    matrix = encoder.make_matrix(width, width)
    encoder.add_finder_patterns(matrix, width, width)
    encoder.add_alignment_patterns(matrix, width, width)
    free = np.array([list(row) for row in matrix], dtype=np.uint8) == 0x2
    if free[-8, 8]:
        raise ValueError("QR layout: the dark module is not reserved")
    order = []
    for right in range(width - 1, 0, -2):  # §7.7.3: two-module columns, alternately up and down, right to left
        if right <= 6:
            right -= 1
        for vertical in range(width):
            for j in (right, right - 1):
                i = (width - 1 - vertical) if ((right & 2) == 0) ^ (j < 6) else vertical
                if free[i, j]:
                    order.append(i * width + j)
    pattern = encoder.get_data_mask_functions(False)[mask]
    bits = np.array([1 if pattern(k // width, k % width) else 0 for k in order], dtype=np.uint8)
    sample = segno.make("0", version=version, error=error, mask=mask, boost_error=False)
    base = np.array([list(row) for row in sample.matrix], dtype=np.uint8)
    base.flat[order] = 0
    return base, np.array(order, dtype=np.intp), bits


def _interleave(blocks: list[bytes]) -> np.ndarray:
    """§7.6: the blocks' codewords interleaved, the first of each block, then the second, …"""
    width = max(len(b) for b in blocks)
    grid = np.full((len(blocks), width), -1, dtype=np.int16)
    for row, block in zip(grid, blocks, strict=True):
        row[:len(block)] = np.frombuffer(block, dtype=np.uint8)
    flat = grid.T.ravel()
    return flat[flat >= 0].astype(np.uint8)


def qr_matrix(content: str, error: str = "M", mask: int = 0) -> np.ndarray | None:
    """The modules (1 dark) of `content`'s QR code as segno makes it, or None when segno would not use byte mode."""
    if not _byte_mode(content):
        return None
    data = content.encode("ascii")
    version, error = _version(len(data), error)
    count = 8 if version < 10 else 16
    head = ((0b0100 << count) | len(data)) << (8 * len(data) + 4) | int.from_bytes(data, "big") << 4
    # segno pads the terminated stream (always whole bytes here) with a further zero byte before the pad codewords.
    message = head.to_bytes((8 + count + 8 * len(data)) // 8, "big") + b"\0"
    capacity = consts.SYMBOL_CAPACITY[version][_ERRORS[error]] // 8
    message = (message + b"\xec\x11" * capacity)[:capacity]
    blocks, checks, at = [], [], 0
    for info in consts.ECC[version][_ERRORS[error]]:
        for _ in range(info.num_blocks):
            block = bytes(message[at:at + info.num_data])
            at += info.num_data
            blocks.append(block)
            checks.append(_error_words(block, info.num_total - info.num_data))
    base, order, masks = _layout(version, error, mask)
    stream = np.unpackbits(np.concatenate([_interleave(blocks), _interleave(checks)]))
    stream = np.concatenate([stream, np.zeros(_REMAINDER.get(version, 0), dtype=np.uint8)])
    if len(stream) != len(order):
        raise ValueError(f"QR code: {len(stream)} bits for {len(order)} data modules (version {version})")
    modules = base.copy()
    modules.flat[order] = stream ^ masks
    return modules


def svg_path(modules: np.ndarray, border: int = 4) -> str:
    """segno's path of the dark modules: a horizontal line per run, each moved to from the last one's end."""
    height, width = modules.shape
    padded = np.zeros((height, width + 2), dtype=np.int8)
    padded[:, 1:-1] = modules
    edges = np.diff(padded, axis=1)
    rows, starts = np.nonzero(edges == 1)
    ends = np.nonzero(edges == -1)[1]
    # Each run after the first is moved to relatively: from the end of the one before, down the rows between.
    steps = np.empty((len(rows) - 1, 3), dtype=np.int64)
    steps[:, 0] = starts[1:] - ends[:-1]
    steps[:, 1] = rows[1:] - rows[:-1]
    steps[:, 2] = ends[1:] - starts[1:]
    first = f"M{starts[0] + border} {rows[0] + border}.5h{ends[0] - starts[0]}"
    return first + ("m%d %dh%d" * len(steps)) % tuple(steps.ravel().tolist())


def qr_svg_inline(content: str, title: str, mask: int = 0) -> str:
    """`segno.make(content, error="m", mask=mask).svg_inline(scale=3, title=title)`, the same bytes, faster."""
    modules = qr_matrix(content, "M", mask)
    if modules is None:
        return str(segno.make(content, error="m", mask=mask).svg_inline(scale=3, title=title))
    size = (modules.shape[0] + 8) * 3
    return (f'<svg width="{size}" height="{size}" class="segno"><title>{escape(title)}</title>'
            f'<path transform="scale(3)" class="qrline" stroke="#000" d="{svg_path(modules)}"/></svg>')
