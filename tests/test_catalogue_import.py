"""`ranpe catalogue import` turns an annex-shaped matrix into an equivalent catalogue.yaml."""

from __future__ import annotations

import pytest
import xlsxwriter
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.errors import RanpeError
from pipeline.core.rules import load_rules

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
    with pytest.raises(RanpeError, match="baris 4: Kode K/L 'Kementerian Urusan Antariksa'"):
        from pipeline.cycle.catalogue_import import import_matrix

        import_matrix(matrix, rules, rules_copy / "catalogue.yaml")


def test_import_rejects_matrix_without_columns(rules, rules_copy, tmp_path):
    path = tmp_path / "kosong.xlsx"
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet().write_row(0, 0, ["Nama", "Alamat"])
    wb.close()
    from pipeline.cycle.catalogue_import import import_matrix

    with pytest.raises(RanpeError, match="kolom wajib tidak ditemukan"):
        import_matrix(path, rules, rules_copy / "catalogue.yaml")
