"""A year's report (Semester I + II) from the periods stored in the history: the activities
of every period of the year consolidated together, written as outbox/<year>/ringkasan_<year>.xlsx
and laporan_<year>.docx with the same writers as a period's."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from ..analysis.consolidate import consolidate
from ..core.clock import run_date
from ..core.errors import RanpeError
from ..core.model import REPORTED, AgencyStatus, FileCount, Period, Validation
from ..core.periods import parse_period
from ..core.rules import Rules
from ..core.texts import t
from ..outputs.report import data_path, render_report, report_path, save_data
from ..outputs.report_data import report_data
from ..outputs.summary import summary_path, write_summary
from . import history


def year_report(outbox: Path, rules: Rules, year: int, template: Path | None = None) -> tuple[list[Path], str]:
    ids = [f"{year}-{kind}" for kind in rules.periods.kinds]
    snaps = {pid: history.load(outbox, pid) for pid in ids}
    missing = [pid for pid, s in snaps.items() if s is None]
    if missing:
        raise RanpeError(t("history.year_missing", year=year, periods=", ".join(missing), first=missing[0]))
    last = parse_period(ids[-1], rules)
    period = Period(str(year), year, "Y", t("year.label"), t("year.report"), dt.date(year, 1, 1), dt.date(year, 12, 31),
                    last.deadline)  # fmt: skip
    acts = pd.concat([s.activities for s in snaps.values()], ignore_index=True)
    agencies = _agencies([s.agencies for s in snaps.values()])
    validation = Validation(period, [], [], acts, _files(outbox, ids), agencies=agencies)
    decided = {i: d for pid in ids for i, d in history.decisions(outbox, pid).items()}  # as the periods had them
    c = consolidate(validation, rules, acts=acts, decisions=decided, check_content=False)
    day = run_date()
    summary = write_summary(summary_path(outbox, period.id), c, validation, rules, day)
    data = report_data(c, validation, rules, summary.name, day)
    saved = save_data(data, data_path(outbox, period.id))
    reports, note = render_report(data, report_path(outbox, period.id), template)
    open_ = [pid for pid in ids if not history.finalised(outbox, pid)]  # figures that may still change
    notes = [t("year.not_finalised", periods=", ".join(open_))] if open_ else []
    return [summary, saved, *reports], "\n".join([*notes, *([note] if note else [])])


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


def _agencies(periods: list[dict[str, AgencyStatus]]) -> dict[str, AgencyStatus]:
    """Per agency over the year: the last period's state when it reported then, else the
    last state in which it reported at all; counts added up; late if late once."""
    out = {}
    for code in periods[-1]:
        seen = [p[code] for p in periods if code in p]
        reported = [a for a in seen if a.state in REPORTED]
        state = seen[-1].state if seen[-1].state in REPORTED or not reported else reported[-1].state
        out[code] = AgencyStatus(
            state,
            [f for a in seen for f in a.files],
            *(sum(getattr(a, k) for a in seen) for k in ("accepted", "rejected", "errors", "warnings")),
            late=any(a.late for a in seen),
        )
    return out
