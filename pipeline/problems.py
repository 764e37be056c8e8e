"""The one catalogue of problem codes, and the one record type for every problem found.

Severities: error (the row or file is rejected), warning (kept, to be checked),
corrected (a safe fix was applied and the agency is told). Messages live in the texts
file under `problems.<code>`; `Problem.message` renders them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .texts import t

ERROR, WARNING, CORRECTED = "error", "warning", "corrected"

CODES: dict[str, str] = {
    # files
    "not-a-workbook": ERROR,
    "corrupt-file": ERROR,
    "encrypted-file": ERROR,
    "empty-file": ERROR,
    "unsafe-file": ERROR,
    "read-failed": ERROR,
    "sheet-missing": ERROR,
    "header-missing": ERROR,
    "wrong-period": ERROR,
    "unknown-agency": ERROR,
    "ambiguous-agency": ERROR,
    "outdated-template": ERROR,
    "superseded": WARNING,
    "ignored-file": WARNING,
    "meta-missing": WARNING,
    "macro-present": WARNING,
    "late-submission": WARNING,
    "identity-missing": WARNING,
    "nihil-with-rows": WARNING,
    "not-received": WARNING,
    "assigned-action-missing": WARNING,
    # cells and rows
    "required-missing": ERROR,
    "required-when": ERROR,
    "invalid-number": ERROR,
    "invalid-date": ERROR,
    "ambiguous-value": ERROR,
    "not-in-list": ERROR,
    "unknown-action-code": ERROR,
    "out-of-range": ERROR,
    "text-too-long": ERROR,
    "end-before-start": ERROR,
    "outside-period": ERROR,
    "duplicate-row": ERROR,
    "action-not-assigned": WARNING,
    "invalid-url": WARNING,
    "realisation-over-target": WARNING,
    "overspent": WARNING,
    "obstacle-without-solution": WARNING,
    "outlier": WARNING,
    # safe corrections
    "whitespace-normalised": CORRECTED,
    "number-reformatted": CORRECTED,
    "date-reformatted": CORRECTED,
    "alias-replaced": CORRECTED,
    "code-reformatted": CORRECTED,
}


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found: where (file, sheet, cell, row, column), what (code), how bad."""

    file: str
    code: str
    sheet: str = ""
    cell: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""
    detail: str = ""

    @property
    def severity(self) -> str:
        return CODES[self.code]

    @property
    def message(self) -> str:
        return t(f"problems.{self.code}", value=self.value, column=self.column, detail=self.detail)

    def as_dict(self) -> dict:
        return {**asdict(self), "severity": self.severity, "message": self.message}
