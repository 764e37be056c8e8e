"""No process outlives the run that started it: workers forked as the run is killed, and
LibreOffice laying out the report, whether the run is killed or gives up waiting."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import docx
import pytest

from pipeline.outputs import office

ROOT = Path(__file__).parent.parent
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


def _running(marker: Path) -> list[str]:
    """Command lines of the processes that name `marker` (a folder only this test uses)."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if proc.name.isdigit() and str(marker).encode() in cmdline and int(proc.name) != os.getpid():
            found.append(cmdline.replace(b"\0", b" ").decode(errors="replace"))
    return found


def _gone(marker: Path, seconds: float = 15) -> list[str]:
    deadline = time.monotonic() + seconds
    while (alive := _running(marker)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return alive


@linux
def test_a_worker_whose_parent_died_before_it_asked_ends(tmp_path):
    """The kernel only kills a worker for its parent's death once the worker has asked; a
    parent killed in between must not leave the worker running."""
    survived = tmp_path / "survived"
    script = textwrap.dedent(f"""
        import os, time
        from pipeline.core.workers import die_with_parent
        parent = os.getpid()
        if os.fork() == 0:
            time.sleep(0.5)  # the parent is gone by now
            die_with_parent(parent)
            open({str(survived)!r}, "w").close()
        os._exit(0)
    """)
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True)
    time.sleep(1.5)
    assert not survived.exists()


def _document(folder: Path) -> Path:
    doc = docx.Document()
    for i in range(200):
        doc.add_paragraph(f"Paragraf {i} " * 40)
    path = folder / "dokumen.docx"
    doc.save(path)
    return path


needs_office = pytest.mark.skipif(office.soffice() is None, reason="LibreOffice missing")


@linux
@needs_office
def test_libreoffice_ends_when_the_run_is_killed(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    source = _document(tmp_path)
    script = textwrap.dedent(f"""
        import datetime as dt, time
        from pathlib import Path
        from pipeline.outputs import office
        office.start(Path({str(source)!r}), Path({str(tmp_path / "dokumen.pdf")!r}), dt.date(2026, 7, 1))
        time.sleep(120)
    """)
    run = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env={**os.environ, "TMPDIR": str(tmp)})
    deadline = time.monotonic() + 60
    while not any("soffice" in c for c in _running(tmp)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert any("soffice" in c for c in _running(tmp)), "LibreOffice did not start"
    run.send_signal(signal.SIGKILL)
    run.wait()
    assert not _gone(tmp_path, 5), "LibreOffice outlived the run"
    time.sleep(2)
    assert not (tmp_path / "dokumen.pdf").exists(), "LibreOffice went on working for a killed run"


@linux
@needs_office
def test_libreoffice_taking_too_long_is_ended(tmp_path, monkeypatch):
    monkeypatch.setattr(office, "SECONDS", 0.5)
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    layout = office.lay_out(_document(tmp_path), tmp_path / "dokumen.pdf", __import__("datetime").date(2026, 7, 1))
    assert layout.pages == [] and layout.problem == "LibreOffice > 0.5 s"
    assert not _gone(tmp_path), "LibreOffice outlived the wait"
    assert not list(tmp_path.glob("ranpe-office-*")), "its profile is left behind"
