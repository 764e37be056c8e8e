"""`make eval`: precision and recall of overlap detection on a labelled set.

The set is generated (fixed seed) from the sample generator's vocabulary and the action
catalogue: each case is two activities of two agencies, labelled

- duplicate: one event reported twice, written another way (half of them also under the
  other agency's own action code): under another action code, in other capitals, with
  abbreviations (K/L, Kab., Rakor, FKPT ...), words reordered, a typo, the place added to
  the name, the regency left empty on one side, the start a day off, no end date;
- overlapping work: two different activities of one action at one place within days;
  also two batches of one training at one place and time ("angkatan I" / "angkatan II"),
  which are never duplicates;
- candidate joint activity: two differently named activities (mostly under two action
  codes) of one day in one regency (written "Kab. X" on one side, "Kabupaten X" on the
  other in a third of them), the partner column (Mitra) of one naming the other agency by
  its short name, full name, code or one of its regional offices ("Polda Sulawesi Tengah"),
  alone or among other partners;
- hard negatives for all: the same name in another province, the same name two months
  apart, different activities of different actions at the same place and time; and near
  misses of a joint activity: the same day and regency with a partner column naming
  nobody, or a third agency, or naming the other agency but a day apart or in another
  regency of the province.

Every case lives in its own 100-day slot, so pairs across cases are never within any date
window: each predicted pair is judged against its case's label. All cases go through
`find_overlaps` together, blocking included. Targets (issues 15 and 26): duplicates precision and
recall at least 0.95, every kind's precision at least 0.95, and no pair of different
batches called a duplicate.

    python bench/overlap_eval.py [--cases-per-kind 60] [--seed 15]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.analysis.overlap import DUPLICATE, JOINT, OVERLAP, find_overlaps  # noqa: E402
from pipeline.core.rules import load_rules  # noqa: E402
from pipeline.demo.activities import VOCAB, short_title  # noqa: E402

ABBREVIATE = [("Kementerian/Lembaga", "K/L"), ("kementerian/lembaga", "K/L"), ("Kabupaten", "Kab."),
              ("Rapat Koordinasi", "Rakor"), ("Forum Koordinasi Pencegahan Terorisme", "FKPT"),
              ("Pemerintah Daerah", "Pemda"), ("Bimbingan Teknis", "Bimtek")]  # fmt: skip
TOPICS = ["Rapat Koordinasi Lintas Kementerian/Lembaga", "Bimbingan Teknis Penyuluh", "Dialog Kebangsaan",
          "Forum Koordinasi Pencegahan Terorisme", "Sosialisasi Pemerintah Daerah"]  # fmt: skip
DUPLICATE_KINDS = ["other_action", "capitals", "abbreviations", "reordered", "typo", "place_added",
                   "regency_empty", "day_off", "no_end"]  # fmt: skip
OVERLAP_KINDS = ["same_action", "other_batch"]
JOINT_KINDS = ["partner_name", "partner_office", "partner_among_others"]
NEGATIVE_KINDS = ["other_province", "months_apart", "other_activity", "partner_nobody", "partner_third_agency",
                  "partner_next_day", "partner_other_regency"]  # fmt: skip
CLASSES = (
    (DUPLICATE, "duplicate", DUPLICATE_KINDS),
    (JOINT, "joint", JOINT_KINDS),
    (OVERLAP, "overlap", OVERLAP_KINDS),
)


def build(rules, per_kind: int, seed: int) -> tuple[pd.DataFrame, dict[int, str]]:
    """The labelled rows (column `_case`) and each case's kind."""
    rng = random.Random(seed)
    agencies = [a.code for a in rules.agencies]
    actions = rules.actions
    provinces = [p for p in VOCAB["regencies"] if len(VOCAB["regencies"][p]) >= 1]
    rows, label = [], {}
    case = 0
    for kind in DUPLICATE_KINDS + OVERLAP_KINDS + JOINT_KINDS + NEGATIVE_KINDS:
        for _ in range(per_kind):
            start = dt.date(2000, 1, 1) + dt.timedelta(days=100 * case)
            fa = rng.choice(actions)
            province = rng.choice(provinces)
            regency = rng.choice(VOCAB["regencies"][province])
            batch = rng.choice(["Angkatan I", "Tahap 1", "Gelombang I", ""])
            name = f"{rng.choice(TOPICS)} {short_title(fa.action.title)} {batch}".strip()
            a, b = rng.sample(agencies, 2)
            if kind == "partner_office":  # the other agency one with regional offices
                b = rng.choice([x.code for x in rules.agencies if x.offices and x.code != a])
            first = _row(a, name, fa.code, province, regency, start, "Penanggung Jawab")
            second = dict(first, _agency=b, peran="Pendukung")
            _change(second, kind, rng, rules, first)
            if kind in DUPLICATE_KINDS and rng.random() < 0.5:  # half of them also under the other agency's code
                _change(second, "other_action", rng, rules, first)
            label[case] = kind
            rows += [dict(first, _case=case), dict(second, _case=case)]
            case += 1
    return pd.DataFrame(rows), label


def _row(agency, name, code, province, regency, start, role) -> dict:
    return {"_agency": agency, "nama_kegiatan": name, "kode_aksi": code, "provinsi": province,
            "kabupaten_kota": regency, "tanggal_mulai": start, "tanggal_selesai": start + dt.timedelta(days=1),
            "sasaran": "Pemuda", "peran": role, "jumlah_peserta": 50}  # fmt: skip


def _change(row: dict, kind: str, rng: random.Random, rules, first: dict) -> None:
    name = row["nama_kegiatan"]
    if kind == "other_action":
        row["kode_aksi"] = rng.choice([fa.code for fa in rules.actions if fa.code != row["kode_aksi"]])
    elif kind == "capitals":
        row["nama_kegiatan"] = rng.choice([name.upper(), name.lower(), name.title()])
    elif kind == "abbreviations":
        for long, short in ABBREVIATE:
            name = name.replace(long, short)
        row["nama_kegiatan"] = name if name != row["nama_kegiatan"] else name.replace("Rapat", "Rapat").lower()
    elif kind == "reordered":
        words = name.split()
        cut = rng.randrange(1, len(words))
        row["nama_kegiatan"] = " ".join(words[cut:] + words[:cut])
    elif kind == "typo":
        words = name.split()
        long = [i for i, w in enumerate(words) if len(w) >= 6]
        i = rng.choice(long)
        w, k = words[i], rng.randrange(1, len(words[i]) - 2)
        words[i] = w[:k] + w[k + 1] + w[k] + w[k + 2 :]
        row["nama_kegiatan"] = " ".join(words)
    elif kind == "place_added":
        row["nama_kegiatan"] = f"{name} di {row['kabupaten_kota']} Provinsi {row['provinsi']}"
    elif kind == "regency_empty":
        row["kabupaten_kota"] = ""
    elif kind == "day_off":
        row["tanggal_mulai"] += dt.timedelta(days=1)
        row["tanggal_selesai"] += dt.timedelta(days=1)
    elif kind == "no_end":
        row["tanggal_selesai"] = None
    elif kind == "same_action":
        other = rng.choice([t for t in TOPICS if not name.startswith(t)])
        row["nama_kegiatan"] = f"{other} {rng.choice(VOCAB['partners'][2:])}"
        row["tanggal_mulai"] += dt.timedelta(days=rng.randrange(0, 10))
        row["tanggal_selesai"] = row["tanggal_mulai"] + dt.timedelta(days=1)
    elif kind == "other_province":
        row["provinsi"] = rng.choice([p for p in VOCAB["regencies"] if p != row["provinsi"]])
        row["kabupaten_kota"] = VOCAB["regencies"][row["provinsi"]][0]
    elif kind == "months_apart":
        row["tanggal_mulai"] += dt.timedelta(days=60)
        row["tanggal_selesai"] += dt.timedelta(days=60)
    elif kind == "other_batch":
        for one, two in (("Angkatan I", "Angkatan II"), ("Tahap 1", "Tahap 2"), ("Gelombang I", "Gelombang II")):
            if one in name:
                row["nama_kegiatan"] = name.replace(one, two)
                break
        else:
            first["nama_kegiatan"] = f"{name} angkatan 1"
            row["nama_kegiatan"] = f"{name} angkatan 2"
    elif kind == "other_activity":
        row["kode_aksi"] = rng.choice([fa.code for fa in rules.actions if fa.code != row["kode_aksi"]])
        row["nama_kegiatan"] = rng.choice([t for t in TOPICS if not name.startswith(t)]) + " tingkat daerah"
    elif kind in JOINT_KINDS or kind.startswith("partner_"):
        _joint(row, kind, rng, rules, first)


def _joint(row: dict, kind: str, rng: random.Random, rules, first: dict) -> None:
    """Two agencies' own activities of one day and place, one naming the other as its partner
    (or, for the near misses, naming nobody, a third agency, or the other a day apart)."""
    fa = rules.action_by_code[first["kode_aksi"]]
    other = [x for x in rules.actions if x.code != fa.code]
    # a near miss under the same action would be overlapping work: it is under another one
    row["kode_aksi"] = rng.choice(other).code if kind not in JOINT_KINDS or rng.random() < 0.8 else fa.code
    topic = rng.choice([t for t in TOPICS if not first["nama_kegiatan"].startswith(t)])
    row["nama_kegiatan"] = f"{topic} {short_title(rules.action_by_code[row['kode_aksi']].action.title)}"
    if rng.random() < 0.33:
        row["kabupaten_kota"] = row["kabupaten_kota"].replace("Kab. ", "Kabupaten ")
    # one row names the other's agency: the first names the second's when that one has offices to name
    named, names = (
        (first, row["_agency"]) if kind == "partner_office" or rng.random() < 0.5 else (row, first["_agency"])
    )
    agency = rules.agency_by_code[names]
    if kind == "partner_office":
        partner = f"{rng.choice(agency.offices)} {first['provinsi']}"
    else:
        partner = rng.choice([agency.short, agency.name, agency.code])
    if kind == "partner_among_others":
        partner = f"{rng.choice(VOCAB['partners'][2:])}, {partner} dan tokoh masyarakat"
    elif kind == "partner_nobody":
        partner = rng.choice(VOCAB["partners"][2:])
    elif kind == "partner_third_agency":
        third = rng.choice([x for x in rules.agencies if x.code not in (first["_agency"], row["_agency"])])
        partner = rng.choice([third.short, third.name, *third.offices])
    elif kind == "partner_next_day":
        row["tanggal_mulai"] += dt.timedelta(days=1)
        row["tanggal_selesai"] += dt.timedelta(days=1)
    elif kind == "partner_other_regency":
        row["kabupaten_kota"] = rng.choice(
            [r for r in VOCAB["regencies"][first["provinsi"]] if r != first["kabupaten_kota"]]
        )
    named["mitra"] = partner


def evaluate(frame: pd.DataFrame, label: dict[int, str], rules) -> dict:
    """Precision and recall per kind of finding, judged case by case."""
    pairs = find_overlaps(frame.drop(columns="_case"), rules)
    case = frame["_case"].to_numpy()
    found: dict[str, set[int]] = {kind: set() for kind, _, _ in CLASSES}
    stray = dict.fromkeys(found, 0)  # pairs across cases: always wrong
    for p in pairs.itertuples():
        if case[p.a] == case[p.b]:
            found[p.kind].add(int(case[p.a]))
        else:
            stray[p.kind] += 1
    out = {}
    for kind, name, kinds in CLASSES:
        positive = {c for c, k in label.items() if k in kinds}
        tp = len(found[kind] & positive)
        fp = len(found[kind] - positive) + stray[kind]
        out[name] = {"precision": tp / max(tp + fp, 1), "recall": tp / max(len(positive), 1),
                     "true": tp, "false": fp, "missed": len(positive) - tp}  # fmt: skip
    out["batch_pairs_called_duplicate"] = len({c for c in found[DUPLICATE] if label[c] == "other_batch"})
    duplicates = {c for c, k in label.items() if k in DUPLICATE_KINDS}
    out["missed_duplicates"] = _examples(frame, label, sorted(duplicates - found[DUPLICATE]))
    out["false_duplicates"] = _examples(frame, label, sorted(found[DUPLICATE] - duplicates))
    return out


def _examples(frame: pd.DataFrame, label: dict[int, str], cases: list[int], n: int = 5) -> list[list[str]]:
    return [[label[c], *frame.loc[frame["_case"] == c, "nama_kegiatan"]] for c in cases[:n]]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases-per-kind", type=int, default=60)
    ap.add_argument("--seed", type=int, default=15)
    opts = ap.parse_args()
    rules = load_rules()
    frame, label = build(rules, opts.cases_per_kind, opts.seed)
    result = evaluate(frame, label, rules)
    d = result["duplicate"]
    groups = (("dup", DUPLICATE_KINDS), ("joint", JOINT_KINDS), ("work", OVERLAP_KINDS), ("neg", NEGATIVE_KINDS))
    count = {name: sum(k in kinds for k in label.values()) for name, kinds in groups}
    print(f"labelled set: {len(label)} cases of two agencies' rows: {count['dup']} duplicates, "
          f"{count['joint']} joint activities, {count['work']} overlapping work, "
          f"{count['neg']} hard negatives and near misses")  # fmt: skip
    for name, title in (("duplicate", "likely the same activity"), ("joint", "candidate joint activity"),
                        ("overlap", "overlapping work")):  # fmt: skip
        r = result[name]
        print(f"{title:<26}precision {r['precision']:.3f}  recall {r['recall']:.3f}  "
              f"({r['true']} found, {r['false']} wrong, {r['missed']} missed)")  # fmt: skip
    print(f"different batches called the same activity: {result['batch_pairs_called_duplicate']}")
    for title, key in (
        ("missed duplicates, e.g.", "missed_duplicates"),
        ("wrong duplicates, e.g.", "false_duplicates"),
    ):
        if result[key]:
            print(title)
            for pair in result[key]:
                print("   ", " | ".join(pair))
    precise = all(result[name]["precision"] >= 0.95 for _, name, _ in CLASSES)
    ok = precise and d["recall"] >= 0.95 and result["batch_pairs_called_duplicate"] == 0
    print("targets:", "met" if ok else "NOT met")
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "overlap_eval.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
