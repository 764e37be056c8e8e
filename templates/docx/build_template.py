"""Build templates/docx/laporan.docx, the editable Word template of the report.

The template is plain Word with jinja2 tags (docxtpl): the secretariat may open it in Word
or LibreOffice and change the letterhead, fonts, colours and wording; the next run uses it.
This script is its reviewable source: run `python templates/docx/build_template.py` to
rebuild it from the wording in templates/texts/id.yaml.
"""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import yaml
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from pipeline.outputs.reproducible import normalise_zip

HERE = Path(__file__).resolve().parent
TEXT = yaml.safe_load((HERE.parent / "texts" / "id.yaml").read_text(encoding="utf-8"))["report"]
NAVY = RGBColor(0x1F, 0x38, 0x64)


def plain_font(style, name: str) -> None:
    """The font `name` itself, not the theme's: Word's heading styles name theme fonts,
    which win over a plain name."""
    style.font.name = name
    fonts = style.element.get_or_add_rPr().find(qn("w:rFonts"))
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:cs"), name)


def indonesian(doc) -> None:
    """Every run in Indonesian by default, so Word and LibreOffice check the spelling in
    Indonesian instead of underlining every word as English."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "id-ID")


def styles(doc) -> None:
    indonesian(doc)
    normal = doc.styles["Normal"]
    plain_font(normal, "Arial")
    normal.font.size = Pt(11)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for level, size in ((1, 16), (2, 14), (3, 12), (4, 11)):
        h = doc.styles[f"Heading {level}"]
        plain_font(h, "Arial")
        h.font.size, h.font.bold, h.font.color.rgb = Pt(size), True, NAVY
        h.paragraph_format.space_before, h.paragraph_format.space_after = Pt(12), Pt(6)
        h.paragraph_format.keep_with_next = True
    caption = doc.styles["Caption"]
    plain_font(caption, "Arial")
    caption.font.size, caption.font.italic = Pt(9), True
    caption.font.color.rgb = RGBColor(0x40, 0x40, 0x40)


def para(doc, text: str, style: str | None = None, align=None, bold=False, size=None):
    p = doc.add_paragraph(style=style)
    run = p.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    if align is not None:
        p.alignment = align
    return p


def tag(doc, text: str):
    """A paragraph holding only a docxtpl block tag ({%p ... %})."""
    return doc.add_paragraph(text)


def page_break(doc) -> None:
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def field(paragraph, instruction: str, shown: str = "") -> None:
    """A Word field (PAGE, ...) in `paragraph`, showing `shown` until it is updated."""
    fld_char(paragraph, "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    paragraph.add_run()._r.append(instr)
    fld_char(paragraph, "separate")
    if shown:
        paragraph.add_run(shown)
    fld_char(paragraph, "end")


def fld_char(paragraph, kind: str) -> None:
    el = OxmlElement("w:fldChar")
    el.set(qn("w:fldCharType"), kind)
    paragraph.add_run()._r.append(el)


TEXT_WIDTH = Cm(16.0)


def page_numbers(section, fmt: str, start: int | None = None) -> None:
    """The section's page numbers as `fmt` (lowerRoman, decimal), restarting at `start`."""
    el = OxmlElement("w:pgNumType")
    el.set(qn("w:fmt"), fmt)
    if start is not None:
        el.set(qn("w:start"), str(start))
    sect = section._sectPr
    for old in sect.findall(qn("w:pgNumType")):
        sect.remove(old)
    sect.find(qn("w:pgMar")).addnext(el)  # its place in the schema's order


def body_section(doc) -> None:
    """The front matter (cover, foreword, contents, summary) numbered i, ii, iii (the cover
    counted, its number not printed); the chapters start a new section numbered from 1."""
    page_numbers(doc.sections[0], "lowerRoman")
    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.different_first_page_header_footer = False
    page_numbers(section, "decimal", 1)


def toc_styles(doc) -> None:
    """Word's own "toc 1" and "toc 2" styles: a dotted leader to the page number."""
    for level, indent in ((1, 0), (2, 0.6)):
        style = doc.styles.add_style(f"toc {level}", WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        style.paragraph_format.left_indent = Cm(indent)
        style.paragraph_format.space_after = Pt(3)
        style.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
        style.font.bold = level == 1


def toc(doc) -> None:
    """A TOC field; the report writes its entries between its start and its end (the
    headings with the pages LibreOffice laid them out on, when it is installed), so the
    contents read right before any field is updated; Word updates them on opening."""
    begin = doc.add_paragraph(style="toc 1")
    fld_char(begin, "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = ' TOC \\o "1-2" \\h \\z \\u '
    begin.add_run()._r.append(instr)
    fld_char(begin, "separate")
    fld_char(doc.add_paragraph(style="toc 1"), "end")
    settings = doc.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def table(doc, headers: list[str], loop: str, cells: list[str], widths: list[float] | None = None) -> None:
    """A table: a header row, then one row per item of the jinja loop `loop`."""
    t = doc.add_table(rows=4, cols=len(headers))
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    for j, h in enumerate(headers):
        cell = t.rows[0].cells[j]
        cell.text = ""
        run = cell.paragraphs[0].add_run(h)
        run.bold, run.font.size = True, Pt(8)
        shade = OxmlElement("w:shd")
        shade.set(qn("w:val"), "clear")
        shade.set(qn("w:fill"), "D9E2F3")
        cell._tc.get_or_add_tcPr().append(shade)
    t.rows[1].cells[0].text = "{%tr for " + loop + " %}"
    for j, c in enumerate(cells):
        t.rows[2].cells[j].text = ""
        t.rows[2].cells[j].paragraphs[0].add_run(c).font.size = Pt(9)
    t.rows[3].cells[0].text = "{%tr endfor %}"
    header = t.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header.append(repeat)
    for row in (t.rows[0], t.rows[2]):  # a row never splits over two pages
        whole = OxmlElement("w:cantSplit")
        whole.set(qn("w:val"), "true")
        row._tr.get_or_add_trPr().insert(0, whole)
    if widths:  # fixed layout: Word and LibreOffice both keep these widths
        t.autofit = False
        layout = OxmlElement("w:tblLayout")
        layout.set(qn("w:type"), "fixed")
        t._tbl.tblPr.append(layout)
        for j, w in enumerate(widths):
            t.columns[j].width = Cm(w)
            for row in t.rows:
                row.cells[j].width = Cm(w)
    doc.add_paragraph()


def theme_table(doc, T, loop: str) -> None:
    """The obstacle themes: how many K/L and regions wrote each, on how many actions, an
    example in the agencies' words and the solutions they wrote."""
    table(
        doc,
        [T["col_theme"], T["col_theme_kl"], T["col_theme_regions"], T["col_theme_actions"], T["col_example"],
         T["col_solution"]],
        "x in " + loop,
        ["{{ x.tema }}", "{{ x.kl }}", "{{ x.daerah }}", "{{ x.aksi }}", "{{ x.contoh }}", "{{ x.penyelesaian }}"],
        [2.8, 1.3, 1.5, 1.3, 4.6, 4.5],
    )  # fmt: skip


def figure(doc, image: str, caption: str) -> None:
    para(doc, "{{ " + image + " }}", align=WD_ALIGN_PARAGRAPH.CENTER)
    para(doc, caption, style="Caption", align=WD_ALIGN_PARAGRAPH.CENTER)


def bullets(doc, loop: str, text: str, numbered: bool = False, empty: str | None = None) -> None:
    """One list paragraph per item of the jinja loop `loop`, bulleted or numbered from 1
    (the number written, so that every list starts at 1 in Word and LibreOffice);
    `empty` when there is none."""
    tag(doc, "{%p for " + loop + " %}")
    if numbered:
        p = para(doc, "{{ loop.index }}.\t" + text)
        hang = Cm(0.75)
        p.paragraph_format.left_indent, p.paragraph_format.first_line_indent = hang, -hang
        p.paragraph_format.tab_stops.add_tab_stop(hang)
    else:
        para(doc, text, style="List Bullet")
    if empty:
        tag(doc, "{%p else %}")
        para(doc, empty)
    tag(doc, "{%p endfor %}")


def signature(doc, T, nip: bool = True) -> None:
    """The signature block: place and date, position, room to sign, name, and the NIP
    unless left out (the public edition)."""
    block = Cm(9.0)
    lines = (("sign_place_date", 0), ("sign_title", 0), ("sign_name", 54), *((("sign_id", 0),) if nip else ()))
    for key, space in lines:
        p = para(doc, T[key], bold=key == "sign_name")
        p.paragraph_format.left_indent = block
        p.paragraph_format.space_before = Pt(space)
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.keep_with_next = key != lines[-1][0]


def page(doc, footer_text: str) -> None:
    """A4 portrait, the report's margins, a page number in the footer but on the cover."""
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.orientation = WD_ORIENT.PORTRAIT
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2.5))
    section.top_margin = section.bottom_margin = Cm(2.2)
    section.different_first_page_header_footer = True  # no page number on the cover
    footer = section.footer.paragraphs[0]
    footer.text = footer_text
    field(footer, "PAGE", "1")
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for run in footer.runs:
        run.font.size = Pt(8)


def cover(doc, T, title: str, edition: str = "") -> None:
    """The cover: letterhead, the sample mark, title, period, the edition (if any), plan, date."""
    c = WD_ALIGN_PARAGRAPH.CENTER
    para(doc, T["letterhead"], align=c, bold=True, size=14)
    para(doc, T["letterhead_sub"], align=c, size=12)
    for _ in range(6):
        doc.add_paragraph()
    mark = para(doc, T["sample_mark"], align=c, bold=True, size=14)
    mark.runs[0].font.color.rgb = RGBColor(0xC0, 0x00, 0x00)
    para(doc, title, align=c, bold=True, size=22)
    para(doc, T["subtitle"], align=c, bold=True, size=16)
    if edition:
        para(doc, edition, align=c, bold=True, size=13).runs[0].font.color.rgb = NAVY
    para(doc, T["plan"], align=c, size=11)
    for _ in range(10):
        doc.add_paragraph()
    para(doc, T["cover_date"], align=c, size=11)
    page_break(doc)


def build(out: Path) -> Path:
    doc = Document()
    styles(doc)
    toc_styles(doc)
    page(doc, TEXT["footer"])
    T = TEXT
    c = WD_ALIGN_PARAGRAPH.CENTER
    cover(doc, T, T["title"])

    # foreword and contents
    doc.add_heading(T["h_foreword"], 1)
    for key in ("foreword_1", "foreword_2", "foreword_3"):
        para(doc, T[key], align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    doc.add_paragraph()
    signature(doc, T)
    page_break(doc)
    para(doc, T["toc_title"], align=c, bold=True, size=14)
    para(doc, T["toc_page"], align=WD_ALIGN_PARAGRAPH.RIGHT, size=9)
    toc(doc)
    page_break(doc)

    # executive summary
    doc.add_heading(T["h_summary"], 1)
    shown_if = {  # a paragraph left out when it would say nothing, not left empty
        "summary_agencies_named": "k.belum or k.nihil or k.ditolak or k.terlambat",
        "summary_regions": "daerah.ada",
    }
    for key in (
        "summary_intro",
        "summary_agencies",
        "summary_agencies_named",
        "summary_regions",
        "summary_activities",
        "summary_budget",
    ):
        if key in shown_if:
            tag(doc, "{%p if " + shown_if[key] + " %}")
        para(doc, T[key])
        if key in shown_if:
            tag(doc, "{%p endif %}")
    para(doc, T["summary_pillars"])
    bullets(doc, "p in pilar", T["summary_pillar_item"])
    for key, loop in (("summary_weakest", "aksi_terlemah"), ("summary_strongest", "aksi_terkuat")):
        tag(doc, "{%p if " + loop + " %}")
        para(doc, T[key])
        bullets(doc, "a in " + loop, T["summary_action_item"])
        tag(doc, "{%p endif %}")
    tag(doc, "{%p if perbandingan %}")
    para(doc, T["summary_change"])
    bullets(doc, "x in perbandingan.pilar", T["summary_change_item"])
    tag(doc, "{%p endif %}")
    tag(doc, "{%p if hambatan_tema %}")
    para(doc, T["summary_obstacles"])
    theme_table(doc, T, "hambatan_tema")
    tag(doc, "{%p endif %}")
    for key in ("summary_overlaps", "summary_review", "summary_quality"):
        para(doc, T[key])
    figure(doc, "grafik_status", T["fig_status"])
    figure(doc, "grafik_capaian", T["fig_capaian"])
    figure(doc, "grafik_provinsi", T["fig_provinsi"])
    body_section(doc)

    # I. introduction
    doc.add_heading(T["h_intro"], 1)
    doc.add_heading(T["h_background"], 2)
    para(doc, T["background"], align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    doc.add_heading(T["h_legal"], 2)
    bullets(doc, "x in dasar_hukum", T["legal_item"], numbered=True)
    doc.add_heading(T["h_purpose"], 2)
    para(doc, T["purpose"], align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    doc.add_heading(T["h_scope"], 2)
    para(doc, T["scope"], align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    doc.add_heading(T["h_method"], 2)
    for key in ("method_collect", "method_achievement", "method_pillar"):
        para(doc, T[key], align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    para(doc, T["method_findings"])
    bullets(doc, "x in aturan_temuan", T["method_finding_item"])
    para(doc, T["method_workbook"])
    page_break(doc)

    # II. per pillar
    doc.add_heading(T["h_pillars"], 1)
    para(doc, T["pillars_intro"])
    tag(doc, "{%p for p in pilar %}")
    doc.add_heading(T["h_pillar"], 2)
    doc.add_heading("A. " + T["h_part_a"], 3)
    para(doc, T["part_a_intro"])
    tag(doc, "{%p for f in p.fokus %}")
    doc.add_heading(T["h_focus"], 4)
    table(
        doc,
        [T["col_code"], T["col_action"], T["col_activities"], T["col_agencies"], T["col_participants"],
         T["col_budget"]],
        "a in f.aksi",
        ["{{ a.kode }}", "{{ a.uraian }}", "{{ a.kegiatan|angka }}", "{{ a.pelapor }}", "{{ a.peserta|angka }}",
         "{{ a.anggaran|rupiah }}"],
        [1.4, 4.6, 1.8, 3.4, 1.6, 3.2],
    )  # fmt: skip
    tag(doc, "{%p endfor %}")
    doc.add_heading("B. " + T["h_part_b"], 3)
    para(doc, T["part_b_intro"])
    table(
        doc,
        [T["col_code"], T["col_unit"], T["col_target"], T["col_real"], T["col_achievement"], T["col_basis"]],
        "a in p.aksi",
        ["{{ a.kode }}", "{{ a.satuan }}", "{{ a.target|angka }}", "{{ a.realisasi|angka }}",
         T["action_achievement"], "{{ a.dasar or '-' }}"],
        [1.4, 3.4, 2.4, 2.4, 2.2, 3.0],
    )  # fmt: skip
    tag(doc, "{%p if p.satuan_berbeda %}")
    para(doc, T["units_other"])
    bullets(doc, "u in p.satuan_berbeda", T["units_other_item"])
    tag(doc, "{%p endif %}")
    doc.add_heading("C. " + T["h_part_c"], 3)
    tag(doc, "{%p if p.hambatan_tema %}")
    para(doc, T["part_c_intro"])
    theme_table(doc, T, "p.hambatan_tema")
    tag(doc, "{%p else %}")
    para(doc, T["part_c_none"])
    tag(doc, "{%p endif %}")
    doc.add_heading("D. " + T["h_part_d"], 3)
    tag(doc, "{%p if p.tindak_lanjut %}")
    table(
        doc,
        [T["col_code"], T["col_follow_up"], T["col_agency"]],
        "x in p.tindak_lanjut",
        ["{{ x.kode }}", "{{ x.teks }}", "{{ x.kl }}"],
        [1.4, 10.6, 4.0],
    )
    tag(doc, "{%p else %}")
    para(doc, T["part_d_none"])
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")

    doc.add_heading(T["h_compare"], 2)
    tag(doc, "{%p if perbandingan %}")
    para(doc, T["compare_intro"])
    figures = ["kegiatan_lalu|angka", "kegiatan|angka", "capaian_lalu|persen", "capaian|persen", "selisih|poin"]
    heads = [T["col_before"], T["col_now"], T["col_ach_before"], T["col_ach_now"], T["col_change"]]
    for first_head, loop, first, intro in (
        ("{{ tingkat[0] }}", "x in perbandingan.pilar", "{{ x.kode }}. {{ x.nama }}", None),
        (T["col_agency"], "x in perbandingan.kl", "{{ x.kl }}", T["compare_agencies"]),
    ):
        if intro:
            para(doc, intro)
        cells = [first] + ["{{ x." + f + " }}" for f in figures]
        table(doc, [first_head, *heads], loop, cells, [5.0, 2.1, 2.1, 2.2, 2.2, 2.2])
    tag(doc, "{%p if perbandingan.kl_lain %}")
    para(doc, T["compare_more"])
    tag(doc, "{%p endif %}")
    for key, item in (("aksi_baru", "{{ a.kode }} {{ a.uraian }}"), ("berhenti", "{{ a.kl }} ({{ a.status }})")):
        para(doc, T["compare_new" if key == "aksi_baru" else "compare_stopped"], bold=True)
        bullets(doc, "a in perbandingan." + key, item, empty=T["compare_none"])
    tag(doc, "{%p else %}")
    para(doc, T["compare_unavailable"])
    tag(doc, "{%p endif %}")
    page_break(doc)

    # III. coordination
    doc.add_heading(T["h_overlaps"], 1)
    para(doc, T["overlaps_intro"], align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    tag(doc, "{%p if irisan %}")
    table(
        doc,
        [T["col_kind"], T["col_code"], T["col_pair"], T["col_advice"]],
        "o in irisan",
        ["{{ o.jenis }}", "{{ o.aksi }}", T["overlap_pair"], "{{ o.saran }}"],
        [3.0, 1.6, 7.4, 4.0],
    )
    tag(doc, "{%p if irisan_lain %}")
    para(doc, T["overlaps_more"])
    tag(doc, "{%p endif %}")
    tag(doc, "{%p else %}")
    para(doc, T["overlaps_none"])
    tag(doc, "{%p endif %}")
    page_break(doc)

    # IV. the regions
    doc.add_heading(T["h_regions"], 1)
    tag(doc, "{%p if daerah.ada %}")
    para(doc, T["regions_intro"], align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    table(
        doc,
        [
            T["col_level"],
            T["col_called"],
            T["col_reported"],
            T["col_on_time"],
            T["col_late"],
            T["col_nil"],
            T["col_rejected_files"],
            T["col_not_sent"],
        ],
        "x in daerah.tingkat",
        [
            "{{ x.tingkat }}",
            "{{ x.dipanggil }}",
            "{{ x.melapor }}",
            "{{ x.tepat_waktu }}",
            "{{ x.terlambat }}",
            "{{ x.nihil }}",
            "{{ x.ditolak }}",
            "{{ x.belum }}",
        ],
        [3.4, 1.8, 1.8, 1.8, 1.8, 1.8, 1.8, 1.8],
    )
    para(doc, T["regions_named"], align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    figure(doc, "grafik_peta", T["fig_map"])
    para(doc, T["regions_provinces"])
    table(
        doc,
        [
            T["col_province"],
            T["col_rad_pe"],
            T["col_province_gov"],
            T["col_towns"],
            T["col_kl_acts"],
            T["col_prov_acts"],
            T["col_town_acts"],
            T["col_total"],
        ],
        "x in daerah.provinsi",
        [
            "{{ x.nama }}",
            "{{ x.rad_pe }}",
            "{{ x.pemprov }}",
            "{{ x.kabkota }}",
            "{{ x.kl|angka }}",
            "{{ x.prov|angka }}",
            "{{ x.kab|angka }}",
            "{{ x.total|angka }}",
        ],
        [3.2, 1.5, 2.8, 1.9, 1.7, 1.7, 1.7, 1.5],
    )
    para(doc, T["regions_rollup"], align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    tag(doc, "{%p else %}")
    para(doc, T["regions_none"])
    tag(doc, "{%p endif %}")
    page_break(doc)

    # V. completeness and quality
    doc.add_heading(T["h_quality"], 1)
    doc.add_heading(T["h_quality_agencies"], 2)
    para(doc, T["quality_intro"])
    table(
        doc,
        [T["col_agency"], T["col_status"], T["col_accepted"], T["col_rejected"], T["col_errors"], T["col_warnings"],
         T["col_note"]],
        "q in kualitas",
        ["{{ q.kl }}", "{{ q.status }}", "{{ q.diterima|angka }}", "{{ q.ditolak|angka }}", "{{ q.galat }}",
         "{{ q.peringatan }}", "{{ q.keterangan }}"],
        [2.6, 2.5, 1.8, 1.7, 2.0, 1.6, 3.8],
    )  # fmt: skip
    doc.add_heading(T["h_review"], 2)
    para(doc, T["review_intro"])
    for values, intro, reason, none in (
        ("tinjauan_dikecualikan", "review_excluded", "col_reason", "review_excluded_none"),
        ("tinjauan_belum", "review_pending", "col_check", None),
    ):  # the values excluded from the totals, then those still waiting for a decision
        tag(doc, "{%p if " + values + " %}")
        para(doc, T[intro])
        table(
            doc,
            [T["col_agency"], T["col_code"], T["col_name"], T["col_column"], T["col_value"], T[reason]],
            "x in " + values,
            ["{{ x.kl }}", "{{ x.kode }}", "{{ x.nama }}", "{{ x.kolom }}", "{{ x.nilai }}", "{{ x.alasan }}"],
            [3.0, 1.4, 3.8, 2.2, 2.2, 3.4],
        )
        if none:
            tag(doc, "{%p else %}")
            para(doc, T[none])
        tag(doc, "{%p endif %}")
    para(doc, T["review_pairs"])
    bullets(doc, "x in tinjauan_pasangan", T["review_pair_item"])
    tag(doc, "{%p if tinjauan_sementara %}")
    para(doc, T["review_provisional"])
    bullets(doc, "x in tinjauan_sementara", T["review_provisional_item"])
    tag(doc, "{%p endif %}")
    page_break(doc)

    # V. closing
    doc.add_heading(T["h_closing"], 1)
    doc.add_heading(T["h_conclusions"], 2)
    bullets(doc, "x in temuan", T["finding_conclusion"], numbered=True)
    doc.add_heading(T["h_recommendations"], 2)
    bullets(doc, "x in temuan if x.rekomendasi", T["finding_recommendation"], numbered=True)
    para(doc, T["closing_text"], align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    doc.add_paragraph()
    signature(doc, T)

    # annexes, on landscape pages: their tables' columns have room (numbered on from the chapters)
    annex = doc.add_section(WD_SECTION.NEW_PAGE)
    annex.orientation = WD_ORIENT.LANDSCAPE
    annex.page_width, annex.page_height = Cm(29.7), Cm(21.0)
    page_numbers(annex, "decimal")
    doc.add_heading(T["h_annex_a"], 1)
    para(doc, T["annex_a_intro"])
    table(
        doc,
        [T["col_code"], T["col_action"], T["col_lead"], T["col_activities"], T["col_unit"], T["col_target"],
         T["col_real"], T["col_achievement"], T["col_basis"]],
        "a in lampiran_aksi",
        ["{{ a.kode }}", "{{ a.uraian }}", "{{ a.pj }}", "{{ a.kegiatan|angka }}", "{{ a.satuan or '-' }}",
         "{{ a.target|angka }}", "{{ a.realisasi|angka }}", T["action_achievement"], "{{ a.dasar or '-' }}"],
        [1.4, 8.6, 3.4, 1.8, 2.4, 1.6, 1.8, 1.7, 2.0],  # the report fits them to their content (table_widths.py)
    )  # fmt: skip
    doc.add_heading(T["h_annex_b"], 1)
    para(doc, T["annex_b_intro"])
    table(
        doc,
        [T["col_agency"], T["col_lead_done"], T["col_support_done"], T["col_missing"]],
        "k in kelengkapan",
        ["{{ k.kl }}", "{{ k.pj }}", "{{ k.pendukung }}", "{{ k.belum }}"],
        [4.5, 5.0, 5.0, 10.2],
    )
    para(doc, T["annex_b_note"], style="Caption")
    doc.add_heading(T["h_annex_c"], 1)
    tag(doc, "{%p if hambatan_kelompok %}")
    para(doc, T["annex_c_intro"])
    table(
        doc,
        [T["col_obstacle_written"], T["col_theme"], T["col_units"], T["col_code"], T["col_activities"]],
        "x in hambatan_kelompok",
        ["{{ x.teks }}", "{{ x.tema }}", "{{ x.unit }}", "{{ x.aksi }}", "{{ x.kegiatan|angka }}"],
        [6.2, 2.8, 3.6, 1.8, 1.6],
    )
    tag(doc, "{%p if hambatan_kelompok_lain %}")
    para(doc, T["annex_c_more"], style="Caption")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p else %}")
    para(doc, T["part_c_none"])
    tag(doc, "{%p endif %}")
    doc.core_properties.title = "Laporan Pelaksanaan RAN PE"
    doc.core_properties.author = "ranpe-pipeline"
    doc.core_properties.language = "id-ID"
    doc.core_properties.created = doc.core_properties.modified = datetime.datetime(2026, 1, 1)
    doc.save(out)
    normalise_zip(out)  # fixed zip dates: rebuilding gives the same bytes
    return out


PUBLIC = yaml.safe_load((HERE.parent / "texts" / "id.yaml").read_text(encoding="utf-8"))["report_public"]


def public_section(doc, name: str) -> None:
    """Begin a section the secretariat may leave out (rules/report.yaml public.sections)."""
    tag(doc, "{%p if '" + name + "' in publik.bagian %}")


ACTION_WIDTHS = [1.4, 4.2, 1.7, 1.7, 1.4, 1.8, 2.1, 1.7]  # code, action, activities, unit, target, real, ach., basis


def public_figure(doc, image: str, caption: str) -> None:
    """A chart kept on the page of its caption."""
    para(doc, "{{ " + image + " }}", align=WD_ALIGN_PARAGRAPH.CENTER).paragraph_format.keep_with_next = True
    para(doc, caption, style="Caption", align=WD_ALIGN_PARAGRAPH.CENTER)


def build_public(out: Path) -> Path:
    """templates/docx/laporan_publik.docx: the report's structure for a public reader, in
    the signed report's styles; what it shows is decided by rules/report.yaml `public`."""
    doc = Document()
    styles(doc)
    toc_styles(doc)
    T, P = TEXT, PUBLIC
    page(doc, P["footer"])
    c, j = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.JUSTIFY
    cover(doc, T, P["title"], P["edition"])

    # foreword and contents
    doc.add_heading(P["h_foreword"], 1)
    for key in ("foreword_1", "foreword_2"):
        para(doc, P[key], align=j)
    para(doc, P["provisional"], align=j)
    doc.add_paragraph()
    signature(doc, T, nip=False)
    page_break(doc)
    para(doc, T["toc_title"], align=c, bold=True, size=14)
    para(doc, T["toc_page"], align=WD_ALIGN_PARAGRAPH.RIGHT, size=9)
    toc(doc)
    page_break(doc)

    public_section(doc, "ringkasan")
    doc.add_heading(P["h_summary"], 1)
    for key in ("summary_intro", "summary_agencies", "summary_activities"):
        para(doc, P[key], align=j)
    para(doc, T["summary_pillars"])
    bullets(doc, "p in pilar", P["summary_pillar_item"])
    tag(doc, "{%p if aksi_terlemah %}")
    para(doc, T["summary_weakest"])
    bullets(doc, "a in aksi_terlemah", "{{ a.kode }} {{ a.uraian }}: " + P["action_achievement"])
    para(doc, T["summary_strongest"])
    bullets(doc, "a in aksi_terkuat", "{{ a.kode }} {{ a.uraian }}: " + P["action_achievement"])
    tag(doc, "{%p endif %}")
    para(doc, P["provisional"], align=j)
    public_figure(doc, "grafik_status", T["fig_status"])
    public_figure(doc, "grafik_capaian", T["fig_capaian"])
    page_break(doc)
    tag(doc, "{%p endif %}")

    public_section(doc, "pilar")
    doc.add_heading(P["h_pillars"], 1)
    para(doc, P["pillars_intro"], align=j)
    tag(doc, "{%p for p in pilar %}")
    doc.add_heading(P["h_pillar"], 2)
    para(doc, P["pillar_figures"])
    tag(doc, "{%p for f in p.fokus %}")
    doc.add_heading(P["h_focus"], 3)
    table(
        doc,
        [T["col_code"], T["col_action"], T["col_activities"], T["col_unit"], T["col_target"], T["col_real"],
         T["col_achievement"], T["col_basis"]],
        "a in f.aksi",
        ["{{ a.kode }}", "{{ a.uraian }}", "{{ a.kegiatan|angka }}", "{{ a.satuan or '-' }}", "{{ a.target|angka }}",
         "{{ a.realisasi|angka }}", P["action_achievement"], "{{ a.dasar or '-' }}"],
        ACTION_WIDTHS,
    )  # fmt: skip
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p endfor %}")
    page_break(doc)
    tag(doc, "{%p endif %}")

    public_section(doc, "sasaran")
    doc.add_heading(P["h_target_groups"], 1)
    para(doc, P["target_groups_intro"], align=j)
    table(
        doc,
        [P["col_target_group"], T["col_activities"], P["col_units"], P["col_participants"]],
        "x in sasaran",
        ["{{ x.sasaran }}", "{{ x.kegiatan|angka }}", "{{ x.unit|angka }}", "{{ x.peserta|angka }}"],
        [6.4, 3.0, 3.0, 3.6],
    )
    tag(doc, "{%p endif %}")

    public_section(doc, "hambatan")
    doc.add_heading(P["h_obstacles"], 1)
    tag(doc, "{%p if hambatan_tema %}")
    para(doc, P["obstacles_themes"])
    table(
        doc,
        [P["col_theme"], P["col_kl"], P["col_regions"], P["col_actions"], P["col_example"], P["col_solutions"]],
        "x in hambatan_tema",
        ["{{ x.tema }}", "{{ x.kl|angka }}", "{{ x.daerah|angka }}", "{{ x.aksi|angka }}", "{{ x.contoh }}",
         "{{ x.penyelesaian }}"],
        [2.8, 1.2, 1.4, 1.2, 4.7, 4.7],
    )  # fmt: skip
    tag(doc, "{%p endif %}")
    tag(doc, "{%p for p in pilar %}")
    tag(doc, "{%p if p.hambatan_tema %}")
    para(doc, P["obstacles_pillar"], bold=True)
    theme_table(doc, T, "p.hambatan_tema")
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endfor %}")
    tag(doc, "{%p if not hambatan_tema %}")
    para(doc, P["obstacles_none"])
    tag(doc, "{%p endif %}")
    page_break(doc)
    tag(doc, "{%p endif %}")

    public_section(doc, "provinsi")
    doc.add_heading(P["h_provinces"], 1)
    para(doc, P["provinces_intro"], align=j)
    public_figure(doc, "grafik_provinsi", T["fig_provinsi"])
    table(
        doc,
        [P["col_place"], T["col_activities"], P["col_units"], P["col_participants"]],
        "x in provinsi_angka",
        ["{{ x.nama }}", "{{ x.kegiatan|angka }}", "{{ x.unit|angka }}", "{{ x.peserta|angka }}"],
        [6.4, 3.0, 3.0, 3.6],
    )
    page_break(doc)
    tag(doc, "{%p endif %}")

    public_section(doc, "daerah")
    tag(doc, "{%p if daerah.ada %}")
    doc.add_heading(P["h_regions"], 1)
    para(doc, T["regions_intro"], align=j)
    table(
        doc,
        [T["col_level"], T["col_called"], T["col_reported"], T["col_on_time"], T["col_late"], T["col_nil"],
         T["col_rejected_files"], T["col_not_sent"]],
        "x in daerah.tingkat",
        ["{{ x.tingkat }}", "{{ x.dipanggil }}", "{{ x.melapor }}", "{{ x.tepat_waktu }}", "{{ x.terlambat }}",
         "{{ x.nihil }}", "{{ x.ditolak }}", "{{ x.belum }}"],
        [3.4, 1.8, 1.8, 1.8, 1.8, 1.8, 1.8, 1.8],
    )  # fmt: skip
    public_figure(doc, "grafik_peta", T["fig_map"])
    page_break(doc)
    tag(doc, "{%p endif %}")
    tag(doc, "{%p endif %}")

    public_section(doc, "kelengkapan")
    doc.add_heading(P["h_completeness"], 1)
    para(doc, P["completeness_intro"], align=j)
    para(doc, T["summary_agencies_named"], align=j)
    table(
        doc,
        [T["col_agency"], T["col_lead_done"], T["col_support_done"], T["col_missing"]],
        "k in kelengkapan",
        ["{{ k.kl }}", "{{ k.pj }}", "{{ k.pendukung }}", "{{ k.belum }}"],
        [3.2, 3.2, 3.0, 6.6],
    )
    para(doc, T["annex_b_note"], style="Caption")
    page_break(doc)
    tag(doc, "{%p endif %}")

    public_section(doc, "temuan")
    doc.add_heading(P["h_findings"], 1)
    doc.add_heading(P["h_conclusions"], 2)
    bullets(doc, "x in temuan", T["finding_conclusion"], numbered=True)
    doc.add_heading(P["h_recommendations"], 2)
    bullets(doc, "x in temuan if x.rekomendasi", T["finding_recommendation"], numbered=True)
    page_break(doc)
    tag(doc, "{%p endif %}")

    public_section(doc, "lampiran_aksi")
    doc.add_heading(P["h_annex"], 1)
    para(doc, P["annex_intro"])
    table(
        doc,
        [T["col_code"], T["col_action"], T["col_activities"], T["col_unit"], T["col_target"], T["col_real"],
         T["col_achievement"], T["col_basis"]],
        "a in lampiran_aksi",
        ["{{ a.kode }}", "{{ a.uraian }} ({{ a.pj }})", "{{ a.kegiatan|angka }}", "{{ a.satuan or '-' }}",
         "{{ a.target|angka }}", "{{ a.realisasi|angka }}", P["action_achievement"], "{{ a.dasar or '-' }}"],
        ACTION_WIDTHS,
    )  # fmt: skip
    tag(doc, "{%p endif %}")
    para(doc, P["open_data"], align=j)
    doc.core_properties.title = "Laporan Pelaksanaan RAN PE (Edisi Publik)"
    doc.core_properties.author = "ranpe-pipeline"
    doc.core_properties.language = "id-ID"
    doc.core_properties.created = doc.core_properties.modified = datetime.datetime(2026, 1, 1)
    doc.save(out)
    normalise_zip(out)
    return out


if __name__ == "__main__":
    if sys.argv[1:2] == ["--public"]:  # the public edition's template
        print(build_public(Path(sys.argv[2]) if len(sys.argv) > 2 else HERE / "laporan_publik.docx"))
    else:
        target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "laporan.docx"
        print(build(target))
