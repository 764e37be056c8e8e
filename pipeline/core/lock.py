"""One run per period at a time: an exclusive lock on the period's output folder (flock on
POSIX, a locked byte on Windows), released by the system even if the run is killed."""

from __future__ import annotations

import contextlib
import os

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None
    import msvcrt
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


if hasattr(os, "register_at_fork"):  # POSIX; spawned workers inherit no descriptor anyway
    os.register_at_fork(after_in_child=_drop_inherited_locks)

_WINDOWS_BYTE = 1 << 20  # the byte locked on Windows: past the PID written at the start


def _lock(fh) -> bool:
    """Take the lock without waiting; False when another process holds it."""
    if fcntl is not None:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    fh.seek(_WINDOWS_BYTE)
    try:
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
    except OSError:
        return False
    return True


def _unlock(fh) -> None:
    if fcntl is not None:
        fcntl.flock(fh, fcntl.LOCK_UN)
    else:
        fh.seek(_WINDOWS_BYTE)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)


@contextlib.contextmanager
def period_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the period folder; a second run gets a clear error.
    The lock is an OS file lock, so it is released even if the run is killed."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_NAME, "a+") as fh:
        if not _lock(fh):
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
            _unlock(fh)
