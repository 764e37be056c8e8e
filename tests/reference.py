"""A deliberately plain recount of every published figure, written from docs/angka.md alone.

Nothing here comes from pipeline.analysis: the accepted rows are plain dicts, every figure is
a loop over them, arithmetic is exact (fractions of the numbers as typed) and rounding is
half away from zero (section 10). tests/test_recount.py feeds it what the pipeline had
*before* any figure (the accepted rows, the secretariat's decisions, the clusters of likely
duplicates the pipeline found, the agencies' states) and compares the pipeline's published
figures with what it returns.

Where the page is silent or ambiguous the choice made is marked `# PAGE §n:` with the reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

REPORTED = ("accepted", "accepted_warnings", "partial", "nihil")  # states of an agency that reported (§3)
NUMBERS = ("jumlah_peserta", "target", "realisasi", "anggaran", "realisasi_anggaran")
CLUSTER_VALUES = ("jumlah_peserta", "target", "realisasi")  # a cluster's values counted once (§2)
MATRIX, AGENCIES, UNMEASURABLE = "matrix", "agencies", "unmeasurable"  # the basis of an achievement (§4)
# PAGE §1: a flagged realisation equal to the row's participants in unit "orang" excludes them too. The
# page cites `twins` in review.yaml; the rule lives in checks.yaml and works both ways there.
TWIN_UNIT = "orang"

Key = tuple[str, str, int]  # (period, file, Excel row): one accepted row


@dataclass
class PeriodRows:
    """What one period gives the recount, as the pipeline had it before any figure."""

    period: str
    rows: list[dict]  # every accepted row: `_agency`, `_file`, `_row` and the columns of fields.yaml; blank = None
    excluded: dict[tuple[str, int], dict[str, object]] = field(default_factory=dict)  # (file, row) -> {column: value}
    states: dict[str, str] = field(default_factory=dict)  # agency -> state of its submission
    late: dict[str, bool] = field(default_factory=dict)  # agency -> late (its first return after the deadline)


@dataclass
class Figures:
    headline: dict
    actions: dict[str, dict]  # action code -> figures (Per Aksi)
    levels: list[dict[str, dict]]  # per catalogue level (Per Pilar, Per Fokus): group code -> figures
    agencies: dict[str, dict]  # agency code -> figures (Per KL)
    provinces: dict[str, dict]  # province name -> figures (Per Provinsi)
    kept: dict[Key, bool]  # False: a row merged into another row of its cluster
    values: dict[Key, dict]  # each row's numbers after the exclusions (§1)
    excluded: dict[Key, set]  # each row's columns excluded (§1)
    late: list[str]  # agencies late (§3; the year: §9)


# ---- numbers -----------------------------------------------------------------------------


def number(value) -> Fraction | None:
    """A typed number as the exact decimal it is written as; blank -> None."""
    if value is None or value == "" or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        raise TypeError(value)
    if isinstance(value, int):
        return Fraction(value)
    return Fraction(repr(float(value))) if isinstance(value, float) else Fraction(str(value))


def rounded(x: Fraction | None, places: int) -> Fraction | None:
    """Half away from zero (§10): 0.0625 to 3 places is 0.063, 2.5 to 0 places is 3."""
    if x is None:
        return None
    step = Fraction(1, 10**places)
    n = int(abs(Fraction(x)) / step + Fraction(1, 2))
    return n * step * (1 if x >= 0 else -1)


def fold(unit) -> str:
    # PAGE §4: "satuannya sama dengan satuan aksi": compared without case and extra spaces, as
    # report.yaml compares mean_units.
    return " ".join(str(unit or "").split()).casefold()


def total(values) -> Fraction:
    out = Fraction(0)
    for v in values:
        if v is not None:
            out += v
    return out


def mean(values: list[Fraction]) -> Fraction:
    return total(values) / len(values)


# ---- section 1: the values that count -----------------------------------------------------


def _effective(row: dict, flagged: dict[str, object], rules) -> tuple[dict, set]:
    """The row's numbers with the excluded values blank, and the columns excluded: the flagged
    ones, their partners (review.yaml exclude_together) and the twin participant count."""
    values = {k: number(row.get(k)) for k in NUMBERS}
    out = set(flagged)
    for column in flagged:
        for group in rules.review.exclude_together:
            if column in group:
                out |= set(group)
    unit = row.get("satuan") or rules.action_by_code[row["kode_aksi"]].action.unit
    # PAGE §1: the twin rule compares the *flagged* realisation with the row's participants, in
    # the row's unit (blank: the action's, as §4 treats a blank unit as the action's).
    twin = "realisasi" in flagged and values["jumlah_peserta"] is not None
    if twin and fold(unit) == TWIN_UNIT and number(flagged["realisasi"]) == values["jumlah_peserta"]:
        out.add("jumlah_peserta")
    for column in out:
        if column in values:
            values[column] = None
    return values, out


# ---- section 9: one activity reported in both semesters -----------------------------------

IDENTITY = ("_agency", "kode_aksi", "nama_kegiatan", "tanggal_mulai", "provinsi", "kabupaten_kota")
# PAGE §9: "tempat" read as province and regency together.


def _merge_year(rows: list[tuple[Key, dict, dict, set]]) -> tuple[list, dict[Key, Key]]:
    """The same activity (IDENTITY equal) in several periods is one: the last period's row, its
    realisation, participants and budget (cumulative), the targets of the periods added up.
    Returns the rows left and the merged keys -> the key kept."""
    by_identity: dict[tuple, list] = {}
    for item in rows:
        by_identity.setdefault(tuple(item[1].get(k) for k in IDENTITY), []).append(item)
    alias: dict[Key, Key] = {}
    out = []
    for same in by_identity.values():
        periods = [key[0] for key, *_ in same]
        if len(same) == 1 or len(set(periods)) != len(periods):
            # PAGE §9 is silent on identical rows within one period: they stay separate activities.
            out += same
            continue
        last_key, last_row, last_values, last_excluded = same[-1]
        values = dict(last_values)
        targets = [v["target"] for _, _, v, _ in same if v["target"] is not None]
        values["target"] = total(targets) if targets else None
        out.append((last_key, last_row, values, last_excluded))
        for key, *_ in same[:-1]:
            alias[key] = last_key
    return out, alias


# ---- section 2: clusters and the row kept -----------------------------------------------------


def _order(rules, position: dict[str, int], periods: list[str]):
    """Sort key of a cluster's rows (§2): the catalogue leads' rows first, the lead of the action
    listed first in the matrix first; then the rows' order: (the year: the semester first)
    agency code, file name, row."""

    def key(item):
        (period, file, row), r = item[0], item[1]
        code = r["kode_aksi"]
        leads = rules.action_by_code[code].action.lead
        # §2: a province government's rows last (its roll-up of a kab/kota's event counts there)
        province_last = rules.agency_by_code[r["_agency"]].level == "provinsi"
        place = (periods.index(period), province_last, r["_agency"], file, row)
        # PAGE §2: "yang tercantum pertama di matriks" for leads of different actions (a cluster
        # across action codes) is read as the action earlier in the matrix, then the lead listed
        # first for that action.
        if r["_agency"] in leads:
            return (0, position[code], leads.index(r["_agency"]), *place)
        return (1, 0, 0, *place)

    # PAGE §2: "baris pemerintah provinsi paling akhir" read as after the other rows of their kind
    # (leads first still), the semester first in the year

    return key


def _clusters(members: list[list[Key]], alias: dict[Key, Key], rows: dict) -> list[list[Key]]:
    """The published clusters over the rows left (a merged repeat of the year becomes its kept
    row); clusters sharing a row are one."""
    groups: list[set] = []
    for keys in members:
        found = {alias.get(k, k) for k in keys if alias.get(k, k) in rows}
        for g in [g for g in groups if g & found]:
            groups.remove(g)
            found |= g
        if len(found) > 1:
            groups.append(found)
    return [sorted(g) for g in groups]


# ---- the recount --------------------------------------------------------------------------


def recount(rules, periods: list[PeriodRows], clusters: list[list[Key]]) -> Figures:
    """Every figure of docs/angka.md from the accepted rows of `periods` (one period, or every
    period of a year) and the clusters of likely duplicates the pipeline published."""
    ids = [p.period for p in periods]
    rows = []
    for p in periods:
        for r in p.rows:
            values, excluded = _effective(r, p.excluded.get((r["_file"], r["_row"]), {}), rules)
            rows.append(((p.period, r["_file"], int(r["_row"])), r, values, excluded))
    alias: dict[Key, Key] = {}
    if len(periods) > 1:
        rows, alias = _merge_year(rows)
    row = {k: r for k, r, _, _ in rows}
    values = {k: v for k, _, v, _ in rows}
    excluded = {k: x for k, _, _, x in rows}
    position = {fa.code: i for i, fa in enumerate(rules.actions)}
    kept = dict.fromkeys(row, True)
    once = {k: dict(values[k]) for k in row}  # the values counted once (§2)
    for members in _clusters(clusters, alias, row):
        ordered = sorted(((k, row[k]) for k in members), key=_order(rules, position, ids))
        first = ordered[0][0]
        for k, _ in ordered[1:]:
            kept[k] = False
        action = rules.action_by_code[row[first]["kode_aksi"]].action
        for column in CLUSTER_VALUES:
            if once[first][column] is None:  # §2: blank or excluded: the next row (same order) that has it
                alike = [
                    k
                    for k, r in ordered[1:]
                    if column == "jumlah_peserta"
                    or (r["kode_aksi"] == row[first]["kode_aksi"] and fold(r.get("satuan")) in ("", fold(action.unit)))
                ]
                nxt = [values[k][column] for k in alike if values[k][column] is not None]
                once[first][column] = nxt[0] if nxt else None
    n_periods = len(rules.periods.kinds) if len(periods) > 1 else 1
    units = {a for p in periods for a in p.states}
    actions = {fa.code: _action(fa, rules, row, values, once, kept, n_periods) for fa in rules.actions}
    levels = [_levels(rules, depth, actions, row, values) for depth in range(len(rules.catalogue.levels))]
    # PAGE §3: who counts as "tepat waktu" or "terlambat" is not said; read as the agencies whose
    # report was accepted (the Ringkasan lists both under "K/L yang laporannya diterima"), a
    # rejected agency being counted among "ditolak" whenever it sent. The year: §9.
    whole = periods[0] if len(periods) == 1 else year_states(periods)
    late = sorted(a for a, is_late in whole.late.items() if is_late and whole.states.get(a) in REPORTED)
    return Figures(
        headline=_headline(rules, whole, row, values, once, kept, late),
        actions=actions,
        levels=levels,
        # §6, §11: the units of the period (every K/L, the regions called in or reporting)
        agencies={a.code: _agency(a.code, rules, row, values) for a in rules.agencies if not units or a.code in units},
        provinces=_provinces(rules, row, values, once, kept),
        kept=kept,
        values=values,
        excluded=excluded,
        late=late,
    )


def _absorption(keys, values) -> tuple[Fraction | None, int]:
    """§3: budget realised over budget, over the rows with a budget (a blank realised budget
    beside it counts 0); the rows with a realised budget and no budget are counted apart."""
    # PAGE §3: "mengisi keduanya" with "realisasi kosong di samping anggaran dihitung 0" read as:
    # every row with a budget above 0 counts (as §4 asks a target above 0); a row with a realised
    # budget and no budget (blank or 0) does not, it is counted apart.
    budget, spent, alone = Fraction(0), Fraction(0), 0
    for k in keys:
        v = values[k]
        if (v["anggaran"] or 0) > 0:
            budget += v["anggaran"]
            spent += v["realisasi_anggaran"] or 0
        elif v["realisasi_anggaran"] is not None:
            alone += 1
    return (spent / budget if budget else None), alone


def _counts(keys, row, values, once, kept, statuses) -> dict:
    """The counted figures of a set of rows (§3): as reported, and each cluster once."""
    unique = [k for k in keys if kept[k]]
    serapan, alone = _absorption(keys, values)
    out = {
        "kegiatan": len(keys),
        "kegiatan_unik": len(unique),
        "kl": len({row[k]["_agency"] for k in keys}),
        "peserta": total(values[k]["jumlah_peserta"] for k in keys),
        "peserta_unik": total(once[k]["jumlah_peserta"] for k in unique),
        "anggaran": total(values[k]["anggaran"] for k in keys),
        "realisasi_anggaran": total(values[k]["realisasi_anggaran"] for k in keys),
        "serapan": serapan,
        "realisasi_tanpa_pagu": alone,
    }
    # PAGE: the status columns of Per Pilar/Per Fokus/Per Aksi are not on the page; counted as
    # reported, every row by its Status.
    for s in statuses:
        out[s] = sum(1 for k in keys if row[k].get("status") == s)
    return out


def _action(fa, rules, row, values, once, kept, n_periods) -> dict:
    """§4: one action's figures."""
    a = fa.action
    keys = [k for k in row if row[k]["kode_aksi"] == fa.code]
    out = _counts(keys, row, values, once, kept, rules.choices("list:status"))
    unique = [k for k in keys if kept[k]]
    in_unit = [k for k in unique if not row[k].get("satuan") or fold(row[k]["satuan"]) == fold(a.unit)]
    # PAGE §4: "Kegiatan Satuan Berbeda" counts the rows of the basis (one per cluster) in another unit.
    out["satuan_berbeda"] = len(unique) - len(in_unit)
    rate = fold(a.unit) in {fold(u) for u in rules.report.mean_units}
    target = None
    if a.target is not None:  # §9: the year's matrix target is the periods' targets added up
        annual = getattr(a, "target_tahunan", None)
        target = number(annual) if n_periods > 1 and annual is not None else number(a.target) * n_periods
    out["target_katalog"] = target
    out["tanpa_target"] = 0
    out["target"] = out["realisasi"] = out["capaian"] = None
    if target is not None:
        out["dasar"] = MATRIX
        out["target"] = target  # what the achievement is measured against
        if unique and not in_unit:
            out["dasar"] = UNMEASURABLE
            return out
        # PAGE §4: an action whose rows all merged into another action's cluster has no activity
        # of its own: 0%. A rate action with no realisation filled is taken as realisation 0.
        if rate:
            filled = [once[k]["realisasi"] for k in in_unit if once[k]["realisasi"] is not None]
            real = mean(filled) if filled else Fraction(0)
        else:
            real = total(once[k]["realisasi"] for k in in_unit)
        out["realisasi"] = real
        out["capaian"] = real / target if target else None
        return out
    out["dasar"] = None
    if not unique:
        return out  # "-": no activity, no matrix target
    out["dasar"] = UNMEASURABLE
    paired = [k for k in in_unit if (once[k]["target"] or 0) > 0]
    # PAGE §4: "realisasi tanpa target" read as a realisation beside no target above 0, counted
    # among the rows of the basis; 0 on the matrix basis, where such rows count.
    out["tanpa_target"] = sum(
        1 for k in in_unit if once[k]["realisasi"] is not None and not (once[k]["target"] or 0) > 0
    )
    if not paired:
        return out
    targets = [once[k]["target"] for k in paired]
    reals = [once[k]["realisasi"] or Fraction(0) for k in paired]
    t, r = (mean(targets), mean(reals)) if rate else (total(targets), total(reals))
    out.update(dasar=AGENCIES, target=t, realisasi=r, capaian=r / t)
    return out


def _levels(rules, depth: int, actions: dict, row, values) -> dict[str, dict]:
    """§5: per pillar (depth 0) or focus (depth 1): the mean of its measured actions' achievement,
    each capped at action_cap; the rest added up over its actions."""
    cap = number(rules.report.action_cap)
    groups: dict[str, list] = {}
    for fa in rules.actions:
        groups.setdefault(fa.path[depth][0], []).append(fa.code)
    out = {}
    for code, codes in groups.items():
        mine = [actions[c] for c in codes]
        measured = [min(a["capaian"], cap) for a in mine if a["capaian"] is not None]
        keys = [k for k in row if row[k]["kode_aksi"] in codes]
        figures = {"aksi": len(codes), "aksi_dilaporkan": sum(1 for a in mine if a["kegiatan"] > 0)}
        figures["aksi_terukur"] = len(measured)
        figures["capaian"] = mean(measured) if measured else None
        for k in ("kegiatan", "kegiatan_unik", "peserta", "peserta_unik", "anggaran", "realisasi_anggaran",
                  "realisasi_tanpa_pagu", *rules.choices("list:status")):  # fmt: skip
            figures[k] = sum((a[k] for a in mine), start=0)
        figures["kl"] = len({row[k]["_agency"] for k in keys})
        figures["serapan"], _ = _absorption(keys, values)
        out[code] = figures
    return out


def _agency(code: str, rules, row, values) -> dict:
    """§6: as the agency reported, every row of its own; its achievement over its own pairs."""
    keys = [k for k in row if row[k]["_agency"] == code]
    cap = number(rules.report.action_cap)
    measured = []
    for fa in rules.actions:
        own = [k for k in keys if row[k]["kode_aksi"] == fa.code]
        own = [k for k in own if not row[k].get("satuan") or fold(row[k]["satuan"]) == fold(fa.action.unit)]
        paired = [k for k in own if (values[k]["target"] or 0) > 0]
        if not paired:
            continue
        targets = [values[k]["target"] for k in paired]
        reals = [values[k]["realisasi"] or Fraction(0) for k in paired]
        rate = fold(fa.action.unit) in {fold(u) for u in rules.report.mean_units}
        t, r = (mean(targets), mean(reals)) if rate else (total(targets), total(reals))
        measured.append(min(r / t, cap))
    serapan, _ = _absorption(keys, values)
    return {
        "kegiatan": len(keys),
        "peserta": total(values[k]["jumlah_peserta"] for k in keys),
        "anggaran": total(values[k]["anggaran"] for k in keys),
        "realisasi_anggaran": total(values[k]["realisasi_anggaran"] for k in keys),
        "serapan": serapan,
        "capaian": mean(measured) if measured else None,
    }


def _provinces(rules, row, values, once, kept) -> dict[str, dict]:
    """§7: by the province of each row, as in section 3."""
    places = [(p.name, p.kemendagri) for p in rules.provinces.provinces]
    places += [(s.name, "") for s in rules.provinces.special]
    out = {}
    for name, code in places:
        keys = [k for k in row if row[k].get("provinsi") == name]
        out[name] = {
            "kode_kemendagri": code,
            "kegiatan": len(keys),
            "kegiatan_unik": sum(1 for k in keys if kept[k]),
            **{
                f"kegiatan_{level}": sum(1 for k in keys if kept[k] and level_of(rules, row[k]["_agency"]) == level)
                for level in LEVELS
            },
            "kl": len({row[k]["_agency"] for k in keys}),
            "peserta": total(values[k]["jumlah_peserta"] for k in keys),
        }
    return out


LEVELS = ("kl", "provinsi", "kabkota")  # §11


def year_states(periods: list[PeriodRows]) -> PeriodRows:
    """§9: each unit's state and lateness over the year, from its periods' (as `states` and
    `late` of a PeriodRows named by the year): a period with nothing usable decides (the first);
    else nihil if nihil throughout; else partial, accepted with warnings, accepted, the first
    of these that one of its periods had. Late: usable every period and late in one."""
    units = {a for p in periods for a in p.states}
    states, late = {}, {}
    for a in units:
        mine = [p.states[a] for p in periods if a in p.states]
        owed = [s for s in mine if s in ("rejected", "not_received")]
        if owed:
            states[a] = owed[0]
        elif set(mine) == {"nihil"}:
            states[a] = "nihil"
        else:
            states[a] = next(s for s in ("partial", "accepted_warnings", "accepted") if s in mine)
        late[a] = not owed and any(p.late.get(a) for p in periods if a in p.states)
    return PeriodRows(periods[0].period.split("-")[0], [], states=states, late=late)


def level_of(rules, agency: str) -> str:
    return rules.agency_by_code[agency].level


def level_status(rules, p: PeriodRows) -> dict[str, dict]:
    """§11: per level, the units asked to report (every K/L, the regions the period calls in)
    and how they reported; the regions that reported without being asked."""
    ids = [p.period] if "-" in p.period else [k for k in rules.periods.regions if k.startswith(f"{p.period}-")]
    asked = {a.code for a in rules.agencies if a.level == "kl"} | {c for i in ids for c in rules.periods.regions[i]}
    out = {}
    for level in LEVELS:
        mine = [a for a, _ in p.states.items() if level_of(rules, a) == level]
        called = [a for a in mine if a in asked]
        reported = [a for a in called if p.states[a] in REPORTED]
        late = [a for a in reported if p.late.get(a)]
        out[level] = {
            "dipanggil": len(called),
            "melapor": len(reported),
            "tepat_waktu": len(reported) - len(late),
            "terlambat": len(late),
            "nihil": sum(1 for a in reported if p.states[a] == "nihil"),
            "ditolak": sum(1 for a in called if p.states[a] == "rejected"),
            "belum": sum(1 for a in called if p.states[a] == "not_received"),
            "tanpa_panggilan": len(mine) - len(called),
        }
    return out


def _headline(rules, whole: PeriodRows, row, values, once, kept, late) -> dict:
    """§3: the headline figures (Ringkasan)."""
    keys = list(row)
    c = _counts(keys, row, values, once, kept, [])
    kl = {a.code for a in rules.agencies if a.level == "kl"}  # §3: the K/L; the regions: §11
    out = {
        "kl_total": len(kl),
        "aksi_katalog": len(rules.actions),
        "aksi_dilaporkan": len({row[k]["kode_aksi"] for k in keys}),
        "duplikat_digabung": c["kegiatan"] - c["kegiatan_unik"],
        **c,
    }
    del out["kl"]
    states = {a: s for a, s in whole.states.items() if a in kl}
    out.update(
        kl_diterima=sum(1 for s in states.values() if s in REPORTED),
        kl_nihil=sum(1 for s in states.values() if s == "nihil"),
        kl_ditolak=sum(1 for s in states.values() if s == "rejected"),
        kl_belum=sum(1 for s in states.values() if s == "not_received"),
        kl_tepat_waktu=sum(1 for a, s in states.items() if s in REPORTED and a not in late),
        kl_terlambat=len([a for a in late if a in kl]),
    )
    if "-" in whole.period:  # a period; the year's rows are its periods' (§9)
        out["baris_diterima"] = len(keys)
    return out


# ---- §12: obstacle themes ---------------------------------------------------------------------


def obstacle_themes(rules, rows: list[dict]) -> dict[str, dict]:
    """§12: per theme, the K/L and regional governments that wrote it, its actions and
    activities, over the accepted rows (a cell naming two themes counted in both). The
    themes of one text are the rules' (pipeline.analysis.obstacles.Themes, the definition
    itself); the counting is this recount's own."""
    from pipeline.analysis.obstacles import Themes

    themes = Themes(rules)
    out: dict[str, dict] = {}
    for r in rows:
        text = r.get("hambatan")
        if text is None or str(text).strip() == "":
            continue
        normal = themes.normalise([str(text).strip()])[0]
        if normal in themes.none:
            continue
        for key in themes.of([str(text).strip()])[0][0]:
            t = out.setdefault(key, {"kl": set(), "daerah": set(), "aksi": set(), "kegiatan": 0})
            t["daerah" if level_of(rules, r["_agency"]) != "kl" else "kl"].add(r["_agency"])
            t["aksi"].add(r["kode_aksi"])
            t["kegiatan"] += 1
    return {k: {n: (len(v) if isinstance(v, set) else v) for n, v in x.items()} for k, x in out.items()}
