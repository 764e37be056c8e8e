"""A period beside the one before it, from the stored history: actions newly started,
achievement per pillar and per agency, and agencies that stopped reporting. Every figure
is computed by the same functions as the summary workbooks, so the two agree."""

from __future__ import annotations

import pandas as pd

from ..core.model import REPORTED, AgencyStatus, Comparison, Consolidation, Snapshot
from ..core.rules import Rules
from ..core.texts import t
from .consolidate import agency_figures, by_level


def compare(c: Consolidation, agencies: dict[str, AgencyStatus], prev: Snapshot, rules: Rules) -> Comparison:
    keys = ["level0_code", "level0_name"]
    now = by_level(c.activities, rules, 0).set_index(keys)
    before = by_level(prev.activities, rules, 0).set_index(keys) if len(prev.activities) else None
    pillars = _beside(now, before, ["kegiatan", "capaian", "serapan"]).reset_index()
    units = rules.units(agencies)
    codes = [a.code for a in units]
    figures = (
        agency_figures(c.activities, rules, codes)
        .merge(agency_figures(prev.activities, rules, codes), on="kode", suffixes=("", "_lalu"))
        .set_index("kode")
    )
    figures = figures[[f"{k}{s}" for k in ("kegiatan", "capaian", "serapan") for s in ("_lalu", "")]]
    figures["selisih_capaian"] = figures["capaian"] - figures["capaian_lalu"]
    figures.insert(0, "status_lalu", [_status(prev.agencies, a.code) for a in units])
    figures.insert(1, "status", [_status(agencies, a.code) for a in units])
    figures.insert(0, "kl", [a.short for a in units])
    figures = figures.reset_index()
    done_before = set(prev.activities["kode_aksi"]) if len(prev.activities) else set()
    started = c.by_action[(c.by_action["kegiatan"] > 0) & ~c.by_action["kode_aksi"].isin(done_before)]
    stopped = [
        {"kode": a.code, "kl": a.short, "status_lalu": _status(prev.agencies, a.code),
         "status": _status(agencies, a.code)}
        for a in units
        if a.code in prev.agencies and prev.agencies[a.code].state in REPORTED and agencies[a.code].missing
    ]  # fmt: skip
    return Comparison(
        previous=prev.period,
        by_pillar=pillars,
        by_agency=figures,
        new_actions=started[["kode_aksi", "uraian_aksi", "kegiatan", "kl"]].reset_index(drop=True),
        stopped=pd.DataFrame(stopped, columns=["kode", "kl", "status_lalu", "status"]),
        silent=[a.code for a in units if a.code in prev.agencies and prev.agencies[a.code].missing
                and agencies[a.code].missing],
    )  # fmt: skip


def _beside(now: pd.DataFrame, before: pd.DataFrame | None, cols: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(index=now.index)
    for k in cols:
        out[f"{k}_lalu"] = before[k].reindex(now.index) if before is not None else float("nan")
        out[k] = now[k]
    out["selisih_capaian"] = out["capaian"] - out["capaian_lalu"]
    out["selisih_kegiatan"] = out["kegiatan"] - out["kegiatan_lalu"].fillna(0)
    return out


def _status(agencies: dict[str, AgencyStatus], code: str) -> str:
    a = agencies.get(code)
    return t(f"status.{a.state}") if a else t("compare.not_in_plan")
