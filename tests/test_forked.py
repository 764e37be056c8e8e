"""Output writers run side by side in forked workers: results in order, failures raised."""

from __future__ import annotations

import os

import pytest

from pipeline.core.forked import forked, in_halves
from pipeline.core.stopwatch import Stopwatch


def _write(path, text):
    path.write_text(text)
    return os.getpid(), path


def _fail():
    raise ValueError("rusak")


def _texts(numbers, words):
    return [f"{n}:{w}" for n, w in zip(numbers, words, strict=True)], [str(os.getpid())] * len(numbers)


def test_results_in_order_written_by_workers(tmp_path):
    watch = Stopwatch()
    tasks = [("a", lambda i=i: _write(tmp_path / f"{i}.txt", str(i))) for i in range(6)]
    with forked(tasks, watch) as results:
        values = results()
    assert [p for _, p in values] == [tmp_path / f"{i}.txt" for i in range(6)]
    assert all(pid != os.getpid() for pid, _ in values)  # inherited the closures, nothing pickled
    assert [(tmp_path / f"{i}.txt").read_text() for i in range(6)] == [str(i) for i in range(6)]
    assert watch.stages["a"]["seconds"] > 0 and watch.stages["a"]["peak_mb"] > 0


def test_a_failing_task_raises_in_the_caller(tmp_path):
    with pytest.raises(ValueError, match="rusak"), forked([("ok", lambda: 1), ("bad", _fail)]) as results:
        results()


def test_no_tasks():
    with forked([]) as results:
        assert results() == []


@pytest.mark.parametrize("n", [0, 1, 2, 7])
def test_in_halves_gives_what_one_call_gives(n):
    columns = [list(range(n)), [f"kata {i}" for i in range(n)]]
    whole = _texts(*columns)
    texts, pids = in_halves(_texts, columns, at_least=1)
    assert texts == whole[0]
    if n >= 2:  # the second half was worked out by a worker
        assert pids[0] == str(os.getpid()) != pids[-1]
    assert in_halves(_texts, columns, at_least=n + 1) == whole  # too few rows: one call


def test_in_halves_refuses_texts_it_cannot_carry():
    with pytest.raises(ValueError, match="line break"):
        in_halves(_texts, [[1, 2], ["a", "b\nc"]], at_least=1)
