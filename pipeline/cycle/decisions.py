"""The secretariat's review decisions read back from a review workbook, before a period's
consolidation and the year's report: what the workbook says, checked against what is stored."""

from __future__ import annotations

import getpass
from pathlib import Path

from ..analysis import review
from ..core.model import Decision, Problem
from ..core.texts import t
from ..intake.review_sheet import read_decisions
from . import history


def read_back(path: Path, stored: dict[str, Decision]) -> tuple[dict[str, Decision], list, list[Problem]]:
    """The decisions in force with those typed into the review workbook `path` (a new one by
    the name the workbook gives, else the login, now), the new ones with where each was read,
    and the problems; an unreadable workbook is kept aside, never overwritten, for the
    secretariat to redo."""
    entries, problems = read_decisions(path)
    if problems:
        path.replace(path.with_name(t("review.unreadable_copy", name=path.stem)))
    decided, new, more = review.take(entries, stored, path.name, _user(), history.now())
    return decided, new, problems + more


def _user() -> str:
    """Who runs the tool, for a decision whose maker the workbook does not name."""
    try:
        return getpass.getuser()
    except Exception:  # no login name (some services, containers)
        return ""
