"""Outputs: every file a run writes (agency workbooks, feedback, validation list, summary
workbook, Word report, I-KHub export, manifest), atomically and byte-reproducibly."""
