"""Attachments: what the replicas generate is what the readers read; broken or hostile files are refused."""

from __future__ import annotations

import io
import zipfile

import pytest

from crawlers.helpers import documents as read
from crawlers.replay import documents as make

ROWS = [["序号", "企业名称", "统一社会信用代码"], ["1", "南湖嘉昌再生能源有限公司", "91330400MAJHTPQQ1T"]]


def test_pdf_round_trip_and_reproducible() -> None:
    paragraphs = ["嘉环罚〔2025〕12号", "罚款人民币伍万贰仟壹佰贰拾元（¥52120元）"]
    data = make.make_pdf("行政处罚决定书", paragraphs, [ROWS])
    assert data == make.make_pdf("行政处罚决定书", paragraphs, [ROWS])
    assert read.sniff(data) == "pdf"
    text = read.pdf_text(data)
    assert "嘉环罚〔2025〕12号" in text and "伍万贰仟壹佰贰拾元（¥52120元）" in text
    assert read.pdf_tables(data) == [ROWS]


def test_docx_round_trip_and_reproducible() -> None:
    data = make.make_docx("企业环境信用评价结果", ["嘉环〔2025〕66号"], [ROWS])
    assert data == make.make_docx("企业环境信用评价结果", ["嘉环〔2025〕66号"], [ROWS])
    assert read.sniff(data) == "docx"
    assert read.docx_tables(data) == [ROWS]
    assert "嘉环〔2025〕66号" in read.text_of(data)


def test_xlsx_round_trip() -> None:
    data = make.make_xlsx({"名单": [*ROWS, [2, "嘉兴安通皮革有限公司", None]]})
    assert read.sniff(data) == "xlsx"
    assert read.xlsx_rows(data) == [*ROWS, ["2", "嘉兴安通皮革有限公司", None]]
    with pytest.raises(read.DocumentError, match="no sheet '其他'"):
        read.xlsx_rows(data, sheet="其他")


@pytest.mark.parametrize(("data", "message"), [
    (b"%PDF-1.4\n1 0 obj", "unreadable PDF"),
    (b"\xd0\xcf\x11\xe0" + bytes(100), "legacy binary Office file"),
    (b"<html><body>404</body></html>", "content looks like html"),
])
def test_broken_pdfs_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(read.DocumentError, match=message):
        read.pdf_text(data)


def test_truncated_docx_is_refused() -> None:
    data = make.make_docx("标题", ["正文"])
    with pytest.raises(read.DocumentError):
        read.docx_text(data[: len(data) // 2])


def test_zip_bomb_disguised_as_xlsx_is_refused() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    with pytest.raises(read.DocumentError, match="zip bomb"):
        read.xlsx_rows(buf.getvalue())
