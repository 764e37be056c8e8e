"""Realistic activities of the sample period: one agency's row for one of its actions, with
names, places, dates, figures and partners drawn from vocab.yaml by a seeded random source."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import yaml

from ..core.model import Period
from ..core.rules import Rules
from ..intake.regencies import Matcher

VOCAB = yaml.safe_load((Path(__file__).parent / "vocab.yaml").read_text(encoding="utf-8"))
_CUT = (" yang ", " untuk ", " dalam ", " melalui ", " sesuai ", ",", " di ", " dari ", " atas ")


def short_title(title: str) -> str:
    cut = min([title.find(c) for c in _CUT if title.find(c) > 10] or [len(title)])
    return " ".join(title[:cut].split()[:8])


class Filler:
    """Fills one agency's template; remembers where each value went."""

    def __init__(self, rules: Rules, rng: random.Random, period: Period) -> None:
        self.rules, self.rng, self.p = rules, rng, period
        self.col = {c.key: i + 1 for i, c in enumerate(rules.fields.columns)}
        self.label = {c.key: c.label for c in rules.fields.columns}
        self.taken: dict[tuple[str, str], str] = {}
        self.match = Matcher(rules).match
        self.province_code = {p.name: p.kemendagri for p in rules.provinces.provinces}

    def official(self, place: str, province: str) -> str:
        """The name the template's kab/kota list shows for a place of vocab.yaml ("Kab. Bogor"
        is "Kabupaten Bogor"): what a focal point picking from the list writes."""
        return self.match(place, self.province_code[province]).regency.name

    def activity(self, agency: str, fa, role: str, n: int, home=None) -> dict:
        """A row of `agency` for action `fa`; a regional government's (`home`: its unit) is held
        in its own province, in its own kab/kota or (a province's) one of its province's, and
        paid from the regional budget."""
        rng, p, a = self.rng, self.p, fa.action
        for _ in range(50):  # one agency per action and province: no accidental look-alikes
            province = rng.choice([*VOCAB["regencies"], "Nasional"]) if rng.random() < 0.9 else "Nasional"
            if home or self.taken.setdefault((fa.code, province), agency) == agency:
                break
        place = rng.choice(VOCAB["regencies"][province]) if province != "Nasional" else ""
        if home:
            province = self.rules.province_name(home.province)
            towns = [r.name for r in self.rules.regencies_by_province[home.province]]
            place = home.short if home.level == "kabkota" else rng.choice(towns)
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
        funds = "APBD" if home else "APBN"
        where = place or "tingkat nasional"
        row = {
            "kode_aksi": fa.code,
            "peran": role,
            "nama_kegiatan": f"{short_title(a.title)} {batch} di {where}",
            "status": status,
            "tanggal_mulai": start,
            "tanggal_selesai": end,
            "provinsi": province,
            "kabupaten_kota": place if home else self.official(place, province) if place else "",
            "sasaran": rng.choice(self.rules.choices("list:sasaran")),
            "jumlah_peserta": people,
            "keluaran": a.output,
            "satuan": a.unit,
            "target": target,
            "realisasi": real,
            "anggaran": budget,
            "realisasi_anggaran": spent,
            "sumber_dana": funds if rng.random() < 0.85 else rng.choice(self.rules.choices("list:sumber_dana")),
            "mitra": rng.choice(VOCAB["partners"]),
            "tautan_bukti": f"https://{agency.lower().replace('.', '-')}.example.go.id/berita/{2026000 + n}",
        }
        if rng.random() < 0.3:
            slot = rng.choice(VOCAB["obstacles"])  # one draw, as ever: the sample's other values stay as they were
            row["hambatan"], row["upaya_penyelesaian"] = slot[n % len(slot)]
        if status != "Selesai":
            row["rencana_tindak_lanjut"] = VOCAB["follow_ups"][n % len(VOCAB["follow_ups"])]  # no draw: same data
        return row
