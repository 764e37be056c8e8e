"""Read back the decisions the secretariat typed into a review workbook
(tinjauan_<period>.xlsx, written by outputs/review_workbook.py), as saved by Excel or
LibreOffice: one entry per row that has a decision, with where it was read."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell

from ..core.model import Problem
from ..core.names import display_name
from ..core.texts import t

ENTRY = ["item", "decision", "note", "by", "fingerprint", "written"]  # the columns read, by their header labels
COLUMNS = [*ENTRY, "sheet", "cell", "row"]
REQUIRED = 5  # the first five; "written" (what the workbook was written with) may be missing


def read_decisions(path: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """The entries of the workbook at `path` (none when there is no workbook), and a problem
    when it cannot be read: the decisions already stored then stand."""
    if not path.exists():
        return pd.DataFrame(columns=COLUMNS), []
    from python_calamine import CalamineWorkbook

    try:
        wb = CalamineWorkbook.from_path(str(path))
        rows = []
        for kind in ("value", "pair"):
            name = t(f"review.sheets.{kind}")
            if name in wb.sheet_names:
                rows += _entries(name, wb.get_sheet_by_name(name).to_python())
    except Exception as exc:  # calamine's errors name no common type
        aside, debug = t("review.unreadable_copy", name=path.stem), f"{type(exc).__name__}: {exc}"
        problem = Problem(display_name(path.name), "review-unreadable", value=aside, debug=debug)
        return pd.DataFrame(columns=COLUMNS), [problem]
    return pd.DataFrame(rows, columns=COLUMNS), []


def _entries(sheet: str, cells: list[list]) -> list[tuple]:
    """Rows under the header that name an item and have a decision or a note."""
    labels = {t(f"review.columns.{k}"): k for k in ENTRY}
    heads = ({labels[str(v).strip()]: j for j, v in enumerate(row) if str(v).strip() in labels} for row in cells)
    top, at = next(((i, at) for i, at in enumerate(heads) if set(ENTRY[:REQUIRED]) <= set(at)), (None, {}))
    if top is None:
        return []
    out = []
    for i, row in enumerate(cells[top + 1 :], start=top + 1):
        got = {k: _text(row[at[k]]) if k in at and at[k] < len(row) else "" for k in ENTRY}
        if got["item"] and (got["decision"] or got["note"]):
            out.append((*[got[k] for k in ENTRY], sheet, xl_rowcol_to_cell(i, at["decision"]), i + 1))
    return out


def _text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value if value is not None else "").split())
