"""Attachments for the replicas: PDF, DOCX and XLSX files built in memory, byte-for-byte reproducible.

Bureaux publish decisions and lists as attachments; the replicas generate theirs from the synthetic world.
PDFs use the Adobe CJK font STSong-Light that PDF readers supply (nothing embedded, no font file needed);
DOCX/XLSX zip entries get a fixed timestamp so the same content always gives the same bytes (and digest).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
Rows = Sequence[Sequence[object]]


def _fixed_zip(data: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()


def make_pdf(title: str, paragraphs: Sequence[str] = (), tables: Sequence[Rows] = ()) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    heading = ParagraphStyle("h", fontName="STSong-Light", fontSize=15, leading=22, alignment=1)
    body = ParagraphStyle("b", fontName="STSong-Light", fontSize=11, leading=17)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, title=title, author="", creator="", invariant=1)
    flow: list[object] = [Paragraph(title, heading), Spacer(1, 8)]
    flow += [Paragraph(p, body) for p in paragraphs]
    for rows in tables:
        flow.append(Spacer(1, 8))
        flow.append(Table([[str(c) if c is not None else "" for c in row] for row in rows], style=[
            ("FONTNAME", (0, 0), (-1, -1), "STSong-Light"), ("FONTSIZE", (0, 0), (-1, -1), 9),
            ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ]))
    doc.build(flow)
    return buf.getvalue()


def make_docx(title: str, paragraphs: Sequence[str] = (), tables: Sequence[Rows] = ()) -> bytes:
    import docx

    document = docx.Document()
    props = document.core_properties
    props.author = props.last_modified_by = ""
    from datetime import datetime

    props.created = props.modified = datetime(2026, 1, 1)
    document.add_heading(title, level=1)
    for p in paragraphs:
        document.add_paragraph(p)
    for rows in tables:
        table = document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                table.cell(r, c).text = "" if value is None else str(value)
    buf = io.BytesIO()
    document.save(buf)
    return _fixed_zip(buf.getvalue())


def make_xlsx(sheets: dict[str, Rows]) -> bytes:
    from datetime import datetime

    import openpyxl

    book = openpyxl.Workbook()
    book.properties.creator = ""
    book.properties.created = book.properties.modified = datetime(2026, 1, 1)
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    buf = io.BytesIO()
    book.save(buf)
    return _fixed_zip(buf.getvalue())
