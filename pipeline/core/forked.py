"""Run independent output writers side by side in forked worker processes (and one
function's rows in two halves, `in_halves`).

The workers are forked when the tasks are submitted, so they inherit the caller's data
(report, consolidation, rules): nothing is pickled but a task number and what a task
returns. A task's exception is raised again in the caller."""

from __future__ import annotations

import contextlib
import functools
import os
import time
from collections.abc import Callable, Iterator, Sequence
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


def in_halves(fn: Callable[..., tuple[list[str], ...]], columns: Sequence[Sequence], at_least: int) -> tuple[list, ...]:
    """`fn(*columns)`, which returns lists of one text (without line breaks) per row, worked
    out in two halves of the rows, the second by a forked worker, when there are `at_least`
    rows (two at least) and two cores: the same lists as one call gives. `fn` is a module's function
    (pickled under spawn); the worker's texts come back as one text per list (a list of
    strings is pickled one string at a time, which took as long as making them)."""
    n = len(columns[0]) if columns else 0
    if n < max(at_least, 2) or (os.cpu_count() or 1) < 2:
        return fn(*columns)
    half = n // 2
    with forked([("", functools.partial(_joined, fn, *(c[half:] for c in columns)))]) as theirs:
        mine = fn(*(c[:half] for c in columns))
        (rest,) = theirs()
    rest = [text.split("\n") for text in rest]
    if any(len(texts) != n - half for texts in rest):
        raise ValueError("in_halves: a text with a line break")
    return tuple(a + b for a, b in zip(mine, rest, strict=True))


def _joined(fn: Callable[..., tuple[list[str], ...]], *columns: Sequence) -> tuple[str, ...]:
    return tuple("\n".join(texts) for texts in fn(*columns))
