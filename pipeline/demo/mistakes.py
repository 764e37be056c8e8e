"""The mistakes planted in the sample period, one of each kind focal points make, each noted
with its file, sheet, cell and problem code; and the activities two agencies report twice
or overlap on."""

from __future__ import annotations

import datetime as dt

from openpyxl.utils import get_column_letter

from ..core.formatting import angka, dmy
from ..core.layout import FIRST_DATA_ROW
from ..core.rules import Rules
from ..core.texts import t
from .activities import short_title


def plant_joint_activity(rules: Rules, rows_by_agency: dict, reporters: list[str], overlaps: list[dict]) -> None:
    """Two agencies (lead and supporter of one action) report the same joint activity."""
    for fa in rules.actions:
        partners = [c for c in (*fa.action.lead, *fa.action.support) if c in reporters]
        if len(partners) >= 2:
            a, b = partners[:2]
            base = next(r for r in rows_by_agency[a] if r["kode_aksi"] == fa.code)
            base.update(
                status="Selesai",
                provinsi="Jawa Timur",
                kabupaten_kota="Kabupaten Lamongan",  # both picked from the list
                nama_kegiatan=f"{short_title(fa.action.title)} bersama di Kab. Lamongan",
                tanggal_mulai=dt.date(2026, 3, 10),
                tanggal_selesai=dt.date(2026, 3, 12),
            )
            twin = next(r for r in rows_by_agency[b] if r["kode_aksi"] == fa.code)
            twin.update(
                {
                    k: base[k]
                    for k in (
                        "status",
                        "provinsi",
                        "kabupaten_kota",
                        "tanggal_mulai",
                        "tanggal_selesai",
                        "sasaran",
                        "jumlah_peserta",
                        "target",
                        "realisasi",
                    )
                }
            )
            twin["nama_kegiatan"] = base["nama_kegiatan"].replace("bersama", "bersama-sama")
            overlaps.append({"agencies": [a, b], "kind": "likely-duplicate", "action": fa.code})
            base["_joint"] = twin["_joint"] = True
            _plant_overlapping_work(rules, rows_by_agency, reporters, overlaps, skip=fa.code)
            return


def plant_rollup(rows_by_agency: dict, province: str, town: str, overlaps: list[dict]) -> None:
    """A province government reports, as its own, the first activity of one of its kab/kota
    governments that both report on: the same event at two levels, worded its own way."""
    mine = {r["kode_aksi"] for r in rows_by_agency[province]}
    base = next(r for r in rows_by_agency[town] if r["kode_aksi"] in mine)
    rolled = {**base, "nama_kegiatan": f"Fasilitasi dan pendampingan {base['nama_kegiatan']}",
              "anggaran": base["anggaran"] // 4, "realisasi_anggaran": base["realisasi_anggaran"] // 4}  # fmt: skip
    rows_by_agency[province].append(rolled)
    overlaps.append({"agencies": [province, town], "kind": "likely-duplicate", "action": base["kode_aksi"]})


def _plant_overlapping_work(
    rules: Rules, rows_by_agency: dict, reporters: list[str], overlaps: list[dict], skip: str
) -> None:
    """Two agencies run different activities of one action at the same place, ten days apart."""
    for fa in rules.actions:
        partners = [c for c in (*fa.action.lead, *fa.action.support) if c in reporters]
        if fa.code == skip or len(partners) < 2:
            continue
        a, b = partners[:2]
        first = next(r for r in rows_by_agency[a] if r["kode_aksi"] == fa.code)
        second = next(r for r in rows_by_agency[b] if r["kode_aksi"] == fa.code)
        place = {
            "provinsi": "Sulawesi Selatan",
            "kabupaten_kota": "Kota Makassar",
            "sasaran": "Pemuda",
            "status": "Selesai",
        }
        first.update(
            place,
            nama_kegiatan=f"Lokakarya {short_title(fa.action.title).lower()} bagi pemuda Makassar",
            tanggal_mulai=dt.date(2026, 4, 6),
            tanggal_selesai=dt.date(2026, 4, 7),
        )
        second.update(
            place,
            nama_kegiatan=f"Sosialisasi {short_title(fa.action.title).lower()} di kampus",
            tanggal_mulai=dt.date(2026, 4, 17),
            tanggal_selesai=dt.date(2026, 4, 18),
        )
        first["_joint"] = second["_joint"] = True
        overlaps.append({"agencies": [a, b], "kind": "overlapping-work", "action": fa.code})
        return


class Planter:
    """Plants one typical mistake per entry of MISTAKES into the rows of ordinary agencies."""

    def __init__(self, rules, rng, filler, rows_by_agency, victims) -> None:
        self.rules, self.rng, self.f = rules, rng, filler
        self.rows, self.victims = rows_by_agency, victims
        self.planted: dict[str, list[dict]] = {}
        self.identity: dict[str, dict] = {}
        self.used: set[tuple[str, int]] = set()
        self.turn = 0

    def _pick(self, need=lambda r: True) -> tuple[str, int, dict]:
        for _ in range(len(self.victims) * 4):
            code = self.victims[self.turn % len(self.victims)]
            self.turn += 1
            free = [
                i
                for i, r in enumerate(self.rows[code])
                if (code, i) not in self.used and not r.get("_joint") and need(r) and self._shared(code, r)
            ]
            if free:
                i = free[0]
                self.used.add((code, i))
                return code, i, self.rows[code][i]
        raise RuntimeError("sample too small to plant every mistake")

    def _shared(self, code: str, row: dict) -> bool:
        """Another row of the agency has the same action, so a mistake here leaves it covered."""
        return sum(r["kode_aksi"] == row["kode_aksi"] for r in self.rows[code]) > 1

    def _note(self, code: str, i: int, key: str, problem: str) -> None:
        cell = f"{get_column_letter(self.f.col[key])}{FIRST_DATA_ROW + 1 + i}" if key else ""
        self.planted.setdefault(code, []).append(
            {"agency": code, "code": problem, "sheet": t("sheets.laporan") if key else "", "cell": cell}
        )

    def plant_all(self) -> None:
        self._plant_missing_action()
        sel = lambda r: r["status"] == "Selesai"  # noqa: E731
        late_start = lambda r: r["status"] == "Selesai" and r["tanggal_mulai"] > self.f.p.start + dt.timedelta(days=7)  # noqa: E731
        steps = [
            (
                "anggaran",
                "number-reformatted",
                None,
                lambda r: r.update(anggaran=angka(r["anggaran"])),
            ),
            (
                "anggaran",
                "number-reformatted",
                None,
                lambda r: r.update(anggaran="Rp 2,5 juta", realisasi_anggaran=2_000_000),
            ),
            (
                "realisasi",
                "number-reformatted",
                sel,
                lambda r: r.update(satuan="persen", target=100.0, realisasi="75%"),
            ),
            (
                "tanggal_mulai",
                "date-reformatted",
                None,
                lambda r: r.update(tanggal_mulai=_indo_date(r["tanggal_mulai"])),
            ),
            (
                "tanggal_selesai",
                "date-reformatted",
                sel,
                lambda r: r.update(tanggal_selesai=dmy(r["tanggal_selesai"])),
            ),
            ("provinsi", "alias-replaced", None, lambda r: r.update(provinsi="Jatim", kabupaten_kota="Kota Surabaya")),
            (
                "provinsi",
                "alias-replaced",
                None,
                lambda r: r.update(provinsi="jawa barat", kabupaten_kota="Kota Bandung"),
            ),
            (
                "provinsi",
                "not-in-list",
                None,
                lambda r: r.update(provinsi="Jawa Timr", kabupaten_kota="Kabupaten Lamongan"),
            ),
            ("nama_kegiatan", "required-missing", None, lambda r: r.update(nama_kegiatan=None)),
            ("kode_aksi", "unknown-action-code", None, lambda r: r.update(kode_aksi="9.9.9")),
            ("kode_aksi", "code-reformatted", None, lambda r: r.update(kode_aksi=f"Aksi {r['kode_aksi']}.")),
            (
                "tanggal_selesai",
                "end-before-start",
                late_start,
                lambda r: r.update(tanggal_selesai=r["tanggal_mulai"] - dt.timedelta(days=3)),
            ),
            ("realisasi", "required-when", sel, lambda r: r.update(realisasi=None)),
            (
                "upaya_penyelesaian",
                "obstacle-without-solution",
                None,
                lambda r: r.update(hambatan="Peserta dari daerah terpencil sulit hadir", upaya_penyelesaian=None),
            ),
            (
                "realisasi_anggaran",
                "overspent",
                None,
                lambda r: r.update(realisasi_anggaran=r["anggaran"] + 25_000_000),
            ),
            (
                "nama_kegiatan",
                "whitespace-normalised",
                None,
                lambda r: r.update(nama_kegiatan="  " + r["nama_kegiatan"].replace(" ", "\u00a0 ", 1) + "\u200b "),
            ),
            ("tanggal_mulai", "invalid-date", None, lambda r: r.update(tanggal_mulai="31/02/2026")),
            ("anggaran", "invalid-number", None, lambda r: r.update(anggaran="dua ratus juta")),
        ]
        for key, problem, need, change in steps:
            code, i, row = self._pick(need or (lambda r: True))
            change(row)
            self._note(code, i, key, problem)
        self._plant_not_assigned()
        self._plant_duplicate()
        self._plant_outlier()
        victim = self.victims[self.turn % len(self.victims)]
        self.identity[victim] = {"email": None}
        self.planted.setdefault(victim, []).append(
            {
                "agency": victim,
                "code": "identity-missing",
                "sheet": t("sheets.identitas"),
                "cell": _identity_cell(self.rules, "email"),
            }
        )
        self._plant_regencies()

    def _plant_regencies(self) -> None:
        """A kab/kota typed instead of picked from the list: with its prefix short (corrected),
        and misspelt (a warning naming the nearest kab/kota). Planted last, so that the
        mistakes planted before stay where they were."""
        kabupaten = lambda r: str(r.get("kabupaten_kota") or "").startswith("Kabupaten ")  # noqa: E731
        swapped = lambda name: name[:-2] + name[-1] + name[-2]  # noqa: E731 - "Lamongan" as "Lamongna"
        for problem, typed in (("alias-replaced", lambda name: name), ("unknown-regency", swapped)):
            code, i, row = self._pick(kabupaten)
            row["kabupaten_kota"] = "Kab. " + typed(row["kabupaten_kota"].removeprefix("Kabupaten "))
            self._note(code, i, "kabupaten_kota", problem)

    def _plant_not_assigned(self) -> None:
        code, i, row = self._pick()
        mine = {fa.code for fa, _ in self.rules.assigned_actions(code)}
        other = next(fa for fa in self.rules.actions if fa.code not in mine)
        row.update(kode_aksi=other.code, peran="Pendukung", keluaran=other.action.output, satuan=other.action.unit)
        self._note(code, i, "kode_aksi", "action-not-assigned")

    def _plant_duplicate(self) -> None:
        code, _i, row = self._pick()
        self.rows[code].append(dict(row))
        j = len(self.rows[code]) - 1
        self.used.add((code, j))
        self._note(code, j, "", "duplicate-row")
        self.planted[code][-1]["cell"] = f"A{FIRST_DATA_ROW + 1 + j}"
        self.planted[code][-1]["sheet"] = t("sheets.laporan")

    def _plant_missing_action(self) -> None:
        """Leave one assigned action of one agency without any row (before other plants)."""
        for code in self.victims:
            rows = self.rows[code]
            for fa, _ in self.rules.assigned_actions(code):
                mine = [r for r in rows if r["kode_aksi"] == fa.code]
                if not any(r.get("_joint") for r in mine) and len(rows) > len(mine) + 2:
                    self.rows[code] = [r for r in rows if r["kode_aksi"] != fa.code]
                    self.planted.setdefault(code, []).append(
                        {"agency": code, "code": "assigned-action-missing", "sheet": "", "cell": "", "action": fa.code}
                    )
                    return
        raise RuntimeError("no agency to plant a missing action")

    def _plant_outlier(self) -> None:
        """Participants far above every other row of the action with the most rows of the K/L."""
        counts: dict[str, int] = {}
        for rows in (rows for code, rows in self.rows.items() if not self.rules.get_agency(code).regional):
            for r in rows:
                counts[r["kode_aksi"]] = counts.get(r["kode_aksi"], 0) + 1
        busiest = max(sorted(counts), key=lambda c: counts[c])
        code, i, row = self._pick(lambda r: r["kode_aksi"] == busiest and isinstance(r.get("jumlah_peserta"), int))
        row["jumlah_peserta"] = 250_000
        self._note(code, i, "jumlah_peserta", "outlier")


def _identity_cell(rules: Rules, key: str) -> str:
    """Cell of an Identitas item: items are written from row 3 in the order of fields.yaml."""
    return f"B{3 + [i.key for i in rules.fields.identity].index(key)}"


def _indo_date(day: dt.date) -> str:
    months = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"]
    return f"{day.day} {months[day.month - 1]} {day.year}"
