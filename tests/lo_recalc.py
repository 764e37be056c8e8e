"""Run by a Python with LibreOffice's `uno` (see pipeline/outputs/office.py): open each
workbook, read every formula cell of its Identitas sheet as stored, recalculate everything,
read them again; print JSON {file: [[stored, recalculated], ...]}.
    python lo_recalc.py SOFFICE PROFILE_DIR FILE..."""

import json
import sys
from pathlib import Path

from lo_session import office


def main():
    soffice, profile, *files = sys.argv[1:]
    out = {}
    with office(soffice, profile) as open_doc:
        for f in files:
            doc = open_doc(f)
            sheet = doc.Sheets.getByName("Identitas")
            cells = [sheet.getCellByPosition(1, r) for r in range(60)]
            cells = [c for c in cells if c.getFormula().startswith("=")]
            stored = [c.getValue() for c in cells]
            doc.calculateAll()
            out[Path(f).name] = [[a, c.getValue()] for a, c in zip(stored, cells, strict=True)]
            doc.close(True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
