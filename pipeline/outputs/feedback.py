"""Hand each agency its corrections: its template re-issued with the rows it sent (safe
corrections applied), every problem cell coloured with a comment, and a first sheet
listing every problem with a link to its cell. A corrected file validates like any
other return."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter
from python_calamine import CalamineWorkbook

from ..core.errors import RanpeError
from ..core.files import sha256
from ..core.fingerprint import code_fingerprint
from ..core.forked import Task, forked
from ..core.layout import FIRST_DATA_ROW
from ..core.model import Period, Problem, Submission, Validation
from ..core.paths import template_dirs
from ..core.periods import parse_period
from ..core.problems import CORRECTED, ERROR, NOT_FIXABLE, NOTICE, WARNING
from ..core.rules import Rules
from ..core.texts import t
from ..intake.ingest import load_rows
from ..intake.normalise import clean_text, has_content
from .template import GUIDE_LINE_PT, Mark, Sheet, other_period_notice, write_template
from .unchanged import Made, fingerprint


def feedback_path(outbox: Path, period: Period, agency: str, made_for: Period | None = None) -> Path:
    """An agency's feedback workbook in the period's outbox, named after the period its rows
    were made for (`made_for`, when another: a file made on another period's template)."""
    return outbox / period.id / "umpan_balik" / f"{agency}_{(made_for or period).id}.xlsx"


NEEDS_ACTION = (ERROR, WARNING)  # only corrections made: nothing for the agency to do
RANK = {ERROR: 0, WARNING: 1, CORRECTED: 2, NOTICE: 3}  # the order of the Daftar Perbaikan
LIST_COLUMNS = (5, 15, 11, 9, 22, 24, 100)  # widths of the Daftar Perbaikan columns, in characters
LIST_WIDTH = sum(LIST_COLUMNS) - 10  # what a wrapped line across them holds


def write_feedback(validation: Validation, rules: Rules, outbox: Path, day: dt.date) -> list[Path]:
    """One workbook per agency whose return has an error or a warning (safe corrections
    alone are listed in the validation list, not sent back), written side by side in forked
    workers; workbooks of agencies that have since fixed their return are removed."""
    plan = feedback_tasks(validation, rules, outbox, day)
    with forked(plan.tasks) as results:
        return remove_stale(validation, outbox, plan.paths(results()))


@dataclass
class Plan:
    """A run's feedback workbooks: the writers of those to write (for `forked`, each returns
    its path), and every workbook with the fingerprint of what it is made from."""

    tasks: list[Task]
    made_from: dict[Path, str]  # in the agencies' order

    def paths(self, written: list[Path]) -> list[Path]:
        """Every workbook of the run: those just `written` and those left as they were."""
        assert set(written) <= self.made_from.keys()
        return list(self.made_from)


def feedback_tasks(
    validation: Validation,
    rules: Rules,
    outbox: Path,
    day: dt.date,
    requests: list[Problem] = (),
    made: Made | None = None,
) -> Plan:
    """One writer per agency to send back, for `forked`: each writes its own path. `requests`:
    the values the secretariat's review sends back to their agency, marked like problems;
    `made`: what the workbooks on disk were made from (a workbook made from the same inputs
    is left as it is)."""
    by_file: dict[str, list[Problem]] = {}
    for p in [*validation.problems, *requests]:
        by_file.setdefault(p.file, []).append(p)
    todo, made_from = [], {}
    common = (code_fingerprint(), rules.rules_hash, _templates(), validation.period, day) if made else ()
    for main, others in files_by_agency(validation.submissions, rules).values():
        failed_later = any(o.rejected and o.mtime > main.mtime for o in others)  # a newer return that failed
        own = _data_period(main, validation.period, rules)
        mine = by_file.get(main.name, [])
        if own and (failed_later or any(shown_severity(p) in NEEDS_ACTION for p in mine)):
            others = [(o, by_file.get(o.name, [])) for o in others]
            path = feedback_path(outbox, validation.period, main.agency, own)
            made_from[path] = _made_from(common, main, mine, others, own) if made else ""
            if not (made and made.unchanged(path, made_from[path])):
                todo.append((main, mine, others, own))
    load_rows([m for m, *_ in todo if m.present is None and m.has_rows], rules, validation.period)  # from the cache
    rows = validation.typed
    typed = rows.set_index(["_file", "_row"]).sort_index() if todo and rows is not None and len(rows) else None
    write = functools.partial(_write_one, outbox=outbox, period=validation.period, day=day, rules=rules, typed=typed)
    return Plan([("feedback_workbooks", functools.partial(write, *args)) for args in todo], made_from)


def _made_from(common: tuple, main: Submission, mine: list[Problem], others: list, own: Period) -> str:
    """What an agency's workbook is made from: the code, rules, templates, period and date
    (`common`), the file it re-issues (its bytes and names: with the rules and period, they
    make its rows), the problems marked on it, and its other files with their problems."""
    files = [(o.name, o.file_name, o.rejected, o.superseded, problems) for o, problems in others]
    return fingerprint(*common, own, main.sha256, main.name, main.file_name, mine, files)


def _templates() -> list[tuple[str, str]]:
    """The workbook templates in use (the workspace's own, then the shipped ones), by content."""
    return [(p.name, sha256(p)) for folder in template_dirs("xlsx") for p in sorted(folder.iterdir()) if p.is_file()]


def shown_severity(p: Problem) -> str:
    """A problem's severity as its agency reads it: information (notice) for what it cannot
    fix by editing its file, such as lateness."""
    return NOTICE if p.code in NOT_FIXABLE else p.severity


def _data_period(sub: Submission, period: Period, rules: Rules) -> Period | None:
    """The period `sub`'s rows were made for: its own when it names another (a file made on
    another period's template), else the one reported; None when its own cannot be read as a
    period (no workbook is made then: the agency is reminded with the right template)."""
    if not sub.period or sub.period == period.id:
        return period
    try:
        return parse_period(sub.period, rules)
    except RanpeError:
        return None


def files_by_agency(subs: list[Submission], rules: Rules) -> dict[str, tuple[Submission, list[Submission]]]:
    """Each agency's files: the one its feedback is built from (the file in use; when none is,
    the newest rejected file, a template-shaped one first) and the others it sent."""
    mine: dict[str, list[Submission]] = {}
    for s in subs:
        if s.agency in rules.agency_by_code:
            mine.setdefault(s.agency, []).append(s)
    out = {}
    for agency, files in mine.items():
        main = max(files, key=lambda s: (not s.rejected and not s.superseded, s.has_rows, s.mtime, s.name))
        out[agency] = (main, [s for s in files if s is not main])
    return out


def remove_stale(validation: Validation, outbox: Path, written: list[Path]) -> list[Path]:
    folder = feedback_path(outbox, validation.period, "_").parent
    for old in folder.glob("*.xlsx") if folder.is_dir() else []:
        if old not in written:
            old.unlink()
    return written


def _write_one(sub, problems, others, own, outbox, period, day, rules, typed) -> Path:
    """The workbook of the rows as they were made: for the period reported, or for `own` when
    the file was made for another; its _meta keeps that period, so it is never taken for
    another when sent back."""
    rows, marks = _rows_and_marks(sub, problems, rules, typed)
    identity = {k: v for k, v in sub.identity.items() if v is not None}
    due = max(period.deadline, day + dt.timedelta(days=rules.settings.correction_days))  # never a date past
    agency = rules.get_agency(sub.agency)
    sheet = Sheet(agency, own, day, rows, marks, identity, due, reporting=period, source=sub.file_name)
    before = _list_sheet(sub, problems, others, rules, sheet)
    return write_template(feedback_path(outbox, period, sub.agency, own), rules, sheet, before=before)


def _rows_and_marks(sub: Submission, problems: list[Problem], rules: Rules, typed) -> tuple[list[dict], list[Mark]]:
    """Rows at their original offset below the header: typed values where they were read,
    what was typed where they could not be (a file not normalised, such as one made for
    another period: its numbers and dates as the agency's workbook held them)."""
    if sub.present is None or not len(sub.present):
        return [], []
    keys = [c.key for c in rules.fields.columns if c.input and c.key in sub.present]
    index = sub.present.index
    raw = sub.present[keys].to_numpy(dtype=object)
    values = np.full(raw.shape, None, dtype=object)  # typed where read, else what was typed (cleaned)
    known = np.zeros(raw.shape, dtype=bool)
    if typed is not None and sub.name in typed.index.levels[0]:
        fixed = typed.xs(sub.name, level=0)[keys].reindex(index).to_numpy(dtype=object)
        known = ~pd.isna(fixed)
        values[known] = fixed[known]
    values[~known] = [_as_typed(x) for x in raw[~known]]
    values[pd.isna(values)] = None
    offset = dict(zip(index, index - sub.header_row - 1, strict=True))
    rows: list[dict] = [{} for _ in range(max(offset.values()) + 1)]
    for r, record in zip(index, values, strict=True):
        rows[offset[r]] = dict(zip(keys, record, strict=True))
    label_to_key = {c.label: c.key for c in rules.fields.columns}
    marks = [
        Mark(offset[p.row], label_to_key[p.column], p.severity, p.message)
        for p in problems
        if p.row in offset and p.column in label_to_key and p.sheet == sub.sheet
    ]
    return rows, marks


def _as_typed(v):
    """A value read from a workbook with its type: text cleaned, numbers and dates kept."""
    if isinstance(v, str):
        return clean_text(v).value
    return v if has_content(v) else None


def _list_sheet(sub: Submission, problems, others, rules: Rules, sheet: Sheet):
    """The 'Daftar Perbaikan' sheet, added in front of the template's sheets: the problems of
    `sub`, then the agency's other files that were not used, with the reason. For rows made
    for another period it first says so, and which template to use instead."""
    col_letter = {c.label: xlsxwriter.utility.xl_col_to_name(i) for i, c in enumerate(rules.fields.columns)}
    offset = {p.row: p.row - sub.header_row - 1 for p in problems if p.row}
    sheet_name = sub.sheet
    notice = other_period_notice(rules, sheet)
    names = {s.name: s.file_name for s in [sub, *(o for o, _ in others)]}  # as the agency knows its files

    def add(wb, f) -> None:
        ws = wb.add_worksheet(t("feedback.sheet"))
        if notice:
            ws.write_string(0, 0, t("other_period.title", agency=sheet.agency.name), f["title"])
            text = " ".join([t("other_period.source", file=sub.file_name), *notice])
            ws.merge_range(1, 0, 1, 6, text, f["notice"])
            ws.set_row(1, GUIDE_LINE_PT * math.ceil(len(text) / LIST_WIDTH) + 2)
        else:
            ws.write_string(0, 0, t("feedback.title", period=sheet.reporting.id, agency=sheet.agency.name), f["title"])
            information = [t("feedback.information")] if any(p.code in NOT_FIXABLE for p in problems) else []
            ws.write_string(1, 0, " ".join([t("feedback.intro", file=sub.file_name), *information]), f["note"])
        head = t("feedback.columns")
        for j, h in enumerate(head.values()):
            ws.write_string(3, j, h, f["header"])
        problems_sorted = sorted(problems, key=lambda p: (RANK[shown_severity(p)], p.row or 0, p.cell))
        for i, p in enumerate(problems_sorted, start=4):
            ws.write_number(i, 0, i - 3)
            ws.write_string(i, 1, t(f"feedback.severity.{shown_severity(p)}"))
            ws.write_string(i, 2, p.sheet)
            if p.row in offset and p.column in col_letter and p.sheet == sheet_name:
                cell = f"{col_letter[p.column]}{FIRST_DATA_ROW + 1 + offset[p.row]}"
                ws.write_url(i, 3, f"internal:'{p.sheet}'!{cell}", string=cell)
            else:
                ws.write_string(i, 3, p.cell or t("feedback.whole_file"))
            ws.write_string(i, 4, p.column)
            ws.write_string(i, 5, p.value)
            ws.write_string(i, 6, p.message)
        for j, width in enumerate(LIST_COLUMNS):
            ws.set_column(j, j, width)
        if others:
            _list_others(ws, f, others, 5 + len(problems), names)
        ws.freeze_panes(4, 0)
        ws.autofilter(3, 0, 3 + len(problems), len(head) - 1)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.activate()

    return add


def _list_others(ws, f, others: list[tuple[Submission, list[Problem]]], top: int, names: dict[str, str]) -> None:
    """Below the problems, after a blank row: the agency's files that were not used, each
    with its status and the reason (the file name and the reason span several columns); its
    files named as it knows them (`names`: without the inbox's period folder)."""
    spans = ((0, 0), (1, 1), (2, 4), (5, 6))

    def put(row: int, values: list, fmt) -> None:
        for (first, last), value in zip(spans, values, strict=True):
            if isinstance(value, int):
                ws.write_number(row, first, value, fmt)
            elif first == last:
                ws.write_string(row, first, value, fmt)
            else:
                ws.merge_range(row, first, row, last, value, fmt)

    ws.write_string(top, 0, t("feedback.others_title"), f["title"])
    put(top + 1, list(t("feedback.others_columns").values()), f["header"])
    for n, (o, problems) in enumerate(sorted(others, key=lambda x: x[0].name), start=1):
        why = [p for p in problems if p.severity == ERROR or p.code == "superseded"] or problems
        reason = " ".join(dict.fromkeys(replace(p, detail=names.get(p.detail, p.detail)).message for p in why))
        status = t(f"feedback.others_status.{'superseded' if o.superseded else 'rejected'}")
        put(top + 1 + n, [n, status, o.file_name, reason], f["wrap"])


def read_problem_list(path: Path) -> list[dict]:
    """The problems listed on a feedback workbook's first sheet, each as {column key of
    `feedback.columns`: value}, the columns found by their header labels (the table ends at
    its first empty row)."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(t("feedback.sheet")).to_python()
    keys = {label: key for key, label in t("feedback.columns").items()}
    for h, row in enumerate(rows):
        found = [keys.get(v) if isinstance(v, str) else None for v in row]
        if set(keys.values()) <= set(found):
            table = itertools.takewhile(any, rows[h + 1 :])
            return [{k: v for k, v in zip(found, r, strict=False) if k} for r in table]
    return []
