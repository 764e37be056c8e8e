"""Lay out a DOCX with LibreOffice: update its table of contents, save it as PDF and print
the contents' page numbers (JSON, one [text, page] per entry, on stdout).

Run by a Python that has LibreOffice's `uno` module (LibreOffice's own on Windows and
macOS, the system's python3 with python3-uno on Linux), never imported by the pipeline:
    python lay_out.py SOFFICE IN.docx OUT.pdf PROFILE_DIR
Its standard input stays open while the run that started it wants the work: when it closes
(the run ended, was killed, or gave up waiting), this process ends LibreOffice and itself.
"""

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

WAIT_SECONDS = 60


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def end_all():
    """End this process and LibreOffice with it: on POSIX the run started this one as the
    leader of its own process group, which LibreOffice's processes joined."""
    if os.name == "nt":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(os.getpid())], capture_output=True)
    else:
        os.killpg(0, signal.SIGKILL)
    os._exit(3)


def watch_run():
    """Wait for standard input to close, then end everything (see the module's docstring)."""
    while os.read(0, 4096):  # the raw descriptor: a buffered read would hold a lock at exit
        pass
    end_all()


def connect(proc, pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except NoConnectException:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("LibreOffice did not start") from None
            time.sleep(0.1)


def main():
    soffice, src, pdf, profile = sys.argv[1:5]
    threading.Thread(target=watch_run, daemon=True).start()
    pipe = "ranpe" + uuid.uuid4().hex
    args = [soffice, "--headless", "--invisible", "--nologo", "--norestore", "--nodefault", "--nolockcheck",
            "-env:UserInstallation=" + Path(profile).resolve().as_uri(), f"--accept=pipe,name={pipe};urp;"]  # fmt: skip
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    desktop = None
    try:
        ctx = connect(proc, pipe)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(Path(src).resolve().as_uri(), "_blank", 0, (prop("Hidden", True),))
        indexes = doc.getDocumentIndexes()
        contents = [indexes.getByIndex(i) for i in range(indexes.getCount())]
        contents = [x for x in contents if x.supportsService("com.sun.star.text.ContentIndex")]
        for _ in range(2):  # the second pass sees the pages as the first pass's entries left them
            for index in contents:
                index.update()
        lines = contents[0].getAnchor().getString().splitlines() if contents else []
        entries = [line.rsplit("\t", 1) for line in lines if "\t" in line]
        doc.storeToURL(Path(pdf).resolve().as_uri(), (prop("FilterName", "writer_pdf_Export"),))
        doc.close(True)
        print(json.dumps(entries, ensure_ascii=False))
    finally:
        if desktop is not None:
            with contextlib.suppress(Exception):  # the connection closes as LibreOffice quits
                desktop.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            end_all()


if __name__ == "__main__":
    main()
