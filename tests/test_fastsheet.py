"""FastSheet.write_block writes what xlsxwriter's own per-cell calls write: the same values,
formats and shared strings, read back by openpyxl and by LibreOffice."""

from __future__ import annotations

import datetime as dt
import math
import zipfile

import openpyxl
import pytest
import xlsxwriter

from pipeline.fastsheet import Workbook

from .conftest import libreoffice_convert

LONG = "x" * 40_000  # beyond Excel's 32,767 characters a cell
STRINGS = ["Sosialisasi & <dialog>", "=SUM(A1:A2)", "", None, "  spasi  ", "baris\nbaru", "ctrl\x07", LONG, "é ✓", 1]
NUMBERS = [1, 2.5, -0.0, 1e20, 123456789.123, None, math.nan, math.inf, 7, True]
DATES = [dt.date(2026, 3, 1), dt.datetime(2026, 4, 2, 12, 30), None, "2026-01-01", dt.date(1900, 1, 1), 5, None, None]
DATES += [dt.date(2026, 6, 30), dt.date(2026, 3, 1)]


def _pairs(path):
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    out[(ws.title, c.coordinate)] = (c.value, c.number_format, repr(c.font), repr(c.fill))
    return out


def _write(path, fast: bool):
    wb = (Workbook if fast else xlsxwriter.Workbook)(
        str(path), {"strings_to_formulas": False, "strings_to_numbers": False}
    )
    bold = wb.add_format({"bold": True})
    money = wb.add_format({"num_format": '"Rp "#,##0', "font_color": "#9C0006"})
    date = wb.add_format({"num_format": "dd/mm/yyyy"})
    text = wb.add_format({"bg_color": "#C6EFCE"})
    ws = wb.add_worksheet("Data")
    ws.write_string(0, 0, "Judul", bold)
    ws.write_string(2, 0, "Kolom", bold)
    columns = {0: (STRINGS, text, "string"), 1: (NUMBERS, money, "number"), 3: (DATES, date, "date")}
    if fast:
        ws.write_block(3, columns)
    else:  # what write_block stands for
        for col, (values, fmt, kind) in columns.items():
            for i, v in enumerate(values):
                if v is None or v == "" or (isinstance(v, float) and not math.isfinite(v)):
                    continue
                if kind == "string":
                    ws.write_string(3 + i, col, str(v), fmt)
                elif kind == "number":
                    ws.write_number(3 + i, col, float(v), fmt)
                elif isinstance(v, dt.date):
                    ws.write_datetime(3 + i, col, v, fmt)
    below = 3 + len(STRINGS) + 1
    ws.write_string(below, 0, "Tabel kedua", bold)  # a regular row between two blocks
    second = {0: (["a", "b", "a"], text, "string"), 2: ([1, 2, 3], None, "number")}
    if fast:
        ws.write_block(below + 1, second)
    else:
        for i in range(3):
            ws.write_string(below + 1 + i, 0, ["a", "b", "a"][i], text)
            ws.write_number(below + 1 + i, 2, i + 1)
    ws.write_string(below + 5, 0, "Catatan")  # and one after the last block
    wb.add_worksheet("Kosong").write_string(0, 0, "a")  # the same shared strings in another sheet
    wb.close()


def test_block_writes_what_xlsxwriter_writes(tmp_path):
    _write(tmp_path / "fast.xlsx", True)
    _write(tmp_path / "plain.xlsx", False)
    fast, plain = _pairs(tmp_path / "fast.xlsx"), _pairs(tmp_path / "plain.xlsx")
    assert fast == plain
    assert fast[("Data", "A5")][0] == "=SUM(A1:A2)"  # text stays text, never a live formula
    assert len(fast[("Data", "A11")][0]) == 32_767
    assert fast[("Data", "D4")][0] == dt.datetime(2026, 3, 1)
    assert ("Data", "B11") not in fast and ("Data", "D7") not in fast  # inf and a text in a date column: empty
    sst = [zipfile.ZipFile(tmp_path / name).read("xl/sharedStrings.xml") for name in ("fast.xlsx", "plain.xlsx")]
    assert sst[0] == sst[1]  # the same strings, in the same order, counted the same


def test_libreoffice_reads_a_block_as_it_reads_plain_cells(tmp_path):
    _write(tmp_path / "fast.xlsx", True)
    _write(tmp_path / "plain.xlsx", False)
    files = [tmp_path / "fast.xlsx", tmp_path / "plain.xlsx"]
    fast, plain = (_pairs(p) for p in libreoffice_convert(files, "xlsx:Calc MS Excel 2007 XML", tmp_path / "lo"))
    assert fast == plain
    assert fast[("Data", "A9")][0] == "baris\nbaru" and fast[("Data", "B5")][:2] == (2.5, '"Rp "#,##0')
    assert fast[("Data", "A15")][0] == "Tabel kedua" and fast[("Data", "C18")][0] == 3
    assert fast[("Data", "A20")][0] == "Catatan"


def test_block_misuse_is_refused(tmp_path):
    wb = Workbook(str(tmp_path / "x.xlsx"))
    ws = wb.add_worksheet()
    with pytest.raises(ValueError, match="different lengths"):
        ws.write_block(1, {0: ([1, 2], None, "number"), 1: ([1], None, "number")})
    ws.write_block(1, {0: ([1, 2], None, "number")})
    with pytest.raises(ValueError, match="overlap"):
        ws.write_block(2, {3: (["a"], None, "string")})
    with pytest.raises(ValueError, match="kind"):
        ws.write_block(10, {0: ([1], None, "money")})
    ws.write_string(2, 5, "inside")
    with pytest.raises(ValueError, match="inside the block"):
        wb.close()
