"""The public edition and its open data: the report's figures without officers' personal
data or the review's internals, a valid Frictionless data package, free text scanned."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
import yaml
from docx import Document

from pipeline.core.errors import RanpeError
from pipeline.core.layout import HEADER_ROW
from pipeline.core.paths import public_docx_template
from pipeline.core.rules import load_rules
from pipeline.outputs.public import public_data, redact, render_public
from pipeline.run import run

NIP_PLANTED = "19800101 200501 1 001"
MAIL_PLANTED = "budi.hartono@kemenag.go.id"
PHONE_PLANTED = "0812-3456-7890"
FORMULA_PLANTED = '=HYPERLINK("http://contoh.invalid","klik")'
NIP = re.compile(r"(?<![\d.])\d(?:[ ]?\d){17}(?!\d)")
MAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PEOPLE = yaml.safe_load(Path("pipeline/demo/vocab.yaml").read_text(encoding="utf-8"))["people"]


def _plant(inbox) -> str:
    """Write an NIP, an e-mail address and a phone number into the partner (Mitra) cell of
    the first activity of one returned workbook, and a formula-like text into its obstacle."""
    for path in sorted(inbox.glob("*.xlsx")):
        wb = openpyxl.load_workbook(path)
        if "Laporan" not in wb.sheetnames:
            continue
        ws = wb["Laporan"]
        head = {c.value: c.column for c in ws[HEADER_ROW + 1] if c.value}
        row = HEADER_ROW + 2
        if "Mitra" not in head or not ws.cell(row, head["Nama Kegiatan"]).value:
            continue
        ws.cell(row, head["Mitra"]).value = f"Hubungi {NIP_PLANTED}, {MAIL_PLANTED} atau {PHONE_PLANTED}"
        cell = ws.cell(row, head["Hambatan"])
        cell.value, cell.data_type = FORMULA_PLANTED, "s"  # text that looks like a formula, as typed after '
        wb.save(path)
        return ws.cell(row, head["Nama Kegiatan"]).value
    raise AssertionError("no workbook to plant in")


@pytest.fixture(scope="module")
def public_out(rules, period, demo_sample, tmp_path_factory):
    inbox = tmp_path_factory.mktemp("inbox")
    for f in demo_sample.inbox.iterdir():
        if f.is_file():
            shutil.copy2(f, inbox / f.name)
    planted = _plant(inbox)
    out = tmp_path_factory.mktemp("out")
    run(inbox, out, rules, period, consolidation=True)
    return out / "2026-S1", planted


def _docx_text(path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    parts += [p.text for s in doc.sections for p in s.footer.paragraphs]
    return "\n".join(parts)


def _pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def _private_found(text: str) -> list[str]:
    found = NIP.findall(text) + MAIL.findall(text) + [p for p in PEOPLE if p in text]
    return found + [x for x in (MAIL_PLANTED, PHONE_PLANTED, "NIP") if x in text]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"NIP {NIP_PLANTED} hadir", "NIP [disamarkan] hadir"),
        ("198001012005011001", "[disamarkan]"),
        ("kirim ke a.b-c@mail.go.id.", "kirim ke [disamarkan]."),
        ("HP +62 812 3456 7890 / (021) 3456789", "HP [disamarkan] / [disamarkan]"),
        (f"telp {PHONE_PLANTED}", "telp [disamarkan]"),
        ("021-3456789", "[disamarkan]"),
        (
            "Rp 1.500.000.000 untuk 2026, 250 peserta, 03/12/2026",
            "Rp 1.500.000.000 untuk 2026, 250 peserta, 03/12/2026",
        ),
        ("https://bnpt.go.id/berita/2026196", "https://bnpt.go.id/berita/2026196"),
    ],
)
def test_redact_finds_nips_addresses_and_phone_numbers(text, expected):
    assert redact(text) == expected


def test_a_column_is_redacted_as_each_of_its_texts_is():
    """redact_each scans a column's distinct texts in one pass: a number split over two
    texts is no NIP or phone number, and what is not text stays as it is."""
    import pandas as pd

    from pipeline.outputs.open_data import _cell, _cells
    from pipeline.outputs.public import redact_each

    values = ["tim 19800101200", "5011001 orang", f"NIP {NIP_PLANTED}", None, 2.5, "0812", "34567890",
              "a@b.go.id", "tim 19800101200", "=1+1", 90.0, 1e20]  # fmt: skip
    column = pd.Series(values, dtype=object)
    assert redact_each(column).tolist() == [redact(v) for v in values]
    assert redact_each(column).tolist()[:3] == ["tim 19800101200", "5011001 orang", "NIP [disamarkan]"]
    assert list(_cells(column)) == [_cell(v) for v in values]  # the CSV's cells as one by one
    counts = pd.Series([10, None], dtype="Int64").astype(object)  # an optional count left empty: pd.NA
    assert list(_cells(counts)) == ["10", ""]  # (a review of the change: it raised TypeError)


def test_the_public_edition_and_its_data_are_written_and_listed(public_out):
    folder, _ = public_out
    manifest = {e["file"] for e in json.loads((folder / "manifest.json").read_text())["outputs"]}
    for name in ("laporan_publik_2026-S1.docx", "laporan_publik_2026-S1.pdf", "data_terbuka/datapackage.json",
                 "data_terbuka/kegiatan.csv", "data_terbuka/aksi.csv", "data_terbuka/provinsi.csv",
                 "data_terbuka/sasaran.csv"):  # fmt: skip
        assert (folder / name).is_file() and name in manifest, name
    headings = [p.text for p in Document(folder / "laporan_publik_2026-S1.docx").paragraphs
                if p.style.name.startswith("Heading")]  # fmt: skip
    for h in ("RINGKASAN", "CAPAIAN PER PILAR", "KEGIATAN PER KELOMPOK SASARAN", "HAMBATAN DAN PENYELESAIAN",
              "KEGIATAN PER PROVINSI", "KELENGKAPAN PELAPORAN", "KESIMPULAN DAN REKOMENDASI"):  # fmt: skip
        assert h in headings, h
    text = _docx_text(folder / "laporan_publik_2026-S1.docx")
    assert "{{" not in text and "{%" not in text
    assert "sementara" in text  # the demo has values under review: the figures say so
    for private in ("Tinjauan", "Irisan", "Kesalahan isian", "BAB III KOORDINASI"):
        assert private not in text, private


def test_the_public_outputs_hold_no_personal_data(public_out):
    folder, planted = public_out
    texts = {
        "docx": _docx_text(folder / "laporan_publik_2026-S1.docx"),
        "pdf": _pdf_text(folder / "laporan_publik_2026-S1.pdf"),
        **{p.name: p.read_text(encoding="utf-8") for p in (folder / "data_terbuka").glob("*.csv")},
    }
    for name, text in texts.items():
        assert not _private_found(text), (name, _private_found(text))
    activities = texts["kegiatan.csv"]
    assert planted in activities and "[disamarkan]" in activities  # the row stays, its contacts go
    assert "'" + FORMULA_PLANTED.replace('"', '""') in activities  # never a formula in a spreadsheet
    assert "nama_petugas" not in activities and "email" not in activities.splitlines()[0]


def test_the_data_package_is_valid_frictionless(public_out):
    import frictionless

    folder, _ = public_out
    report = frictionless.validate(folder / "data_terbuka" / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    package = json.loads((folder / "data_terbuka" / "datapackage.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in package["resources"]] == ["kegiatan", "aksi", "provinsi", "sasaran"]
    assert package["title"].startswith("Data Terbuka") and all(r["description"] for r in package["resources"])
    assert all(f.get("title") for r in package["resources"] for f in r["schema"]["fields"])
    # an activity's achievement is its realisation over its target, though the demo's files,
    # written by a script, hold no stored result of the template's formula (an officer's year)
    import pandas as pd

    acts = pd.read_csv(folder / "data_terbuka" / "kegiatan.csv", dtype=str, keep_default_na=False)
    both = acts[(acts["target"] != "") & (acts["realisasi"] != "")]
    both = both[both["target"].astype(float) > 0]
    assert len(both) > 100
    assert (
        both["capaian"].astype(float) - (both["realisasi"].astype(float) / both["target"].astype(float))
    ).abs().max() < 1e-4


def test_charts_carry_alternative_text_and_the_pdfs_are_tagged(public_out):
    folder, _ = public_out
    for stem in ("laporan_2026-S1", "laporan_publik_2026-S1"):
        xml = zipfile.ZipFile(folder / f"{stem}.docx").read("word/document.xml").decode()
        described = re.findall(r'<wp:docPr [^>]*descr="([^"]+)"', xml)
        assert len(described) == len(re.findall(r"<wp:docPr ", xml)) >= 3, stem
        assert any("Diagram batang" in d for d in described)
        info = subprocess.run(["pdfinfo", str(folder / f"{stem}.pdf")], capture_output=True, text=True).stdout
        assert re.search(r"Tagged:\s+yes", info), stem


def test_review_notes_and_the_signers_nip_stay_out(public_out, rules, tmp_path):
    """Data with the review's notes and a signer's NIP: the public edition shows the name,
    never the NIP, the notes or the items under review."""
    folder, _ = public_out
    data = json.loads((folder / "data_laporan_2026-S1.json").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["ttd"] = {**data["ttd"], "name": "Dr. Rahmat Hidayat", "id": "197003151995031002"}
    note = "Catatan Sekretariat: dikonfirmasi lewat telepon"
    data["tinjauan_dikecualikan"] = [{"kl": "BNPT", "kode": "1.1.1", "nama": "Kegiatan X", "kolom": "Peserta",
                                      "nilai": "250.000", "alasan": note}]  # fmt: skip
    pub = public_data(data, rules)
    assert "id" not in pub["ttd"] and "tinjauan_dikecualikan" not in pub and "tinjauan_belum" not in pub
    files, _ = render_public(data, rules, tmp_path)()
    for path in files:
        text = _docx_text(path) if path.suffix == ".docx" else _pdf_text(path)
        assert "Dr. Rahmat Hidayat" in text and "197003151995031002" not in text and note not in text
        assert "Nilai mencolok" not in text  # an item's reason


def test_the_public_sections_are_the_secretariats_choice(public_out, rules, tmp_path):
    folder, _ = public_out
    data = json.loads((folder / "data_laporan_2026-S1.json").read_text(encoding="utf-8"))
    public = rules.report.public.model_copy(update={"sections": ["pilar"]})
    fewer = dataclasses.replace(rules, report=rules.report.model_copy(update={"public": public}))
    data["hambatan_tema"] = [{"tema": "Anggaran", "kl": 3, "daerah": 1, "aksi": 4, "contoh": "dana belum cair",
                              "penyelesaian": "revisi anggaran"}]  # fmt: skip
    pub = public_data(data, fewer)
    assert pub["publik"]["bagian"] == ["pilar"]
    from pipeline.outputs.report import start_report

    docx = start_report(pub, tmp_path / "p.docx", public_docx_template())()[0][0]
    headings = [p.text for p in Document(docx).paragraphs if p.style.name.startswith("Heading")]
    assert "CAPAIAN PER PILAR" in headings and "KEGIATAN PER PROVINSI" not in headings
    pub["publik"]["bagian"] = ["hambatan"]
    docx = start_report(pub, tmp_path / "h.docx", public_docx_template())()[0][0]
    assert "dana belum cair" in _docx_text(docx)  # the theme table, when the themes are there


def test_private_columns_can_never_be_made_public(rules_copy):
    path = rules_copy / "report.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("activity_columns: [kode_aksi,", "activity_columns: [email, kode_aksi,"), "utf-8")
    with pytest.raises(RanpeError, match="not public: email"):
        load_rules(rules_copy)
    path.write_text(text.replace("activity_columns: [kode_aksi,", "activity_columns: [kolom_lain, kode_aksi,"), "utf-8")
    with pytest.raises(RanpeError, match="kolom_lain"):
        load_rules(rules_copy)


def test_the_public_template_is_what_its_builder_makes(tmp_path):
    import importlib.util

    template = public_docx_template()
    spec = importlib.util.spec_from_file_location("build_template", template.parent / "build_template.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    assert builder.build_public(tmp_path / "laporan_publik.docx").read_bytes() == template.read_bytes()
