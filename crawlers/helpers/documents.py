"""Text and tables out of the attachments bureaux publish: PDF, DOCX, XLSX.

Every reader refuses what it cannot read with a `DocumentError` naming the problem, and refuses archives
whose declared uncompressed size is out of proportion (a zip bomb disguised as DOCX/XLSX) before opening them.
Legacy binary `.doc`/`.xls` are refused with a clear message: we do not guess at them.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

MAX_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, per archive

Table = list[list[str | None]]


class DocumentError(ValueError):
    """An attachment we cannot (or will not) read."""


def sniff(data: bytes) -> str:
    """`pdf`, `docx`, `xlsx`, `doc` (OLE2: legacy .doc/.xls), `html` or `unknown`, by content not by name."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        return "doc"
    if data.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except zipfile.BadZipFile:
            return "unknown"
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return "unknown"
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "unknown"


def _check_size(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise DocumentError(f"attachment of {len(data)} bytes exceeds the {MAX_BYTES}-byte limit")


def _check_zip(data: bytes) -> None:
    _check_size(data)
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile as exc:
        raise DocumentError(f"broken zip container: {exc}") from exc
    unzipped = sum(i.file_size for i in infos)
    if unzipped > MAX_UNZIPPED or unzipped > MAX_RATIO * max(len(data), 1):
        raise DocumentError(f"refusing a zip that expands to {unzipped} bytes from {len(data)} (zip bomb?)")


def _expect(data: bytes, kind: str) -> None:
    found = sniff(data)
    if found == "doc":
        raise DocumentError("legacy binary Office file (.doc/.xls): not supported, ask for PDF or DOCX/XLSX")
    if found != kind:
        raise DocumentError(f"expected {kind.upper()}, content looks like {found}")


def pdf_pages(data: bytes) -> list[Any]:
    _check_size(data)
    _expect(data, "pdf")
    import pdfplumber
    from pdfminer.pdfparser import PDFSyntaxError

    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            return [(page.extract_text() or "", page.extract_tables()) for page in pdf.pages]
    except (PDFSyntaxError, ValueError, KeyError, TypeError) as exc:
        raise DocumentError(f"unreadable PDF: {exc!r}") from exc
    except Exception as exc:  # pdfminer raises bare Exceptions on some truncated files
        raise DocumentError(f"unreadable PDF: {exc!r}") from exc


def pdf_text(data: bytes) -> str:
    return "\n".join(text for text, _ in pdf_pages(data))


def pdf_tables(data: bytes) -> list[Table]:
    return [table for _, tables in pdf_pages(data) for table in tables]


def _docx(data: bytes) -> Any:
    _expect(data, "docx")
    _check_zip(data)
    import docx

    try:
        return docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several unrelated types on damaged parts
        raise DocumentError(f"unreadable DOCX: {exc!r}") from exc


def docx_text(data: bytes) -> str:
    """Paragraphs, then each table's rows with cells separated by tabs."""
    document = _docx(data)
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines.extend("\t".join(cell.text for cell in row.cells) for row in table.rows)
    return "\n".join(lines)


def docx_tables(data: bytes) -> list[Table]:
    document = _docx(data)
    return [[[cell.text for cell in row.cells] for row in table.rows] for table in document.tables]


def xlsx_rows(data: bytes, sheet: str | None = None) -> Table:
    """All rows of one sheet (the first by default), values as text (None for empty cells)."""
    _expect(data, "xlsx")
    _check_zip(data)
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises KeyError, InvalidFileException, zip errors …
        raise DocumentError(f"unreadable XLSX: {exc!r}") from exc
    try:
        ws = book[sheet] if sheet is not None else book.worksheets[0]
    except KeyError as exc:
        raise DocumentError(f"no sheet {sheet!r}; sheets are {book.sheetnames}") from exc
    rows: Table = []
    for row in ws.iter_rows(values_only=True):
        rows.append([None if v is None else str(v).strip() for v in row])
    book.close()
    return rows


def text_of(data: bytes) -> str:
    """Plain text of a PDF or DOCX attachment, whichever it is."""
    kind = sniff(data)
    if kind == "pdf":
        return pdf_text(data)
    if kind == "docx":
        return docx_text(data)
    _expect(data, "pdf")  # raises with the right message
    return ""
