"""Periods share one inbox (issue 25, item 1): in a run for a period, a file already processed
in another period, made for a later period, or naming no period with every activity ended
before the period began, is set aside (listed once, never counted, rejected or sent
feedback); a new file made for an earlier period is rejected, asking for the period's
template; a period's subfolder of the inbox is read with it; a file still being copied
waits for the next run."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import openpyxl
import pytest

import pipeline.intake.ingest
from pipeline.console import summary_lines
from pipeline.core.periods import parse_period, period_in_text
from pipeline.cycle import history
from pipeline.intake.read import being_copied
from pipeline.intake.validate import validate_period
from pipeline.outputs.template import Sheet, write_template
from pipeline.run import run

ROW = {"nama_kegiatan": "Sosialisasi moderasi beragama", "status": "Selesai", "provinsi": "Aceh",
       "sasaran": "Pemuda", "jumlah_peserta": 40, "realisasi": 40, "target": 40}  # fmt: skip


def _return(path: Path, rules, period, agency: str, rows: int = 2, meta: bool = True, start=None) -> Path:
    """`agency`'s return for `period`: its template filled with openpyxl, `rows` activities
    dated inside the period (or from `start`); without `meta`, retyped into a workbook of its
    own (no _meta, no Identitas: what a focal point does when pasting into a new file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_template(path, rules, Sheet(rules.get_agency(agency), period, period.start - dt.timedelta(days=10)))
    wb = openpyxl.load_workbook(path)
    col = {c.key: i + 1 for i, c in enumerate(rules.fields.columns)}
    code, role = rules.assigned_actions(agency)[0]
    day = start or period.start + dt.timedelta(days=20)
    for r in range(5, 5 + rows):
        dates = {"tanggal_mulai": day + dt.timedelta(days=r), "tanggal_selesai": day + dt.timedelta(days=r + 1)}
        values = {**ROW, **dates, "kode_aksi": code.code, "peran": role, "nama_kegiatan": f"{ROW['nama_kegiatan']} {r}"}
        for key, value in values.items():
            wb["Laporan"].cell(r, col[key], value)
    ident = {c.value: c.row for c in wb["Identitas"]["A"]}
    filled = {"Nama Petugas Pengisi": "Rina", "Email": "r@example.go.id", "Tanggal Pengisian": period.deadline}
    for label, value in filled.items():
        wb["Identitas"].cell(ident[label], 2, value)
    if not meta:
        wb = _retyped(wb, rules, title=None)
    wb.save(path)
    return path


def _retyped(wb, rules, title: str | None):
    """The Laporan sheet's values alone in a new workbook, with `title` in its first row."""
    fresh = openpyxl.Workbook()
    ws = fresh.active
    ws.title = "Laporan"
    for row in wb["Laporan"].iter_rows(min_row=4):
        for cell in row:
            if cell.value is not None and cell.data_type != "f":
                ws.cell(cell.row, cell.column, cell.value)
    ws.cell(1, 1, title)
    return fresh


@pytest.fixture
def s1_s2(rules):
    return parse_period("2026-S1", rules), parse_period("2026-S2", rules)


def _notes(validation, code="set-aside") -> dict[str, str]:
    return {p.file: p.detail for p in validation.problems if p.code == code}


def test_the_second_semester_sets_the_first_semesters_files_aside(rules, s1_s2, tmp_path):
    s1, s2 = s1_s2
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    for agency in ("KEMENAG", "POLRI", "BNPT"):
        _return(inbox / f"{agency} final.xlsx", rules, s1, agency)
    old_template = parse_period("2025-S2", rules)  # filled with S1's activities
    old = _return(inbox / "KEMENSOS lama.xlsx", rules, old_template, "KEMENSOS", start=s1.start + dt.timedelta(days=9))
    first = run(inbox, outbox, rules, s1, consolidation=False)
    assert first.validation.agencies["KEMENSOS"].state == "rejected"  # an old template, processed in S1
    # S2: the S1 files stay; Kemenag sends its S2 return into the period's folder; a retyped
    # return with an S1 title and one with no title and only January-May dates are new
    _return(inbox / "2026-S2" / "KEMENAG final.xlsx", rules, s2, "KEMENAG")
    titled = inbox / "Polri ketik ulang.xlsx"
    _retyped(openpyxl.load_workbook(inbox / "POLRI final.xlsx"), rules, "LAPORAN RAN PE SEMESTER I TAHUN 2026").save(
        titled
    )
    untitled = _return(inbox / "BNPT salinan.xlsx", rules, s1, "BNPT", meta=False, start=dt.date(2026, 1, 5))
    second = run(inbox, outbox, rules, s2, consolidation=False)
    v = second.validation

    aside = _notes(v)
    processed = "sudah diolah pada periode 2026-S1"
    for name in ("KEMENAG final.xlsx", "POLRI final.xlsx", "BNPT final.xlsx", old.name):
        assert processed in aside[name] and name not in {f.file for f in v.files}
    assert "berakhir sebelum periode ini dimulai (01/07/2026), jadi termasuk periode 2026-S1" in aside[untitled.name]
    # new, and S1's own report (its activities all in S1): not counted, no feedback; the officer
    # is told how to process it in S1
    (late,) = [p for p in v.problems if p.file == titled.name]
    assert late.code == "earlier-period-return" and "ranpe consolidate --period 2026-S1" in late.message
    assert {f.file for f in v.files} == {"2026-S2/KEMENAG final.xlsx"}
    states = {code: a.state for code, a in v.agencies.items() if code in ("KEMENAG", "POLRI", "BNPT", "KEMENSOS")}
    assert states == {"KEMENAG": "accepted_warnings", "POLRI": "not_received", "BNPT": "not_received",
                      "KEMENSOS": "not_received"}  # fmt: skip
    assert v.agencies["KEMENAG"].file == "2026-S2/KEMENAG final.xlsx"
    assert len(v.accepted) == 2 and set(v.accepted["_file"]) == {"2026-S2/KEMENAG final.xlsx"}
    feedback = {p.name for p in (outbox / "2026-S2" / "umpan_balik").glob("*.xlsx")}
    assert "BNPT_2026-S2.xlsx" not in feedback and "KEMENSOS_2026-S2.xlsx" not in feedback
    # listed once, each: in the validation list and the console
    listed = [p.file for p in v.problems if p.code == "set-aside"]
    assert sorted(listed) == sorted(set(listed))


def test_a_later_periods_file_waits_for_its_period(rules, s1_s2, tmp_path):
    s1, s2 = s1_s2
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    _return(inbox / "KEMENAG s1.xlsx", rules, s1, "KEMENAG")
    early = _return(inbox / "KEMENAG s2.xlsx", rules, s2, "KEMENAG")
    first = run(inbox, outbox, rules, s1, consolidation=False).validation
    assert _notes(first) == {early.name: "berkas untuk periode 2026-S2, yang diolah saat periode itu dijalankan"}
    assert first.agencies["KEMENAG"].file == "KEMENAG s1.xlsx"  # the S2 file does not supersede it
    second = run(inbox, outbox, rules, s2, consolidation=False).validation
    assert second.agencies["KEMENAG"].file == early.name
    assert second.agencies["KEMENAG"].state in ("accepted", "accepted_warnings")


def test_an_earlier_periods_late_report_is_for_that_period(rules, s1_s2, tmp_path):
    """An S1 report that reached the inbox after S1 was run is no S2 return: in S2 the officer
    is told to process it in S1, the agency is not rejected nor sent feedback; S1 (reopened)
    reads it as its own. The S1 template filled with S2's activities is a wrong-period return."""
    s1, s2 = s1_s2
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    late = _return(inbox / "POLRI terlambat.xlsx", rules, s1, "POLRI")
    mistaken = _return(inbox / "BNPT.xlsx", rules, s1, "BNPT", start=s2.start + dt.timedelta(days=3))
    second = run(inbox, outbox, rules, s2, consolidation=False)
    v = second.validation
    assert [p.code for p in v.problems if p.file == late.name] == ["earlier-period-return"]
    assert [p.code for p in v.problems if p.file == mistaken.name and p.severity == "error"] == ["wrong-period"]
    assert (v.agencies["POLRI"].state, v.agencies["BNPT"].state) == ("not_received", "rejected")
    assert [p.name for p in second.feedback] == ["BNPT_2026-S1.xlsx"]  # the wrong template's, named for its period
    (told,) = [line for line in summary_lines(v, rules) if late.name in line]  # the console says what to do
    assert "laporan periode 2026-S1" in told and "ranpe consolidate --period 2026-S1" in told
    again = run(inbox, outbox, rules, s1, consolidation=False).validation
    assert again.agencies["POLRI"].state in ("accepted", "accepted_warnings")
    # S2's activities on the S1 template were S2's return: never read as S1's
    assert _notes(again) == {mistaken.name: "berkas yang sudah diolah pada periode 2026-S2"}
    assert again.agencies["BNPT"].state == "not_received"


def test_a_later_periods_activities_on_this_periods_template_never_replace_its_report(rules, s1_s2, tmp_path):
    """Found by an officer's year: Kemenag's S1 report accepted, then in S2 its S2 activities
    on the S1 template (wrong-period there), then S1 run again for a late report: the S2 file,
    the newest naming S1, took the place of the accepted report and made Kemenag rejected."""
    s1, s2 = s1_s2
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    report = _return(inbox / "kemenag final.xlsx", rules, s1, "KEMENAG")
    os.utime(report, (1e9, 1e9))
    first = run(inbox, outbox, rules, s1, consolidation=True).validation
    assert first.agencies["KEMENAG"].state in ("accepted", "accepted_warnings")
    mistaken = _return(inbox / "kemenag smt2.xlsx", rules, s1, "KEMENAG", start=s2.start + dt.timedelta(days=60))
    second = run(inbox, outbox, rules, s2, consolidation=True).validation
    assert [p.code for p in second.problems if p.file == mistaken.name and p.severity == "error"] == ["wrong-period"]
    _return(inbox / "kemendagri laporan.xlsx", rules, s1, "KEMENDAGRI")  # a late S1 report: S1 runs again
    again = run(inbox, outbox, rules, s1, consolidation=True)
    v = again.validation
    assert v.agencies["KEMENAG"].state in ("accepted", "accepted_warnings")
    assert v.agencies["KEMENAG"].file == report.name and len(v.accepted[v.accepted["_agency"] == "KEMENAG"]) == 2
    assert _notes(v)[mistaken.name] == "berkas yang sudah diolah pada periode 2026-S2"
    assert v.agencies["KEMENDAGRI"].state in ("accepted", "accepted_warnings")


def test_a_file_naming_no_period_with_a_running_activity_stays(rules, s1_s2, tmp_path):
    """Set aside only when every activity ended before the period: one with no end date (still
    running) may belong to it."""
    s1, s2 = s1_s2
    path = _return(tmp_path / "inbox" / "BNPT salinan.xlsx", rules, s1, "BNPT", meta=False, start=dt.date(2026, 1, 5))
    wb = openpyxl.load_workbook(path)
    end = [c.key for c in rules.fields.columns].index("tanggal_selesai") + 1
    wb["Laporan"].cell(5, end).value = None
    wb["Laporan"].cell(5, [c.key for c in rules.fields.columns].index("status") + 1).value = "Berjalan"
    wb.save(path)
    v = validate_period(tmp_path / "inbox", rules, s2)
    assert not _notes(v) and {f.file for f in v.files} == {path.name}


def test_the_period_named_in_a_title(rules):
    assert period_in_text("LAPORAN RAN PE SEMESTER I TAHUN 2026", rules) == "2026-S1"
    assert period_in_text("Laporan Smt 2 th 2025", rules) == "2025-S2"
    assert period_in_text("Periode 2026-s2", rules) == "2026-S2"
    assert period_in_text("Semester II Tahun 2026", rules) == "2026-S2"  # not Semester I
    assert period_in_text("Laporan RAN PE 2026", rules) is None
    assert period_in_text("Semester I 2025 dan 2026", rules) is None  # two years: not told


def test_subfolders_of_other_periods_are_listed_not_read(rules, s1_s2, tmp_path):
    """The period's folder is read, whatever its case (Windows); another period's is a notice,
    not a problem: it alone leaves nothing to report (exit code 0)."""
    s1, s2 = s1_s2
    inbox = tmp_path / "inbox"
    _return(inbox / "2026-s1" / "KEMENAG.xlsx", rules, s1, "KEMENAG")
    _return(inbox / "2026-S2" / "KEMENAG.xlsx", rules, s2, "KEMENAG")
    (inbox / "arsip").mkdir()
    v = validate_period(inbox, rules, s1)
    assert [f.file for f in v.files] == ["2026-s1/KEMENAG.xlsx"]
    notes = {p.file: (p.code, p.severity, p.message) for p in v.problems if p.file in ("2026-S2", "arsip")}
    assert notes["2026-S2"][:2] == ("set-aside", "notice") and "folder periode lain" in notes["2026-S2"][2]
    assert notes["arsip"][:2] == ("ignored-file", "warning")  # not a period's: the officer should look


def test_same_names_in_the_inbox_and_the_period_folder_stay_apart(rules, s1_s2, tmp_path):
    s1 = s1_s2[0]
    inbox = tmp_path / "inbox"
    _return(inbox / "laporan final.xlsx", rules, s1, "KEMENAG")
    _return(inbox / "2026-S1" / "laporan final.xlsx", rules, s1, "POLRI")
    v = validate_period(inbox, rules, s1)
    assert {f.file: f.agency for f in v.files} == {
        "laporan final.xlsx": "KEMENAG",
        "2026-S1/laporan final.xlsx": "POLRI",
    }
    assert {v.agencies[a].file for a in ("KEMENAG", "POLRI")} == {"laporan final.xlsx", "2026-S1/laporan final.xlsx"}
    assert set(v.accepted["_file"]) == {"laporan final.xlsx", "2026-S1/laporan final.xlsx"}


def test_empty_files_are_never_taken_for_one_another(rules, s1_s2, tmp_path):
    """Every empty file has the same SHA-256: one rejected in S1 does not set aside another
    agency's empty file in S2, which is rejected and asked again."""
    s1, s2 = s1_s2
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    inbox.mkdir()
    (inbox / "KEMENAG kosong.xlsx").write_bytes(b"")
    run(inbox, outbox, rules, s1, consolidation=False)
    (inbox / "2026-S2").mkdir()
    (inbox / "2026-S2" / "POLRI kosong.xlsx").write_bytes(b"")
    v = run(inbox, outbox, rules, s2, consolidation=False).validation
    assert [p.code for p in v.problems if p.file == "2026-S2/POLRI kosong.xlsx"] == ["empty-file"]
    assert v.agencies["POLRI"].state == "rejected"


def test_a_workspace_of_an_earlier_version_is_read_right(rules, s1_s2, tmp_path):
    """Manifests written before the history recorded the period each file names (no `period`
    in their inputs, no inputs table): an S2 return that the earlier version processed (and
    rejected) in S1 is read in S2; the S1 files are set aside; S1 reopened reads its own."""
    s1, s2 = s1_s2
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    _return(inbox / "KEMENAG s1.xlsx", rules, s1, "KEMENAG")
    early = _return(inbox / "KEMENAG s2.xlsx", rules, s2, "KEMENAG")
    from pipeline.core.files import sha256

    old = {"period": "2026-S1", "inputs": [{"file": p.name, "sha256": sha256(p)} for p in inbox.iterdir()]}
    (outbox / "2026-S1").mkdir(parents=True)
    (outbox / "2026-S1" / "manifest.json").write_text(json.dumps(old))
    second = validate_period(inbox, rules, s2, seen=history.seen(outbox))
    assert second.agencies["KEMENAG"].file == early.name
    assert _notes(second) == {"KEMENAG s1.xlsx": "berkas yang sudah diolah pada periode 2026-S1"}
    again = validate_period(inbox, rules, s1, seen=history.seen(outbox))
    assert again.agencies["KEMENAG"].file == "KEMENAG s1.xlsx"


def test_the_status_board_writes_nothing(rules, s1_s2, tmp_path):
    """`ranpe status` reads the history (read-only) to set the other periods' files aside."""
    from click.testing import CliRunner

    from pipeline.cli import main

    s1 = s1_s2[0]
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    _return(inbox / "KEMENAG.xlsx", rules, s1, "KEMENAG")
    run(inbox, outbox, rules, s1, consolidation=False)
    with sqlite3.connect(history.history_path(outbox)) as con:
        con.execute("DROP TABLE inputs")  # as a history of an earlier version has it
    before = {p: p.read_bytes() for p in outbox.rglob("*") if p.is_file()}
    stamps = {p: p.stat().st_mtime_ns for p in before}
    args = ["status", "--period", "2026-S2", "--inbox", str(inbox), "--outbox", str(outbox)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "KEMENAG.xlsx" not in result.output.split("Status 33 K/L")[0].split("Berkas yang dipakai")[1]
    assert {p: p.read_bytes() for p in outbox.rglob("*") if p.is_file()} == before
    assert {p: p.stat().st_mtime_ns for p in before} == stamps


def test_a_file_still_being_copied_waits_for_the_next_run(rules, s1_s2, tmp_path, monkeypatch):
    """Evidence, not age alone: a zip without its end written a moment ago, or a file that grows
    between two looks, is 'still being copied': no rejection, no feedback; the same truncated
    zip older than the window (rules/limits.yaml) is a broken file."""
    monkeypatch.setattr(pipeline.intake.ingest, "being_copied", being_copied)  # off in the other tests
    s1 = s1_s2[0]
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    whole = _return(tmp_path / "src" / "KEMENAG.xlsx", rules, s1, "KEMENAG").read_bytes()
    part = inbox / "KEMENAG.xlsx"
    part.parent.mkdir()
    part.write_bytes(whole[: len(whole) // 2])
    v = run(inbox, outbox, rules, s1, consolidation=False).validation
    assert [p.code for p in v.problems if p.file == part.name] == ["still-copying"]
    assert "Tunggu sampai penyalinan selesai" in v.problems[[p.file for p in v.problems].index(part.name)].message
    assert v.agencies["KEMENAG"].state == "not_received" and not (outbox / "2026-S1" / "umpan_balik").exists()
    old = time.time() - rules.limits.copy_window_seconds - 5
    os.utime(part, (old, old))
    later = validate_period(inbox, rules, s1)
    assert [p.code for p in later.problems if p.file == part.name] == ["corrupt-file"]

    growing = inbox / "POLRI.xlsx"  # a copy in progress: bytes keep arriving
    done = threading.Event()

    def copy() -> None:
        with open(growing, "wb") as out:
            for i in range(0, len(whole), 2048):
                out.write(whole[i : i + 2048])
                out.flush()
                if done.wait(0.05):
                    break

    worker = threading.Thread(target=copy)
    worker.start()
    try:
        time.sleep(0.1)
        assert growing in being_copied([growing], rules.limits.copy_window_seconds)
    finally:
        done.set()
        worker.join()
    shutil.rmtree(inbox)


def test_a_correction_after_the_deadline_does_not_make_a_timely_return_late(rules, s1_s2, tmp_path):
    """Lateness is the agency's first return: Kemenag sent on time and corrected after the
    deadline, as its feedback asked; Polri sent its first file after the deadline."""
    s1 = s1_s2[0]
    inbox = tmp_path / "inbox"

    def filled(path: Path, day: dt.date) -> None:
        wb = openpyxl.load_workbook(path)
        ident = {c.value: c.row for c in wb["Identitas"]["A"]}
        wb["Identitas"].cell(ident["Tanggal Pengisian"], 2, day)
        wb.save(path)

    filled(_return(inbox / "KEMENAG awal.xlsx", rules, s1, "KEMENAG"), dt.date(2026, 7, 10))
    filled(_return(inbox / "KEMENAG perbaikan.xlsx", rules, s1, "KEMENAG", rows=3), dt.date(2026, 7, 21))
    filled(_return(inbox / "POLRI.xlsx", rules, s1, "POLRI"), dt.date(2026, 7, 20))
    v = validate_period(inbox, rules, s1)
    kemenag, polri = v.agencies["KEMENAG"], v.agencies["POLRI"]
    assert (kemenag.file, kemenag.late, kemenag.sent) == ("KEMENAG perbaikan.xlsx", False, dt.date(2026, 7, 10))
    assert (polri.late, polri.sent) == (True, dt.date(2026, 7, 20))
    assert [p.file for p in v.problems if p.code == "late-submission"] == ["POLRI.xlsx"]
