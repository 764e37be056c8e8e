"""What reading and checking each returned file gave, kept for the next run of its period, so
that a run after one new file reads and checks that file alone (`ranpe validate`, `ranpe
status`, `ranpe consolidate`). Nothing else is kept: what compares files (supersession,
lateness, the checks across files, each agency's state) is worked out again on every run.

A file's results are kept under the SHA-256 of its bytes and its name as shown, with the
period (its dates and deadline), the rules' hash, the texts' language and the fingerprint
of the code (core/fingerprint.py): a changed file, rule or version never meets a result
made before it. A read that failed for a reason of the moment (a file locked by another
program, a reading worker that timed out, died or ran out of memory) is not kept, nor a
file that changed while it was read.

The results of a period's last run are one file, `outbox/.cache/<period>/pack.pkl`: the
submission as each file was read (without its rows), and for each file in use the rows
typed and the problems its checks found. It lives outside the period's outputs, so a
finalised period's folder never changes; it is written atomically, and a pack that does not
read back whole (a checksum over its content) or was made by other code or rules is
ignored: the files are read again. Deleting `outbox/.cache/` loses nothing but time.
Loading trusts the pack as the rest of the outbox is trusted (it is pickled).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..core.files import write_bytes
from ..core.fingerprint import code_fingerprint
from ..core.model import Period, Problem, Submission
from ..core.rules import Rules
from ..core.texts import lang
from .read import momentary

FOLDER = ".cache"
PACK = "pack.pkl"
MAGIC = b"ranpe-cache 1\n"  # then the SHA-256 of the pickle, then the pickle

Found = list[tuple[int, Problem]]  # what a row check found, with the position of its check in checks.yaml


def cache_folder(outbox: Path, period_id: str) -> Path:
    """Where the cache of a period lives: outside outbox/<period>/."""
    return outbox / FOLDER / period_id


@dataclass
class Checked:
    """What checking one file's rows on their own found: its rows' positions in the pack's
    frames, the problems of its values (normalising, fields.yaml) and what its row checks
    found (checks.yaml, one file at a time)."""

    start: int
    stop: int
    values: list[Problem]
    found: Found


@dataclass
class Pack:
    key: str  # the period, rules, language and code it was made for
    reads: dict[str, bytes] = field(default_factory=dict)  # file key -> the Submission as read, pickled
    checked: dict[str, Checked] = field(default_factory=dict)  # file key -> what its checks found
    typed: pd.DataFrame | None = None  # the rows of the checked files, typed
    raw: pd.DataFrame | None = None  # the same rows as typed, in the columns the checks across files show


class Cache:
    """One run's view of its period's cache: the last run's pack, looked up by file, and what
    this run adds (saved by `save`, unless the cache is only read, as by `ranpe status`)."""

    def __init__(self, outbox: Path, rules: Rules, period: Period, write: bool = True) -> None:
        self.path = cache_folder(outbox, period.id) / PACK
        self.write = write
        self.key = _digest(json.dumps([code_fingerprint(), rules.rules_hash, lang(), _period(period)]))
        self.old = _load(self.path, self.key) or Pack(self.key)
        self.new = Pack(self.key)
        self.stats: dict[Path, os.stat_result] = {}
        self.keys: dict[str, tuple[str, Path]] = {}  # name as shown -> file key and path, for this run's files

    def look(self, paths: list[Path]) -> None:
        """Note each file's size and time before it is hashed: one that changes before the run
        ends is not kept."""
        self.stats = {p: st for p in paths if (st := _stat(p))}

    def file_key(self, digest: str, name: str) -> str:
        return _digest(f"{self.key}\n{digest}\n{name}")

    def read(self, path: Path, digest: str | None, name: str) -> Submission | None:
        """The submission `path` was read as before (without its rows), or None."""
        if not digest or path not in self.stats:
            return None
        key = self.file_key(digest, name)
        data = self.old.reads.get(key)
        try:
            sub = pickle.loads(data) if data else None
        except Exception:  # an entry that does not unpickle is not trusted
            return None
        if not isinstance(sub, Submission) or sub.sha256 != digest or sub.name != name:
            return None
        sub.path, sub.mtime = path, dt.datetime.fromtimestamp(self.stats[path].st_mtime, dt.UTC)  # as ingest has them
        self.keys[name] = key, path
        self.new.reads[key] = data
        return sub

    def keep(self, subs: list[Submission], lost: list[Path]) -> None:
        """Keep what reading `subs` gave (before anything compares them with other files)."""
        for s in subs:
            if s.path in lost or not s.sha256 or s.path not in self.stats or momentary(s.problems):
                continue
            key = self.file_key(s.sha256, s.name)
            self.keys[s.name] = key, s.path
            self.new.reads[key] = pickle.dumps(dataclasses.replace(s, rows=None, present=None), protocol=5)

    def checked(self, subs: list[Submission]) -> dict[str, tuple[pd.DataFrame, pd.DataFrame, Checked]]:
        """For each of `subs` checked before: its typed rows, its raw rows (the columns the
        checks across files show) and what its checks found, by name."""
        out = {}
        for s in subs:
            entry = self.old.checked.get(self.keys.get(s.name, ("", None))[0])
            if entry is not None and entry.stop - entry.start == s.count:
                out[s.name] = (self.old.typed, self.old.raw, entry)
        return out

    def keep_checked(self, subs: list[Submission], typed, raw, checked: dict[str, Checked]) -> None:
        """The rows of `subs` (the files in use) and what their checks found, for the next run."""
        self.new.typed, self.new.raw = typed, raw
        self.new.checked = {self.keys[s.name][0]: checked[s.name] for s in subs if s.name in self.keys}

    def changed(self) -> bool:
        """Whether this run has anything to add to the cache (else `save` does nothing)."""
        return self.write and not _same(self.old, self.new)

    def save(self) -> None:
        """Write this run's pack, when it differs from the last one, leaving out every file
        changed since it was looked at. A cache that cannot be written is left as it is."""
        keep = {key for key, path in self.keys.values() if _same_file(self.stats.get(path), _stat(path))}
        self.new.reads = {k: v for k, v in self.new.reads.items() if k in keep}
        self.new.checked = {k: v for k, v in self.new.checked.items() if k in keep}
        if not self.changed():
            return
        payload = pickle.dumps(self.new, protocol=5)
        with contextlib.suppress(Exception):
            write_bytes(self.path, MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
            _sweep(self.path.parent)


def _same(old: Pack, new: Pack) -> bool:
    """Whether the new pack holds what the old one does (then it is not written again)."""
    if old.reads.keys() != new.reads.keys() or old.checked.keys() != new.checked.keys():
        return False
    return all(_at(old, k) == _at(new, k) for k in new.checked)


def _at(pack: Pack, key: str) -> tuple:
    """A checked file's place in its pack's frames (the same files in another order are written again)."""
    return pack.checked[key].start, pack.checked[key].stop


def _load(path: Path, key: str) -> Pack | None:
    """The pack at `path` when it reads back whole and was made for `key`, else None."""
    try:
        data = path.read_bytes()
        if not data.startswith(MAGIC):
            return None
        digest, payload = data[len(MAGIC) :].split(b"\n", 1)
        if hashlib.sha256(payload).hexdigest().encode() != digest:
            return None
        pack = pickle.loads(payload)
    except Exception:  # missing, unreadable, or not a pack: the files are read again
        return None
    return pack if isinstance(pack, Pack) and pack.key == key and _whole(pack) else None


def _whole(pack: Pack) -> bool:
    """Whether every checked file's rows are in the pack's frames."""
    n = len(pack.typed) if pack.typed is not None else 0
    if pack.checked and (pack.raw is None or len(pack.raw) != n):
        return False
    return all(0 <= c.start <= c.stop <= n for c in pack.checked.values())


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


def _same_file(before: os.stat_result | None, now: os.stat_result | None) -> bool:
    """Whether a file is as it was when looked at (same size, time and inode)."""
    fields = ("st_size", "st_mtime_ns", "st_ino")
    return before is not None and now is not None and all(getattr(before, f) == getattr(now, f) for f in fields)


def _period(period: Period) -> dict:
    return {k: str(v) for k, v in dataclasses.asdict(period).items()}


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _sweep(folder: Path, age: float = 3600) -> None:
    """Remove temporary files that a run killed while writing left behind (an hour old: a
    run writing now is not disturbed)."""
    for tmp in folder.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            if time.time() - tmp.stat().st_mtime > age:
                tmp.unlink()
