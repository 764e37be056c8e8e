"""What each feedback workbook of a period was made from, so that a run writes again only
those whose inputs changed: the others would come out byte for byte the same (outputs are
reproducible). Kept beside the period's cache (intake/cache.py), outside outbox/<period>/:
for each workbook the fingerprint of its inputs and the SHA-256 of the file written. A
workbook is left as it is only when both agree; anything unreadable is ignored, and then
every workbook is written."""

from __future__ import annotations

import contextlib
import hashlib
import json
from pathlib import Path

from ..core.files import sha256, write_text
from ..intake.cache import cache_folder

NAME = "feedback.json"


class Made:
    """The record of a period's feedback workbooks: `unchanged(path, fingerprint)` before
    writing, `save(fingerprints)` once they are written."""

    def __init__(self, outbox: Path, period_id: str) -> None:
        self.path = cache_folder(outbox, period_id) / NAME
        try:
            record = json.loads(self.path.read_text(encoding="utf-8"))
            self.record = {str(k): (str(v[0]), str(v[1])) for k, v in record.items()}
        except Exception:  # missing or unreadable: everything is written
            self.record = {}
        self.kept: dict[Path, str] = {}  # the workbooks left as they are, with their SHA-256

    def unchanged(self, path: Path, fingerprint: str) -> bool:
        """Whether `path` is the workbook made from inputs with `fingerprint`, as written then."""
        made = self.record.get(path.name)
        if made is None or made[0] != fingerprint:
            return False
        try:
            same = sha256(path) == made[1]
        except OSError:
            return False
        if same:
            self.kept[path] = made[1]
        return same

    def save(self, fingerprints: dict[Path, str]) -> None:
        """Record the workbooks of this run (written or left as they were)."""
        record = {}
        for path, fingerprint in sorted(fingerprints.items()):
            with contextlib.suppress(OSError):
                record[path.name] = [fingerprint, self.kept.get(path) or sha256(path)]
        with contextlib.suppress(Exception):  # a record that cannot be written: all are written next time
            write_text(self.path, json.dumps(record, indent=1, ensure_ascii=False) + "\n")


def fingerprint(*parts: object) -> str:
    """The SHA-256 of the text of `parts` (records whose repr says all they hold)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()
