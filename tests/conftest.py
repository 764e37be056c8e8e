"""Shared fixtures: the project's rules, a period, and LibreOffice conversion."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from pipeline.core.paths import rules_dir
from pipeline.core.periods import parse_period
from pipeline.core.rules import load_rules

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="session", autouse=True)
def _no_copy_window():
    """A test's files are seconds old when it reads them: the second look for files still
    being copied into the inbox (rules/limits.yaml copy_window_seconds) is off in the tests,
    as the issue decided, but in tests/test_periods.py, which turns it on."""
    import pipeline.intake.ingest
    from pipeline.intake.read import being_copied

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pipeline.intake.ingest, "being_copied", lambda paths, window: being_copied(paths, 0))
        yield


@pytest.fixture(scope="session")
def rules():
    return load_rules()


@pytest.fixture(scope="session")
def period(rules):
    return parse_period("2026-S1", rules)


@pytest.fixture
def rules_copy(tmp_path):
    """A writable copy of rules/ for tests that edit a rules file."""
    dst = tmp_path / "rules"
    shutil.copytree(rules_dir(), dst)
    return dst


def unprivileged(fn, *args):
    """`fn(*args)` as a user without privileges: as root (CI), in a forked child that drops to
    uid/gid 65534 first, since root may open any file. The result comes back pickled."""
    import multiprocessing

    if os.geteuid() != 0:
        return fn(*args)
    # once unprivileged, the child may not reach the interpreter's own library (under /root
    # with pyenv): what the reading workers import later is imported now
    import faulthandler  # noqa: F401
    import resource  # noqa: F401

    import python_calamine  # noqa: F401

    import pipeline.core.workers
    import pipeline.intake.validate  # noqa: F401

    for folder in args[0].parents:  # the child must reach the inbox (pytest's folders are 0700)
        if str(folder).startswith(tempfile.gettempdir() + os.sep):
            folder.chmod(0o755)

    def child(queue):
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
        queue.put(fn(*args))

    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    process = context.Process(target=child, args=(queue,))
    process.start()
    result = queue.get(timeout=300)
    process.join()
    return result


def file_tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` with its SHA-256: to show a folder left byte-identical."""
    import hashlib

    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def libreoffice_convert(files: list[Path], fmt: str, outdir: Path) -> list[Path]:
    """Convert files with headless LibreOffice (one process for all), as an office would re-save them.
    LibreOffice is required: CI installs it, and a test needing it must not skip."""
    assert SOFFICE, "LibreOffice (soffice) is required for this test: apt-get install libreoffice-calc-nogui"
    outdir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "HOME": str(outdir)}
    cmd = [SOFFICE, "--headless", "--convert-to", fmt, "--outdir", str(outdir), *map(str, files)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=600, env=env)
    return [outdir / f"{f.stem}.{fmt.split(':')[0]}" for f in files]


@pytest.fixture(scope="session")
def demo_sample(rules, period, tmp_path_factory):
    """The demo's returned period, built once per test session."""
    from pipeline.demo.sample import build_sample

    return build_sample(rules, period, tmp_path_factory.mktemp("demo"), seed=2026)


def pytest_terminal_summary(terminalreporter):
    from .test_hostile import TRIED

    if TRIED:
        failed = [r for r in terminalreporter.stats.get("failed", []) if "test_hostile" in r.nodeid]
        terminalreporter.write_line(
            f"hostile corpus: {len(TRIED)} cases tried, {len(failed)} failed, none crashed or hung the run"
            if not failed
            else f"hostile corpus: {len(TRIED)} cases tried, {len(failed)} FAILED"
        )
