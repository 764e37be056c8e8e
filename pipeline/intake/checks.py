"""Row checks. Column checks come from fields.yaml as a pandera schema; cross-field checks
are registered functions named by rules/checks.yaml (their parameters are typed in
core/schema.py). All are vectorised over the frame of every row of the period and return
Problem records."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from ..core.formatting import angka, dmy
from ..core.model import Period, Problem
from ..core.rules import Rules
from ..core.schema import (
    AssignedAction,
    AtMost,
    CheckParams,
    DuplicateRows,
    EndBeforeStart,
    FarAbove,
    Outlier,
    Requires,
    Twins,
    Url,
    WithinPeriod,
)
from ..core.texts import t
from .normalise import has_content

Earlier = dict[str, dict[tuple[str, str], float]]  # column -> (agency, action) -> largest value


@dataclass
class Context:
    """What the checks need besides the frame: rules, period, where cells are, raw values."""

    rules: Rules
    period: Period
    letters: dict[str, dict[str, str]]  # file -> column key -> Excel column letter
    raw: pd.DataFrame  # the values as typed, same index as the frame
    earlier: Earlier = field(default_factory=dict)  # the largest values of the periods before (history_columns)
    found: list[Problem] = field(default_factory=list)  # what the cross-field checks found so far

    def empty(self, key: str, where: pd.Series) -> pd.Series:
        """True where the cell was really left empty (not typed with an unreadable value),
        looked at only on the rows of `where`."""
        cells = self.raw.loc[where.to_numpy(bool), key]
        return (~cells.map(has_content).astype(bool)).reindex(self.raw.index, fill_value=False)

    def cell(self, df: pd.DataFrame, i, key: str) -> str:
        """The Excel cell of column `key` in the row labelled `i`."""
        return f"{self.letters.get(df.at[i, '_file'], {}).get(key, 'A')}{int(df.at[i, '_row'])}"

    def emit(self, df: pd.DataFrame, mask: pd.Series, key: str, code: str, detail=None, value=None) -> list[Problem]:
        """One Problem per True row of `mask`, located at column `key` of that row. `detail`:
        one text, or a function of the row label (called for the hits only); `value`: what
        to show instead of the cell as typed (a Series)."""
        hits = df.index[mask.fillna(False).to_numpy(bool)]
        label = self.rules.column_by_key[key].label if key in self.rules.column_by_key else ""
        out = []
        for i in hits:
            shown = value[i] if value is not None else self.raw.at[i, key] if key in self.raw else ""
            out.append(
                Problem(
                    df.at[i, "_file"],
                    code,
                    sheet=df.at[i, "_sheet"],
                    cell=self.cell(df, i, key),
                    row=int(df.at[i, "_row"]),
                    column=label,
                    value=_show(shown),
                    detail=detail(i) if callable(detail) else detail or "",
                )
            )
        return out


def _length(texts: pd.Series, limit: int, i) -> str:
    return t("validate.length", n=len(str(texts[i])), max=limit)


def _median_text(median: pd.Series, i) -> str:
    return t("validate.outlier", median=_show(median[i]))


def _show(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if hasattr(v, "strftime"):
        return dmy(v)
    if isinstance(v, float):
        return angka(v, None)
    return str(v)


# ---- column checks (pandera, from fields.yaml) --------------------------------------
def column_schema(rules: Rules) -> pa.DataFrameSchema:
    columns = {}
    for c in rules.fields.columns:
        if not c.input:
            continue
        checks = []
        if c.type in ("integer", "number", "money"):
            if c.min is not None:
                checks.append(pa.Check.ge(c.min))
            if c.max is not None:
                checks.append(pa.Check.le(c.max))
        if c.max_length:
            checks.append(pa.Check(lambda s, n=c.max_length: s.str.len() <= n, element_wise=False, name="length"))
        columns[c.key] = pa.Column(nullable=not c.required, checks=checks, required=False, coerce=False)
    return pa.DataFrameSchema(columns, strict=False)


_PANDERA_CODES = {
    "not_nullable": "required-missing",
    "greater_than_or_equal_to": "out-of-range",
    "less_than_or_equal_to": "out-of-range",
    "length": "text-too-long",
}


def column_problems(df: pd.DataFrame, ctx: Context) -> list[Problem]:
    try:
        column_schema(ctx.rules).validate(df, lazy=True)
        return []
    except SchemaErrors as exc:
        cases = exc.failure_cases
    out = []
    for (key, check), group in cases.groupby(["column", "check"], sort=True):
        code = _PANDERA_CODES.get(str(check).split("(")[0])
        if not code:
            continue
        col = ctx.rules.column_by_key[key]
        mask = df.index.isin(group["index"].dropna())
        if code == "required-missing":  # an unreadable value was already reported as such
            mask &= ctx.empty(key, pd.Series(mask, index=df.index)).to_numpy(bool)
        detail = None
        if code == "out-of-range":
            low = str(check).startswith("greater")
            detail = (
                t("validate.range_min", min=angka(col.min, None))
                if low
                else t("validate.range_max", max=angka(col.max, None))
            )
        elif code == "text-too-long":
            detail = functools.partial(_length, df[key], col.max_length)
        out += ctx.emit(df, pd.Series(mask, index=df.index), key, code, detail)
    return out


# ---- cross-field checks (rules/checks.yaml) -----------------------------------------
Check = Callable[[pd.DataFrame, Context, CheckParams], list[Problem]]
REGISTRY: dict[str, Check] = {}  # check name (the `check` of a checks.yaml entry) -> function
ACROSS: set[str] = set()  # the checks that compare rows of different files, or follow what others found
Found = list[tuple[int, Problem]]  # what the row checks found, each with its check's position in checks.yaml


def register(name: str, across: bool = False):
    """A check of checks.yaml. Any other check looks at each row with at most the rows of its
    own file, and never at `ctx.found`: it runs on each file's rows once, and what it finds
    is kept with the file (intake/cache.py); a check `across` files runs on every row, every run."""

    def wrap(fn: Check) -> Check:
        REGISTRY[name] = fn
        if across:
            ACROSS.add(name)
        return fn

    return wrap


def row_problems(df: pd.DataFrame, ctx: Context) -> Found:
    """What the checks of one file at a time find (on the rows of any number of files), each
    problem with the position of its check (-1: a column required when another holds a value)."""
    found: Found = [(-1, p) for p in _required_when(df, ctx)]
    for i, spec in enumerate(ctx.rules.checks.checks):
        if spec.check not in ACROSS:
            found += [(i, p) for p in REGISTRY[spec.check](df, ctx, spec)]
    return found


def across_problems(df: pd.DataFrame, ctx: Context, found: Found) -> list[Problem]:
    """The checks across files, in their order on every row of the period; each follows what
    the checks before it in checks.yaml found (`found`: the row checks' findings on every file)."""
    out: list[Problem] = []
    for i, spec in enumerate(ctx.rules.checks.checks):
        if spec.check in ACROSS:
            ctx.found = [p for j, p in found if j < i] + out
            out += REGISTRY[spec.check](df, ctx, spec)
    return out


def across_columns(rules: Rules) -> list[str]:
    """The columns whose values as typed the checks across files may show (`Context.raw`)."""
    named = {c for spec in rules.checks.checks if spec.check in ACROSS for c in spec.named_columns()}
    return [c.key for c in rules.fields.columns if c.input and c.key in named]


def history_columns(rules: Rules) -> list[str]:
    """The columns whose values in earlier periods the checks compare with (`Context.earlier`)."""
    return sorted({spec.column for spec in rules.checks.checks if isinstance(spec, FarAbove)})


def _unit(df: pd.DataFrame, ctx: Context, column: str) -> pd.Series:
    """Each row's unit, folded: its own (`column`), else its action's (each distinct unit
    folded once)."""
    values = df[column]
    own = values.map({v: str(v).strip().casefold() for v in values.dropna().unique()}).astype(object).fillna("")
    units = {fa.code: fa.action.unit.casefold() for fa in ctx.rules.actions}
    return own.where(own != "", df[ctx.rules.action_key].map(units).fillna(""))


def _flagged(df: pd.DataFrame, ctx: Context, column: str) -> np.ndarray:
    """Whether the checks so far flagged each row's cell of `column` for the secretariat's review."""
    label, codes = ctx.rules.column_by_key[column].label, set(ctx.rules.review.codes)
    return at_cells(df, {(p.file, p.row) for p in ctx.found if p.code in codes and p.column == label and p.row})


def at_cells(df: pd.DataFrame, cells: set[tuple[str, int]]) -> np.ndarray:
    """Whether each row of `df` is one of `cells` ((file, Excel row) pairs); only the rows of
    the files named are looked at one by one."""
    out = np.zeros(len(df), dtype=bool)
    if not cells:
        return out
    near = np.flatnonzero(df["_file"].isin({f for f, _ in cells}).to_numpy(dtype=bool))
    files, rows = df["_file"].to_numpy()[near], df["_row"].to_numpy()[near]
    out[near] = [(f, int(r)) in cells for f, r in zip(files, rows, strict=True)]
    return out


def _required_when(df: pd.DataFrame, ctx: Context) -> list[Problem]:
    out = []
    for col in ctx.rules.fields.columns:
        for other, values in (col.required_if or {}).items():
            if col.key in df and other in df:
                mask = df[col.key].isna() & df[other].isin(values)
                mask &= ctx.empty(col.key, mask)
                label = ctx.rules.column_by_key[other].label
                detail = t("validate.required_when", column=label, values=" / ".join(values))
                out += ctx.emit(df, mask, col.key, "required-when", detail)
    return out


@register("end_before_start")
def _end_before_start(df, ctx, p: EndBeforeStart):
    start, end = df[p.start], df[p.end]
    mask = start.notna() & end.notna() & (end < start)
    return ctx.emit(df, mask, p.end, "end-before-start", lambda i: _show(start[i]))


@register("within_period")
def _within_period(df, ctx, p: WithinPeriod):
    start, end = df[p.start], df[p.end]
    per = ctx.period
    after = start.notna() & (start > per.end)
    before = end.notna() & (end < per.start)
    a = ctx.emit(
        df,
        after,
        p.start,
        "outside-period",
        lambda i: t("validate.outside_after", start=_show(start[i]), end=_show(per.end)),
    )
    b = ctx.emit(
        df,
        before & ~after,
        p.end,
        "outside-period",
        lambda i: t("validate.outside_before", end=_show(end[i]), start=_show(per.start)),
    )
    return a + b


@register("at_most")
def _at_most(df, ctx, p: AtMost):
    value, limit = df[p.value], df[p.limit]
    mask = value.notna() & limit.notna() & (limit > 0) & (value > limit * p.share)
    share = p.detail == "share" if p.detail else p.share != 1
    detail = t("validate.share", share=angka(p.share * 100, None)) if share else lambda i: _show(limit[i])
    return ctx.emit(df, mask, p.value, p.code, detail, value=value)


@register("requires")
def _requires(df, ctx, p: Requires):
    mask = df[p.when].notna() & df[p.then].isna()
    return ctx.emit(df, mask, p.then, p.code)


@register("url")
def _url(df, ctx, p: Url):
    s = df[p.column]
    mask = s.notna() & ~s.astype("string").str.match(r"(?i)^https?://\S+$").fillna(False)
    return ctx.emit(df, mask, p.column, "invalid-url")


@register("duplicate_rows")
def _duplicate_rows(df, ctx, p: DuplicateRows):
    keys = [c.key for c in ctx.rules.fields.columns if c.input and c.key in df and c.key not in p.ignore]
    subset = df[["_file", *keys]].astype("string").fillna("")
    group = subset.groupby(list(subset.columns), sort=False).ngroup()
    first_row = df["_row"].groupby(group).transform("first")
    at = p.at or ctx.rules.fields.columns[0].key
    return ctx.emit(df, subset.duplicated(keep="first"), at, "duplicate-row", lambda i: str(int(first_row[i])))


@register("assigned_action")
def _assigned_action(df, ctx, p: AssignedAction):
    col = p.column
    assigned = {(a, fa.code) for a in df["_agency"].unique() for fa, _ in ctx.rules.assigned_actions(a)}
    pairs = pd.Series(list(zip(df["_agency"], df[col], strict=True)), index=df.index)
    mask = df[col].notna() & ~pairs.isin(assigned)
    out = ctx.emit(df, mask, col, "action-not-assigned")
    if p.role and p.role in df:  # the role typed against the matrix's (which decides, docs/angka.md section 2)
        roles = {(a, fa.code): role for a in df["_agency"].unique() for fa, role in ctx.rules.assigned_actions(a)}
        want = pairs.map(roles)
        out += ctx.emit(df, df[p.role].notna() & want.notna() & (df[p.role] != want), p.role, "role-mismatch",
                        lambda i: want[i])  # fmt: skip
    return out


@register("outlier", across=True)
def _outlier(df, ctx, p: Outlier):
    out = []
    for col in p.columns:
        by = [g for g in p.group_by if g in df and col in p.group_only_for.get(g, [col])]
        x = pd.to_numeric(df[col], errors="coerce")
        grouped = x.groupby([df[g].fillna("") for g in by], sort=False)
        median = grouped.transform("median")
        mad = (x - median).abs().groupby([df[g].fillna("") for g in by], sort=False).transform("median")
        size = grouped.transform("count")
        z = 0.6745 * (x - median) / mad.replace(0, np.nan)
        far = (x >= median * p.min_ratio) | (x * p.min_ratio <= median)
        mask = (size >= p.min_group) & (z.abs() > p.threshold) & far
        out += ctx.emit(df, mask, col, "outlier", functools.partial(_median_text, median))
    return out


@register("far_above", across=True)
def _far_above(df, ctx, p: FarAbove):
    x = pd.to_numeric(df[p.column], errors="coerce").astype(float)
    action = df[ctx.rules.action_key]
    few = df["_agency"].groupby(action.fillna("")).transform("nunique") < p.few_agencies
    few &= ~_flagged(df, ctx, p.column)
    target = pd.to_numeric(df[p.target], errors="coerce").where(_unit(df, ctx, p.unit_column) == p.unit.casefold())
    largest = pd.Series(_pairs(df["_agency"], action, ctx.earlier.get(p.column, {})), df.index, dtype=float)
    over_target = few & (target > 0) & (x > target * p.factor)
    over_history = few & ~over_target & (largest > 0) & (x > largest * p.factor)
    factor = angka(p.factor, None)
    return ctx.emit(
        df, over_target, p.column, "participants-far-above",
        lambda i: t("validate.far_target", factor=factor, target=_show(target[i])), value=x,
    ) + ctx.emit(
        df, over_history, p.column, "participants-far-above",
        lambda i: t("validate.far_earlier", factor=factor, largest=_show(largest[i])), value=x,
    )  # fmt: skip


def _pairs(a: pd.Series, b: pd.Series, values: dict[tuple, float]) -> np.ndarray:
    """`values` of each row's pair (a, b), NaN where it has none (each distinct pair looked up once)."""
    out = np.full(len(a), np.nan)
    if not values or not len(a):
        return out
    a_codes, a_names = pd.factorize(a)
    b_codes, b_names = pd.factorize(b)
    known = (a_codes >= 0) & (b_codes >= 0)
    pairs, inverse = np.unique(a_codes[known] * len(b_names) + b_codes[known], return_inverse=True)
    found = [values.get((a_names[k // len(b_names)], b_names[k % len(b_names)]), np.nan) for k in pairs]
    out[known] = np.asarray(found, dtype=float)[inverse]
    return out


@register("twins", across=True)
def _twins(df, ctx, p: Twins):
    values = df[p.columns].apply(pd.to_numeric, errors="coerce").astype(float)
    in_unit = (_unit(df, ctx, p.unit_column) == p.unit.casefold()).to_numpy()
    flagged = {c: _flagged(df, ctx, c) for c in p.columns}
    out = []
    for col in p.columns:
        for other in (c for c in p.columns if c != col):
            mask = flagged[other] & ~flagged[col] & in_unit & (values[col] == values[other]).to_numpy()
            detail = functools.partial(_twin_text, df, ctx, other)
            out += ctx.emit(df, pd.Series(mask, index=df.index), col, "twin-value", detail, value=values[col])
            flagged[col] = flagged[col] | mask  # one flag a cell, however many twins it has
    return out


def _twin_text(df: pd.DataFrame, ctx: Context, key: str, i) -> str:
    return t("validate.twin", column=ctx.rules.column_by_key[key].label, cell=ctx.cell(df, i, key))
