"""The rows of the files in use, typed and checked file by file. What depends on one file's
rows alone (its values normalised, the column checks of fields.yaml, the checks of
checks.yaml that compare a row with rows of its own file at most) is taken from the cache
(intake/cache.py) for a file checked before, and worked out for the others together,
vectorised over all their rows (shared with a forked worker when there are many: files
are checked alike on their own or together). The checks across files run on every row
afterwards (validate.py)."""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

import pandas as pd

from ..core.forked import forked
from ..core.model import Period, Problem, Submission
from ..core.rules import Rules
from .cache import Cache, Checked
from .checks import Context, Found, across_columns, column_problems, row_problems
from .ingest import load_rows
from .normalise import META_COLUMNS, normalise_frame, own_region


@dataclass
class Rows:
    typed: pd.DataFrame  # every row of the files in use, typed, in their order
    raw: pd.DataFrame  # the same rows as typed, in the columns the checks across files show
    values: list[Problem]  # what reading their values found (normalising, fields.yaml)
    found: Found  # what the row checks found, with their check's position in checks.yaml


def checked_rows(used: list[Submission], rules: Rules, period: Period, cache: Cache | None = None) -> Rows:
    """The rows of `used` (the files in use, in order) typed, and what checking each file's
    rows on their own found; kept in `cache` for the next run."""
    done = cache.checked(used) if cache else {}
    fresh = [s for s in used if s.name not in done]
    load_rows([s for s in fresh if s.rows is None], rules, period)  # read before, but not checked: read again
    mine, *theirs = _shares(fresh)
    with forked([("checking", functools.partial(_check, share, rules, period)) for share in theirs]) as results:
        checks = [_check(mine, rules, period), *results()]
    frames = {name: (typed, raw, c) for typed, raw, checked in checks for name, c in checked.items()}
    parts = [done.get(s.name) or frames[s.name] for s in used]
    rows, positions = _assemble(parts, *checks[0][:2])
    if cache:
        cache.keep_checked(used, rows.typed, rows.raw, dict(zip([s.name for s in used], positions, strict=True)))
    return rows


def _shares(subs: list[Submission]) -> list[list[Submission]]:
    """The files to check in two shares of about as many rows, in order, when there are at
    least SHARED rows (a worker costs more than checking fewer); else one."""
    sizes = [len(s.rows) for s in subs]
    if sum(sizes) < SHARED:
        return [subs]
    cut = next(i for i, n in enumerate(itertools.accumulate(sizes), start=1) if 2 * n >= sum(sizes))
    return [subs[:cut], subs[cut:]] if cut < len(subs) else [subs]


SHARED = 20_000  # rows to check from which a worker takes half of them


def _check(subs: list[Submission], rules: Rules, period: Period) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Normalise and check the rows of `subs` together: their typed rows, their raw rows in
    the columns the checks across files show, and what each file's checks found."""
    raw = own_region(_frame(subs, [c.key for c in rules.fields.columns if c.input]), rules)
    letters = {s.name: s.letters for s in subs}
    typed, corrections = normalise_frame(raw, rules, letters)
    ctx = Context(rules, period, letters, raw)
    values, found = _by_file(corrections + column_problems(typed, ctx)), _by_file(row_problems(typed, ctx))
    checked, start = {}, 0
    for s in subs:
        checked[s.name] = Checked(start, start + s.count, values.get(s.name, []), found.get(s.name, []))
        start += s.count
    return typed, raw[across_columns(rules)], checked


def _by_file(problems: list) -> dict[str, list]:
    """Problems (or (position, problem) pairs) by file."""
    out: dict[str, list] = {}
    for item in problems:
        out.setdefault((item[1] if isinstance(item, tuple) else item).file, []).append(item)
    return out


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


def _assemble(parts: list[tuple], typed: pd.DataFrame, raw: pd.DataFrame) -> tuple[Rows, list[Checked]]:
    """One frame of the files' rows in their order, from the frames their rows are in (the
    cache's, this run's), taking each run of consecutive rows of one frame at once; and each
    file's place in it."""
    runs: list[list] = []  # [typed frame, raw frame, start, stop]
    positions, values, found, at = [], [], [], 0
    for t, r, c in parts:
        if runs and runs[-1][0] is t and runs[-1][3] == c.start:
            runs[-1][3] = c.stop
        else:
            runs.append([t, r, c.start, c.stop])
        positions.append(Checked(at, at + c.stop - c.start, c.values, c.found))
        at += c.stop - c.start
        values += c.values
        found += c.found
    if not runs or (len(runs) == 1 and runs[0][0] is typed and runs[0][2:] == [0, len(typed)]):
        return Rows(typed, raw, values, found), positions  # every row checked in this run: as they are
    joined = [pd.concat([run[k].iloc[run[2] : run[3]] for run in runs], ignore_index=True) for k in (0, 1)]
    return Rows(joined[0], joined[1], values, found), positions
