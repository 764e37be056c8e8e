"""Feedback an agency can act on: a return made on another period's template gets a workbook
of that period saying so, and an e-mail with the right template; that workbook sent back is
never taken for the period reported, while a corrected ordinary one is; every list of what to
fix puts errors first."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
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

from .test_problem_codes import _cell, _workbook

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
    assert "paling lambat 15/07/2026" in body and "Yang perlu diperbaiki" not in body

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
    assert listed == [("galat", error), ("peringatan", warning), ("dikoreksi", corrected)]
    (draft,), _ = make_drafts("feedback", rules, period, inbox, outbox, TODAY)
    _, body, _ = _body(draft)
    lines = [line for line in body.splitlines() if line.startswith("- ")]
    at = {cell: next(i for i, line in enumerate(lines) if line.startswith(f"- {cell} (")) for cell in (error, warning)}
    assert at[error] == 0 < at[warning] and not [line for line in lines[1:] if "(galat" in line], lines
    assert corrected not in body  # a correction asks nothing of the agency
