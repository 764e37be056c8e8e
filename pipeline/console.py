"""Short console summaries (the files and --json hold everything): the counts, each agency's
state, then the errors, then the warnings on rows; what concerns an agency or a file as a
whole (not received, actions without activity, files set aside) is summed up as counts."""

from __future__ import annotations

from pathlib import Path

from .analysis.board import state_lines
from .core.model import USED, Problem, Validation
from .core.problems import CORRECTED, ERROR, NOTICE, WARNING
from .core.rules import Rules
from .core.texts import has, t
from .core.units import LEVELS
from .outputs.problem_list import list_path

MAX_ERRORS, MAX_WARNINGS = 10, 5  # examples shown; every problem is in the validation list
NAMED = 3  # files or agencies named on a line of counts


def summary_lines(validation: Validation, rules: Rules) -> list[str]:
    used = [f for f in validation.files if f.status == USED]
    lines = [
        t(
            "console.header",
            period=validation.period.id,
            files=len(validation.files),
            used=len(used),
            accepted=sum(f.accepted for f in used),
            rejected=sum(f.rejected for f in used),
            blank=sum(f.blank for f in used),
        ),
        t("console.counts", **{k: validation.counts.get(k, 0) for k in (ERROR, WARNING, CORRECTED)}),
        *state_lines(validation),
        "",
    ]
    cols = {k: t(f"console.columns.{k}") for k in ("agency", "status", "accepted", "rejected", "errors", "warnings")}
    width = max(len(a.short) for a in rules.agencies)  # every name whole, the columns aligned
    lines.append(t("console.table", w=width, **cols))
    levels = {st.level for st in validation.agencies.values()}
    heading = None
    by_level = sorted(validation.agencies.items(), key=lambda kv: LEVELS.index(kv[1].level))
    for code, st in by_level:
        if len(levels) > 1 and st.level != heading:
            heading = st.level
            lines.append(f"-- {t(f'units.level.{heading}')} --")
        row = {
            "w": width,
            "agency": rules.agency_by_code[code].short,
            "status": t(f"status.{st.state}"),
            "accepted": st.accepted,
            "rejected": st.rejected,
            "errors": st.errors,
            "warnings": st.warnings,
        }
        lines.append(t("console.table", **row))
    errors = [p for p in validation.problems if p.severity == ERROR]
    on_rows = [p for p in validation.problems if p.severity == WARNING and p.row]
    listed = list_path(Path(), validation.period.id).name
    lines += _examples("console.errors", errors, MAX_ERRORS, listed)
    lines += _examples("console.warnings", on_rows, MAX_WARNINGS, listed)
    copying = [p for p in validation.problems if p.code == "still-copying"]
    lines += _examples("console.copying", copying, len(copying), listed)
    rest = [p for p in validation.problems if p.severity in (WARNING, NOTICE) and not p.row and p not in copying]
    counted = _counted(rest, rules)
    return [*lines, "", t("console.counted_title"), *counted] if counted else lines


def _examples(title: str, problems: list[Problem], most: int, listed: str) -> list[str]:
    if not problems:
        return []
    out = ["", t(title)]
    for p in problems[:most]:
        where = (p.file or p.value) + (f" {p.sheet}!{p.cell}" if p.cell else "")
        out.append(f"  [{t(f'severity.{p.severity}')}] {where}: {p.message}")
    if len(problems) > most:
        out.append(t("console.more", n=len(problems) - most, file=listed))
    return out


def _counted(problems: list[Problem], rules: Rules) -> list[str]:
    """One line per kind of problem that concerns an agency or a file as a whole (a file set
    aside: per reason; an earlier period's report: per period, with the command that reads it
    there), with how many there are and the first few files or agencies."""
    kinds: dict[tuple[str, str], list[str]] = {}
    for p in problems:
        named = rules.agency_by_code[p.value].short if p.code == "not-received" else p.file or p.value
        by = {"set-aside": p.detail, "earlier-period-return": p.value}.get(p.code, "")  # a line per reason, per period
        kinds.setdefault((p.code, by), []).append(named)
    out = []
    for (code, detail), names in kinds.items():
        key = f"console.counted.{code}"
        n = len(names)
        text = t(key, n=n, detail=detail) if has(key) else t("console.counted.other", n=n, name=_name(code))
        shown = list(dict.fromkeys(names))
        more = t("console.counted_more", n=len(shown) - NAMED) if len(shown) > NAMED else ""
        out.append(f"  {text} " + t("console.counted_names", names="; ".join(shown[:NAMED]), more=more))
    return out


def _name(code: str) -> str:
    return t(f"problem_names.{code}")
