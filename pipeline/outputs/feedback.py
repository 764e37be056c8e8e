"""Hand each agency its corrections: its template re-issued with the rows it sent (safe
corrections applied), every problem cell coloured with a comment, and a first sheet
listing every problem with a link to its cell. A corrected file validates like any
other return."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import xlsxwriter
from python_calamine import CalamineWorkbook

from ..core.forked import Task, forked
from ..core.layout import FIRST_DATA_ROW
from ..core.model import Period, Problem, Submission, Validation
from ..core.problems import ERROR, WARNING
from ..core.rules import Rules
from ..core.texts import t
from ..intake.normalise import clean_text, has_content
from .template import Mark, Sheet, write_template


def feedback_path(outbox: Path, period: Period, agency: str) -> Path:
    return outbox / period.id / "umpan_balik" / f"{agency}_{period.id}.xlsx"


NEEDS_ACTION = (ERROR, WARNING)  # only corrections made: nothing for the agency to do


def write_feedback(validation: Validation, rules: Rules, outbox: Path, day: dt.date) -> list[Path]:
    """One workbook per agency whose latest return has an error or a warning (safe corrections
    alone are listed in the validation list, not sent back), written side by side in forked
    workers; workbooks of agencies that have since fixed their return are removed."""
    with forked(feedback_tasks(validation, rules, outbox, day)) as results:
        return remove_stale(validation, outbox, results())


def feedback_tasks(validation: Validation, rules: Rules, outbox: Path, day: dt.date) -> list[Task]:
    """One writer per agency to send back, for `forked`."""
    by_file: dict[str, list[Problem]] = {}
    for p in validation.problems:
        by_file.setdefault(p.file, []).append(p)
    rows = validation.typed
    typed = rows.set_index(["_file", "_row"]).sort_index() if rows is not None and len(rows) else None
    write = functools.partial(_write_one, outbox=outbox, period=validation.period, day=day, rules=rules, typed=typed)
    return [
        ("feedback_workbooks", functools.partial(write, sub, by_file[sub.name]))
        for sub in validation.submissions
        if not sub.superseded
        and sub.agency in rules.agency_by_code
        and any(p.severity in NEEDS_ACTION for p in by_file.get(sub.name, []))
    ]


def remove_stale(validation: Validation, outbox: Path, written: list[Path]) -> list[Path]:
    folder = feedback_path(outbox, validation.period, "_").parent
    for old in folder.glob("*.xlsx") if folder.is_dir() else []:
        if old not in written:
            old.unlink()
    return written


def _write_one(sub, problems, outbox, period, day, rules, typed) -> Path:
    rows, marks = _rows_and_marks(sub, problems, rules, typed)
    identity = {k: v for k, v in sub.identity.items() if v is not None}
    sheet = Sheet(rules.get_agency(sub.agency), period, day, rows=rows, marks=marks, identity=identity)
    before = _list_sheet(sub.name, sub.sheet, sub.header_row, sub.agency, problems, rules, period)
    return write_template(feedback_path(outbox, period, sub.agency), rules, sheet, before=before)


def _rows_and_marks(sub: Submission, problems: list[Problem], rules: Rules, typed) -> tuple[list[dict], list[Mark]]:
    """Rows at their original offset below the header: typed values where they were read,
    what was typed (cleaned) where they could not be."""
    if sub.present is None or not len(sub.present):
        return [], []
    keys = [c.key for c in rules.fields.columns if c.input and c.key in sub.present]
    raw = sub.present[keys]
    if typed is not None and sub.name in typed.index.get_level_values(0):
        fixed = typed.xs(sub.name, level=0)[keys].reindex(raw.index).astype(object)
        raw = fixed.where(fixed.notna(), raw.where(fixed.isna()).map(_cleaned))
    else:
        raw = raw.map(_cleaned)
    raw = raw.astype(object).where(raw.notna(), None)
    offset = dict(zip(raw.index, raw.index - sub.header_row - 1, strict=True))
    rows: list[dict] = [{} for _ in range(max(offset.values()) + 1)]
    for r, record in zip(raw.index, raw.to_dict("records"), strict=True):
        rows[offset[r]] = record
    label_to_key = {c.label: c.key for c in rules.fields.columns}
    marks = [
        Mark(offset[p.row], label_to_key[p.column], p.severity, p.message)
        for p in problems
        if p.row in offset and p.column in label_to_key and p.sheet == sub.sheet
    ]
    return rows, marks


def _cleaned(v):
    return clean_text(v).value if has_content(v) else None


def _list_sheet(name: str, sheet_name: str, header_row: int, agency: str, problems, rules: Rules, period: Period):
    """The 'Daftar Perbaikan' sheet, added in front of the template's sheets."""
    col_letter = {c.label: xlsxwriter.utility.xl_col_to_name(i) for i, c in enumerate(rules.fields.columns)}
    offset = {p.row: p.row - header_row - 1 for p in problems if p.row}

    def add(wb, f) -> None:
        ws = wb.add_worksheet(t("feedback.sheet"))
        ws.write_string(0, 0, t("feedback.title", period=period.id, agency=rules.get_agency(agency).name), f["title"])
        ws.write_string(1, 0, t("feedback.intro", file=name), f["note"])
        head = t("feedback.columns")
        for j, h in enumerate(head.values()):
            ws.write_string(3, j, h, f["header"])
        rank = {"error": 0, "warning": 1, "corrected": 2}
        problems_sorted = sorted(problems, key=lambda p: (rank[p.severity], p.row or 0, p.cell))
        for i, p in enumerate(problems_sorted, start=4):
            ws.write_number(i, 0, i - 3)
            ws.write_string(i, 1, t(f"severity.{p.severity}"))
            ws.write_string(i, 2, p.sheet)
            if p.row in offset and p.column in col_letter and p.sheet == sheet_name:
                cell = f"{col_letter[p.column]}{FIRST_DATA_ROW + 1 + offset[p.row]}"
                ws.write_url(i, 3, f"internal:'{p.sheet}'!{cell}", string=cell)
            else:
                ws.write_string(i, 3, p.cell or t("feedback.whole_file"))
            ws.write_string(i, 4, p.column)
            ws.write_string(i, 5, p.value)
            ws.write_string(i, 6, p.message)
        for j, width in enumerate((5, 11, 11, 9, 22, 24, 100)):
            ws.set_column(j, j, width)
        ws.freeze_panes(4, 0)
        ws.autofilter(3, 0, 3 + len(problems), len(head) - 1)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.activate()

    return add


def read_problem_list(path: Path) -> list[dict]:
    """The problems listed on a feedback workbook's first sheet, each as {column key of
    `feedback.columns`: value}, the columns found by their header labels."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(t("feedback.sheet")).to_python()
    keys = {label: key for key, label in t("feedback.columns").items()}
    for h, row in enumerate(rows):
        found = [keys.get(v) if isinstance(v, str) else None for v in row]
        if set(keys.values()) <= set(found):
            return [{k: v for k, v in zip(found, r, strict=False) if k} for r in rows[h + 1 :] if any(r)]
    return []
