"""Shared fixtures: the project's rules, a period, and LibreOffice conversion."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.core.periods import parse_period
from pipeline.core.rules import RULES_DIR, load_rules

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


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
    shutil.copytree(RULES_DIR, dst)
    return dst


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
