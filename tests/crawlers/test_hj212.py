"""HJ 212 frames: every vector from sources.md §3.1 gives its stated length and CRC; bad frames are refused."""

from __future__ import annotations

from datetime import datetime

import pytest

from crawlers.helpers import hj212

STANDARD = ("##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;"
            "CP=&&RtdInterval=30&&1C80\r\n")
WATER = ("##0457QN=20210320163101890;ST=32;CN=2011;PW=123456;MN=81733553213013;Flag=4;CP=&&DataTime=20210320013400;"
         "w00000-Rtd=181.682,w00000-Flag=N;w21001-SampleTime=20210320005400,w21001-Rtd=45.160,w21001-Flag=N;"
         "w21011-SampleTime=20210320013400,w21011-Rtd=1.970,w21011-Flag=N;w21003-SampleTime=20210320013400,"
         "w21003-Rtd=53.131,w21003-Flag=N;w01018-SampleTime=20210320013400,w01018-Rtd=194.200,w01018-Flag=N;"
         "w01001-SampleTime=20210320013406,w01001-Rtd=7.496,w01001-Flag=N&&6E80\r\n")
CEMS = ("##0624QN=20180303110906001;ST=32;CN=2011;PW=123456;MN=8888888000114W;Flag=4;CP=&&DataTime=20180303105900;"
        "a00000-Rtd=0.0000,a00000-Flag=D;a34013-Rtd=0.0000,a34013-ZsRtd=0.00,a34013-Flag=D;a21026-Rtd=0.0000,"
        "a21026-ZsRtd=0.00,a21026-Flag=D;a21002-Rtd=0.0000,a21002-ZsRtd=0.00,a21002-Flag=D;a21005-Rtd=0.0000,"
        "a21005-ZsRtd=0.00,a21005-Flag=D;a21018-Rtd=0.0000,a21018-ZsRtd=0.00,a21018-Flag=D;a21024-Rtd=0.0000,"
        "a21024-ZsRtd=0.00,a21024-Flag=D;a19001-Rtd=0.0000,a19001-Flag=D;a01011-Rtd=0.0000,a01011-Flag=D;"
        "a01012-Rtd=0.0000,a01012-Flag=D;a01017-Rtd=0.0000,a01017-Flag=D;a01014-Rtd=0.0000,a01014-Flag=D;"
        "a01013-Rtd=0.0000,a01013-Flag=D&&2A80")
OLD_CODES = ("##0139ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817000;B01-Rtd=36.91;"
             "011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980\r\n")
OLD_CODES_2 = ("##0178ST=32;CN=2011;PW=123456;MN=0873HHMZWSLH02;CP=&&DataTime=20160103133030;060-Rtd=3.0943,"
               "060-Flag=N;011-Rtd=18.0412,011-Flag=N;001-Rtd=8.2137,001-Flag=N;B01-Rtd=10.9890,B01-Flag=N&&a9c1\r\n")
AMBIENT_SEGMENT = ("QN=20190925181031464;ST=22;CN=2061;PW=BF470F88957588DE902D1A52;MN=Z13401000010301;Flag=5;"
                   "CP=&&DataTime=20190924220000;a34006-Avg=2.69700,a34006-Flag=N;a34007-Avg=7.96600,a34007-Flag=N;"
                   "a34048-Avg=3.30600,a34048-Flag=N;a34047-Avg=7.35700,a34047-Flag=N;a34049-Avg=10.66300,"
                   "a34049-Flag=N&&")
# The README example of a popular parser: its DataTime lost three digits, so its length (136) is right for
# the text but the CRC it carries (4980) belongs to the 139-character original. The real CRC is 3C00.
README_BAD_CRC = ("##0136ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817;B01-Rtd=36.91;"
                  "011-Rtd=231.0,011-Flag=N;060-Rtd=1.803,060-Flag=N&&4980\r\n")


@pytest.mark.parametrize(("text", "length", "crc", "version"), [
    (STANDARD, 101, "1C80", "2017"), (WATER, 457, "6E80", "2017"), (CEMS, 624, "2A80", "2017"),
    (OLD_CODES, 139, "4980", "2005"), (OLD_CODES_2, 178, "A9C1", "2005"),
])
def test_vectors(text: str, length: int, crc: str, version: str) -> None:
    frame = hj212.parse(text)
    assert (frame.length, frame.crc, frame.version) == (length, crc, version)


def test_ambient_segment_crc() -> None:
    assert len(AMBIENT_SEGMENT) == 285
    assert f"{hj212.crc(AMBIENT_SEGMENT):04X}" == "C181"
    assert hj212.parse(hj212.frame(AMBIENT_SEGMENT)).values["a34049"] == {"Avg": "10.66300", "Flag": "N"}


def test_not_modbus_crc() -> None:
    segment = STANDARD[6:-6]
    modbus = 0xFFFF
    for byte in segment.encode():
        modbus ^= byte
        for _ in range(8):
            modbus = (modbus >> 1) ^ 0xA001 if modbus & 1 else modbus >> 1
    assert f"{modbus:04X}" == "0759" and f"{hj212.crc(segment):04X}" == "1C80"


def test_values_and_header() -> None:
    frame = hj212.parse(WATER)
    assert frame.header["MN"] == "81733553213013" and frame.header["CN"] == "2011"
    assert frame.data_time == datetime(2021, 3, 20, 1, 34)
    assert frame.values["w01018"] == {"SampleTime": "20210320013400", "Rtd": "194.200", "Flag": "N"}
    assert hj212.parse(STANDARD).extra == {"RtdInterval": "30"}
    assert hj212.parse(STANDARD).wants_ack and not frame.wants_ack


def test_bad_crc_is_refused() -> None:
    with pytest.raises(hj212.FrameError, match="CRC mismatch: frame says 4980, computed 3C00"):
        hj212.parse(README_BAD_CRC)


def test_bad_length_is_refused() -> None:
    # Like the vendor comment's `##0428…&&0b40`, whose segment really has 431 characters.
    segment = WATER[6:-6]
    with pytest.raises(hj212.FrameError, match="length field says 456, data segment has 457"):
        hj212.parse(f"##0456{segment}6E80\r\n")


@pytest.mark.parametrize("text", ["", "hello", "##01", "##0005ST=32ABCD\r\n"])
def test_garbage_is_refused(text: str) -> None:
    with pytest.raises(hj212.FrameError):
        hj212.parse(text)


def test_data_answer_round_trips() -> None:
    answer = hj212.data_answer(hj212.parse(STANDARD), datetime(2026, 11, 1))
    parsed = hj212.parse(answer)
    assert parsed.header == {"QN": "20160801085857223", "ST": "91", "CN": "9014", "PW": "100000",
                             "MN": "010000A8900016F000169DC0", "Flag": "4"}
