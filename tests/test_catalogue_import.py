"""`ranpe catalogue import` turns an annex-shaped matrix into an equivalent catalogue.yaml."""

from __future__ import annotations

import re

import jinja2
import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.errors import RanpeError
from pipeline.core.rules import load_rules
from pipeline.core.texts import t
from pipeline.cycle.catalogue_import import import_matrix

HEAD = [
    "No",
    "Pilar",
    "Fokus",
    "Kode Aksi",
    "Aksi",
    "Masalah/Kebutuhan",
    "Keluaran",
    "Indikator",
    "Satuan",
    "Target",
    "Penanggung Jawab",
    "Instansi Terkait",
]


def _matrix(path, rules, lead_name=None):
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Lampiran")
    ws.write_row(0, 0, ["LAMPIRAN PERATURAN PRESIDEN"])
    ws.write_row(2, 0, HEAD)
    previous = (None, None)
    for i, fa in enumerate(rules.actions, start=3):
        a = fa.action
        pillar, focus = fa.path[0][1], fa.path[1][1]
        # group cells are blank below the first row of a group, as in merged annex cells
        shown = (pillar if pillar != previous[0] else "", focus if focus != previous[1] else "")
        previous = (pillar, focus)
        names = [rules.agency_by_code[c].short for c in a.lead]
        if lead_name and i == 3:
            names = [lead_name]
        ws.write_row(
            i,
            0,
            [
                i - 2,
                *shown,
                a.code,
                a.title,
                a.problem,
                a.output,
                a.indicator,
                a.unit,
                "" if a.target is None else a.target,
                ", ".join(names),
                "; ".join(rules.agency_by_code[c].name for c in a.support),
            ],
        )
    wb.close()
    return path


def test_import_roundtrip(rules, rules_copy, tmp_path):
    matrix = _matrix(tmp_path / "matriks.xlsx", rules)
    result = CliRunner().invoke(main, ["--rules", str(rules_copy), "catalogue", "import", str(matrix)])
    assert result.exit_code == 0, result.output
    imported = load_rules(rules_copy)
    assert imported.catalogue.sample is False
    assert [fa.code for fa in imported.actions] == [fa.code for fa in rules.actions]
    for new, old in zip(imported.actions, rules.actions, strict=True):
        assert new.action == old.action
        assert new.path == old.path


def test_import_rejects_unknown_agency(rules, rules_copy, tmp_path):
    matrix = _matrix(tmp_path / "m.xlsx", rules, lead_name="Kementerian Urusan Antariksa")
    with pytest.raises(RanpeError, match=r"baris 4, kolom K \(Penanggung Jawab\): K/L 'Kementerian Urusan Antariksa'"):
        import_matrix(matrix, rules, rules_copy / "catalogue.yaml")


def test_import_rejects_matrix_without_columns(rules, rules_copy, tmp_path):
    path = tmp_path / "kosong.xlsx"
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet().write_row(0, 0, ["Nama", "Alamat"])
    wb.close()
    with pytest.raises(RanpeError, match="kolom wajib tidak ditemukan"):
        import_matrix(path, rules, rules_copy / "catalogue.yaml")


# An official matrix as the secretariat receives it: the name cells carry their own numbers,
# group cells are blank below a group's first row (merged in the original), a row under the
# header numbers the columns. Codes are its own (pillar 2 is missing), not the sample's.
PILLAR1 = "Pencegahan (Kesiapsiagaan, Kontra Radikalisasi, dan Deradikalisasi)"
NUMBERED = [
    ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)", "(8)", "(9)", "(10)", "(11)", "(12)"],
    [1, f"1. {PILLAR1}", "1.1 Kesiapsiagaan", "1.1.1", "1.1.1 Pelatihan pemolisian masyarakat", "", "", "",
     "orang", 500, "Polri", "BNPT"],
    [2, "", "", "1.1.2.", "1.1.2. Penguatan deteksi dini di desa", "", "", "", "desa", "20", "Kemendagri",
     "Kementerian Pendidikan Tinggi, Sains, dan Teknologi, BNPT"],
    [3, "", "1.2. Kontra Radikalisasi", "1.2.1", "2 Kali Pelatihan penceramah per tahun", "", "", "",
     "kegiatan", 2, "Kemenag", "-"],
    [4, "III. Kemitraan dan Kerja Sama Internasional", "A) Kerja Sama Regional", "3.1.1",
     "Aksi 3.1.1: Forum kerja sama kawasan", "", "", "", "", "", "Kemlu", "BNPT; Polri"],
    [5, "", "5 Tahun Kerja Sama Bilateral", "3.2.1", "Perjanjian ekstradisi", "", "", "", "dokumen", 3,
     "Kemlu", ""],
]  # fmt: skip


def _openpyxl_matrix(path, rows, head=HEAD):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Lampiran"
    ws.append(["MATRIKS RENCANA AKSI NASIONAL"])
    ws.append([])
    for row in [head, *rows]:
        ws.append(row)
    wb.save(path)
    return path


def _heading(key, levels, **item):
    """A heading as the report composes it from the texts file (e.g. 'Pilar {code}. {name}')."""
    return jinja2.Template(t(f"report.{key}")).render(tingkat=levels, **item)


def test_import_drops_the_numbers_name_cells_repeat(rules, rules_copy, tmp_path):
    matrix = _openpyxl_matrix(tmp_path / "matriks.xlsx", NUMBERED)
    import_matrix(matrix, rules, rules_copy / "catalogue.yaml")
    imported = load_rules(rules_copy)
    groups = [(code, name) for fa in imported.actions for code, name in fa.path]
    assert list(dict.fromkeys(groups)) == [
        ("1", PILLAR1),
        ("1.1", "Kesiapsiagaan"),
        ("1.2", "Kontra Radikalisasi"),
        ("3", "Kemitraan dan Kerja Sama Internasional"),
        ("3.1", "Kerja Sama Regional"),
        ("3.2", "5 Tahun Kerja Sama Bilateral"),  # a number that is not the focus's own stays
    ]
    assert [(fa.code, fa.action.title) for fa in imported.actions] == [
        ("1.1.1", "Pelatihan pemolisian masyarakat"),
        ("1.1.2", "Penguatan deteksi dini di desa"),
        ("1.2.1", "2 Kali Pelatihan penceramah per tahun"),  # not a repeat of 1.2.1: kept
        ("3.1.1", "Forum kerja sama kawasan"),
        ("3.2.1", "Perjanjian ekstradisi"),
    ]
    assert imported.actions[1].action.support == ["KEMENDIKTISAINTEK", "BNPT"]  # a comma inside a name
    assert imported.actions[2].action.support == []  # '-': none
    levels = imported.catalogue.levels
    first = imported.actions[0].path
    assert _heading("h_pillar", levels, p={"kode": first[0][0], "nama": first[0][1]}) == f"Pilar 1. {PILLAR1}"
    assert _heading("h_focus", levels, f={"kode": first[1][0], "nama": first[1][1]}) == "Fokus 1.1 Kesiapsiagaan"


def test_import_drops_group_numbers_when_codes_are_not_hierarchical(rules, rules_copy, tmp_path):
    """Actions numbered 1, 2, 3: the groups are numbered by their order, and a name cell
    repeating that number (as a roman numeral or a letter too) loses it."""
    rows = [
        ["", "I. Pencegahan", "a. Kesiapsiagaan", 1, "1. Pelatihan", "", "", "", "", "", "Polri", ""],
        ["", "", "b) Kontra Radikalisasi", 2, "Literasi digital", "", "", "", "", "", "Komdigi", ""],
        ["", "Pilar II Penegakan Hukum", "A. Penguatan Legislasi", 3, "3 Rancangan peraturan", "", "", "", "", "",
         "Kemenkum", ""],
    ]  # fmt: skip
    import_matrix(_openpyxl_matrix(tmp_path / "m.xlsx", rows), rules, rules_copy / "catalogue.yaml")
    actions = load_rules(rules_copy).actions
    assert [(fa.code, fa.action.title, fa.path) for fa in actions] == [
        ("1", "Pelatihan", (("1", "Pencegahan"), ("1", "Kesiapsiagaan"))),
        ("2", "Literasi digital", (("1", "Pencegahan"), ("2", "Kontra Radikalisasi"))),
        ("3", "Rancangan peraturan", (("2", "Penegakan Hukum"), ("1", "Penguatan Legislasi"))),
    ]


def test_import_prints_a_preview_of_what_it_read(rules_copy, tmp_path):
    matrix = _openpyxl_matrix(tmp_path / "matriks.xlsx", NUMBERED)
    result = CliRunner().invoke(main, ["--rules", str(rules_copy), "catalogue", "import", str(matrix)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Matriks terbaca: 2 Pilar, 4 Fokus, 5 Aksi."
    assert lines[1] == "5 aksi pertama (periksa apakah setiap kolom terbaca dengan benar):"
    assert lines[2:8] == [
        f"Pilar 1 {PILLAR1}",
        "  Fokus 1.1 Kesiapsiagaan",
        "    1.1.1 Pelatihan pemolisian masyarakat",
        "        penanggung jawab: Polri; instansi terkait: BNPT; target: 500 orang",
        "    1.1.2 Penguatan deteksi dini di desa",
        "        penanggung jawab: Kemendagri; instansi terkait: Kemendiktisaintek, BNPT; target: 20 desa",
    ]
    assert "        penanggung jawab: Kemlu; instansi terkait: BNPT, Polri; target: tidak ditetapkan" in lines
    assert lines[-1].startswith(f"Katalog aksi ditulis ke {rules_copy / 'catalogue.yaml'}.")


def test_import_refuses_every_bad_row_at_once_and_writes_nothing(rules, rules_copy, tmp_path):
    rows = [
        ["", f"1. {PILLAR1}", "1.1 Kesiapsiagaan", "1.1.1", "Pelatihan", "", "", "", "orang", 500, "Polri", ""],
        ["", "", "", "1.1.2", "Pemetaan", "", "", "", "dokumen", "lima", "BNPT", "Kementerian Antariksa"],  # 5
        ["", "", "", "1.1.3", "", "", "", "", "", "", "Kemenkumham", ""],  # 6: no title, ambiguous agency
        ["", "", "", "1.1.1", "Pelatihan lagi", "", "", "", "", "", "Polri", ""],  # 7: duplicate code
        ["", "", "", "2.1.1", "Penegakan", "", "", "", "", "", "Polri", ""],  # 8: under Pilar 1
        ["", "", "", "", "Tanpa kode", "", "", "", "", "", "", ""],  # 9: no code, no lead
        ["", "", "", "1.1.4", "Baik", "", "", "", "", "", "Polri", "Kementerian Antariksa"],  # 10: as row 5
    ]  # fmt: skip
    before = (rules_copy / "catalogue.yaml").read_bytes()
    result = CliRunner().invoke(
        main, ["--rules", str(rules_copy), "catalogue", "import", str(_openpyxl_matrix(tmp_path / "m.xlsx", rows))]
    )
    assert result.exit_code == 2
    assert (rules_copy / "catalogue.yaml").read_bytes() == before
    assert "tidak dimuat karena 6 baris bermasalah" in result.output
    found = re.findall(r"^- baris ([\d, ]+), kolom (\w+) \(([^)]+)\): (.*)$", result.output, re.M)
    assert [(rows_, letter, label) for rows_, letter, label, _ in found] == [
        ("5", "J", "Target"),
        ("5, 10", "L", "Instansi Terkait"),  # the same problem in two rows: one line
        ("6", "E", "Aksi"),
        ("6", "K", "Penanggung Jawab"),
        ("7", "D", "Kode Aksi"),
        ("8", "D", "Kode Aksi"),
        ("9", "D", "Kode Aksi"),
        ("9", "K", "Penanggung Jawab"),
    ]
    messages = [m for *_, m in found]
    assert messages[0].startswith("Target 'lima' bukan angka.")
    assert "'Kemenkumham' dapat berarti beberapa K/L" in messages[3]
    assert messages[4].startswith("Kode aksi 1.1.1 sudah dipakai aksi di baris 4.")
    assert messages[5].startswith("Kode aksi 2.1.1 tidak cocok dengan Pilar")


def test_reimport_is_byte_identical(rules, rules_copy, tmp_path):
    matrix = _openpyxl_matrix(tmp_path / "matriks.xlsx", NUMBERED)
    out = rules_copy / "catalogue.yaml"
    import_matrix(matrix, rules, out)
    first = out.read_bytes()
    import_matrix(matrix, load_rules(rules_copy), out)  # the cycle re-imports with the imported rules
    assert out.read_bytes() == first
