"""Generate a deterministic, realistic returned period for the demo and the tests.

Templates are made by the real template builder and filled with openpyxl the way focal
points fill them in Excel, with a known set of typical mistakes. Every planted mistake is
listed in planted.json beside the inbox, so tests can check the pipeline finds each one.
Agencies are chosen by position in rules/agencies.yaml and actions by role, never by code.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import yaml
from openpyxl.utils import get_column_letter

from ..core.files import write_text
from ..core.formatting import angka, dmy
from ..core.layout import FIRST_DATA_ROW, HEADER_ROW
from ..core.model import Period
from ..core.periods import parse_period, previous_period_id
from ..core.problems import CODES
from ..core.rules import Rules
from ..core.texts import t
from ..outputs.reproducible import normalise_zip
from ..outputs.template import Sheet, write_template

VOCAB = yaml.safe_load((Path(__file__).parent / "vocab.yaml").read_text(encoding="utf-8"))
_CUT = (" yang ", " untuk ", " dalam ", " melalui ", " sesuai ", ",", " di ", " dari ", " atas ")


@dataclass
class Sample:
    inbox: Path
    files: list[Path] = field(default_factory=list)
    planted: list[dict] = field(default_factory=list)
    overlaps: list[dict] = field(default_factory=list)
    planted_file: Path | None = None
    resaved_by_libreoffice: bool = False


def short_title(title: str) -> str:
    cut = min([title.find(c) for c in _CUT if title.find(c) > 10] or [len(title)])
    return " ".join(title[:cut].split()[:8])


class _Filler:
    """Fills one agency's template; remembers where each value went."""

    def __init__(self, rules: Rules, rng: random.Random, period: Period) -> None:
        self.rules, self.rng, self.p = rules, rng, period
        self.col = {c.key: i + 1 for i, c in enumerate(rules.fields.columns)}
        self.label = {c.key: c.label for c in rules.fields.columns}
        self.taken: dict[tuple[str, str], str] = {}

    def activity(self, agency: str, fa, role: str, n: int) -> dict:
        rng, p, a = self.rng, self.p, fa.action
        for _ in range(50):  # one agency per action and province: no accidental look-alikes
            province = rng.choice([*VOCAB["regencies"], "Nasional"]) if rng.random() < 0.9 else "Nasional"
            if self.taken.setdefault((fa.code, province), agency) == agency:
                break
        place = rng.choice(VOCAB["regencies"][province]) if province != "Nasional" else ""
        status = rng.choices(["Selesai", "Berjalan", "Tertunda"], [6, 3, 1])[0]
        days = (p.end - p.start).days
        start = p.start + dt.timedelta(days=rng.randrange(0, days - 10))
        end = start + dt.timedelta(days=rng.randrange(0, 4)) if status == "Selesai" else None
        if status == "Berjalan" and rng.random() < 0.5:
            end = p.end + dt.timedelta(days=rng.randrange(10, 90))
        people = rng.randint(30, 150)
        target = float(people) if a.unit == "orang" else float(rng.randint(2, 6))
        done = status == "Selesai"
        real = target if done else (float(int(target * rng.uniform(0.2, 0.8))) if status == "Berjalan" else None)
        budget = rng.randint(50, 800) * 1_000_000
        spent = int(budget * rng.uniform(0.6, 1.0) // 1000 * 1000) if status != "Tertunda" else 0
        batch = rng.choice(VOCAB["batches"])
        where = place or "tingkat nasional"
        row = {
            "kode_aksi": fa.code,
            "peran": role,
            "nama_kegiatan": f"{short_title(a.title)} {batch} di {where}",
            "status": status,
            "tanggal_mulai": start,
            "tanggal_selesai": end,
            "provinsi": province,
            "kabupaten_kota": place,
            "sasaran": rng.choice(self.rules.choices("list:sasaran")),
            "jumlah_peserta": people,
            "keluaran": a.output,
            "satuan": a.unit,
            "target": target,
            "realisasi": real,
            "anggaran": budget,
            "realisasi_anggaran": spent,
            "sumber_dana": "APBN" if rng.random() < 0.85 else rng.choice(self.rules.choices("list:sumber_dana")),
            "mitra": rng.choice(VOCAB["partners"]),
            "tautan_bukti": f"https://{agency.lower()}.example.go.id/berita/{2026000 + n}",
        }
        if rng.random() < 0.3:
            row["hambatan"], row["upaya_penyelesaian"] = rng.choice(VOCAB["obstacles"])
        if status != "Selesai":
            row["rencana_tindak_lanjut"] = "Dilanjutkan pada semester berikutnya"
        return row


def _write_rows(ws, filler: _Filler, rows: list[dict]) -> None:
    for i, row in enumerate(rows):
        r = FIRST_DATA_ROW + 1 + i
        ws.cell(r, filler.col["no"], i + 1)
        for key, value in row.items():
            if key in filler.col and value not in (None, ""):
                ws.cell(r, filler.col[key], value)
                if isinstance(value, dt.date):
                    ws.cell(r, filler.col[key]).number_format = "DD/MM/YYYY"


def _write_identity(wb, rules: Rules, values: dict) -> None:
    ws = wb[t("sheets.identitas")]
    labels = {i.label: i.key for i in rules.fields.identity}
    for r in range(1, ws.max_row + 1):
        key = labels.get(ws.cell(r, 1).value)
        if key in values and values[key] is not None:
            ws.cell(r, 2, values[key])


def build_sample(rules: Rules, period: Period, out: Path, seed: int = 2026) -> Sample:
    """Write a returned period under out/inbox and its planted mistakes to out/planted.json."""
    rng = random.Random(seed)
    inbox = out / "inbox"
    if inbox.exists():
        shutil.rmtree(inbox)
    inbox.mkdir(parents=True)
    sample = Sample(inbox)
    filler = _Filler(rules, rng, period)
    agencies = [a.code for a in rules.agencies]
    roles = {
        "silent": agencies[-1],
        "wrong_period": agencies[-2],
        "nihil": agencies[-3],
        "no_meta": agencies[-4],
        "not_workbook": agencies[-5],
        "resubmit": agencies[1],
        "lo_xlsx": agencies[2],
        "lo_ods": agencies[3],
        "late": agencies[4],
    }
    generated = period.start - dt.timedelta(days=10)
    tmp = Path(tempfile.mkdtemp(prefix="ranpe-sample-"))
    rows_by_agency: dict[str, list[dict]] = {}
    n = 0
    for code in agencies:
        rows = []
        for fa, role in rules.assigned_actions(code):
            for _ in range(rng.choice([1, 1, 2, 3])):
                n += 1
                rows.append(filler.activity(code, fa, role, n))
        rows_by_agency[code] = rows
    reporters = [
        c for c in agencies if c not in (roles["silent"], roles["wrong_period"], roles["nihil"], roles["not_workbook"])
    ]
    _plant_joint_activity(rules, rows_by_agency, reporters, sample)
    planter = _Planter(rules, rng, filler, rows_by_agency, [c for c in reporters if c not in roles.values()])
    planter.plant_all()

    def make(code: str, rows: list[dict], name: str, identity: dict, per: Period = period, meta: bool = True) -> Path:
        path = inbox / name
        template = write_template(tmp / f"{code}.xlsx", rules, Sheet(rules.get_agency(code), per, generated))
        wb = openpyxl.load_workbook(template)
        _write_identity(wb, rules, identity)
        _write_rows(wb[t("sheets.laporan")], filler, rows)
        if not meta:
            wb = _without_meta(wb, rules)
        wb.properties.creator = identity.get("nama_petugas", "")
        wb.properties.created = wb.properties.modified = dt.datetime(period.year, 1, 1)
        wb.save(path)
        normalise_zip(path)
        return path

    final: dict[str, Path] = {}
    for code in agencies:
        agency = rules.get_agency(code)
        filled = period.deadline - dt.timedelta(days=rng.randint(1, 12))
        identity = {
            "nama_petugas": rng.choice(VOCAB["people"]),
            "jabatan": rng.choice(VOCAB["positions"]),
            "email": f"ranpe.{code.lower()}@example.go.id",
            "telepon": f"0812{rng.randint(10_000_000, 99_999_999)}",
            "tanggal_pengisian": filled,
            "nihil": "Tidak",
        }
        identity.update(planter.identity.get(code, {}))
        rows = rows_by_agency[code]
        name = rng.choice(
            [
                f"Laporan RAN PE {agency.short} {period.label} {period.year}.xlsx",
                f"{code}_{period.id}.xlsx",
                f"lap ranpe {agency.short.lower()} final.xlsx",
            ]
        )
        if code == roles["silent"]:
            sample.planted.append({"agency": code, "code": "not-received", "file": "", "sheet": "", "cell": ""})
            continue
        if code == roles["not_workbook"]:
            path = inbox / name
            path.write_bytes(b"<html><body>Laporan terlampir di email</body></html>")
            sample.planted.append({"agency": code, "code": "not-a-workbook", "file": name, "sheet": "", "cell": ""})
        elif code == roles["wrong_period"]:
            previous = parse_period(previous_period_id(period, rules), rules)
            path = make(code, rows, name, identity, per=previous)
            sample.planted.append({"agency": code, "code": "wrong-period", "file": name, "sheet": "", "cell": ""})
        elif code == roles["nihil"]:
            path = make(code, [], name, {**identity, "nihil": "Ya"})
        elif code == roles["no_meta"]:
            path = make(code, rows, name, identity, meta=False)
            sample.planted.append({"agency": code, "code": "meta-missing", "file": name, "sheet": "", "cell": ""})
        else:
            if code == roles["late"]:
                identity["tanggal_pengisian"] = period.deadline + dt.timedelta(days=9)
                sample.planted.append(
                    {"agency": code, "code": "late-submission", "file": name, "sheet": "", "cell": ""}
                )
            if code == roles["resubmit"]:
                first = f"{code}_{period.id}_awal.xlsx"
                older = {**identity, "tanggal_pengisian": filled - dt.timedelta(days=5)}
                p1 = make(code, rows[: max(1, len(rows) // 2)], first, older)
                os.utime(p1, (_stamp(filled) - 5 * 86400,) * 2)
                sample.files.append(p1)
                sample.planted.append({"agency": code, "code": "superseded", "file": first, "sheet": "", "cell": ""})
            path = make(code, rows, name, identity)
        os.utime(path, (_stamp(identity["tanggal_pengisian"]),) * 2)
        sample.files.append(path)
        final[code] = path
        for p in planter.planted.get(code, []):
            sample.planted.append({**p, "file": path.name})
    lock = inbox / f"~${sample.files[0].name}"
    lock.write_bytes(b"\x00" * 165)
    sample.planted.append({"agency": "", "code": "ignored-file", "file": lock.name, "sheet": "", "cell": ""})
    sample.resaved_by_libreoffice = _resave(sample, [final[roles["lo_xlsx"]], final[roles["lo_ods"]]])
    shutil.rmtree(tmp, ignore_errors=True)
    for entry in sample.planted:
        entry["severity"] = CODES[entry["code"]]
    sample.planted.sort(key=lambda e: (e["agency"], e["file"], e["cell"], e["code"]))
    sample.planted_file = out / "planted.json"
    planted = {"problems": sample.planted, "overlaps": sample.overlaps}
    write_text(sample.planted_file, json.dumps(planted, indent=1, ensure_ascii=False) + "\n")
    return sample


def _stamp(day: dt.date) -> float:
    return dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=dt.UTC).timestamp()


def _without_meta(wb, rules: Rules):
    """Copy the values of Identitas and Laporan into a fresh workbook (what a focal point
    does when pasting the content into a new file): no _meta, no validations."""
    fresh = openpyxl.Workbook()
    fresh.remove(fresh.active)
    for name in (t("sheets.identitas"), t("sheets.laporan")):
        src, dst = wb[name], fresh.create_sheet(name)
        for row in src.iter_rows():
            for cell in row:
                if cell.value is not None and cell.data_type != "f":
                    dst.cell(cell.row, cell.column, cell.value).number_format = cell.number_format
    return fresh


def _resave(sample: Sample, sources: list[Path]) -> bool:
    """Re-save returns with LibreOffice (the first as .xlsx, the second as .ods), as offices
    that use LibreOffice do; the planted list follows the new file names."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        return False
    for src, fmt in zip(sources, ("xlsx", "ods"), strict=True):
        stamp = src.stat().st_mtime
        with tempfile.TemporaryDirectory() as outdir:
            cmd = [soffice, "--headless", "--convert-to", fmt, "--outdir", outdir, str(src)]
            subprocess.run(cmd, check=True, capture_output=True, timeout=180, env={**os.environ, "HOME": outdir})
            target = src.with_suffix(f".{fmt}")
            src.unlink()
            shutil.move(Path(outdir) / f"{src.stem}.{fmt}", target)
        os.utime(target, (stamp, stamp))
        sample.files[sample.files.index(src)] = target
        for entry in sample.planted:
            if entry["file"] == src.name:
                entry["file"] = target.name
    return True


def _plant_joint_activity(rules: Rules, rows_by_agency: dict, reporters: list[str], sample: Sample) -> None:
    """Two agencies (lead and supporter of one action) report the same joint activity."""
    for fa in rules.actions:
        partners = [c for c in (*fa.action.lead, *fa.action.support) if c in reporters]
        if len(partners) >= 2:
            a, b = partners[:2]
            base = next(r for r in rows_by_agency[a] if r["kode_aksi"] == fa.code)
            base.update(
                status="Selesai",
                provinsi="Jawa Timur",
                kabupaten_kota="Kab. Lamongan",
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
            sample.overlaps.append({"agencies": [a, b], "kind": "likely-duplicate", "action": fa.code})
            base["_joint"] = twin["_joint"] = True
            _plant_overlapping_work(rules, rows_by_agency, reporters, sample, skip=fa.code)
            return


def _plant_overlapping_work(
    rules: Rules, rows_by_agency: dict, reporters: list[str], sample: Sample, skip: str
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
        sample.overlaps.append({"agencies": [a, b], "kind": "overlapping-work", "action": fa.code})
        return


class _Planter:
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
            ("provinsi", "not-in-list", None, lambda r: r.update(provinsi="Jawa Timr", kabupaten_kota="Kab. Lamongan")),
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
        """Participants far above every other row of the action with the most rows."""
        counts: dict[str, int] = {}
        for rows in self.rows.values():
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


__all__ = ["HEADER_ROW", "Sample", "build_sample"]
