"""Run by a Python with LibreOffice's `uno` (see pipeline/outputs/office.py): open a workbook
and ask LibreOffice's own engine, on its Laporan sheet, (1) what the list of data validation
of CELL holds while its row's PROVINCE_CELL holds each of PROVINCES (the list source
evaluated by Calc in a cell of its own: first item, last item, count), and (2) with the
values of TYPED typed in (as a focal point would), which cells break their data validation
(Tools > Detective > Mark Invalid Data: one circle per invalid cell). Prints JSON
{"lists": {province: [first, last, count]}, "invalid": [cell, ...]}.
    python lo_validity.py SOFFICE PROFILE_DIR FILE CELL PROVINCE_CELL '["Jawa Timur", ...]' '{"I6": ...}'"""

import json
import sys

from lo_session import office


def main():
    soffice, profile, file, cell, province_cell, provinces, typed = sys.argv[1:]
    with office(soffice, profile) as open_doc:
        doc = open_doc(file)
        found = _look(doc, cell, province_cell, provinces, typed)
        doc.close(True)
    print(json.dumps(found))


def _look(doc, cell, province_cell, provinces, typed) -> dict:
    sheet = doc.Sheets.getByName("Laporan")
    sheet.unprotect("")  # the template's sheet protection has no password
    source = sheet.getCellRangeByName(cell).Validation.getFormula1()  # relative to CELL's row
    scratch = sheet.getCellRangeByName("ZZ1")  # far right of anything the template writes
    lists = {}
    for province in json.loads(provinces):
        sheet.getCellRangeByName(province_cell).setString(province)
        found = []
        for formula in (f"=INDEX({source};1)", f"=INDEX({source};ROWS({source}))", f"=ROWS({source})"):
            scratch.setFormula(formula)
            doc.calculateAll()
            found.append(scratch.getString())
        lists[province] = found
    scratch.setString("")
    sheet.getCellRangeByName(province_cell).setString("")
    for where, value in json.loads(typed).items():
        sheet.getCellRangeByName(where).setString(value)
    sheet.showInvalid()
    page = sheet.DrawPage
    invalid = sorted(page.getByIndex(i).Anchor.AbsoluteName.split(".")[-1].replace("$", "") for i in range(page.Count))
    return {"invalid": invalid, "lists": lists}


if __name__ == "__main__":
    main()
