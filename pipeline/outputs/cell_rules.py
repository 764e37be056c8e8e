"""fields.yaml in Excel's own terms, for the agency workbook: the data validation of an input
cell (dropdown, date and number bounds, length, input hint) and the formulas that mark the
cells of a started row that break a rule. The template writer applies them; Excel and
LibreOffice evaluate them while the focal point types."""

from __future__ import annotations

import datetime as dt
import numbers

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from ..core.formatting import dmy
from ..core.rules import Rules
from ..core.schema import Column
from ..core.texts import t
from .reproducible import fixed_datetime

ROW = "\x00"  # row-number placeholder in formulas built once per column
FILL_KEY = "_isi"  # hidden helper column: 1 when the row holds any content
CHECK_KEY = "_cek"  # hidden helper column: 1 when a started row still breaks a rule


def ref_name(source: str) -> str:
    """Defined name of the reference range listing the allowed values of `source`."""
    names = {"catalogue": "kode_aksi", "provinces": "provinsi", "regencies": "kabkota"}
    return "daftar_" + names.get(source, source.removeprefix("list:"))


def province_list_name(kemendagri: str) -> str:
    """Defined name of the kab/kota of one province (by its Kemendagri code: a valid name
    whatever the province is called)."""
    return f"{ref_name('regencies')}_{kemendagri}"


PROVINCE_LISTS = ref_name("regencies") + "_provinsi"  # province name -> the defined name of its kab/kota


class CellRules:
    """The rules of the Laporan sheet's cells; `col` maps a column key to its 0-based column."""

    def __init__(self, rules: Rules, col: dict[str, int], columns: list[Column] | None = None) -> None:
        self.rules, self.col = rules, col
        self.columns = columns if columns is not None else rules.fields.columns

    # ---- formulas ------------------------------------------------------------------
    def cell(self, key: str, r: int | None, absolute_col: bool = False) -> str:
        """Cell of column `key` in row `r`; r=None leaves the row as a placeholder."""
        letter = ("$" if absolute_col else "") + xl_col_to_name(self.col[key])
        return f"{letter}{ROW if r is None else r + 1}"

    def formula(self, text: str, r: int | None) -> str:
        """A fields.yaml formula, its {key}s made cells of row `r`."""
        return text.format(**{k: self.cell(k, r) for k in self.col})

    def fill_formula(self, r: int | None) -> str:
        cells = [self.cell(c.key, r) for c in self.columns if c.content]
        return "IF(" + "+".join(f"LEN({x})" for x in cells) + ">0,1,0)"

    def problem_conditions(self, col: Column, r: int | None) -> list[str]:
        """Excel conditions (without the 'row started' part) that mark this cell."""
        cell = self.cell(col.key, r)
        conds = []
        if col.required:
            conds.append(f"LEN({cell})=0")
        for other, values in (col.required_if or {}).items():
            ref = self.cell(other, r, absolute_col=True)
            hit = ",".join(f'{ref}="{v}"' for v in values)
            conds.append(f"AND(LEN({cell})=0,OR({hit}))")
        if col.type in ("choice", "code"):
            # a plain comparison with each allowed value: COUNTIF would read *, ? and ~ as
            # wildcards and a leading <, > or = as a comparison ("P*" would pass)
            conds.append(f"AND(LEN({cell})>0,SUMPRODUCT(--({ref_name(col.source)}={cell}))=0)")
        elif col.type in ("date", "integer", "number", "money"):
            # text in the cell is wrong before any comparison: IF, not OR, so that INT() never
            # sees text (OR evaluates every argument; the #VALUE! would spread to the counter)
            if col.type == "date":
                lo, hi = _serial(self.rules.settings.plan_start), _serial(self.rules.settings.plan_end)
                bad = [f"{cell}<{lo}", f"{cell}>{hi}"]
            else:
                bad = [f"{cell}<{_num(col.min)}"] if col.min is not None else []
                bad += [f"{cell}>{_num(col.max)}"] if col.max is not None else []
                bad += [f"{cell}<>INT({cell})"] if col.type == "integer" else []
            wrong = f"OR({','.join(bad)})" if bad else "FALSE"
            conds.append(f"AND(LEN({cell})>0,IF(ISNUMBER({cell}),{wrong},TRUE))")
        if col.max_length:
            conds.append(f"LEN({cell})>{col.max_length}")
        return conds

    def checks(self, rows: list[dict], filled: list[int]) -> list[int]:
        """What check_formula gives on each of `rows` (1: a started row breaks a rule), so
        that the workbook stores the value Excel and LibreOffice would compute: an office
        suite that does not recalculate on opening then shows the right count too. A cell
        is taken as the formulas see it: a missing value is empty text, a date a number."""
        started = [i for i, f in enumerate(filled) if f == 1]
        out = np.zeros(len(rows), dtype=int)
        text = {c.key: [_as_text(rows[i].get(c.key)) for i in started] for c in self.columns}
        bad = np.zeros(len(started), dtype=bool)
        for col in (c for c in self.columns if c.input):
            v = text[col.key]
            blank = np.array([isinstance(x, str) and x == "" for x in v], dtype=bool)
            if col.required:
                bad |= blank
            for other, values in (col.required_if or {}).items():
                wanted = {str(x).casefold() for x in values}
                bad |= blank & np.array([str(x).casefold() in wanted for x in text[other]], dtype=bool)
            if col.type in ("choice", "code"):
                allowed = {str(x).casefold() for x in self.rules.choices(col.source)}
                known = [isinstance(x, str) and x.casefold() in allowed for x in v]  # a number never equals text
                bad |= ~blank & ~np.array(known, dtype=bool)
            elif col.type == "date":
                lo, hi = _serial(self.rules.settings.plan_start), _serial(self.rules.settings.plan_end)
                wrong = [not _is_number(x) or not lo <= _as_serial(x) <= hi for x in v]
                bad |= ~blank & np.array(wrong, dtype=bool)
            elif col.type in ("integer", "number", "money"):
                bad |= ~blank & np.array([_wrong_number(x, col) for x in v], dtype=bool)
            if col.max_length:
                bad |= np.array([len(str(x)) > col.max_length for x in v], dtype=bool)
        out[started] = bad
        return out.tolist()

    def check_formula(self, r: int | None) -> str:
        conds = [c for col in self.columns if col.input for c in self.problem_conditions(col, r)]
        fill = self.cell(FILL_KEY, r, absolute_col=True)
        return f"IF(AND({fill}=1,OR({','.join(conds)})),1,0)"

    # ---- data validation -----------------------------------------------------------
    def regency_list(self, item, r: int | None) -> str:
        """The dependent list of a kab/kota cell: the defined name of its row's province's
        kab/kota, looked up by the province's name (INDIRECT, which Excel and LibreOffice both
        evaluate in a list's source); every kab/kota while the province is none (blank,
        Nasional, Luar Negeri)."""
        every = ref_name(item.source)
        within = getattr(item, "within", None)
        if not within or within not in self.col:
            return every
        province = self.cell(within, r, absolute_col=True)
        return f'INDIRECT(IFERROR(VLOOKUP({province},{PROVINCE_LISTS},2,FALSE),"{every}"))'

    def validation(self, item, r: int | None = None) -> dict | None:
        """xlsxwriter's data_validation options for a column or Identitas item (None: nothing
        to check or hint); `r`: the first row it applies to (a formula's relative row)."""
        opts: dict = {"error_title": t("template.validation_title"), "error_type": "stop"}
        if item.hint:
            opts.update(input_title=item.label[:32], input_message=item.hint[:255])
        if item.type == "regency":  # a suggestion: another name may be typed, checked on return
            opts.update(validate="list", source="=" + self.regency_list(item, r), error_type="warning",
                        error_message=t("template.regency_error"))  # fmt: skip
        elif item.type in ("choice", "code"):
            opts.update(validate="list", source="=" + ref_name(item.source), error_message=t("template.list_error"))
        elif item.type == "date":
            lo, hi = self.rules.settings.plan_start, self.rules.settings.plan_end
            opts.update(
                validate="date",
                criteria="between",
                minimum=fixed_datetime(lo),
                maximum=fixed_datetime(hi),
                error_message=t("template.date_error", min=dmy(lo), max=dmy(hi)),
            )
        elif item.type in ("integer", "number", "money"):
            lo = item.min if getattr(item, "min", None) is not None else 0
            hi = getattr(item, "max", None)
            bounds = (
                t("template.bounds_between", min=_num(lo), max=_num(hi))
                if hi
                else t("template.bounds_min", min=_num(lo))
            )
            key = "integer_error" if item.type == "integer" else "number_error"
            opts.update(
                validate="integer" if item.type == "integer" else "decimal",
                criteria="between" if hi is not None else ">=",
                error_message=t(f"template.{key}", bounds=bounds),
            )
            if hi is not None:
                opts.update(minimum=lo, maximum=hi)
            else:
                opts.update(value=lo)
        elif getattr(item, "max_length", None):
            opts.update(
                validate="length",
                criteria="<=",
                value=item.max_length,
                error_message=t("template.length_error", max=item.max_length),
            )
        else:
            opts.update(validate="any")
            opts.pop("error_title")
            opts.pop("error_type")
            if not item.hint:
                return None
        return opts


def _serial(d: dt.date) -> int:
    """Excel serial number of a date (1900 system)."""
    return (d - dt.date(1899, 12, 30)).days


def _as_text(x) -> object:
    """A cell's value as a formula sees it: a missing value is empty text."""
    return "" if not isinstance(x, str) and pd.isna(x) else x


def _is_number(x) -> bool:
    """Whether Excel holds the cell as a number (dates included, TRUE/FALSE not)."""
    return isinstance(x, numbers.Number | dt.date) and not isinstance(x, bool)


def _wrong_number(x, col: Column) -> bool:
    """Whether a filled cell of a number column breaks its rule (a date is its serial number)."""
    if not _is_number(x):
        return True
    x = _as_serial(x)
    return (
        (col.min is not None and x < col.min)
        or (col.max is not None and x > col.max)
        or (col.type == "integer" and not x.is_integer())
    )


def _as_serial(x) -> float:
    """A cell's number as Excel holds it: a date as its serial number."""
    if isinstance(x, dt.datetime):
        return _serial(x.date()) + (x - dt.datetime.combine(x.date(), dt.time(), x.tzinfo)).total_seconds() / 86400
    if isinstance(x, dt.date):
        return float(_serial(x))
    return float(x)


def _num(x: float | None) -> str:
    """A bound as Excel reads it in a formula (and as the focal point is asked to type it)."""
    return str(int(x)) if x is not None and float(x).is_integer() else str(x)
