"""Outputs designed for paper (issue 28): the summary and review workbooks as LibreOffice
prints them, and the report's table columns as wide as their content asks.

How full a page is ("fill"): from `pdftotext -bbox` of the PDF LibreOffice makes, the
vertical extent of the words in the page's body (from the top of the highest word to the
bottom of the lowest, the footer left out) over the printable height (the page's height
less the top and bottom margins of pipeline/outputs/paper.py). A page of a table that goes
on over the next page is full by this measure; a sheet's last page is as full as its rows.
"""

from __future__ import annotations

import html
import re
import subprocess
import zipfile
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from docx.oxml.ns import qn

from pipeline.core.texts import t
from pipeline.outputs import paper
from pipeline.outputs.table_widths import PADDING_TWIPS, cell_needs
from pipeline.run import run

from .conftest import libreoffice_convert

MAX_PAGES = 25
HALF = 0.5


@pytest.fixture(scope="module")
def demo(rules, period, demo_sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    run(demo_sample.inbox, out, rules, period, consolidation=True)
    return out / "2026-S1"


@pytest.fixture(scope="module")
def printed(demo, tmp_path_factory):
    """The summary and review workbooks as LibreOffice prints them: per sheet, its pages'
    (fill, text), the sheet told by the footer each page carries."""
    files = [demo / "ringkasan_2026-S1.xlsx", demo / "tinjauan_2026-S1.xlsx"]
    pdfs = libreoffice_convert(files, "pdf", tmp_path_factory.mktemp("pdf"))
    return {f.name: _pages(pdf) for f, pdf in zip(files, pdfs, strict=True)}


_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')


def _pages(pdf: Path) -> dict[str, list[tuple[float, str]]]:
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    top, bottom = paper.MARGINS["top"] * 72, paper.MARGINS["bottom"] * 72
    sheets = defaultdict(list)
    for height, body in re.findall(r'<page width="[\d.]+" height="([\d.]+)">(.*?)</page>', bbox, re.S):
        height = float(height)
        words = [(float(y0), float(y1), float(x0), html.unescape(w)) for x0, y0, _, y1, w in _WORD.findall(body)]
        footer = " ".join(w for y0, _, x0, w in sorted(words, key=lambda w: w[2]) if y0 > height - bottom)
        main = [(y0, y1, w) for y0, y1, _, w in words if y0 <= height - bottom]
        sheet = re.sub(r"\s*" + t("summary.print_page", page=r"\d+", pages=r"\d+") + r"\s*$", "", footer)
        fill = (max(y1 for _, y1, _ in main) - min(y0 for y0, _, _ in main)) / (height - top - bottom) if main else 0
        sheets[sheet].append((min(fill, 1.0), " ".join(w for _, _, w in main)))
    return dict(sheets)


def _column_px(ws, j: int) -> int:
    """Column `j`'s width in pixels (0-based), as xlsxwriter wrote it (openpyxl adds 0.71)."""
    dim = next((d for d in ws.column_dimensions.values() if d.min and d.min <= j + 1 <= d.max), None)
    return paper.column_px(dim.width - 0.71 if dim is not None and dim.width else 8.43)


def _scale(ws, charts: list | None = None) -> float:
    """The scale a sheet set to fit one page wide prints at: the printable width over the
    width of its print area (or of its used columns, and charts), in pixels (and, fitted to
    one page high too, the printable height over its height)."""
    area = ws.print_area
    last = openpyxl.utils.column_index_from_string(re.findall(r"\$([A-Z]+)\$\d+$", area)[0]) if area else ws.max_column
    wide, tall = sum(_column_px(ws, j) for j in range(last)), 0
    for chart in charts or []:  # xlsxwriter anchors a chart by the cells of its corners
        end = chart.anchor.to
        right = sum(_column_px(ws, j) for j in range(end.col)) + end.colOff / 9525
        wide, tall = max(wide, right), max(tall, end.row * 20 + end.rowOff / 9525)  # rows of 15 points
    scale = paper.A4_LANDSCAPE_PX / wide
    if ws.page_setup.fitToHeight in (None, 1) and tall:  # xlsxwriter leaves out a 1
        printable = (8.27 - paper.MARGINS["top"] - paper.MARGINS["bottom"]) * 96
        scale = min(scale, printable / max(tall, ws.max_row * 20))
    return min(scale, 1.0)


def test_the_summary_prints_in_few_full_pages(demo, printed):
    """Under 25 pages in all, every sheet one page wide in landscape at 60 % or more, the
    table's header on every page; every page at least half full but a sheet's only page
    (each sheet starts a page: a table of three pillars cannot fill one); Ringkasan on one
    page with its three charts whole."""
    pages = printed["ringkasan_2026-S1.xlsx"]
    wb = openpyxl.load_workbook(demo / "ringkasan_2026-S1.xlsx")
    assert list(pages) == wb.sheetnames  # every page names its sheet; the sheets in order
    assert sum(map(len, pages.values())) < MAX_PAGES, {k: len(v) for k, v in pages.items()}
    for ws in wb:
        setup = ws.page_setup
        assert setup.orientation == "landscape" and setup.paperSize == 9, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and setup.fitToWidth in (None, 1), ws.title
        assert _scale(ws, ws._charts) >= paper.PRINT_MIN_SCALE, ws.title
        fills = [fill for fill, _ in pages[ws.title]]
        assert len(fills) == 1 or min(fills) >= HALF, (ws.title, fills)
        if ws.print_title_rows:  # the header on every page
            header = str(ws.cell(int(ws.print_title_rows.split(":")[0].strip("$")), 1).value)
            assert all(header.split()[0] in text for _, text in pages[ws.title]), ws.title
    ringkasan = wb[t("summary.sheets.ringkasan")]
    assert ringkasan.page_setup.fitToHeight in (None, 1) and len(pages[ringkasan.title]) == 1
    text = pages[ringkasan.title][0][1]
    for chart in ringkasan._charts:
        title = "".join(r.t for p in chart.title.tx.rich.p for r in p.r or [])
        assert " ".join(title.split()[:3]) in text  # the chart on the page, not cut off it
    # what leadership reads is printed: the figures of the per-level, action, agency and province tables
    leading = {t("summary.sheets.per_aksi"): ["Uraian Aksi", "Capaian", "Serapan Anggaran"],
               t("summary.sheets.per_kl"): ["Instansi", "Capaian", "Serapan Anggaran"],
               t("summary.sheets.per_provinsi"): ["Provinsi", "Kegiatan", "Peserta"],
               t("summary.sheets.kegiatan"): ["Nama Kegiatan", "Realisasi Anggaran"],
               "Per Pilar": ["Capaian", "Peserta", "Serapan Anggaran"],
               "Per Fokus": ["Capaian", "Peserta", "Serapan Anggaran"]}  # fmt: skip
    for sheet, heads in leading.items():
        for head in heads:
            assert head in pages[sheet][0][1], (sheet, head)


def test_the_review_workbook_prints_one_page_wide_with_its_decisions(demo, printed):
    pages = printed["tinjauan_2026-S1.xlsx"]
    wb = openpyxl.load_workbook(demo / "tinjauan_2026-S1.xlsx")
    shown = [ws for ws in wb if ws.sheet_state == "visible"]
    assert list(pages) == [ws.title for ws in shown]
    for ws in shown:
        assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.page_setup.fitToWidth in (None, 1) and _scale(ws) >= paper.PRINT_MIN_SCALE, ws.title
    for kind in ("value", "pair"):
        text = pages[t(f"review.sheets.{kind}")][0][1]
        for key in ("item", "state", "affects", "decision", "note", "by"):
            assert t(f"review.columns.{key}").split()[0] in text, (kind, key)
    assert sum(map(len, pages.values())) == 3  # the demo's 2 values and 3 pairs


# ---- the report's tables ------------------------------------------------------------------


def test_the_report_tables_columns_follow_their_content(demo, tmp_path):
    """Measured on the DOCX: each column of each table at least as wide as its longest word
    and no wider than its longest line (with the cells' padding), in the metrics of the font
    LibreOffice sets it in; and on the PDF: no word broken over two lines (each word of a
    table page is a word the document has), Lampiran A with the unit of its targets."""
    doc = Document(demo / "laporan_2026-S1.docx")
    assert len(doc.tables) > 10
    for i, table in enumerate(doc.tables):
        tbl = table._tbl
        grid = [int(g.get(qn("w:w"))) for g in tbl.findall(f"{qn('w:tblGrid')}/{qn('w:gridCol')}")]
        for j, width in enumerate(grid):
            needs = [cell_needs(tr.findall(qn("w:tc"))[j]) for tr in tbl.iter(qn("w:tr"))]
            word, line = max(n[0] for n in needs), max(n[1] for n in needs)
            head = table.rows[0].cells[j].text
            assert width >= word + 2 * 108, (i, head, width, word)  # the cell's margins: 0.19 cm each side
            assert width <= max(line, word) + PADDING_TWIPS + 20, (i, head, width, line)
        assert sum(grid) <= 24.7 * 567 + 5  # within the page (the annexes are landscape)
    annex = next(tb for tb in doc.tables if tb.rows[0].cells[1].text == "Aksi" and len(tb.columns) == 9)
    assert [c.text for c in annex.rows[0].cells][4] == "Satuan"
    assert all(row.cells[4].text for row in annex.rows[1:])
    # the PDF: no word broken (a fragment is no word of the document)
    with zipfile.ZipFile(demo / "laporan_2026-S1.docx") as z:
        xml = " ".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/") and n.endswith(".xml"))
    paragraphs = ["".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", p)) for p in re.findall(r"<w:p[ >].*?</w:p>", xml)]
    known = set(html.unescape(" ".join(paragraphs)).split())
    known |= {w for k in list(known) for w in re.split(r"(?<=[-/])", k)}  # a line may break after - or /
    pdf = demo / "laporan_2026-S1.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    cells = []
    for page in text.split("\f"):
        if "Kode" in page:  # the pages of tables
            cells += [w for line in page.splitlines() for w in line.split()]
    unknown = {w for w in cells if w not in known and not re.fullmatch(r"[\d.,%·:()-]+|[ivx]+|[\ue000-\uf8ff]", w)}
    assert not unknown, sorted(unknown)[:20]
