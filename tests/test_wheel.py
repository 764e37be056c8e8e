"""Installed as a package, outside the checkout: the wheel, installed with the locked
dependencies into a fresh virtual environment, makes a workspace with `ranpe init` and runs
the sample period in it; nothing is written under the installed package."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

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
    package = Path(where.stdout.strip()).parent
    assert ROOT not in package.parents  # the installed package, not the checkout
    before = _digest(package)
    env = {k: v for k, v in os.environ.items() if k != "RANPE_WORKSPACE"}
    outside = subprocess.run([str(bin_ / "ranpe"), "templates", "--period", "2026-S1"], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=300)  # fmt: skip
    assert outside.returncode == 2 and "ranpe init" in outside.stderr  # no workspace here: it says how to make one
    _run([bin_ / "ranpe", "init", "kerja"], cwd=tmp_path, env=env)
    work = tmp_path / "kerja"
    assert (work / "ranpe-workspace.yaml").is_file() and (work / "rules" / "catalogue.yaml").is_file()
    _run([bin_ / "ranpe", "demo", "--period", "2026-S1"], cwd=work / "inbox", env=env, ok=(0, 1))  # 1: problems found
    outbox = work / "demo" / "outbox" / "2026-S1"
    for name in ("ringkasan_2026-S1.xlsx", "laporan_2026-S1.docx", "manifest.json"):
        assert (outbox / name).is_file(), name
    templates = _run([bin_ / "ranpe", "templates", "--period", "2026-S1"], cwd=work, env=env)
    assert "CONTOH" in templates.stderr  # the shipped rules are sample data, and it says so
    assert len(list((work / "outbox" / "2026-S1" / "templates").glob("*.xlsx"))) == 33
    assert _digest(package) == before  # nothing written under the installed package
