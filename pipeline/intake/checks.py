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


def register(name: str):
    def wrap(fn: Check) -> Check:
        REGISTRY[name] = fn
        return fn

    return wrap


def cross_problems(df: pd.DataFrame, ctx: Context) -> list[Problem]:
    ctx.found = _required_when(df, ctx)
    for spec in ctx.rules.checks.checks:  # in their order: a check may follow what those before found
        ctx.found += REGISTRY[spec.check](df, ctx, spec)
    return ctx.found


def history_columns(rules: Rules) -> list[str]:
    """The columns whose values in earlier periods the checks compare with (`Context.earlier`)."""
    return sorted({spec.column for spec in rules.checks.checks if isinstance(spec, FarAbove)})


def _unit(df: pd.DataFrame, ctx: Context, column: str) -> pd.Series:
    """Each row's unit, folded: its own (`column`), else its action's."""
    own = df[column].fillna("").astype(str).str.strip().str.casefold()
    units = {fa.code: fa.action.unit.casefold() for fa in ctx.rules.actions}
    return own.where(own != "", df[ctx.rules.action_key].map(units).fillna(""))


def _flagged(df: pd.DataFrame, ctx: Context, column: str) -> np.ndarray:
    """Whether the checks so far flagged each row's cell of `column` for the secretariat's review."""
    label, codes = ctx.rules.column_by_key[column].label, set(ctx.rules.review.codes)
    cells = {(p.file, p.row) for p in ctx.found if p.code in codes and p.column == label and p.row}
    return pd.MultiIndex.from_arrays([df["_file"], df["_row"].astype(int)]).isin(list(cells))


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


@register("outlier")
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


@register("far_above")
def _far_above(df, ctx, p: FarAbove):
    x = pd.to_numeric(df[p.column], errors="coerce").astype(float)
    action = df[ctx.rules.action_key]
    few = df["_agency"].groupby(action.fillna("")).transform("nunique") < p.few_agencies
    few &= ~_flagged(df, ctx, p.column)
    target = pd.to_numeric(df[p.target], errors="coerce").where(_unit(df, ctx, p.unit_column) == p.unit.casefold())
    earlier = pd.Series(ctx.earlier.get(p.column, {}), dtype=float)
    largest = pd.Series(earlier.reindex(pd.MultiIndex.from_arrays([df["_agency"], action])).to_numpy(), df.index)
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


@register("twins")
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
