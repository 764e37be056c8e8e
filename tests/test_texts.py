"""Every user-facing text lives in templates/texts/id.yaml: each key the code looks up
exists, and no Indonesian sentence is written in the code instead (the demo's sample data,
which imitates what agencies type, is not text of the tool)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from pipeline.core.paths import ROOT
from pipeline.core.texts import _load, has, lang

SOURCES = [*sorted((ROOT / "pipeline").rglob("*.py")), ROOT / "templates" / "docx" / "build_template.py"]
LOOKUPS = {"t": "", "has": "", "_help": "cli.help."}  # function -> prefix it adds to its key
# Words of Indonesian sentences: a string literal of several words holding one is a text
# that belongs in the texts file (a single word is a key, e.g. a column of a table).
INDONESIAN = re.compile(
    r"\b(yang|tidak|dan|atau|dari|untuk|dengan|berkas|bukan|isinya|harus|tulis|periksa|kirim|baris|kolom|"
    r"aturan|templat|galat|semua|tanpa|hanya|boleh|belum|sudah|ulang|melebihi|tahun|hari|pada|lain|kosong)\b",
    re.I,
)


def _keys(path: Path) -> list[tuple[int, str, bool]]:
    """(line, key, whole) of every text looked up in `path`: whole=False for the constant
    start of an f-string key."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in LOOKUPS):
            continue
        if not node.args:
            continue
        prefix, arg = LOOKUPS[node.func.id], node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            out.append((node.lineno, prefix + arg.value, True))
        elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
            out.append((node.lineno, prefix + arg.values[0].value, False))
    return out


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_text_looked_up_exists(path):
    texts = _load(lang())
    for line, key, whole in _keys(path):
        if whole:
            assert has(key), f"{path.name}:{line}: no text '{key}'"
        else:  # "status." of t(f"status.{x}"), "ingest.ignored_" of t(f"ingest.ignored_{why}")
            parent, _, start = key.rpartition(".")
            node = texts
            for part in parent.split("."):
                node = node.get(part) if isinstance(node, dict) else None
            assert isinstance(node, dict) and any(k.startswith(start) for k in node), f"{path.name}:{line}: '{key}'"


def _docstrings(tree: ast.AST) -> set[int]:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, kinds)
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }


@pytest.mark.parametrize(
    "path", [p for p in SOURCES if "demo" not in p.parts and p.name != "build_template.py"], ids=lambda p: p.name
)
def test_no_user_facing_sentence_in_the_code(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = _docstrings(tree)
    found = [
        (n.lineno, n.value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
        if " " in n.value.strip() and INDONESIAN.search(n.value)
    ]
    assert not found, f"{path.name}: texts written in the code, move them to templates/texts/id.yaml: {found}"


def test_the_scan_finds_a_sentence_in_code(tmp_path):
    """The guard above is not vacuous."""
    path = tmp_path / "x.py"
    path.write_text('def f():\n    """Doc: berkas ditolak."""\n    return "Berkas tidak dapat dibaca"\n')
    with pytest.raises(AssertionError, match="tidak dapat dibaca"):
        test_no_user_facing_sentence_in_the_code(path)
    path.write_text('from x import t\nt("tidak.ada.kunci")\n')
    with pytest.raises(AssertionError, match=r"no text 'tidak\.ada\.kunci'"):
        test_every_text_looked_up_exists(path)


def _strings(node: object) -> list[str]:
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in _strings(value)]
    return [node] if isinstance(node, str) else []


def test_every_hint_names_a_ranpe_command():
    """An officer running the installed wheel on Windows has no make: the texts and the
    shipped templates name `ranpe` commands (docs/panduan.md offers make on Linux besides)."""
    shipped = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "templates").rglob("*.j2"))]
    assert not [s for s in _strings(_load(lang())) + shipped if re.search(r"\bmake\b", s)]
