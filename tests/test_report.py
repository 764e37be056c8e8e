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
from pipeline.core.formatting import angka, persen, rupiah
from pipeline.core.paths import docx_template
from pipeline.outputs.report import load_data, render_report
from pipeline.run import run

from .conftest import libreoffice_convert

TEMPLATE = docx_template()

HEADINGS = ["KATA PENGANTAR", "RINGKASAN EKSEKUTIF", "BAB I PENDAHULUAN", "A. Latar Belakang", "B. Dasar Hukum",
            "C. Maksud dan Tujuan", "D. Ruang Lingkup", "E. Metode", "BAB II PELAKSANAAN RAN PE PER PILAR",
            "A. Pelaksanaan Kegiatan", "B. Pencapaian Target", "C. Hambatan dan Penyelesaian",
            "D. Rencana Tindak Lanjut", "Perkembangan Dibandingkan Periode Sebelumnya",
            "BAB III KOORDINASI ANTARINSTANSI",
            "BAB IV PELAKSANAAN RAN PE DI DAERAH", "BAB V KELENGKAPAN DAN KUALITAS PELAPORAN", "BAB VI PENUTUP",
            "A. Kesimpulan", "B. Rekomendasi",
            "LAMPIRAN A. CAPAIAN PER AKSI", "LAMPIRAN B. KELENGKAPAN LAPORAN PER K/L"]  # fmt: skip


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


def _section(doc, title: str) -> list:
    """The paragraphs under heading `title`, up to the next heading of its level or above."""
    paragraphs = doc.paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.text == title and p.style.name.startswith("Heading"))
    level = int(paragraphs[start].style.name[-1])
    out = []
    for p in paragraphs[start + 1 :]:
        if p.style.name.startswith("Heading") and int(p.style.name[-1]) <= level:
            break
        out.append(p)
    return out


NUMBER = re.compile(r"Rp[\d.]+(?:,\d+)?|\d[\d.]*(?:,\d+)?%?")
DATE = re.compile(r"\d{1,2} (Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|"
                  r"Desember) \d{4}")  # fmt: skip


def test_every_number_of_the_executive_summary_is_a_workbook_cell(demo_out, rules):
    """Each figure the executive summary states is a cell of the summary workbook, formatted
    as the report formats it, or comes from cells by a formula the method section states."""
    out, _ = demo_out
    summary, wb = numbers_are_cells(out / "2026-S1", "2026-S1", rules)
    rows = list(wb["Per KL"].iter_rows(values_only=True))
    col = {h: i for i, h in enumerate(rows[0])}
    late = [r[1] for r in rows[1:] if r[col["Ketepatan Waktu"]] == "terlambat" and r[col["Tingkat"]] == "K/L"]
    assert late and all(k in summary for k in late)  # the late agencies are named


def numbers_are_cells(folder, period_id: str, rules):
    """Assert every number of the executive summary of `folder`'s report is a cell of its
    summary workbook (or a sum the method states); returns the summary's text and the workbook."""
    wb = openpyxl.load_workbook(folder / f"ringkasan_{period_id}.xlsx")
    cells = set()
    for sheet in ("Ringkasan", "Per Pilar", "Per Aksi", "Per KL"):
        for row in wb[sheet].iter_rows(values_only=True):
            for v in row:
                if isinstance(v, int | float) and not isinstance(v, bool):
                    cells |= {angka(v), persen(v), rupiah(v).replace("\u00a0", "")}
                elif isinstance(v, str) and (sheet == "Ringkasan" or "sementara" in v):  # provisional notes
                    cells |= set(NUMBER.findall(v))
    c = {r[0]: r[1] for r in wb["Ringkasan"].iter_rows(min_row=3, values_only=True) if r[0] and r[1] is not None}
    doc = Document(folder / f"laporan_{period_id}.docx")
    method = " ".join(p.text for p in _section(doc, "E. Metode"))
    # the two sums the method section defines ("kegiatan yang dilaporkan adalah jumlah ...")
    assert "Kegiatan yang dilaporkan adalah jumlah kegiatan yang dapat diolah, yang belum dapat diolah" in method
    cells.add(angka(c["Baris dibaca"] - c["Baris kosong dilewati"]))
    cells.add(angka(c["Baris dalam berkas yang ditolak"] + c["Baris dalam berkas yang digantikan kiriman baru"]))
    cells |= set(NUMBER.findall(method))  # the method's own constants (each action capped at 100%)
    summary = " ".join(p.text for p in _section(doc, "RINGKASAN EKSEKUTIF") if p.style.name != "Caption")
    for code in sorted((fa.code for fa in rules.actions), key=len, reverse=True):  # codes name actions
        summary = re.sub(rf"(?<![\d.]){re.escape(code)}(?![\d])", "", summary)
    summary = DATE.sub("", summary)
    summary = re.sub(r"dan \d+ lainnya", "", summary)  # how many names a list leaves out: counted, not a figure
    summary = re.sub(r"Semester I+( dan II)? Tahun \d{4}|Tahun \d{4}", "", summary)
    numbers = [n.rstrip(".").replace(" ", "") for n in NUMBER.findall(summary.replace("Rp\u00a0", "Rp"))]
    assert len(numbers) > 15
    assert [n for n in numbers if n not in cells] == []
    return summary, wb


def test_report_renders_again_without_the_inbox(demo_out, tmp_path):
    out, _ = demo_out
    copy = tmp_path / "outbox"
    shutil.copytree(out, copy)
    (copy / "2026-S1" / "laporan_2026-S1.docx").unlink()
    result = CliRunner().invoke(main, ["report", "--period", "2026-S1", "--outbox", str(copy)])
    assert result.exit_code == 0, result.output
    again = (copy / "2026-S1" / "laporan_2026-S1.docx").read_bytes()
    assert again == (out / "2026-S1" / "laporan_2026-S1.docx").read_bytes(), "same data, same bytes"
    public = "2026-S1/laporan_publik_2026-S1.docx"
    assert (copy / public).read_bytes() == (out / public).read_bytes(), "the public edition is rendered again too"
    missing = CliRunner().invoke(main, ["report", "--period", "2026-S2", "--outbox", str(copy)])
    assert missing.exit_code == 2 and "ranpe consolidate --period 2026-S2" in missing.output


def test_edited_template_is_honoured(demo_out, tmp_path):
    out, _ = demo_out
    doc = Document(TEMPLATE)
    heading = next(p for p in doc.paragraphs if p.text == "RINGKASAN EKSEKUTIF")
    heading.runs[0].text = "Ikhtisar untuk Pimpinan"
    heading.insert_paragraph_before("Paragraf tambahan dari Sekretariat: {{ h.kegiatan|angka }} kegiatan.")
    doc.styles["Normal"].font.name = "Times New Roman"
    edited = tmp_path / "laporan_edit.docx"
    doc.save(edited)
    (rendered, _), _ = render_report(load_data(out, "2026-S1"), tmp_path / "laporan.docx", edited)
    text = _text(rendered)
    data = load_data(out, "2026-S1")
    assert "Ikhtisar untuk Pimpinan" in _headings(rendered) and "RINGKASAN EKSEKUTIF" not in _headings(rendered)
    assert "Ikhtisar untuk Pimpinan\tiv" in text  # the contents list the heading as edited, with its page
    assert f"Paragraf tambahan dari Sekretariat: {angka(data['h']['kegiatan'])} kegiatan." in text
    assert Document(rendered).styles["Normal"].font.name == "Times New Roman"


@pytest.mark.parametrize(("broken", "tag"), [("{{ h.kegiatan | }}", "{{ h.kegiatan | }}"),
                                             ("{{ h.tidak_ada }}", "tidak_ada")])  # fmt: skip
def test_broken_tag_names_tag_and_file(demo_out, tmp_path, broken, tag):
    out, _ = demo_out
    doc = Document(TEMPLATE)
    doc.paragraphs[0].insert_paragraph_before(broken)  # the cover: always rendered
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
    data["pilar"][0]["hambatan"] = [{"kode": "1.1.1", "kl": "BNPT", "hambatan": hostile, "penyelesaian": hostile}]
    data["irisan"] = [{**data["irisan"][0], "a_nama": hostile}] if data["irisan"] else []
    (path, _), _ = render_report(data, tmp_path / "laporan.docx")
    text = _text(path)
    assert hostile in text
    assert "{{ 7*7 }}" in text and "{% if true %}x{% endif %}" in text  # stayed literal, not evaluated
    xml = Document(path).element.xml
    assert "fldSimple" not in xml.replace("&lt;w:fldSimple", "")
    assert libreoffice_convert([path], "pdf", tmp_path / "pdf")[0].stat().st_size > 10_000


def test_dates_and_money_are_indonesian(demo_out):
    out, _ = demo_out
    text = _text(out / "2026-S1" / "laporan_2026-S1.docx")
    assert re.search(r"Rp\u00a0\d{1,3}(\.\d{3})+", text)
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
    listed = [x["kode"] for p in data["pilar"] for key in ("hambatan", "tindak_lanjut") for x in p[key]]
    for p in data["pilar"]:
        for key in ("hambatan", "tindak_lanjut", "aksi"):
            codes = [x["kode"] for x in p[key]]
            assert codes == sorted(codes, key=position.get), codes
    assert "1.2.10" in listed  # the sample has texts under a two-digit action
    annex = [a["kode"] for a in data["lampiran_aksi"]]
    assert annex == [fa.code for fa in rules.actions]
    tables = Document(out / "2026-S1" / "laporan_2026-S1.docx").tables
    table = next(t for t in tables if [c.text for c in t.rows[0].cells][:3] == ["Kode", "Aksi", "Penanggung Jawab"])
    assert [r.cells[0].text for r in table.rows[1:]] == annex  # the annex as printed


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
    from pipeline.core.texts import t

    for word in [*t("report_glossary"), "minta k/l", "telah dikirim"]:
        assert not re.search(rf"\b{re.escape(word.casefold())}\b", text), word


def test_the_executive_summary_leaves_out_what_it_would_leave_empty(demo_out, tmp_path):
    """A workspace without regional governments, every agency on time: no empty paragraph
    where the regions' sentence and the missing agencies' names would be."""
    from pipeline.outputs.report_data import NO_REVIEW

    out, _ = demo_out
    data = load_data(out, "2026-S1")
    data["daerah"] = NO_REVIEW["daerah"]
    data["k"] = {**data["k"], **{key: [] for key in ("belum", "nihil", "ditolak", "terlambat")}}
    (path, _), _ = render_report(data, tmp_path / "laporan.docx")
    body = Document(path).paragraphs
    start = next(i for i, p in enumerate(body) if p.style.name.startswith("Heading") and "RINGKASAN" in p.text.upper())
    summary = []
    for p in body[start + 1 :]:
        if p.style.name.startswith("Heading"):
            break
        summary.append(p)
    empty = [
        i
        for i, p in enumerate(summary)
        if not p.text.strip()
        and not p._p.xpath(".//w:drawing | .//w:br | .//w:sectPr")
        and not p._p.xpath("boolean(preceding-sibling::*[1][self::w:tbl])")  # the space below a table
    ]
    assert summary and not empty, [(i, p.text[:60], p.style.name) for i, p in enumerate(summary)][
        max(0, min(empty or [0]) - 3) :
    ]
    assert "pemerintah provinsi" not in " ".join(p.text for p in summary)


def test_a_provisional_achievement_says_so_in_every_table_of_the_signed_report(demo_out, tmp_path):
    """An action whose achievement an undecided review item can still move is marked
    "(sementara)" in its pillar's table and in Lampiran A, as the public edition marks it
    (found by an officer's year: the signed report showed the figure plainly)."""
    out, _ = demo_out
    data = load_data(out, "2026-S1")
    code = data["lampiran_aksi"][0]["kode"]
    data["aksi_sementara"] = {code: 0.43}
    (path, _), _ = render_report(data, tmp_path / "laporan.docx")
    rows = [[c.text for c in row.cells] for tb in Document(path).tables for row in tb.rows]
    marked = [r for r in rows if r and r[0] == code and any(c.endswith("(sementara)") for c in r)]
    assert len(marked) == 2, marked  # Bab II's table of the pillar and Lampiran A
    assert not [r for r in rows if r and r[0] != code and any("(sementara)" in c for c in r)]
