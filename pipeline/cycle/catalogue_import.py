"""Turn an action matrix workbook (shaped like the Perpres annex) into rules/catalogue.yaml.

Expected header labels (case-insensitive, any column order, on any of the first rows):
one column per grouping level (named as in the current catalogue's `levels`, e.g. Pilar,
Fokus), Kode Aksi, Aksi, Masalah/Kebutuhan, Keluaran, Indikator, Satuan, Target,
Penanggung Jawab, Instansi Terkait. Group cells left blank (merged in the original)
repeat the value above. Agencies are matched by code, name or alias.

Group codes follow the action codes when those are hierarchical (action 1.2.3 is in group
1, then 1.2), else the groups' order. A number a name cell starts with is dropped when it
repeats that code ("1.2 Kesiapsiagaan", "Pilar I. Pencegahan", "b) ..." for group 1.2;
"1.2.3 Pelatihan" for action 1.2.3), since the report writes the code itself. Every cell
that cannot be read is collected, and the matrix is refused with all of them at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from python_calamine import CalamineWorkbook
from xlsxwriter.utility import xl_col_to_name

from ..core.errors import RanpeError
from ..core.files import write_text
from ..core.formatting import angka
from ..core.rules import Rules
from ..core.schema import CatalogueFile
from ..core.texts import t
from ..intake.normalise import clean_text, parse_code, parse_number

COLUMNS = {
    "code": ["kode aksi", "kode", "no aksi"],
    "title": ["aksi", "uraian aksi"],
    "problem": ["masalah/kebutuhan", "masalah", "kebutuhan"],
    "output": ["keluaran", "output"],
    "indicator": ["indikator"],
    "unit": ["satuan"],
    "target": ["target"],
    "lead": ["penanggung jawab", "penanggungjawab", "k/l penanggung jawab"],
    "support": ["instansi terkait", "k/l terkait", "pendukung"],
}
REQUIRED = ("code", "title", "lead")  # and one column per level
PREVIEW_ACTIONS = 5
PREVIEW_WIDTH = 70  # characters of an action's title shown in the preview
_SPLIT = re.compile(r"[;\n]+")  # between agencies; commas too, unless inside a name (see _agencies)
_COLUMN_NUMBER = re.compile(r"\(?\d+\)?")  # a row under the header numbering the columns: (1) (2) ...
_DIGIT_END = r"(?:\s*[.):\-–—]\s*|\s+)"  # after a number: '1. ', '1) ', '1 - ', '1 '
_WORD_END = r"\s*[.)]\s*"  # after a letter or roman numeral: 'A. ', 'b) ' (never 'A ' or 'E-')
_ROMAN = ((50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))

Path_ = tuple[tuple[str, str], ...]  # the groups above an action, (code, name), outermost first


@dataclass(frozen=True)
class Imported:
    """What the import read, for the officer to check: counts per level (the levels, then the
    actions) and the first actions with the groups above them."""

    counts: list[tuple[str, int]]
    first: list[tuple[Path_, dict]]
    levels: list[str]


@dataclass(frozen=True)
class _Sheet:
    """The matrix's first sheet with its header row found."""

    rows: list[list]
    header: int
    cols: dict[str, int]

    def where(self, key: str) -> str:
        """The column as the user sees it: letter and header label."""
        return t("errors.matrix_column", letter=xl_col_to_name(self.cols[key]), label=self.label(key))

    def label(self, key: str) -> str:
        return _text(self.rows[self.header][self.cols[key]])


@dataclass(frozen=True)
class _Row:
    number: int  # as Excel shows it
    groups: tuple[str, ...]  # the group names, blank cells filled from above
    cells: dict[str, object]

    @property
    def code(self) -> str:
        return str(parse_code(self.cells.get("code")).value or "")

    def text(self, key: str) -> str:
        return _text(self.cells.get(key))


def _text(value: object) -> str:
    return str(clean_text(value).value or "")


def _fold(x: object) -> str:
    return " ".join(str(x).split()).casefold()


def import_matrix(matrix: Path, rules: Rules, out: Path) -> Imported:
    """Read `matrix`, write a checked catalogue YAML to `out` and return what was read. Every
    cell that cannot be read is listed in one RanpeError, and then nothing is written."""
    cat = rules.catalogue
    sheet = _read(matrix, cat.levels)
    rows = list(_rows(sheet, len(cat.levels)))
    build = _Build(sheet, rules, _hierarchical_example([r.code for r in rows], len(cat.levels)))
    for row in rows:
        build.add(row)
    if build.problems:
        raise _refusal(build.problems, sheet, matrix, out)
    doc = {"sample": False, "title": cat.title, "levels": cat.levels, "action_label": cat.action_label}
    doc["groups"] = build.tree
    CatalogueFile.model_validate(doc)
    header_text = f"# RAN PE action catalogue imported from {matrix.name} by `ranpe catalogue import`.\n"
    write_text(out, header_text + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120))
    counts = [(level, _count(build.tree, depth)) for depth, level in enumerate(cat.levels)]
    counts.append((cat.action_label, len(build.placed)))
    return Imported(counts, build.placed[:PREVIEW_ACTIONS], cat.levels)


def _read(matrix: Path, levels: list[str]) -> _Sheet:
    try:
        rows = CalamineWorkbook.from_path(str(matrix)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several error types for unreadable files
        raise RanpeError(t("errors.matrix_unreadable", file=matrix, problem=exc)) from None
    wanted = COLUMNS | {f"level{i}": [_fold(lv)] for i, lv in enumerate(levels)}
    needed = [*REQUIRED, *(f"level{i}" for i in range(len(levels)))]
    for r, row in enumerate(rows[:20]):
        labels = {_fold(c): i for i, c in enumerate(row) if str(c).strip()}
        found = {k: next((labels[n] for n in names if n in labels), None) for k, names in wanted.items()}
        if all(found[k] is not None for k in needed):
            return _Sheet(rows, r, {k: v for k, v in found.items() if v is not None})
    names = ", ".join([*(COLUMNS[k][0].title() for k in REQUIRED), *levels])
    raise RanpeError(t("errors.matrix_columns", file=matrix, columns=names))


def _rows(sheet: _Sheet, depth: int) -> Iterator[_Row]:
    """The rows holding an action, with their group names; a row naming only groups (a
    heading row of the annex) sets them for the rows below."""
    current = [""] * depth
    for number, row in enumerate(sheet.rows[sheet.header + 1 :], start=sheet.header + 2):
        cells = {k: row[i] for k, i in sheet.cols.items() if i < len(row)}
        texts = {k: _text(v) for k, v in cells.items()}
        if all(_COLUMN_NUMBER.fullmatch(v) for v in texts.values() if v):  # blank, or numbering the columns
            continue
        current = [texts.get(f"level{i}") or current[i] for i in range(depth)]
        if any(texts.get(k) for k in COLUMNS):
            yield _Row(number, tuple(current), cells)


def _hierarchical_example(codes: list[str], depth: int) -> str:
    """An action code that carries its groups' codes (1.2.3 for an action of group 1.2) when
    most of the matrix's codes do, else ''."""
    codes = [c for c in codes if c]
    deep = [c for c in codes if len(c.split(".")) > depth]
    return deep[0] if len(deep) * 2 > len(codes) else ""


@dataclass
class _Build:
    """The catalogue tree, built one matrix row at a time, with the problems found."""

    sheet: _Sheet
    rules: Rules
    example: str  # a hierarchical action code, '' when the codes are not hierarchical
    tree: list[dict] = field(default_factory=list)
    placed: list[tuple[Path_, dict]] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (row, column key, text)
    seen: dict[str, int] = field(default_factory=dict)  # action code -> its row

    def problem(self, row: _Row, key: str, text: str) -> None:
        self.problems.append((row.number, key, text))

    def add(self, row: _Row) -> None:
        code = row.code
        levels = self.rules.catalogue.levels
        for key in ("code", "title", "lead"):
            if not row.text(key):
                self.problem(row, key, t("errors.matrix_missing", label=self.sheet.label(key)))
        for i, level in enumerate(levels):
            if not row.groups[i]:
                self.problem(row, f"level{i}", t("errors.matrix_missing_group", level=level))
        if code in self.seen:
            self.problem(row, "code", t("errors.matrix_duplicate", code=code, first=self.seen[code]))
        action = self.action(row, code)
        if not code or code in self.seen or not all(row.groups):
            return
        self.seen[code] = row.number
        placed = self.place(row, code)
        if placed is not None:
            placed[0].append(action)
            self.placed.append((placed[1], action))

    def action(self, row: _Row, code: str) -> dict:
        title = _strip(row.text("title"), code, self.rules.catalogue.action_label, position=False)
        action = {"code": code, "title": title}
        action.update({k: row.text(k) for k in ("problem", "output", "indicator", "unit") if row.text(k)})
        target = parse_number(row.cells.get("target"))
        if target.error:
            self.problem(row, "target", t("errors.matrix_target", value=row.text("target")))
        elif target.value is not None:
            value = float(target.value)
            action["target"] = int(value) if value.is_integer() else value
        action["lead"] = self.agencies(row, "lead")
        action["support"] = self.agencies(row, "support")
        return action

    def agencies(self, row: _Row, key: str) -> list[str]:
        """Agency codes of a cell listing names separated by ';', line breaks or commas (a
        comma inside a known name, 'Kementerian Pendidikan Tinggi, Sains, dan Teknologi', stays)."""
        codes = []
        for line in _SPLIT.split(row.text(key)):
            parts = [p.strip() for p in line.split(",")]
            while parts:
                n = next((n for n in range(len(parts), 0, -1) if self.rules.find_agencies(", ".join(parts[:n]))), 1)
                name, parts = ", ".join(parts[:n]), parts[n:]
                found = self.rules.find_agencies(name)
                if len(found) == 1:
                    codes.append(found[0])
                elif found:
                    choices = " / ".join(self.rules.agency_by_code[c].short for c in found)
                    self.problem(row, key, t("errors.matrix_agency_ambiguous", name=name, choices=choices))
                elif name.strip("-–—"):  # a dash: none
                    self.problem(row, key, t("errors.matrix_agency", name=name))
        return codes

    def place(self, row: _Row, code: str) -> tuple[list[dict], Path_] | None:
        """The actions list of the row's innermost group (created when new) and the groups
        above; None, with a problem, when the code does not fit the groups."""
        levels, parts = self.rules.catalogue.levels, code.split(".")
        hierarchical = bool(self.example)
        if hierarchical and len(parts) <= len(levels):
            self.problem(row, "code", t("errors.matrix_code_shape", code=code, example=self.example))
            return None
        siblings, path = self.tree, []
        for depth, (level, raw) in enumerate(zip(levels, row.groups, strict=True)):
            named = next((g for g in siblings if _strip(raw, g["code"], level) == g["name"]), None)
            own = ".".join(parts[: depth + 1]) if hierarchical else str(len(siblings) + 1)
            coded = next((g for g in siblings if g["code"] == own), None) if hierarchical else named
            if named is not coded:
                key, fmt = ("matrix_code_group", named) if named else ("matrix_code_taken", coded)
                self.problem(row, "code", t(f"errors.{key}", code=code, level=level, group=fmt["code"],
                                            name=fmt["name"], cell=_strip(raw, own, level)))  # fmt: skip
                return None
            group = named or {"code": own, "name": _strip(raw, own, level)}
            if named is None:
                siblings.append(group)
            path.append((group["code"], group["name"]))
            siblings = group.setdefault("groups" if depth < len(levels) - 1 else "actions", [])
        return siblings, tuple(path)


def _strip(text: str, code: str, label: str, position: bool = True) -> str:
    """`text` without a leading number that repeats `code`, optionally after the level's label:
    '1.2 X', '1.2. X', 'Fokus 1.2: X' and, for a group (`position`), its number among its
    siblings as a number, roman numeral or letter: '2) X', 'II. X', 'b. X'. Other text is kept
    ('2 Kali Pelatihan' for action 1.1.3); so is a number followed by a digit ('1.1.2 X' for 1.1)."""
    last = code.rpartition(".")[2]
    numbers = [code, last] if position else [code]
    words = []
    if position and last.isdigit() and int(last) > 0:
        n = int(last)
        words = [_roman(n), *([chr(ord("A") + n - 1)] if n <= 26 else [])]
    alternatives = [f"(?:{'|'.join(map(re.escape, numbers))}){_DIGIT_END}"]
    if words:
        alternatives += [f"(?:{'|'.join(words)}){_WORD_END}", f"(?-i:{_roman(int(last))})\\s+"]
    pattern = rf"(?:{re.escape(label)}\s*)?(?:{'|'.join(alternatives)})(?=[^\d\s])"
    m = re.match(pattern, text, re.IGNORECASE)
    return text[m.end() :] if m else text


def _roman(n: int) -> str:
    out = ""
    for value, letters in _ROMAN:
        q, n = divmod(n, value)
        out += letters * q
    return out


def _count(groups: list[dict], depth: int) -> int:
    if depth == 0:
        return len(groups)
    return sum(_count(g.get("groups", []), depth - 1) for g in groups)


def _refusal(problems: list[tuple[int, str, str]], sheet: _Sheet, matrix: Path, out: Path) -> RanpeError:
    """One message listing every problem, the rows with the same problem in one line."""
    rows: dict[tuple[str, str], list[int]] = {}
    for number, key, text in problems:
        rows.setdefault((key, text), []).append(number)
    lines = [
        t("errors.matrix_problem", rows=", ".join(map(str, numbers)), column=sheet.where(key), problem=text)
        for (key, text), numbers in rows.items()
    ]
    n = len({number for number, _, _ in problems})
    return RanpeError("\n".join([t("errors.matrix_refused", file=matrix, rows=n, out=out), *lines]))


def preview(imported: Imported, rules: Rules) -> list[str]:
    """The lines that show the officer what was read: counts per level, then the first
    actions under their groups, with lead and supporting agencies and target."""
    counts = ", ".join(t("cli.catalogue_count", n=n, label=label) for label, n in imported.counts)
    lines = [t("cli.catalogue_read", counts=counts), t("cli.catalogue_first", n=len(imported.first))]
    shown: Path_ = ()
    for path, action in imported.first:
        lines += [
            t("cli.catalogue_group", indent="  " * depth, level=imported.levels[depth], code=code, name=name)
            for depth, (code, name) in enumerate(path)
            if path[: depth + 1] != shown[: depth + 1]
        ]
        shown = path
        lines += _preview_action(action, "  " * len(path), rules)
    return lines


def _preview_action(a: dict, indent: str, rules: Rules) -> list[str]:
    title = a["title"] if len(a["title"]) <= PREVIEW_WIDTH else a["title"][: PREVIEW_WIDTH - 1] + "…"
    target = f"{angka(a['target'], None)} {a.get('unit', '')}".strip() if "target" in a else None
    names = [", ".join(rules.agency_by_code[c].short for c in a[role]) or "-" for role in ("lead", "support")]
    return [
        t("cli.catalogue_action", indent=indent, code=a["code"], title=title),
        t("cli.catalogue_detail", indent=indent, lead=names[0], support=names[1],
          target=target or t("cli.catalogue_no_target")),
    ]  # fmt: skip
