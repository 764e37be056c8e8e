"""A year in the life, through the CLI, in a fresh workspace (issue 25): the official matrix
imported (its name cells numbered), 2026-S1 returned with the usual mistakes, a review
decision, a resubmission, `finalise`; then 2026-S2 with every 2026-S1 file still in the
inbox (the new returns in its period folder, and an S1 return retyped into a workbook of its
own), then `year`. Run once with forked workers and once spawned (without LibreOffice's
layout, which the spawn run may skip)."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import docx
import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner

import pipeline.outputs.office
from pipeline.cli import main
from pipeline.core.model import REPORTED, STATES
from pipeline.core.periods import parse_period
from pipeline.core.rules import load_rules
from pipeline.core.texts import t
from pipeline.core.units import LEVELS
from pipeline.demo.sample import build_sample
from pipeline.outputs.feedback import read_problem_list

from .conftest import file_tree
from .test_periods import _retyped

FLOAT_LEAK = re.compile(r"\b\d+\.0\b(?= [A-Za-z/])")  # "3.0 K/L"; spares 1.1.1, 1.500 and 53,2 %
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _cli(ws: Path, *args: str, ok=(0, 1)) -> str:
    """What the command printed (its standard output alone for --json)."""
    result = CliRunner().invoke(main, ["--workspace", str(ws), *args])
    assert result.exit_code in ok, (args, result.output, result.exception)
    return result.stdout if "--json" in args else result.output


def _matrix(path: Path, rules) -> Path:
    """The action matrix as the annex prints it: name cells carry their numbers."""
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Lampiran")
    head = ["Pilar", "Fokus", "Kode Aksi", "Aksi", "Satuan", "Target", "Penanggung Jawab", "Instansi Terkait"]
    ws.write_row(0, 0, head)
    for i, fa in enumerate(rules.actions, start=1):
        (p_code, pillar), (f_code, focus) = fa.path
        a = fa.action
        agencies = [", ".join(rules.agency_by_code[c].short for c in codes) for codes in (a.lead, a.support)]
        target = "" if a.target is None else a.target
        row = [f"{p_code}. {pillar}", f"{f_code} {focus}", a.code, f"{a.code} {a.title}", a.unit, target, *agencies]
        ws.write_row(i, 0, row)
    wb.close()
    return path


def _decide_first_value(review_file: Path) -> str:
    """The officer excludes the first flagged value (the 250.000 participants) in the review workbook."""
    wb = openpyxl.load_workbook(review_file)
    ws = wb[t("review.sheets.value")]
    head = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if r[0].value)
    row[head.index(t("review.columns.decision"))].value = t("review.decisions.exclude")
    row[head.index(t("review.columns.note"))].value = "Salah ketik, dikonfirmasi K/L"
    row[head.index(t("review.columns.by"))].value = "Rina (Sekber)"
    wb.save(review_file)
    return row[0].value


def _resubmit(feedback: Path, inbox: Path, rules) -> Path:
    """The agency clears the rows its feedback marks as errors, dates the return later and sends
    the feedback workbook back under a name of its own."""
    wb = openpyxl.load_workbook(feedback)
    errors = {int(re.sub(r"\D", "", str(p["cell"]))) for p in read_problem_list(feedback)
              if p["severity"] == t("feedback.severity.error") and p["sheet"] == t("sheets.laporan")}  # fmt: skip
    ws = wb[t("sheets.laporan")]
    for r in errors:
        for cell in ws[r]:
            cell.value = None
    ident = {c.value: c.row for c in wb[t("sheets.identitas")]["A"]}
    wb[t("sheets.identitas")].cell(ident["Tanggal Pengisian"], 2).value = dt.date(2026, 7, 14)
    path = inbox / f"{feedback.stem} perbaikan.xlsx"
    wb.save(path)
    return path


@pytest.fixture(scope="module", params=["fork", "spawn"])
def year(request, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RANPE_START_METHOD", request.param)
        if request.param == "spawn":  # the issue lets the spawned run skip LibreOffice's layout
            mp.setattr(pipeline.outputs.office, "soffice", lambda: None)
        yield _live_a_year(tmp_path_factory.mktemp(f"year-{request.param}"))


def _live_a_year(base: Path) -> SimpleNamespace:
    ws = base / "kerja"
    out = SimpleNamespace(ws=ws, outbox=ws / "outbox", inbox=ws / "inbox")
    CliRunner().invoke(main, ["init", str(ws)])
    _cli(ws, "catalogue", "import", str(_matrix(base / "MATRIKS.xlsx", load_rules())))
    rules = out.rules = load_rules(ws / "rules")
    s1, s2 = parse_period("2026-S1", rules), parse_period("2026-S2", rules)

    # Semester I: templates, the returns with their mistakes, a review decision, a resubmission
    _cli(ws, "templates", "--period", "2026-S1")
    for path in build_sample(rules, s1, base / "s1", seed=2026).inbox.iterdir():
        shutil.copy2(path, out.inbox / path.name)
    out.s1_files = sorted(p.name for p in out.inbox.iterdir() if not p.name.startswith("~$"))
    _cli(ws, "consolidate", "--period", "2026-S1")
    out.decided = _decide_first_value(out.outbox / "2026-S1" / "tinjauan_2026-S1.xlsx")
    _cli(ws, "review", "--period", "2026-S1")
    first = json.loads(_cli(ws, "validate", "--period", "2026-S1", "--json"))
    out.fixer = next(code for code, a in first["agencies"].items() if a["state"] == "partial")
    fixed = _resubmit(out.outbox / "2026-S1" / "umpan_balik" / f"{out.fixer}_2026-S1.xlsx", out.inbox, rules)
    out.s1_files.append(fixed.name)
    out.s1_console = _cli(ws, "consolidate", "--period", "2026-S1")
    out.s1_json = json.loads(_cli(ws, "validate", "--period", "2026-S1", "--json"))
    out.s1_board = _cli(ws, "status", "--period", "2026-S1", "--today", "2026-07-20", ok=(0,))
    _cli(ws, "finalise", "--period", "2026-S1", ok=(0,))
    out.s1_refused = _cli(ws, "consolidate", "--period", "2026-S1", ok=(2,))
    out.s1_tree = file_tree(out.outbox / "2026-S1")

    # Semester II: every S1 file stays; the new returns go to the period's folder
    _cli(ws, "templates", "--period", "2026-S2")
    (out.inbox / "2026-S2").mkdir()
    for path in build_sample(rules, s2, base / "s2", seed=7).inbox.iterdir():
        shutil.copy2(path, out.inbox / "2026-S2" / path.name)
    polri = next(f for f in out.s1_files if "polri" in f.lower())
    out.retyped = "Polri laporan ketik ulang.xlsx"  # an S1 return pasted into a workbook of its own
    retyped = _retyped(openpyxl.load_workbook(out.inbox / polri), rules, "LAPORAN RAN PE SEMESTER I TAHUN 2026")
    end = [c.key for c in rules.fields.columns].index("tanggal_selesai") + 1
    for row in list(retyped.active.iter_rows(min_row=5))[::-1]:  # the activities that ended in January-June
        if row[end - 1].value is None or row[end - 1].value.date() >= s2.start:
            retyped.active.delete_rows(row[0].row)
    retyped.save(out.inbox / out.retyped)
    out.s2_board = _cli(ws, "status", "--period", "2026-S2", "--today", "2027-01-10", ok=(0,))
    out.s2_console = _cli(ws, "consolidate", "--period", "2026-S2")
    out.s2_json = json.loads(_cli(ws, "validate", "--period", "2026-S2", "--json"))
    _cli(ws, "mail", "feedback", "--period", "2026-S2", ok=(0,))
    out.year_said = _cli(ws, "year", "--year", "2026", ok=(0,))
    return out


def test_the_second_semester_sets_the_first_semesters_files_aside(year):
    v = year.s2_json
    aside = {p["file"]: p["message"] for p in v["problems"] if p["code"] == "set-aside"}
    for name in year.s1_files:  # listed once each, never read, counted, rejected or sent feedback
        assert "sudah diolah pada periode 2026-S1" in aside[name], name
        assert name not in {f["file"] for f in v["files"]}
        assert [p["code"] for p in v["problems"] if p["file"] == name] == ["set-aside"]
    # the retyped S1 return (S1's activities) is not counted in S2; the officer is told to process it in S1
    retyped = [p for p in v["problems"] if p["file"] == year.retyped]
    assert [p["code"] for p in retyped] == ["earlier-period-return"]
    assert "ranpe consolidate --period 2026-S1" in retyped[0]["message"]
    assert all(f["file"].startswith("2026-S2/") for f in v["files"])
    # agencies that sent nothing usable for S2 get no feedback and no letter
    silent = [code for code, a in v["agencies"].items() if a["state"] == "not_received"]
    assert silent
    s2 = year.outbox / "2026-S2"
    for code in silent:
        assert not (s2 / "umpan_balik" / f"{code}_2026-S2.xlsx").exists()
        assert not list((s2 / "surat").rglob(f"{code}*.eml"))
    assert "sudah diolah pada periode 2026-S1" in year.s2_console  # summed up in one line, not 34


def test_a_finalised_period_stays_put(year):
    assert "sudah difinalisasi" in year.s1_refused
    assert "periode 2026-S2 belum difinalisasi" in year.year_said and "2026-S1" not in year.year_said.split(".")[0]
    assert file_tree(year.outbox / "2026-S1") == year.s1_tree  # S2 and the year changed nothing of S1


def _expect_states(ws: Path, period: str, as_json: dict, console: str, board: str, rules) -> None:
    """One definition of an agency's state: the board, the console, --json, Ringkasan, Per KL
    and the report's data all say the same."""
    states = {code: a["state"] for code, a in as_json["agencies"].items()}
    level = {code: a["level"] for code, a in as_json["agencies"].items()}
    short = {a.code: a.short for a in rules.agencies}
    lines = []
    for lv in LEVELS:  # a line per level: the K/L, then the regions called in or reporting
        mine = [s for c, s in states.items() if level[c] == lv]
        n = {s: mine.count(s) for s in STATES}
        named = [t("status_board.state_count", n=k, state=t(f"status.{s}")) for s, k in n.items() if k]
        if mine or lv == "kl":
            lines.append(
                t("status_board.states", total=len(mine), states="; ".join(named), level=t(f"units.counted.{lv}"))
            )
    kl = {c: s for c, s in states.items() if level[c] == "kl"}  # the headline figures count the K/L
    counts = {s: list(kl.values()).count(s) for s in STATES}
    width = max(len(x) for x in short.values())
    for text in (console, board):
        assert all(line in text.splitlines() for line in lines)
        for code, state in states.items():
            row = next(x for x in text.splitlines() if x.startswith(f"{short[code]:<{width}} "))
            assert row[width + 1 : width + 25].rstrip() == t(f"status.{state}"), (code, row)
    used = {code: a["file"] for code, a in as_json["agencies"].items()}
    for code, file in used.items():  # the board names the file in use
        row = next(x for x in board.splitlines() if x.startswith(f"{short[code]:<{width}} "))
        assert row.rstrip().endswith(f"  {file or '-'}"), (code, row)
    folder = ws / "outbox" / period
    wb = openpyxl.load_workbook(folder / f"ringkasan_{period}.xlsx", read_only=True)
    table = {r[0]: r[1] for r in wb[t("summary.sheets.ringkasan")].iter_rows(values_only=True) if r and r[0]}
    assert {s: table[t(f"status.{s}")] for s in counts} == counts
    rows = list(wb[t("summary.sheets.per_kl")].iter_rows(values_only=True))
    head = list(rows[0])
    per_kl = {r[head.index("Kode")]: r[head.index("Status")] for r in rows[1:] if r[0]}
    assert per_kl == {code: t(f"status.{s}") for code, s in states.items()}
    data = json.loads((folder / f"data_laporan_{period}.json").read_text(encoding="utf-8"))
    assert dict(data["grafik"]["status"]) == {t(f"status.{s}"): n for s, n in counts.items()}
    h = data["h"]
    assert (h["kl_belum"], h["kl_ditolak"], h["kl_nihil"]) == (
        counts["not_received"],
        counts["rejected"],
        counts["nihil"],
    )
    assert h["kl_diterima"] == sum(counts[s] for s in REPORTED)
    assert sorted(data["k"]["belum"]) == sorted(short[c] for c, s in kl.items() if s == "not_received")
    assert sorted(data["k"]["ditolak"]) == sorted(short[c] for c, s in kl.items() if s == "rejected")


def test_one_state_per_agency_everywhere(year):
    _expect_states(year.ws, "2026-S1", year.s1_json, year.s1_console, year.s1_board, year.rules)
    _expect_states(year.ws, "2026-S2", year.s2_json, year.s2_console, year.s2_board, year.rules)


def test_the_console_counts_the_files_in_use(year):
    """After the resubmission the replaced file's rows are not 'baris ditolak'."""
    used = [f for f in year.s1_json["files"] if f["status"] == "used"]
    rejected = sum(f["rejected"] for f in used)
    header = (
        year.s1_console.splitlines()[0]
        if year.s1_console.startswith("Validasi")
        else next(x for x in year.s1_console.splitlines() if x.startswith("Validasi periode"))
    )
    assert f"{rejected} baris ditolak" in header
    assert year.s1_json["agencies"][year.fixer]["state"] in ("accepted", "accepted_warnings")
    assert year.s1_json["agencies"][year.fixer]["rejected"] == 0


def test_the_console_shows_mistakes_first_and_sums_up_the_rest(year):
    """Errors, then warnings on rows, then what concerns an agency or a file as a whole, as
    counts: no line per agency not received, one line for the files set aside."""
    lines = year.s2_console.splitlines()
    heads = [t("console.errors"), t("console.warnings"), t("console.counted_title")]
    at = [lines.index(h) for h in heads]
    assert at == sorted(at)
    examples = lines[at[0] : at[2]]
    assert all(x.startswith(("  [galat]", "  [peringatan]", "  ...", "Galat", "Peringatan")) for x in examples if x)
    assert not [x for x in examples if "belum diterima" in x or "tidak memiliki kegiatan" in x]
    counted = lines[at[2] + 1 :]
    silent = sum(a["state"] == "not_received" for a in year.s2_json["agencies"].values())
    assert any(x.startswith(f"  {silent} instansi belum diterima laporannya (") for x in counted), counted
    assert len([x for x in counted if "sudah diolah pada periode 2026-S1" in x]) == 1


def _docx_text(path: Path) -> list[str]:
    d = docx.Document(path)
    cells = [c.text for tb in d.tables for r in tb.rows for c in r.cells]
    feet = [p.text for s in d.sections for p in s.footer.paragraphs]
    return [p.text for p in d.paragraphs] + cells + feet


def _sheet_text(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    return [v for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r if isinstance(v, str)]


def test_counts_and_times_read_as_indonesian_prose(year):
    outbox = year.outbox
    texts = [
        *_docx_text(outbox / "2026-S2" / "laporan_2026-S2.docx"),
        *_docx_text(outbox / "2026" / "laporan_2026.docx"),
    ]
    texts += _sheet_text(outbox / "2026-S2" / "ringkasan_2026-S2.xlsx") + _sheet_text(
        outbox / "2026" / "ringkasan_2026.xlsx"
    )
    texts += _sheet_text(outbox / "2026-S1" / "tinjauan_2026-S1.xlsx")
    assert not [x for x in texts if FLOAT_LEAK.search(x)]
    assert not [x for x in texts if ISO_TIME.search(x)]


def test_the_imported_matrix_names_carry_no_second_number(year):
    text = "\n".join(_docx_text(year.outbox / "2026-S1" / "laporan_2026-S1.docx"))
    assert not re.search(r"\b(\d+(\.\d+)*)\.? \1\b", text)  # "Pilar 1. 1. Pencegahan", "Fokus 1.1 1.1 ..."
