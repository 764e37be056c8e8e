"""The demo sample: realistic returns, planted mistakes listed, deterministic."""

from __future__ import annotations

import json
import re
import zipfile

import openpyxl

from pipeline.core.problems import CODES
from pipeline.demo.sample import build_sample


def test_sample_has_every_kind_of_return(rules, demo_sample):
    names = {p.name for p in demo_sample.inbox.iterdir()}
    assert any(n.endswith(".ods") for n in names), "a return re-saved by LibreOffice as .ods"
    assert any(n.startswith("~$") for n in names), "an Excel lock file"
    assert demo_sample.resaved_by_libreoffice
    planted = json.loads(demo_sample.planted_file.read_text())
    codes = {p["code"] for p in planted["problems"]}
    expected = {
        "number-reformatted",
        "date-reformatted",
        "required-missing",
        "unknown-action-code",
        "wrong-period",
        "superseded",
        "not-received",
        "alias-replaced",
        "not-in-list",
        "meta-missing",
        "late-submission",
    }
    assert expected <= codes
    assert all(p["code"] in CODES for p in planted["problems"])
    assert planted["overlaps"][0]["kind"] == "likely-duplicate"
    for p in planted["problems"]:
        if p["cell"]:
            assert p["file"] in names and p["sheet"] in ("Laporan", "Identitas")
    # agencies: all but one replied
    # one K/L and one region called in
    assert sum(1 for p in planted["problems"] if p["code"] == "not-received") == 2


def test_planted_cells_hold_the_mistake(demo_sample):
    planted = json.loads(demo_sample.planted_file.read_text())["problems"]
    typed = next(p for p in planted if p["code"] == "number-reformatted" and p["file"].endswith(".xlsx"))
    wb = openpyxl.load_workbook(demo_sample.inbox / typed["file"])
    value = wb[typed["sheet"]][typed["cell"]].value
    assert isinstance(value, str) and any(ch.isdigit() for ch in value)


def test_sample_is_deterministic(rules, period, demo_sample, tmp_path):
    """The same seed gives the same files whenever it is built: no save time of openpyxl or
    LibreOffice is left in them, and the files openpyxl writes are the same bytes. (LibreOffice
    itself does not always write its styles and validations in the same order.)"""
    again = build_sample(rules, period, tmp_path, seed=2026)
    assert again.planted_file.read_text() == demo_sample.planted_file.read_text()
    assert sorted(p.name for p in again.files) == sorted(p.name for p in demo_sample.files)
    for path in (p for p in demo_sample.files if zipfile.is_zipfile(p)):
        with zipfile.ZipFile(path) as z:
            props = b"".join(z.read(n) for n in z.namelist() if n in ("docProps/core.xml", "meta.xml"))
            assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}, path.name
        assert set(re.findall(rb">(\d{4}-\d\d-\d\dT[\d:.]+)Z?<", props)) == {b"2026-01-01T00:00:00"}, path.name
        if b"LibreOffice" not in props:
            assert path.read_bytes() == (again.inbox / path.name).read_bytes(), path.name
