"""Turn an action matrix workbook (shaped like the Perpres annex) into rules/catalogue.yaml.

Expected header labels (case-insensitive, any column order, on any of the first rows):
one column per grouping level (named as in the current catalogue's `levels`, e.g. Pilar,
Fokus), Kode Aksi, Aksi, Masalah/Kebutuhan, Keluaran, Indikator, Satuan, Target,
Penanggung Jawab, Instansi Terkait. Group cells left blank (merged in the original)
repeat the value above. Agencies are matched by code, name or alias.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from python_calamine import CalamineWorkbook

from ..core.errors import RanpeError
from ..core.files import write_text
from ..core.rules import Rules
from ..core.schema import CatalogueFile
from ..core.texts import t
from ..intake.normalise import parse_number

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
REQUIRED = ("code", "title", "lead")
_SPLIT = re.compile(r"[;,\n]+")


def _fold(x: object) -> str:
    return " ".join(str(x).split()).casefold()


def _find_header(rows: list[list], levels: list[str]) -> tuple[int, dict[str, int]]:
    wanted = COLUMNS | {f"level{i}": [_fold(lv)] for i, lv in enumerate(levels)}
    for r, row in enumerate(rows[:20]):
        labels = {_fold(c): i for i, c in enumerate(row) if str(c).strip()}
        found = {k: next((labels[n] for n in names if n in labels), None) for k, names in wanted.items()}
        if all(found[k] is not None for k in REQUIRED):
            return r, {k: v for k, v in found.items() if v is not None}
    return -1, {}


def _agencies(cell: object, rules: Rules, row: int, file: Path) -> list[str]:
    codes = []
    for part in _SPLIT.split(str(cell)):
        if not part.strip():
            continue
        found = rules.find_agencies(part)
        if len(found) != 1:
            raise RanpeError(
                t("errors.matrix_row", file=file, row=row, problem=t("errors.agency_unknown", code=part.strip()))
            )
        codes.append(found[0])
    return codes


def import_matrix(matrix: Path, rules: Rules, out: Path) -> tuple[int, int]:
    """Read `matrix`, write a checked catalogue YAML to `out`; return (groups, actions)."""
    try:
        wb = CalamineWorkbook.from_path(str(matrix))
        rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several error types for unreadable files
        raise RanpeError(t("errors.matrix_unreadable", file=matrix, problem=exc)) from None
    levels = rules.catalogue.levels
    header, cols = _find_header(rows, levels)
    if header < 0:
        names = ", ".join([*(COLUMNS[k][0].title() for k in REQUIRED), *levels])
        raise RanpeError(t("errors.matrix_columns", file=matrix, columns=names))
    tree: list[dict] = []
    current = [""] * len(levels)
    n_actions = 0
    for r, row in enumerate(rows[header + 1 :], start=header + 2):
        get = lambda k, row=row: str(row[cols[k]]).strip() if k in cols and cols[k] < len(row) else ""  # noqa: E731
        for i in range(len(levels)):
            current[i] = get(f"level{i}") or current[i]
        code, title = get("code").rstrip("."), get("title")
        if not code and not title:
            continue
        if not code or not title or not all(current):
            problem = t("errors.matrix_incomplete", levels=", ".join(levels))
            raise RanpeError(t("errors.matrix_row", file=matrix, row=r, problem=problem))
        action = {"code": code, "title": title}
        for k in ("problem", "output", "indicator", "unit"):
            if get(k):
                action[k] = get(k)
        target = parse_number(row[cols["target"]]) if "target" in cols and cols["target"] < len(row) else None
        if target and target.value is not None:
            action["target"] = target.value
        elif target and target.error:
            raise RanpeError(
                t("errors.matrix_row", file=matrix, row=r, problem=t("errors.matrix_target", value=get("target")))
            )
        action["lead"] = _agencies(get("lead"), rules, r, matrix)
        action["support"] = _agencies(get("support"), rules, r, matrix)
        _place(tree, current, code).append(action)
        n_actions += 1
    doc = {
        "sample": False,
        "title": rules.catalogue.title,
        "levels": levels,
        "action_label": rules.catalogue.action_label,
    }
    doc["groups"] = tree
    CatalogueFile.model_validate(doc)
    header_text = f"# RAN PE action catalogue imported from {matrix.name} by `ranpe catalogue import`.\n"
    write_text(out, header_text + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120))
    return _count_groups(tree), n_actions


def _place(tree: list[dict], names: list[str], action_code: str) -> list[dict]:
    """Return the actions list of the innermost group named by `names`, creating groups."""
    level, parts = tree, action_code.split(".")
    for depth, name in enumerate(names):
        group = next((g for g in level if g["name"] == name), None)
        if group is None:
            code = ".".join(parts[: depth + 1]) if len(parts) > len(names) else str(len(level) + 1)
            group = {"code": code, "name": name}
            level.append(group)
        if depth == len(names) - 1:
            return group.setdefault("actions", [])
        level = group.setdefault("groups", [])
    return level


def _count_groups(tree: list[dict]) -> int:
    return sum(1 + _count_groups(g.get("groups", [])) for g in tree)
