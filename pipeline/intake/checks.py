"""Row checks. Column checks come from fields.yaml as a pandera schema; cross-field checks
are registered functions named by rules/checks.yaml (their parameters are typed in
core/schema.py). All are vectorised over the frame of every row of the period and return
Problem records."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

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
    Outlier,
    Requires,
    Url,
    WithinPeriod,
)
from ..core.texts import t
from .normalise import has_content


@dataclass
class Context:
    """What the checks need besides the frame: rules, period, where cells are, raw values."""

    rules: Rules
    period: Period
    letters: dict[str, dict[str, str]]  # file -> column key -> Excel column letter
    raw: pd.DataFrame  # the values as typed, same index as the frame

    def empty(self, key: str, where: pd.Series) -> pd.Series:
        """True where the cell was really left empty (not typed with an unreadable value),
        looked at only on the rows of `where`."""
        cells = self.raw.loc[where.to_numpy(bool), key]
        return (~cells.map(has_content).astype(bool)).reindex(self.raw.index, fill_value=False)

    def emit(self, df: pd.DataFrame, mask: pd.Series, key: str, code: str, detail=None, value=None) -> list[Problem]:
        """One Problem per True row of `mask`, located at column `key` of that row. `detail`:
        one text, or a function of the row label (called for the hits only); `value`: what
        to show instead of the cell as typed (a Series)."""
        hits = df.index[mask.fillna(False).to_numpy(bool)]
        label = self.rules.column_by_key[key].label if key in self.rules.column_by_key else ""
        out = []
        for i in hits:
            file, row = df.at[i, "_file"], int(df.at[i, "_row"])
            letter = self.letters.get(file, {}).get(key, "A")
            shown = value[i] if value is not None else self.raw.at[i, key] if key in self.raw else ""
            out.append(
                Problem(
                    file,
                    code,
                    sheet=df.at[i, "_sheet"],
                    cell=f"{letter}{row}",
                    row=row,
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
    out = _required_when(df, ctx)
    for spec in ctx.rules.checks.checks:
        out += REGISTRY[spec.check](df, ctx, spec)
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
    return ctx.emit(df, mask, col, "action-not-assigned")


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
