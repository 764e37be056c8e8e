"""Lay out a DOCX with LibreOffice: update its table of contents, save it as PDF and print
the contents' page numbers (JSON, one [text, page] per entry, on stdout).

Run by a Python that has LibreOffice's `uno` module (LibreOffice's own on Windows and
macOS, the system's python3 with python3-uno on Linux), never imported by the pipeline:
    python lay_out.py SOFFICE IN.docx OUT.pdf PROFILE_DIR [RUN_PID]
Given RUN_PID, the process of the run that wants the work, it ends LibreOffice and itself as
soon as that process is gone: a killed run leaves no LibreOffice behind.
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


OFFICE = None  # the LibreOffice process started here


def end_all():
    """End LibreOffice and this process, what was printed kept. The run starts this process
    as the leader of a process group of its own, which LibreOffice joins (POSIX), or ends
    its tree of processes (Windows); started otherwise, only LibreOffice is ended."""
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "nt":
        tree = ["taskkill", "/F", "/T", "/PID", str(os.getpid())]
        subprocess.run(tree, stdin=subprocess.DEVNULL, capture_output=True)
    elif os.getpgid(0) == os.getpid():
        os.killpg(0, signal.SIGKILL)
    elif OFFICE is not None:
        OFFICE.kill()
    os._exit(3)


def running(pid, direct):
    """Whether process `pid` still runs; `direct`: it is this process's parent (then its
    end shows as a new parent, even while it is not yet reaped)."""
    if direct:
        return os.getppid() == pid
    if os.name == "nt":
        import ctypes

        kernel = ctypes.windll.kernel32
        handle = kernel.OpenProcess(0x00100000, False, pid)  # SYNCHRONIZE
        if not handle:
            return False
        try:
            return kernel.WaitForSingleObject(handle, 0) == 0x102  # WAIT_TIMEOUT: not ended
        finally:
            kernel.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def watch_run(pid):
    """End everything once the run `pid` is gone (see the module's docstring)."""
    direct = os.getppid() == pid
    while running(pid, direct):
        time.sleep(0.5)
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
    global OFFICE
    soffice, src, pdf, profile = sys.argv[1:5]
    if len(sys.argv) > 5:
        threading.Thread(target=watch_run, args=(int(sys.argv[5]),), daemon=True).start()
    pipe = "ranpe" + uuid.uuid4().hex
    args = [soffice, "--headless", "--invisible", "--nologo", "--norestore", "--nodefault", "--nolockcheck",
            "-env:UserInstallation=" + Path(profile).resolve().as_uri(), f"--accept=pipe,name={pipe};urp;"]  # fmt: skip
    quiet = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    proc = OFFICE = subprocess.Popen(args, **quiet)
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
        tagged = uno.Any("[]com.sun.star.beans.PropertyValue", (prop("UseTaggedPDF", True),))  # for screen readers
        export = (prop("FilterName", "writer_pdf_Export"), prop("FilterData", tagged))
        uno.invoke(doc, "storeToURL", (Path(pdf).resolve().as_uri(), export))
        doc.close(True)
        print(json.dumps(entries, ensure_ascii=False), flush=True)
    finally:
        if desktop is not None:
            with contextlib.suppress(Exception):  # the connection closes as LibreOffice quits
                desktop.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # LibreOffice does not quit: the PDF and the pages are out
            end_all()


if __name__ == "__main__":
    main()
