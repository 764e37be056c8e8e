"""Wall time and peak memory per stage of a run, for `make bench` (off by default)."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator


class Stopwatch:
    def __init__(self) -> None:
        self.stages: dict[str, dict] = {}

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            entry = self.stages.setdefault(name, {"seconds": 0.0})
            entry["seconds"] += time.perf_counter() - start
            entry["peak_mb"] = peak_mb()

    def add(self, name: str, seconds: float, peak: float) -> None:
        """Time spent on `name` in a worker process (summed over its tasks) and its peak."""
        entry = self.stages.setdefault(name, {"seconds": 0.0, "peak_mb": 0.0})
        entry["seconds"] += seconds
        entry["peak_mb"] = max(entry.get("peak_mb", 0.0), peak)


def peak_mb() -> float:
    """Peak resident memory so far of this process and of its finished children (MB); 0
    where the system does not tell (Windows)."""
    try:
        import resource
    except ImportError:
        return 0.0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / (2**20 if sys.platform == "darwin" else 1024)  # bytes on macOS, KB elsewhere


NULL = contextlib.nullcontext()


def stage(watch: Stopwatch | None, name: str):
    return watch.stage(name) if watch else NULL
