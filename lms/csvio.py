"""The one CSV reader and writer.

Reading: a byte order mark is dropped and the delimiter (comma, semicolon or tab, as Indonesian
spreadsheet programs save) is sniffed from the first lines. Writing: UTF-8 with a byte order mark
so spreadsheet programs read Indonesian names right, and text cells that a spreadsheet would run
as a formula (CSV injection) are prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DELIMITERS = ",;\t"


def read_dicts(text: str) -> csv.DictReader:
    """Rows of a CSV text as dicts keyed by the header line (BOM dropped, delimiter sniffed)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=DELIMITERS)
    except csv.Error:
        dialect = csv.excel
    return csv.DictReader(io.StringIO(text), dialect=dialect)


def safe_text(value: str) -> str:
    """``value`` with a leading apostrophe when a spreadsheet would read it as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def cell(value):
    """A value as a CSV or spreadsheet cell: numbers stay numbers, dates in ISO form, yes/no in
    Indonesian, text made formula-safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return safe_text(str(value))


def to_text(columns: Iterable, rows: Iterable[Iterable]) -> str:
    """A table as CSV text starting with a byte order mark (comma separated)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_text(str(c)) for c in columns])
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return "\ufeff" + out.getvalue()


def to_csv(columns: Iterable, rows: Iterable[Iterable]) -> bytes:
    """A table as CSV bytes (UTF-8 with BOM)."""
    return to_text(columns, rows).encode("utf-8")
