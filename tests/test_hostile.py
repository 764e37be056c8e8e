"""The hostile and broken corpus (tests/corpus.py): every case gets its expected outcome,
never crashes or hangs the run, and never changes what the rest of the batch gives."""

from __future__ import annotations

import datetime as dt
import resource
import shutil
import time

import openpyxl
import pytest

from pipeline.intake.validate import validate_period
from pipeline.outputs.template import Sheet, write_template
from pipeline.run import run

from .corpus import CASES

TRIED: list[str] = []
INJECTION = ['=HYPERLINK("http://x","klik")', "+62 812", "-1+1", "@SUM(A1)", "\tTAB", "\rCR"]
TEXT_KEYS = ["nama_kegiatan", "kabupaten_kota", "keluaran", "satuan", "mitra", "hambatan", "upaya_penyelesaian",
             "rencana_tindak_lanjut", "keterangan"]  # fmt: skip


def _return(path, rules, period, agency, injection=False):
    """A clean return: every assigned action with one activity."""
    write_template(path, rules, Sheet(rules.get_agency(agency), period, dt.date(2026, 1, 5)))
    wb = openpyxl.load_workbook(path)
    ws = wb["Laporan"]
    col = {c.key: i + 1 for i, c in enumerate(rules.fields.columns)}
    for r, (fa, _) in enumerate(rules.assigned_actions(agency), start=5):
        values = {
            "nama_kegiatan": f"Kegiatan {fa.code} di Kota Padang",
            "status": "Selesai",
            "provinsi": "Sumatera Barat",
            "tanggal_mulai": dt.date(2026, 4, r),
            "tanggal_selesai": dt.date(2026, 4, r + 1),
            "sasaran": "Pemuda",
            "jumlah_peserta": 20 + r,
            "target": 20 + r,
            "realisasi": 20 + r,
            "anggaran": 100_000_000 + r,
        }
        for key, value in values.items():
            ws.cell(r, col[key], value)
        if injection:
            for i, key in enumerate(TEXT_KEYS):
                cell = ws.cell(r, col[key], INJECTION[(i + r) % len(INJECTION)] + " teks")
                cell.data_type = "s"  # typed text, as Excel stores it; never a formula
    ident = {c.value: c.row for c in wb["Identitas"]["A"]}
    for label, value in (("Nama Petugas Pengisi", "Rina"), ("Email", "r@example.go.id"),
                         ("Tanggal Pengisian", dt.date(2026, 7, 1))):  # fmt: skip
        wb["Identitas"].cell(ident[label], 2, value)
    wb.save(path)
    return path


def hostile_inbox(folder, rules, period):
    """One inbox of every hostile case beside a clean return and one with formula-like text."""
    base = _return(folder / "LPSK_2026-S1.xlsx", rules, period, "LPSK")
    inbox = folder / "inbox"
    inbox.mkdir()
    shutil.copy(_return(folder / "PPATK_2026-S1.xlsx", rules, period, "PPATK", injection=True), inbox)
    for n, case in enumerate(CASES):
        work = folder / f"case{n}"
        work.mkdir()
        case.build(work, base)
        for f in work.iterdir():
            if f.is_file() and not f.name.startswith("_") and not (inbox / f.name).exists():
                shutil.copy(f, inbox / f.name)
    return inbox


@pytest.fixture(scope="module")
def goods(rules, period, tmp_path_factory):
    d = tmp_path_factory.mktemp("goods")
    rest = _return(d / "PPATK_2026-S1.xlsx", rules, period, "PPATK", injection=True)
    base = _return(d / "LPSK_2026-S1.xlsx", rules, period, "LPSK")
    alone = {}
    for name, path in (("rest", rest), ("base", base)):
        inbox = d / f"inbox_{name}"
        inbox.mkdir()
        shutil.copy(path, inbox)
        alone[name] = validate_period(inbox, rules, period)
    return rest, base, alone


def _values(validation, file=None):
    df = validation.accepted if file is None else validation.accepted[validation.accepted["_file"] == file]
    return df.drop(columns=["_file", "_sheet"]).astype(str).reset_index(drop=True)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_case(case, rules, period, goods, tmp_path):
    rest, base, alone = goods
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(rest, inbox)
    work = tmp_path / "work"
    work.mkdir()
    built = case.build(work, base)
    for f in work.iterdir():
        if f.is_file() and not f.name.startswith("_"):
            shutil.copy(f, inbox / f.name)
    started = time.monotonic()
    validation = validate_period(inbox, rules, period)
    elapsed = time.monotonic() - started
    TRIED.append(case.name)
    assert elapsed < rules.limits.seconds_per_file + 30, f"{case.name} took {elapsed:.0f} s"
    outcome, code = case.expect
    mine = [p for p in validation.problems if p.file == built.name]
    sub = next((s for s in validation.submissions if s.name == built.name), None)
    if outcome == "rejected":
        assert sub is not None and sub.rejected, [p.message for p in mine]
        if code:
            assert code in {p.code for p in mine}, [p.message for p in mine]
        assert all(p.message for p in mine)
    elif outcome == "ignored":
        assert sub is None and {p.code for p in mine} == {"ignored-file"}
    else:
        assert sub is not None and not sub.rejected, [p.message for p in mine]
        if code:
            assert code in {p.code for p in mine}
        if case.name not in ("merged cells over data",):
            read = _values(validation, built.name).drop(columns=["_row"])
            assert read.equals(_values(alone["base"]).drop(columns=["_row"])), case.name
    # the rest of the batch is consolidated unchanged
    assert _values(validation, rest.name).equals(_values(alone["rest"]))


def test_agency_text_never_becomes_a_formula(rules, period, goods, tmp_path):
    rest = goods[0]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(rest, inbox)
    outbox = tmp_path / "out"
    validation = run(inbox, outbox, rules, period, consolidation=True).validation
    assert any(str(v).startswith("=") for v in validation.accepted["nama_kegiatan"])
    for path in outbox.rglob("*.xlsx"):
        wb = openpyxl.load_workbook(path)
        for ws in wb:
            for row in ws.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value.startswith(("=HYPERLINK", "@SUM", "-1+1", "+62")):
                        assert cell.data_type == "s", (path.name, ws.title, cell.coordinate)


def test_corpus_memory_stayed_bounded():
    """Runs after the corpus: the biggest reading worker stayed under 1 GB."""
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert TRIED, "run with the corpus"
    assert peak_kb < 1024 * 1024, f"peak worker memory {peak_kb / 1024:.0f} MB"
