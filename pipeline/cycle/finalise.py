"""What is still open in a period the secretariat finalises: the units with nothing usable,
a deadline not yet passed, review items not decided and figures still provisional. Told,
not refused: the secretariat may lock a period all the same (and reopen it later)."""

from __future__ import annotations

from pathlib import Path

from ..core.clock import run_date
from ..core.formatting import dmy
from ..core.periods import Period
from ..core.rules import Rules
from ..core.texts import t
from ..outputs.report import data_path, load_data
from . import history


def open_ends(outbox: Path, rules: Rules, period: Period) -> list[str]:
    """One line per thing still open in `period`, for the officer who finalises it."""
    out = []
    snap = history.load(outbox, period.id)
    units = rules.agency_by_code
    missing = [units[code].short if code in units else code  # a unit since taken out of the rules: its code
               for code, a in (snap.agencies if snap else {}).items() if a.missing]  # fmt: skip
    if missing:
        out.append(t("history.open_missing", n=len(missing), units=", ".join(missing)))
    if run_date() <= period.deadline:
        out.append(t("history.open_deadline", deadline=dmy(period.deadline)))
    if data_path(outbox, period.id).is_file():
        data = load_data(outbox, period.id)
        if data["tinjauan"].get("belum"):
            out.append(t("history.open_review", n=data["tinjauan"]["belum"], period=period.id))
        if data["tinjauan_sementara"] or data.get("aksi_sementara"):
            out.append(t("history.open_provisional"))
    return out
