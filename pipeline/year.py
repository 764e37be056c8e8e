"""A year's report (Semester I + II) from the periods stored in the history: the activities
of every period of the year consolidated together, written as outbox/<year>/ringkasan_<year>.xlsx
and laporan_<year>.docx with the same writers as a period's."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd

from . import history
from .atomic import run_date
from .consolidate import consolidate
from .errors import RanpeError
from .periods import Period, parse_period
from .report import TEMPLATE, data_path, render_report, report_path, save_data
from .report_data import report_data
from .rules import Rules
from .summary import summary_path, write_summary
from .texts import t
from .validate import REPORTED, FileCount, Report


def year_report(outbox: Path, rules: Rules, year: int, template: Path = TEMPLATE) -> list[Path]:
    ids = [f"{year}-{kind}" for kind in rules.periods.kinds]
    snaps = {pid: history.load(outbox, pid) for pid in ids}
    missing = [pid for pid, s in snaps.items() if s is None]
    if missing:
        raise RanpeError(t("history.year_missing", year=year, periods=", ".join(missing)))
    last = parse_period(ids[-1], rules)
    period = Period(str(year), year, "Y", t("year.label"), t("year.report"), dt.date(year, 1, 1), dt.date(year, 12, 31),
                    last.deadline)  # fmt: skip
    acts = pd.concat([s.activities for s in snaps.values()], ignore_index=True)
    report = Report(period, [], [], acts, _files(outbox, ids), statuses=_statuses([s.statuses for s in snaps.values()]))
    c = consolidate(report, rules, acts=acts)
    day = run_date()
    summary = write_summary(summary_path(outbox, period.id), c, report, rules, day)
    data = report_data(c, report, rules, summary.name, day)
    return [
        summary,
        save_data(data, data_path(outbox, period.id)),
        render_report(data, report_path(outbox, period.id), template),
    ]


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


def _statuses(periods: list[dict[str, dict]]) -> dict[str, dict]:
    """Per agency over the year: the last period's status when it reported then, else the
    last status in which it reported at all; counts added up; late if late once."""
    out = {}
    for code in periods[-1]:
        seen = [p[code] for p in periods if code in p]
        reported = [s for s in seen if s["status"] in REPORTED]
        status = seen[-1]["status"] if seen[-1]["status"] in REPORTED or not reported else reported[-1]["status"]
        out[code] = {
            "status": status,
            "files": [f for s in seen for f in s["files"]],
            **{k: sum(s[k] for s in seen) for k in ("accepted", "rejected", "errors", "warnings")},
            "late": any(s["late"] for s in seen),
        }
    return out
