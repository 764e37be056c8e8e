"""Indonesian number and date formatting: "Rp 1.250.000", "3 Desember 2026", "75,5%"."""

from __future__ import annotations

import datetime as dt
import math

MONTHS = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
]


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def angka(x, decimals: int = 0) -> str:
    """1250000 -> '1.250.000'; 1234.5 with decimals=1 -> '1.234,5'."""
    if _missing(x):
        return "-"
    text = f"{float(x):,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def rupiah(x) -> str:
    return "-" if _missing(x) else f"Rp {angka(round(float(x)))}"


def persen(ratio, decimals: int = 1) -> str:
    """0.755 -> '75,5%'."""
    if _missing(ratio):
        return "-"
    return f"{angka(float(ratio) * 100, decimals)}%"


def tanggal(day) -> str:
    """date(2026, 12, 3) or '2026-12-03' -> '3 Desember 2026'."""
    if _missing(day) or day == "":
        return "-"
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def poin(change, decimals: int = 1) -> str:
    """A change of a ratio in percentage points: 0.052 -> '+5,2'; -0.1 -> '−10,0'."""
    if _missing(change):
        return "-"
    value = float(change) * 100
    sign = "+" if value > 0 else "−" if value < 0 else ""
    return f"{sign}{angka(abs(value), decimals)}"
