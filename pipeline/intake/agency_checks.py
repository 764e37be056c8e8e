"""Checks of an agency's return as a whole: lateness, a nihil declaration beside rows,
assigned actions without any row, and agencies that sent nothing."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..core.formatting import dmy
from ..core.model import AgencyStatus, Period, Problem, Submission
from ..core.rules import Rules
from ..core.texts import t


def submitted_on(s: Submission, rules: Rules) -> tuple[dt.date, str]:
    """The date that decides whether a return is late, and what it is (texts)."""
    if rules.periods.lateness_basis == "tanggal_pengisian" and s.filled:
        return s.filled, t("validate.basis_filled")
    return s.mtime.date(), t("validate.basis_file")


def first_sent(subs: list[Submission], rules: Rules) -> dict[str, tuple[dt.date, str]]:
    """Each agency's first return of the period, whatever became of it: the date that decides
    whether the agency was late (a correction sent after the deadline, as its feedback asked,
    does not make a return sent on time late), and what that date is."""
    out: dict[str, tuple[dt.date, str]] = {}
    for s in subs:
        if s.agency:
            sent = submitted_on(s, rules)
            out[s.agency] = min(out.get(s.agency, sent), sent, key=lambda x: x[0])
    return out


def late(used: list[Submission], first: dict[str, tuple[dt.date, str]], period: Period) -> list[Problem]:
    """The files in use of the agencies whose first return came after the deadline."""
    out = []
    for s in used:
        day, basis = first[s.agency]
        if day > period.deadline:
            days = (day - period.deadline).days
            detail = t("validate.late", days=days, deadline=dmy(period.deadline), basis=basis)
            out.append(Problem(s.name, "late-submission", detail=detail))
    return out


def completeness(subs: list[Submission], typed: pd.DataFrame, rules: Rules) -> list[Problem]:
    """Assigned actions without any row of the agency's file, and a nihil declaration that
    comes with rows."""
    out = []
    key = rules.action_key
    codes: dict[str, set] = {}
    for file, code in typed[["_file", key]].dropna(subset=[key]).drop_duplicates().itertuples(index=False):
        codes.setdefault(file, set()).add(code)
    for s in subs:
        if s.nihil and not s.count:
            continue
        reported = codes.get(s.name, set())
        for fa, _ in rules.assigned_actions(s.agency):
            if fa.code not in reported:
                out.append(Problem(s.name, "assigned-action-missing", sheet=s.sheet, value=fa.code))
        if s.nihil and s.count:
            out.append(Problem(s.name, "nihil-with-rows", sheet=t("sheets.identitas"), detail=str(s.count)))
    return out


def not_received(agencies: dict[str, AgencyStatus], period: Period) -> list[Problem]:
    return [
        Problem("", "not-received", value=code, detail=dmy(period.deadline))
        for code, a in agencies.items()
        if a.state == "not_received"
    ]
