"""Build the hostile and broken input corpus from scripts (no hand-made binaries).

Each case writes one file into a folder and says what must happen to it:
  ("rejected", code)  the file is rejected with that problem code,
  ("read", None)      the file is read and its rows validated,
  ("ignored", None)   the file is skipped as not a report.
`good` is a valid filled return (see tests/test_hostile.py) that cases derive from.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import re
import shutil
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import xlsxwriter

from .conftest import libreoffice_convert


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path, Path], Path]  # (folder, good return) -> file written
    expect: tuple[str, str | None]


def _rezip(good: Path, dst: Path, change: Callable[[str, bytes], tuple[str, bytes] | None], extra=()) -> Path:
    """Copy the zip of `good` into `dst`, letting `change` rewrite or drop members."""
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            got = change(info.filename, src.read(info))
            if got:
                out.writestr(got[0], got[1])
        for name, data in extra:
            out.writestr(name, data)
    return dst


def zip_bomb(d: Path, good: Path) -> Path:
    """Tiny file, huge inflated sheet: 64 MB of repeated cells in a ~70 KB zip."""
    dst = d / "bom_zip.xlsx"
    row = b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'

    def change(name, data):
        if name == "xl/worksheets/sheet3.xml":
            head, tail = data.split(b"<sheetData>")[0], b"</sheetData></worksheet>"
            return name, head + b"<sheetData>" + row * (64 * 2**20 // len(row)) + tail
        return name, data

    return _rezip(good, dst, change)


def huge_extent(d: Path, good: Path) -> Path:
    """A valid workbook with cells at A1 and XFD1048576: calamine tries to allocate 512 GB and
    aborts its process (upstream bug tafia/calamine#693)."""
    dst = d / "sel_jauh.xlsx"
    wb = xlsxwriter.Workbook(dst)
    ws = wb.add_worksheet("Laporan")
    ws.write(0, 0, "No")
    ws.write(1048575, 16383, "ujung")
    wb.close()
    return dst


def lying_dimension(d: Path, good: Path) -> Path:
    """The sheet's <dimension> says A1 while the data goes further: read all the same."""

    def change(name, data):
        if name == "xl/worksheets/sheet3.xml":
            data = re.sub(rb'<dimension ref="[^"]+"/>', b'<dimension ref="A1"/>', data)
        return name, data

    return _rezip(good, d / "dimensi_bohong.xlsx", change)


def million_rows(d: Path, good: Path) -> Path:
    dst = d / "sejuta_baris.xlsx"
    wb = xlsxwriter.Workbook(dst, {"constant_memory": True})
    ws = wb.add_worksheet("Laporan")
    for r in range(1_000_000):
        ws.write_number(r, 0, r)
    wb.close()
    return dst


_LOLS = b"".join(
    b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
)
LAUGHS = b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' + _LOLS + b"]>"
QUADRATIC = b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "' + b"A" * 50_000 + b'">]>'
XXE = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
PARTS = {"sharedStrings": "xl/sharedStrings.xml", "sheet": "xl/worksheets/sheet3.xml"}


def entity_attack(dtd: bytes, ref: bytes, where: str, name: str) -> Callable[[Path, Path], Path]:
    """Put a DTD at the top of one XML part and an entity reference in its first text."""

    def build(d: Path, good: Path) -> Path:
        def change(member, data):
            if member == PARTS[where]:
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                return member, dtd + body.replace(b"<t>", b"<t>" + ref, 1)
            return member, data

        return _rezip(_with_shared_strings(good, d), d / name, change)

    return build


def _with_shared_strings(good: Path, d: Path) -> Path:
    """The good return's values written by xlsxwriter, which keeps text in sharedStrings."""
    dst = d / "_shared.xlsx"
    if not dst.exists():
        src = openpyxl.load_workbook(good)
        wb = xlsxwriter.Workbook(dst)
        for ws in src:
            out = wb.add_worksheet(ws.title)
            for row in ws.iter_rows():
                for c in row:
                    if c.value is not None and c.data_type != "f":
                        out.write(c.row - 1, c.column - 1, c.value)
        wb.close()
    return dst


def truncated(d: Path, good: Path) -> Path:
    data = good.read_bytes()
    return _write(d / "terpotong.xlsx", data[: len(data) * 2 // 3])


def bad_crc(d: Path, good: Path) -> Path:
    """Flip bytes inside the compressed data of the report sheet."""
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as zf:
        info = zf.getinfo("xl/worksheets/sheet3.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 20, start + 60):
        data[i] ^= 0xFF
    return _write(d / "crc_rusak.xlsx", bytes(data))


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def renamed_text(name: str, data: bytes) -> Callable[[Path, Path], Path]:
    return lambda d, good: _write(d / name, data)


def renamed_docx(d: Path, good: Path) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return _write(d / "surat_docx.xlsx", buf.getvalue())


def zip_slip(d: Path, good: Path) -> Path:
    return _rezip(good, d / "zip_slip.xlsx", lambda n, b: (n, b), extra=[("../../etc/cron.d/x", b"boom")])


def with_vba(d: Path, good: Path) -> Path:
    """A .xlsm with a VBA project part: read, macros never run, a warning."""

    def change(name, data):
        if name == "[Content_Types].xml":
            data = data.replace(
                b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
            )
        return name, data

    return _rezip(
        good, d / "dengan_makro.xlsm", change, extra=[("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + os.urandom(512))]
    )


def hidden_first_sheet(d: Path, good: Path) -> Path:
    wb = openpyxl.load_workbook(good)
    wb["Petunjuk"].sheet_state = "hidden"
    wb.active = 1
    dst = d / "sheet_pertama_tersembunyi.xlsx"
    wb.save(dst)
    return dst


def merged_cells(d: Path, good: Path) -> Path:
    wb = openpyxl.load_workbook(good)
    wb["Laporan"].merge_cells("J5:K5")  # Kabupaten/Kota merged over Sasaran
    dst = d / "sel_gabung.xlsx"
    wb.save(dst)
    return dst


def date_1904(d: Path, good: Path) -> Path:
    def change(name, data):
        if name == "xl/workbook.xml":
            data = data.replace(b"<workbookPr", b'<workbookPr date1904="1"', 1)
        if name == "xl/worksheets/sheet3.xml":  # the serials as a 1904 workbook stores them
            data = re.sub(
                rb'(<c r="[GH]\d+"[^>]*><v>)(\d+)(</v>)',
                lambda m: m[1] + str(int(m[2]) - 1462).encode() + m[3],
                data,
            )
        return name, data

    return _rezip(good, d / "tanggal_1904.xlsx", change)


def formulas(d: Path, good: Path) -> Path:
    """Formulas in input cells, with cached values (xlsxwriter) : the cached value is read."""
    dst = d / "_rumus.xlsx"
    wb = openpyxl.load_workbook(good)
    wb.save(dst)

    def change(name, data):
        if name == "xl/worksheets/sheet3.xml":
            data = re.sub(rb'<c r="L5"([^>]*)><v>(\d+)</v></c>', rb'<c r="L5"\1><f>40+\2-40</f><v>\2</v></c>', data)
        return name, data

    return _rezip(dst, d / "rumus_cache.xlsx", change)


def random_bytes(d: Path, good: Path) -> Path:
    return _write(d / "acak.xlsx", random.Random(7).randbytes(8192))


def lock_files(d: Path, good: Path) -> Path:
    for name in ("~$laporan.xlsx", ".~lock.laporan.xlsx#", "._laporan.xlsx"):
        _write(d / name, b"\x00" * 162)
    return d / "~$laporan.xlsx"


def lo_format(fmt: str, rename: bool) -> Callable[[Path, Path], Path]:
    """The good return converted by LibreOffice to .xls or .ods, optionally renamed .xlsx."""

    def build(d: Path, good: Path) -> Path:
        made = libreoffice_convert([good], fmt, d / f"_lo_{fmt}")[0]
        name = f"format_{fmt}{'_dinamai_xlsx.xlsx' if rename else '.' + fmt}"
        return Path(shutil.copy(made, d / name))

    return build


CASES = [
    Case("zip bomb", zip_bomb, ("rejected", "unsafe-file")),
    Case("cells at A1 and XFD1048576 (calamine abort)", huge_extent, ("rejected", "unsafe-file")),
    Case("declared dimension lies", lying_dimension, ("read", None)),
    Case("1,000,000-row sheet", million_rows, ("rejected", "unsafe-file")),
    *[
        Case(
            f"{attack} in {where}",
            entity_attack(dtd, ref, where, f"{attack.replace(' ', '_')}_{where}.xlsx"),
            ("rejected", "unsafe-file"),
        )
        for attack, dtd, ref in (
            ("billion laughs", LAUGHS, b"&lol9;"),
            ("quadratic blowup", QUADRATIC, b"&a;" * 5000),
            ("external entity XXE", XXE, b"&x;"),
        )
        for where in PARTS
    ],
    Case("truncated zip", truncated, ("rejected", "corrupt-file")),
    Case("bad CRC", bad_crc, ("rejected", None)),
    Case("random bytes", random_bytes, ("rejected", "not-a-workbook")),
    Case("empty file", renamed_text("kosong.xlsx", b""), ("rejected", "empty-file")),
    Case(
        "CSV renamed .xlsx",
        renamed_text("data_csv.xlsx", b"No;Kode Aksi;Nama Kegiatan\n1;1.1.1;Sosialisasi\n"),
        ("rejected", "not-a-workbook"),
    ),
    Case(
        "HTML renamed .xlsx",
        renamed_text("halaman.xlsx", b"<!DOCTYPE html><html><body>Laporan</body></html>"),
        ("rejected", "not-a-workbook"),
    ),
    Case(
        "PDF renamed .xlsx",
        renamed_text("surat_pdf.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>>\n"),
        ("rejected", "not-a-workbook"),
    ),
    Case("DOCX renamed .xlsx", renamed_docx, ("rejected", "not-a-workbook")),
    Case("zip member ../", zip_slip, ("rejected", "unsafe-file")),
    Case(".xlsm with a VBA project", with_vba, ("read", "macro-present")),
    Case("first sheet hidden", hidden_first_sheet, ("read", None)),
    Case("merged cells over data", merged_cells, ("read", None)),
    Case("1904 date system", date_1904, ("read", None)),
    Case("formula with cached value", formulas, ("read", None)),
    Case("lock files", lock_files, ("ignored", None)),
    Case("real .xls", lo_format("xls", rename=False), ("read", None)),
    Case(".xls renamed .xlsx", lo_format("xls", rename=True), ("read", None)),
    Case("real .ods", lo_format("ods", rename=False), ("read", None)),
    Case(".ods renamed .xlsx", lo_format("ods", rename=True), ("read", None)),
]

__all__ = ["CASES", "Case", "dt"]
