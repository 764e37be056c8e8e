"""Indonesian number and date formatting, the one place for it: "1.250.000", "1.234,5",
"Rp 1.250.000", "75,5%", "3 Desember 2026", "03/12/2026", "07/12/2026 07.18"."""

from __future__ import annotations

import datetime as dt
import decimal
import math
from zoneinfo import ZoneInfo

from .texts import t

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


def bulat(x, decimals: int = 0) -> float:
    """`x` rounded half away from zero (docs/angka.md, section 10: 0.0625 to 3 decimals is
    0.063, 2.5 is 3), from its shortest decimal form, so that 2.675 is 2.68 as it is written:
    the one rounding of the text and of the workbook's cells."""
    step = decimal.Decimal(1).scaleb(-decimals)
    return float(decimal.Decimal(repr(float(x))).quantize(step, rounding=decimal.ROUND_HALF_UP))


def angka(x, decimals: int | None = 0) -> str:
    """1250000 -> '1.250.000'; 1234.5 with decimals=1 -> '1.234,5'; decimals=None: as many
    as the number needs, at most two (1500 -> '1.500', 2.5 -> '2,5', 1234.567 -> '1.234,57')."""
    if _missing(x):
        return "-"
    if decimals is None:
        x = bulat(x, 2)
        decimals = next(d for d in (0, 1, 2) if bulat(x, d) == x or d == 2)
    text = f"{bulat(x, decimals):,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def bilangan(x) -> str:
    """A number as the figure it is, with no thousands separator to read two ways: 1500000 ->
    '1500000', 2.5 -> '2,5' (what a typed '1.500.000' or 'Rp 2,5 juta' was read as)."""
    text = f"{round(float(x), 6):f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def rupiah(x) -> str:
    """1250000 -> 'Rp 1.250.000', with a no-break space: a line never ends between them."""
    return "-" if _missing(x) else f"Rp\u00a0{angka(round(float(x)))}"


PERCENT_DECIMALS = 1  # of every percentage shown, in text and in the workbooks' cells ("0.0%")


def persen(ratio, decimals: int = PERCENT_DECIMALS) -> str:
    """0.755 -> '75,5%'."""
    if _missing(ratio):
        return "-"
    return f"{angka(bulat(ratio, decimals + 2) * 100, decimals)}%"


def tanggal(day) -> str:
    """date(2026, 12, 3) or '2026-12-03' -> '3 Desember 2026'."""
    if _missing(day) or day == "":
        return "-"
    if isinstance(day, str):
        day = dt.date.fromisoformat(day[:10])
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def dmy(day) -> str:
    """A date as focal points type it: date(2026, 12, 3) -> '03/12/2026'."""
    return day.strftime("%d/%m/%Y")


def waktu(at, tz: str, long: bool = False) -> str:
    """A moment (an ISO text as the history stores it, or a datetime) in the secretariat's time
    zone `tz` (settings.yaml `timezone`): '2026-12-07T00:18:04+00:00' in Asia/Jakarta ->
    '07/12/2026 07.18'; long: '7 Desember 2026 pukul 07.18 WIB' (the zone's own abbreviation:
    WIB, WITA, WIT). A moment without a zone is taken as the secretariat's."""
    if _missing(at) or at == "":
        return "-"
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at)
    zone = ZoneInfo(tz)
    at = at.replace(tzinfo=zone) if at.tzinfo is None else at.astimezone(zone)
    if long:
        return t("formatting.long_time", day=tanggal(at), time=f"{at:%H.%M}", zone=at.tzname())
    return f"{at:%d/%m/%Y %H.%M}"


def poin(change, decimals: int = 1, signed: bool = True) -> str:
    """A change of a ratio in percentage points: 0.052 -> '+5,2'; -0.1 -> '−10,0'; unsigned
    (a range, not a change): 0.2 -> '20,0'."""
    if _missing(change):
        return "-"
    value = float(change) * 100
    sign = ("+" if value > 0 else "−" if value < 0 else "") if signed else ""
    return f"{sign}{angka(abs(value), decimals)}"
