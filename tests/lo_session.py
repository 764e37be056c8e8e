"""A LibreOffice session for the scripts run by a Python with LibreOffice's `uno` (see
pipeline/outputs/office.py): lo_recalc.py, lo_validity.py."""

import subprocess
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


@contextmanager
def office(soffice: str, profile: str):
    """A headless LibreOffice with its own profile; yields open(file) -> its document."""
    pipe = "ranpetest" + uuid.uuid4().hex
    args = [soffice, "--headless", "--invisible", "--norestore", "--nolockcheck",
            "-env:UserInstallation=" + Path(profile).resolve().as_uri(), f"--accept=pipe,name={pipe};urp;"]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(600):
        try:
            ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
            break
        except NoConnectException:
            time.sleep(0.1)
    desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    hidden = PropertyValue()
    hidden.Name, hidden.Value = "Hidden", True
    try:
        yield lambda file: desktop.loadComponentFromURL(Path(file).resolve().as_uri(), "_blank", 0, (hidden,))
    finally:
        desktop.terminate()
        proc.wait(timeout=60)
