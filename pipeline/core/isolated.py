"""Run a task over many items in forked worker processes that cannot poison each other.

Each worker takes one item at a time. A worker that times out or dies is replaced; so is a
worker whose task raised something that may leave the process damaged (MemoryError, or a
BaseException such as a panic in native code) or called `retire()`, and a worker whose
peak memory grew by more than `max_growth` bytes (a heap fragmented by a large item would
make the next near-limit item fail where it reads alone). So an item's result does not
depend on the items before it. What a worker writes on stderr (native libraries'
messages) goes to a log per item, not to the console.
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import wait

from .workers import context, die_with_parent


@dataclass
class Lost:
    """An item whose task returned no value: why ("timeout", "died" with the exit code, or
    "error" with the exception's type and text) and what its worker wrote on stderr."""

    why: str
    exitcode: int | None = None
    error_type: str = ""
    error: str = ""
    stderr: str = ""


_RETIRED: list[bool] = [False]


def _nothing() -> None:
    """The default set-up (module-level: it pickles when workers are spawned)."""


def retire() -> None:
    """From a task: this worker ends after the current item."""
    _RETIRED[0] = True


def run_isolated(
    task: Callable[[int], object],
    n: int,
    *,
    workers: int,
    timeout: float,
    setup: Callable[[], None] = _nothing,
    max_growth: int = 0,
    progress: Callable[[int], object] | None = None,
) -> list:
    """`task(i)` for i in range(n) in forked workers, at most `workers` at once: the values
    in order, a `Lost` where a task raised, overran `timeout` seconds or ended its worker.
    `setup()` runs first in each new worker; `max_growth` 0 means no limit."""
    results: list = [None] * n
    todo = list(range(n - 1, -1, -1))
    idle: list[_Worker] = []
    busy: list[_Worker] = []
    with tempfile.TemporaryDirectory(prefix="ranpe-workers-") as logs:
        try:
            while todo or busy:
                while todo and len(busy) < max(workers, 1):
                    item = todo.pop()
                    worker = _start(idle.pop() if idle else None, item, task, setup, max_growth, logs, timeout)
                    if worker:
                        busy.append(worker)
                    else:  # a fresh worker died before it took the item
                        results[item] = Lost("died")
                        if progress:
                            progress(1)
                soonest = min(w.due for w in busy)
                wait([w.conn for w in busy] + [w.process.sentinel for w in busy], max(soonest - time.monotonic(), 0))
                for worker in list(busy):
                    outcome = worker.outcome()
                    if outcome is None:
                        continue
                    results[worker.item], reusable = outcome
                    busy.remove(worker)
                    if reusable:
                        idle.append(worker)
                    else:
                        worker.stop()
                    if progress:
                        progress(1)
        finally:
            for worker in idle + busy:
                worker.stop()
    return results


def _start(worker, item: int, task, setup, max_growth: int, logs: str, timeout: float):
    """`item` given to `worker` (or a new one); a worker found dead is replaced once. None
    when a fresh worker cannot take it either."""
    for attempt in range(2):
        worker = worker if worker and attempt == 0 else _Worker(task, setup, max_growth, logs)
        try:
            worker.give(item, timeout)
            return worker
        except OSError:  # it died while idle (killed by the system), or at its set-up
            worker.stop()
    return None


class _Worker:
    def __init__(self, task, setup, max_growth: int, logs: str) -> None:
        mp = context()
        self.conn, child = mp.Pipe()
        self.logs = logs
        self.process = mp.Process(target=_serve, args=(child, task, setup, max_growth, logs, os.getpid()), daemon=True)
        self.process.start()
        child.close()
        self.item, self.due = -1, 0.0

    def give(self, item: int, timeout: float) -> None:
        self.item, self.due = item, time.monotonic() + timeout
        self.conn.send(item)

    def outcome(self) -> tuple[object, bool] | None:
        """(value or Lost, whether the worker may take another item), or None while busy."""
        alive = self.process.is_alive()  # first: what a worker sent before it ended is in the pipe by then
        if self.conn.poll():
            try:
                ok, value, retired = self.conn.recv()
            except (EOFError, OSError):  # it died while answering
                self.process.join()
                return self._lost("died", exitcode=self.process.exitcode), False
            if ok:
                return value, not retired
            return self._lost("error", error_type=value[0], error=value[1]), not retired
        if not alive:
            self.process.join()
            return self._lost("died", exitcode=self.process.exitcode), False
        if time.monotonic() > self.due:
            self.stop()
            return self._lost("timeout"), False
        return None

    def _lost(self, why: str, **kw) -> Lost:
        try:
            with open(os.path.join(self.logs, f"{self.item}.log"), "rb") as fh:
                stderr = fh.read(64 * 1024).decode("utf-8", "replace")
        except OSError:
            stderr = ""
        return Lost(why, stderr=stderr, **kw)

    def stop(self) -> None:
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)  # a process stuck in the kernel (a dead network share) dies when it can


def _serve(conn, task, setup, max_growth: int, logs: str, parent: int) -> None:
    """A worker: items from `conn` until it closes, or until the worker is spent."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the run; the run stops its workers
    die_with_parent(parent)
    setup()
    start = address_space(peak=True)
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError):
            return
        fd = os.open(os.path.join(logs, f"{item}.log"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(fd, 2)
        os.close(fd)
        try:
            answer = (True, task(item))
        except BaseException as exc:  # the item's failure, whatever it is, is the item's result
            answer = (False, (type(exc).__name__, str(exc)))
            if isinstance(exc, MemoryError) or not isinstance(exc, Exception):
                retire()
        if max_growth and address_space(peak=True) - start > max_growth:
            retire()
        try:
            conn.send((*answer, _RETIRED[0]))
        except Exception as exc:  # a value that does not pickle
            conn.send((False, (type(exc).__name__, str(exc)), _RETIRED[0]))
        if _RETIRED[0]:
            os._exit(0)


def address_space(peak: bool = False) -> int:
    """This process's address space (what RLIMIT_AS caps), now or at its peak so far, in
    bytes; 0 where /proc does not tell."""
    field = b"VmPeak:" if peak else b"VmSize:"
    try:
        with open("/proc/self/status", "rb") as fh:
            return int(next(line for line in fh if line.startswith(field)).split()[1]) * 1024
    except (OSError, StopIteration, ValueError):
        return 0
