"""Reporting periods such as 2026-S1 (the Period record is in model.py) from their id and the rules."""

from __future__ import annotations

import datetime as dt
import re

from .errors import RanpeError
from .model import Period
from .rules import Rules
from .texts import t

_ID = re.compile(r"^(?P<year>\d{4})-(?P<kind>[A-Z0-9]+)$")


def parse_period(text: str, rules: Rules) -> Period:
    """Parse a period id; a bad id is a RanpeError listing valid examples."""
    m = _ID.match(text.strip().upper())
    kinds = rules.periods.kinds
    if not m or m["kind"] not in kinds:
        examples = ", ".join(f"2026-{k}" for k in kinds)
        raise RanpeError(t("errors.period_invalid", period=text, examples=examples))
    year, kind = int(m["year"]), kinds[m["kind"]]
    pid = f"{year}-{m['kind']}"
    start = dt.date.fromisoformat(f"{year}-{kind.start}")
    end = dt.date.fromisoformat(f"{year}-{kind.end}")
    d = kind.deadline
    deadline = rules.periods.deadline_overrides.get(pid) or dt.date(year + d.year_offset, d.month, d.day)
    return Period(pid, year, m["kind"], kind.label, kind.report, start, end, deadline)


def previous_period_id(period: Period, rules: Rules) -> str:
    """The period before this one in the plan's cycle (2026-S1 -> 2025-S2)."""
    kinds = list(rules.periods.kinds)
    i = kinds.index(period.kind)
    return f"{period.year}-{kinds[i - 1]}" if i else f"{period.year - 1}-{kinds[-1]}"
