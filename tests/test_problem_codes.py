"""Every problem code has a message, and each code the demo does not plant is produced
here by a small workbook built for it."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from pipeline.problems import CODES, Problem
from pipeline.template import Sheet, write_template
from pipeline.texts import has
from pipeline.validate import validate_period

GOOD = {"nama_kegiatan": "Sosialisasi", "status": "Berjalan", "tanggal_mulai": dt.date(2026, 3, 2),
        "provinsi": "Aceh", "sasaran": "Pemuda"}  # fmt: skip


def test_every_code_has_a_message():
    for code in CODES:
        assert has(f"problems.{code}"), code
        assert Problem("f.xlsx", code, value="x", column="Kolom", detail="d").message


def _workbook(tmp_path, rules, period, rows, agency="KEMENAG", change=None, name="lapor.xlsx"):
    inbox = tmp_path / "inbox"
    inbox.mkdir(exist_ok=True)
    path = write_template(inbox / name, rules, Sheet(rules.get_agency(agency), period, dt.date(2026, 1, 5)))
    wb = openpyxl.load_workbook(path)
    col = {c.key: i + 1 for i, c in enumerate(rules.fields.columns)}
    for r, values in enumerate(rows, start=5):
        for key, value in {**GOOD, **values}.items():
            wb["Laporan"].cell(r, col[key], value)
    ident = {c.value: c.row for c in wb["Identitas"]["A"]}
    for label, value in (("Nama Petugas Pengisi", "Rina"), ("Email", "r@example.go.id"),
                         ("Tanggal Pengisian", dt.date(2026, 7, 1))):  # fmt: skip
        wb["Identitas"].cell(ident[label], 2, value)
    if change:
        change(wb)
    wb.save(path)
    return inbox


def _codes(tmp_path, rules, period, rows, **kw):
    report = validate_period(_workbook(tmp_path, rules, period, rows, **kw), rules, period)
    return {(p.cell, p.code) for p in report.problems if p.file}, report


@pytest.mark.parametrize(
    ("values", "cell", "code"),
    [
        ({"jumlah_peserta": -5}, "L5", "out-of-range"),
        ({"nama_kegiatan": "x" * 501}, "E5", "text-too-long"),
        ({"tanggal_mulai": dt.date(2026, 8, 1)}, "G5", "outside-period"),
        ({"tanggal_mulai": dt.date(2025, 3, 1), "tanggal_selesai": dt.date(2025, 12, 1)}, "H5", "outside-period"),
        ({"target": 10, "realisasi": 40}, "P5", "realisation-over-target"),
        ({"tautan_bukti": "www.kemenag.go.id/berita"}, "Y5", "invalid-url"),
        ({"sasaran": "Santri"}, "K5", "not-in-list"),
        ({"jumlah_peserta": "12,5"}, "L5", "invalid-number"),
        ({"anggaran": "1,500"}, "R5", "ambiguous-value"),
    ],
)
def test_row_codes(tmp_path, rules, period, values, cell, code):
    found, _ = _codes(tmp_path, rules, period, [values])
    assert (cell, code) in found


def _set_meta(key, value):
    def change(wb):
        ws = wb["_meta"]
        for row in ws.iter_rows():
            if row[0].value == key:
                row[1].value = value

    return change


def test_outdated_template(tmp_path, rules, period):
    found, _ = _codes(tmp_path, rules, period, [{}], change=_set_meta("template_version", 0))
    assert ("", "outdated-template") in found


def test_unknown_agency(tmp_path, rules, period):
    found, report = _codes(tmp_path, rules, period, [{}], change=_set_meta("agency_code", "KEMENLAIN"))
    assert ("", "unknown-agency") in found and report.accepted.empty


def test_header_missing(tmp_path, rules, period):
    def drop_status(wb):
        wb["Laporan"].cell(4, 6).value = "Keadaan"

    found, _ = _codes(tmp_path, rules, period, [{}], change=drop_status)
    assert ("A4", "header-missing") in found


def test_sheet_missing(tmp_path, rules, period):
    def remove(wb):
        del wb["Laporan"]

    found, _ = _codes(tmp_path, rules, period, [], change=remove)
    assert ("", "sheet-missing") in found


def test_renamed_sheet_is_still_found(tmp_path, rules, period):
    def rename(wb):
        wb["Laporan"].title = "Data Kegiatan"

    found, report = _codes(tmp_path, rules, period, [{}], change=rename)
    assert len(report.accepted) == 1 and not any(c in ("sheet-missing", "header-missing") for _, c in found)


def test_nihil_with_rows(tmp_path, rules, period):
    def nihil(wb):
        ident = {c.value: c.row for c in wb["Identitas"]["A"]}
        wb["Identitas"].cell(ident["Nihil (tidak ada kegiatan)"], 2, "Ya")

    found, report = _codes(tmp_path, rules, period, [{}], change=nihil)
    assert ("", "nihil-with-rows") in found and len(report.accepted) == 1


def test_nihil_alone_is_a_status(tmp_path, rules, period):
    def nihil(wb):
        ident = {c.value: c.row for c in wb["Identitas"]["A"]}
        wb["Identitas"].cell(ident["Nihil (tidak ada kegiatan)"], 2, "Ya")

    found, report = _codes(tmp_path, rules, period, [], change=nihil)
    assert report.statuses["KEMENAG"]["status"] == "nihil"
    assert not any(c == "assigned-action-missing" for _, c in found)


def test_ambiguous_agency_without_meta(tmp_path, rules, period):
    def strip(wb):
        del wb["_meta"]
        ident = {c.value: c.row for c in wb["Identitas"]["A"]}
        wb["Identitas"].cell(ident["Kode K/L"], 2).value = None
        wb["Identitas"].cell(ident["Nama K/L"], 2, "Kemenkumham")

    found, _ = _codes(tmp_path, rules, period, [{}], change=strip, name="laporan.xlsx")
    assert ("", "ambiguous-agency") in found


def test_agency_from_file_name(tmp_path, rules, period):
    def strip(wb):
        del wb["_meta"]
        ident = {c.value: c.row for c in wb["Identitas"]["A"]}
        wb["Identitas"].cell(ident["Kode K/L"], 2).value = None
        wb["Identitas"].cell(ident["Nama K/L"], 2).value = None

    found, report = _codes(tmp_path, rules, period, [{}], change=strip, name="Laporan Kominfo smt 1.xlsx")
    assert ("", "meta-missing") in found
    assert report.statuses["KOMDIGI"]["status"] != "not_received"
    assert "nama berkas" in next(p.message for p in report.problems if p.code == "meta-missing")
