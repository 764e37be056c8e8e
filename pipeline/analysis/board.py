"""The status board of a period: per agency, what was received and accepted, the problems,
nihil, missing and late, and the days left to (or past) the deadline."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ..core.formatting import dmy
from ..core.model import Validation
from ..core.rules import Rules
from ..core.texts import t


def status_board(validation: Validation, rules: Rules, today: dt.date) -> pd.DataFrame:
    """One row per agency of rules/agencies.yaml, in that order."""
    days_left = (validation.period.deadline - today).days
    rows = []
    for a in rules.agencies:
        st = validation.agencies[a.code]
        rows.append(
            {
                "kode": a.code,
                "kl": a.short,
                "email": a.email or "",
                "status_kode": st.state,
                "status": t(f"status.{st.state}"),
                "berkas": len(st.files),
                "diterima": not st.missing,
                "dikirim": st.sent,
                "baris_diterima": st.accepted,
                "baris_ditolak": st.rejected,
                "galat": st.errors,
                "peringatan": st.warnings,
                "nihil": st.state == "nihil",
                "belum_masuk": st.missing,
                "terlambat": bool(st.late) or (st.missing and days_left < 0),
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
    out.append(t("status_board.row", **head))
    yes = t("status_board.yes_text")
    for r in board.itertuples():
        out.append(
            t(
                "status_board.row",
                kl=r.kl,
                status=r.status,
                dikirim=dmy(r.dikirim) if r.dikirim else "-",
                baris=r.baris_diterima,
                galat=r.galat,
                peringatan=r.peringatan,
                terlambat=yes if r.terlambat else "",
                sisa=("" if r.sisa_hari is None or pd.isna(r.sisa_hari) else int(r.sisa_hari)),
            )
        )
    counts = {
        "received": int(board["diterima"].sum()),
        "total": len(board),
        "nihil": int(board["nihil"].sum()),
        "missing": int(board["belum_masuk"].sum()),
        "late": int(board["terlambat"].sum()),
        "problems": int((board["galat"] > 0).sum()),
    }
    return [*out, "", t("status_board.counts", **counts)]
