"""Validate a period: ingest every workbook, normalise its rows, check them, and decide
for each row (accepted or rejected) and each agency (its submission status).

Every row read ends up accepted, rejected (with its problems) or skipped as blank; the
counts per file reconcile: read = accepted + rejected + blank.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process, utils

from . import normalise as N
from .checks import Context, column_problems, cross_problems
from .ingest import Submission, ingest
from .periods import Period
from .problems import CORRECTED, ERROR, WARNING, Problem
from .rules import Rules
from .texts import t

META_COLUMNS = ["_file", "_sheet", "_agency", "_row"]


@dataclass
class FileCount:
    file: str
    agency: str | None
    sha256: str
    status: str  # used / superseded / rejected
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    blank: int = 0


@dataclass
class Report:
    period: Period
    submissions: list[Submission]
    problems: list[Problem]
    accepted: pd.DataFrame
    files: list[FileCount]
    typed: pd.DataFrame = field(default_factory=pd.DataFrame)  # every row read, typed
    statuses: dict[str, dict] = field(default_factory=dict)

    @property
    def counts(self) -> Counter:
        return Counter(p.severity for p in self.problems)

    def as_dict(self) -> dict:
        return {
            "period": self.period.id,
            "files": [vars(f) for f in self.files],
            "agencies": self.statuses,
            "counts": {s: self.counts.get(s, 0) for s in (ERROR, WARNING, CORRECTED)},
            "problems": [p.as_dict() for p in self.problems],
        }


def validate_period(inbox: Path, rules: Rules, period: Period, progress=None, watch=None) -> Report:
    from .stopwatch import stage

    with stage(watch, "read"):
        ingested = ingest(inbox, rules, period, progress)
    with stage(watch, "normalise_validate"):
        return _validate(ingested, rules, period)


def _validate(ingested, rules: Rules, period: Period) -> Report:
    subs = ingested.submissions
    problems = list(ingested.ignored)
    for s in subs:
        problems += s.problems
    used = [s for s in subs if not s.rejected and not s.superseded and s.rows is not None]
    raw = _frame(used, [c.key for c in rules.fields.columns if c.input])
    letters = {s.name: s.letters for s in used}
    typed, corrections = normalise_frame(raw, rules, letters)
    ctx = Context(rules, period, letters, raw)
    row_problems = corrections + column_problems(typed, ctx) + cross_problems(typed, ctx)
    problems += row_problems
    errors = {(p.file, p.row) for p in row_problems if p.severity == ERROR}
    bad = pd.Series(
        [(f, int(r)) in errors for f, r in zip(typed["_file"], typed["_row"], strict=True)],
        index=typed.index,
        dtype=bool,
    )
    accepted = typed[~bad].reset_index(drop=True)
    problems += _completeness(used, typed, rules)
    problems += _timeliness(used, rules, period)
    files = _counts(subs, typed, bad)
    statuses = _statuses(subs, files, problems, rules, period)
    problems += [
        Problem("", "not-received", value=code, detail=period.deadline.strftime("%d/%m/%Y"))
        for code, st in statuses.items()
        if st["status"] == "not_received"
    ]
    return Report(period, subs, sorted(problems, key=_order), accepted, files, typed=typed, statuses=statuses)


def output_date(report: Report) -> dt.date:
    """Date stamped on outputs: SOURCE_DATE_EPOCH when set, else the newest input file's
    date, so the same inbox gives the same bytes whatever day it is run."""
    import os

    if os.environ.get("SOURCE_DATE_EPOCH"):
        from .atomic import run_date

        return run_date()
    times = [s.mtime.date() for s in report.submissions]
    return max(times) if times else report.period.deadline


def _order(p: Problem) -> tuple:
    return (p.file, p.sheet, p.row or 0, p.cell, p.code, p.detail)


def _frame(subs: list[Submission], keys: list[str]) -> pd.DataFrame:
    parts = []
    for s in subs:
        part = s.rows.copy()
        part.insert(0, "_row", part.index)
        part.insert(0, "_agency", s.agency)
        part.insert(0, "_sheet", s.sheet)
        part.insert(0, "_file", s.name)
        parts.append(part.reset_index(drop=True))
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=META_COLUMNS)
    # every column of fields.yaml is present: a file without an optional column reads as empty
    return frame.reindex(columns=[*META_COLUMNS, *keys])


# ---- normalising ---------------------------------------------------------------------
def parser_for(col, rules: Rules):
    if col.type in ("text", "url"):
        return N.clean_text
    if col.type == "integer":
        return N.parse_integer
    if col.type in ("number", "money"):
        return N.parse_number
    if col.type == "date":
        return N.parse_date
    if col.type == "code":
        codes = set(rules.choices("catalogue"))
        return lambda v: _known_code(N.parse_code(v), codes)
    return N.choice_parser(rules.choices(col.source), rules.aliases(col.source))


def _known_code(parsed: N.Parsed, codes: set[str]) -> N.Parsed:
    if parsed.value is None or parsed.value in codes:
        return parsed
    return N.Parsed(parsed.value, error="unknown-action-code")


def normalise_frame(raw: pd.DataFrame, rules: Rules, letters: dict) -> tuple[pd.DataFrame, list[Problem]]:
    """Typed frame (unreadable values become empty) and the problems found while reading values."""
    typed = raw[[c for c in META_COLUMNS if c in raw]].copy()
    problems: list[Problem] = []
    for col in rules.fields.columns:
        if col.key not in raw or not col.input:
            continue
        codes, parsed = N.apply(raw[col.key], parser_for(col, rules))
        values = np.fromiter((None if p.error else p.value for p in parsed), dtype=object, count=len(parsed))[codes]
        typed[col.key] = _dtype(pd.Series(values, index=raw.index), col.type)
        flagged = np.array([bool(p.error or p.changed) for p in parsed], dtype=bool)[codes]
        for pos in np.flatnonzero(flagged):
            problems.append(_value_problem(raw, raw.index[pos], col, parsed[codes[pos]], rules, letters))
    return typed, problems


def _dtype(values: pd.Series, kind: str) -> pd.Series:
    if kind in ("number", "money"):
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if kind == "integer":
        return pd.to_numeric(values, errors="coerce").astype("Int64")
    if kind == "date":
        return values.astype(object).where(values.notna(), None)
    return values.astype(object).where(values.notna(), None)


_CHANGE_CODE = {
    "integer": "number-reformatted",
    "number": "number-reformatted",
    "money": "number-reformatted",
    "date": "date-reformatted",
    "code": "code-reformatted",
    "choice": "alias-replaced",
}


def _value_problem(raw: pd.DataFrame, i, col, p: N.Parsed, rules: Rules, letters: dict) -> Problem:
    value = raw.at[i, col.key]
    shown = value.strftime("%d/%m/%Y") if hasattr(value, "strftime") else str(value)
    code = p.error or (_CHANGE_CODE.get(col.type, "whitespace-normalised") if p.detail else "whitespace-normalised")
    detail = p.detail
    if code == "not-in-list":  # no suggestion for action codes: a near code is another action
        detail = _suggest(str(p.value), rules.choices(col.source))
    file, row = raw.at[i, "_file"], int(raw.at[i, "_row"])
    cell = f"{letters.get(file, {}).get(col.key, '')}{row}"
    return Problem(
        file,
        code,
        sheet=raw.at[i, "_sheet"],
        cell=cell,
        row=row,
        column=col.label,
        value=shown.strip() if code != "whitespace-normalised" else shown,
        detail=detail,
    )


def _suggest(value: str, allowed: list[str]) -> str:
    hit = process.extractOne(value, allowed, scorer=fuzz.WRatio, processor=utils.default_process, score_cutoff=85)
    return t("validate.suggestion", value=hit[0]) if hit else ""


# ---- agency-level checks ---------------------------------------------------------------
def _completeness(subs: list[Submission], typed: pd.DataFrame, rules: Rules) -> list[Problem]:
    out = []
    codes = typed.dropna(subset=["kode_aksi"]).groupby("_file")["kode_aksi"].agg(set) if len(typed) else {}
    for s in subs:
        if s.nihil and not len(s.rows):
            continue
        reported = codes.get(s.name, set())
        for fa, _ in rules.assigned_actions(s.agency):
            if fa.code not in reported:
                out.append(Problem(s.name, "assigned-action-missing", sheet=s.sheet, value=fa.code))
        if s.nihil and len(s.rows):
            out.append(Problem(s.name, "nihil-with-rows", sheet=t("sheets.identitas"), detail=str(len(s.rows))))
    return out


def submitted_on(s: Submission, rules: Rules) -> tuple[dt.date, str]:
    if rules.periods.lateness_basis == "tanggal_pengisian" and s.filled:
        return s.filled, t("validate.basis_filled")
    return s.mtime.date(), t("validate.basis_file")


def _timeliness(subs: list[Submission], rules: Rules, period: Period) -> list[Problem]:
    out = []
    for s in subs:
        day, basis = submitted_on(s, rules)
        if day > period.deadline:
            days = (day - period.deadline).days
            detail = t("validate.late", days=days, deadline=period.deadline.strftime("%d/%m/%Y"), basis=basis)
            out.append(Problem(s.name, "late-submission", detail=detail))
    return out


def _counts(subs: list[Submission], typed: pd.DataFrame, bad: pd.Series) -> list[FileCount]:
    per_file_bad = bad.groupby(typed["_file"]).sum() if len(typed) else pd.Series(dtype=int)
    per_file_all = typed.groupby("_file").size() if len(typed) else pd.Series(dtype=int)
    out = []
    for s in subs:
        n = len(s.rows) if s.rows is not None else 0
        status = "rejected" if s.rejected else "superseded" if s.superseded else "used"
        fc = FileCount(s.name, s.agency, s.sha256, status, read=n + s.blank, blank=s.blank)
        if status == "used":
            fc.rejected = int(per_file_bad.get(s.name, 0))
            fc.accepted = int(per_file_all.get(s.name, 0)) - fc.rejected
        elif status == "rejected":
            fc.rejected = n
        else:
            fc.rejected = n  # superseded rows are not used: listed with the reason "superseded"
        out.append(fc)
    return out


REPORTED = ("accepted", "accepted_warnings", "partial", "nihil")  # statuses of an agency that reported
MISSING = ("not_received", "rejected")  # nothing usable yet: the agency still has to send


def _statuses(subs, files, problems, rules: Rules, period: Period) -> dict[str, dict]:
    by_file = {f.file: f for f in files}
    sev = Counter((p.file, p.severity) for p in problems)
    out = {}
    for a in rules.agencies:
        mine = [s for s in subs if s.agency == a.code]
        used = [s for s in mine if not s.rejected and not s.superseded]
        entry = {
            "files": [s.name for s in mine],
            "accepted": 0,
            "rejected": 0,
            "errors": 0,
            "warnings": 0,
            "late": False,
        }
        if used:
            s = used[0]
            f = by_file[s.name]
            entry.update(
                accepted=f.accepted,
                rejected=f.rejected,
                errors=sev[(s.name, ERROR)],
                warnings=sev[(s.name, WARNING)],
                late=submitted_on(s, rules)[0] > period.deadline,
            )
            if s.nihil and not len(s.rows):
                entry["status"] = "nihil"
            elif f.accepted == 0 and f.rejected:
                entry["status"] = "rejected"
            elif f.rejected:
                entry["status"] = "partial"
            elif entry["warnings"]:
                entry["status"] = "accepted_warnings"
            else:
                entry["status"] = "accepted"
        elif mine:
            entry["status"] = "rejected"
            entry["errors"] = sum(sev[(s.name, ERROR)] for s in mine)
        else:
            entry["status"] = "not_received"
        out[a.code] = entry
    return out
