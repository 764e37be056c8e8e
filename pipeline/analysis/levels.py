"""The reporting units by level: how many of each level were expected and in which state
(completeness per level), and per province the regional governments called in and what they
reported. A region not called in that reported all the same is counted where it reported,
never as expected (docs/angka.md, section 11)."""

from __future__ import annotations

import pandas as pd

from ..core.model import REPORTED, Validation
from ..core.rules import Rules
from ..core.texts import t
from ..core.units import LEVELS


def level_status(validation: Validation, rules: Rules) -> pd.DataFrame:
    """One row per level (K/L, provinsi, kab/kota) with units: expected (the K/L and the
    regions called in), reported (on time, late; nihil among them), rejected, not received."""
    expected = {a.code for a in rules.expected(validation.period.id)}
    rows = []
    for level in LEVELS:
        units = {c: a for c, a in validation.agencies.items() if a.level == level}
        if level != "kl" and not units:
            continue
        called = {c: a for c, a in units.items() if c in expected}
        reported = [a for a in called.values() if a.state in REPORTED]
        late = sum(a.late for a in reported)
        rows.append(
            {
                "tingkat": t(f"units.level.{level}"),
                "dipanggil": len(called),
                "melapor": len(reported),
                "tepat_waktu": len(reported) - late,
                "terlambat": late,
                "nihil": sum(a.state == "nihil" for a in reported),
                "ditolak": sum(a.state == "rejected" for a in called.values()),
                "belum": sum(a.state == "not_received" for a in called.values()),
                "tanpa_panggilan": len(units) - len(called),
            }
        )
    return pd.DataFrame(rows)


def region_table(validation: Validation, by_province: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Per province that has a regional government called in or reporting: the province
    government's state, its kab/kota governments called in and reporting, whether it has a
    RAD PE, and its activities by level (by_province's columns)."""
    units = rules.units(validation.agencies)
    expected = {a.code for a in rules.expected(validation.period.id)}
    rows = []
    for p in rules.provinces.provinces:
        mine = [a for a in units if a.province == p.kemendagri]
        if not mine:
            continue
        own = next((a for a in mine if a.level == "provinsi"), None)
        towns = [a for a in mine if a.level == "kabkota"]
        state = validation.agencies[own.code] if own else None
        rows.append(
            {
                "kode_kemendagri": p.kemendagri,
                "provinsi": p.name,
                "rad_pe": t("units.yes") if own and own.rad_pe else "",
                "status_pemprov": t(f"status.{state.state}") if state else "-",
                "terlambat_pemprov": bool(state and state.late),
                "kabkota_dipanggil": sum(a.code in expected for a in towns),
                "kabkota_melapor": sum(
                    a.code in expected and validation.agencies[a.code].state in REPORTED for a in towns
                ),  # of those called in
                "kabkota_rad_pe": sum(a.rad_pe for a in towns),
            }
        )
    out = pd.DataFrame(rows, columns=["kode_kemendagri", "provinsi", "rad_pe", "status_pemprov", "terlambat_pemprov",
                                      "kabkota_dipanggil", "kabkota_melapor", "kabkota_rad_pe"])  # fmt: skip
    counts = by_province[["kode_kemendagri", *[f"kegiatan_{lv}" for lv in LEVELS], "kegiatan_unik"]]
    return out.merge(counts, on="kode_kemendagri", how="left")
