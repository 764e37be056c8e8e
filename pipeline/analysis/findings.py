"""The report's conclusions and recommendations: fixed, documented rules over the period's
figures (thresholds in rules/report.yaml, wording in templates/texts/id.yaml under
`report_findings`), so that every finding can be traced to the data and repeated."""

from __future__ import annotations

import pandas as pd

from ..core.formatting import angka, persen, rupiah
from ..core.model import REPORTED, Comparison, Consolidation, Validation
from ..core.periods import parse_period
from ..core.rules import Rules
from ..core.texts import t

RULES = ("coverage", "no_activity", "lead_missing", "low_achievement", "provisional", "shared_obstacle", "joint",
         "reporting", "silent")  # fmt: skip
MAX_LISTED = 8  # items named in one finding; the rest counted


def findings(c: Consolidation, validation: Validation, rules: Rules, comparison: Comparison | None) -> list[dict]:
    """One {aturan, kesimpulan, rekomendasi} per rule that applies, in the order of RULES
    (an empty recommendation: the finding calls for none)."""
    out = []
    for rule in RULES:
        for fields in globals()[f"_{rule}"](c, validation, rules, comparison):
            advice = fields.pop("_advice", "recommendation")
            out.append(
                {
                    "aturan": rule,
                    "kesimpulan": t(f"report_findings.{rule}.conclusion", **fields),
                    "rekomendasi": t(f"report_findings.{rule}.{advice}", **fields),
                }
            )
    return out


def described(rules: Rules) -> list[str]:
    """Each rule as the method section states it, with its threshold."""
    f = rules.report.findings
    values = {"low": persen(f.low_achievement, 0), "agencies": f.shared_obstacle_agencies, "pairs": f.joint_pairs,
              "share": persen(rules.review.provisional_share, 0)}  # fmt: skip
    return [t(f"report_findings.{rule}.rule", **values) for rule in RULES]


def listed(items: list[str]) -> str:
    """'a', 'a dan b', 'a, b, dan c', 'a, b, ..., dan 4 lainnya' (the rest counted; one more
    is named, not counted)."""
    more = len(items) - MAX_LISTED
    items = [*items[:MAX_LISTED], t("report_findings.more", n=more)] if more > 1 else list(items)
    conjunction = t("report_findings.and")
    if len(items) < 3:
        return f" {conjunction} ".join(items)
    return ", ".join(items[:-1]) + f", {conjunction} " + items[-1]


def agencies_named(c: Consolidation) -> dict:
    """The K/L named for their reporting (from *Per KL*): sent nothing, nil, rejected, late
    (with the days). The regions are named in their own chapter."""
    a = kl_only(c.by_agency)
    late = a[a["terlambat_hari"].notna()]
    return {
        "belum": a.loc[a["status"] == t("status.not_received"), "kl"].tolist(),
        "nihil": a.loc[a["status"] == t("status.nihil"), "kl"].tolist(),
        "ditolak": a.loc[a["status"] == t("status.rejected"), "kl"].tolist(),
        "terlambat": [{"kl": r.kl, "hari": int(r.terlambat_hari)} for r in late.itertuples()],
    }


def kl_only(by_agency: pd.DataFrame) -> pd.DataFrame:
    """The K/L rows of a per-unit table (a regional government's are reported apart)."""
    return by_agency[by_agency["tingkat"] == t("units.level.kl")] if "tingkat" in by_agency else by_agency


def _leads(rules: Rules, codes) -> str:
    agencies = dict.fromkeys(
        rules.agency_by_code[a].short for code in codes for a in rules.action_by_code[code].action.lead
    )
    return listed(list(agencies)) or "-"


def _coverage(c, validation, rules, comparison):
    a = c.by_action
    done, total = int((a["kegiatan"] > 0).sum()), len(a)
    reach = t("report_findings.coverage." + ("all" if done == total else "some"), aksi=done, total=total)
    yield {"periode": validation.period.title, "kegiatan": angka(len(c.activities)), "cakupan": reach}


def _no_activity(c, validation, rules, comparison):
    none = c.by_action.loc[c.by_action["kegiatan"] == 0, "kode_aksi"].tolist()
    if none:
        yield {"n": len(none), "aksi": listed(none), "kl": _leads(rules, none)}


def _low_achievement(c, validation, rules, comparison):
    low_share = rules.report.findings.low_achievement
    a = c.by_action
    low = a[a["capaian"] < low_share]
    if len(low):
        items = [f"{r.kode_aksi} ({persen(r.capaian)})" for r in low.itertuples()]
        codes = listed(low["kode_aksi"].tolist())
        yield {"n": len(low), "batas": persen(low_share, 0), "aksi": listed(items), "kode": codes,
               "kl": _leads(rules, low["kode_aksi"])}  # fmt: skip


def _lead_missing(c, validation, rules, comparison):
    acts = c.activities
    done = set(zip(acts["_agency"], acts["kode_aksi"], strict=True)) if len(acts) else set()
    missing: dict[str, list[str]] = {}
    for fa in rules.actions:
        for lead in fa.action.lead:
            if validation.agencies[lead].state in REPORTED and (lead, fa.code) not in done:
                missing.setdefault(rules.agency_by_code[lead].short, []).append(fa.code)
    if missing:
        items = [t("report_findings.lead_missing.item", kl=k, aksi=", ".join(v)) for k, v in missing.items()]
        yield {"rincian": listed(items), "kl": listed(list(missing))}


def _provisional(c, validation, rules, comparison):
    amounts = c.review.provisional
    if amounts:
        money = {"anggaran", "realisasi_anggaran"}
        label = {k: t(f"summary.headline.{k}").strip() for k in amounts}
        items = [t("report_findings.provisional.item", angka=label[k], belum=(rupiah if k in money else angka)(v))
                 for k, v in amounts.items()]  # fmt: skip
        names = [t("report_findings.provisional.name", angka=x) for x in label.values()]
        yield {"angka": listed(items), "angka_pendek": listed(names)}


def _shared_obstacle(c, validation, rules, comparison):
    """The obstacle themes written by at least `shared_obstacle_agencies` units (K/L and
    regional governments), most units first (docs/angka.md section 12)."""
    themes = c.by_theme
    if themes is None or themes.empty:
        return
    least = rules.report.findings.shared_obstacle_agencies
    shared = themes[themes["kl"] + themes["daerah"] >= least]
    if len(shared):
        item = "report_findings.shared_obstacle.item"
        items = [t(item, tema=r.nama.lower(), unit=_units(r.kl, r.daerah), aksi=r.aksi) for r in shared.itertuples()]
        yield {"n": len(shared), "hambatan": listed(items)}


def _units(kl: int, regions: int) -> str:
    """'12 K/L', '3 pemerintah daerah', '12 K/L dan 3 pemerintah daerah'."""
    parts = [t("report_findings.shared_obstacle.kl", n=kl)] if kl else []
    parts += [t("report_findings.shared_obstacle.regions", n=regions)] if regions else []
    return f" {t('report_findings.and')} ".join(parts)


def _joint(c, validation, rules, comparison):
    pairs = c.overlaps
    if "rollup" in pairs:  # a province's roll-up of its kab/kota's event is no overlap of their work
        pairs = pairs[~pairs["rollup"].fillna(False).astype(bool)]
    if pairs.empty:
        return
    acts = c.activities
    least = rules.report.findings.joint_pairs
    a, b = acts.loc[pairs["a"], "kl"].to_numpy(), acts.loc[pairs["b"], "kl"].to_numpy()
    codes = acts.loc[pairs["a"], "kode_aksi"].to_numpy()
    together: dict[tuple[str, str], list[str]] = {}
    for x, y, code in zip(a, b, codes, strict=True):
        together.setdefault(tuple(sorted((x, y))), []).append(code)
    for (x, y), actions in sorted(together.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if len(actions) >= least:
            yield {"a": x, "b": y, "n": len(actions), "aksi": listed(list(dict.fromkeys(actions)))}


def _reporting(c, validation, rules, comparison):
    k = agencies_named(c)
    names = {"not_received": k["belum"], "rejected": k["ditolak"], "late": [x["kl"] for x in k["terlambat"]]}
    if any(names.values()):
        parts = [t(f"report_findings.reporting.{k}", kl=listed(v), n=len(v)) for k, v in names.items() if v]
        absent = names["not_received"] + names["rejected"]
        yield {"rincian": "; ".join(parts), "kl": listed(absent),
               "_advice": "recommendation" if absent else "recommendation_late"}  # fmt: skip


def _silent(c, validation, rules, comparison):
    if comparison is not None and comparison.silent:
        short = {a.code: a.short for a in rules.agencies}
        yield {"kl": listed([short[x] for x in comparison.silent]),
               "sebelumnya": parse_period(comparison.previous, rules).title}  # fmt: skip
