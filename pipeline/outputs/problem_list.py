"""The secretariat's list of every problem of every agency (validasi_<period>.xlsx), and
the same table for the summary workbook's Validasi sheet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ..core.files import atomic_path
from ..core.model import Validation
from ..core.rules import Rules
from ..core.texts import t
from .fastsheet import Cells, Workbook
from .reproducible import fixed_datetime
from .template import WORKBOOK_OPTIONS

PROBLEM_COLUMNS = ["kl", "file", "sheet", "cell", "row", "column", "code", "name", "severity", "value", "message",
                   "debug"]  # fmt: skip


def list_path(outbox: Path, period_id: str) -> Path:
    return outbox / period_id / f"validasi_{period_id}.xlsx"


def problem_table(validation: Validation) -> pd.DataFrame:
    """Every problem of every agency, one row each, in the columns of `t("validasi.columns")`."""
    agency_of = {s.name: s.agency or "" for s in validation.submissions}
    rows = [
        (agency_of.get(p.file, p.value if p.code == "not-received" else ""), p.file, p.sheet, p.cell, p.row,
         p.column, p.code, t(f"problem_names.{p.code}"), t(f"severity.{p.severity}"), p.value, p.message, p.debug)
        for p in validation.problems
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=PROBLEM_COLUMNS, dtype=object)


def write_validation_list(validation: Validation, rules: Rules, path: Path, day: dt.date) -> Path:
    """Every problem of every agency, one row each, sortable and filterable."""
    head = t("validasi.columns")
    table = problem_table(validation)
    with atomic_path(path) as tmp:
        wb = Workbook(str(tmp), WORKBOOK_OPTIONS)
        wb.set_properties({"title": t("validasi.title", period=validation.period.id), "created": fixed_datetime(day)})
        bold = wb.add_format({"bold": True, "bg_color": "#1F3864", "font_color": "#FFFFFF", "text_wrap": True})
        ws = wb.add_worksheet(t("validasi.sheet"))
        for j, h in enumerate(head):
            ws.write_string(0, j, h, bold)
        kinds = {"row": "number"}
        ws.write_block(1, {j: Cells(table[k], kind=kinds.get(k, "string")) for j, k in enumerate(PROBLEM_COLUMNS)})
        for j, width in enumerate((16, 36, 10, 7, 7, 20, 24, 26, 11, 22, 90, 40)):
            ws.set_column(j, j, width)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, len(validation.problems), len(head) - 1)
        wb.close()
    return path
