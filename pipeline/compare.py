"""A period beside the one before it, from the stored history: actions newly started,
achievement per pillar and per agency, and agencies that stopped reporting. Every figure
is computed by the same functions as the summary workbooks, so the two agree."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .consolidate import Consolidation, agency_figures, by_level
from .history import Snapshot
from .rules import Rules
from .texts import t
from .validate import MISSING, REPORTED


@dataclass
class Comparison:
    previous: str  # id of the earlier period
    by_pillar: pd.DataFrame
    by_agency: pd.DataFrame
    new_actions: pd.DataFrame
    stopped: pd.DataFrame


def compare(c: Consolidation, statuses: dict[str, dict], prev: Snapshot, rules: Rules) -> Comparison:
    keys = ["level0_code", "level0_name"]
    now = by_level(c.activities, rules, 0).set_index(keys)
    before = by_level(prev.activities, rules, 0).set_index(keys) if len(prev.activities) else None
    pillars = _beside(now, before, ["kegiatan", "capaian", "serapan"]).reset_index()
    agencies = (
        agency_figures(c.activities, rules)
        .merge(agency_figures(prev.activities, rules), on="kode", suffixes=("", "_lalu"))
        .set_index("kode")
    )
    agencies = agencies[[f"{k}{s}" for k in ("kegiatan", "capaian", "serapan") for s in ("_lalu", "")]]
    agencies["selisih_capaian"] = agencies["capaian"] - agencies["capaian_lalu"]
    agencies.insert(0, "status_lalu", [_status(prev.statuses, a.code) for a in rules.agencies])
    agencies.insert(1, "status", [_status(statuses, a.code) for a in rules.agencies])
    agencies.insert(0, "kl", [a.short for a in rules.agencies])
    agencies = agencies.reset_index()
    done_before = set(prev.activities["kode_aksi"]) if len(prev.activities) else set()
    started = c.by_action[(c.by_action["kegiatan"] > 0) & ~c.by_action["kode_aksi"].isin(done_before)]
    stopped = [
        {"kode": a.code, "kl": a.short, "status_lalu": _status(prev.statuses, a.code),
         "status": _status(statuses, a.code)}
        for a in rules.agencies
        if prev.statuses.get(a.code, {}).get("status") in REPORTED and statuses[a.code]["status"] in MISSING
    ]  # fmt: skip
    return Comparison(
        previous=prev.period,
        by_pillar=pillars,
        by_agency=agencies,
        new_actions=started[["kode_aksi", "uraian_aksi", "kegiatan", "kl"]].reset_index(drop=True),
        stopped=pd.DataFrame(stopped, columns=["kode", "kl", "status_lalu", "status"]),
    )


def _beside(now: pd.DataFrame, before: pd.DataFrame | None, cols: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(index=now.index)
    for k in cols:
        out[f"{k}_lalu"] = before[k].reindex(now.index) if before is not None else float("nan")
        out[k] = now[k]
    out["selisih_capaian"] = out["capaian"] - out["capaian_lalu"]
    out["selisih_kegiatan"] = out["kegiatan"] - out["kegiatan_lalu"].fillna(0)
    return out


def _status(statuses: dict[str, dict], code: str) -> str:
    st = statuses.get(code)
    return t(f"status.{st['status']}") if st else t("compare.not_in_plan")
