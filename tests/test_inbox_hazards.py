"""What the peer corpus (bench/peer_corpus.py) found, each as a small file of our own: an
agency's feedback overwritten by a stray file, names no XML writer takes, files the system
will not open, passwords in every format, inbox entries that are not files, and noise."""

from __future__ import annotations

import datetime as dt
import json
import os
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from click.testing import CliRunner
from python_calamine import CalamineWorkbook

from pipeline.cli import main
from pipeline.core.names import display_name
from pipeline.core.texts import t
from pipeline.intake.validate import validate_period
from pipeline.outputs.feedback import feedback_path, read_problem_list
from pipeline.run import run

from .conftest import libreoffice_convert, unprivileged
from .test_problem_codes import _cell, _workbook


def _codes(validation, name: str) -> list[str]:
    return [p.code for p in validation.problems if p.file == name]


def _rows(path: Path, sheet: str) -> list[list]:
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


# ---- 1. one feedback workbook per agency --------------------------------------------
def test_a_stray_file_never_replaces_an_agencys_feedback(rules, period, tmp_path):
    """KEMENAG's return has an error; beside it an empty old file and an earlier draft, both
    named after KEMENAG. One feedback workbook: the return's problems, then the two others."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    _workbook(inbox, rules, period, [{"jumlah_peserta": "dua belas"}], name="Laporan KEMENAG.xlsx")
    _workbook(inbox, rules, period, [{}], name="KEMENAG draf.xlsx", identity={"Tanggal Pengisian": dt.date(2026, 6, 1)})
    (inbox / "Laporan KEMENAG lama.xlsx").write_bytes(b"")
    result = run(inbox, outbox, rules, period, consolidation=True)
    path = feedback_path(outbox, period, "KEMENAG")
    assert result.feedback == [path]
    listed = read_problem_list(path)
    cell = _cell(rules, "jumlah_peserta", 5)
    error = t("feedback.severity.error")
    assert [p for p in listed if p["cell"] == cell and p["severity"] == error], listed  # the real one
    assert not [p for p in listed if "0 byte" in str(p["message"])]  # the stray file is not the workbook
    sheet = _rows(path, t("feedback.sheet"))
    title = next(i for i, r in enumerate(sheet) if r[0] == t("feedback.others_title"))
    others = {r[2]: (r[1], r[5]) for r in sheet[title + 2 :] if r[0] != ""}  # file in C:E, reason in F:G
    assert others["KEMENAG draf.xlsx"][0] == t("feedback.others_status.superseded")
    assert others["Laporan KEMENAG lama.xlsx"][0] == t("feedback.others_status.rejected")
    assert "0 byte" in others["Laporan KEMENAG lama.xlsx"][1]
    manifest = json.loads(result.files[-1].read_text())
    outputs = [o["file"] for o in manifest["outputs"]]
    assert len(outputs) == len(set(outputs))
    folder = path.parent
    assert sorted(folder.glob("*.xlsx")) == result.feedback
    assert t("cli_outputs.feedback_written", n=1, folder=folder) in result.lines()


def test_a_newer_return_that_failed_is_sent_back_beside_a_clean_one(rules, period, tmp_path):
    inbox = tmp_path / "inbox"
    clean = _workbook(inbox, rules, period, [{}], name="KEMENAG.xlsx")
    os.utime(clean, (1e9, 1e9))
    (inbox / "KEMENAG revisi.xlsx").write_bytes(b"")  # newer, and broken
    result = run(inbox, tmp_path / "outbox", rules, period, consolidation=False)
    assert [p.name for p in result.feedback] == [f"KEMENAG_{period.id}.xlsx"]
    sheet = _rows(result.feedback[0], t("feedback.sheet"))
    assert any(r[2] == "KEMENAG revisi.xlsx" for r in sheet)


def test_an_agency_without_a_usable_file_gets_one_workbook_from_its_newest(rules, period, tmp_path):
    inbox = tmp_path / "inbox"
    for name, when in (("KEMENAG versi 1.xlsx", 1), ("KEMENAG versi 2.xlsx", 2)):
        path = _workbook(inbox, rules, period, [{}], name=name)
        with zipfile.ZipFile(path) as z:  # both for the wrong period: rejected
            data = {i: z.read(i) for i in z.infolist()}
        with zipfile.ZipFile(path, "w") as z:
            for info, d in data.items():
                z.writestr(info, d.replace(b">2026-S1<", b">2025-S2<"))
        os.utime(path, (when * 1e9, when * 1e9))
    result = run(inbox, tmp_path / "outbox", rules, period, consolidation=False)
    assert [p.name for p in result.feedback] == ["KEMENAG_2025-S2.xlsx"]  # named after the period it was made for
    intro = _rows(result.feedback[0], t("feedback.sheet"))[1][0]
    assert "KEMENAG versi 2.xlsx" in intro


# ---- 2. workers that cannot poison each other ----------------------------------------
# (tests/test_workers.py: the out-of-memory file, one worker, two orders)


# ---- 3. no crash on names or permissions ---------------------------------------------
def test_any_byte_sequence_as_a_file_name_is_shown_safely(rules, period, tmp_path):
    """A cp437 name unpacked from a Windows zip, a newline and a right-to-left override: the
    run completes, every output and console line shows them escaped."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    cp437 = os.fsdecode(b"Laporan KEMENAG \x82 semester.xlsx")
    _workbook(inbox, rules, period, [{"jumlah_peserta": "dua belas"}], name=cp437)
    (inbox / "catatan\n[Galat] palsu.txt").write_bytes(b"x")
    (inbox / "lapor\u202exslx.xlsx").write_bytes(b"")
    result = runner_invoke(["consolidate", "--period", period.id, "--inbox", inbox, "--outbox", outbox])
    assert result.exit_code == 1, result.output
    shown = display_name(cp437)
    assert shown == "Laporan KEMENAG \\x82 semester.xlsx"
    assert display_name("a\u0080.xlsx") != display_name(os.fsdecode(b"a\x80.xlsx"))  # a character is not a byte
    assert "catatan\\u000a[Galat] palsu.txt" in result.output
    assert "lapor\\u202exslx.xlsx" in result.output
    assert "\u202e" not in result.output and "\n[Galat]" not in result.output
    validasi = _rows(outbox / period.id / f"validasi_{period.id}.xlsx", t("validasi.sheet"))
    assert shown in {r[1] for r in validasi}
    manifest = json.loads((outbox / period.id / "manifest.json").read_text())
    assert shown in {i["file"] for i in manifest["inputs"]}
    assert (outbox / period.id / "umpan_balik" / f"KEMENAG_{period.id}.xlsx").exists()


def runner_invoke(args):
    return CliRunner().invoke(main, [str(a) for a in args])


def _validate_codes(inbox, rules, period):
    v = validate_period(inbox, rules, period)
    return [(p.file, p.code, p.detail, p.debug) for p in v.problems]


def test_a_file_the_system_will_not_open_is_rejected_with_a_reason(rules, period, tmp_path):
    inbox = tmp_path / "inbox"
    _workbook(inbox, rules, period, [{}], name="KEMENAG.xlsx")
    _workbook(inbox, rules, period, [{}], name="BNPT.xlsx", agency="BNPT").chmod(0)
    found = unprivileged(_validate_codes, inbox, rules, period)
    mine = [(code, debug) for file, code, _, debug in found if file == "BNPT.xlsx"]
    assert mine == [("unreadable-file", "Permission denied")]
    assert ("KEMENAG.xlsx", "assigned-action-missing") in {(f, c) for f, c, _, _ in found}  # the rest went on


def test_exit_codes_problems_found_and_cannot_proceed(rules, period, tmp_path, monkeypatch):
    """1 when problems are found, the same for validate and consolidate, even when every file
    was rejected; 2 only when the run cannot proceed, with one line and no traceback."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    (inbox / "KEMENAG.xlsx").write_bytes(b"")
    common = ["--period", period.id, "--inbox", inbox, "--outbox", outbox]
    assert runner_invoke(["validate", *common]).exit_code == 1
    assert runner_invoke(["consolidate", *common]).exit_code == 1
    import pipeline.run

    def broken(*args, **kwargs):
        raise RuntimeError("contoh kegagalan")

    monkeypatch.setattr(pipeline.run, "validate_period", broken)
    failed = runner_invoke(["consolidate", *common])
    assert failed.exit_code == 2
    assert "RuntimeError: contoh kegagalan" in failed.output and "Traceback" not in failed.output


# ---- 4. passwords in every format ----------------------------------------------------
def _encrypted_ods(path: Path) -> Path:
    """An OpenDocument spreadsheet saved with a password: its manifest lists how each part
    is encrypted (the parts themselves are ciphertext)."""
    manifest = (
        b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        b'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        b'<manifest:file-entry manifest:full-path="/" '
        b'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        b'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="900">'
        b'<manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0'
        b'#sha256-1k" manifest:checksum="mv+N1tztgdqMI8tYDt/26gMGY3xOlB7K9NDd7aRtuM8=">'
        b'<manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" '
        b'manifest:initialisation-vector="6Hqa23+JeHOj/ijjJkmBrg=="/></manifest:encryption-data>'
        b"</manifest:file-entry></manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", b"application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", os.urandom(900))
    return path


def _password_xls(good: Path, folder: Path) -> Path:
    """LibreOffice's .xls of a return, with the record after the workbook's BOF turned into
    FILEPASS, as Excel writes it for a password to open."""
    (xls,) = libreoffice_convert([good], "xls", folder / "lo")
    data = bytearray(xls.read_bytes())
    bof = data.index(b"\x09\x08\x10\x00\x00\x06\x05\x00")
    data[bof + 20 : bof + 22] = b"\x2f\x00"
    target = folder / "inbox" / "KEMENAG sandi.xls"
    target.write_bytes(bytes(data))
    return target


def test_passwords_are_recognised_in_every_format(rules, period, tmp_path):
    inbox = tmp_path / "inbox"
    good = _workbook(tmp_path / "src", rules, period, [{}], name="KEMENAG.xlsx")
    inbox.mkdir()
    _encrypted_ods(inbox / "KEMENAG sandi.ods")
    _password_xls(good, tmp_path)
    v = validate_period(inbox, rules, period)
    for name in ("KEMENAG sandi.ods", "KEMENAG sandi.xls"):
        (problem,) = [p for p in v.problems if p.file == name]
        assert problem.code == "encrypted-file"
        assert "kata sandi" in problem.message and "password" not in problem.message.lower()


def _changed_return(tmp_path: Path, rules, period, name: str, change) -> Path:
    """A KEMENAG return written to inbox/`name`, each zip member's bytes passed through
    `change(member name, bytes)`."""
    good = _workbook(tmp_path / "src", rules, period, [{}], name="KEMENAG.xlsx")
    (tmp_path / "inbox").mkdir(exist_ok=True)
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(tmp_path / "inbox" / name, "w") as out:
        for info in src.infolist():
            out.writestr(info, change(info.filename, src.read(info)))
    return tmp_path / "inbox" / name


def test_library_english_goes_to_the_technical_column_only(rules, period, tmp_path):
    inbox = tmp_path / "inbox"
    broken = b"<workbook><sheets><sheet"
    _changed_return(tmp_path, rules, period, "KEMENAG.xlsx", lambda n, d: broken if n == "xl/workbook.xml" else d)
    (problem,) = [p for p in validate_period(inbox, rules, period).problems if p.file == "KEMENAG.xlsx"]
    assert problem.code in ("corrupt-file", "read-failed")
    assert problem.debug and problem.debug not in problem.message
    assert problem.detail == t("read.structure_broken")


# ---- 5. every entry of the inbox accounted for ----------------------------------------
def test_every_inbox_entry_is_read_or_listed_and_links_stay_inside(rules, period, tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    good = _workbook(inbox, rules, period, [{}], name="KEMENAG.xlsx")
    (inbox / "arsip.xlsx").mkdir()
    os.mkfifo(inbox / "pipa.xlsx")
    (inbox / "putus.xlsx").symlink_to(tmp_path / "tidak-ada.xlsx")
    (inbox / "perangkat.xlsx").symlink_to("/dev/zero")
    outside = _workbook(tmp_path / "luar", rules, period, [{}], name="BNPT.xlsx", agency="BNPT")
    (inbox / "BNPT.xlsx").symlink_to(outside)
    (inbox / "salinan KEMENAG.xlsx").symlink_to(good)
    result = run(inbox, outbox, rules, period, consolidation=False)  # a FIFO opened would hang here
    ignored = {p.file: p.detail for p in result.validation.problems if p.code == "ignored-file"}
    assert ignored == {
        "arsip.xlsx": t("ingest.ignored_folder"),
        "pipa.xlsx": t("ingest.ignored_special"),
        "putus.xlsx": t("ingest.ignored_broken_link"),
        "perangkat.xlsx": t("ingest.ignored_outside_link"),
        "BNPT.xlsx": t("ingest.ignored_outside_link"),
    }
    assert {s.name for s in result.validation.submissions} == {"KEMENAG.xlsx", "salinan KEMENAG.xlsx"}
    manifest = (outbox / period.id / "manifest.json").read_text()
    from pipeline.core.files import sha256

    assert sha256(outside) not in manifest


# ---- 6. noise -------------------------------------------------------------------------
def test_no_identity_warnings_for_a_file_that_is_not_a_return(rules, period, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    wb = xlsxwriter.Workbook(inbox / "KEMENAG anggaran 2026.xlsx")
    wb.add_worksheet("Data").write(0, 0, "Anggaran")
    wb.close()
    v = validate_period(inbox, rules, period)
    assert _codes(v, "KEMENAG anggaran 2026.xlsx") == ["sheet-missing"]


def test_ignored_message_names_what_is_read_and_templates_are_read(rules, period, tmp_path):
    inbox = tmp_path / "inbox"
    as_template = b"spreadsheetml.sheet.main+xml", b"spreadsheetml.template.main+xml"
    _changed_return(tmp_path, rules, period, "KEMENAG.xltx", lambda n, d: d.replace(*as_template))
    (inbox / "catatan.csv").write_text("a;b")
    v = validate_period(inbox, rules, period)
    (ignored,) = [p for p in v.problems if p.code == "ignored-file"]
    assert ".xlsb" in ignored.message and ".xltx" in ignored.message
    (used,) = [f for f in v.files if f.file == "KEMENAG.xltx"]
    assert used.status == "used" and used.accepted == 1


@pytest.mark.parametrize("name", ["~$KEMENAG.xlsx", ".~lock.KEMENAG.xlsx#", "._KEMENAG.xlsx"])
def test_lock_files_are_still_listed(name, rules, period, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / name).write_bytes(b"x")
    v = validate_period(inbox, rules, period)
    assert [(p.file, p.code) for p in v.problems if p.code == "ignored-file"] == [(name, "ignored-file")]
