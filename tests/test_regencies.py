"""The kab/kota code list (rules/regencies.yaml): loaded and checked like every rules file,
offered in the template as a list that depends on the row's province (in Excel and in
LibreOffice, before and after LibreOffice re-saves it), and read back on return: names
corrected to the official ones, unknown, ambiguous or misplaced ones warned about, and the
Kemendagri code carried to the outputs."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from pipeline.core.errors import RanpeError
from pipeline.core.layout import HEADER_ROW
from pipeline.core.rules import load_rules
from pipeline.intake.validate import validate_period
from pipeline.outputs import office
from pipeline.outputs.feedback import write_feedback
from pipeline.outputs.template import SEVERITY_FILL, Sheet, write_template

from .conftest import libreoffice_convert
from .test_problem_codes import _cell, _workbook

DAY = dt.date(2026, 1, 5)


# ---- the code list ----------------------------------------------------------------------
def test_the_code_list_has_every_province_and_kabkota_once(rules):
    regencies = rules.regencies.regencies
    assert len(rules.provinces.provinces) == 38 and len(regencies) == 514
    codes = [r.code for r in regencies]
    assert len(set(codes)) == 514 and len({r.name for r in regencies}) == 514
    assert Counter(r.type for r in regencies) == {"kabupaten": 416, "kota": 98}
    provinces = {p.kemendagri for p in rules.provinces.provinces}
    assert {r.province for r in regencies} == provinces  # every province has its kab/kota, none else
    assert len(rules.regencies_by_province["35"]) == 38 and rules.regencies_by_province["31"][0].name == (
        "Kabupaten Administrasi Kepulauan Seribu"
    )
    # Papua's Kemendagri codes are not its BPS codes: the kab/kota follow Kemendagri's
    papua = next(p for p in rules.provinces.provinces if p.name == "Papua")
    assert (papua.kemendagri, papua.bps) == ("91", "94")
    assert {r.name for r in rules.regencies_by_province["91"]} >= {"Kabupaten Jayapura", "Kota Jayapura"}
    source = rules.regencies.source
    assert "300.2.2-2430" in source.decree and source.licence.startswith("MIT") and len(source.commit) == 40
    text = (rules.folder / "regencies.yaml").read_text(encoding="utf-8")
    assert "Permission is hereby granted, free of charge" in text  # the licence travels with the data


ROW = "  - {code:"  # how a row of the list begins


def _line_and_index(path: Path, needle: str) -> tuple[int, int]:
    """The line of the first row holding `needle`, and that row's position in the list."""
    lines = path.read_text(encoding="utf-8").split("\n")
    line = next(n for n, x in enumerate(lines, start=1) if needle in x)
    return line, sum(x.startswith(ROW) for x in lines[: line - 1])


@pytest.mark.parametrize(
    ("typed", "typo", "expected"),
    [
        (
            '"35.24", name: Kabupaten Lamongan, type: kabupaten',
            '"35.24", name: Kabupaten Lamongan, type: kabupatn',
            "pilihan: 'kabupaten', 'kota'",
        ),
        ('"35.24", name: Kabupaten Lamongan', '"35.2", name: Kabupaten Lamongan', "dua angka provinsi, titik"),
        ('"35.24", name: Kabupaten Lamongan', '"35.23", name: Kabupaten Lamongan', "'35.23' muncul lebih dari sekali"),
        ('"35.24", name: Kabupaten Lamongan', '"39.24", name: Kabupaten Lamongan', "tidak ada provinsi berkode"),
        ('"35.24", name: Kabupaten Lamongan', '"35.84", name: Kabupaten Lamongan', "nomor kabupaten 01 sampai 69"),
        ("name: Kabupaten Lamongan", "name: Lamongan", "tidak diawali sebutan jenisnya"),
        ("aliases: [Toba Samosir]", "alias: [Toba Samosir]", "kunci tidak dikenal"),
    ],
)
def test_a_typo_in_the_code_list_names_the_file_and_line(rules_copy, typed, typo, expected):
    """Typed or inconsistent: one Indonesian message naming the file, the key and the line."""
    path = rules_copy / "regencies.yaml"
    line, index = _line_and_index(path, typed)
    path.write_text(path.read_text(encoding="utf-8").replace(typed, typo, 1), encoding="utf-8")
    with pytest.raises(RanpeError) as info:
        load_rules(rules_copy)
    message = str(info.value)
    assert f"{path} tidak sah pada kunci 'regencies.{index}" in message
    assert expected in message and message.endswith(f"(baris {line})")


def test_a_workspace_made_before_the_code_list_reads_the_shipped_one(rules_copy):
    (rules_copy / "regencies.yaml").unlink()
    assert len(load_rules(rules_copy).regencies.regencies) == 514


# ---- the dependent list in the template ---------------------------------------------------
@pytest.fixture(scope="module")
def templates(rules, period, tmp_path_factory):
    """A template as the project writes it, and the same re-saved by LibreOffice."""
    folder = tmp_path_factory.mktemp("templates")
    path = write_template(folder / "BNPT_2026-S1.xlsx", rules, Sheet(rules.get_agency("BNPT"), period, DAY))
    (resaved,) = libreoffice_convert([path], "xlsx", folder / "lo")
    return {"written": path, "resaved": resaved}


_SOURCE = re.compile(r'^=?INDIRECT\(IFERROR\(VLOOKUP\(\$([A-Z]+)(\d+),(\w+),2,(?:FALSE|0)\),"(\w+)"\)\)$')


def _values(wb, name: str) -> list[list]:
    """The cells a workbook-level defined name points at, row by row."""
    sheet, ref = wb.defined_names[name].attr_text.split("!")
    return [[c.value for c in row] for row in wb[sheet.strip("'")][ref.replace("$", "")]]


def resolve(wb, ws, cell: str, province: str) -> list[str]:
    """What the list of `cell`'s data validation offers while its row's province is
    `province`, evaluated as Excel and Calc do: INDIRECT of the name VLOOKUP finds for the
    province in the lookup table, else of the default name."""
    dv = next(d for d in ws.data_validations.dataValidation if cell in d.sqref)
    first = str(dv.sqref).split(":")[0]
    m = _SOURCE.match(dv.formula1)
    assert m, dv.formula1
    column, row, table, default = m.groups()
    # the reference is relative: on `cell`'s row it names the same column of that row
    assert int(row) == int(first.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    assert ws[f"{column}{HEADER_ROW + 1}"].value == "Provinsi"  # the province column's header
    found = [name for key, name in _values(wb, table) if isinstance(key, str) and key.casefold() == province.casefold()]
    return [r[0] for r in _values(wb, found[0] if found else default)]


@pytest.mark.parametrize("kind", ["written", "resaved"])
def test_the_kabkota_list_follows_the_rows_province(rules, templates, kind):
    """The validation formula of the Kabupaten/Kota column, resolved for two provinces, gives
    their kab/kota; blank, Nasional and Luar Negeri give every kab/kota. So after a LibreOffice
    round trip too."""
    wb = openpyxl.load_workbook(templates[kind])
    ws = wb["Laporan"]
    col = [c.key for c in rules.fields.columns].index("kabupaten_kota") + 1
    assert ws.cell(HEADER_ROW + 1, col).value == "Kabupaten/Kota"
    dv = next(d for d in ws.data_validations.dataValidation if _cell(rules, "kabupaten_kota", 5) in d.sqref)
    assert dv.type == "list" and dv.errorStyle == "warning"  # a suggestion: another name may be typed
    assert _cell(rules, "kabupaten_kota", 205) in dv.sqref  # every row, open ones too
    every = rules.choices("regencies")
    for cell in (_cell(rules, "kabupaten_kota", 5), _cell(rules, "kabupaten_kota", 9)):
        jatim = resolve(wb, ws, cell, "Jawa Timur")
        assert jatim == [r.name for r in rules.regencies_by_province["35"]] and len(jatim) == 38
        assert "Kabupaten Lamongan" in jatim and "Kota Bandung" not in jatim
        assert resolve(wb, ws, cell, "Papua Barat Daya") == [r.name for r in rules.regencies_by_province["96"]]
        for place in ("", "Nasional", "Luar Negeri"):
            assert resolve(wb, ws, cell, place) == every
    assert wb["_ref"].sheet_state == "hidden"


def _libreoffice_validity(path: Path, rules, tmp_path: Path, provinces: list[str], typed: dict) -> dict:
    soffice = office.soffice()
    assert soffice, "LibreOffice (soffice) is required for this test"
    python = office.uno_python(soffice)
    script = Path(__file__).with_name("lo_validity.py")
    cell, province = _cell(rules, "kabupaten_kota", 5), _cell(rules, "provinsi", 5)
    args = [*python, str(script), str(soffice), str(tmp_path / "profile"), str(path), cell, province,
            json.dumps(provinces), json.dumps(typed)]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("kind", ["written", "resaved"])
def test_libreoffice_offers_and_checks_the_kabkota_of_the_rows_province(rules, templates, kind, tmp_path):
    """LibreOffice's own engine: the list holds the province's kab/kota, and a kab/kota of
    another province is marked invalid, in the file as written and as LibreOffice re-saved it."""
    at = lambda key, row: _cell(rules, key, row)  # noqa: E731
    typed = {
        at("provinsi", 6): "Jawa Timur", at("kabupaten_kota", 6): "Kabupaten Lamongan",  # its province's
        at("provinsi", 7): "Jawa Timur", at("kabupaten_kota", 7): "Kota Bandung",  # another province's
        at("provinsi", 8): "Jawa Barat", at("kabupaten_kota", 8): "Kota Bandung",
        at("provinsi", 9): "Nasional", at("kabupaten_kota", 9): "Kota Surabaya",  # any kab/kota
        at("provinsi", 10): "Jawa Barat", at("kabupaten_kota", 10): "Kab. Lamongan",  # not a name of the list
    }  # fmt: skip
    found = _libreoffice_validity(templates[kind], rules, tmp_path, ["Jawa Timur", "Jawa Barat", ""], typed)
    jatim, jabar = rules.regencies_by_province["35"], rules.regencies_by_province["32"]
    assert found["lists"]["Jawa Timur"] == [jatim[0].name, jatim[-1].name, str(len(jatim))]
    assert found["lists"]["Jawa Barat"] == [jabar[0].name, jabar[-1].name, str(len(jabar))]
    assert found["lists"][""][2] == "514"
    assert sorted(found["invalid"]) == sorted([at("kabupaten_kota", 7), at("kabupaten_kota", 10)])


# ---- on return -------------------------------------------------------------------------------
CASES = [  # (province, kab/kota typed, value read, code, problems on the kab/kota cell)
    ("Jawa Timur", "Kabupaten Lamongan", "Kabupaten Lamongan", "35.24", []),
    ("Jawa Timur", "Kab. Lamongan", "Kabupaten Lamongan", "35.24", ["alias-replaced"]),
    ("Jawa Timur", "KAB LAMONGAN", "Kabupaten Lamongan", "35.24", ["alias-replaced"]),
    ("Jawa Timur", "Lamongan", "Kabupaten Lamongan", "35.24", ["alias-replaced"]),
    ("Jawa Timur", "Kota Surabaya", "Kota Surabaya", "35.78", []),
    ("Jawa Timur", "  Kota  Surabaya ", "Kota Surabaya", "35.78", ["whitespace-normalised"]),
    ("Sumatera Utara", "Kab. Toba Samosir", "Kabupaten Toba", "12.12", ["alias-replaced"]),  # renamed in 2020
    ("Sumatera Utara", "Kota Pematang Siantar", "Kota Pematangsiantar", "12.72", ["alias-replaced"]),
    ("DKI Jakarta", "Jakarta Selatan", "Kota Administrasi Jakarta Selatan", "31.74", ["alias-replaced"]),
    ("Banten", "Kota Tanggerang Selatan", "Kota Tangerang Selatan", "36.74", ["alias-replaced"]),  # misspelt
    ("Jawa Barat", "Banjar", "Kota Banjar", "32.79", ["alias-replaced"]),  # the province decides
    ("Kalimantan Selatan", "Banjar", "Kabupaten Banjar", "63.03", ["alias-replaced"]),
    ("Jawa Timur", "Kab. Lamongn", "Kab. Lamongn", None, ["unknown-regency"]),
    ("Jawa Timur", "Malang", "Malang", None, ["ambiguous-regency"]),
    ("Jawa Barat", "Kab. Lamongan", "Kabupaten Lamongan", "35.24", ["alias-replaced", "regency-outside-province"]),
    ("Nasional", "Kota Surabaya", "Kota Surabaya", "35.78", []),  # a national activity held there
    ("Luar Negeri", "Kuala Lumpur", "Kuala Lumpur", None, []),  # abroad: any place
    ("Jawa Timur", None, None, None, []),  # a provincial activity
]


def _return(folder: Path, rules, period) -> Path:
    fa, role = rules.assigned_actions("KEMENAG")[0]
    rows = [
        {"kode_aksi": fa.code, "peran": role, "nama_kegiatan": f"Sosialisasi {i}", "provinsi": p, "kabupaten_kota": k}
        for i, (p, k, *_) in enumerate(CASES)
    ]
    return _workbook(folder, rules, period, rows)


@pytest.fixture(scope="module")
def returned(rules, period, tmp_path_factory):
    """The return filled with openpyxl, and the same re-saved by LibreOffice, each validated."""
    out = {}
    for kind in ("openpyxl", "libreoffice"):
        inbox = tmp_path_factory.mktemp(kind)
        path = _return(inbox, rules, period)
        if kind == "libreoffice":  # re-saved in place, as an agency saving it in LibreOffice
            (resaved,) = libreoffice_convert([path], "xlsx", tmp_path_factory.mktemp("lo"))
            shutil.copy(resaved, path)
        out[kind] = (path, validate_period(inbox, rules, period))
    return out


@pytest.mark.parametrize("kind", ["openpyxl", "libreoffice"])
def test_a_kabkota_is_read_as_the_official_name_with_its_code(rules, returned, kind):
    _, validation = returned[kind]
    rows = validation.typed.set_index("_row")
    label = rules.column_by_key["kabupaten_kota"].label
    found: dict[int, list[str]] = {}
    for p in validation.problems:
        if p.column == label:
            found.setdefault(p.row, []).append(p.code)
            assert p.cell == _cell(rules, "kabupaten_kota", p.row)
    for row, (province, typed, value, code, problems) in enumerate(CASES, start=5):
        case = (province, typed)
        assert rows.at[row, "kabupaten_kota"] == value, case
        assert rows.at[row, "kode_kabupaten_kota"] == code, case
        assert sorted(found.get(row, [])) == problems, case
    # the columns' order: the code right after the kab/kota
    columns = list(validation.typed.columns)
    assert columns.index("kode_kabupaten_kota") == columns.index("kabupaten_kota") + 1
    # warnings keep the row; the messages say what to do, a misspelling with the nearest name
    assert len(validation.accepted) == len(CASES)
    unknown = next(p for p in validation.problems if p.code == "unknown-regency")
    assert "Kabupaten Lamongan" in unknown.message and "Kab. Lamongn" in unknown.message
    ambiguous = next(p for p in validation.problems if p.code == "ambiguous-regency")
    assert "Kabupaten Malang, Kota Malang" in ambiguous.message
    outside = next(p for p in validation.problems if p.code == "regency-outside-province")
    assert "Provinsi Jawa Timur" in outside.message
    corrected = next(p for p in validation.problems if p.code == "alias-replaced" and p.row == 6)
    assert corrected.message == "Nilai 'Kab. Lamongan' pada kolom Kabupaten/Kota diganti menjadi 'Kabupaten Lamongan'."


def test_the_feedback_shows_a_corrected_kabkota_in_blue(rules, period, returned, tmp_path):
    """Corrected as a province is: the official name written back, the cell blue; a warning yellow."""
    _, validation = returned["openpyxl"]
    (path,) = write_feedback(validation, rules, tmp_path, dt.date(2026, 7, 20))
    ws = openpyxl.load_workbook(path)["Laporan"]
    at = lambda row: ws[_cell(rules, "kabupaten_kota", row)]  # noqa: E731
    assert at(6).value == "Kabupaten Lamongan" and at(6).fill.fgColor.rgb.endswith(SEVERITY_FILL["corrected"][1:])
    assert at(17).value == "Kab. Lamongn" and at(17).fill.fgColor.rgb.endswith(SEVERITY_FILL["warning"][1:])
    assert at(5).comment is None and at(6).comment is not None
    # sent back as it is, the corrected names are read without a word; the warnings remain
    again = validate_period(path.parent, rules, period)
    label = rules.column_by_key["kabupaten_kota"].label
    left = sorted((p.row, p.code) for p in again.problems if p.column == label)
    assert left == [(17, "unknown-regency"), (18, "ambiguous-regency"), (19, "regency-outside-province")]


def test_the_sample_period_reads_its_kabkota_as_the_official_names(rules, period, demo_sample, tmp_path):
    """The demo's kab/kota are picked from the list but for two typed ones (planted: "Kab. X"
    corrected, a misspelling warned about): each is read as the decree names it, with its
    code, in the activities and the I-KHub export."""
    from pipeline.analysis.consolidate import consolidate, overlap_table
    from pipeline.outputs.ikhub import write_ikhub

    validation = validate_period(demo_sample.inbox, rules, period)
    label = rules.column_by_key["kabupaten_kota"].label
    found = sorted(p.code for p in validation.problems if p.column == label)
    assert found == ["alias-replaced", "unknown-regency"]
    typed = next(p for p in validation.problems if p.column == label and p.code == "alias-replaced")
    assert typed.value.startswith("Kab. ") and typed.detail == "Kabupaten " + typed.value.removeprefix("Kab. ")
    c = consolidate(validation, rules)
    acts = c.activities
    named = acts[acts["kabupaten_kota"].notna()]
    official = {r.name: r.code for r in rules.regencies.regencies}
    known = named["kabupaten_kota"].isin(official)
    assert (~known).sum() == 1 and named.loc[~known, "kode_kabupaten_kota"].isna().all()  # the misspelt one
    assert (named.loc[known, "kode_kabupaten_kota"] == named.loc[known, "kabupaten_kota"].map(official)).all()
    assert typed.detail in set(named["kabupaten_kota"]) and typed.value not in set(acts["kabupaten_kota"])
    assert acts.loc[acts["kabupaten_kota"].isna(), "kode_kabupaten_kota"].isna().all()
    assert {"a_kode_kabupaten_kota", "b_kode_kabupaten_kota"} <= set(overlap_table(c).columns)
    csv_path, json_path = write_ikhub(c, rules, tmp_path)
    doc = json.loads(json_path.read_text(encoding="utf-8"))
    assert doc["format_version"] == 3
    first = next(r for r in doc["kegiatan"] if r["kabupaten_kota"] == "Kabupaten Lamongan")  # the joint activity
    keys = list(first)
    assert first["kode_kabupaten_kota"] == "35.24"
    assert keys.index("kode_kabupaten_kota") == keys.index("kabupaten_kota") + 1
    header = csv_path.read_text(encoding="utf-8").split("\n")[0].split(",")
    assert header == keys


def test_a_period_stored_before_codes_were_kept_still_consolidates(rules, period, demo_sample):
    """Activities of a history snapshot made before this version have no code column."""
    from pipeline.analysis.consolidate import activities, consolidate, overlap_table

    validation = validate_period(demo_sample.inbox, rules, period)
    old = activities(validation, rules).drop(columns=["kode_kabupaten_kota"])
    c = consolidate(validation, rules, acts=old)
    table = overlap_table(c)
    assert len(table) and table["a_kode_kabupaten_kota"].isna().all()
