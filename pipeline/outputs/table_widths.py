"""The report's tables, their columns as wide as their content asks (issue 28, "Designed
for paper"): each column at least as wide as its longest word, at most as wide as its
longest line, the table's width (the template's) shared between them as a browser lays out
an automatic table. The template's widths only give each table's total: an action's
description then gets the room a number does not need, whatever the secretariat writes.

Text is measured with the metrics of the font LibreOffice sets the report in: Arial, or
Liberation Sans where Arial is not installed (the same widths, by design).
"""

from __future__ import annotations

import functools
import re

from docx.oxml.ns import qn

TWIPS_PER_PT = 20
PADDING_TWIPS = 2 * 108 + 30  # the Table Grid style's cell margins (0.19 cm each side), and a little air
DEFAULT_SIZE_PT = 11.0
BREAKS = re.compile(r"[ \t\r\n]+")


@functools.cache
def _font(bold: bool):
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    props = font_manager.FontProperties(family=["Arial", "Liberation Sans"], weight="bold" if bold else "normal")
    return FT2Font(font_manager.findfont(props, fallback_to_default=True))


@functools.cache
def text_twips(text: str, size_pt: float, bold: bool) -> int:
    """The width of `text` on one line, in twips."""
    if not text:
        return 0
    font = _font(bold)
    font.set_size(size_pt, 72)
    font.set_text(text, 0.0)
    width_pt = font.get_width_height()[0] / 64  # 26.6 fixed point, at 72 dpi: points
    return round(width_pt * TWIPS_PER_PT * 1.02)  # 2 % for what the layout adds (kerning, rounding)


def _run_style(run) -> tuple[float, bool]:
    rpr = run.find(qn("w:rPr"))
    size = rpr.find(qn("w:sz")) if rpr is not None else None
    bold = rpr.find(qn("w:b")) if rpr is not None else None
    pt = int(size.get(qn("w:val"))) / 2 if size is not None else DEFAULT_SIZE_PT
    return pt, bold is not None and bold.get(qn("w:val"), "true") not in ("0", "false")


def words(text: str) -> list[str]:
    """What a line never breaks: a no-break space (as in "Rp\u00a01.000") joins."""
    return [w for w in BREAKS.split(text) if w]


def cell_needs(tc) -> tuple[int, int]:
    """(longest word, longest line) of a cell, in twips, each paragraph measured in the
    size and weight of its first run with text."""
    word = line = 0
    for p in tc.iter(qn("w:p")):
        runs = [r for r in p.iter(qn("w:r")) if "".join(t.text or "" for t in r.iter(qn("w:t"))).strip()]
        if not runs:
            continue
        size, bold = _run_style(runs[0])
        text = "".join(t.text or "" for t in p.iter(qn("w:t")))
        line = max(line, text_twips(text.strip(), size, bold))
        word = max([word, *(text_twips(w, size, bold) for w in words(text))])
    return word, line


def column_needs(tbl) -> list[tuple[int, int]]:
    """(narrowest, widest) each column of a table needs, in twips with the cell's padding."""
    grid = tbl.findall(f"{qn('w:tblGrid')}/{qn('w:gridCol')}")
    needs = [(0, 0)] * len(grid)
    for tr in tbl.iter(qn("w:tr")):
        for j, tc in enumerate(tr.findall(qn("w:tc"))[: len(grid)]):
            word, line = cell_needs(tc)
            needs[j] = (max(needs[j][0], word), max(needs[j][1], line))
    return [(word + PADDING_TWIPS, line + PADDING_TWIPS) for word, line in needs]


def fit(needs: list[tuple[int, int]], total: int) -> list[int]:
    """Widths between each column's narrowest and widest within `total` twips: every column
    its longest line when they all fit, else its longest word and a share of the rest in
    proportion to what more it could use (every column its longest word, past the total,
    when even those do not fit)."""
    low, high = [n for n, _ in needs], [max(n, w) for n, w in needs]
    if sum(high) <= total:
        return high
    if sum(low) >= total:
        return low
    room, want = total - sum(low), sum(h - n for n, h in zip(low, high, strict=True))
    return [n + (h - n) * room // want for n, h in zip(low, high, strict=True)]


def fit_tables(doc) -> None:
    """Every table of fixed layout in `doc` (a python-docx Document) fitted to its content."""
    for tbl in doc.element.body.iter(qn("w:tbl")):
        layout = tbl.find(f"{qn('w:tblPr')}/{qn('w:tblLayout')}")
        grid = tbl.findall(f"{qn('w:tblGrid')}/{qn('w:gridCol')}")
        if layout is None or layout.get(qn("w:type")) != "fixed" or tbl.find(f".//{qn('w:gridSpan')}") is not None:
            continue
        widths = fit(column_needs(tbl), sum(int(g.get(qn("w:w"))) for g in grid))
        for g, w in zip(grid, widths, strict=True):
            g.set(qn("w:w"), str(w))
        for tr in tbl.iter(qn("w:tr")):
            for tc, w in zip(tr.findall(qn("w:tc")), widths, strict=False):
                tcw = tc.find(f"{qn('w:tcPr')}/{qn('w:tcW')}")
                if tcw is not None:
                    tcw.set(qn("w:w"), str(w))
                    tcw.set(qn("w:type"), "dxa")
