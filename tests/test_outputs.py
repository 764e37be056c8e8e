"""Outputs you can trust: atomic under SIGKILL, one run per period at a time, a manifest
with every input and output hash, a time budget per file."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from pipeline.core.errors import RanpeError
from pipeline.core.files import sha256
from pipeline.core.lock import period_lock
from pipeline.core.schema import Limits
from pipeline.intake.validate import validate_period

RANPE = [sys.executable, "-m", "pipeline.cli"]


def _run(inbox: Path, outbox: Path) -> subprocess.Popen:
    cmd = [*RANPE, "validate", "--period", "2026-S1", "--inbox", str(inbox), "--outbox", str(outbox)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=Path(__file__).parent.parent)


def _survivors(outbox: Path) -> list[int]:
    """Processes still running for this outbox (workers orphaned by a killed run)."""
    alive = []
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and str(outbox).encode() in (proc / "cmdline").read_bytes():
                alive.append(int(proc.name))
        except OSError:
            continue
    return alive


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_sigkill_during_writing_leaves_no_partial_file(demo_sample, tmp_path):
    """Run once to have earlier outputs, then kill later runs at many moments: every file under
    its final name is complete (an earlier or a new version), never half-written."""
    outbox = tmp_path / "outbox"
    assert _run(demo_sample.inbox, outbox).wait(timeout=300) == 1
    folder = outbox / "2026-S1"
    first = _snapshot(folder)
    assert len([k for k in first if k.endswith(".xlsx")]) > 10
    for delay in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0):
        proc = _run(demo_sample.inbox, outbox)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        for name, data in _snapshot(folder).items():
            if name.endswith(".tmp") or name.endswith(".ranpe.lock"):
                continue
            if name.endswith(".xlsx"):
                assert zipfile.ZipFile(folder / name).testzip() is None, name
            assert data == first.get(name, data), f"{name} changed by an identical run"
    time.sleep(1)
    assert not _survivors(outbox), "a worker of a killed run is still alive"
    # a later complete run cleans the temporary files of the killed ones
    assert _run(demo_sample.inbox, outbox).wait(timeout=300) == 1
    assert not list(folder.rglob("*.tmp"))
    assert _snapshot(folder) == first


def test_second_run_on_same_period_is_refused(tmp_path):
    folder = tmp_path / "2026-S1"
    with period_lock(folder):
        with pytest.raises(RanpeError, match="sedang diproses"), period_lock(folder):
            pass
        cmd = [*RANPE, "validate", "--period", "2026-S1", "--inbox", str(tmp_path), "--outbox", str(tmp_path)]
        other = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).parent.parent)
        assert other.returncode == 2 and "Periode sedang diproses" in other.stderr
    with period_lock(folder):  # released afterwards
        pass


def test_manifest_lists_inputs_and_outputs(demo_sample, rules, tmp_path):
    outbox = tmp_path / "out"
    assert _run(demo_sample.inbox, outbox).wait(timeout=300) == 1
    folder = outbox / "2026-S1"
    data = json.loads((folder / "manifest.json").read_text())
    assert data["rules_hash"] == rules.rules_hash and data["period"] == "2026-S1"
    for entry in data["inputs"]:
        path = demo_sample.inbox / entry["file"]
        assert entry["sha256"] == sha256(path) and entry["size"] == path.stat().st_size
        assert entry["rows_read"] == entry["rows_accepted"] + entry["rows_rejected"] + entry["rows_blank"]
    outputs = {e["file"]: e["sha256"] for e in data["outputs"]}
    assert "validasi_2026-S1.xlsx" in outputs
    assert all(sha256(folder / f) == h for f, h in outputs.items())


def test_time_budget_per_file(rules, period, tmp_path):
    """A file still being read when its budget runs out is rejected; the worker is ended."""
    from .corpus import million_rows

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    slow = million_rows(inbox, None)
    hurried = dataclasses.replace(rules, limits=Limits(seconds_per_file=0.3, max_rows=2_000_000))
    started = time.monotonic()
    validation = validate_period(inbox, hurried, period)
    assert time.monotonic() - started < 30
    (problem,) = [p for p in validation.problems if p.file == slow.name]
    assert problem.code == "unsafe-file" and "0,3 detik" in problem.message
