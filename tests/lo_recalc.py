"""Run by a Python with LibreOffice's `uno` (see pipeline/outputs/office.py): open each
workbook, read every formula cell of its Identitas sheet as stored, recalculate everything,
read them again; print JSON {file: [[stored, recalculated], ...]}.
    python lo_recalc.py SOFFICE PROFILE_DIR FILE..."""

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def main():
    soffice, profile, *files = sys.argv[1:]
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
    out = {}
    for f in files:
        doc = desktop.loadComponentFromURL(Path(f).resolve().as_uri(), "_blank", 0, (hidden,))
        sheet = doc.Sheets.getByName("Identitas")
        cells = [sheet.getCellByPosition(1, r) for r in range(60)]
        cells = [c for c in cells if c.getFormula().startswith("=")]
        stored = [c.getValue() for c in cells]
        doc.calculateAll()
        out[Path(f).name] = [[a, c.getValue()] for a, c in zip(stored, cells, strict=True)]
        doc.close(True)
    desktop.terminate()
    proc.wait(timeout=60)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
