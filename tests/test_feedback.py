"""Feedback an agency can act on: a return made on another period's template gets a workbook
of that period saying so, and an e-mail with the right template; that workbook sent back is
never taken for the period reported, while a corrected ordinary one is; every list of what to
fix puts errors first."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import re
import shutil

import openpyxl
import pytest

from pipeline.core.periods import parse_period
from pipeline.core.texts import t
from pipeline.cycle.mail import make_drafts
from pipeline.intake.validate import validate_period
from pipeline.outputs.feedback import read_problem_list
from pipeline.outputs.template import read_meta, template_path
from pipeline.run import run

from .test_problem_codes import _cell, _set_meta, _workbook

TODAY = dt.date(2026, 7, 10)  # the mails are drafted before the deadline (15/07/2026)


@pytest.fixture(scope="module")
def earlier(rules):
    return parse_period("2025-S2", rules)


def _body(path) -> tuple[str, str, list[str]]:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    attached = [a.get_filename() for a in msg.iter_attachments()]
    return str(msg["Subject"]), msg.get_body(("plain",)).get_content(), attached


def _text(ws) -> str:
    return " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)


def test_a_return_on_the_previous_periods_template_is_fed_back_as_that_periods(rules, period, earlier, tmp_path):
    """KEMENAG filled the 2025-S2 template (its activities dated in 2026). The feedback
    workbook keeps 2025-S2 (its rows, Identitas, _meta) and says so on every visible sheet,
    naming the 2026-S1 template; the e-mail attaches that template and says it in plain words."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    _workbook(inbox, rules, earlier, [{}, {"nama_kegiatan": "Dialog kebangsaan"}], name="Laporan KEMENAG.xlsx")
    result = run(inbox, outbox, rules, period, consolidation=False)
    assert result.validation.agencies["KEMENAG"].state == "rejected"
    (path,) = result.feedback
    assert path.name == "KEMENAG_2025-S2.xlsx"  # named after the period it was made for
    assert read_meta(path)["period"] == "2025-S2" and read_meta(path)["source"] == "Laporan KEMENAG.xlsx"
    said = "Berkas ini dibuat untuk periode 2025-S2 (Semester II Tahun 2025), bukan untuk periode yang sedang"
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == t("feedback.sheet")
    for sheet in (t("feedback.sheet"), "Petunjuk", "Identitas"):
        text = _text(wb[sheet])
        assert said in text and "Gunakan templat periode 2026-S1, berkas KEMENAG_2026-S1.xlsx" in text, sheet
    assert "Kirim kembali berkas ini" not in _text(wb["Petunjuk"])  # this file is not to be sent back
    identitas = {r[0]: r[1] for r in wb["Identitas"].iter_rows(values_only=True) if r[0]}
    assert identitas["Periode"] == "2025-S2" and identitas["Periode Pelaporan"] == "Semester II Tahun 2025"
    due = identitas["Batas Waktu Pengiriman"].date()  # when the right template is due, as the notice says
    assert due >= period.deadline and f"paling lambat {due:%d/%m/%Y}" in _text(wb["Identitas"])
    assert wb["Laporan"]["A1"].value == "Laporan Pelaksanaan RAN PE Semester II Tahun 2025"
    assert wb["Laporan"][_cell(rules, "nama_kegiatan", 6)].value == "Dialog kebangsaan"  # its own rows, as sent

    (draft,), _ = make_drafts("feedback", rules, period, inbox, outbox, TODAY)
    subject, body, attached = _body(draft)
    template = template_path(outbox, period, "KEMENAG")
    assert attached == [template.name] and template.exists()  # the template to use, not the workbook
    assert subject == "[CONTOH] Umpan Balik Laporan RAN PE Semester I Tahun 2026 — Kemenag: gunakan templat " + (
        "Semester I Tahun 2026"
    )
    assert "(Laporan KEMENAG.xlsx). Berkas tersebut dibuat dengan templat periode Semester II Tahun 2025" in body
    assert "templat Semester I Tahun 2026 yang terlampir (KEMENAG_2026-S1.xlsx)" in body
    assert f"paling lambat {due:%d/%m/%Y}" in body and "Yang perlu diperbaiki" not in body  # the workbook's date

    # sent back as it is, the workbook is still a 2025-S2 return: rejected, asking for the 2026-S1 template
    again = tmp_path / "inbox2"
    again.mkdir()
    shutil.copy(path, again / "KEMENAG revisi.xlsx")
    validation = validate_period(again, rules, period)
    assert validation.agencies["KEMENAG"].state == "rejected"
    (problem,) = [p for p in validation.problems if p.file == "KEMENAG revisi.xlsx" and p.severity == "error"]
    assert problem.code == "wrong-period" and "Gunakan templat periode 2026-S1" in problem.message


def test_a_corrected_feedback_workbook_is_accepted(rules, period, tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    _workbook(inbox, rules, period, [{}, {"nama_kegiatan": None}], name="Laporan KEMENAG.xlsx")
    (path,) = run(inbox, outbox, rules, period, consolidation=False).feedback
    assert path.name == "KEMENAG_2026-S1.xlsx" and read_meta(path)["period"] == "2026-S1"
    assert "dibuat untuk periode" not in _text(openpyxl.load_workbook(path)[t("feedback.sheet")])
    wb = openpyxl.load_workbook(path)
    wb["Laporan"][_cell(rules, "nama_kegiatan", 6)] = "Dialog kebangsaan"  # the error fixed
    again = tmp_path / "inbox2"
    again.mkdir()
    wb.save(again / "KEMENAG revisi.xlsx")
    validation = validate_period(again, rules, period)
    status = validation.agencies["KEMENAG"]
    assert status.state in ("accepted", "accepted_warnings") and (status.accepted, status.errors) == (2, 0)


def test_errors_come_first_in_the_list_and_the_mail(rules, period, tmp_path):
    """A warning on row 5 (realisation far over target), a correction on row 5 (Jatim) and
    an error on row 7 (no activity name): error, then warning, then correction."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    rows = [{"target": 10, "realisasi": 100, "provinsi": "Jatim"}, {}, {"nama_kegiatan": None}]
    _workbook(inbox, rules, period, rows, name="Laporan KEMENAG.xlsx")
    (path,) = run(inbox, outbox, rules, period, consolidation=False).feedback
    listed = [(p["severity"], p["cell"]) for p in read_problem_list(path) if p["cell"] != t("feedback.whole_file")]
    error, warning, corrected = (_cell(rules, "nama_kegiatan", 7), _cell(rules, "realisasi", 5),
                                 _cell(rules, "provinsi", 5))  # fmt: skip
    assert listed == [("kesalahan isian", error), ("peringatan", warning), ("dikoreksi", corrected)]
    (draft,), _ = make_drafts("feedback", rules, period, inbox, outbox, TODAY)
    _, body, _ = _body(draft)
    lines = [line for line in body.splitlines() if line.startswith("- ")]
    at = {cell: next(i for i, line in enumerate(lines) if line.startswith(f"- {cell} (")) for cell in (error, warning)}
    assert at[error] == 0 < at[warning] and not [line for line in lines[1:] if "(kesalahan isian" in line], lines
    assert corrected not in body  # a correction asks nothing of the agency


def _every_action(rules, **first) -> list[dict]:
    """A good row for each action assigned to KEMENAG (so that none is missing), `first`
    over the first."""
    n = len(rules.assigned_actions("KEMENAG"))
    return [{"nama_kegiatan": f"Sosialisasi {i + 1}", **(first if i == 0 else {})} for i in range(n)]


def _dated(path, day: dt.date):
    """`path` as if saved on `day` (the date of a run's outputs is its newest input's)."""
    moment = dt.datetime(day.year, day.month, day.day, 9).timestamp()
    os.utime(path, (moment, moment))
    return path


def test_lateness_alone_asks_nothing_of_the_agency(rules, period, tmp_path):
    """A late return cannot be fixed by editing the file: alone it gives no feedback workbook
    and no letter. Beside an error it is on the workbook's list as information (catatan),
    after what is to fix, and the letter neither counts nor lists it."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    late = {"Tanggal Pengisian": dt.date(2026, 7, 20)}  # the deadline is 15/07/2026
    _workbook(inbox, rules, period, _every_action(rules), identity=late, name="Laporan KEMENAG.xlsx")
    result = run(inbox, outbox, rules, period, consolidation=False)
    assert [p.code for p in result.validation.problems if p.file] == ["late-submission"]
    assert result.feedback == [] and make_drafts("feedback", rules, period, inbox, outbox, TODAY) == ([], [])

    rows = _every_action(rules, nama_kegiatan=None)
    _workbook(inbox, rules, period, rows, identity=late, name="Laporan KEMENAG.xlsx")
    (path,) = run(inbox, outbox, rules, period, consolidation=False).feedback
    listed = [(p["severity"], p["message"].split(":")[0]) for p in read_problem_list(path)]
    assert listed == [
        ("kesalahan isian", "Kolom Nama Kegiatan wajib diisi."),
        ("catatan", "Laporan diterima terlambat"),
    ]
    assert t("feedback.information") in _text(openpyxl.load_workbook(path)[t("feedback.sheet")])
    (draft,), _ = make_drafts("feedback", rules, period, inbox, outbox, TODAY)
    subject, body, _ = _body(draft)
    assert subject.endswith("— Kemenag: 1 kesalahan isian")  # no "0 peringatan"
    assert "Hasil pemeriksaan kami: 1 kesalahan isian." in body and "terlambat" not in body


def test_a_file_made_for_another_period_keeps_its_numbers_and_dates(rules, period, earlier, tmp_path):
    """The rows of a file that was not normalised are written back with their types, as the
    agency's workbook held them: dates as dates, numbers as numbers (so the template's
    formulas work), text as text."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    values = {"tanggal_mulai": dt.date(2026, 1, 5), "jumlah_peserta": 110, "target": 200, "realisasi": 150,
              "anggaran": 900_000_000}  # fmt: skip
    _workbook(inbox, rules, earlier, [values], name="Laporan KEMENAG.xlsx")
    (path,) = run(inbox, outbox, rules, period, consolidation=False).feedback
    assert path.name == "KEMENAG_2025-S2.xlsx"
    ws = openpyxl.load_workbook(path)["Laporan"]
    got = {key: ws[_cell(rules, key, 5)].value for key in [*values, "nama_kegiatan"]}
    assert got == {**values, "tanggal_mulai": dt.datetime(2026, 1, 5), "nama_kegiatan": "Sosialisasi"}
    assert all(isinstance(got[k], int | float) for k in ("jumlah_peserta", "target", "realisasi", "anggaran"))


def test_a_feedback_workbook_and_its_letters_give_one_due_date(rules, period, tmp_path, monkeypatch):
    """A return sent after the deadline: its workbook is due a week after the run. Identitas,
    Petunjuk and every letter give that date, drafted before the period's deadline or after."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    _dated(_workbook(inbox, rules, period, [{"nama_kegiatan": None}], name="Laporan KEMENAG.xlsx"), dt.date(2026, 8, 3))
    (path,) = run(inbox, outbox, rules, period, consolidation=False).feedback
    due = f"{dt.date(2026, 8, 3) + dt.timedelta(days=rules.settings.correction_days):%d/%m/%Y}"
    wb = openpyxl.load_workbook(path)
    identitas = {r[0]: r[1] for r in wb["Identitas"].iter_rows(values_only=True) if r[0]}
    assert f"{identitas['Batas Waktu Pengiriman']:%d/%m/%Y}" == due
    assert f"paling lambat {due}" in _text(wb["Petunjuk"])
    for today in (TODAY, dt.date(2026, 8, 5)):  # before the period's deadline (15/07/2026), then after
        (draft,), _ = make_drafts("feedback", rules, period, inbox, outbox, today)
        _, body, _ = _body(draft)
        assert re.findall(r"\d\d/\d\d/\d{4}", body) == [due] and f"paling lambat {due}" in body, today


def test_an_agency_reads_its_own_file_names_not_the_inbox_folders(rules, period, tmp_path):
    """Files kept in the inbox's period folder: the secretariat's lists show the folder, what
    the agency reads (the workbook's list, its other files, the letter) shows its own names."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    folder = inbox / period.id
    folder.mkdir(parents=True)
    _workbook(
        folder, rules, period, [{}], identity={"Tanggal Pengisian": dt.date(2026, 6, 1)}, name="Laporan lama.xlsx"
    )
    _workbook(folder, rules, period, [{"nama_kegiatan": None}], name="Laporan KEMENAG.xlsx")
    result = run(inbox, outbox, rules, period, consolidation=False)
    assert result.validation.agencies["KEMENAG"].file == f"{period.id}/Laporan KEMENAG.xlsx"  # the secretariat's
    (path,) = result.feedback
    listing = _text(openpyxl.load_workbook(path)[t("feedback.sheet")])
    assert "Berkas asal: Laporan KEMENAG.xlsx." in listing and "Laporan lama.xlsx" in listing
    assert "kiriman yang lebih baru (Laporan KEMENAG.xlsx)" in listing and f"{period.id}/" not in listing
    (draft,), _ = make_drafts("feedback", rules, period, inbox, outbox, TODAY)
    _, body, _ = _body(draft)
    assert "(Laporan KEMENAG.xlsx)" in body and f"{period.id}/" not in body


def test_a_reminder_for_a_rejected_file_says_plainly_where_the_reason_is(rules, period, earlier, tmp_path):
    """KEMENAG sent a file on the previous period's template, LPSK one on an old template, both
    rejected; reminded long after the deadline. Each reminder says the file could not be
    processed and where to find why, and that the deadline has passed, without accusing and
    without jargon; it gives the feedback workbook's due date."""
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    _dated(_workbook(inbox, rules, earlier, [{}], name="Laporan KEMENAG.xlsx"), dt.date(2026, 12, 1))
    old = _set_meta("template_version", 0)
    _dated(
        _workbook(inbox, rules, period, [{}], agency="LPSK", change=old, name="Laporan LPSK.xlsx"), dt.date(2026, 12, 1)
    )
    run(inbox, outbox, rules, period, consolidation=False)
    drafts, _ = make_drafts("reminders", rules, period, inbox, outbox, dt.date(2026, 12, 7))
    said = {p.stem: _body(p) for p in drafts}
    for subject, body, _ in said.values():
        assert not re.search(r"\b(baris|galat|sah|terlambat)\b", f"{subject}\n{body}"), body
        assert subject.endswith("batas waktu telah lewat 145 hari") and "15/07/2026, telah lewat 145 hari" in body
    subject, body, attached = said["KEMENAG"]
    assert "yang kami terima dari Kemenag tidak dapat kami proses" in body
    assert "dibuat dengan templat periode Semester II Tahun 2025" in body and attached == ["KEMENAG_2026-S1.xlsx"]
    assert (
        "paling lambat 08/12/2026" in body
        and "templat Semester I Tahun 2026 yang terlampir (KEMENAG_2026-S1.xlsx)" in body
    )
    _, body, attached = said["LPSK"]
    assert attached == ["LPSK_2026-S1.xlsx"]  # its feedback workbook, to fix and send back
    assert 'sheet "Daftar Perbaikan" berkas umpan balik yang terlampir kembali (LPSK_2026-S1.xlsx)' in body
    assert "paling lambat 08/12/2026 dengan membalas surat elektronik ini, berupa berkas umpan balik itu" in body
    assert _attachment(drafts, "LPSK") == (outbox / period.id / "umpan_balik" / "LPSK_2026-S1.xlsx").read_bytes()


def _attachment(drafts, code: str) -> bytes:
    msg = email.message_from_bytes(next(p for p in drafts if p.stem == code).read_bytes(), policy=email.policy.default)
    return next(msg.iter_attachments()).get_content()
