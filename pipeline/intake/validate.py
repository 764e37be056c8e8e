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
from .cache import Cache
from .checks import Context, Earlier, across_problems, at_cells
from .ingest import Ingested, ingest
from .per_file import checked_rows


def validate_period(
    inbox: Path,
    rules: Rules,
    period: Period,
    progress=None,
    watch=None,
    seen: Seen | None = None,
    earlier: Earlier | None = None,
    cache: Cache | None = None,
) -> Validation:
    """`seen`: the files processed in each period so far (cycle/history.py `seen`), so that
    another period's files sharing the inbox are set aside; `earlier`: the largest values of
    the periods stored before (cycle/history.py `largest`), for the checks that compare with
    them; `cache`: what reading and checking each file gave in the period's last run
    (intake/cache.py), to which this run's results are added (the caller saves it): the
    validation is the same with it or without."""
    with stage(watch, "read"):
        ingested = ingest(inbox, rules, period, progress, seen, cache)
    with stage(watch, "normalise_validate"):
        return _validate(ingested, rules, period, earlier or {}, cache)


def _validate(ingested: Ingested, rules: Rules, period: Period, earlier: Earlier, cache: Cache | None) -> Validation:
    subs = ingested.submissions
    problems = list(ingested.ignored)
    for s in subs:
        problems += s.problems
    used = [s for s in subs if not s.rejected and not s.superseded and s.has_rows]
    rows = checked_rows(used, rules, period, cache)
    typed = rows.typed
    ctx = Context(rules, period, {s.name: s.letters for s in used}, rows.raw, earlier)
    row_problems = rows.values + [p for _, p in rows.found] + across_problems(typed, ctx, rows.found)
    problems += row_problems
    errors = {(p.file, p.row) for p in row_problems if p.severity == ERROR}
    bad = pd.Series(at_cells(typed, errors), index=typed.index, dtype=bool)
    accepted = typed[~bad].reset_index(drop=True)
    problems += agency_checks.completeness(used, typed, rules)
    first = agency_checks.first_sent(subs, rules)
    problems += agency_checks.late(used, first, period)
    files = _counts(subs, typed, bad)
    agencies = _agencies(subs, files, problems, first, rules, period)
    problems += agency_checks.not_received(agencies, period)
    return Validation(period, subs, sorted(problems, key=_order), accepted, files, typed=typed, agencies=agencies)


def _order(p: Problem) -> tuple:
    """Where a problem is, then what: every field, so that the order never depends on the
    order problems were found in (a file checked in an earlier run or in this one)."""
    return (p.file, p.sheet, p.row or 0, p.cell, p.code, p.detail, p.column, p.value, p.debug)


def _counts(subs: list[Submission], typed: pd.DataFrame, bad: pd.Series) -> list[FileCount]:
    per_file_bad = bad.groupby(typed["_file"]).sum() if len(typed) else pd.Series(dtype=int)
    per_file_all = typed.groupby("_file").size() if len(typed) else pd.Series(dtype=int)
    out = []
    for s in subs:
        n = s.count
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
    late when its first return came after the deadline (`first`: agency_checks.first_sent).
    The units are those expected in the period (every K/L, the regions called in) and any
    other region that sent a file all the same."""
    by_file = {f.file: f for f in files}
    sev = Counter((p.file, p.severity) for p in problems)
    sent_by = {s.agency for s in subs}
    expected = {a.code for a in rules.expected(period.id)}
    out = {}
    for a in (a for a in rules.agencies if a.code in expected or a.code in sent_by):
        mine = [s for s in subs if s.agency == a.code]
        used = [s for s in mine if not s.rejected and not s.superseded]
        names = [s.name for s in mine]
        if not used:
            errors = sum(sev[(s.name, ERROR)] for s in mine)
            out[a.code] = AgencyStatus("rejected" if mine else "not_received", names, errors=errors, level=a.level)
            continue
        s = used[0]
        f = by_file[s.name]
        sent = first[a.code][0]
        warnings = sev[(s.name, WARNING)]
        if s.nihil and not s.count:
            state = "nihil"
        elif f.accepted == 0 and f.rejected:
            state = "rejected"
        elif f.rejected:
            state = "partial"
        else:
            state = "accepted_warnings" if warnings else "accepted"
        late = sent > period.deadline
        out[a.code] = AgencyStatus(state, names, f.accepted, f.rejected, sev[(s.name, ERROR)], warnings, late, sent,
                                   s.name, (sent - period.deadline).days if late else 0, a.level)  # fmt: skip
    return out
