"""xlsxwriter, faster where our workbooks are large.

Four shortcuts, the first three producing what xlsxwriter itself would write:
- formulas using only functions Excel 2007 knew skip xlsxwriter's "future function"
  rewriting (about 30 regexes per formula);
- `write_block` takes whole columns and makes their cells' XML a column at a time with
  array operations, instead of one library call per cell when writing and another when
  the sheet is saved (about 4 µs a cell, most of a large workbook's time). Values are
  mapped once per distinct value; strings go to the workbook's shared string table as
  with `write_string`. Each row is then one join of its cells' pieces on its reference;
- the shared strings that need no escaping (nearly all) are written many at a time
  instead of through four regular expressions each (a summary of 500,000 distinct
  strings: 1 s against 3.4 s);
- the parts are compressed at zlib level 1 instead of 6: a quarter of the time, files about
  a third larger (a summary workbook of 100,000 activities and 280,000 pairs: 4 s against
  16 s). Any zip reader opens them the same.
"""

from __future__ import annotations

import datetime as dt
import functools
import numbers
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xlsxwriter
import xlsxwriter.packager
import xlsxwriter.workbook
from xlsxwriter.format import Format
from xlsxwriter.sharedstrings import SharedStrings, SharedStringTable
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet, re_dynamic_function

_FUNCTION = re.compile(r"([A-Z][A-Z0-9.]*)\(")
_CLASSIC = {"IF", "AND", "OR", "NOT", "LEN", "COUNTIF", "ISNUMBER", "INT", "IFERROR", "VLOOKUP", "SUM", "SUMPRODUCT"}
_CHUNK = 16_384  # rows made into XML at a time, so the text held stays small
_MAX_UTF16 = 32_767  # Excel's limit for the text of one cell


@dataclass
class Cells:
    """One column of a block, from the block's first row down.

    kind: "string", "number", "date" (values that are not dates are left out), "value"
    (each value written as its type: date, number, or text) or "formula" (formula texts,
    with `results`, the values shown until the sheet is recalculated).
    Empty values (None, NaN, NaT, "") leave no cell, unless the cell has a format of its
    own (`format` given per cell), which an empty cell then shows. A cell whose format is
    None takes its column's format, as with xlsxwriter."""

    values: Sequence
    format: Format | Sequence[Format | None] | None = None
    kind: str = "string"
    results: Sequence | None = None


@dataclass
class _Column:
    col: int
    codes: np.ndarray  # each cell's number into `texts`, -1 where there is no cell
    texts: np.ndarray  # object: the XML after the style attribute of each distinct cell
    formats: Format | np.ndarray | None


@dataclass
class _Block:
    row: int
    length: int
    columns: list[_Column]
    height: float | None = None


class FastSheet(Worksheet):
    def __init__(self) -> None:
        super().__init__()
        self._blocks: list[_Block] = []

    def _prepare_formula(self, formula, expand_future_functions=False):
        if not formula.startswith("{") and _classic(formula):
            return formula.removeprefix("=")
        return super()._prepare_formula(formula, expand_future_functions)

    def write_block(self, row: int, columns: dict[int, Cells], height: float | None = None) -> None:
        """Write columns of equal length from `row` down, each row `height` points high if
        given (for wrapped text: LibreOffice does not fit the rows' heights to it). No other
        cell may be written in the block's rows (comments may)."""
        if self.constant_memory:  # rows are then written as they come, never through _write_rows
            raise ValueError("write_block needs a workbook without constant_memory")
        lengths = {len(c.values) for c in columns.values()}
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
        made = [self._column(col, cells) for col, cells in sorted(columns.items())]
        self._blocks.append(_Block(row, length, made, height))

    # ---- each column's cells as XML, but for the reference and the style ---------------
    def _column(self, col: int, cells: Cells) -> _Column:
        if cells.kind == "string" and pd.api.types.infer_dtype(cells.values, skipna=True) == "string":
            codes, texts = self._strings(cells.values)
        else:
            codes, texts = self._cells(cells)
        formats = cells.format
        if isinstance(formats, Format) or formats is None:
            formats = formats or self._column_format(col)
        else:  # one per cell: an empty cell with a format of its own is written blank
            formats = np.asarray(formats, dtype=object)
            codes[(codes < 0) & pd.notna(formats)] = len(texts)
            texts = np.append(texts, np.array(["/>"], dtype=object))
            formats = np.where(pd.isna(formats), self._column_format(col), formats)
        return _Column(col, codes, texts, formats)

    def _strings(self, values: Sequence) -> tuple[np.ndarray, np.ndarray]:
        """A column of texts (or missing values): each cell's number into the XML of its
        distinct texts (-1: no cell), made once per text."""
        codes, uniques = pd.factorize(np.asarray(values, dtype=object))  # missing: -1
        uniques = uniques.tolist()
        empty = uniques.index("") if "" in uniques else -1
        if empty >= 0:  # an empty text: no cell
            codes[codes == empty] = -1
            uniques[empty] = None
        texts = [f' t="s"><v>{i}</v></c>' if i is not None else "" for i in self._shared_indices(uniques)]
        self.str_table.count += int((codes >= 0).sum())  # each use counts
        return codes, np.asarray(texts, dtype=object)

    def _cells(self, cells: Cells) -> tuple[np.ndarray, np.ndarray]:
        """Each cell's number into the XML of the column's distinct cells (-1: no cell), and those."""
        values = np.asarray(cells.values, dtype=object)
        keep = pd.notna(values)
        keep[keep] = values[keep] != ""
        codes = np.full(len(values), -1, dtype=np.int64)
        if cells.kind == "formula":
            results = np.asarray(0 if cells.results is None else cells.results, dtype=object)
            texts = self._formulas(values[keep], np.broadcast_to(results, values.shape)[keep])
            codes[keep] = np.arange(len(texts))
        else:
            codes[keep], texts = self._values(pd.Series(values[keep], dtype=object), cells.kind)
        return codes, texts

    def _values(self, values: pd.Series, kind: str) -> tuple[np.ndarray, np.ndarray]:
        if kind == "value":  # each value as its type
            codes, texts = np.full(len(values), -1, dtype=np.int64), []
            by_type = values.map(_value_kind).to_numpy()
            for k in ("string", "number", "date"):
                at = by_type == k
                if at.any():
                    some, made = self._values(values[at].map(str) if k == "string" else values[at], k)
                    codes[at] = np.where(some >= 0, some + len(texts), -1)
                    texts += made.tolist()
            return codes, np.asarray(texts, dtype=object)
        if kind == "string" and pd.api.types.infer_dtype(values) != "string":
            values = values.astype(str)  # 1, 1.0 and True are one key to factorize, not one text
        if kind == "number":
            values = pd.to_numeric(values, errors="coerce").astype(float)
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        if kind == "string":
            texts = [f' t="s"><v>{i}</v></c>' for i in self._shared_indices(uniques.tolist())]
            self.str_table.count += len(codes)  # each use counts, as with write_string
        elif kind == "number":  # as xlsxwriter writes a number; not finite: no cell
            texts = [f"><v>{u:.16G}</v></c>" if np.isfinite(u) else None for u in uniques]
        elif kind == "date":  # only dates are written to a date column
            texts = [f"><v>{self._convert_date_time(u):.16G}</v></c>" if _is_date(u) else None for u in uniques]
        else:
            raise ValueError(f"unknown kind {kind!r}")
        none = np.array([x is None for x in texts], dtype=bool)
        return np.where(none[codes], -1, codes), np.asarray([x or "" for x in texts], dtype=object)

    def _formulas(self, formulas: np.ndarray, results: np.ndarray) -> np.ndarray:
        """<f> and <v> of formula cells as xlsxwriter writes them."""
        text = formulas.tolist()  # plain lists: a column is a few hundred formulas, pandas' overhead is most of it
        joined = "\n".join(text)
        if any(f.startswith("{") for f in text):
            raise ValueError("array formulas are not written in a block")
        if _classic(joined):
            text = [f.removeprefix("=") for f in text]  # _prepare_formula's shortcut, for the whole column at once
        elif re_dynamic_function.search(joined):
            raise ValueError("array formulas are not written in a block")
        else:
            text = [self._prepare_formula(f) for f in text]
        shown = [_result(r) for r in results.tolist()]
        cells = [f"{k}><f>{_escape(f)}</f><v>{_escape(v)}</v></c>" for f, (k, v) in zip(text, shown, strict=True)]
        return np.asarray(cells, dtype=object)

    def _shared_indices(self, values: list[str | None]) -> list[int | None]:
        """The shared string table's numbers of distinct texts (None: None), new texts added
        in order, as `_get_shared_string_index` adds them one call at a time (the caller
        counts the uses). Texts longer than a cell holds are cut as `write_string` cuts them."""
        table = self.str_table
        index = table.string_table  # text -> number, in the order the numbers were given
        if max(map(len, filter(None, values)), default=0) > _MAX_UTF16 // 2:  # None and '' alike: short
            values = [_cut(v) if v is not None else None for v in values]
        new = [v for v in dict.fromkeys(values) if v is not None and v not in index]
        index.update(zip(new, range(table.unique_count, table.unique_count + len(new)), strict=True))
        table.unique_count += len(new)
        return [index[v] if v is not None else None for v in values]

    def _column_format(self, col: int) -> Format | None:
        info = self.col_info.get(col)
        return info.column_format if info else None

    # ---- saving: the rows outside blocks as xlsxwriter writes them, each block in between
    def _write_rows(self) -> None:
        if not self._blocks:
            return super()._write_rows()
        first, last = self.dim_rowmin, self.dim_rowmax
        taken = [r for r, cells in self.table.items() if cells] + list(self.row_info)
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
        heads = [f'<c r="{xl_col_to_name(c.col)}' for c in b.columns]
        styles = [_styles(c.formats) for c in b.columns]  # numbered as the sheets are saved, as xlsxwriter does
        pieces: dict[tuple[int, int | None], np.ndarray] = {}
        for lo in range(0, b.length, _CHUNK):
            hi = min(lo + _CHUNK, b.length)
            refs = np.arange(b.row + lo + 1, b.row + hi + 1).astype(str).astype(object)
            present = np.array([c.codes[lo:hi] >= 0 for c in b.columns]).T  # row x column
            bits = np.ascontiguousarray(np.packbits(present, axis=1))
            which, patterns = pd.factorize(bits.view(f"S{bits.shape[1]}").ravel())  # the rows alike in their cells
            rows = np.full(hi - lo, "", dtype=object)
            for k in range(len(patterns)):
                here = np.flatnonzero(which == k)
                cols = np.flatnonzero(present[here[0]]).tolist()
                if cols:
                    rows[here] = _rows(b, cols, here + lo, refs[here], heads, styles, pieces)
            self.fh.write("".join(rows.tolist()))


def _rows(b: _Block, cols: list[int], at: np.ndarray, refs: np.ndarray, heads: list[str], styles: list,
          pieces: dict) -> list[str]:  # fmt: skip
    """The XML of the rows `at` of a block, which have cells in its columns `cols` only: each
    row one join on its reference, '<row r="' R '"><c r="A' R tail ... R tail, a cell's tail
    being its style, its body and the start of the next cell (or the row's end), made once
    per distinct cell (`pieces`, by column and next column)."""
    tails = []
    for c, following in zip(cols, [*cols[1:], None], strict=True):
        column, style = b.columns[c], styles[c]
        if (c, following) not in pieces:
            end = heads[following] if following is not None else "</row>"
            pieces[c, following] = (style if isinstance(style, str) else "") + column.texts + end
        tail = pieces[c, following][column.codes[at]]
        tails.append((tail if isinstance(style, str) else style[at] + tail).tolist())
    high = f' ht="{b.height:g}" customHeight="1"' if b.height else ""
    start = ('<row r="', '"' + high + ">" + heads[cols[0]])
    return [r.join((*start, *t)) for r, *t in zip(refs.tolist(), *tails, strict=True)]


def _styles(formats: Format | np.ndarray | None) -> str | np.ndarray:
    """The style attributes: one string, or one per cell (closing the reference's quote)."""
    if not isinstance(formats, np.ndarray):
        return f'" s="{formats._get_xf_index()}"' if isinstance(formats, Format) else '"'
    codes, uniques = pd.factorize(formats, use_na_sentinel=False)
    return np.asarray([_styles(f) for f in uniques], dtype=object)[codes]


def _cut(text: str) -> str:
    """A text cut to the 32,767 UTF-16 units a cell holds, as xlsxwriter's write_string cuts it."""
    if len(text) > _MAX_UTF16 // 2 and len(text.encode("utf-16-le")) > 2 * _MAX_UTF16:
        return text.encode("utf-16-le")[: 2 * _MAX_UTF16].decode("utf-16-le", "ignore")
    return text


def _classic(formulas: str) -> bool:
    """Whether formulas use only functions Excel 2007 knew and no structured references:
    they need none of xlsxwriter's future-function rewriting."""
    return "[" not in formulas and set(_FUNCTION.findall(formulas)) <= _CLASSIC


def _escape(text: str) -> str:
    """XML escapes of text in an element, as xlsxwriter makes them."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _is_date(value) -> bool:
    return isinstance(value, dt.date | dt.time | dt.timedelta)


def _value_kind(value) -> str:
    if _is_date(value):
        return "date"
    if isinstance(value, numbers.Number) and not isinstance(value, bool):
        return "number"
    return "string"


def _result(value) -> tuple[str, str]:
    """The type attribute and the text of a formula's value."""
    if value is None or value != value:  # none or NaN: empty
        return "", ""
    if isinstance(value, bool):
        return ' t="b"', str(int(value))
    return (' t="str"' if isinstance(value, str) and value else ""), str(value)


class _SharedStrings(SharedStrings):
    """xlsxwriter's shared strings part, the strings that need no escaping (nearly all)
    written many at a time instead of through four regular expressions each."""

    def _write_sst_strings(self) -> None:
        strings = self.string_table.string_array
        done = 0
        for k in _escaped(strings):
            self._write_plain(strings[done:k])
            self._write_si(strings[k])
            done = k + 1
        self._write_plain(strings[done:])

    def _write_plain(self, plain: list[str]) -> None:
        if plain:
            self.fh.write("<si><t>" + "</t></si><si><t>".join(plain) + "</t></si>")


def _escaped(strings: list[str]) -> list[int]:
    """The positions of the strings that xlsxwriter's _write_si changes or marks: control
    characters and their escapes, XML's special characters, whitespace at either end
    (xml:space), rich strings. Found by a few searches of the strings joined on a separator
    (a string holding the separator itself may be marked in vain, never missed), each
    match placed by its last character; one search per string took 2 µs each."""
    if not strings:
        return []
    joined = _SEPARATOR.join(strings)
    ends = np.cumsum(np.fromiter(map(len, strings), dtype=np.int64, count=len(strings)) + 1)  # past the separator
    found = [m.end() - 1 for pattern in _NEEDS_ESCAPING for m in pattern.finditer(joined)]
    found += [0] if joined[:1].isspace() else []
    found += [len(joined) - 1] if joined[-1:].isspace() else []
    return np.unique(np.searchsorted(ends, np.asarray(found, dtype=np.int64), side="right")).tolist()


_SEPARATOR = "\ue000"  # a private-use character: neither special nor whitespace
_NEEDS_ESCAPING = [  # one search each: as one expression they took four times as long
    re.compile(r"[\x00-\x1f&<>\ufffe\uffff]"),
    re.compile(r"_x[0-9a-fA-F]{4}_"),
    re.compile(r"\s\ue000"),  # whitespace at the end of a string
    re.compile(r"\ue000\s"),  # and at the start of the next
]


class _StringTable(SharedStringTable):
    """xlsxwriter's shared string table, put in order without sorting: its numbers are given
    in the order the texts are added, here as by xlsxwriter."""

    def _sort_string_data(self) -> None:
        self.string_array = list(self.string_table)
        self.string_table = {}


class Workbook(xlsxwriter.Workbook):
    """An xlsxwriter workbook whose worksheets are FastSheets."""

    worksheet_class = FastSheet

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.str_table = _StringTable()  # before any worksheet takes it

    def _store_workbook(self) -> None:
        """xlsxwriter's own, with its zip file made at COMPRESSION (it offers no option) and
        its shared strings written by _SharedStrings."""
        xlsxwriter.workbook.ZipFile = functools.partial(zipfile.ZipFile, compresslevel=COMPRESSION)
        xlsxwriter.packager.SharedStrings = _SharedStrings
        try:
            super()._store_workbook()
        finally:
            xlsxwriter.workbook.ZipFile = zipfile.ZipFile
            xlsxwriter.packager.SharedStrings = SharedStrings


COMPRESSION = 1  # zlib level of the large workbooks' parts
