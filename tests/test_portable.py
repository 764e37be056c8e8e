"""Runs on any desktop OS: nothing POSIX-only is needed to import the pipeline, and a run
whose workers are spawned (Windows, macOS) writes the same outputs as one whose workers
are forked (Linux)."""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from pathlib import Path

from pipeline.core.workers import START_METHOD

WINDOWS_LIKE = r"""
import importlib, os, pkgutil, sys, types
sys.modules["fcntl"] = None          # POSIX file locks
sys.modules["resource"] = None       # POSIX resource limits
del os.fork, os.register_at_fork     # no fork
import subprocess, getpass, multiprocessing.connection  # the standard library tells Windows by msvcrt
calls = []
msvcrt = types.ModuleType("msvcrt")  # what Windows has instead, recording its calls
msvcrt.LK_NBLCK, msvcrt.LK_UNLCK = 2, 0
msvcrt.locking = lambda fd, mode, n: calls.append(mode)
sys.modules["msvcrt"] = msvcrt
import pipeline
names = [m.name for m in pkgutil.walk_packages(pipeline.__path__, "pipeline.")]
for name in names:
    if not name.endswith(".lay_out"):  # run by LibreOffice's Python, never imported
        importlib.import_module(name)
from pathlib import Path
from pipeline.core.lock import period_lock
from pipeline.core.stopwatch import peak_mb
from pipeline.core.workers import context
with period_lock(Path(sys.argv[1])):
    pass
assert calls == [2, 0], calls
assert peak_mb() == 0.0
assert context().get_start_method() == os.environ.get("RANPE_START_METHOD", "spawn")
print(len(names))
"""


def test_every_module_imports_without_posix_only_modules(tmp_path):
    env = {**os.environ, START_METHOD: "spawn"}
    done = subprocess.run([sys.executable, "-c", WINDOWS_LIKE, str(tmp_path / "2026-S1")], capture_output=True,
                          text=True, env=env, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[-1]) > 50  # every module of the package was imported


def _ranpe(*args: str, method: str) -> subprocess.CompletedProcess:
    ranpe = Path(sys.executable).with_name("ranpe")
    env = {**os.environ, START_METHOD: method}
    return subprocess.run([str(ranpe), *args], capture_output=True, text=True, env=env, timeout=600)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_spawned_workers_write_what_forked_ones_write(tmp_path):
    """The sample period end to end with its reading and writing workers forked, then the
    same inbox with them spawned: the same files, byte for byte (the history aside, which
    records when it was written)."""
    forked = _ranpe("demo", "--period", "2026-S1", "--out", str(tmp_path / "demo"), method="fork")
    assert forked.returncode == 0, forked.stderr
    inbox, a, b = tmp_path / "demo" / "inbox", tmp_path / "demo" / "outbox", tmp_path / "spawned"
    spawned = _ranpe("consolidate", "--period", "2026-S1", "--inbox", str(inbox), "--outbox", str(b), method="spawn")
    assert spawned.returncode in (0, 1), spawned.stderr  # 1: the sample's planted problems were found
    probe = "from pipeline.core.workers import context; print(context().get_start_method())"
    used = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={**os.environ, START_METHOD: "spawn"}, check=True)  # fmt: skip
    assert used.stdout.strip() == "spawn"  # the run's workers were spawned
    names = _files(a)
    assert names == _files(b) and len(names) > 20
    outputs = [n for n in names if n != "riwayat.sqlite" and not n.startswith(".cache/")]  # the cache: no output
    match, mismatch, errors = filecmp.cmpfiles(a, b, outputs, shallow=False)
    assert mismatch == [] and errors == [] and len(match) == len(outputs)
