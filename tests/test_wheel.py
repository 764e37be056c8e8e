"""Installed as a package, outside the checkout: the wheel, installed as an officer installs
it (the runtime lock only: no test tool) into a fresh virtual environment, makes a workspace
with `ranpe init`, which holds the guide, and runs the sample period in it; nothing is
written under the installed package, and no hint sends the officer to `make`."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl

ROOT = Path(__file__).resolve().parents[1]


def _run(cmd: list, cwd: Path | None = None, env: dict | None = None, ok=(0,)) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode in ok, f"{cmd}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
    return done


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}  # fmt: skip


def test_the_wheel_runs_in_a_workspace_of_its_own(tmp_path):
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", tmp_path / "dist", ROOT])
    (wheel,) = (tmp_path / "dist").glob("ranpe_pipeline-*.whl")
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv])
    bin_ = venv / ("Scripts" if os.name == "nt" else "bin")
    _run([bin_ / "python", "-m", "pip", "install", "--quiet", "--require-hashes", "-r", ROOT / "requirements.lock"])
    _run([bin_ / "python", "-m", "pip", "install", "--quiet", "--no-deps", wheel])
    where = _run([bin_ / "python", "-c", "import pipeline, sys; print(pipeline.__file__)"], cwd=tmp_path)
    names = _run([bin_ / "python", "-c", "import importlib.metadata as m; print(*(d.name for d in m.distributions()))"])
    assert not {"pytest", "ruff", "hypothesis", "import-linter"} & set(names.stdout.lower().split())  # runtime only
    package = Path(where.stdout.strip()).parent
    assert ROOT not in package.parents  # the installed package, not the checkout
    before = _digest(package)
    env = {k: v for k, v in os.environ.items() if k != "RANPE_WORKSPACE"}
    outside = subprocess.run([str(bin_ / "ranpe"), "templates", "--period", "2026-S1"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=300)  # fmt: skip
    assert outside.returncode == 2 and "ranpe init" in outside.stderr  # no workspace here: it says how to make one
    init = _run([bin_ / "ranpe", "init", "kerja"], cwd=tmp_path, env=env)
    work = tmp_path / "kerja"
    assert (work / "ranpe-workspace.yaml").is_file() and (work / "rules" / "catalogue.yaml").is_file()
    guide = (package / "_defaults" / "docs" / "panduan.md").read_bytes()
    assert guide.startswith(b"# Panduan") and (work / "docs" / "panduan.md").read_bytes() == guide  # it travels
    assert str(work.resolve() / "docs" / "panduan.md") in init.stdout  # and init says where it is
    copy = _run([bin_ / "ranpe", "panduan", "--out", tmp_path / "PANDUAN.md"], cwd=work, env=env)
    assert (tmp_path / "PANDUAN.md").read_bytes() == guide
    demo = _run([bin_ / "ranpe", "demo", "--period", "2026-S1"], cwd=work / "inbox", env=env, ok=(0, 1))  # 1: problems
    outbox = work / "demo" / "outbox" / "2026-S1"
    for name in ("ringkasan_2026-S1.xlsx", "laporan_2026-S1.docx", "manifest.json"):
        assert (outbox / name).is_file(), name
    review = openpyxl.load_workbook(outbox / "tinjauan_2026-S1.xlsx")["Petunjuk"]
    review_guide = " ".join(str(c.value) for row in review.iter_rows() for c in row if c.value is not None)
    assert "ranpe review --period 2026-S1" in review_guide
    templates = _run([bin_ / "ranpe", "templates", "--period", "2026-S1"], cwd=work, env=env)
    assert "CONTOH" in templates.stderr  # the shipped rules are sample data, and it says so
    assert len(list((work / "outbox" / "2026-S1" / "templates").glob("*.xlsx"))) == 39  # 33 K/L, 6 regions
    missing = _run([bin_ / "ranpe", "report", "--period", "2026-S2"], cwd=work, env=env, ok=(2,))
    assert "ranpe consolidate --period 2026-S2" in missing.stderr  # not consolidated yet: the command that does it
    printed = [outside, init, copy, demo, templates, missing]
    shown = [review_guide, *(p.stdout + p.stderr for p in printed)]
    assert not [text for text in shown if re.search(r"\bmake\b", text)]  # an officer on Windows has no make
    assert _digest(package) == before  # nothing written under the installed package
