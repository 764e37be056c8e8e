"""Ingest and validation on real workbooks: the demo's planted mistakes, exact rejected
rows of a hand-filled workbook, LibreOffice re-saves, broken files, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.texts import t
from pipeline.intake.validate import validate_period
from pipeline.outputs.template import Sheet, write_template

from .conftest import libreoffice_convert


@pytest.fixture(scope="module")
def demo_validation(rules, period, demo_sample):
    return validate_period(demo_sample.inbox, rules, period)


def test_demo_every_planted_mistake_found_and_nothing_else(demo_sample, demo_validation):
    planted = json.loads(demo_sample.planted_file.read_text())["problems"]
    found = {(p.file, p.cell, p.code) for p in demo_validation.problems if p.code != "not-received"}
    found |= {(p.file, "", p.code) for p in demo_validation.problems if not p.cell and p.code != "not-received"}
    expected = {(p["file"], p["cell"], p["code"]) for p in planted if p["code"] != "not-received"}
    assert expected <= found, f"missed: {sorted(expected - found)}"
    cell_level = {(p.file, p.cell, p.code) for p in demo_validation.problems if p.cell}
    assert cell_level <= expected, f"false alarms: {sorted(cell_level - expected)}"
    file_level = {(p.file, p.code) for p in demo_validation.problems if not p.cell and p.code != "not-received"}
    assert file_level == {(f, c) for f, cell, c in expected if not cell}
    silent = [p["agency"] for p in planted if p["code"] == "not-received"]
    assert [p.value for p in demo_validation.problems if p.code == "not-received"] == silent


def test_demo_counts_reconcile(demo_validation):
    for f in demo_validation.files:
        assert f.read == f.accepted + f.rejected + f.blank, f
    assert sum(f.accepted for f in demo_validation.files) == len(demo_validation.accepted)
    statuses = {s.state for s in demo_validation.agencies.values()}
    assert {"accepted", "accepted_warnings", "partial", "rejected", "nihil", "not_received"} <= statuses


def test_demo_superseded_and_identified_without_meta(demo_validation, rules):
    superseded = [f for f in demo_validation.files if f.status == "superseded"]
    assert len(superseded) == 1 and superseded[0].agency == rules.agencies[1].code
    no_meta = next(p for p in demo_validation.problems if p.code == "meta-missing")
    assert "Identitas" in no_meta.message


# ---- a workbook with known contents ---------------------------------------------------
ROWS = {
    # Excel row: values typed by the focal point (None = left empty)
    5: {
        "nama_kegiatan": "Sosialisasi moderasi beragama di Kota Medan",
        "status": "Selesai",
        "tanggal_mulai": dt.date(2026, 3, 2),
        "tanggal_selesai": dt.date(2026, 3, 3),
        "provinsi": "Sumatera Utara",
        "sasaran": "Tokoh Agama",
        "jumlah_peserta": 80,
        "target": 80,
        "realisasi": 80,
        "anggaran": 150_000_000,
        "realisasi_anggaran": 120_000_000,
    },
    6: {
        "nama_kegiatan": None,
        "status": "Berjalan",
        "tanggal_mulai": dt.date(2026, 4, 1),
        "provinsi": "Jatim",
        "sasaran": "Pemuda",
    },
    7: {
        "nama_kegiatan": "Dialog kebangsaan",
        "status": "Selesai",
        "tanggal_mulai": "3 Mar 2026",
        "tanggal_selesai": "31/02/2026",
        "provinsi": "DKI",
        "sasaran": "Pelajar",
        "realisasi": 10,
    },
    9: {
        "nama_kegiatan": "Pelatihan penyuluh agama angkatan II",
        "status": "Berjalan",
        "tanggal_mulai": dt.date(2026, 5, 5),
        "provinsi": "Jawa Barat",
        "sasaran": "Tokoh Agama",
        "anggaran": "1.500.000",
        "kode_aksi": "1.2.1",
        "peran": "Penanggung Jawab",
    },
}


def _fill(path, rules, agency, period):
    write_template(path, rules, Sheet(rules.get_agency(agency), period, dt.date(2026, 1, 5)))
    wb = openpyxl.load_workbook(path)
    ws = wb["Laporan"]
    col = {c.key: i + 1 for i, c in enumerate(rules.fields.columns)}
    for row, values in ROWS.items():
        for key, value in values.items():
            if value is not None:
                ws.cell(row, col[key], value)
    ident = wb["Identitas"]
    for r in range(1, 20):
        label = ident.cell(r, 1).value
        if label == "Nama Petugas Pengisi":
            ident.cell(r, 2, "Siti")
        elif label == "Email":
            ident.cell(r, 2, "siti@example.go.id")
        elif label == "Tanggal Pengisian":
            ident.cell(r, 2, dt.date(2026, 7, 10))
    wb.save(path)
    return path


def _projection(validation):
    return sorted((p.row, p.column, p.code) for p in validation.problems if p.row)


@pytest.fixture(scope="module")
def known(rules, period, tmp_path_factory):
    inbox = tmp_path_factory.mktemp("known")
    path = _fill(inbox / "kemenag.xlsx", rules, "KEMENAG", period)
    return inbox, path


def test_known_rows_exact(rules, period, known):
    inbox, _ = known
    validation = validate_period(inbox, rules, period)
    (f,) = validation.files
    assert len(rules.assigned_actions("KEMENAG")) == 5, "pre-filled rows 5-9; row 8 is left without activity"
    rejected = {p.row for p in validation.problems if p.severity == "error"}
    assert rejected == {6, 7}
    assert (f.accepted, f.rejected) == (2, 2)
    assert f.blank == 1  # row 8: only its pre-filled code and role
    assert f.read == f.accepted + f.rejected + f.blank
    assert _projection(validation) == sorted(
        [
            (6, "Nama Kegiatan", "required-missing"),
            (6, "Provinsi", "alias-replaced"),
            (7, "Provinsi", "alias-replaced"),
            (7, "Tanggal Mulai", "date-reformatted"),
            (7, "Tanggal Selesai", "invalid-date"),
            (9, "Anggaran (Rp)", "number-reformatted"),
        ]
    )
    accepted = validation.accepted.set_index("_row")
    assert accepted.at[9, "anggaran"] == 1_500_000 and accepted.at[5, "provinsi"] == "Sumatera Utara"


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
def test_libreoffice_resave_validates_the_same(rules, period, known, tmp_path, fmt):
    inbox, path = known
    original = validate_period(inbox, rules, period)
    resaved_inbox = tmp_path / "inbox"
    libreoffice_convert([path], fmt, resaved_inbox)
    again = validate_period(resaved_inbox, rules, period)
    assert _projection(again) == _projection(original)
    cols = [c for c in original.accepted.columns if c != "_file"]
    assert again.accepted[cols].astype(str).equals(original.accepted[cols].astype(str))


# ---- broken files never stop the batch --------------------------------------------------
def test_broken_files_are_rejected_and_the_rest_goes_on(rules, period, known, tmp_path):
    _, good = known
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(good, inbox / "KEMENAG baik.xlsx")
    data = good.read_bytes()
    (inbox / "kosong.xlsx").write_bytes(b"")
    (inbox / "acak.xlsx").write_bytes(os.urandom(4096))
    (inbox / "surat.xlsx").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    (inbox / "halaman.xlsx").write_bytes(b"<!DOCTYPE html><html><body>x</body></html>")
    (inbox / "POLRI terpotong.xlsx").write_bytes(data[: len(data) // 2])
    (inbox / "~$KEMENAG baik.xlsx").write_bytes(b"\x00" * 100)
    (inbox / "catatan.txt").write_text("bukan laporan")
    _encrypt(good, inbox / "BNPT berpassword.xlsx")
    before = {p.name: p.read_bytes() for p in inbox.iterdir()}
    validation = validate_period(inbox, rules, period)
    codes = {p.file: p.code for p in validation.problems if not p.row}
    assert codes["kosong.xlsx"] == "empty-file"
    assert codes["acak.xlsx"] == "not-a-workbook"
    assert codes["surat.xlsx"] == "not-a-workbook" and "PDF" in next(
        p.message for p in validation.problems if p.file == "surat.xlsx"
    )
    assert codes["halaman.xlsx"] == "not-a-workbook"
    assert codes["POLRI terpotong.xlsx"] == "corrupt-file"
    assert codes["~$KEMENAG baik.xlsx"] == "ignored-file" and codes["catatan.txt"] == "ignored-file"
    assert codes["BNPT berpassword.xlsx"] == "encrypted-file"
    message = next(p.message for p in validation.problems if p.file == "BNPT berpassword.xlsx")
    assert message.startswith("Berkas dilindungi kata sandi") and "menghapus kata sandinya" in message
    assert validation.agencies["POLRI"].state == "rejected" and validation.agencies["BNPT"].state == "rejected"
    alone = validate_period(known[0], rules, period)
    assert len(validation.accepted) == len(alone.accepted) == 2
    assert {p.name: p.read_bytes() for p in inbox.iterdir()} == before, "the inbox is never modified"


def test_a_failure_while_identifying_one_file_stays_with_that_file(rules, period, known, tmp_path, monkeypatch):
    """Identification runs in the read workers: an unexpected failure there is that file's
    problem, reported with the file's name; the other files go on."""
    import pipeline.intake.ingest as ingest

    _, good = known
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(good, inbox / "KEMENAG baik.xlsx")
    shutil.copy(good, inbox / "POLRI aneh.xlsx")
    real = ingest.identify

    def identify(book, rules, period, **kw):
        if book.path.name.startswith("POLRI") and not book.error:
            raise ValueError("nilai tak terduga")
        return real(book, rules, period, **kw)

    monkeypatch.setattr(ingest, "identify", identify)
    validation = validate_period(inbox, rules, period)
    odd = [p for p in validation.problems if p.file == "POLRI aneh.xlsx"]
    assert [p.code for p in odd] == ["read-failed"] and odd[0].debug == "ValueError: nilai tak terduga"
    assert len(validation.accepted) == 2 and {f.file: f.status for f in validation.files}["KEMENAG baik.xlsx"] == "used"


def _encrypt(src, dst, password="rahasia"):
    """A workbook protected by a password to open, as Excel writes it (OLE2 EncryptedPackage)."""
    from msoffcrypto.format.ooxml import OOXMLFile

    with open(src, "rb") as fh, open(dst, "wb") as out:
        OOXMLFile(fh).encrypt(password, out)


def test_validation_outputs_are_reproducible(rules, period, known, tmp_path):
    from pipeline.run import run

    inbox, _ = known
    digests = []
    for name in ("a", "b"):
        run(inbox, tmp_path / name, rules, period, consolidation=True)
        files = sorted(
            p
            for p in (tmp_path / name).rglob("*")
            if p.is_file() and p.suffix in (".xlsx", ".json", ".docx", ".csv") and ".cache" not in p.parts
        )
        digests.append([(f.relative_to(tmp_path / name), f.read_bytes()) for f in files])
    # summary, data, report, public edition, review workbook, list, feedback, I-KHub csv and json,
    # the open data (four tables and datapackage.json), manifest
    assert digests[0] == digests[1] and len(digests[0]) == 15


def test_cli_validate_exit_codes(rules, known, tmp_path):
    inbox, _ = known
    runner = CliRunner()
    result = runner.invoke(main, ["validate", "--period", "2026-S1", "--inbox", str(inbox), "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)  # the sample-data warning goes to stderr
    assert data["counts"]["error"] == 2 and data["files"][0]["accepted"] == 2
    text = runner.invoke(main, ["validate", "--period", "2026-S1", "--inbox", str(inbox)])
    assert "Validasi periode 2026-S1" in text.output and "Laporan!E6" in text.output
    missing = runner.invoke(main, ["validate", "--period", "2026-S1", "--inbox", str(tmp_path / "tidak-ada")])
    assert missing.exit_code == 2 and "tidak ditemukan" in missing.output
    empty = tmp_path / "kosong"
    empty.mkdir()
    clean = runner.invoke(main, ["validate", "--period", "2026-S1", "--inbox", str(empty)])
    assert clean.exit_code == 1  # every agency is 'not received'


# ---- feedback workbooks -----------------------------------------------------------------
def test_feedback_workbook_marks_cells_and_validates_again(rules, period, known, tmp_path):
    from pipeline.outputs.feedback import write_feedback
    from pipeline.outputs.problem_list import write_validation_list

    inbox, _ = known
    validation = validate_period(inbox, rules, period)
    (path,) = write_feedback(validation, rules, tmp_path, dt.date(2026, 7, 20))
    assert path == tmp_path / "2026-S1" / "umpan_balik" / "KEMENAG_2026-S1.xlsx"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "Daftar Perbaikan"
    listing = list(wb["Daftar Perbaikan"].iter_rows(min_row=5, values_only=True))
    errors, warning = t("feedback.severity.error"), t("feedback.severity.warning")
    assert [r[1] for r in listing][:3] == [errors, errors, warning]
    links = {c.hyperlink.location for row in wb["Daftar Perbaikan"].iter_rows(min_row=5) for c in row if c.hyperlink}
    assert "'Laporan'!E6" in links and "'Laporan'!H7" in links
    ws = wb["Laporan"]
    assert ws["E6"].fill.fgColor.rgb.endswith("FFC7CE") and ws["E6"].comment is not None
    assert ws["R9"].fill.fgColor.rgb.endswith("BDD7EE") and ws["R9"].value == 1_500_000  # corrected, applied
    assert ws["I6"].value == "Jawa Timur" and ws["H7"].value == "31/02/2026"  # unreadable: kept as typed
    assert isinstance(ws["L5"].value, int | float) and ws["L5"].comment is None
    # due back a week after it was made (the period's deadline, 15/07/2026, is past by then)
    guide = " ".join(str(c.value) for c in wb["Petunjuk"]["A"] if c.value)
    assert "paling lambat 27/07/2026" in guide and "15/07/2026" not in guide
    # the feedback file is a template like any other: it validates with the same problems, minus the corrections
    again = validate_period(path.parent, rules, period)
    codes = sorted((p.row, p.code) for p in again.problems if p.row)
    assert codes == [(6, "required-missing"), (7, "invalid-date")]  # corrections already applied
    listing_path = write_validation_list(validation, rules, tmp_path / "v.xlsx", dt.date(2026, 7, 20))
    rows = list(openpyxl.load_workbook(listing_path).active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(validation.problems)
    assert ("required-missing", "Wajib diisi") in {(r[6], r[7]) for r in rows}  # the code and its Indonesian name


def test_no_feedback_for_a_clean_return(rules, period, tmp_path):
    from pipeline.outputs.feedback import write_feedback

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    path = write_template(inbox / "ppatk.xlsx", rules, Sheet(rules.get_agency("PPATK"), period, dt.date(2026, 1, 5)))
    wb = openpyxl.load_workbook(path)
    ws = wb["Laporan"]
    col = {c.key: i + 1 for i, c in enumerate(rules.fields.columns)}
    for r, (fa, _) in enumerate(rules.assigned_actions("PPATK"), start=5):
        for key, value in {
            "nama_kegiatan": f"Analisis {fa.code}",
            "status": "Berjalan",
            "sasaran": "Aparat Penegak Hukum",
            "tanggal_mulai": dt.date(2026, 2, 2),
            "provinsi": "Nasional",
        }.items():
            ws.cell(r, col[key], value)
    ident = {c.value: c.row for c in wb["Identitas"]["A"]}
    for label, value in (
        ("Nama Petugas Pengisi", "Budi"),
        ("Email", "b@example.go.id"),
        ("Tanggal Pengisian", dt.date(2026, 7, 1)),
    ):
        wb["Identitas"].cell(ident[label], 2, value)
    wb.save(path)
    validation = validate_period(inbox, rules, period)
    assert [p.code for p in validation.problems if p.file] == []
    assert validation.agencies["PPATK"].state == "accepted"
    assert write_feedback(validation, rules, tmp_path / "out", dt.date(2026, 7, 20)) == []
    # a safe correction alone leaves the agency nothing to do: listed, not sent back
    ws.cell(5, col["provinsi"], "Jatim")
    wb.save(path)
    validation = validate_period(inbox, rules, period)
    assert [p.code for p in validation.problems if p.file] == ["alias-replaced"]
    assert write_feedback(validation, rules, tmp_path / "out", dt.date(2026, 7, 20)) == []
