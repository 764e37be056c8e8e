"""The records every step passes on: a reporting period, a problem found, a returned file
(submission) and its row counts, an agency's submission status, the validation of a
period, a stored period of the history, the secretariat's review decisions, a period's
consolidation and its comparison with the period before.

Steps import their records from here, never from the module that happens to produce
them. This module imports nothing of the pipeline but the problem catalogue, the texts and
the way file names are shown.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .names import display_name
from .problems import CODES, CORRECTED, ERROR, NOTICE, WARNING
from .texts import t

if TYPE_CHECKING:
    import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Period:
    """A reporting period such as 2026-S1, with its date range and submission deadline."""

    id: str
    year: int
    kind: str
    label: str
    report: str
    start: dt.date
    end: dt.date
    deadline: dt.date

    @property
    def title(self) -> str:
        return t("period_title", label=self.label, year=self.year)


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found: where (file, sheet, cell, row, column), what (code), how bad. `file`
    is the name as shown (core/names.py); `debug` is what a library said, for the
    secretariat's technical column, never part of the message."""

    file: str
    code: str
    sheet: str = ""
    cell: str = ""
    row: int | None = None
    column: str = ""
    value: str = ""
    detail: str = ""
    debug: str = ""

    @property
    def severity(self) -> str:
        return CODES[self.code]

    @property
    def message(self) -> str:
        return t(f"problems.{self.code}", value=self.value, column=self.column, detail=self.detail)

    def as_dict(self) -> dict:
        return {**asdict(self), "severity": self.severity, "message": self.message}


@dataclass
class Submission:
    """One returned file: which agency and period it is, who filled it and when, and its
    report rows with their Excel positions."""

    path: Path
    sha256: str
    mtime: dt.datetime
    agency: str | None = None
    period: str | None = None
    identified_by: str = ""
    identity: dict = field(default_factory=dict)  # Identitas sheet: item key -> value as typed
    filled: dt.date | None = None  # the date filled in Identitas, when it reads as a date
    nihil: bool = False  # declared nihil (no activity) in Identitas
    sheet: str = ""
    letters: dict[str, str] = field(default_factory=dict)  # column key -> Excel column letter
    rows: pd.DataFrame | None = None  # raw values, index = Excel row number, columns = field keys
    present: pd.DataFrame | None = None  # rows with any value, blank pre-filled rows included
    header_row: int = 0  # Excel row number of the header (0: none was found, no rows were taken)
    blank: int = 0
    count: int = 0  # len(rows): known even where the rows are not loaded (a file from the cache, intake/cache.py)
    problems: list[Problem] = field(default_factory=list)
    rejected: bool = False
    superseded: bool = False
    label: str = ""  # the name as shown, set where the file lies in a period folder of the inbox
    set_aside: Problem | None = None  # why the file is not the period's (ingest.py): listed, never used

    @property
    def name(self) -> str:
        """The file's name as shown to the secretariat (escaped where it is not printable)."""
        return self.label or self.file_name

    @property
    def has_rows(self) -> bool:
        """Whether its report's rows were found (loaded or not: `rows` is None in a file from
        the cache until its rows are needed)."""
        return self.header_row > 0

    @property
    def file_name(self) -> str:
        """The file's own name, as its agency knows it: without the inbox's period folder."""
        return display_name(self.path.name)

    def problem(self, code: str, **kw) -> None:
        self.problems.append(Problem(self.name, code, **kw))

    def reject(self, code: str, **kw) -> None:
        self.problem(code, **kw)
        self.rejected = True


USED, SUPERSEDED, REJECTED = "used", "superseded", "rejected"  # what became of a file

# The files processed so far, by SHA-256: [(the period a run processed it in, the period the
# file itself names: None when it names none, NOT_RECORDED when the record does not say, as in
# the manifests of earlier versions)], from the history (cycle/history.py `seen`).
Seen = dict[str, list[tuple[str, str | None]]]
NOT_RECORDED = "?"


@dataclass
class FileCount:
    """What became of the rows of one file: read = accepted + rejected + blank. In a file in
    use, `rejected` are the rows rejected for errors; in a rejected or superseded file, every
    row with content (none is used). `Validation.row_counts` adds them up, once for all."""

    file: str
    agency: str | None
    sha256: str
    status: str  # USED, SUPERSEDED or REJECTED
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    blank: int = 0


REPORTED = ("accepted", "accepted_warnings", "partial", "nihil")  # states of an agency that reported
MISSING = ("rejected", "not_received")  # nothing usable yet: the agency still has to send
STATES = (*REPORTED, *MISSING)  # every state, in the order every output lists them


@dataclass
class AgencyStatus:
    """An agency's submission in a period: its state (one of REPORTED or MISSING, texts under
    `status.<state>`), its files, the rows and problems of the file used, and lateness."""

    state: str
    files: list[str] = field(default_factory=list)
    accepted: int = 0
    rejected: int = 0
    errors: int = 0
    warnings: int = 0
    late: bool = False  # its report in use came after the deadline (never said of a unit with nothing usable)
    sent: dt.date | None = None  # when its first return of the period was sent (the date that decides lateness)
    file: str = ""  # the file in use (its name as shown), when there is one
    days_late: int = 0  # how many days after the deadline its first return came, when late
    level: str = "kl"  # the unit's level (core/units.py LEVELS): a K/L, a province or a kab/kota government

    def __post_init__(self) -> None:
        if self.state in MISSING:  # late is said of a report that can be used: without one, the unit is missing
            self.late, self.days_late = False, 0

    @property
    def missing(self) -> bool:
        return self.state in MISSING


@dataclass
class Validation:
    """The validation of a period: every submission and problem, the accepted rows, what
    became of each file's rows, and each agency's status (in rules/agencies.yaml order)."""

    period: Period
    submissions: list[Submission]
    problems: list[Problem]
    accepted: pd.DataFrame
    files: list[FileCount]
    typed: pd.DataFrame | None = None  # every row read, typed
    agencies: dict[str, AgencyStatus] = field(default_factory=dict)

    @property
    def counts(self) -> Counter:
        return Counter(p.severity for p in self.problems)

    @property
    def found(self) -> bool:
        """Whether a problem was found (exit code 1): a notice (a file set aside) is none."""
        return any(p.severity != NOTICE for p in self.problems)

    def state_counts(self, level: str | None = "kl") -> dict[str, int]:
        """How many units of a level (K/L by default; None: all) are in each state, in the
        order of STATES: the one count of the status board, the console, the summary workbook
        and the report."""
        found = Counter(a.state for a in self.agencies.values() if level is None or a.level == level)
        return {state: found[state] for state in STATES}

    def row_counts(self) -> dict[str, int]:
        """The one definition of the row counts every output shows: read = accepted +
        rejected for errors + in rejected files + in superseded files + blank."""

        def rows(status: str) -> int:
            return sum(f.rejected for f in self.files if f.status == status)

        return {
            "baris_dibaca": sum(f.read for f in self.files),
            "baris_diterima": sum(f.accepted for f in self.files),
            "baris_ditolak": rows(USED),
            "baris_berkas_ditolak": rows(REJECTED),
            "baris_berkas_digantikan": rows(SUPERSEDED),
            "baris_kosong": sum(f.blank for f in self.files),
        }

    def as_dict(self) -> dict:
        return {
            "period": self.period.id,
            "files": [vars(f) for f in self.files],
            "agencies": {code: asdict(a) for code, a in self.agencies.items()},
            "counts": {s: self.counts.get(s, 0) for s in (ERROR, WARNING, CORRECTED, NOTICE)},
            "problems": [p.as_dict() for p in self.problems],
        }


@dataclass
class Snapshot:
    """A period stored in the history: its activities (as the summary's Kegiatan sheet had
    them) and its agency statuses."""

    period: str
    activities: pd.DataFrame
    agencies: dict[str, AgencyStatus]
    flags: list[Problem] = field(default_factory=list)  # the problems that made its review items


@dataclass(frozen=True)
class Decision:
    """The secretariat's decision on a review item: what (a key of the texts' `review.decisions`),
    why, who and when, and the fingerprint of the item's rows it was taken on: when the
    agency has since changed a row, the decision is stale and the item is asked again."""

    item: str
    decision: str
    note: str = ""
    by: str = ""
    at: str = ""
    fingerprint: str = ""


@dataclass
class Review:
    """A period's review list (analysis/review.py): every item with its effect on the totals
    and its decision; the decisions whose item no longer exists; the problems of the
    decisions read back; and the headline figures made provisional by undecided items
    (headline key -> the undecided amount)."""

    items: pd.DataFrame
    orphans: list[Decision] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    provisional: dict[str, float] = field(default_factory=dict)
    achievement: dict[str, float] = field(default_factory=dict)  # action code -> the points it may move
    pillars: dict[str, float] = field(default_factory=dict)  # top-level group code -> the points it may move


@dataclass
class Obstacles:
    """The distinct obstacle texts of a set of rows, with their themes and groups
    (analysis/obstacles.py), and each row's text."""

    texts: pd.DataFrame  # a row per distinct text: teks, normal, tema and frasa (tuples), nihil, kelompok
    code: np.ndarray  # each row's position in `texts` (-1: no text)


@dataclass
class Consolidation:
    """A period's accepted activities added up (analysis/consolidate.py): by catalogue level
    and action, by agency and province, the agency x action matrix, and overlaps."""

    period: str
    levels: list[str]  # catalogue level names, outermost first (e.g. Pilar, Fokus)
    activities: pd.DataFrame  # every accepted row, with agency, catalogue levels, id, duplicate flag
    by_action: pd.DataFrame  # every catalogue action, reported or not
    by_level: list[pd.DataFrame]  # one table per catalogue level
    by_agency: pd.DataFrame
    by_province: pd.DataFrame
    completeness: pd.DataFrame  # agencies x action codes
    overlaps: pd.DataFrame  # pairs, positions into activities
    review: Review | None = None
    obstacles: Obstacles | None = None  # the distinct obstacle texts (activities `_hambatan`: a row's)
    by_theme: pd.DataFrame | None = None  # per obstacle theme (docs/angka.md section 12)
    obstacle_groups: pd.DataFrame | None = None  # per group of near-identical obstacle texts

    @property
    def merged(self) -> int:
        return int(self.activities["duplikat"].sum())


@dataclass
class Comparison:
    """A period beside the one before it (analysis/compare.py)."""

    previous: str  # id of the earlier period
    by_pillar: pd.DataFrame
    by_agency: pd.DataFrame
    new_actions: pd.DataFrame
    stopped: pd.DataFrame
    silent: list[str] = field(default_factory=list)  # agencies with nothing usable in either period
