"""One run per period at a time: an exclusive lock on the period's output folder."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from .errors import RanpeError
from .texts import t

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
