"""Run independent output writers side by side in forked worker processes.

The workers are forked when the tasks are submitted, so they inherit the caller's data
(report, consolidation, rules): nothing is pickled but a task number and what a task
returns. A task's exception is raised again in the caller."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor

from .stopwatch import Stopwatch, peak_mb
from .workers import context, die_with_parent

Task = tuple[str, Callable[[], object]]  # (stage name for the stopwatch, zero-argument writer)
_TASKS: list[Callable[[], object]] = []  # read by the forked workers


def _adopt(tasks: list[Callable[[], object]], parent: int) -> None:
    """Worker initializer: the task list as it was when this pool forked (later pools may
    start other tasks while this one runs)."""
    die_with_parent(parent)
    _TASKS[:] = tasks


def _call(i: int) -> tuple[object, float, float]:
    start = time.perf_counter()
    value = _TASKS[i]()
    return value, time.perf_counter() - start, peak_mb()


@contextlib.contextmanager
def forked(tasks: list[Task], watch: Stopwatch | None = None) -> Iterator[Callable[[], list]]:
    """Start `tasks` in one forked process per core (tasks start in order: put the longest
    first) and yield `results()`, which waits for all of them and returns their values in
    order. The caller does its own work in between. Each task's time and peak memory go
    to `watch`."""
    if not tasks:
        yield list
        return
    mp = context()
    workers = min(len(tasks), os.cpu_count() or 1)
    with ProcessPoolExecutor(workers, mp, _adopt, ([fn for _, fn in tasks], os.getpid())) as pool:
        futures = [pool.submit(_call, i) for i in range(len(tasks))]

        def results() -> list:
            values = []
            for (name, _), future in zip(tasks, futures, strict=True):
                value, seconds, peak = future.result()
                if watch:
                    watch.add(name, seconds, peak)
                values.append(value)
            return values

        try:
            yield results
        except BaseException:
            for future in futures:
                future.cancel()
            raise
