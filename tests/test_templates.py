"""The per-agency templates: complete, locked down, self-checking, and LibreOffice-proof."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.layout import FIRST_DATA_ROW, HEADER_ROW
from pipeline.core.periods import parse_period
from pipeline.core.rules import load_rules
from pipeline.outputs.template import Sheet, write_template, write_templates

from .conftest import libreoffice_convert

DAY = dt.date(2026, 1, 5)


@pytest.fixture(scope="session")
def all_templates(rules, period, tmp_path_factory):
    out = tmp_path_factory.mktemp("outbox")
    return write_templates(rules, period, out, generated=DAY)


@pytest.fixture(scope="session")
def roundtripped(all_templates, tmp_path_factory):
    return libreoffice_convert(all_templates, "xlsx", tmp_path_factory.mktemp("lo"))


def _meta(wb) -> dict:
    return {r[0]: r[1] for r in wb["_meta"].iter_rows(values_only=True) if r[0]}


def _locked(ws, ref: str) -> bool:
    """Effective protection: the cell's own style, else its column's (LibreOffice omits blank
    cells styled like their column, and Excel and Calc then apply the column style)."""
    cell = ws[ref]
    if cell.has_style:
        return cell.protection.locked
    return ws.column_dimensions[cell.column_letter].protection.locked


def _validations(ws) -> dict[str, object]:
    """Column header label -> data validation on its first data row."""
    labels = {c.column_letter: c.value for c in ws[HEADER_ROW + 1]}
    out = {}
    for dv in ws.data_validations.dataValidation:
        first = str(dv.sqref).split()[0].split(":")[0]
        out[labels[first.rstrip("0123456789")]] = dv
    return out


def _check_template(path, rules, agency, view_settings=True):
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Petunjuk", "Identitas", "Laporan", "_ref", "_meta"]
    meta = _meta(wb)
    assert meta["agency_code"] == agency and meta["period"] == "2026-S1"
    assert int(meta["template_version"]) == rules.settings.template_version
    assert meta["fields_hash"] == rules.fields_hash
    ws = wb["Laporan"]
    assert [c.value for c in ws[HEADER_ROW + 1]][: len(rules.fields.columns)] == [c.label for c in rules.fields.columns]
    assert ws.protection.sheet
    if view_settings:  # headless `soffice --convert-to` drops all view settings (freeze panes) of any file
        assert ws.freeze_panes == "E5"
    dvs = _validations(ws)
    enumerated = [c.label for c in rules.fields.columns if c.type in ("choice", "code")]
    for label in enumerated:
        assert dvs[label].type == "list", label
    assert dvs["Tanggal Mulai"].type == "date" and dvs["Jumlah Peserta"].type == "whole"
    assert dvs["Anggaran (Rp)"].type == "decimal"
    assert "wajib" in (dvs["Tanggal Selesai"].prompt or "").lower()
    assigned = rules.assigned_actions(agency)
    codes = [ws.cell(FIRST_DATA_ROW + 1 + i, 2).value for i in range(len(assigned))]
    assert codes == [fa.code for fa, _ in assigned]
    assert ws.cell(FIRST_DATA_ROW + 1 + len(assigned), 2).value is None
    assert not _locked(ws, "E5") and _locked(ws, "C5") and _locked(ws, "A4")
    assert len(ws.conditional_formatting) >= len(enumerated)
    ident = {r[0]: r[1] for r in wb["Identitas"].iter_rows(values_only=True) if r[0]}
    assert ident["Kode Instansi"] == agency and ident["Periode"] == "2026-S1"
    assert "Nihil (tidak ada kegiatan)" in ident and "Baris yang masih perlu diperbaiki" in ident
    assert str(ident["Baris yang masih perlu diperbaiki"]).startswith("=SUM(")
    assert not ws.merged_cells.ranges


def test_every_agency_gets_a_template(rules, all_templates):
    assert len(all_templates) == len(rules.agencies)
    for path, agency in zip(all_templates, rules.agencies, strict=True):
        assert path.name == f"{agency.code}_2026-S1.xlsx"
        _check_template(path, rules, agency.code)


def test_templates_survive_libreoffice_roundtrip(rules, roundtripped):
    """Every template re-saved by LibreOffice keeps its dropdowns, hints, protection and _meta."""
    for path, agency in zip(roundtripped, rules.agencies, strict=True):
        _check_template(path, rules, agency.code, view_settings=False)


def test_lists_come_from_reference_sheet(rules, all_templates):
    wb = openpyxl.load_workbook(all_templates[0])
    status = wb.defined_names["daftar_status"].attr_text
    ref = status.split("!")[1]
    values = [c.value for row in wb["_ref"][ref.replace("$", "")] for c in row]
    assert values == rules.choices("list:status")
    assert wb["_ref"].sheet_state == "hidden" and wb["_meta"].sheet_state == "veryHidden"


def test_fields_yaml_drives_the_template(rules_copy, tmp_path):
    """A label and an allowed value changed in rules/ show up in the template with no code change."""
    fields = yaml.safe_load((rules_copy / "fields.yaml").read_text())
    next(c for c in fields["columns"] if c["key"] == "mitra")["label"] = "Mitra Pelaksana"
    (rules_copy / "fields.yaml").write_text(yaml.safe_dump(fields, allow_unicode=True))
    lists = yaml.safe_load((rules_copy / "lists.yaml").read_text())
    lists["lists"]["status"]["values"].append("Dijadwalkan Ulang")
    (rules_copy / "lists.yaml").write_text(yaml.safe_dump(lists, allow_unicode=True))
    rules = load_rules(rules_copy)
    period = parse_period("2026-S1", rules)
    path = write_template(tmp_path / "x.xlsx", rules, Sheet(rules.get_agency("BNPT"), period, DAY))
    wb = openpyxl.load_workbook(path)
    assert "Mitra Pelaksana" in [c.value for c in wb["Laporan"][HEADER_ROW + 1]]
    ref = [c.value for row in wb["_ref"].iter_rows() for c in row]
    assert "Dijadwalkan Ulang" in ref
    assert _meta(wb)["fields_hash"] != load_rules().fields_hash


def test_template_bytes_are_reproducible(rules, period, tmp_path):
    a = write_template(tmp_path / "a.xlsx", rules, Sheet(rules.get_agency("POLRI"), period, DAY))
    b = write_template(tmp_path / "b.xlsx", rules, Sheet(rules.get_agency("POLRI"), period, DAY))
    assert a.read_bytes() == b.read_bytes()


def test_cli_templates_one_agency(tmp_path):
    result = CliRunner().invoke(
        main, ["templates", "--period", "2026-S1", "--agency", "kemenag", "--outbox", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "1 templat ditulis" in result.output
    assert (tmp_path / "2026-S1" / "templates" / "KEMENAG_2026-S1.xlsx").is_file()
    bad = CliRunner().invoke(main, ["templates", "--period", "2026-S1", "--agency", "XYZ", "--outbox", str(tmp_path)])
    assert bad.exit_code == 2 and "XYZ" in bad.output
