"""Write the per-agency reporting workbook from rules/fields.yaml with xlsxwriter.

The same builder re-issues a template pre-filled with an agency's rows and problem marks
(the feedback workbook), so a correction file behaves exactly like a fresh template.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import xlsxwriter
import yaml
from python_calamine import CalamineWorkbook
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell

from .. import __version__
from ..core.clock import run_date
from ..core.files import atomic_path
from ..core.formatting import dmy
from ..core.layout import FIRST_DATA_ROW, HEADER_ROW, META_FORMAT
from ..core.model import Period
from ..core.paths import located, text_templates
from ..core.rules import Rules
from ..core.schema import Agency, Column
from ..core.texts import t
from ..core.units import unit_place
from .cell_rules import CHECK_KEY, FILL_KEY, PROVINCE_LISTS, ROW, CellRules, province_list_name, ref_name
from .fastsheet import Cells, FastSheet
from .reproducible import fixed_datetime

WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
SEVERITY_FILL = {"error": "#FFC7CE", "warning": "#FFEB9C", "corrected": "#BDD7EE"}


GUIDE_WIDTH = 72  # the Petunjuk column, in characters: within A4 portrait at the default margins
GUIDE_LINE_PT = 13.5  # one wrapped line of its text (Calibri 10), in points
IDENTITAS_WIDTH = 98  # the Identitas sheet's two columns, in characters


@dataclass(frozen=True)
class Mark:
    """A problem to show on a cell of a re-issued template (feedback)."""

    row: int  # index into the rows written
    key: str  # column key
    severity: str
    comment: str


@dataclass
class Sheet:
    """Everything the builder needs besides the rules: the agency, its rows and marks."""

    agency: Agency
    period: Period
    generated: dt.date
    rows: Sequence[dict] | None = None
    marks: Iterable[Mark] = ()
    identity: dict = field(default_factory=dict)
    due: dt.date | None = None  # when it is to be sent back, if not by the period's deadline (a feedback workbook)
    # the period being reported, for a feedback workbook; when `period`, the one its rows were
    # made for, is another (a file made on another period's template), every sheet says so
    reporting: Period | None = None
    source: str = ""  # the returned file a feedback workbook re-issues, kept in _meta for its e-mail


def _unit_columns(rules: Rules, unit: Agency) -> list[Column]:
    """The columns of a unit's sheet: a region's province may be left empty, read as its own
    (intake/normalise.py own_region), and its hint says so."""
    if not unit.regional:
        return rules.fields.columns
    own = {"required": False}
    return [
        c.model_copy(update={**own, "hint": f"{c.hint} {t('units.own_region_hint')}"}) if c.source == "provinces" else c
        for c in rules.fields.columns
    ]


@functools.cache  # read once per process (a feedback run builds many workbooks); never mutated
def load_style() -> dict:
    return yaml.safe_load((located("templates/xlsx/style.yaml")).read_text(encoding="utf-8"))


def template_path(outbox: Path, period: Period, agency_code: str) -> Path:
    return outbox / period.id / "templates" / template_name(period, agency_code)


def template_name(period: Period, agency_code: str) -> str:
    return f"{agency_code}_{period.id}.xlsx"


def write_template(path: Path, rules: Rules, sheet: Sheet, before: callable | None = None) -> Path:
    """Write one workbook atomically. `before(workbook, formats)` may add sheets in front."""
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {**WORKBOOK_OPTIONS, "in_memory": True})  # no temporary file per part
        wb.set_properties(
            {
                "title": t("template.title", period_label=sheet.period.label, year=sheet.period.year),
                "author": rules.settings.secretariat,
                "company": rules.settings.organisation,
                "created": fixed_datetime(sheet.generated),
                "comments": f"ranpe-pipeline {__version__}",
            }
        )
        _Builder(wb, rules, sheet, before).build()
        wb.close()
    return path


class _Builder:
    def __init__(self, wb: xlsxwriter.Workbook, rules: Rules, sheet: Sheet, before) -> None:
        self.wb, self.rules, self.s, self.before = wb, rules, sheet, before
        self.style = load_style()
        self.columns = _unit_columns(rules, sheet.agency)
        self.col = {c.key: i for i, c in enumerate(self.columns)}
        self.col[FILL_KEY] = len(self.columns)
        self.col[CHECK_KEY] = len(self.columns) + 1
        self.x = CellRules(rules, self.col, self.columns)
        self.assigned = rules.assigned_actions(sheet.agency.code)
        self.rows = list(sheet.rows) if sheet.rows is not None else self._assigned_rows()
        self.last_row = FIRST_DATA_ROW + len(self.rows) + rules.settings.open_rows - 1
        self.f = self._formats()

    # ---- formats -------------------------------------------------------------------
    def _formats(self) -> dict:
        st, base = self.style, self.style["font"]
        nf = st["num_formats"]
        make = self.wb.add_format
        f = {k: make({**base, **st[k]}) for k in ("title", "subtitle", "note", "header", "label", "heading", "wrap")}
        f["locked"] = make({**base, **st["locked"]})
        f["plain"] = make(base)
        f["input"] = make({**base, **st["input"]})
        f["attention"] = make(st["attention"])
        f["notice"] = make({**base, **st["wrap"], **st["attention"]})
        for kind in ("date", "integer", "number", "money", "percent"):
            f[f"input_{kind}"] = make({**base, **st["input"], "num_format": nf[kind]})
            f[f"locked_{kind}"] = make({**base, **st["locked"], "num_format": nf[kind]})
        for sev, colour in SEVERITY_FILL.items():
            f[f"mark_{sev}"] = make({**base, **st["input"], "bg_color": colour})
            for kind in ("date", "integer", "number", "money"):
                f[f"mark_{sev}_{kind}"] = make({**base, **st["input"], "bg_color": colour, "num_format": nf[kind]})
        return f

    def _kind(self, col: Column) -> str | None:
        return {"date": "date", "integer": "integer", "number": "number", "money": "money", "percent": "percent"}.get(
            col.type
        )

    def _cell_format(self, col: Column, severity: str | None = None):
        kind = self._kind(col)
        if severity:
            return self.f[f"mark_{severity}_{kind}" if kind and kind != "percent" else f"mark_{severity}"]
        prefix = "input" if col.input else "locked"
        return self.f[f"{prefix}_{kind}" if kind else prefix]

    # ---- sheets --------------------------------------------------------------------
    def build(self) -> None:
        if self.before:
            self.before(self.wb, self.f)
        self._petunjuk()
        self._identitas()
        self._laporan()
        self._ref()
        self._meta()

    @functools.cached_property
    def notice(self) -> list[str]:
        return other_period_notice(self.rules, self.s)

    @functools.cached_property
    def broken(self) -> list[int]:
        """The check column's value on each row written: 1 where a started row breaks a rule."""
        return self.x.checks(self.rows, [1 if self._has_content(row) else 0 for row in self.rows])

    def _petunjuk(self) -> None:
        ws = self.wb.add_worksheet(t("sheets.petunjuk"))
        ws.set_column(0, 0, GUIDE_WIDTH, self.f["wrap"])
        ws.hide_gridlines(2)
        ws.set_paper(9)  # A4 portrait: the column fits its width, so nothing shrinks
        ws.set_portrait()
        ws.fit_to_pages(1, 0)
        text = (
            text_templates("xlsx")
            .get_template("petunjuk.txt.j2")
            .render(
                period=self.s.period,
                agency=self.s.agency,
                settings=self.rules.settings,
                deadline=dmy(self.s.due or self.s.period.deadline),
                sheets={k: t(f"sheets.{k}") for k in ("identitas", "laporan")},
                n_assigned=len(self.assigned),
                notice=self.notice,
            )
        )
        lines = text.splitlines()
        if self.rules.sample_data:
            lines.insert(0, t("sample.mark_line"))
        for i, line in enumerate(lines):
            if line == t("sample.mark_line"):
                ws.write_string(i, 0, line, self.f["attention"])
            elif line.startswith("# "):
                ws.write_string(i, 0, line[2:], self.f["heading"])
            elif line:
                ws.write_string(i, 0, line, self.f["notice" if line in self.notice else "wrap"])
                # the height the wrapped text needs: office suites do not all grow a row
                # written without one (LibreOffice let a long item run over the next)
                ws.set_row(i, GUIDE_LINE_PT * math.ceil(len(line) / GUIDE_WIDTH) + 2)
        ws.protect("", {"select_locked_cells": True})

    def _identitas(self) -> None:
        ws = self.wb.add_worksheet(t("sheets.identitas"))
        ws.set_column(0, 0, 38)
        ws.set_column(1, 1, IDENTITAS_WIDTH - 38)
        ws.write_string(0, 0, t("template.identitas_title"), self.f["title"])
        if self.rules.sample_data:  # not to go out as if real: the first thing the focal point sees
            ws.write_string(0, 1, t("sample.mark_line"), self.f["attention"])
        if self.notice:  # rows made for another period: said before anything else
            ws.merge_range(1, 0, 1, 1, " ".join(self.notice), self.f["notice"])
            ws.set_row(1, GUIDE_LINE_PT * math.ceil(len(" ".join(self.notice)) / IDENTITAS_WIDTH) + 2)
        p, a = self.s.period, self.s.agency
        fixed = {
            "kl_kode": a.code,
            "kl_nama": a.name,
            "tingkat": t(f"units.level_long.{a.level}"),
            "wilayah": unit_place(a, self.rules),
            "periode": p.id,
            "periode_nama": p.title,
            # a feedback workbook's own due date, the one its Petunjuk and its letter give (for rows
            # made for another period, by when the right template is due, not that period's deadline)
            "tenggat": self.s.due or p.deadline,
        }
        values = {**self.s.identity, **fixed}  # the locked items are the workbook's own, never as a file typed them
        row = 2
        for item in self.rules.fields.identity:
            ws.write_string(row, 0, item.label, self.f["label"])
            fmt = self.f["locked_date" if item.type == "date" else "locked"] if item.locked else None
            if not item.locked:
                fmt = self.f["input_date" if item.type == "date" else "input"]
            self._write_value(ws, row, 1, values.get(item.key), fmt, item.type)
            if not item.locked:
                self._validate(ws, row, 1, row, 1, item)
                if item.required:
                    cell = xl_rowcol_to_cell(row, 1)
                    ws.conditional_format(
                        row,
                        1,
                        row,
                        1,
                        {"type": "formula", "criteria": f"=LEN({cell})=0", "format": self.f["attention"]},
                    )
            row += 1
        row += 1
        ws.write_string(row, 0, t("template.attention_label"), self.f["label"])
        check = xl_col_to_name(self.col[CHECK_KEY])
        rng = f"{check}{FIRST_DATA_ROW + 1}:{check}{self.last_row + 1}"
        ws.write_formula(row, 1, f"=SUM('{t('sheets.laporan')}'!{rng})", self.f["locked_integer"], sum(self.broken))
        ws.conditional_format(
            row, 1, row, 1, {"type": "cell", "criteria": ">", "value": 0, "format": self.f["attention"]}
        )
        ws.write_string(row + 1, 0, t("template.attention_hint"), self.f["note"])
        ws.fit_to_pages(1, 1)
        ws.protect("", {"select_locked_cells": True})
        ws.activate()

    def _laporan(self) -> None:
        ws = self.wb.add_worksheet(t("sheets.laporan"), worksheet_class=FastSheet)
        p, a = self.s.period, self.s.agency
        for r in range(HEADER_ROW):
            ws.set_row(r, None, self.f["plain"])
        ws.write_string(0, 0, t("template.title", period_label=p.label, year=p.year), self.f["title"])
        ws.write_string(1, 0, t("template.subtitle", agency_name=a.name, agency_code=a.code), self.f["subtitle"])
        ws.write_string(2, 0, t("template.laporan_note"), self.f["note"])
        ws.set_row(HEADER_ROW, self.style["header_height"])
        for i, col in enumerate(self.columns):
            ws.set_column(i, i, col.width, self._cell_format(col))
            ws.write_string(HEADER_ROW, i, col.label, self.f["header"])
        for key in (FILL_KEY, CHECK_KEY):
            ws.set_column(self.col[key], self.col[key], 6, self.f["locked"], {"hidden": True})
            ws.write_string(HEADER_ROW, self.col[key], key, self.f["header"])
        ws.freeze_panes(FIRST_DATA_ROW, self.col.get("nama_kegiatan", 0))
        ws.write_block(FIRST_DATA_ROW, self._row_cells())
        for m in self.s.marks:
            if m.key in self.col:
                ws.write_comment(FIRST_DATA_ROW + m.row, self.col[m.key], m.comment, {"x_scale": 2.5, "y_scale": 2})
        for col in self.columns:
            if col.input:
                self._validate(ws, FIRST_DATA_ROW, self.col[col.key], self.last_row, self.col[col.key], col)
        self._conditional(ws)
        ws.autofilter(HEADER_ROW, 0, self.last_row, len(self.columns) - 1)
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(HEADER_ROW)
        ws.print_area(0, 0, FIRST_DATA_ROW + max(len(self.rows), 1) - 1, len(self.columns) - 1)
        ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True, "select_locked_cells": True})

    def _row_cells(self) -> dict[int, Cells]:
        """The rows of the Laporan sheet (the agency's, then the open ones) by column: values,
        row formulas with the values they had, and problem marks colouring their cells."""
        n = self.last_row - FIRST_DATA_ROW + 1
        rows = [*self.rows, *[{}] * (n - len(self.rows))]
        row_numbers = (np.arange(FIRST_DATA_ROW, self.last_row + 1) + 1).astype(str).astype(object)
        # a row with values has its empty cells written too, in the column's format (tools that
        # fill a workbook without applying column formats, openpyxl among them, then keep it);
        # a marked cell takes its mark's colour
        with_values = np.array([bool(row) for row in rows])
        formats = {c.key: np.where(with_values, self._cell_format(c), None) for c in self.columns}
        for m in self.s.marks:
            if m.key in formats:
                formats[m.key][m.row] = self._cell_format(self.columns[self.col[m.key]], m.severity)

        def formulas(formula: str, fmt, results) -> Cells:  # one formula, its row placeholders filled in
            first, *rest = ("=" + formula).split(ROW)
            text = np.full(n, first, dtype=object)
            for part in rest:
                text = text + row_numbers + part
            return Cells(text, fmt, "formula", results)

        cells = {}
        for col in self.columns:
            values = [row.get(col.key) for row in rows]
            fmt = formats[col.key]
            formula = col.formula and self.x.formula(col.formula, None)
            cells[self.col[col.key]] = formulas(formula, fmt, values) if formula else Cells(values, fmt, "value")
        filled = [1 if self._has_content(row) else 0 for row in rows]
        cells[self.col[FILL_KEY]] = formulas(self.x.fill_formula(None), None, filled)
        cells[self.col[CHECK_KEY]] = formulas(
            self.x.check_formula(None), None, self.broken + [0] * (n - len(self.rows))
        )
        return cells

    def _write_value(self, ws, r: int, c: int, value, fmt, type_: str) -> None:
        if value is None or value == "":
            if fmt is not None:
                ws.write_blank(r, c, None, fmt)
        elif isinstance(value, dt.datetime | dt.date):
            ws.write_datetime(r, c, fixed_datetime(value), fmt)
        elif isinstance(value, bool):
            ws.write_string(r, c, str(value), fmt)
        elif isinstance(value, numbers.Number):  # includes numpy scalars from pandas
            ws.write_number(r, c, float(value), fmt)
        else:
            ws.write_string(r, c, str(value), fmt)

    def _assigned_rows(self) -> list[dict]:
        return [
            {"no": i, "kode_aksi": fa.code, "uraian_aksi": fa.action.title, "peran": role}
            for i, (fa, role) in enumerate(self.assigned, start=1)
        ]

    def _has_content(self, values: dict) -> bool:
        return any(values.get(c.key) not in (None, "") for c in self.columns if c.content)

    def _conditional(self, ws) -> None:
        top = FIRST_DATA_ROW
        fill = self.x.cell(FILL_KEY, top, absolute_col=True)
        for col in self.columns:
            if not col.input:
                continue
            conds = self.x.problem_conditions(col, top)
            if conds:
                c = self.col[col.key]
                ws.conditional_format(
                    top,
                    c,
                    self.last_row,
                    c,
                    {
                        "type": "formula",
                        "criteria": f"=AND({fill}=1,OR({','.join(conds)}))",
                        "format": self.f["attention"],
                    },
                )

    def _validate(self, ws, r1: int, c1: int, r2: int, c2: int, item) -> None:
        opts = self.x.validation(item, r1)
        if opts:
            ws.data_validation(r1, c1, r2, c2, opts)

    # ---- hidden sheets -------------------------------------------------------------
    def _ref(self) -> None:
        ws = self.wb.add_worksheet(t("sheets.ref"))
        ws.write_string(0, 0, t("template.ref_title"), self.f["heading"])
        actions = self.rules.actions
        for i, fa in enumerate(actions, start=2):
            ws.write_string(i, 0, fa.code)
            ws.write_string(i, 1, fa.action.title)
        sheet = t("sheets.ref")
        n = len(actions)
        self.wb.define_name("daftar_aksi", f"='{sheet}'!$A$3:$B${n + 2}")
        self.wb.define_name(ref_name("catalogue"), f"='{sheet}'!$A$3:$A${n + 2}")
        sources = sorted({i.source for i in [*self.columns, *self.rules.fields.identity] if i.source} - {"catalogue"})
        for j, source in enumerate(sources, start=2):
            ws.write_string(1, j, ref_name(source), self.f["heading"])
            values = self.rules.choices(source)
            for i, v in enumerate(values, start=2):
                ws.write_string(i, j, v)
            letter = xl_col_to_name(j)
            self.wb.define_name(ref_name(source), f"='{sheet}'!${letter}$3:${letter}${len(values) + 2}")
        if "regencies" in sources:
            self._province_lists(ws, sources.index("regencies") + 2, len(sources) + 2)
        ws.protect("", {})
        ws.hide()

    def _province_lists(self, ws, j: int, free: int) -> None:
        """The kab/kota lists of the provinces, for the dependent list of a kab/kota cell
        (CellRules.regency_list): column `j` lists every kab/kota, province after province;
        each province's stretch is named after its Kemendagri code, and a table from column
        `free` on gives, per province name, the name of its stretch."""
        sheet, letter = t("sheets.ref"), xl_col_to_name(j)
        ws.write_string(1, free, PROVINCE_LISTS, self.f["heading"])
        first, row = 3, 2  # the first Excel row of a stretch; the table's 0-based row
        named = [(p, self.rules.regencies_by_province.get(p.kemendagri, [])) for p in self.rules.provinces.provinces]
        for province, regencies in named:
            if regencies:
                name = province_list_name(province.kemendagri)
                self.wb.define_name(name, f"='{sheet}'!${letter}${first}:${letter}${first + len(regencies) - 1}")
                ws.write_string(row, free, province.name)
                ws.write_string(row, free + 1, name)
                row += 1
            first += len(regencies)
        lookup = f"${xl_col_to_name(free)}$3:${xl_col_to_name(free + 1)}${row}"
        self.wb.define_name(PROVINCE_LISTS, f"='{sheet}'!{lookup}")

    def _meta(self) -> None:
        ws = self.wb.add_worksheet(t("sheets.meta"))
        s, r = self.s, self.rules
        items = [
            ("format", META_FORMAT),
            ("agency_code", s.agency.code),
            ("agency_name", s.agency.name),
            ("period", s.period.id),
            ("template_version", r.settings.template_version),
            ("fields_hash", r.fields_hash),
            ("rules_hash", r.rules_hash),
            ("generated", s.generated.isoformat()),
            ("header_row", HEADER_ROW + 1),
            ("tool_version", __version__),
            *([("source", s.source)] if s.source else []),
        ]
        ws.write_string(0, 0, t("template.meta_note"))
        for i, (k, v) in enumerate(items, start=1):
            ws.write_string(i, 0, k)
            if isinstance(v, int):
                ws.write_number(i, 1, v)
            else:
                ws.write_string(i, 1, v)
        ws.protect("", {})
        ws.very_hidden()


def other_period_notice(rules: Rules, sheet: Sheet) -> list[str]:
    """For rows made for another period than the one reported (`sheet.reporting`): which
    period they were made for, and which template to use instead; nothing otherwise."""
    own, current = sheet.period, sheet.reporting
    if current is None or current.id == own.id:
        return []
    names = {"own": own.id, "own_title": own.title, "current": current.id, "current_title": current.title}
    action = t(
        "other_period.action",
        **names,
        template=template_name(current, sheet.agency.code),
        due=dmy(sheet.due or current.deadline),
        contact=rules.settings.contact_email,
    )
    return [t("other_period.notice", **names), action]


def read_meta(path: Path) -> dict[str, str]:
    """The items of the _meta sheet of a workbook written here (a feedback workbook's data
    period and source file), as text."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(t("sheets.meta")).to_python()
    return {str(r[0]): str(r[1]) for r in rows[1:] if len(r) >= 2 and r[0] != ""}


def read_due(path: Path, rules: Rules) -> dt.date:
    """By when a workbook written here is to be sent back, as its Identitas sheet shows it
    (a feedback workbook's due date: the one date its letters give)."""
    label = next(i.label for i in rules.fields.identity if i.key == "tenggat")
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(t("sheets.identitas")).to_python()
    return next(r[1] for r in rows if r[0] == label)


def write_templates(
    rules: Rules, period: Period, outbox: Path, agencies: Sequence[str] = (), generated=None
) -> list[Path]:
    """Write the blank template of each unit (when `agencies` is empty: every unit expected in
    the period, the K/L and the regions called in)."""
    codes = list(agencies) or [a.code for a in rules.expected(period.id)]
    day = generated or run_date()
    return [
        write_template(template_path(outbox, period, code), rules, Sheet(rules.get_agency(code), period, day))
        for code in codes
    ]
