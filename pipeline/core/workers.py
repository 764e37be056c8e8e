"""Worker processes: how they start (fork where it is safe, spawn elsewhere) and that they
never outlive the run that started them."""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys

START_METHOD = "RANPE_START_METHOD"  # environment: "fork" or "spawn", to try the other way


def context():
    """The multiprocessing context of every worker: fork on Linux (workers inherit the data,
    nothing is copied), spawn on Windows and macOS, where fork is missing or unsafe with
    several libraries. Under spawn a task and its data are pickled to each worker."""
    method = os.environ.get(START_METHOD)  # only these two: a worker's parent must be the run
    if method not in ("fork", "spawn"):
        method = "fork" if sys.platform.startswith("linux") else "spawn"
    return multiprocessing.get_context(method)


_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None  # loaded once, in the run


def die_with_parent(parent: int) -> None:
    """Linux: the kernel kills this process when its parent dies (a killed run leaves no
    orphan worker behind holding files or locks). `parent` is the pid of the process that
    started this one: when it died before the kernel was asked, this one ends now.
    Elsewhere: nothing."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:
            os._exit(1)
