"""What a run leaves in outbox/<period>/: a lock while it runs, and a manifest of what it
read and wrote (tool version, rules hash, every input and output with its SHA-256)."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

from . import __version__
from .atomic import sha256, write_text
from .errors import RanpeError
from .rules import Rules
from .texts import t
from .validate import Report

LOCK_NAME = ".ranpe.lock"
_HELD: set[int] = set()  # descriptors of locks this process holds


def _drop_inherited_locks() -> None:
    """In a forked child: let go of the parent's lock descriptors, so a worker that lives on
    can never keep the period locked."""
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_drop_inherited_locks)


@contextlib.contextmanager
def period_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the period folder; a second run gets a clear error.
    The lock is an OS file lock, so it is released even if the run is killed."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_NAME, "a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            raise RanpeError(t("errors.period_busy", folder=folder, pid=fh.read().strip() or "?")) from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        for stale in folder.rglob(".*.tmp"):  # left by a run that was killed mid-write
            stale.unlink(missing_ok=True)
        _HELD.add(fh.fileno())
        try:
            yield
        finally:
            _HELD.discard(fh.fileno())
            fh.truncate(0)
            fcntl.flock(fh, fcntl.LOCK_UN)


def manifest(report: Report, rules: Rules, outputs: list[Path], folder: Path) -> dict:
    counts = {f.file: f for f in report.files}
    inputs = []
    for s in sorted(report.submissions, key=lambda s: s.name):
        f = counts[s.name]
        inputs.append(
            {
                "file": s.name,
                "sha256": s.sha256,
                "size": s.path.stat().st_size,
                "agency": s.agency,
                "status": f.status,
                "rows_read": f.read,
                "rows_accepted": f.accepted,
                "rows_rejected": f.rejected,
                "rows_blank": f.blank,
            }
        )
    return {
        "tool": "ranpe-pipeline",
        "tool_version": __version__,
        "period": report.period.id,
        "rules_hash": rules.rules_hash,
        "inputs": inputs,
        "outputs": [{"file": str(p.relative_to(folder)), "sha256": sha256(p)} for p in sorted(outputs)],
    }


def write_manifest(report: Report, rules: Rules, outputs: list[Path], folder: Path) -> Path:
    data = manifest(report, rules, outputs, folder)
    return write_text(folder / "manifest.json", json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def load_manifest(outbox: Path, period_id: str) -> dict:
    """The manifest of the last run of a period (a clear error when there was none)."""
    path = outbox / period_id / "manifest.json"
    if not path.exists():
        raise RanpeError(t("errors.manifest_missing", period=period_id, file=path))
    return json.loads(path.read_text(encoding="utf-8"))
