"""Where things are. A *workspace* is the secretariat's folder: `rules/`, `inbox/`,
`outbox/` and any of the shipped templates it overrides, marked by a `ranpe-workspace.yaml`
file (`ranpe init DIR` makes one; the git checkout is one). Commands find it from
RANPE_WORKSPACE (set by `--workspace`) or by walking up from the current folder. The
defaults shipped with the package (rules, texts, Word and Excel templates, letters) are
used wherever the workspace has no copy of its own. Every other module asks here."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import jinja2

MARKER = "ranpe-workspace.yaml"
ENV = "RANPE_WORKSPACE"
PACKAGE = Path(__file__).resolve().parents[1]  # pipeline/
ROOT = PACKAGE.parent  # the checkout, when running from one
# the defaults: in an installed package, its _defaults folder; in the checkout, the checkout itself
DEFAULTS = PACKAGE / "_defaults" if (PACKAGE / "_defaults" / "rules").is_dir() else ROOT


def find_workspace() -> Path | None:
    """The workspace named by RANPE_WORKSPACE, else the nearest folder up from here with the
    marker, else None (core/workspace.py `workspace()` says how to make one)."""
    named = os.environ.get(ENV)
    if named:
        return Path(named).resolve()
    here = Path.cwd().resolve()
    return next((folder for folder in (here, *here.parents) if (folder / MARKER).is_file()), None)


def located(relative: str) -> Path:
    """The workspace's own copy of a shipped file or folder, else the shipped one."""
    found = find_workspace()
    own = found / relative if found else None
    return own if own is not None and own.exists() else DEFAULTS / relative


def template_dirs(kind: str) -> list[Path]:
    """Where the templates of `kind` (xlsx, mail) are looked up, file by file: the
    workspace's own folder first, then the shipped one."""
    found = find_workspace()
    own = found / "templates" / kind if found else None
    return [p for p in (own, DEFAULTS / "templates" / kind) if p is not None and p.is_dir()]


def text_templates(kind: str) -> jinja2.Environment:
    """The jinja templates of `kind` (xlsx, mail), looked up as template_dirs says."""
    return _environment(tuple(template_dirs(kind)))


@functools.lru_cache(maxsize=8)
def _environment(folders: tuple[Path, ...]) -> jinja2.Environment:
    """One environment per set of folders: a template is compiled once a process (jinja
    reloads it when its file changes), not once per workbook or letter."""
    loader = jinja2.FileSystemLoader(folders)
    return jinja2.Environment(loader=loader, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)


def rules_dir() -> Path:
    return located("rules")


def docx_template() -> Path:
    return located("templates/docx/laporan.docx")


def public_docx_template() -> Path:
    return located("templates/docx/laporan_publik.docx")


# The texts are always the shipped ones: every process (a spawned worker included) reads the
# same, and an upgrade that adds a text cannot meet an older copy without it.
TEXTS_DIR = DEFAULTS / "templates" / "texts"
