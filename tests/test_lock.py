"""Two locks, exact versions with their hashes: requirements.lock, the runtime dependencies an
officer installs beside the wheel (nothing of the tests), and requirements-test.lock, the
tests' whole environment at the same versions. The environment `make` builds is exactly the
two: every locked package that applies to this platform at its locked version, and nothing else."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
RUNTIME, TEST = ROOT / "requirements.lock", ROOT / "requirements-test.lock"
TOOLS = {"pip", "setuptools", "wheel", "ranpe-pipeline"}  # the installer and the project itself


def _pins(lock: Path, here: bool = True) -> dict[str, str]:
    """The lock's pins; `here`: only those whose marker applies to this platform."""
    pins = {}
    for line in lock.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)\s*(?:;\s*([^\\]+?))?\s*\\?$", line)
        if m and not (here and m.group(3) and not Marker(m.group(3)).evaluate()):
            pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def _test_extra() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {canonicalize_name(Requirement(r).name) for r in project["optional-dependencies"]["test"]}


def test_the_environment_is_the_locks():
    runtime, test = _pins(RUNTIME), _pins(TEST)
    installed = {canonicalize_name(d.metadata["Name"]): d.version for d in importlib.metadata.distributions()}
    installed = {k: v for k, v in installed.items() if k not in TOOLS}
    assert len(runtime) > 25 and len(test) > len(runtime)
    assert runtime.items() <= installed.items()
    assert test.items() <= installed.items()
    assert installed.keys() == runtime.keys() | test.keys()  # nothing installed that neither lock holds


def test_the_runtime_lock_holds_nothing_of_the_tests():
    runtime, test = _pins(RUNTIME, here=False), _pins(TEST, here=False)
    assert _test_extra() >= {"pytest", "ruff", "hypothesis", "import-linter"}
    assert not _test_extra() & runtime.keys()  # an officer's desktop gets no test tool
    assert _test_extra() <= test.keys()
    assert runtime.items() <= test.items()  # the tests ran on the versions an officer installs


@pytest.mark.parametrize("lock", [RUNTIME, TEST], ids=lambda p: p.name)
def test_every_locked_package_has_hashes(lock):
    text = lock.read_text(encoding="utf-8")
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    assert blocks and all("--hash=sha256:" in b for b in blocks if "==" in b)
