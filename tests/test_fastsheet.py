"""FastSheet.write_block writes what xlsxwriter's own per-cell calls write: the same values,
formulas, formats and shared strings, read back by openpyxl and by LibreOffice."""

from __future__ import annotations

import datetime as dt
import math
import numbers
import zipfile

import openpyxl
import pytest
import xlsxwriter

from pipeline.outputs.fastsheet import Cells, Workbook

from .conftest import libreoffice_convert

LONG = "x" * 40_000  # beyond Excel's 32,767 characters a cell
STRINGS = ["Sosialisasi & <dialog>", "=SUM(A1:A2)", "", None, "  spasi  ", "baris\nbaru", "ctrl\x07", LONG, "é ✓", 1]
NUMBERS = [1, 2.5, -0.0, 1e20, 123456789.123, None, math.nan, math.inf, 7, True]
DATES = [dt.date(2026, 3, 1), dt.datetime(2026, 4, 2, 12, 30), None, "2026-01-01", dt.date(1900, 1, 1), 5, None, None]
DATES += [dt.date(2026, 6, 30), dt.date(2026, 3, 1)]
VALUES = ["teks", 5, 2.5, dt.date(2026, 1, 2), True, None, "", "sekitar 50 orang", 1, "1"]  # as typed by an agency
FORMULAS = ["=IF(A1>0,1,0)", '=A2&"<x>"', None, "=LEN(A4)", "=ROUND(A1,0)", "=A6", "=A7", "=A8", "=1", "=2"]
RESULTS = [1, "a<b", None, True, "", None, math.nan, 0, 1.5, "teks"]
# shared strings that xlsxwriter escapes or marks, between plain ones (found by one search of them all)
MARKED = ["biasa", "_x0041_ kode", "akhir ", "\tawal", "\u00a0spasi", "a \ue000b", "\ue000", "<r>kaya</r>",
          "Sosialisasi & <dialog>", "biasa", "lagi", "ctrl\x1f", "\ufffe", "ujung\u2003"]  # fmt: skip


def _plain(ws, row: int, columns: dict[int, Cells]) -> None:
    """What write_block stands for, one xlsxwriter call per cell."""
    for col, c in columns.items():
        for i, v in enumerate(c.values):
            fmt = c.format[i] if isinstance(c.format, list) else c.format
            empty = v is None or v == "" or (isinstance(v, float) and not math.isfinite(v))
            kind = c.kind
            if kind == "value":  # each value as its type
                number = isinstance(v, numbers.Number) and not isinstance(v, bool)
                kind = "date" if isinstance(v, dt.date) else "number" if number else "string"
            if empty or (kind == "date" and not isinstance(v, dt.date)):
                if isinstance(c.format, list) and fmt is not None:
                    ws.write_blank(row + i, col, None, fmt)
            elif kind == "formula":
                result = c.results[i]
                result = "" if result is None or (isinstance(result, float) and math.isnan(result)) else result
                ws.write_formula(row + i, col, v, fmt, result)
            elif kind == "string":
                ws.write_string(row + i, col, str(v), fmt)
            elif kind == "number":
                ws.write_number(row + i, col, float(v), fmt)
            else:
                ws.write_datetime(row + i, col, v, fmt)


def _write(path, fast: bool):
    wb = (Workbook if fast else xlsxwriter.Workbook)(
        str(path), {"strings_to_formulas": False, "strings_to_numbers": False}
    )
    write = (lambda ws, row, cols: ws.write_block(row, cols)) if fast else _plain
    bold = wb.add_format({"bold": True})
    money = wb.add_format({"num_format": '"Rp "#,##0', "font_color": "#9C0006"})
    date = wb.add_format({"num_format": "dd/mm/yyyy"})
    text = wb.add_format({"bg_color": "#C6EFCE"})
    red = wb.add_format({"bg_color": "#FFC7CE"})
    ws = wb.add_worksheet("Data")
    ws.set_column(4, 4, 20, date)  # cells without a format of their own take the column's
    ws.write_string(0, 0, "Judul", bold)
    ws.write_string(2, 0, "Kolom", bold)
    write(ws, 3, {0: Cells(STRINGS, text), 1: Cells(NUMBERS, money, "number"), 3: Cells(DATES, date, "date")})
    ws.write_string(14, 0, "Tabel kedua", bold)  # a regular row between two blocks
    marks = [None, red, None, None, None, red, red, None, None, None]  # a mark on an empty cell shows too
    typed = {
        0: Cells(VALUES, marks, "value"),
        1: Cells(FORMULAS, [None, None, red, *[None] * 7], "formula", RESULTS),
        4: Cells(VALUES, None, "value"),
    }
    write(ws, 15, typed)
    ws.write_comment(16, 0, "Isian harus angka")  # a comment inside a block
    ws.write_string(26, 0, "Catatan")  # and a row after the last block
    other = wb.add_worksheet("Kosong")
    other.write_string(0, 0, "a")  # the same shared strings in another sheet
    write(other, 1, {0: Cells(MARKED)})
    wb.close()


def _cells(path, data_only=False):
    wb = openpyxl.load_workbook(path, data_only=data_only)
    out = {}
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None or c.has_style or c.comment:
                    out[(ws.title, c.coordinate)] = (
                        c.value,
                        c.number_format,
                        repr(c.font),
                        repr(c.fill),
                        c.comment.text if c.comment else None,
                    )
    return out


def test_block_writes_what_xlsxwriter_writes(tmp_path):
    _write(tmp_path / "fast.xlsx", True)
    _write(tmp_path / "plain.xlsx", False)
    for data_only in (False, True):  # formulas, then the values they show
        fast, plain = (_cells(tmp_path / n, data_only) for n in ("fast.xlsx", "plain.xlsx"))
        assert fast == plain
    fast = _cells(tmp_path / "fast.xlsx")
    assert fast[("Data", "A5")][0] == "=SUM(A1:A2)"  # text stays text, never a live formula
    assert len(fast[("Data", "A11")][0]) == 32_767
    assert fast[("Data", "D4")][0] == dt.datetime(2026, 3, 1)
    assert ("Data", "B11") not in fast and ("Data", "D7") not in fast  # inf and a text in a date column: empty
    assert fast[("Data", "A21")][0] is None and "FFC7CE" in fast[("Data", "A21")][3]  # the marked empty cell
    sst = [zipfile.ZipFile(tmp_path / name).read("xl/sharedStrings.xml") for name in ("fast.xlsx", "plain.xlsx")]
    assert sst[0] == sst[1]  # the same strings, in the same order, counted the same


def test_libreoffice_reads_a_block_as_it_reads_plain_cells(tmp_path):
    _write(tmp_path / "fast.xlsx", True)
    _write(tmp_path / "plain.xlsx", False)
    files = [tmp_path / "fast.xlsx", tmp_path / "plain.xlsx"]
    fast, plain = (_cells(p, True) for p in libreoffice_convert(files, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo"))
    assert fast == plain
    assert fast[("Data", "A9")][0] == "baris\nbaru" and fast[("Data", "B5")][:2] == (2.5, '"Rp "#,##0')
    assert fast[("Data", "A15")][0] == "Tabel kedua" and fast[("Data", "A27")][0] == "Catatan"
    assert fast[("Data", "B16")][0] == 1 and fast[("Data", "A17")][4] == "Isian harus angka"


def test_block_misuse_is_refused(tmp_path):
    wb = Workbook(str(tmp_path / "x.xlsx"))
    ws = wb.add_worksheet()
    with pytest.raises(ValueError, match="different lengths"):
        ws.write_block(1, {0: Cells([1, 2]), 1: Cells([1])})
    ws.write_block(1, {0: Cells([1, 2], kind="number")})
    with pytest.raises(ValueError, match="overlap"):
        ws.write_block(2, {3: Cells(["a"])})
    with pytest.raises(ValueError, match="kind"):
        ws.write_block(10, {0: Cells([1], kind="money")})
    with pytest.raises(ValueError, match="array formulas"):
        ws.write_block(10, {0: Cells(["=XLOOKUP(1,A1:A3,B1:B3)"], kind="formula")})
    ws.write_string(2, 5, "inside")
    with pytest.raises(ValueError, match="inside the block"):
        wb.close()
    streamed = Workbook(str(tmp_path / "y.xlsx"), {"constant_memory": True})
    with pytest.raises(ValueError, match="constant_memory"):
        streamed.add_worksheet().write_block(0, {0: Cells(["a"])})
    streamed.close()
