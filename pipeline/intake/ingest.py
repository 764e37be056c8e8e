"""Turn the raw sheets of each returned workbook into a submission: which agency and
period it is, who filled it and when, and its report rows with their Excel positions.

A file is identified by its _meta sheet; when that is gone, by the Identitas sheet, then
by an agency name in the file name, and the fallback used is reported. Its period is the
one its _meta names, else its Identitas, else the title on its first sheet.

Periods share one inbox (README, "Periods in one inbox"). In a run for period P, a file is
set aside (listed once, never read into P, counted or sent feedback) when it was already
processed in another period and is not P's own (or is P's template filled with a later
period's activities, which that period processed), when it was made for a period after P, or
when nothing names its period and all its activities ended before P began. A new file made
for an earlier period (an old template used by mistake) is rejected, asking for P's template.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from xlsxwriter.utility import xl_col_to_name

from ..core.errors import RanpeError
from ..core.files import sha256
from ..core.formatting import dmy
from ..core.layout import META_FORMAT
from ..core.model import NOT_RECORDED, Period, Problem, Seen, Submission
from ..core.names import display_name
from ..core.periods import period_in_text, period_key, period_of
from ..core.rules import Rules
from ..core.schema import WithinPeriod
from ..core.texts import t
from .cache import Cache
from .normalise import clean_text, has_content, parse_date
from .read import WORKBOOK_SUFFIXES, RawBook, being_copied, discover, read_all, unreadable


@dataclass
class Ingested:
    submissions: list[Submission]
    ignored: list[Problem]  # one notice per entry not read into the period: ignored, set aside, still being copied


def ingest(
    inbox: Path, rules: Rules, period: Period, progress=None, seen: Seen | None = None, cache: Cache | None = None
) -> Ingested:
    """Read every workbook of `inbox` and of `inbox/<period>/` (never modified), identify it,
    and set aside what is not the period's (module docstring); `seen`: the files processed in
    each period so far (the history's record); `cache`: what reading each file gave before
    (a file found there is not read again, its rows are not loaded)."""
    paths, ignored = discover(inbox, period.id)
    notes = [_ignored(p, why, inbox, rules) for p, why in ignored]
    held = set(being_copied(paths, rules.limits.copy_window_seconds))
    notes += [Problem(label(p, inbox), "still-copying") for p in paths if p in held]
    paths = [p for p in paths if p not in held]
    if cache:
        cache.look(paths)
    digests = _digests(paths) if seen or cache else {}
    elsewhere = {p: where for p, d in digests.items() if (where := _elsewhere((seen or {}).get(d, []), period, rules))}
    sure = {p for p, (_, known) in elsewhere.items() if known}  # set aside unread: its record says enough
    notes += [_processed(label(p, inbox), elsewhere[p][0]) for p in paths if p in sure]
    paths = [p for p in paths if p not in sure]
    subs = _read(paths, rules, period, inbox, digests, progress, cache)
    for s in subs:  # processed elsewhere by an earlier version, which did not record its period: read to tell
        if s.path in elsewhere and s.period != period.id:
            s.set_aside = _processed(s.name, elsewhere[s.path][0])
    notes += [s.set_aside for s in subs if s.set_aside]
    subs = [s for s in subs if not s.set_aside]
    _mark_superseded(subs)
    return Ingested(subs, notes)


def _read(paths: list[Path], rules: Rules, period: Period, inbox: Path, digests: dict, progress, cache) -> list:
    """Each file identified: from the cache where it was read before, else read now (and kept)."""
    known = {p: s for p in paths if cache and (s := cache.read(p, digests.get(p), label(p, inbox)))}
    if progress and known:
        progress(len(known))
    identified = functools.partial(identify, rules=rules, period=period, inbox=inbox, digests=digests)
    lost: list[Path] = []
    read = read_all([p for p in paths if p not in known], rules.limits, progress, then=identified, lost=lost)
    if cache:
        cache.keep(read, lost)
    fresh = iter(read)
    return [known[p] if p in known else next(fresh) for p in paths]


def load_rows(subs: list[Submission], rules: Rules, period: Period) -> None:
    """Give the files of `subs`, taken from the cache without their rows, their rows: each
    is read again (a file that has changed since this run hashed it stops the run)."""
    if not subs:
        return
    again = read_all([s.path for s in subs], rules.limits, then=functools.partial(identify, rules=rules, period=period))
    for s, a in zip(subs, again, strict=True):
        if (a.sha256, a.header_row, a.count) != (s.sha256, s.header_row, s.count):
            raise RanpeError(t("errors.file_changed", file=s.name))
        s.rows, s.present = a.rows, a.present


def _ignored(path: Path, why: str, inbox: Path, rules: Rules) -> Problem:
    """An entry of the inbox not read: a folder of another period is set aside (a notice),
    anything else ignored with the reason (a warning)."""
    if why == "folder" and period_key(path.name.upper(), rules):
        return Problem(label(path, inbox), "set-aside", detail=t("ingest.ignored_period_folder"))
    return Problem(label(path, inbox), "ignored-file", detail=t(f"ingest.ignored_{why}", suffixes=SUFFIXES))


SUFFIXES = ", ".join(WORKBOOK_SUFFIXES)


def _processed(name: str, periods: list[str]) -> Problem:
    """A file set aside for having been processed in `periods` already."""
    return Problem(name, "set-aside", detail=t("ingest.set_aside_processed", periods=", ".join(periods)))


def label(path: Path, inbox: Path | None) -> str:
    """A file's name as shown: with its period folder in front when it lies in one."""
    inside = inbox is not None and path.parent != inbox
    return display_name(f"{path.parent.name}/{path.name}" if inside else path.name)


def _digests(paths: list[Path]) -> dict[Path, str]:
    """The SHA-256 of each file, but of empty ones (all alike: each is a problem of its own)
    and of those the system will not open (their reading says so)."""
    out = {}
    for path in paths:
        with contextlib.suppress(OSError):
            if path.stat().st_size:
                out[path] = sha256(path)
    return out


def _elsewhere(records: list[tuple[str, str | None]], period: Period, rules: Rules) -> tuple[list[str], bool] | None:
    """Where a file was processed before, when that sets it aside in `period`: those periods,
    and whether the records alone say so (else the file is read to tell the period it names).
    None: the file is the period's to read, as one processed in it already or naming it. A
    file naming `period` but processed only in a later one was read there as that period's
    activities on this period's template (rejected as wrong-period there: a late report of
    this period is set aside there, unrecorded): it is that period's, never this one's."""
    periods = sorted({done for done, _ in records})
    if not periods or period.id in periods:
        return None
    if any(own == period.id for _, own in records):
        here = period_key(period.id, rules)
        later = [done for done in periods if (key := period_key(done, rules)) and here and key > here]
        return (later, True) if later else None
    return periods, all(own != NOT_RECORDED for _, own in records)


def identify(
    book: RawBook, rules: Rules, period: Period, inbox: Path | None = None, digests: dict | None = None
) -> Submission:
    """`digests`: the SHA-256 of files already hashed, by path."""
    try:
        digest = (digests or {}).get(book.path) or sha256(book.path)
        mtime = book.path.stat().st_mtime
    except OSError as exc:  # unreadable, or gone since it was listed
        digest, mtime = "", 0.0
        book = book if book.error else unreadable(book.path, exc)
    sub = Submission(book.path, digest, dt.datetime.fromtimestamp(mtime, dt.UTC), label=label(book.path, inbox))
    if book.error:
        sub.reject(book.error, detail=book.detail, debug=book.debug)
        found = _agencies_in_name(book.path, rules)
        sub.agency = found[0] if len(found) == 1 else None
        return sub
    if book.has_vba:
        sub.problem("macro-present")
    sub.identity, identity_cells = _identity(book, rules)
    sub.filled = parse_date(sub.identity.get("tanggal_pengisian")).value
    sub.nihil = str(clean_text(sub.identity.get("nihil")).value or "").casefold() == "ya"
    meta = _meta(book)
    if meta.get("format") == META_FORMAT:
        sub.agency, sub.period, sub.identified_by = (
            str(meta.get("agency_code", "")),
            str(meta.get("period", "")),
            "meta",
        )
        version = _int(meta.get("template_version"))
        if version is not None and version < rules.settings.min_template_version:
            sub.reject("outdated-template", value=str(version), detail=str(rules.settings.template_version))
    else:
        _identify_without_meta(sub, rules, book)
    own, here = period_key(sub.period or "", rules), period_key(period.id, rules)
    if own and here and own > here:  # made for a later period: read when that period runs
        sub.set_aside = Problem(sub.name, "set-aside", detail=t("ingest.set_aside_later", period=sub.period))
        return sub
    if sub.agency not in rules.agency_by_code and not sub.rejected:
        sub.reject("unknown-agency", value=sub.agency or sub.name)
    _find_rows(sub, book, rules)
    if not sub.rejected and sub.period != period.id:
        sub.set_aside = _of_an_earlier_period(sub, rules, period)
        if sub.set_aside:
            return sub
        if sub.period:  # an earlier period's template filled with this period's activities
            sub.reject("wrong-period", value=sub.period, detail=period.id)
    if sub.rejected and sub.identified_by != "meta":
        return sub  # not recognisably an agency's return: its identity is not worth a warning
    if sub.identified_by != "meta":
        sub.problem("meta-missing", detail=sub.identified_by)
    for item in rules.fields.identity:
        if item.required and not item.locked and clean_text(sub.identity.get(item.key)).value is None:
            sub.problem(
                "identity-missing",
                sheet=t("sheets.identitas"),
                cell=identity_cells.get(item.key, ""),
                column=item.label,
            )
    return sub


def _meta(book: RawBook) -> dict:
    rows = book.sheets.get(t("sheets.meta"), [])
    return {str(r[0]): r[1] for r in rows if len(r) >= 2 and r[0] not in ("", None)}


def _int(value) -> int | None:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return None


def _identity(book: RawBook, rules: Rules) -> tuple[dict, dict]:
    rows = book.sheets.get(t("sheets.identitas"), [])
    labels = {_fold(label): i.key for i in rules.fields.identity for label in (*i.aliases, i.label)}
    values, cells = {}, {}
    for r, row in enumerate(rows):
        if len(row) >= 2 and _fold(row[0]) in labels:
            key = labels[_fold(row[0])]
            values[key] = row[1] if row[1] != "" else None
            cells[key] = f"B{r + 1}"
    return values, cells


def _fold(value) -> str:
    return " ".join(str(value).split()).casefold()


def _identify_without_meta(sub: Submission, rules: Rules, book: RawBook) -> None:
    """Fallbacks: agency code or name in Identitas, then an agency name in the file name; the
    period from Identitas, else from the title on the first sheet (None when neither names one)."""
    candidates: list[str] = []
    how = ""
    for key in ("kl_kode", "kl_nama"):
        text = clean_text(sub.identity.get(key)).value
        if text:
            candidates, how = rules.find_agencies(str(text)), t("ingest.by_identitas")
            if candidates:
                break
    if not candidates:
        candidates, how = _agencies_in_name(sub.path, rules), t("ingest.by_file_name")
    if len(candidates) > 1:
        names = ", ".join(candidates)
        value = str(sub.identity.get("kl_nama") or display_name(sub.path.stem))
        sub.reject("ambiguous-agency", value=value, detail=names)
        return
    sub.agency = candidates[0] if candidates else None
    sub.identified_by = how
    named = [period_in_text(sub.identity.get(k), rules) for k in ("periode", "periode_nama")]
    sub.period = next((p for p in named if p), None) or period_in_text(_title(book), rules)


def _title(book: RawBook) -> str:
    """The title of a workbook: the text in the first five rows of its first visible sheet."""
    first = next((name for name in book.sheets if name not in book.hidden), None)
    rows = book.sheets.get(first, [])[:5] if first else []
    return " ".join(str(v) for row in rows for v in row if isinstance(v, str) and v.strip())


def _of_an_earlier_period(sub: Submission, rules: Rules, period: Period) -> Problem | None:
    """A file whose every activity ended before the period began (a row with no end date may
    still be running: it keeps the file here) is no return of this period: one that names no
    period is set aside; one that names an earlier period is that period's report, arrived
    after it was run, for the secretariat to process there (an earlier template filled with
    this period's activities is a wrong-period return instead)."""
    end = next((c.end for c in rules.checks.checks if isinstance(c, WithinPeriod)), None)
    if sub.rows is None or not len(sub.rows) or end not in sub.rows:
        return None
    ends = [parse_date(v).value for v in sub.rows[end]]
    if any(not isinstance(d, dt.date) or d >= period.start for d in ends):
        return None
    if sub.period:
        return Problem(sub.name, "earlier-period-return", value=sub.period, detail=period.id)
    detail = t("ingest.set_aside_dated", start=dmy(period.start), period=period_of(max(ends), rules))
    return Problem(sub.name, "set-aside", detail=detail)


def _agencies_in_name(path: Path, rules: Rules) -> list[str]:
    """Agencies whose code, short name or alias appears as whole words in the file name."""
    stem = _fold(re.sub(r"[_\-.]+", " ", path.stem))
    return [
        a.code
        for a in rules.agencies
        if any(re.search(rf"(^|\s){re.escape(_fold(n))}(\s|$)", stem) for n in (a.code, a.short, *a.aliases))
    ]


def _find_rows(sub: Submission, book: RawBook, rules: Rules) -> None:
    """Locate the header row by its labels and take the rows below it."""
    columns = rules.fields.columns
    wanted = {_fold(c.label): c.key for c in columns}
    order = [t("sheets.laporan")] + [s for s in book.sheets if s != t("sheets.laporan") and s not in book.hidden]
    for name in order:
        rows = book.sheets.get(name) or []
        for h, row in enumerate(rows[:30]):
            found = {wanted[_fold(v)]: i for i, v in enumerate(row) if _fold(v) in wanted}
            if len(found) >= len(columns) // 2:
                _take_rows(sub, rules, name, rows, h, found)
                return
    if not sub.rejected:
        code = "sheet-missing" if t("sheets.laporan") not in book.sheets else "header-missing"
        sub.reject(code, sheet=t("sheets.laporan"), detail=", ".join(c.label for c in columns if c.required))


def _take_rows(sub: Submission, rules: Rules, sheet: str, rows: list[list], header: int, found: dict) -> None:
    sub.sheet = sheet
    sub.letters = {k: xl_col_to_name(i) for k, i in found.items()}
    missing = [c.label for c in rules.fields.columns if (c.required or c.required_if) and c.key not in found]
    if missing and not sub.rejected:
        sub.reject("header-missing", sheet=sheet, cell=f"A{header + 1}", detail=", ".join(missing))
    keys = [c.key for c in rules.fields.columns if c.key in found and c.input]
    content = [found[c.key] for c in rules.fields.columns if c.content and c.key in found and c.input]
    inputs = [found[k] for k in keys]
    taken = [(r, row) for r, row in enumerate(rows[header + 1 :], start=header + 2) if _any_content(row, inputs)]
    data = {k: [row[found[k]] if found[k] < len(row) else "" for _, row in taken] for k in keys}
    frame = pd.DataFrame(data, index=pd.Index([r for r, _ in taken], name="row", dtype="int64"), dtype=object)
    filled = np.array([_any_content(row, content) for _, row in taken], dtype=bool)
    sub.blank = int((~filled).sum())  # only pre-filled cells (code, role): skipped as blank
    sub.rows, sub.present, sub.header_row = frame[filled], frame, header + 1  # empty template rows: not rows
    sub.count = len(sub.rows)


def _any_content(row: list, columns) -> bool:
    """Whether any of `columns` of a sheet row holds a value (row by row: the first value
    found decides, so a filled row costs one or two tests)."""
    return any(i < len(row) and has_content(row[i]) for i in columns)


def _mark_superseded(subs: list[Submission]) -> None:
    """One agency, several usable files: the newest (date filled, then file time) wins."""
    by_agency: dict[str, list[Submission]] = {}
    for s in subs:
        if not s.rejected and s.agency:
            by_agency.setdefault(s.agency, []).append(s)
    for group in by_agency.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda s: (s.filled or dt.date.min, s.mtime, s.name))
        winner = group[-1]
        for s in group[:-1]:
            s.superseded = True
            s.problem("superseded", detail=winner.name)
