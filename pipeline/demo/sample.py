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
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl

from ..core.files import write_text
from ..core.layout import FIRST_DATA_ROW
from ..core.model import Period
from ..core.periods import parse_period, previous_period_id
from ..core.problems import CODES
from ..core.rules import Rules
from ..core.texts import t
from ..outputs.reproducible import normalise_zip
from ..outputs.template import Sheet, write_template
from .activities import VOCAB, Filler
from .mistakes import Planter, plant_joint_activity, plant_rollup


@dataclass
class Sample:
    inbox: Path
    files: list[Path] = field(default_factory=list)
    planted: list[dict] = field(default_factory=list)
    overlaps: list[dict] = field(default_factory=list)
    planted_file: Path | None = None
    resaved_by_libreoffice: bool = False


def _write_rows(ws, filler: Filler, rows: list[dict]) -> None:
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
    filler = Filler(rules, rng, period)
    units = rules.expected(period.id)
    agencies = [a.code for a in units if not a.regional]
    regions = [a for a in units if a.regional]
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
    saved = dt.datetime(period.year, 1, 1)  # the save time stamped in every file
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
    # the regions' rows from a random source of their own: the K/L's sample stays as it was
    n = _regional_rows(rules, Filler(rules, random.Random(seed + 1), period), regions, rows_by_agency, n)
    reporters = [
        c for c in agencies if c not in (roles["silent"], roles["wrong_period"], roles["nihil"], roles["not_workbook"])
    ]
    plant_joint_activity(rules, rows_by_agency, reporters, sample.overlaps)
    region_roles = _region_roles(regions)
    if "rollup" in region_roles:
        plant_rollup(rows_by_agency, *region_roles["rollup"], sample.overlaps)
    planter = Planter(rules, rng, filler, rows_by_agency, [c for c in reporters if c not in roles.values()])
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
        wb.save(path)
        _fix_save_times(path, saved)
        return path

    final: dict[str, Path] = {}
    roles["silent_region"] = region_roles.get("silent")
    roles["late_region"] = region_roles.get("late")
    for code in [*agencies, *(u.code for u in regions)]:
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
        if code in (roles["silent"], roles["silent_region"]):
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
            if code in (roles["late"], roles["late_region"]):
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
    sample.resaved_by_libreoffice = _resave(sample, [final[roles["lo_xlsx"]], final[roles["lo_ods"]]], saved)
    shutil.rmtree(tmp, ignore_errors=True)
    for entry in sample.planted:
        entry["severity"] = CODES[entry["code"]]
    sample.planted.sort(key=lambda e: (e["agency"], e["file"], e["cell"], e["code"]))
    sample.planted_file = out / "planted.json"
    planted = {"problems": sample.planted, "overlaps": sample.overlaps}
    write_text(sample.planted_file, json.dumps(planted, indent=1, ensure_ascii=False) + "\n")
    return sample


def _regional_rows(rules: Rules, filler, regions: list, rows_by_agency: dict, n: int) -> int:
    """The rows of the regions called in, each in its own region: a province's in its first two
    months, a kab/kota's in the last three (one level's rows never near the other's by date)."""
    for unit in regions:
        rows = []
        for fa, role in rules.assigned_actions(unit.code):
            n += 1
            row = filler.activity(unit.code, fa, role, n, home=unit)
            start = filler.p.start + dt.timedelta(
                days=filler.rng.randrange(0, 50) + (0 if unit.level == "provinsi" else 95)
            )
            end = row["tanggal_selesai"]
            row["tanggal_mulai"] = start
            row["tanggal_selesai"] = (
                start + dt.timedelta(days=filler.rng.randrange(0, 3)) if end and end <= filler.p.end else end
            )
            rows.append(row)
        rows_by_agency[unit.code] = rows
    return n


def _region_roles(regions: list) -> dict:
    """Which region of the sample is silent (the last called in), late (the last kab/kota that
    reports) and which province reports a roll-up of one of its kab/kota's activities."""
    out = {}
    if regions:
        out["silent"] = regions[-1].code
    towns = [u for u in regions[:-1] if u.level == "kabkota"]
    if towns:
        out["late"] = towns[-1].code
    for prov in (u for u in regions[:-1] if u.level == "provinsi"):
        town = next((u for u in towns if u.province == prov.province and u.code != out.get("late")), None)
        if town:
            out["rollup"] = (prov.code, town.code)
            break
    return out


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


def _resave(sample: Sample, sources: list[Path], saved: dt.datetime) -> bool:
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
        _fix_save_times(target, saved)
        os.utime(target, (stamp, stamp))
        sample.files[sample.files.index(src)] = target
        for entry in sample.planted:
            if entry["file"] == src.name:
                entry["file"] = target.name
    return True


_SAVE_TIMES = re.compile(rb"(<(dcterms:created|dcterms:modified|meta:creation-date|dc:date)\b[^>]*>)([^<]*)(</\2>)")


def _fix_save_times(path: Path, when: dt.datetime) -> None:
    """openpyxl and LibreOffice stamp the time of saving into a workbook (document properties,
    zip entry dates): put `when` there instead, so the same seed gives the same bytes."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S").encode()

    def fixed(name: str, data: bytes) -> bytes:
        if not name.endswith(".xml"):
            return data
        return _SAVE_TIMES.sub(lambda m: m[1] + stamp + (b"Z" if m[3].endswith(b"Z") else b"") + m[4], data)

    normalise_zip(path, fixed)
