"""Short console summaries (the files and --json hold everything)."""

from __future__ import annotations

from .core.model import Validation
from .core.problems import CORRECTED, ERROR, WARNING
from .core.rules import Rules
from .core.texts import t

MAX_EXAMPLES = 10


def summary_lines(validation: Validation, rules: Rules) -> list[str]:
    files = validation.files
    lines = [
        t(
            "cli.validate_header",
            period=validation.period.id,
            files=len(files),
            accepted=sum(f.accepted for f in files),
            rejected=sum(f.rejected for f in files),
            blank=sum(f.blank for f in files),
        ),
        t("cli.validate_counts", **{k: validation.counts.get(k, 0) for k in (ERROR, WARNING, CORRECTED)}),
        "",
    ]
    cols = {
        k: t(f"cli.validate_columns.{k}") for k in ("agency", "status", "accepted", "rejected", "errors", "warnings")
    }
    lines.append(t("cli.validate_table_head", **cols))
    for code, st in validation.agencies.items():
        row = {
            "agency": rules.agency_by_code[code].short[:18],
            "status": t(f"status.{st.state}"),
            "accepted": st.accepted,
            "rejected": st.rejected,
            "errors": st.errors,
            "warnings": st.warnings,
        }
        lines.append(t("cli.validate_table_head", **row))
    # errors first, then warnings; agencies not received are already in the table above
    worth = [p for p in validation.problems if p.code != "not-received"]
    shown = ([p for p in worth if p.severity == ERROR] + [p for p in worth if p.severity == WARNING])[:MAX_EXAMPLES]
    if shown:
        lines += ["", t("cli.validate_examples")]
        for p in shown:
            where = (p.file or p.value) + (f" {p.sheet}!{p.cell}" if p.cell else "")
            lines.append(f"  [{t(f'severity.{p.severity}')}] {where}: {p.message}")
        rest = len(validation.problems) - len(shown)
        if rest > 0:
            lines.append(t("cli.validate_more", n=rest))
    return lines
