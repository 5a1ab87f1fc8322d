"""Certificate PDF rendering with ReportLab and a QR code from segno (both pure PyPI packages).

Pure functions: the data to print comes in as a :class:`CertificatePrint`, PDF bytes go out.
The QR code is embedded as a PNG image so that it prints sharply and can be checked by decoding it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import segno
from reportlab.lib.colors import HexColor
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, Table, TableStyle

BRAND = HexColor("#0b5a8a")
INK = HexColor("#1a1a1a")


@dataclass
class CertificatePrint:
    """Everything a certificate prints, already formatted as text."""

    heading: str  # "SURAT TANDA TAMAT PELATIHAN" or "SERTIFIKAT PENYELESAIAN"
    institution: str
    number: str
    name: str
    statement: str  # "telah mengikuti ... dengan predikat ..."
    facts: list[tuple[str, str]] = field(default_factory=list)  # (label, value) under the name
    place_date: str = ""
    signatory_title: str = ""
    signatory_name: str = ""
    signatory_nip: str = ""
    code: str = ""
    verify_url: str = ""
    verify_hint: str = ""


def qr_png(url: str, scale: int = 8) -> bytes:
    """A QR code for ``url`` as PNG bytes (error correction M, quiet zone of 4 modules)."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "institution": ParagraphStyle(
            "institution",
            fontName="Helvetica-Bold",
            fontSize=14,
            leading=18,
            alignment=TA_CENTER,
            textColor=INK,
        ),
        "heading": ParagraphStyle(
            "heading",
            fontName="Helvetica-Bold",
            fontSize=22,
            leading=28,
            alignment=TA_CENTER,
            textColor=BRAND,
        ),
        "number": ParagraphStyle(
            "number", fontName="Helvetica", fontSize=11, leading=14, alignment=TA_CENTER
        ),
        "given": ParagraphStyle("given", fontName="Helvetica", fontSize=11, leading=14, alignment=TA_CENTER),
        "name": ParagraphStyle(
            "name", fontName="Helvetica-Bold", fontSize=20, leading=25, alignment=TA_CENTER, textColor=INK
        ),
        "cell": ParagraphStyle("cell", fontName="Helvetica", fontSize=10, leading=12.5, alignment=TA_LEFT),
        "statement": ParagraphStyle(
            "statement", fontName="Helvetica", fontSize=11, leading=15, alignment=TA_CENTER
        ),
        "small": ParagraphStyle("small", fontName="Helvetica", fontSize=8.5, leading=11, alignment=TA_LEFT),
        "sign": ParagraphStyle("sign", fontName="Helvetica", fontSize=10.5, leading=14, alignment=TA_CENTER),
    }


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def _draw(canvas: Canvas, flowable, x: float, y_top: float, width: float) -> float:
    """Draw a flowable with its top at ``y_top``; return the y below it."""
    _w, h = flowable.wrap(width, 1000)
    flowable.drawOn(canvas, x, y_top - h)
    return y_top - h


def render_certificate_pdf(data: CertificatePrint) -> bytes:
    """The certificate as a one-page A4 landscape PDF."""
    out = io.BytesIO()
    width, height = landscape(A4)
    canvas = Canvas(out, pagesize=(width, height), invariant=1)
    canvas.setTitle(f"{data.heading} {data.number}")
    canvas.setAuthor(data.institution)
    canvas.setSubject(data.name)
    styles = _styles()

    # Frame
    canvas.setStrokeColor(BRAND)
    canvas.setLineWidth(3)
    canvas.rect(22, 22, width - 44, height - 44)
    canvas.setLineWidth(0.8)
    canvas.rect(30, 30, width - 60, height - 60)

    margin = 70
    inner = width - 2 * margin
    y = height - 52
    y = _draw(canvas, _para(data.institution.upper(), styles["institution"]), margin, y, inner) - 10
    y = _draw(canvas, _para(data.heading, styles["heading"]), margin, y, inner) - 2
    y = _draw(canvas, _para(f"Nomor: {data.number}", styles["number"]), margin, y, inner) - 12
    y = _draw(canvas, _para("diberikan kepada", styles["given"]), margin, y, inner) - 4
    y = _draw(canvas, _para(data.name, styles["name"]), margin, y, inner) - 8

    if data.facts:
        rows = [
            [_para(label, styles["cell"]), _para(":", styles["cell"]), _para(value or "-", styles["cell"])]
            for label, value in data.facts
        ]
        table = Table(rows, colWidths=[150, 10, 330])
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("LEFTPADDING", (0, 0), (-1, -1), 2),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        table_width = 490
        y = _draw(canvas, table, (width - table_width) / 2, y, table_width) - 10

    y = _draw(canvas, _para(data.statement, styles["statement"]), margin + 30, y, inner - 60)

    # Bottom row: QR code and code on the left, signature on the right.
    qr_size = 96
    qr_x, qr_y = 48, 44
    canvas.drawImage(ImageReader(io.BytesIO(qr_png(data.verify_url))), qr_x, qr_y, qr_size, qr_size)
    note = Paragraph(
        f"Kode verifikasi: <b>{escape(data.code)}</b><br/>{escape(data.verify_hint)}<br/>"
        f"{escape(data.verify_url)}",
        styles["small"],
    )
    _draw(canvas, note, qr_x + qr_size + 8, qr_y + qr_size - 10, 250)

    sign_width = 280
    sign_x = width - margin - sign_width
    sy = min(y - 14, 180)
    sy = _draw(canvas, _para(data.place_date, styles["sign"]), sign_x, sy, sign_width)
    sy = _draw(canvas, _para(data.signatory_title, styles["sign"]), sign_x, sy, sign_width) - 42
    sy = _draw(canvas, _para(data.signatory_name, styles["sign"]), sign_x, sy, sign_width)
    if data.signatory_nip:
        _draw(canvas, _para(f"NIP {data.signatory_nip}", styles["sign"]), sign_x, sy, sign_width)

    canvas.showPage()
    canvas.save()
    return out.getvalue()
