"""xlsxwriter, faster where our workbooks are large.

Two shortcuts, both producing what xlsxwriter itself would write:
- formulas using only functions Excel 2007 knew skip xlsxwriter's "future function"
  rewriting (about 30 regexes per formula);
- `write_block` takes whole columns and makes their cells' XML a column at a time with
  array operations, instead of one library call per cell when writing and another when
  the sheet is saved (about 4 µs a cell, most of a large summary's time). Values are
  mapped once per distinct value; strings go to the workbook's shared string table as
  with `write_string`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

_FUNCTION = re.compile(r"([A-Z][A-Z0-9.]*)\(")
_CLASSIC = {"IF", "AND", "OR", "NOT", "LEN", "COUNTIF", "ISNUMBER", "INT", "IFERROR", "VLOOKUP", "SUM", "SUMPRODUCT"}
KINDS = ("string", "number", "date")
_CHUNK = 16_384  # rows made into XML at a time, so the text held stays small
_MAX_UTF16 = 32_767  # Excel's limit for the text of one cell


@dataclass
class _Column:
    col: int
    text: np.ndarray  # object: the <v> text of each row's cell, None where the cell is empty
    cell_format: Format | None
    shared: bool  # a shared-string index rather than a number


@dataclass
class _Block:
    row: int
    length: int
    columns: list[_Column]


class FastSheet(Worksheet):
    def __init__(self) -> None:
        super().__init__()
        self._blocks: list[_Block] = []

    def _prepare_formula(self, formula, expand_future_functions=False):
        body = formula[1:] if formula.startswith("=") else formula
        if "[" not in body and not formula.startswith("{") and set(_FUNCTION.findall(body)) <= _CLASSIC:
            return body
        return super()._prepare_formula(formula, expand_future_functions)

    def write_block(self, row: int, columns: dict[int, tuple[Sequence, Format | None, str]]) -> None:
        """Write columns of equal length from `row` down: {column: (values, format, kind)},
        kind being "string", "number" or "date". Missing values (None, NaN, NaT, "") and,
        in a date column, values that are not dates leave the cell empty. No other cell may
        be written in the block's rows."""
        lengths = {len(values) for values, _, _ in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        length = lengths.pop() if lengths else 0
        if not length:
            return
        last = row + length - 1
        for b in self._blocks:
            if row <= b.row + b.length - 1 and b.row <= last:
                raise ValueError(f"rows {row + 1}-{last + 1} overlap another block")
        if self._check_dimensions(row, min(columns)) or self._check_dimensions(last, max(columns)):
            raise ValueError(f"rows {row + 1}-{last + 1} do not fit in a worksheet")
        made = [self._column(col, values, fmt, kind) for col, (values, fmt, kind) in sorted(columns.items())]
        self._blocks.append(_Block(row, length, made))

    def _column(self, col: int, values: Sequence, cell_format: Format | None, kind: str) -> _Column:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}")
        values = pd.Series(values, copy=False).reset_index(drop=True)
        if kind == "string":
            keep = values.notna() & values.ne("")
        elif kind == "number":
            values = pd.to_numeric(values, errors="coerce").astype(float)
            keep = pd.Series(np.isfinite(values.to_numpy()))
        else:
            keep = values.notna()
        kept = values[keep]
        if kind == "string" and pd.api.types.infer_dtype(kept) != "string":
            kept = kept.astype(str)  # 1, 1.0 and True are one key to factorize, not one text
        codes, uniques = pd.factorize(kept)
        if kind == "string":
            texts = [str(self._shared_index(u)) for u in uniques]
            self.str_table.count += len(codes) - len(uniques)  # each use counts, as with write_string
        elif kind == "number":
            texts = [f"{u:.16G}" for u in uniques]  # as xlsxwriter writes a number
        else:  # only dates are written to a date column
            texts = [self._serial(u) for u in uniques]
        text = np.full(len(values), None, dtype=object)
        text[keep.to_numpy(bool)] = np.asarray(texts, dtype=object)[codes] if len(codes) else []
        return _Column(col, text, cell_format or self._column_format(col), kind == "string")

    def _shared_index(self, value) -> int:
        text = value if isinstance(value, str) else str(value)
        if len(text) > _MAX_UTF16 // 2 and len(text.encode("utf-16-le")) > 2 * _MAX_UTF16:
            text = text.encode("utf-16-le")[: 2 * _MAX_UTF16].decode("utf-16-le", "ignore")
        return self.str_table._get_shared_string_index(text)

    def _serial(self, value) -> str | None:
        if not isinstance(value, dt.date | dt.time | dt.timedelta):
            return None
        return f"{self._convert_date_time(value):.16G}"

    def _column_format(self, col: int) -> Format | None:
        info = self.col_info.get(col)
        return info.column_format if info else None

    # ---- saving: the rows outside blocks as xlsxwriter writes them, each block in between
    def _write_rows(self) -> None:
        if not self._blocks:
            return super()._write_rows()
        first, last = self.dim_rowmin, self.dim_rowmax
        taken = [r for r, cells in self.table.items() if cells] + list(self.row_info) + list(self.comments)
        try:
            start = first
            for b in sorted(self._blocks, key=lambda b: b.row):
                end = b.row + b.length
                if any(b.row <= r < end for r in taken):
                    raise ValueError(f"a cell or row format was written inside the block at rows {b.row + 1}-{end}")
                if start < b.row:
                    self.dim_rowmin, self.dim_rowmax = start, b.row - 1
                    super()._write_rows()
                self._write_block(b)
                start = end
            if start <= last:
                self.dim_rowmin, self.dim_rowmax = start, last
                super()._write_rows()
        finally:
            self.dim_rowmin, self.dim_rowmax = first, last

    def _write_block(self, b: _Block) -> None:
        parts = []
        for c in b.columns:
            style = f' s="{c.cell_format._get_xf_index()}"' if c.cell_format is not None else ""
            shared = ' t="s"' if c.shared else ""
            parts.append((c, f'<c r="{xl_col_to_name(c.col)}', f'"{style}{shared}><v>'))
        for lo in range(0, b.length, _CHUNK):
            hi = min(lo + _CHUNK, b.length)
            refs = np.arange(b.row + lo + 1, b.row + hi + 1).astype(str).astype(object)
            cells = np.full(hi - lo, "", dtype=object)
            for c, head, mid in parts:
                text = c.text[lo:hi]
                at = np.flatnonzero(pd.notna(text))
                cells[at] += head + refs[at] + mid + text[at] + "</v></c>"
            at = np.flatnonzero(cells != "")
            self.fh.write("".join(('<row r="' + refs[at] + '">' + cells[at] + "</row>").tolist()))


class Workbook(xlsxwriter.Workbook):
    """An xlsxwriter workbook whose worksheets are FastSheets."""

    worksheet_class = FastSheet
