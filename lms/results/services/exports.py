"""Tables to CSV and XLSX bytes (for the results table, dashboards and "JP Saya").

CSV is UTF-8 with a byte order mark so that spreadsheet programs read Indonesian names right;
text cells that a spreadsheet would run as a formula are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from openpyxl import Workbook

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe_text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return _safe_text(str(value))


def to_csv(columns: list[str], rows: list[list]) -> bytes:
    """CSV bytes (UTF-8 with BOM, comma separated) of a table."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_safe_text(str(c)) for c in columns])
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(title: str, columns: list[str], rows: list[list]) -> bytes:
    """XLSX bytes of a table in one sheet (numbers stay numbers)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    sheet.append([str(c) for c in columns])
    for row in rows:
        sheet.append([_cell(v) if not isinstance(v, int | float) or isinstance(v, bool) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")
    return (cleaned or "Data")[:31]
