"""lms/csvio.py: reading with BOM and sniffed delimiters, formula-safe writing."""

from __future__ import annotations

from datetime import date

from lms import csvio


def test_reads_semicolons_tabs_and_a_byte_order_mark():
    for text in ("\ufeffnip;nama\n1;Dewi\n", "nip\tnama\n1\tDewi\n", "nip,nama\n1,Dewi\n"):
        rows = list(csvio.read_dicts(text))
        assert rows == [{"nip": "1", "nama": "Dewi"}], text


def test_a_single_column_falls_back_to_commas():
    assert [r["nip"] for r in csvio.read_dicts("nip\n1\n2\n")] == ["1", "2"]


def test_writes_bom_and_neutralises_formulas():
    data = csvio.to_csv(
        ["nama", "nilai"], [["=HYPERLINK(1)", 82.5], ["+62 811", None], [True, date(2026, 1, 2)]]
    )
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK(1),82.5" in text
    assert "'+62 811," in text
    assert "ya,2026-01-02" in text
    assert csvio.safe_text("-1") == "'-1" and csvio.safe_text("Budi") == "Budi"
