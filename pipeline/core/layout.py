"""The layout of the agency workbook that its writer (outputs/template.py) and its reader
(intake/ingest.py) agree on. Sheet names are texts (`sheets.*`)."""

META_FORMAT = "ranpe-template"  # the _meta sheet's `format`: a workbook made by this tool
HEADER_ROW = 3  # 0-based row of the Laporan header: rows 1-3 hold title, subtitle and a note
FIRST_DATA_ROW = HEADER_ROW + 1
