"""The one catalogue of problem codes: each code's severity and the one place that raises it.

Severities: error (the row or file is rejected), warning (kept, to be checked), corrected
(a safe fix was applied and the agency is told), notice (a file of the inbox that is not this
period's return, or not yet whole: listed for the secretariat, never a problem of a return).
Messages live in the texts file under `problems.<code>`. A code is written as a literal in
the module that raises it and in no other module that raises problems
(tests/test_problem_codes.py checks it). The codes under "rules/checks.yaml" are raised by
a configurable check of pipeline/intake/checks.py: the checks.yaml entry that names the
code also names the check.
"""

from __future__ import annotations

ERROR, WARNING, CORRECTED, NOTICE = "error", "warning", "corrected", "notice"

RAISED_IN: dict[str, dict[str, str]] = {
    "pipeline/intake/read.py": {  # the file as a file: can it be read at all, safely?
        "not-a-workbook": ERROR,
        "corrupt-file": ERROR,
        "encrypted-file": ERROR,
        "empty-file": ERROR,
        "unsafe-file": ERROR,
        "read-failed": ERROR,
        "unreadable-file": ERROR,
    },
    "pipeline/intake/ingest.py": {  # which agency and period a readable file is, and where its rows are
        "ignored-file": WARNING,
        "set-aside": NOTICE,
        "still-copying": NOTICE,
        "earlier-period-return": WARNING,
        "macro-present": WARNING,
        "sheet-missing": ERROR,
        "header-missing": ERROR,
        "wrong-period": ERROR,
        "unknown-agency": ERROR,
        "ambiguous-agency": ERROR,
        "outdated-template": ERROR,
        "meta-missing": WARNING,
        "identity-missing": WARNING,
        "superseded": WARNING,
    },
    "pipeline/intake/normalise.py": {  # a value that cannot be read, and the safe corrections
        "invalid-number": ERROR,
        "invalid-date": ERROR,
        "ambiguous-value": ERROR,
        "not-in-list": ERROR,
        "unknown-action-code": ERROR,
        "unknown-regency": WARNING,
        "ambiguous-regency": WARNING,
        "regency-outside-province": WARNING,
        "whitespace-normalised": CORRECTED,
        "number-reformatted": CORRECTED,
        "date-reformatted": CORRECTED,
        "alias-replaced": CORRECTED,
        "code-reformatted": CORRECTED,
    },
    "pipeline/intake/checks.py": {  # rows: the columns of fields.yaml and the checks of checks.yaml
        "required-missing": ERROR,
        "required-when": ERROR,
        "out-of-range": ERROR,
        "text-too-long": ERROR,
        "end-before-start": ERROR,
        "outside-period": ERROR,
        "duplicate-row": ERROR,
        "action-not-assigned": WARNING,
        "role-mismatch": WARNING,
        "invalid-url": WARNING,
        "outlier": WARNING,
        "participants-far-above": WARNING,
        "twin-value": WARNING,
    },
    "rules/checks.yaml": {  # named by the `code` of a checks.yaml entry (checks at_most, requires)
        "realisation-over-target": WARNING,
        "overspent": WARNING,
        "obstacle-without-solution": WARNING,
    },
    "pipeline/intake/review_sheet.py": {  # the secretariat's review workbook, read back
        "review-unreadable": ERROR,
    },
    "pipeline/analysis/review.py": {  # the secretariat's decisions: those that cannot be taken; values sent back
        "review-unknown-decision": ERROR,
        "review-wrong-kind": ERROR,
        "review-unknown-item": ERROR,
        "review-requested": WARNING,
    },
    "pipeline/intake/agency_checks.py": {  # an agency's return as a whole
        "late-submission": WARNING,
        "nihil-with-rows": WARNING,
        "assigned-action-missing": WARNING,
        "not-received": WARNING,
    },
}

CODES: dict[str, str] = {code: sev for codes in RAISED_IN.values() for code, sev in codes.items()}

# What an agency cannot fix by editing its file: when it came, that a newer one replaced it,
# that nothing came, that the inbox could not open it. Never a reason for a feedback workbook
# nor on a letter's list of what to fix; a workbook made for other reasons lists them as
# information (outputs/feedback.py).
NOT_FIXABLE = frozenset({"late-submission", "superseded", "not-received", "unreadable-file"})
