"""The data of the Word report: plain JSON built from the consolidation, stored beside
the outputs so `ranpe report` renders again without reading the inbox. Numbers stay raw;
the template formats them (rupiah, persen, angka, tanggal filters)."""

from __future__ import annotations

import math
import re

import pandas as pd

from ..analysis import obstacles
from ..analysis.consolidate import headline
from ..analysis.findings import agencies_named, described, findings, kl_only
from ..analysis.levels import level_status, region_table
from ..analysis.overlap import DUPLICATE, told_kind
from ..analysis.review import DECIDED, EXCLUDE, MOVABLE, OPEN, PAIR, STALE, WAITING, counts, number
from ..core.formatting import angka, persen, rupiah, tanggal
from ..core.model import REPORTED, Consolidation, Validation
from ..core.periods import parse_period
from ..core.rules import Rules
from ..core.texts import t
from ..core.units import LEVELS

MAX_TEXTS_PER_ACTION = 8  # distinct obstacle/solution texts shown per action; the rest: the workbook
MAX_NAMES = 8  # agencies named in one cell or line; the rest counted
MAX_OVERLAPS = 40  # overlap pairs listed in the report (likely duplicates first, by score); all in the workbook
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(value):
    """JSON-safe and XML-safe: NaN to None, control characters (not allowed in XML) removed."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, str):
        return _CONTROL.sub(" ", value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def report_data(
    c: Consolidation, validation: Validation, rules: Rules, summary_file: str, day, comparison=None
) -> dict:
    acts = c.activities
    h = headline(c, validation)
    p = validation.period
    return {
        "organisasi": rules.settings.organisation,
        "sekretariat": rules.settings.secretariat,
        "rencana": rules.catalogue.title,
        "tanggal": day.isoformat(),
        "periode": {
            "id": p.id,
            "judul": p.title,
            "laporan": p.report,
            "mulai": p.start.isoformat(),
            "selesai": p.end.isoformat(),
            "tenggat": p.deadline.isoformat(),
        },
        "tingkat": list(c.levels),
        "dasar_hukum": list(rules.report.legal_basis),
        "contoh": rules.sample_data,  # why the report is sample data (marked CONTOH), else []
        "tanda_contoh": t("sample.mark_line") if rules.sample_data else "",
        "ttd": rules.settings.signature.model_dump(),
        "batas_aksi": rules.report.action_cap,
        "h": {k: clean(v) for k, v in h.items()},
        "k": agencies_named(c),
        "aksi_terlemah": _ranked(c, rules, weakest=True),
        "aksi_terkuat": _ranked(c, rules, weakest=False),
        "pilar": _pillars(c, acts, actions := _actions(c, acts), rules),
        "hambatan": {"jumlah": int(acts["hambatan"].notna().sum()) if len(acts) else 0},
        "hambatan_tema": _themes(c.by_theme),
        **_obstacle_groups(c, rules),
        "irisan": _overlaps(c),
        "irisan_lain": max(0, len(c.overlaps) - MAX_OVERLAPS),
        "kualitas": _quality(c, validation),
        "kelengkapan": _completeness(c, rules),
        "lampiran_aksi": _records(actions, ACTION_COLUMNS),
        "temuan": findings(c, validation, rules, comparison),
        "aturan_temuan": described(rules),
        "berkas_ringkasan": summary_file,
        "grafik": _chart_data(c, validation),
        "perbandingan": _comparison(comparison, rules) if comparison is not None else None,
        "daerah": _regions(c, validation, rules, comparison),
        "peta_sumber": t("map.attribution"),
        "provinsi_angka": _province_figures(c),
        "sasaran": _target_groups(acts),
        "aksi_sementara": {k: float(v) for k, v in sorted(c.review.achievement.items()) if v},
        **_review(c, rules, h),
    }


def _province_figures(c: Consolidation) -> list[dict]:
    """Every place of the province list with activities: activities counted once, the units
    reporting there and the participants (by_province; docs/angka.md, section 11)."""
    prov = c.by_province[c.by_province["kegiatan"] > 0]
    return [
        {"nama": r.provinsi, "kode": r.kode_kemendagri, "kegiatan": int(r.kegiatan_unik), "unit": int(r.kl),
         "peserta": clean(r.peserta)}
        for r in prov.itertuples()
    ]  # fmt: skip


def _target_groups(acts: pd.DataFrame) -> list[dict]:
    """Per target group (sasaran), the activities counted once (a duplicate's kept row only),
    the units that reported them and their participants; in the order of the most activities."""
    if acts.empty or "sasaran" not in acts:
        return []
    kept = acts[~acts["duplikat"].astype(bool)]
    g = kept.assign(sasaran=kept["sasaran"].fillna("-")).groupby("sasaran")
    df = pd.DataFrame({"kegiatan": g.size(), "unit": g["_agency"].nunique(), "peserta": g["jumlah_peserta"].sum()})
    df = df.reset_index().sort_values(["kegiatan", "sasaran"], ascending=[False, True], kind="stable")
    return [
        {"sasaran": r.sasaran, "kegiatan": int(r.kegiatan), "unit": int(r.unit), "peserta": clean(float(r.peserta))}
        for r in df.itertuples()
    ]


COUNTS = ("butir", "nilai", "pasangan", "decided", "waiting", "stale", "open", "excluded", "confirmed", "distinct",
          "belum")  # fmt: skip
NO_REVIEW = {  # keys in the data of a run made before they existed: the review's, the sample mark, the regions'
    "peta_sumber": "",
    "hambatan_tema": [],
    "hambatan_kelompok": [],
    "hambatan_kelompok_lain": 0,
    "provinsi_angka": [],
    "sasaran": [],
    "aksi_sementara": {},
    "daerah": {
        "ada": False,
        "tingkat": [],
        "provinsi": [],
        "belum": [],
        "terlambat": [],
        "diam_dua": [],
        "peta": {"kegiatan": {}, "rad_pe": []},
    },
    "contoh": [],
    "tanda_contoh": "",
    "tinjauan": dict.fromkeys(COUNTS, 0),
    "tinjauan_dikecualikan": [],
    "tinjauan_belum": [],
    "tinjauan_pasangan": [],
    "tinjauan_sementara": [],
    "sementara": dict.fromkeys(MOVABLE, 0),
    "ambang_sementara": "",
}


def _review(c: Consolidation, rules: Rules, h: dict) -> dict:
    """What the secretariat's review did: counts, the values excluded with their reasons, and
    the headline figures still provisional (key -> the amount not yet reviewed)."""
    r = c.review
    n = counts(r)
    for key, word in (("items", "butir"), ("values", "nilai"), ("pairs", "pasangan")):
        n[word] = n.pop(key)  # a dict's `items` and `values` would be its methods in the template
    items = r.items
    out = items[(items["state"] == DECIDED) & (items["decision"] == EXCLUDE)]
    excluded = [
        {"kl": x.kl, "kode": x.kode_aksi, "nama": clean(x.nama_kegiatan), "kolom": x.label,
         "nilai": number(x.value), "alasan": clean(x.note) or t("review.decisions.exclude")}
        for x in out.itertuples()
    ]  # fmt: skip
    pending = items[items["state"].isin([OPEN, STALE, WAITING]) & (items["kind"] != PAIR)]
    undecided = [
        {"kl": x.kl, "kode": x.kode_aksi, "nama": clean(x.nama_kegiatan), "kolom": x.label,
         "nilai": number(x.value), "alasan": t(f"problem_names.{x.code}")}
        for x in pending.itertuples()
    ]  # fmt: skip
    pairs = items[(items["state"] == DECIDED) & (items["kind"] == PAIR)]
    decided_pairs = [
        {"keputusan": t(f"review.decisions.{x.decision}"), "a_kl": x.a_kl, "a_nama": clean(x.a_nama_kegiatan),
         "b_kl": x.b_kl, "b_nama": clean(x.b_nama_kegiatan), "alasan": clean(x.note)}
        for x in pairs.itertuples()
    ]  # fmt: skip
    money = {"anggaran", "realisasi_anggaran"}
    fmt = {k: (rupiah if k in money else angka) for k in r.provisional}
    provisional = [
        {"angka": t(f"summary.headline.{k}").strip(), "nilai": fmt[k](h[k]), "belum": fmt[k](v)}
        for k, v in r.provisional.items()
    ]
    return {
        "tinjauan": {**n, "belum": n[WAITING] + n[OPEN] + n[STALE]},
        "tinjauan_dikecualikan": excluded,
        "tinjauan_belum": undecided,
        "tinjauan_pasangan": decided_pairs,
        "tinjauan_sementara": provisional,
        "sementara": {k: r.provisional.get(k, 0) for k in MOVABLE},
        "ambang_sementara": persen(rules.review.provisional_share, 0),
    }


MAX_COMPARED_AGENCIES = 15  # agencies with the largest change in the report; all in the workbook


def _change(r) -> dict:
    """Activities and achievement, before and now, and the change in points."""
    keys = ("kegiatan_lalu", "kegiatan", "capaian_lalu", "capaian")
    return {**{k: clean(getattr(r, k)) for k in keys}, "selisih": clean(r.selisih_capaian)}


def _comparison(cmp, rules: Rules) -> dict:
    """The comparison with the previous period, as plain values (formatted by the template)."""
    pillars = [{"kode": r.level0_code, "nama": r.level0_name, **_change(r)} for r in cmp.by_pillar.itertuples()]
    ag = cmp.by_agency.assign(besar=(cmp.by_agency["kegiatan"] - cmp.by_agency["kegiatan_lalu"].fillna(0)).abs())
    ag = ag[(ag["kegiatan"] > 0) | (ag["kegiatan_lalu"].fillna(0) > 0)]
    top = ag.sort_values(["besar", "kode"], ascending=[False, True], kind="stable").head(MAX_COMPARED_AGENCIES)
    agencies = [{"kl": r.kl, **_change(r)} for r in top.itertuples()]
    return {
        "sebelumnya": parse_period(cmp.previous, rules).title,
        "pilar": pillars,
        "kl": agencies,
        "kl_lain": max(0, len(ag) - len(agencies)),
        "aksi_baru": [{"kode": r.kode_aksi, "uraian": r.uraian_aksi} for r in cmp.new_actions.itertuples()],
        "berhenti": [{"kl": r.kl, "status": r.status} for r in cmp.stopped.itertuples()],
    }


def _regions(c: Consolidation, validation: Validation, rules: Rules, comparison) -> dict:
    """The chapter on the regional governments: per level how many were called in and how
    they reported, who did not, per province what each level did, and the map's figures."""
    levels = level_status(validation, rules)
    regional = levels[levels["tingkat"] != t("units.level.kl")]
    ordered = sorted((a for a in rules.units(validation.agencies) if a.regional), key=lambda a: LEVELS.index(a.level))
    units = {a.code: a for a in ordered}  # the provinces first, then the kab/kota
    states = validation.agencies
    table = region_table(validation, c.by_province, rules)
    unique = c.by_province.set_index("kode_kemendagri")["kegiatan_unik"]
    by_level = {lv: regional[regional["tingkat"] == t(f"units.level.{lv}")] for lv in ("provinsi", "kabkota")}
    silent = set(comparison.silent) if comparison is not None else set()
    called = set(rules.called_in(validation.period.id))
    marked = {
        a.province for a in units.values() if a.level == "provinsi" and a.rad_pe and states[a.code].state in REPORTED
    }
    return {
        "ada": bool(units),
        **{f"{k}_{lv}": int(df[k].sum()) for lv, df in by_level.items()
           for k in ("dipanggil", "melapor", "tepat_waktu", "terlambat", "belum", "ditolak", "nihil")},
        "tingkat": _records(regional, {k: k for k in ("tingkat", "dipanggil", "melapor", "tepat_waktu", "terlambat",
                                                      "nihil", "ditolak", "belum")}),
        "belum": [a.short for code, a in units.items() if states[code].missing],
        "terlambat": [{"nama": a.short, "hari": states[code].days_late} for code, a in units.items()
                      if states[code].late],
        "diam_dua": [a.short for code, a in units.items() if code in silent],
        "rad_pe": sum(a.rad_pe for a in units.values() if a.code in called),
        "tanpa_panggilan": [a.short for code, a in units.items() if code not in called],
        "provinsi": [
            {"nama": r.provinsi, "rad_pe": r.rad_pe or "-", "pemprov": r.status_pemprov,
             "kabkota": f"{r.kabkota_melapor}/{r.kabkota_dipanggil}", "kl": int(r.kegiatan_kl),
             "prov": int(r.kegiatan_provinsi), "kab": int(r.kegiatan_kabkota), "total": int(r.kegiatan_unik)}
            for r in table.itertuples()
        ],
        "peta": {
            "kegiatan": {code: int(n) for code, n in unique.items() if code},
            "rad_pe": sorted(marked),
        },
    }  # fmt: skip


def _records(df: pd.DataFrame, columns: dict[str, str]) -> list[dict]:
    return [{new: clean(row[old]) for old, new in columns.items()} for _, row in df.iterrows()]


def _actions(c: Consolidation, acts: pd.DataFrame) -> pd.DataFrame:
    """The figures per action with the agencies that reported on it."""
    reporters = acts.groupby("kode_aksi")["kl"].agg(names) if len(acts) else {}
    return c.by_action.assign(pelapor=c.by_action["kode_aksi"].map(reporters).astype(object).fillna("-"))


def _pillars(c: Consolidation, acts: pd.DataFrame, every: pd.DataFrame, rules: Rules) -> list[dict]:
    inner = len(c.levels) - 1
    order = {code: i for i, code in enumerate(c.by_action["kode_aksi"])}  # the catalogue's, not the text's
    out = []
    for _, g in c.by_level[0].iterrows():
        code = g["level0_code"]
        actions = every[every["level0_code"] == code]
        cols = ACTION_COLUMNS
        focuses = []
        for (fcode, fname), rows in actions.groupby([f"level{inner}_code", f"level{inner}_name"], sort=False):
            focuses.append({"kode": fcode, "nama": fname, "aksi": _records(rows, cols)})
        mine = acts[acts["level0_code"] == code] if len(acts) else acts
        keys = (
            "aksi_dilaporkan",
            "kegiatan",
            "kegiatan_unik",
            "kl",
            "peserta",
            "anggaran",
            "realisasi_anggaran",
            "capaian",
            "serapan",
            "aksi_terukur",
        )
        item = {k: clean(g[k]) for k in keys}
        item.update(
            kode=code,
            nama=g["level0_name"],
            sementara=c.review.pillars.get(code, 0.0),
            jumlah_aksi=int(g["aksi"]),
            fokus=focuses,
            aksi=_records(actions, cols),
            hambatan=_texts(mine, {"hambatan": "hambatan", "upaya_penyelesaian": "penyelesaian"}, order),
            hambatan_tema=_themes(obstacles.by_theme(mine, c.obstacles, rules)) if c.obstacles is not None else [],
            tindak_lanjut=_texts(mine, {"rencana_tindak_lanjut": "teks"}, order),
            satuan_berbeda=_other_units(mine, rules),
        )
        out.append(item)
    return out


ACTION_COLUMNS = {
    "kode_aksi": "kode",
    "uraian_aksi": "uraian",
    "pj": "pj",
    "kegiatan": "kegiatan",
    "pelapor": "pelapor",
    "peserta": "peserta",
    "anggaran": "anggaran",
    "satuan": "satuan",
    "target_dasar": "target",
    "realisasi": "realisasi",
    "capaian": "capaian",
    "dasar_capaian": "dasar",
    "satuan_berbeda": "satuan_berbeda",
}


def names(agencies) -> str:
    """'BNPT, Polri, ... dan 12 K/L lain': lists stay readable however many agencies report."""
    unique = sorted(set(agencies))
    shown = ", ".join(unique[:MAX_NAMES])
    return shown + (t("report_data.more", n=len(unique) - MAX_NAMES) if len(unique) > MAX_NAMES else "")


def _texts(acts: pd.DataFrame, columns: dict[str, str], order: dict[str, int]) -> list[dict]:
    """Agencies' own texts as table rows (`columns`: their column -> key in a row, written
    side by side as they stand on one activity, an obstacle beside its solution): actions in
    catalogue `order` (1.2.2 before 1.2.10); each distinct row of texts of an action once,
    with the agencies that wrote it, most frequent first; bounded per action."""
    if acts.empty:
        return []
    rows = acts[acts[list(columns)].notna().any(axis=1)]
    rows = rows.assign(**{c: rows[c].fillna("") for c in columns})
    out = []
    for code, g in sorted(rows.groupby("kode_aksi", sort=False), key=lambda kv: order.get(kv[0], len(order))):
        by_text = g.groupby(list(columns))["kl"].agg(list)
        texts = sorted(by_text.index, key=lambda x: (-len(by_text[x]), x))
        for x in texts[:MAX_TEXTS_PER_ACTION]:
            words = x if isinstance(x, tuple) else (x,)
            out.append({"kode": code, "kl": names(by_text[x]),
                        **{k: clean(w) or "-" for k, w in zip(columns.values(), words, strict=True)}})  # fmt: skip
        if len(texts) > MAX_TEXTS_PER_ACTION:
            more = t("report_data.more_texts", n=len(texts) - MAX_TEXTS_PER_ACTION)
            out.append(
                {"kode": code, "kl": "", **dict.fromkeys(columns.values(), ""), next(iter(columns.values())): more}
            )
    return out


def _ranked(c: Consolidation, rules: Rules, weakest: bool) -> list[dict]:
    """The actions with the lowest (or highest) achievement, ties in catalogue order; the
    two lists never share an action."""
    n = rules.report.findings.named_actions
    measured = c.by_action[c.by_action["capaian"].notna()].reset_index(drop=True)
    half = min(n, len(measured) // 2)
    ranked = measured.assign(_pos=range(len(measured))).sort_values(
        ["capaian", "_pos"], ascending=[weakest, True], kind="stable"
    )
    return [
        {
            "kode": r.kode_aksi,
            "uraian": r.uraian_aksi,
            "capaian": float(r.capaian),
            "dasar": r.dasar_capaian,
            "sementara": c.review.achievement.get(r.kode_aksi, 0.0),
        }
        for r in ranked.head(half).itertuples()
    ]


def _other_units(acts: pd.DataFrame, rules: Rules) -> list[dict]:
    """Activities whose unit is not their action's, one per duplicate cluster as the column
    Kegiatan Satuan Berbeda counts them (docs/angka.md section 4): left out of its achievement,
    named here. A dropped duplicate in another unit is its kept row's event, counted there."""
    if acts.empty:
        return []
    unit = {fa.code: fa.action.unit for fa in rules.actions}
    rows = acts[~acts["satuan_sesuai"] & ~acts["duplikat"].astype(bool)]
    return [
        {"kl": r.kl, "kode": r.kode_aksi, "nama": clean(r.nama_kegiatan), "satuan": clean(r.satuan),
         "satuan_aksi": unit[r.kode_aksi]}
        for r in rows.itertuples()
    ]  # fmt: skip


THEME_COLUMNS = {"nama": "tema", "kl": "kl", "daerah": "daerah", "aksi": "aksi", "kegiatan": "kegiatan",
                 "contoh": "contoh", "penyelesaian": "penyelesaian"}  # fmt: skip
MAX_OBSTACLE_GROUPS = 60  # groups of obstacle texts in the annex; the rest: the summary's sheet Hambatan


def _themes(table: pd.DataFrame | None) -> list[dict]:
    """The obstacle themes (docs/angka.md section 12) as table rows, most units first."""
    if table is None or table.empty:
        return []
    return [{**r, "penyelesaian": r["penyelesaian"] or "-"} for r in _records(table, THEME_COLUMNS)]


def _obstacle_groups(c: Consolidation, rules: Rules) -> dict:
    """The annex's obstacles as written, a row per group of near-identical texts, by theme."""
    groups = c.obstacle_groups if c.obstacle_groups is not None else pd.DataFrame()
    if groups.empty:
        return {"hambatan_kelompok": [], "hambatan_kelompok_lain": 0}
    groups = groups.assign(tema=groups["tema"].replace("", t("report.obstacles_no_theme")))
    shown = groups.head(MAX_OBSTACLE_GROUPS)
    rows = _records(shown, {"teks": "teks", "tema": "tema", "unit": "unit", "aksi": "aksi", "kegiatan": "kegiatan"})
    return {"hambatan_kelompok": rows, "hambatan_kelompok_lain": len(groups) - len(shown)}


def _overlaps(c: Consolidation) -> list[dict]:
    acts = c.activities
    pairs = c.overlaps.assign(dup=c.overlaps["kind"] == DUPLICATE)
    pairs["kind"] = told_kind(pairs["kind"], pairs)
    top = pairs.sort_values(["dup", "score"], ascending=[False, False], kind="stable").head(MAX_OVERLAPS)
    items = c.review.items
    review = items.set_index("item")[["state", "decision"]] if len(items) and "item" in top else None
    out = []
    for r in top.itertuples():
        a, b = acts.loc[r.a], acts.loc[r.b]
        state, decision = review.loc[r.item] if review is not None and r.item in review.index else (OPEN, "")
        if state == DECIDED:  # the advice gives way to what the secretariat decided
            saran = t("report.advice_decided", decision=t(f"review.decisions.{decision}"))
        else:
            saran = t("report.advice_waiting" if state == WAITING else f"report.advice.{r.kind}")
        place = ", ".join(x for x in (a["kabupaten_kota"], a["provinsi"]) if isinstance(x, str) and x)
        out.append(
            {
                "jenis": t(f"consolidate.kind.{r.kind}"),
                "duplikat": bool(r.dup),
                "skor": float(r.score),
                "aksi": a["kode_aksi"] if a["kode_aksi"] == b["kode_aksi"] else f"{a['kode_aksi']} / {b['kode_aksi']}",
                "a_kl": a["kl"],
                "a_nama": clean(a["nama_kegiatan"]),
                "b_kl": b["kl"],
                "b_nama": clean(b["nama_kegiatan"]),
                "tempat": clean(place),
                "tanggal": _dates(a["tanggal_mulai"], b["tanggal_mulai"]),
                "saran": saran,
            }
        )
    return out


def _dates(*days) -> str:
    return " / ".join(dict.fromkeys(tanggal(d) for d in days if d is not None))


def _quality(c: Consolidation, validation: Validation) -> list[dict]:
    reasons: dict[str, str] = {}
    for p in validation.problems:
        if p.severity == "error" and not p.row and p.file:
            s = next((s for s in validation.submissions if s.name == p.file), None)
            if s and s.agency:
                reasons.setdefault(s.agency, p.message.split(". ")[0].rstrip(".") + ".")  # what, not the staff's to-do
    a = kl_only(c.by_agency)
    rows = a[
        (a["ditolak"] > 0)
        | (a["galat"] > 0)
        | (a["peringatan"] > 0)
        | a["terlambat_hari"].notna()
        | a["status"].isin([t("status.rejected"), t("status.not_received"), t("status.nihil")])
    ]
    out = _records(
        rows,
        {
            "kl": "kl",
            "status": "status",
            "diterima": "diterima",
            "ditolak": "ditolak",
            "galat": "galat",
            "peringatan": "peringatan",
            "kode": "kode",
            "terlambat_hari": "hari",
        },
    )
    for item in out:
        days = item.pop("hari")
        late = t("report_data.late", n=int(days)) if days is not None else ""
        item["keterangan"] = clean(" ".join(x for x in (late, reasons.get(item.pop("kode"), "")) if x))
    return out


def _completeness(c: Consolidation, rules: Rules) -> list[dict]:
    acts = c.activities
    reported = set(zip(acts["_agency"], acts["kode_aksi"], strict=True)) if len(acts) else set()
    out = []
    for a in (a for a in rules.agencies if not a.regional):
        lead = [fa.code for fa in rules.actions if a.code in fa.action.lead]
        support = [fa.code for fa in rules.actions if a.code in fa.action.support]

        def done(codes: list[str], agency: str = a.code) -> int:
            return sum((agency, x) in reported for x in codes)

        missing = [x for x in lead + support if (a.code, x) not in reported]
        out.append(
            {
                "kl": a.short,
                "pj": f"{done(lead)}/{len(lead)}",
                "pendukung": f"{done(support)}/{len(support)}",
                "belum": ", ".join(missing) or "-",
            }
        )
    return out


def _chart_data(c: Consolidation, validation: Validation) -> dict:
    counts = validation.state_counts()
    prov = c.by_province.sort_values("kegiatan", ascending=False, kind="stable")
    province = prov["kode_kemendagri"] != ""  # the provinces; not Nasional or Luar Negeri
    shown = [[r["provinsi"], int(r["kegiatan"])] for _, r in prov[province].iterrows() if r["kegiatan"] > 0]
    return {
        "capaian": [[g["level0_name"], clean(g["capaian"])] for _, g in c.by_level[0].iterrows()],
        "status": [[t(f"status.{k}"), n] for k, n in counts.items()],
        "provinsi": shown[:TOP_PROVINCES],
        "provinsi_ada": len(shown),
        "provinsi_tampil": min(len(shown), TOP_PROVINCES),
        "bukan_provinsi": int(prov.loc[~province, "kegiatan"].sum()),
    }


TOP_PROVINCES = 20  # bars in the report's chart; every province is in the summary workbook
