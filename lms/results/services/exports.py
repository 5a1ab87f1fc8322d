"""Tables to XLSX bytes (the results table); CSV is ``lms.csvio`` (BOM, formula-safe cells),
whose cell rule the XLSX cells follow too (numbers stay numbers)."""

from __future__ import annotations

import io

from openpyxl import Workbook

from lms import csvio

# The one CSV writer, for callers that still reach it as ``services.exports.to_csv``.
to_csv = csvio.to_csv


def to_xlsx(title: str, columns: list[str], rows: list[list]) -> bytes:
    """XLSX bytes of a table in one sheet (numbers stay numbers)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    sheet.append([str(c) for c in columns])
    for row in rows:
        sheet.append(
            [csvio.cell(v) if not isinstance(v, int | float) or isinstance(v, bool) else v for v in row]
        )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return (cleaned or "Data")[:31]
