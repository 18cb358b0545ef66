"""HJ 212-2017 (and 2005) data-logger frames: `##dddd<data segment>CCCC\\r\\n`.

`dddd` is the decimal length of the data segment, `CCCC` its CRC in hex. The CRC is CRC-16 with the
reflected polynomial 0xA001 and initial value 0xFFFF, but each byte is XORed into the register *after*
shifting it right by eight (`crc = (crc >> 8) ^ byte`). Plain Modbus CRC-16 (`crc ^= byte`) gives `0759`
for the standard's own example instead of `1C80`: a classic bug in data-logger software.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

_FRAME = re.compile(r"^##(\d{4})(.*)([0-9A-Fa-f]{4})\r?\n?$", re.DOTALL)
_HEADER_KEYS = ("QN", "ST", "CN", "PW", "MN", "Flag", "PNUM", "PNO")
# Data flags (HJ 212-2017 table 5 / 6.6.4): N normal, F stopped, M maintenance, S manual, D fault,
# C calibration, T over range, B communication abnormal.
DATA_FLAGS = {"N": "normal", "F": "stopped", "M": "maintenance", "S": "manual", "D": "fault",
              "C": "calibration", "T": "over_range", "B": "communication"}


class FrameError(ValueError):
    """A frame that is not valid HJ 212: the message says which check failed."""


def _crc_step8(value: int) -> int:
    for _ in range(8):
        value = (value >> 1) ^ 0xA001 if value & 1 else value >> 1
    return value


# Eight shifts of the register depend only on its low byte (the high byte just moves down): one lookup each.
_CRC_TABLE = tuple(_crc_step8(b) for b in range(256))


def crc(segment: str | bytes) -> int:
    data = segment.encode("ascii") if isinstance(segment, str) else segment
    value = 0xFFFF
    for byte in data:
        value = (value >> 8) ^ byte
        value = (value >> 8) ^ _CRC_TABLE[value & 0xFF]
    return value


@dataclass
class Frame:
    length: int
    crc: str
    header: dict[str, str]
    data_time: datetime | None
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # pollutant → {Rtd: …, Flag: …}
    extra: dict[str, str] = field(default_factory=dict)  # CP items that are not per-pollutant

    @property
    def version(self) -> str:
        """`2017` when the Flag's version bits say so, else `2005` (no Flag or version bits 0)."""
        flag = self.header.get("Flag")
        return "2017" if flag is not None and (int(flag) >> 2) & 0x3F == 1 else "2005"

    @property
    def wants_ack(self) -> bool:
        flag = self.header.get("Flag")
        return flag is not None and int(flag) & 1 == 1

    def as_json(self) -> dict[str, Any]:
        return {
            "length": self.length, "crc": self.crc, "version": self.version, **self.header,
            "DataTime": self.data_time.isoformat() if self.data_time else None,
            "values": self.values, **({"extra": self.extra} if self.extra else {}),
        }


def _parse_time(text: str) -> datetime:
    for fmt in ("%Y%m%d%H%M%S%f", "%Y%m%d%H%M%S"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise FrameError(f"DataTime {text!r} is not yyyyMMddHHmmss")


def parse(frame: str) -> Frame:
    """Parse one frame; raise FrameError on a bad length, bad CRC or malformed segment."""
    match = _FRAME.match(frame)
    if match is None:
        raise FrameError("not an HJ 212 frame: expected ##dddd<segment>CCCC\\r\\n")
    declared, segment, crc_text = int(match.group(1)), match.group(2), match.group(3)
    if not segment.isascii():
        raise FrameError("data segment holds characters outside ASCII")
    if len(segment) != declared:
        raise FrameError(f"length field says {declared}, data segment has {len(segment)} characters")
    computed = crc(segment)
    if computed != int(crc_text, 16):
        raise FrameError(f"CRC mismatch: frame says {crc_text.upper()}, computed {computed:04X}")
    head, sep, rest = segment.partition("CP=&&")
    if not sep or not rest.endswith("&&"):
        raise FrameError("data segment lacks CP=&&…&&")
    header: dict[str, str] = {}
    for item in filter(None, head.split(";")):
        key, eq, value = item.partition("=")
        if not eq or key not in _HEADER_KEYS:
            raise FrameError(f"unexpected header field {item!r}")
        header[key] = value
    for required in ("ST", "CN", "MN"):
        if required not in header:
            raise FrameError(f"header lacks {required}")
    parsed = Frame(length=declared, crc=crc_text.upper(), header=header, data_time=None)
    for item in filter(None, rest[:-2].split(";")):
        for part in item.split(","):
            key, eq, value = part.partition("=")
            if not eq:
                raise FrameError(f"CP item {part!r} is not key=value")
            if key == "DataTime":
                parsed.data_time = _parse_time(value)
            elif "-" in key:
                code, _, suffix = key.partition("-")
                parsed.values.setdefault(code, {})[suffix] = value
            else:
                parsed.extra[key] = value
    return parsed


def frame(segment: str) -> str:
    """Wrap a data segment into a complete frame."""
    return f"##{len(segment):04d}{segment}{crc(segment):04X}\r\n"


def data_answer(request: Frame, now: datetime) -> str:
    """The 9014 data answer (数据应答) a receiver sends when the request's Flag asks for one."""
    qn = request.header.get("QN", now.strftime("%Y%m%d%H%M%S%f")[:17])
    segment = (f"QN={qn};ST=91;CN=9014;PW={request.header.get('PW', '')};MN={request.header['MN']};"
               f"Flag=4;CP=&&&&")
    return frame(segment)
