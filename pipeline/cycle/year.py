"""A year's report (Semester I + II) from the periods stored in the history, as docs/angka.md
section 9 defines it: the activities of every period of the year consolidated together (an
activity reported in both semesters is one activity, its later figures counted, its targets
added up), the matrix targets of the year, the periods' review decisions and flags, and a
review of the year's own for what spans the semesters (outbox/<year>/tinjauan_<year>.xlsx,
its decisions stored under the year, never in a finalised semester). Written as
outbox/<year>/ringkasan_<year>.xlsx and laporan_<year>.docx with the same writers as a period's."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from ..analysis import review
from ..analysis.consolidate import consolidate
from ..core.clock import run_date
from ..core.errors import RanpeError
from ..core.model import AgencyStatus, FileCount, Period, Snapshot, Validation
from ..core.periods import parse_period
from ..core.rules import Rules
from ..core.texts import t
from ..outputs.open_data import write_open_data
from ..outputs.public import render_public
from ..outputs.report import data_path, render_report, report_path, save_data
from ..outputs.report_data import report_data
from ..outputs.review_workbook import review_path, write_review_workbook
from ..outputs.summary import summary_path, write_summary
from . import history
from .decisions import read_back


def year_report(outbox: Path, rules: Rules, year: int, template: Path | None = None) -> tuple[list[Path], str]:
    ids = [f"{year}-{kind}" for kind in rules.periods.kinds]
    snaps = {pid: history.load(outbox, pid) for pid in ids}
    missing = [pid for pid, s in snaps.items() if s is None]
    if missing:
        raise RanpeError(t("history.year_missing", year=year, periods=", ".join(missing), first=missing[0]))
    last = parse_period(ids[-1], rules)
    period = Period(str(year), year, "Y", t("year.label"), t("year.report"), dt.date(year, 1, 1), dt.date(year, 12, 31),
                    last.deadline)  # fmt: skip
    acts = continued(snaps)
    agencies = _agencies([s.agencies for s in snaps.values()], rules)
    flags = [p for s in snaps.values() for p in s.flags]
    every = pd.concat([s.activities for s in snaps.values()], ignore_index=True)  # each period's flags have their row
    validation = Validation(period, [], flags, every, _files(outbox, ids), agencies=agencies)
    stored = history.decisions(outbox, period.id)  # the year's own
    path = review_path(outbox, period.id)
    decided_year, new, problems = read_back(path, stored)
    decided = {i: d for pid in ids for i, d in history.decisions(outbox, pid).items()} | decided_year
    c = consolidate(validation, rules, acts=acts, decisions=decided, check_content=False, targets=targets(rules, ids))
    taken, unknown, c.review.orphans = review.check(c.review.items, new, stored)
    c.review.problems = problems + unknown
    history.add_decisions(outbox, period.id, taken, rules.settings.timezone)
    day = run_date()
    summary = write_summary(summary_path(outbox, period.id), c, validation, rules, day)
    data = report_data(c, validation, rules, summary.name, day)
    saved = save_data(data, data_path(outbox, period.id))
    finish_public = render_public(data, rules, outbox)  # laid out beside the signed report
    reports, note = render_report(data, report_path(outbox, period.id), template)
    open_data = write_open_data(c, rules, data, outbox)
    public, _ = finish_public()
    workbook = write_review_workbook(path, c.review, validation, rules, day)
    open_ = [pid for pid in ids if not history.finalised(outbox, pid)]  # figures that may still change
    notes = review.lines(c.review, path, len(taken))
    notes += [t("year.not_finalised", periods=", ".join(open_))] if open_ else []
    return [summary, saved, *reports, *public, *open_data, workbook], "\n".join([*notes, *([note] if note else [])])


def continued(snaps: dict[str, Snapshot]) -> pd.DataFrame:
    """The activities of the year's periods, an activity reported in more than one of them
    (the same agency, action, name, start date and place: its id but for the period) once:
    its last report's row, whose realisation, participants and budget are cumulative, with
    the targets of every period added up (each is for its period)."""
    parts = [s.activities.assign(_periode=pid) for pid, s in snaps.items() if len(s.activities)]
    if not parts:
        return pd.concat([s.activities for s in snaps.values()], ignore_index=True)
    acts = pd.concat(parts, ignore_index=True)
    same = pd.Series([i[len(p) + 1 :] for i, p in zip(acts["id_kegiatan"], acts["_periode"], strict=True)])
    target = pd.to_numeric(acts["target"], errors="coerce").groupby(same).transform(lambda x: x.sum(min_count=1))
    last = ~same.duplicated(keep="last")
    return acts.assign(target=target)[last].reset_index(drop=True)


def targets(rules: Rules, ids: list[str]) -> dict[str, float]:
    """The matrix targets of the year: an action's annual target, else its target for one
    period times the year's periods."""
    return {
        fa.code: fa.action.annual_target if fa.action.annual_target else fa.action.target * len(ids)
        for fa in rules.actions
        if fa.action.annual_target or fa.action.target
    }


def _files(outbox: Path, ids: list[str]) -> list[FileCount]:
    out = []
    for pid in ids:
        manifest = json.loads(history.manifest(outbox, pid))
        out += [
            FileCount(f"{pid}/{i['file']}", i["agency"], i["sha256"], i["status"], i["rows_read"], i["rows_accepted"],
                      i["rows_rejected"], i["rows_blank"])
            for i in manifest["inputs"]
        ]  # fmt: skip
    return out


def _agencies(periods: list[dict[str, AgencyStatus]], rules: Rules) -> dict[str, AgencyStatus]:
    """Each unit's state over the year (docs/angka.md section 9), over the periods in which it
    was a unit (asked to report, or reporting all the same), in rules order: the state of the
    first period in which it had nothing usable (it still owes that report), else nihil when
    every period was nihil, else the least complete of its other periods' states (partial,
    then accepted with warnings, then accepted). Late only when it reported in every period
    and came late in one; its days are the most days late in one period. Files, rows and
    problems are added up."""
    order = ("partial", "accepted_warnings", "accepted")
    out = {}
    for code in (a.code for a in rules.units({c for p in periods for c in p})):
        seen = [p[code] for p in periods if code in p]
        missing = [a for a in seen if a.missing]
        if missing:
            state = missing[0].state
        elif all(a.state == "nihil" for a in seen):
            state = "nihil"
        else:
            state = min((a.state for a in seen if a.state != "nihil"), key=order.index)
        late = max((a for a in seen if a.late), key=lambda a: a.days_late, default=None) if not missing else None
        out[code] = AgencyStatus(
            state,
            [f for a in seen for f in a.files],
            *(sum(getattr(a, k) for a in seen) for k in ("accepted", "rejected", "errors", "warnings")),
            late=late is not None,
            sent=late.sent if late else seen[-1].sent,
            days_late=late.days_late if late else 0,
            level=seen[-1].level,
        )
    return out
