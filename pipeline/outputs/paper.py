"""How the workbooks print (issue 28, "Designed for paper"; docs/panduan.md, "Mencetak").

Every sheet prints landscape on A4, one page wide, at PRINT_MIN_SCALE or more. A table wider
than that prints its leading columns, a contiguous print area: the tables list first what
their readers read (leadership in the summary, the decision and its effect in the review
workbook); the rest stays on screen and prints once the print area is cleared and the
scaling set to none (Excel: Print, "Ignore Print Area" and "No Scaling"; LibreOffice: Format >
Print Ranges > Clear, and a scale in the page style). Each page repeats the
table's header and names its sheet and page in the footer. xlsxwriter's print settings cost
nothing when writing; no cell is visited.
"""

from __future__ import annotations

from ..core.texts import t

MARGINS = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.6}  # inches
FOOTER_MARGIN = 0.25
PRINT_MIN_SCALE = 0.6
PRINT_SCALE_AIM = 0.62  # a print area is chosen to print at this scale or more: a margin above the minimum
A4_LANDSCAPE_PX = (11.69 - MARGINS["left"] - MARGINS["right"]) * 96  # the printable width at 100 %


def column_px(width: float) -> int:
    """A column's width in pixels for a width in characters (xlsxwriter's rule, 10-point Calibri)."""
    return int(width * 7 + 5) if width >= 1 else int(width * 12 + 0.5)


def print_columns(widths: list[float]) -> int:
    """How many leading columns of `widths` print one page wide at PRINT_SCALE_AIM or more (at least one)."""
    room, used = A4_LANDSCAPE_PX / PRINT_SCALE_AIM, 0
    for n, width in enumerate(widths):
        used += column_px(width)
        if used > room:
            return max(n, 1)
    return len(widths)


def print_setup(ws, repeat: int | None = None, pages_tall: int = 0) -> None:
    """Landscape A4, one page wide (and `pages_tall` high, 0: as many as it takes), the
    sheet's name and the page number in the footer, the header row `repeat` on each page."""
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.set_margins(**MARGINS)
    ws.set_footer("&L&8&A&R&8" + t("summary.print_page", page="&P", pages="&N"), {"margin": FOOTER_MARGIN})
    ws.fit_to_pages(1, pages_tall)
    if repeat is not None:
        ws.repeat_rows(repeat)


def print_area(ws, last_row: int, widths: list[float]) -> None:
    """Print rows 1 to `last_row` (0-based) of the leading columns that fit one page wide,
    when not all of `widths` do."""
    shown = print_columns(widths)
    if shown < len(widths):
        ws.print_area(0, 0, max(last_row, 1), shown - 1)
