"""Every problem code of the catalogue has a message, is raised in the one place the catalogue
names, and is produced by a small test input of its own here (not only by the demo's
planted mistakes): CASES has one entry per code, and a meta-test checks that it has them all."""

from __future__ import annotations

import ast
import datetime as dt
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from pipeline.core.model import Problem
from pipeline.core.paths import ROOT
from pipeline.core.problems import CODES, RAISED_IN
from pipeline.core.texts import has
from pipeline.intake.validate import validate_period
from pipeline.outputs.template import Sheet, write_template

from .conftest import unprivileged

GOOD = {"nama_kegiatan": "Sosialisasi", "status": "Berjalan", "tanggal_mulai": dt.date(2026, 3, 2),
        "provinsi": "Aceh", "sasaran": "Pemuda"}  # fmt: skip
IDENTITY = {"Nama Petugas Pengisi": "Rina", "Email": "r@example.go.id", "Tanggal Pengisian": dt.date(2026, 7, 1)}


def _workbook(inbox: Path, rules, period, rows, agency="KEMENAG", change=None, name="lapor.xlsx", identity=None):
    """A KEMENAG return (its template filled with openpyxl) with `rows` from row 5 down."""
    inbox.mkdir(exist_ok=True)
    path = write_template(inbox / name, rules, Sheet(rules.get_agency(agency), period, dt.date(2026, 1, 5)))
    wb = openpyxl.load_workbook(path)
    col = {c.key: i + 1 for i, c in enumerate(rules.fields.columns)}
    for r, values in enumerate(rows, start=5):
        for key, value in {**GOOD, **values}.items():
            wb["Laporan"].cell(r, col[key], value)
    ident = {c.value: c.row for c in wb["Identitas"]["A"]}
    for label, value in {**IDENTITY, **(identity or {})}.items():
        wb["Identitas"].cell(ident[label], 2, value)
    if change:
        change(wb)
    wb.save(path)
    return path


def _set_meta(key, value):
    def change(wb):
        for row in wb["_meta"].iter_rows():
            if row[0].value == key:
                row[1].value = value

    return change


def _identity(label, value):
    def change(wb):
        ident = {c.value: c.row for c in wb["Identitas"]["A"]}
        wb["Identitas"].cell(ident[label], 2).value = value

    return change


def _without_meta(kl_nama=None):
    def change(wb):
        del wb["_meta"]
        _identity("Kode Instansi", None)(wb)
        _identity("Nama Instansi", kl_nama)(wb)

    return change


def _rezip(src: Path, dst: Path, change: Callable[[str, bytes], bytes | None], extra=()) -> Path:
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
        for n in z.namelist():
            data = change(n, z.read(n))
            if data is not None:
                out.writestr(n, data)
        for n, data in extra:
            out.writestr(n, data)
    src.unlink()
    return dst


def _cell(rules, key: str, row: int) -> str:
    """The cell of column `key` of fields.yaml in Excel row `row` of the Laporan sheet."""
    return f"{get_column_letter([c.key for c in rules.fields.columns].index(key) + 1)}{row}"


def row(at: str, **values):
    """A case with one row of `values` (over GOOD) in row 5, the problem expected in its column `at`."""
    return lambda inbox, rules, period: (_workbook(inbox, rules, period, [values]), _cell(rules, at, 5))


def rows(cell, *values, **kw):
    """A case with `values` from row 5 down, the problem expected at `cell` ("" for the whole file)."""
    return lambda inbox, rules, period: (_workbook(inbox, rules, period, list(values), **kw), cell)


def _raw(name: str, data: bytes):
    def build(inbox, rules, period):
        inbox.mkdir(exist_ok=True)
        (inbox / name).write_bytes(data)
        return inbox / name, ""

    return build


def _rezipped(change, extra=(), name="lapor.xlsx"):
    def build(inbox, rules, period):
        good = _workbook(inbox, rules, period, [{}], name="_asli.xlsx")
        return _rezip(good, inbox / name, change, extra), ""

    return build


def _truncated(inbox, rules, period):
    path = _workbook(inbox, rules, period, [{}])
    path.write_bytes(path.read_bytes()[:3000])
    return path, ""


def _encrypted(inbox, rules, period):
    from msoffcrypto.format.ooxml import OOXMLFile

    good = _workbook(inbox, rules, period, [{}], name="_asli.xlsx")
    with open(good, "rb") as fh, open(inbox / "berpassword.xlsx", "wb") as out:
        OOXMLFile(fh).encrypt("rahasia", out)
    good.unlink()
    return inbox / "berpassword.xlsx", ""


def _unreadable(inbox, rules, period):
    path = _workbook(inbox, rules, period, [{}])
    path.chmod(0)  # nobody may open it (the test reads as an unprivileged user)
    return path, ""


def _superseded(inbox, rules, period):
    _workbook(inbox, rules, period, [{}], name="lama.xlsx", identity={"Tanggal Pengisian": dt.date(2026, 6, 20)})
    _workbook(inbox, rules, period, [{}], name="baru.xlsx")
    return inbox / "lama.xlsx", ""


def _first_action(rules) -> str:
    return rules.assigned_actions("KEMENAG")[0][0].code


def _outlier(inbox, rules, period):
    people = [40, 50, 60, 45, 55, 52, 250_000]
    values = [{"kode_aksi": _first_action(rules), "jumlah_peserta": n} for n in people]
    return _workbook(inbox, rules, period, values), _cell(rules, "jumlah_peserta", 11)


def _duplicate(inbox, rules, period):
    fa, role = rules.assigned_actions("KEMENAG")[0]
    same = {"kode_aksi": fa.code, "peran": role}  # row 6 comes pre-filled with another action
    return _workbook(inbox, rules, period, [{**same, "no": 1}, {**same, "no": 2}]), _cell(rules, "no", 6)


def _not_assigned(inbox, rules, period):
    mine = {fa.code for fa, _ in rules.assigned_actions("KEMENAG")}
    other = next(fa.code for fa in rules.actions if fa.code not in mine)
    return _workbook(inbox, rules, period, [{"kode_aksi": other}]), _cell(rules, "kode_aksi", 5)


def _role_mismatch(inbox, rules, period):
    fa, role = rules.assigned_actions("KEMENAG")[0]
    other = next(v for v in rules.lists.lists["peran"].values if v != role)
    return _workbook(inbox, rules, period, [{"kode_aksi": fa.code, "peran": other}]), _cell(rules, "peran", 5)


def _code_reformatted(inbox, rules, period):
    typed = f"Aksi {_first_action(rules)}."
    return _workbook(inbox, rules, period, [{"kode_aksi": typed}]), _cell(rules, "kode_aksi", 5)


def _identity_missing(inbox, rules, period):
    path = _workbook(inbox, rules, period, [{}], identity={"Email": None})
    return path, f"B{3 + [i.key for i in rules.fields.identity].index('email')}"


def _not_received(inbox, rules, period):
    path = _workbook(inbox, rules, period, [{}])
    return path, ""  # every agency but KEMENAG: not received


CASES: dict[str, Callable] = {
    # the file as a file (intake/read.py)
    "not-a-workbook": _raw("lapor.xlsx", b"<html><body>Laporan terlampir</body></html>"),
    "corrupt-file": _truncated,
    "encrypted-file": _encrypted,
    "empty-file": _raw("kosong.xlsx", b""),
    "unsafe-file": _rezipped(lambda n, d: d, extra=[("../keluar.xml", b"<x/>")]),
    "read-failed": _rezipped(  # a cell of the report sheet with an error type calamine does not know
        lambda n, d: d.replace(b't="n"><v>1</v>', b't="e"><v>1</v>', 1) if n == "xl/worksheets/sheet3.xml" else d
    ),
    "unreadable-file": _unreadable,
    # which agency and period (intake/ingest.py)
    "ignored-file": _raw("catatan.txt", b"lihat lampiran"),
    "set-aside": rows("", {}, change=_set_meta("period", "2026-S2")),  # made for the next period
    "still-copying": _truncated,  # a zip without its end, written a moment ago (COPY_WINDOW below)
    "macro-present": _rezipped(lambda n, d: d, extra=[("xl/vbaProject.bin", b"\x00" * 64)], name="lapor.xlsm"),
    "sheet-missing": rows("", change=lambda wb: wb.remove(wb["Laporan"])),
    "header-missing": rows("A4", {}, change=lambda wb: setattr(wb["Laporan"].cell(4, 6), "value", "Keadaan")),
    "wrong-period": rows("", {}, change=_set_meta("period", "2025-S2")),  # this period's activities
    "earlier-period-return": rows(  # that period's own activities: its late report
        "",
        {"tanggal_mulai": dt.date(2025, 9, 1), "tanggal_selesai": dt.date(2025, 9, 3)},
        change=_set_meta("period", "2025-S2"),
    ),
    "unknown-agency": rows("", {}, change=_set_meta("agency_code", "KEMENLAIN")),
    "ambiguous-agency": rows("", {}, change=_without_meta("Kemenkumham")),
    "outdated-template": rows("", {}, change=_set_meta("template_version", 0)),
    "meta-missing": lambda inbox, rules, period: (
        _workbook(inbox, rules, period, [{}], change=_without_meta(), name="Laporan Kominfo smt 1.xlsx"),
        "",
    ),
    "identity-missing": _identity_missing,
    "superseded": _superseded,
    # values (intake/normalise.py)
    "invalid-number": row("jumlah_peserta", jumlah_peserta="12,5"),
    "invalid-date": row("tanggal_mulai", tanggal_mulai="31/02/2026"),
    "ambiguous-value": row("anggaran", anggaran="1,500"),
    "not-in-list": row("sasaran", sasaran="Santri"),
    "unknown-action-code": row("kode_aksi", kode_aksi="9.9.9"),
    "unknown-regency": row("kabupaten_kota", provinsi="Jawa Timur", kabupaten_kota="Kab. Lamongn"),
    "ambiguous-regency": row("kabupaten_kota", provinsi="Jawa Timur", kabupaten_kota="Malang"),
    "regency-outside-province": row("kabupaten_kota", provinsi="Jawa Barat", kabupaten_kota="Kab. Lamongan"),
    "whitespace-normalised": row("nama_kegiatan", nama_kegiatan="  Sosialisasi\u00a0 warga\u200b "),
    "number-reformatted": row("anggaran", anggaran="Rp 2,5 juta"),
    "date-reformatted": row("tanggal_mulai", tanggal_mulai="2 Mar 2026"),
    "alias-replaced": row("provinsi", provinsi="Jatim"),
    "code-reformatted": _code_reformatted,
    # rows (intake/checks.py and the checks of rules/checks.yaml)
    "required-missing": row("nama_kegiatan", nama_kegiatan=None),
    "required-when": row("realisasi", status="Selesai", tanggal_selesai=dt.date(2026, 3, 3)),
    "out-of-range": row("jumlah_peserta", jumlah_peserta=-5),
    "text-too-long": row("nama_kegiatan", nama_kegiatan="x" * 501),
    "end-before-start": row("tanggal_selesai", tanggal_selesai=dt.date(2026, 3, 1)),
    "outside-period": row("tanggal_mulai", tanggal_mulai=dt.date(2026, 8, 1)),
    "duplicate-row": _duplicate,
    "action-not-assigned": _not_assigned,
    "role-mismatch": _role_mismatch,
    "invalid-url": row("tautan_bukti", tautan_bukti="www.kemenag.go.id/berita"),
    "outlier": _outlier,
    "participants-far-above": row("jumlah_peserta", jumlah_peserta=1200, satuan="orang", target=120),
    "twin-value": row("jumlah_peserta", target=10, realisasi=40, jumlah_peserta=40, satuan="orang"),
    "realisation-over-target": row("realisasi", target=10, realisasi=40),
    "overspent": row("realisasi_anggaran", anggaran=1_000_000, realisasi_anggaran=1_500_000),
    "obstacle-without-solution": row("upaya_penyelesaian", hambatan="Cuaca buruk"),
    # the return as a whole (intake/agency_checks.py)
    "late-submission": rows("", {}, identity={"Tanggal Pengisian": dt.date(2026, 7, 20)}),
    "nihil-with-rows": rows("", {}, identity={"Nihil (tidak ada kegiatan)": "Ya"}),
    "assigned-action-missing": rows("", {}),
    "not-received": _not_received,
}


REVIEW_CODES = {code for where, codes in RAISED_IN.items() if "review" in where for code in codes}


def test_every_code_has_a_test_input():
    """The codes of the secretariat's review (decisions read back, values sent back) are
    produced by tests/test_review.py, which has its own meta-test."""
    assert sorted(CASES) == sorted(set(CODES) - REVIEW_CODES)


COPY_WINDOW = {"still-copying"}  # the look for files still being copied, off in the other tests (conftest.py)


@pytest.mark.parametrize("code", sorted(CASES))
def test_code_is_produced(code, rules, period, tmp_path, monkeypatch):
    import pipeline.intake.ingest
    from pipeline.intake.read import being_copied

    if code in COPY_WINDOW:
        monkeypatch.setattr(pipeline.intake.ingest, "being_copied", being_copied)
    path, cell = CASES[code](tmp_path / "inbox", rules, period)
    found = unprivileged(validate_period, tmp_path / "inbox", rules, period).problems
    mine = [p for p in found if p.code == code]
    assert mine, f"{code} not found; found {sorted({p.code for p in found})}"
    if code != "not-received":
        assert any(p.file == path.name and p.cell == cell for p in mine), [(p.file, p.cell) for p in mine]


def test_every_code_has_a_message():
    for code in CODES:
        assert has(f"problems.{code}"), code
        assert has(f"problem_names.{code}"), code  # the Indonesian name the lists show beside the code
        assert Problem("f.xlsx", code, value="x", column="Kolom", detail="d").message


def _literals(path: Path) -> set[str]:
    return {n.value for n in ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Constant) and n.value in CODES}


def test_each_code_is_raised_in_the_one_place_the_catalogue_names():
    """A code is written in the module the catalogue names and in no other module that raises
    problems; a code of rules/checks.yaml is named there and in no module."""
    raising = [*sorted((ROOT / "pipeline" / "intake").glob("*.py")), ROOT / "pipeline" / "analysis" / "review.py"]
    in_module = {p.relative_to(ROOT).as_posix(): _literals(p) for p in raising}
    checks_yaml = set(re.findall(r"^\s*code:\s*(\S+)", (ROOT / "rules" / "checks.yaml").read_text(), re.M))
    for where, codes in RAISED_IN.items():
        for code in codes:
            places = {m for m, found in in_module.items() if code in found}
            if where == "rules/checks.yaml":
                assert code in checks_yaml and not places, (code, places)
            else:
                assert places == {where}, (code, places)


def test_checks_name_no_column_of_their_own():
    """The checks take every column from rules/ (checks.yaml, fields.yaml), none from code."""
    from pipeline.core.rules import load_rules

    keys = set(load_rules().column_by_key)
    for name in ("checks.py", "agency_checks.py"):
        tree = ast.parse((ROOT / "pipeline" / "intake" / name).read_text())
        named = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in keys}
        assert not named, (name, named)


def test_a_check_reads_its_columns_from_checks_yaml(rules_copy, period, tmp_path):
    """The outlier check groups by the unit only the columns checks.yaml says are measured in it."""
    import yaml

    from pipeline.core.rules import load_rules

    rules = load_rules(rules_copy)
    real = [50, 52, 48, 51, 49, 53, 900]
    units = ["orang"] * 6 + ["desa"]
    values = [
        {"kode_aksi": _first_action(rules), "realisasi": n, "satuan": u} for n, u in zip(real, units, strict=True)
    ]
    _workbook(tmp_path / "inbox", rules, period, values)

    def outliers(group_only_for):
        data = yaml.safe_load((rules_copy / "checks.yaml").read_text())
        data["checks"][8].update(columns=["realisasi"], group_only_for=group_only_for)
        (rules_copy / "checks.yaml").write_text(yaml.safe_dump(data))
        found = validate_period(tmp_path / "inbox", load_rules(rules_copy), period).problems
        return [p.cell for p in found if p.code == "outlier"]

    assert outliers({"satuan": ["realisasi"]}) == []  # 900 desa is alone in its unit
    assert outliers({"satuan": ["jumlah_peserta"]}) == [_cell(rules, "realisasi", 11)]  # compared across units
    shutil.rmtree(tmp_path / "inbox")
