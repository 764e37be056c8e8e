"""The status board of a period: per agency, what was received and accepted, the problems,
nihil, missing and late, and the days left to (or past) the deadline."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..core.formatting import dmy
from ..core.model import Validation
from ..core.rules import Rules
from ..core.texts import t
from ..core.units import LEVELS


def status_board(validation: Validation, rules: Rules, today: dt.date) -> pd.DataFrame:
    """One row per agency of rules/agencies.yaml, in that order."""
    days_left = (validation.period.deadline - today).days
    rows = []
    for a in sorted(rules.units(validation.agencies), key=lambda a: LEVELS.index(a.level)):  # K/L, then by level
        st = validation.agencies[a.code]
        rows.append(
            {
                "kode": a.code,
                "kl": a.short,
                "tingkat": t(f"units.level.{a.level}"),
                "email": a.email or "",
                "status_kode": st.state,
                "status": t(f"status.{st.state}"),
                "berkas": len(st.files),
                "berkas_dipakai": st.file,
                "diterima": not st.missing,
                "dikirim": st.sent,
                "baris_diterima": st.accepted,
                "baris_ditolak": st.rejected,
                "galat": st.errors,
                "peringatan": st.warnings,
                "nihil": st.state == "nihil",
                "belum_masuk": st.missing,
                "terlambat": bool(st.late),  # sent after the deadline (as every output counts it)
                "sisa_hari": days_left if st.missing else None,
            }
        )
    return pd.DataFrame(rows)


def board_lines(board: pd.DataFrame, validation: Validation, today: dt.date) -> list[str]:
    """The board as console lines, with a count line at the end."""
    p = validation.period
    days = (p.deadline - today).days
    when = t("status_board.days_left", n=days) if days >= 0 else t("status_board.days_past", n=-days)
    out = [t("status_board.title", period=p.id, deadline=dmy(p.deadline), when=when), ""]
    head = t("status_board.columns")
    width = int(board["kl"].str.len().max()) if len(board) else 0  # every name whole, the columns aligned
    out.append(t("status_board.row", w=width, **head))
    yes = t("status_board.yes_text")
    levels = board["tingkat"].nunique() > 1
    for i, r in enumerate(board.itertuples()):
        if levels and (i == 0 or r.tingkat != board["tingkat"].iat[i - 1]):
            out.append(f"-- {r.tingkat} --")
        out.append(
            t(
                "status_board.row",
                w=width,
                kl=r.kl,
                status=r.status,
                dikirim=dmy(r.dikirim) if r.dikirim else "-",
                baris=r.baris_diterima,
                galat=r.galat,
                peringatan=r.peringatan,
                terlambat=yes if r.terlambat else "",
                sisa=("" if r.sisa_hari is None or pd.isna(r.sisa_hari) else int(r.sisa_hari)),
                berkas=r.berkas_dipakai or "-",
            )
        )
    late, errors = int(board["terlambat"].sum()), int((board["galat"] > 0).sum())
    overdue = int(board["belum_masuk"].sum()) if days < 0 else 0  # nothing usable, and the deadline is past
    counts = t("status_board.counts", late=late, overdue=overdue, problems=errors)
    return [*out, "", *state_lines(validation), counts]


def state_lines(validation: Validation) -> list[str]:
    """How many units of each level are in each state, a line per level (the K/L always; a
    level of regions when some are called in or reported): the status board and the console."""
    out = []
    for level in LEVELS:
        counts = validation.state_counts(level)
        if level != "kl" and not sum(counts.values()):
            continue
        parts = [t("status_board.state_count", n=n, state=t(f"status.{s}")) for s, n in counts.items() if n]
        level_name = t(f"units.counted.{level}")
        out.append(t("status_board.states", states="; ".join(parts), total=sum(counts.values()), level=level_name))
    return out
