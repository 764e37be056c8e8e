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


def period_key(period_id: str, rules: Rules) -> tuple[int, int] | None:
    """Where a period id stands in time, to compare two periods; None for an id the rules do not know."""
    m = _ID.match(period_id or "")
    kinds = list(rules.periods.kinds)
    return (int(m["year"]), kinds.index(m["kind"])) if m and m["kind"] in kinds else None


def period_of(day: dt.date, rules: Rules) -> str:
    """The id of the period a date falls in."""
    md = f"{day:%m-%d}"
    return next(f"{day.year}-{k}" for k, kind in rules.periods.kinds.items() if kind.start <= md <= kind.end)


_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")


def period_in_text(text: object, rules: Rules) -> str | None:
    """The period a text names: its id ("2026-S1") or a kind's label or alias with one year
    ("SEMESTER I TAHUN 2026"); None when it names none, or more than one."""
    folded = " ".join(str(text or "").split()).casefold()
    ids = {f"{m['year']}-{m['kind']}" for m in re.finditer(r"\b(?P<year>\d{4})-(?P<kind>[a-z0-9]+)\b", folded)}
    ids = {i.upper() for i in ids if i.split("-")[1].upper() in rules.periods.kinds}
    if ids:
        return ids.pop() if len(ids) == 1 else None
    kinds = {
        code
        for code, kind in rules.periods.kinds.items()
        for name in (kind.label, *kind.aliases)
        if re.search(rf"(?<!\w){re.escape(' '.join(name.split()).casefold())}(?!\w)", folded)
    }
    years = set(_YEAR.findall(folded))
    return f"{years.pop()}-{kinds.pop()}" if len(kinds) == 1 and len(years) == 1 else None
