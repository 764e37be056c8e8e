"""LibreOffice, when the machine has it: the report's table of contents laid out with page
numbers and its PDF. Without it (or when it fails) the report is still written, with the
contents' headings but no page numbers, and the caller says so in one line."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).with_name("lay_out.py")
SECONDS = 180  # a report that takes LibreOffice longer than this gets no PDF
_PLACES = {  # where the installers put soffice when it is not on PATH
    "win32": [
        Path(os.environ.get(v, "")) / "LibreOffice/program/soffice.exe" for v in ("PROGRAMFILES", "PROGRAMFILES(X86)")
    ],
    "darwin": [Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")],
}

# the layout process leads a process group of its own, which LibreOffice joins: ended as one
_NEW_GROUP = getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)  # Windows only
_OWN_GROUP = {"creationflags": _NEW_GROUP} if os.name == "nt" else {"start_new_session": True}


@dataclass
class Layout:
    pages: list[tuple[str, str]]  # (heading, page) of the table of contents, in order
    problem: str = ""  # why there is no PDF ("" when there is one)


def soffice() -> Path | None:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return Path(found).resolve()
    return next((p for p in _PLACES.get(sys.platform, []) if p.is_file()), None)


def uno_python(office: Path) -> list[str] | None:
    """A Python that can `import uno`: the one LibreOffice ships (Windows, macOS), else the
    system's python3 (Linux, with python3-uno)."""
    program = office.parent
    candidates = [program / "python.exe", program / "python", program.parent / "Resources" / "python"]
    candidates = [[str(p)] for p in candidates if p.is_file()]
    candidates += [[x] for x in ("python3", "/usr/bin/python3") if shutil.which(x)]
    for cmd in candidates:
        try:
            ok = subprocess.run([*cmd, "-c", "import uno"], capture_output=True, timeout=30).returncode == 0
        except (OSError, subprocess.SubprocessError):
            ok = False
        if ok:
            return cmd
    return None


@dataclass
class Job:
    """LibreOffice laying out one document in its own process; `layout()` waits for it. The
    process ends itself and LibreOffice when this run's process is gone, so it never
    outlives a killed run."""

    proc: subprocess.Popen | None
    pdf: Path
    day: dt.date
    profile: tempfile.TemporaryDirectory | None = None
    problem: str = ""

    def layout(self) -> Layout:
        if self.proc is None:
            return Layout([], self.problem)
        try:
            out, err = self.proc.communicate(timeout=SECONDS)
        except subprocess.TimeoutExpired:
            end_tree(self.proc)
            return Layout([], f"LibreOffice > {SECONDS} s")
        finally:
            self.profile.cleanup()
        printed = out.strip().splitlines()
        if not printed or not self.pdf.is_file():  # judged by what it wrote, not its exit code
            return Layout([], (err.strip().splitlines() or ["?"])[-1])
        normalise_pdf(self.pdf, self.day)
        return Layout([(text, page) for text, page in json.loads(printed[-1])])


def end_tree(proc: subprocess.Popen) -> None:
    """End the layout process and LibreOffice under it."""
    if os.name == "nt":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(proc.pid)], stdin=subprocess.DEVNULL, capture_output=True)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # its own group, which LibreOffice joined
    proc.kill()
    proc.communicate()


def start(docx: Path, pdf: Path, day: dt.date) -> Job:
    """Start updating `docx`'s table of contents in LibreOffice and saving it as `pdf`
    (reproducible: the same document gives the same bytes); the work goes on meanwhile."""
    office = soffice()
    python = uno_python(office) if office else None
    if office is None or python is None:
        return Job(None, pdf, day, problem="missing")
    profile = tempfile.TemporaryDirectory(prefix="ranpe-office-")
    args = [*python, str(SCRIPT), str(office), str(docx), str(pdf), profile.name, str(os.getpid())]
    try:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, encoding="utf-8", errors="replace", **_OWN_GROUP)  # fmt: skip
    except OSError as exc:
        profile.cleanup()
        return Job(None, pdf, day, problem=str(exc))
    return Job(proc, pdf, day, profile)


def lay_out(docx: Path, pdf: Path, day: dt.date) -> Layout:
    return start(docx, pdf, day).layout()


_DATE = re.compile(rb"/(CreationDate|ModDate)\(D:(\d{14})")
_HEX = re.compile(rb"(/ID \[ <|> ?\n?<|/DocChecksum /)([0-9A-F]{32})")


def normalise_pdf(path: Path, day: dt.date) -> None:
    """LibreOffice stamps the time, a random document ID and a checksum of both: replace
    them, at their lengths (the byte offsets stay valid), with the report's day and a hash
    of the rest."""
    stamp = day.strftime("%Y%m%d000000").encode()
    data = _DATE.sub(lambda m: b"/" + m.group(1) + b"(D:" + stamp, path.read_bytes())
    zero = _HEX.sub(lambda m: m.group(1) + b"0" * 32, data)
    digest = hashlib.sha256(zero).hexdigest()[:32].upper().encode()
    path.write_bytes(_HEX.sub(lambda m: m.group(1) + digest, zero))
