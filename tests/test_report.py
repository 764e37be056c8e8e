"""The Word report: complete, its numbers equal the summary workbook's, editable, safe."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document

from pipeline.cli import main
from pipeline.core.errors import RanpeError
from pipeline.core.formatting import angka, rupiah
from pipeline.outputs.report import TEMPLATE, load_data, render_report
from pipeline.run import run

from .conftest import libreoffice_convert

HEADINGS = ["Ringkasan Eksekutif", "Pelaksanaan per Pilar", "A. Pelaksanaan Kegiatan", "B. Pencapaian Target",
            "C. Hambatan", "D. Penyelesaian Masalah", "Irisan Kegiatan Antar-K/L", "Kualitas Data", "Lampiran",
            "Lampiran A. Kelengkapan Laporan per K/L", "Lampiran B. Daftar Kegiatan per Pilar"]  # fmt: skip


@pytest.fixture(scope="module")
def demo_out(rules, period, demo_sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    result = run(demo_sample.inbox, out, rules, period, consolidation=True)
    return out, result


def _text(path) -> str:
    doc = Document(path)
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join(parts)


def _headings(path) -> list[str]:
    return [p.text for p in Document(path).paragraphs if p.style.name.startswith("Heading")]


def test_report_is_complete_and_opens_in_libreoffice(demo_out, tmp_path):
    out, _ = demo_out
    path = out / "2026-S1" / "laporan_2026-S1.docx"
    headings = _headings(path)
    for h in HEADINGS:
        assert h in headings, h
    text = _text(path)
    assert "LAPORAN PELAKSANAAN RAN PE" in text and "Semester I Tahun 2026" in text
    assert re.search(r"Jakarta, \d{1,2} (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|"
                     r"November|Desember) 20\d\d", text)  # fmt: skip
    assert "TOC \\o" in Document(path).element.xml
    assert "{{" not in text and "{%" not in text
    pdf = libreoffice_convert([path], "pdf", tmp_path)[0]
    assert pdf.stat().st_size > 50_000


def test_summary_numbers_equal_the_workbook(demo_out):
    out, _ = demo_out
    folder = out / "2026-S1"
    wb = openpyxl.load_workbook(folder / "ringkasan_2026-S1.xlsx")
    cells = {r[0]: r[1] for r in wb["Ringkasan"].iter_rows(min_row=3, max_row=25, values_only=True) if r[0]}
    doc = Document(folder / "laporan_2026-S1.docx")
    texts = [(p.text, p.style.name) for p in doc.paragraphs]
    start = next(i for i, (text, _) in enumerate(texts) if text == "Ringkasan Eksekutif")
    summary = []
    for text, style in texts[start + 1 :]:
        if style.startswith("Heading"):
            break
        summary.append(text)
    text = " ".join(summary)
    c = cells
    expect = [
        f"Dari {c['K/L dalam daftar']} K/L",
        f"laporan {c['K/L yang laporannya diterima']} K/L diterima",
        f"({c['  tepat waktu']} tepat waktu dan {c['  terlambat']} terlambat",
        f"berkas {c['K/L yang berkasnya ditolak']} K/L ditolak dan {c['K/L yang belum mengirim']} K/L belum",
        f"melaporkan {angka(c['Kegiatan dilaporkan'])} kegiatan",
        f"({angka(c['Kegiatan (duplikat dihitung sekali)'])} bila kegiatan yang sama",
        f"{c['Aksi yang memiliki kegiatan']} dari {c['Aksi dalam katalog']} aksi RAN PE",
        f"dengan {angka(c['Peserta dilaporkan'])} peserta",
        f"sebesar {rupiah(c['Anggaran (Rp)'])} dengan realisasi {rupiah(c['Realisasi anggaran (Rp)'])}",
        f"dan {c['Pasangan kegiatan beririsan']} pasangan kegiatan yang beririsan",
        f"({c['Baris duplikat yang digabung']} kegiatan dihitung sekali",
        f"Dari {angka(c['Baris dibaca'] - c['Baris kosong dilewati'])} kegiatan yang dilaporkan, "
        f"{angka(c['Baris diterima'])} dapat diolah; {angka(c['Baris ditolak karena galat'])} belum dapat diolah",
        f"dan {angka(c['Baris dalam berkas yang ditolak'] + c['Baris dalam berkas yang digantikan kiriman baru'])}"
        " berada dalam berkas yang ditolak",
    ]
    for fragment in expect:
        assert fragment in text, fragment
    pillars = {r[1]: r[-1] for r in wb["Per Pilar"].iter_rows(min_row=2, values_only=True)}
    capaian_col = [c.value for c in wb["Per Pilar"][1]].index("Capaian")
    for row in wb["Per Pilar"].iter_rows(min_row=2, values_only=True):
        expected = f"{row[1]}: capaian {angka(row[capaian_col] * 100, 1)}%"
        assert expected in text, expected
    assert pillars


def test_report_renders_again_without_the_inbox(demo_out, tmp_path):
    out, _ = demo_out
    copy = tmp_path / "outbox"
    shutil.copytree(out, copy)
    (copy / "2026-S1" / "laporan_2026-S1.docx").unlink()
    result = CliRunner().invoke(main, ["report", "--period", "2026-S1", "--outbox", str(copy)])
    assert result.exit_code == 0, result.output
    again = (copy / "2026-S1" / "laporan_2026-S1.docx").read_bytes()
    assert again == (out / "2026-S1" / "laporan_2026-S1.docx").read_bytes(), "same data, same bytes"
    missing = CliRunner().invoke(main, ["report", "--period", "2026-S2", "--outbox", str(copy)])
    assert missing.exit_code == 2 and "make consolidate PERIOD=2026-S2" in missing.output


def test_edited_template_is_honoured(demo_out, tmp_path):
    out, _ = demo_out
    doc = Document(TEMPLATE)
    heading = next(p for p in doc.paragraphs if p.text == "Ringkasan Eksekutif")
    heading.runs[0].text = "Ikhtisar untuk Pimpinan"
    heading.insert_paragraph_before("Paragraf tambahan dari Sekretariat: {{ h.kegiatan|angka }} kegiatan.")
    doc.styles["Normal"].font.name = "Times New Roman"
    edited = tmp_path / "laporan_edit.docx"
    doc.save(edited)
    rendered = render_report(load_data(out, "2026-S1"), tmp_path / "laporan.docx", edited)
    text = _text(rendered)
    data = load_data(out, "2026-S1")
    assert "Ikhtisar untuk Pimpinan" in _headings(rendered) and "Ringkasan Eksekutif" not in _headings(rendered)
    assert f"Paragraf tambahan dari Sekretariat: {angka(data['h']['kegiatan'])} kegiatan." in text
    assert Document(rendered).styles["Normal"].font.name == "Times New Roman"


@pytest.mark.parametrize(("broken", "tag"), [("{{ h.kegiatan | }}", "{{ h.kegiatan | }}"),
                                             ("{{ h.tidak_ada }}", "tidak_ada")])  # fmt: skip
def test_broken_tag_names_tag_and_file(demo_out, tmp_path, broken, tag):
    out, _ = demo_out
    doc = Document(TEMPLATE)
    doc.paragraphs[-1].insert_paragraph_before(broken)
    edited = tmp_path / "rusak.docx"
    doc.save(edited)
    with pytest.raises(RanpeError) as info:
        render_report(load_data(out, "2026-S1"), tmp_path / "x.docx", edited)
    message = str(info.value)
    assert "\n" not in message and "rusak.docx" in message and tag in message


def test_agency_text_is_escaped(demo_out, tmp_path):
    out, _ = demo_out
    data = load_data(out, "2026-S1")
    hostile = 'Kerja sama <b>BNPT</b> & "Polri" {{ 7*7 }} {% if true %}x{% endif %} ]]> <w:fldSimple w:instr="DATE"/>'
    data["pilar"][0]["hambatan"] = [{"kode": "1.1.1", "uraian": "Uji", "butir": [{"kl": "BNPT", "teks": hostile}]}]
    data["irisan"] = [{**data["irisan"][0], "a_nama": hostile}] if data["irisan"] else []
    path = render_report(data, tmp_path / "laporan.docx")
    text = _text(path)
    assert hostile in text
    assert "{{ 7*7 }}" in text and "{% if true %}x{% endif %}" in text  # stayed literal, not evaluated
    xml = Document(path).element.xml
    assert "fldSimple" not in xml.replace("&lt;w:fldSimple", "")
    assert libreoffice_convert([path], "pdf", tmp_path / "pdf")[0].stat().st_size > 10_000


def test_dates_and_money_are_indonesian(demo_out):
    out, _ = demo_out
    text = _text(out / "2026-S1" / "laporan_2026-S1.docx")
    assert re.search(r"Rp \d{1,3}(\.\d{3})+", text)
    assert re.search(r"\d+,\d%", text)
    assert "30 Juni 2026" in text and "1 Januari 2026" in text
    assert dt.date(2026, 7, 15).strftime("%d/%m/%Y") not in text.split("Kualitas Data")[0]


def test_the_word_template_is_what_its_builder_makes(tmp_path):
    """templates/docx/build_template.py still runs, and rebuilding gives the shipped template's bytes."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_template", TEMPLATE.parent / "build_template.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    assert builder.build(tmp_path / "laporan.docx").read_bytes() == TEMPLATE.read_bytes()


def test_actions_follow_the_catalogue_not_the_alphabet(demo_out, rules):
    """1.2.2 comes before 1.2.10 wherever the report lists actions."""
    out, _ = demo_out
    data = json.loads((out / "2026-S1" / "data_laporan_2026-S1.json").read_text(encoding="utf-8"))
    position = {fa.code: i for i, fa in enumerate(rules.actions)}
    listed = [g["kode"] for p in data["pilar"] for key in ("hambatan", "penyelesaian") for g in p[key]]
    for p in data["pilar"]:
        for key in ("hambatan", "penyelesaian"):
            codes = [g["kode"] for g in p[key]]
            assert codes == sorted(codes, key=position.get), codes
    assert "1.2.10" in listed  # the sample has texts under a two-digit action
    annex = [a["kode"] for group in data["daftar_kegiatan"] for a in group["kegiatan"]]
    assert annex == sorted(annex, key=position.get)


def test_the_report_is_in_indonesian_with_one_font(demo_out):
    """Word checks the spelling in Indonesian (not every word underlined as English), and the
    headings are in the body's font, not the theme's."""
    import zipfile

    out, _ = demo_out
    with zipfile.ZipFile(out / "2026-S1" / "laporan_2026-S1.docx") as z:
        styles = z.read("word/styles.xml").decode()
    defaults = styles[styles.index("<w:docDefaults>") : styles.index("</w:docDefaults>")]
    assert re.search(r'<w:lang w:val="id-ID"', defaults)
    for style in ("Normal", "Heading1", "Heading2", "Heading3", "Caption"):
        body = styles[styles.index(f'w:styleId="{style}"') :]
        body = body[: body.index("</w:style>")]
        assert 'w:ascii="Arial"' in body and "Theme" not in body, style


def test_the_province_chart_shows_provinces_and_says_what_it_leaves_out(demo_out, rules):
    out, _ = demo_out
    g = json.loads((out / "2026-S1" / "data_laporan_2026-S1.json").read_text(encoding="utf-8"))["grafik"]
    assert not {s.name for s in rules.provinces.special} & {name for name, _ in g["provinsi"]}
    assert len(g["provinsi"]) == g["provinsi_tampil"] == min(20, g["provinsi_ada"]) and g["provinsi_ada"] > 20
    assert g["bukan_provinsi"] > 0  # the sample has national activities
    doc = Document(out / "2026-S1" / "laporan_2026-S1.docx")
    text = "\n".join(p.text for p in doc.paragraphs)
    assert f"(20 provinsi dengan kegiatan terbanyak dari {g['provinsi_ada']} provinsi yang memiliki kegiatan)" in text
    assert f"{g['bukan_provinsi']} kegiatan tingkat nasional atau di luar negeri tidak termasuk" in text


def test_the_report_speaks_to_leadership_not_to_staff(demo_out):
    """No processing jargon, no instruction meant for the secretariat, no claim the tool
    cannot know (that feedback was sent)."""
    out, _ = demo_out
    doc = Document(out / "2026-S1" / "laporan_2026-S1.docx")
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    text = "\n".join([p.text for p in doc.paragraphs] + cells).casefold()
    for word in ("galat", "riwayat", "katalog", "minta k/l", "telah dikirim", "baris digabung"):
        assert word not in text, word
