"""Validate a period: ingest every workbook, normalise its rows, check them, and decide
for each row (accepted or rejected) and each agency (its submission status).

Every row read ends up accepted, rejected (with its problems) or skipped as blank; the
counts per file reconcile: read = accepted + rejected + blank.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd

from ..core.model import (
    REJECTED,
    SUPERSEDED,
    USED,
    AgencyStatus,
    FileCount,
    Period,
    Problem,
    Seen,
    Submission,
    Validation,
)
from ..core.problems import ERROR, WARNING
from ..core.rules import Rules
from ..core.stopwatch import stage
from . import agency_checks
from .checks import Context, Earlier, column_problems, cross_problems
from .ingest import Ingested, ingest
from .normalise import META_COLUMNS, normalise_frame


def validate_period(
    inbox: Path,
    rules: Rules,
    period: Period,
    progress=None,
    watch=None,
    seen: Seen | None = None,
    earlier: Earlier | None = None,
) -> Validation:
    """`seen`: the files processed in each period so far (cycle/history.py `seen`), so that
    another period's files sharing the inbox are set aside; `earlier`: the largest values of
    the periods stored before (cycle/history.py `largest`), for the checks that compare with them."""
    with stage(watch, "read"):
        ingested = ingest(inbox, rules, period, progress, seen)
    with stage(watch, "normalise_validate"):
        return _validate(ingested, rules, period, earlier or {})


def _validate(ingested: Ingested, rules: Rules, period: Period, earlier: Earlier) -> Validation:
    subs = ingested.submissions
    problems = list(ingested.ignored)
    for s in subs:
        problems += s.problems
    used = [s for s in subs if not s.rejected and not s.superseded and s.rows is not None]
    raw = _frame(used, [c.key for c in rules.fields.columns if c.input])
    letters = {s.name: s.letters for s in used}
    typed, corrections = normalise_frame(raw, rules, letters)
    ctx = Context(rules, period, letters, raw, earlier)
    row_problems = corrections + column_problems(typed, ctx) + cross_problems(typed, ctx)
    problems += row_problems
    errors = {(p.file, p.row) for p in row_problems if p.severity == ERROR}
    bad = pd.Series(
        [(f, int(r)) in errors for f, r in zip(typed["_file"], typed["_row"], strict=True)],
        index=typed.index,
        dtype=bool,
    )
    accepted = typed[~bad].reset_index(drop=True)
    problems += agency_checks.completeness(used, typed, rules)
    first = agency_checks.first_sent(subs, rules)
    problems += agency_checks.late(used, first, period)
    files = _counts(subs, typed, bad)
    agencies = _agencies(subs, files, problems, first, rules, period)
    problems += agency_checks.not_received(agencies, period)
    return Validation(period, subs, sorted(problems, key=_order), accepted, files, typed=typed, agencies=agencies)


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


def _counts(subs: list[Submission], typed: pd.DataFrame, bad: pd.Series) -> list[FileCount]:
    per_file_bad = bad.groupby(typed["_file"]).sum() if len(typed) else pd.Series(dtype=int)
    per_file_all = typed.groupby("_file").size() if len(typed) else pd.Series(dtype=int)
    out = []
    for s in subs:
        n = len(s.rows) if s.rows is not None else 0
        status = REJECTED if s.rejected else SUPERSEDED if s.superseded else USED
        fc = FileCount(s.name, s.agency, s.sha256, status, read=n + s.blank, blank=s.blank)
        if status == USED:
            fc.rejected = int(per_file_bad.get(s.name, 0))
            fc.accepted = int(per_file_all.get(s.name, 0)) - fc.rejected
        else:
            fc.rejected = n  # rows of a rejected or superseded file are not used: listed with the file's reason
        out.append(fc)
    return out


def _agencies(subs, files, problems, first, rules: Rules, period: Period) -> dict[str, AgencyStatus]:
    """Each agency's status, from its file in use (at most one: the others are superseded);
    late when its first return came after the deadline (`first`: agency_checks.first_sent)."""
    by_file = {f.file: f for f in files}
    sev = Counter((p.file, p.severity) for p in problems)
    out = {}
    for a in rules.agencies:
        mine = [s for s in subs if s.agency == a.code]
        used = [s for s in mine if not s.rejected and not s.superseded]
        names = [s.name for s in mine]
        if not used:
            errors = sum(sev[(s.name, ERROR)] for s in mine)
            out[a.code] = AgencyStatus("rejected" if mine else "not_received", names, errors=errors)
            continue
        s = used[0]
        f = by_file[s.name]
        sent = first[a.code][0]
        warnings = sev[(s.name, WARNING)]
        if s.nihil and not len(s.rows):
            state = "nihil"
        elif f.accepted == 0 and f.rejected:
            state = "rejected"
        elif f.rejected:
            state = "partial"
        else:
            state = "accepted_warnings" if warnings else "accepted"
        late = sent > period.deadline
        out[a.code] = AgencyStatus(state, names, f.accepted, f.rejected, sev[(s.name, ERROR)], warnings, late, sent,
                                   s.name, (sent - period.deadline).days if late else 0)  # fmt: skip
    return out
