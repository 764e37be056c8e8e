"""The history of reporting periods in an embedded SQLite database, outbox/riwayat.sqlite.

Each consolidation stores the period's snapshot: its accepted activities, the agency
statuses and the run manifest. The snapshot is keyed by the hash of the inputs (every
file's SHA-256, the rules hash and the review decisions): running again on the same inbox
changes nothing. The secretariat's review decisions are kept apart, every one with who
and when (a later decision on an item is added, never written over): a new snapshot never
loses them.
A finalised period is locked; a later run needs `reopen`, which is recorded as an event.
Every file a run reads into a period (validate or consolidate, whatever its fate) is recorded
with the period it names itself, so that a later period sharing the inbox sets it aside.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from ..core.errors import RanpeError
from ..core.formatting import waktu
from ..core.model import (
    NOT_RECORDED,
    REJECTED,
    SUPERSEDED,
    USED,
    AgencyStatus,
    Decision,
    Problem,
    Seen,
    Snapshot,
    Submission,
)
from ..core.periods import parse_period, period_key, previous_period_id
from ..core.rules import Rules
from ..core.texts import t
from ..intake.checks import Earlier, history_columns

DB_NAME = "riwayat.sqlite"
SCHEMA = """
CREATE TABLE IF NOT EXISTS periods (
    period TEXT PRIMARY KEY, inputs_hash TEXT NOT NULL, rules_hash TEXT, tool_version TEXT,
    stored_at TEXT, finalised_at TEXT, manifest TEXT);
CREATE TABLE IF NOT EXISTS activities (period TEXT NOT NULL, id_kegiatan TEXT NOT NULL, agency TEXT NOT NULL,
    kode_aksi TEXT, record TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS activities_period ON activities (period);
CREATE TABLE IF NOT EXISTS statuses (period TEXT NOT NULL, agency TEXT NOT NULL, status TEXT NOT NULL,
    accepted INTEGER, rejected INTEGER, errors INTEGER, warnings INTEGER, late INTEGER, files TEXT,
    PRIMARY KEY (period, agency));
CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY AUTOINCREMENT, period TEXT NOT NULL,
    event TEXT NOT NULL, at TEXT NOT NULL, detail TEXT);
CREATE TABLE IF NOT EXISTS decisions (seq INTEGER PRIMARY KEY AUTOINCREMENT, period TEXT NOT NULL,
    item TEXT NOT NULL, decision TEXT NOT NULL, note TEXT, decided_by TEXT, decided_at TEXT, fingerprint TEXT);
CREATE INDEX IF NOT EXISTS decisions_period ON decisions (period, item);
CREATE TABLE IF NOT EXISTS flags (period TEXT NOT NULL, record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS inputs (period TEXT NOT NULL, sha256 TEXT NOT NULL, file TEXT, own_period TEXT,
    status TEXT, first_at TEXT, PRIMARY KEY (period, sha256));
"""


CHUNK = 10_000  # activities serialised at a time, so the text held stays small


def history_path(outbox: Path) -> Path:
    return outbox / DB_NAME


@contextlib.contextmanager
def connect(outbox: Path) -> Iterator[sqlite3.Connection]:
    """One connection, one transaction: committed when the block succeeds."""
    outbox.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(history_path(outbox))
    try:
        con.executescript(SCHEMA)
        _migrate(con)
        with con:
            yield con
    finally:
        con.close()


# columns added since a table was first made
ADDED = {"statuses": {"sent": "TEXT", "days_late": "INTEGER", "level": "TEXT"}}


def _migrate(con: sqlite3.Connection) -> None:
    """Add the columns a history of an earlier version lacks."""
    for table, columns in ADDED.items():
        have = {r[1] for r in con.execute(f"PRAGMA table_info({table})")}  # table names are fixed, not input
        for name, kind in columns.items():
            if name not in have:
                con.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")


def inputs_hash(manifest: dict) -> str:
    """What a snapshot was made from: every input's hash and the rules' hash."""
    parts = [manifest["rules_hash"], *sorted(f"{i['file']}:{i['sha256']}" for i in manifest["inputs"])]
    if manifest.get("decisions_hash"):
        parts.append(manifest["decisions_hash"])
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def check_open(outbox: Path, period_id: str, reopen: bool, tz: str) -> None:
    """Refuse to touch a finalised period unless `reopen` (saying when, in the secretariat's
    time zone `tz`); reopening is recorded."""
    if not history_path(outbox).exists():
        return
    with connect(outbox) as con:
        row = con.execute("SELECT finalised_at FROM periods WHERE period = ?", (period_id,)).fetchone()
        if not row or not row[0]:
            return
        if not reopen:
            raise RanpeError(t("history.finalised", period=period_id, at=waktu(row[0], tz)))
        con.execute("UPDATE periods SET finalised_at = NULL WHERE period = ?", (period_id,))
        con.execute("INSERT INTO events (period, event, at) VALUES (?, 'reopened', ?)", (period_id, now()))


def finalised(outbox: Path, period_id: str) -> bool:
    with connect(outbox) as con:
        row = con.execute("SELECT finalised_at FROM periods WHERE period = ?", (period_id,)).fetchone()
    return bool(row and row[0])


def finalise(outbox: Path, period_id: str) -> str:
    """Lock a stored period; returns when (ISO, as stored)."""
    if not history_path(outbox).exists():
        raise RanpeError(t("history.not_stored", period=period_id))
    with connect(outbox) as con:
        row = con.execute("SELECT finalised_at FROM periods WHERE period = ?", (period_id,)).fetchone()
        if not row:
            raise RanpeError(t("history.not_stored", period=period_id))
        if row[0]:
            return row[0]
        at = now()
        con.execute("UPDATE periods SET finalised_at = ? WHERE period = ?", (at, period_id))
        con.execute("INSERT INTO events (period, event, at) VALUES (?, 'finalised', ?)", (period_id, at))
        return at


def store(outbox: Path, manifest: dict, activities: pd.DataFrame, agencies: dict[str, AgencyStatus], flags=()) -> bool:
    """Replace the period's snapshot unless it was made from the same inputs; True if stored.
    `flags`: the problems that make review items (the year's report lists them again)."""
    with snapshot(outbox, manifest["period"], inputs_hash(manifest), activities, agencies, flags) as done:
        return done(manifest)


@contextlib.contextmanager
def snapshot(
    outbox: Path, period: str, key: str, activities: pd.DataFrame, agencies: dict[str, AgencyStatus], flags=()
) -> Iterator[Callable[[dict], bool]]:
    """`store` in two steps of one transaction: unless the period's snapshot was made from the
    same inputs (`key`, the `inputs_hash` of the run's manifest), its activities, statuses and
    flags are written now (a run does it while its workers finish the outputs), and
    `done(manifest)`, once the manifest is written, adds it and tells whether anything was
    stored. Leaving the block without `done` stores nothing."""
    with connect(outbox) as con:
        row = con.execute("SELECT inputs_hash FROM periods WHERE period = ?", (period,)).fetchone()
        same = bool(row and row[0] == key)
        if not same:
            _snapshot_rows(con, period, activities, agencies, flags)
        finished = []

        def done(manifest: dict) -> bool:
            if manifest["period"] != period or inputs_hash(manifest) != key:
                raise ValueError("the manifest is not of the inputs the snapshot was begun with")
            if not same:
                con.execute(
                    "INSERT INTO periods (period, inputs_hash, rules_hash, tool_version, stored_at, manifest) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (period) DO UPDATE SET inputs_hash = "
                    "excluded.inputs_hash, rules_hash = excluded.rules_hash, tool_version = excluded.tool_version, "
                    "stored_at = excluded.stored_at, manifest = excluded.manifest",
                    (period, key, manifest["rules_hash"], manifest["tool_version"], now(), json.dumps(manifest)),
                )
                con.execute(
                    "INSERT INTO events (period, event, at, detail) VALUES (?, 'stored', ?, ?)", (period, now(), key)
                )
            finished.append(True)
            return not same

        yield done
        if not finished:
            con.rollback()


def _snapshot_rows(con: sqlite3.Connection, period: str, activities: pd.DataFrame,
                   agencies: dict[str, AgencyStatus], flags) -> None:  # fmt: skip
    for table in ("activities", "statuses", "flags"):
        con.execute(f"DELETE FROM {table} WHERE period = ?", (period,))  # table names are fixed, not input
    for lo in range(0, len(activities), CHUNK):  # one JSON text per row, straight from pandas
        part = activities.iloc[lo : lo + CHUNK]
        text = part.to_json(orient="records", lines=True, date_format="iso", force_ascii=False)
        keys = zip(part["id_kegiatan"], part["_agency"], part["kode_aksi"], strict=True)
        con.executemany(
            "INSERT INTO activities VALUES (?, ?, ?, ?, ?)",
            ((period, *k, r) for k, r in zip(keys, text.rstrip("\n").split("\n"), strict=True)),
        )
    rows = [
        (period, code, a.state, a.accepted, a.rejected, a.errors, a.warnings, int(bool(a.late)),
         json.dumps(a.files, ensure_ascii=False), a.sent.isoformat() if a.sent else None, a.days_late, a.level)
        for code, a in agencies.items()
    ]  # fmt: skip
    con.executemany(
        "INSERT INTO statuses (period, agency, status, accepted, rejected, errors, warnings, late, files, sent, "
        "days_late, level) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    con.executemany(
        "INSERT INTO flags VALUES (?, ?)",
        [(period, json.dumps(dataclasses.asdict(p), ensure_ascii=False)) for p in flags],
    )


DATE_COLUMNS = ("tanggal_mulai", "tanggal_selesai")
FLAG_COLUMNS = ("duplikat", "satuan_sesuai")


def load(outbox: Path, period_id: str) -> Snapshot | None:
    if not history_path(outbox).exists():
        return None
    with connect(outbox) as con:
        if not con.execute("SELECT 1 FROM periods WHERE period = ?", (period_id,)).fetchone():
            return None
        rows = con.execute("SELECT record FROM activities WHERE period = ? ORDER BY rowid", (period_id,)).fetchall()
        st = con.execute(
            "SELECT agency, status, accepted, rejected, errors, warnings, late, files, sent, days_late, level "
            "FROM statuses WHERE period = ?",
            (period_id,),
        ).fetchall()
        flags = [
            Problem(**json.loads(r[0])) for r in con.execute("SELECT record FROM flags WHERE period = ?", (period_id,))
        ]
    acts = pd.DataFrame([json.loads(r[0]) for r in rows])
    for col in DATE_COLUMNS:
        if col in acts:
            acts[col] = pd.to_datetime(acts[col]).dt.date.astype(object).where(acts[col].notna(), None)
    acts = acts.astype({c: bool for c in FLAG_COLUMNS if c in acts})
    agencies = {
        a: AgencyStatus(s, json.loads(files), acc, rej, e, w, bool(late), dt.date.fromisoformat(sent) if sent else None,
                        days_late=days or 0, level=level or "kl")
        for a, s, acc, rej, e, w, late, files, sent, days, level in st
    }  # fmt: skip
    return Snapshot(period_id, acts, agencies, flags)


def decisions(outbox: Path, period_id: str) -> dict[str, Decision]:
    """The review decisions of a period in force: the latest one on each item."""
    if not history_path(outbox).exists():
        return {}
    with connect(outbox) as con:
        rows = con.execute(
            "SELECT item, decision, note, decided_by, decided_at, fingerprint FROM decisions WHERE period = ? "
            "ORDER BY seq",
            (period_id,),
        ).fetchall()
    return {r[0]: Decision(r[0], r[1], r[2] or "", r[3] or "", r[4] or "", r[5] or "") for r in rows}


def add_decisions(outbox: Path, period_id: str, new: list[Decision], tz: str) -> None:
    """Record new decisions of a period (refused, like any change, once it is finalised)."""
    if not new:
        return
    check_open(outbox, period_id, reopen=False, tz=tz)
    with connect(outbox) as con:
        con.executemany(
            "INSERT INTO decisions (period, item, decision, note, decided_by, decided_at, fingerprint) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(period_id, d.item, d.decision, d.note, d.by, d.at, d.fingerprint) for d in new],
        )


def decisions_hash(decided: dict[str, Decision]) -> str:
    """What the decisions in force are, for the snapshot key."""
    text = json.dumps([[d.item, d.decision, d.note, d.fingerprint] for _, d in sorted(decided.items())])
    return hashlib.sha256(text.encode()).hexdigest() if decided else ""


def record_inputs(outbox: Path, period_id: str, subs: list[Submission]) -> None:
    """Record the files a run read into a period, with the period each names itself."""
    rows = [
        (period_id, s.sha256, s.name, s.period, REJECTED if s.rejected else SUPERSEDED if s.superseded else USED, now())
        for s in subs
        if s.sha256
    ]
    with connect(outbox) as con:
        con.executemany(
            "INSERT INTO inputs VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (period, sha256) DO UPDATE SET "
            "file = excluded.file, own_period = excluded.own_period, status = excluded.status",
            rows,
        )


def seen(outbox: Path | None) -> Seen:
    """Every file processed so far, by SHA-256: the periods it was processed in and the period
    it names itself; from the history (opened read-only: `ranpe status` writes nothing) and
    from the manifests runs left in outbox/<period>/ (NOT_RECORDED where an earlier version's
    manifest does not say which period the file names)."""
    out: Seen = {}
    if outbox is None:
        return out
    if history_path(outbox).exists():
        uri = f"{history_path(outbox).resolve().as_uri()}?mode=ro"
        # a history of an earlier version has no inputs recorded yet
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as con, contextlib.suppress(sqlite3.OperationalError):
            for digest, period, own in con.execute("SELECT sha256, period, own_period FROM inputs ORDER BY period"):
                out.setdefault(digest, []).append((period, own))
    for path in sorted(outbox.glob("*/manifest.json")) if outbox.is_dir() else []:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            records = [(i["sha256"], data["period"], i.get("period", NOT_RECORDED)) for i in data["inputs"]]
        except (OSError, ValueError, KeyError, TypeError):  # not a run's manifest: no evidence
            continue
        for digest, period, own in records:
            if (period, own) not in out.get(digest, []):
                out.setdefault(digest, []).append((period, own))
    return out


def later(outbox: Path, period_id: str, rules: Rules) -> list[str]:
    """The stored periods whose report compares with `period_id` (it is their previous)."""
    if not history_path(outbox).exists():
        return []
    with connect(outbox) as con:
        stored = [p for (p,) in con.execute("SELECT period FROM periods")]
    out = []
    for p in stored:
        try:
            if previous_period_id(parse_period(p, rules), rules) == period_id:
                out.append(p)
        except RanpeError:  # an id the rules do not know, or a year
            continue
    return sorted(out)


def largest(outbox: Path | None, period_id: str, rules: Rules) -> Earlier:
    """For each column the checks compare with earlier periods (intake/checks.py
    `history_columns`): per (agency, action) the largest value accepted, and not excluded by
    the review, in the periods stored before `period_id`; the history opened read-only."""
    columns, here = history_columns(rules), period_key(period_id, rules)
    if not columns or here is None or outbox is None or not history_path(outbox).exists():
        return {}
    out: Earlier = {}
    uri = f"{history_path(outbox).resolve().as_uri()}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True)) as con:
        before = [p for (p,) in con.execute("SELECT period FROM periods") if (period_key(p, rules) or here) < here]
        marks = ", ".join("?" * len(before))
        for column in columns:
            rows = con.execute(
                "SELECT agency, kode_aksi, MAX(json_extract(record, '$.\"' || ? || '\"')) FROM activities "
                f"WHERE period IN ({marks}) GROUP BY agency, kode_aksi",  # marks: one ? per period
                (column, *before),
            )
            out[column] = {(agency, action): float(v) for agency, action, v in rows if v is not None}
    return out


def events(outbox: Path, period_id: str) -> list[tuple[str, str]]:
    if not history_path(outbox).exists():
        return []
    with connect(outbox) as con:
        return con.execute("SELECT event, at FROM events WHERE period = ? ORDER BY seq", (period_id,)).fetchall()


def manifest(outbox: Path, period_id: str) -> str:
    """The stored run manifest of a period (JSON text)."""
    with connect(outbox) as con:
        return con.execute("SELECT manifest FROM periods WHERE period = ?", (period_id,)).fetchone()[0]
