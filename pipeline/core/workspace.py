"""The workspace a command works in, and making one (`ranpe init DIR`): the shipped rules
and Word template copied for the secretariat to edit, the officers' guide, empty inbox and
outbox, and the marker file. The package's own files are never written: an upgrade
replaces them and leaves the workspace as it was (`ranpe panduan` writes the new guide)."""

from __future__ import annotations

import shutil
from pathlib import Path

from .errors import RanpeError
from .files import write_bytes, write_text
from .paths import DEFAULTS, MARKER, find_workspace
from .texts import t

GUIDE = "docs/panduan.md"  # the officers' guide, where the checkout keeps it
FIGURES = "docs/angka.md"  # what every figure means (the report's method cites it)
COPIED = ("rules", "templates/docx/laporan.docx", GUIDE, FIGURES)  # what the secretariat edits, and the guides


def workspace() -> Path:
    """The workspace, or a clear error naming how to make one."""
    found = find_workspace()
    if found is None or not (found / MARKER).is_file():
        raise RanpeError(t("errors.no_workspace", folder=found or Path.cwd(), marker=MARKER))
    return found


def init_workspace(folder: Path) -> Path:
    """Create the workspace `folder` (new or empty of ranpe's files); refuse to touch one
    that already has a marker or rules, whose edits it would overwrite."""
    folder = folder.resolve()
    if any((folder / relative).exists() for relative in (MARKER, *COPIED)):
        raise RanpeError(t("workspace.exists", folder=folder))
    made = []
    try:
        for relative in COPIED:
            source, target = DEFAULTS / relative, folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            made.append(target)
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.py", "__init__*"))
            else:
                shutil.copyfile(source, target)
    except OSError:  # half a workspace is none: take back what was copied, so init can run again
        for target in made:
            if target.is_dir():
                shutil.rmtree(target, ignore_errors=True)
            else:
                target.unlink(missing_ok=True)
        raise
    for name in ("inbox", "outbox"):
        (folder / name).mkdir(exist_ok=True)
    return write_text(folder / MARKER, t("workspace.marker"))  # last: the folder is a workspace once complete


def write_guide(target: Path) -> Path:
    """Write the shipped guide to `target` (over an older copy: the guide is not the
    secretariat's to edit); the checkout's own guide is left as it is."""
    source = DEFAULTS / GUIDE
    if not (target.exists() and target.samefile(source)):
        write_bytes(target, source.read_bytes())
    return target
