"""Add up the accepted activities of a period: by catalogue level and action, by agency,
by province, an agency x action completeness matrix, and overlaps between agencies.
Pure DataFrame functions: every figure is a sum over rows of `activities`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.model import REPORTED, Consolidation, Decision, Review, Validation
from ..core.rules import Rules
from ..core.stopwatch import stage
from ..core.texts import t
from . import review
from .overlap import DUPLICATE, duplicate_clusters, find_overlaps, strongest

SUMS = ["jumlah_peserta", "anggaran", "realisasi_anggaran"]


def consolidate(
    validation: Validation,
    rules: Rules,
    watch=None,
    acts: pd.DataFrame | None = None,
    decisions: dict[str, Decision] | None = None,
    check_content: bool = True,
) -> Consolidation:
    """Figures, overlaps and duplicates of the validation's accepted rows, or of `acts` when
    given (activities already built, as the history stores them), honouring the
    secretariat's `decisions`: excluded values leave every total, a pair that is not one
    activity is not merged (a likely duplicate leaves the overlaps, overlapping work stays
    listed), a confirmed one is counted once. `check_content`
    False takes the decisions as they were when `acts` were stored (the year's report)."""
    decisions = decisions or {}
    with stage(watch, "consolidate"):
        acts = activities(validation, rules) if acts is None else acts
    with stage(watch, "overlaps"):
        pairs = find_overlaps(acts, rules)
        pair_list = review.states(review.pair_items(acts, pairs, rules), decisions, check_content)
        decided = pair_list["decision"].to_numpy()  # "" unless decided now (a stale decision is not applied)
        keep = decided != review.DISTINCT  # not merged
        rejected = ~keep & (pairs["kind"] == DUPLICATE).to_numpy()  # not one activity: leaves Irisan too
        confirmed = np.isin(decided, [review.SAME, review.JOINT])
        merge = (pairs["kind"] == DUPLICATE).to_numpy() | confirmed
        cluster, kept = duplicate_clusters(acts, pairs[keep], rules, merge[keep], confirmed[keep])
        acts["duplikat"] = (cluster > 0) & ~kept  # every row of a cluster but the one kept
        a, b = pairs["a"].to_numpy(dtype=int), pairs["b"].to_numpy(dtype=int)
        same = (cluster[a] == cluster[b]) & (cluster[a] > 0) & merge & keep
        merged = same & (kept[a] | kept[b])  # the pairs that merge a row into its kept one
        strong = np.zeros(len(pairs), dtype=bool)
        strong[~rejected] = strongest(pairs[~rejected], rules.overlap.overlap.max_partners)
        asked = ((pair_list["decision"] != "") | (pair_list["previous"] != "")).to_numpy()
        listed = ~rejected & (strong | merged | asked)
        pairs = pairs.assign(cluster=np.where(same, cluster[a], 0), item=pair_list["item"].to_numpy())
        pair_list = pair_list[listed | rejected]
        pairs = pairs[listed].reset_index(drop=True)
    with stage(watch, "consolidate"):
        values = review.states(review.value_items(validation, rules), decisions, check_content)
        acts = review.exclude(acts, values, rules)
        c = Consolidation(
            period=validation.period.id,
            levels=list(rules.catalogue.levels),
            activities=acts,
            by_action=(actions := by_action(acts, rules)),
            by_level=[by_level(acts, rules, depth, actions) for depth in range(len(rules.catalogue.levels))],
            by_agency=by_agency(acts, validation, rules),
            by_province=by_province(acts, rules),
            completeness=completeness(acts, rules),
            overlaps=pairs,
        )
        figures = _figures(acts)
        items = review.effects(pd.concat([values, pair_list], ignore_index=True), acts, figures, cluster, kept)
        c.review = Review(items, provisional=review.provisional(items, figures, rules.review.provisional_share))
        return c


def _figures(acts: pd.DataFrame) -> dict[str, float]:
    """The headline sums a review item can move."""
    unique = acts.loc[~acts["duplikat"]] if len(acts) else acts
    return {
        "kegiatan_unik": float(len(unique)),
        "peserta": float(acts["jumlah_peserta"].sum()) if len(acts) else 0.0,
        "peserta_unik": float(unique["jumlah_peserta"].sum()) if len(acts) else 0.0,
        "anggaran": float(acts["anggaran"].sum()) if len(acts) else 0.0,
        "realisasi_anggaran": float(acts["realisasi_anggaran"].sum()) if len(acts) else 0.0,
    }


def activities(validation: Validation, rules: Rules) -> pd.DataFrame:
    """Accepted rows with the agency's name, the catalogue levels of their action, whether
    their unit agrees with the action's, and a stable activity id."""
    df = validation.accepted.copy()
    df = df.sort_values(["_agency", "_file", "_row"], kind="stable").reset_index(drop=True)
    names = {a.code: a.short for a in rules.agencies}
    df.insert(0, "kl", df["_agency"].map(names))
    catalogue = {fa.code: fa for fa in rules.actions}
    for depth in range(len(rules.catalogue.levels)):
        df[f"level{depth}_code"] = df["kode_aksi"].map(lambda c, d=depth: catalogue[c].path[d][0])
        df[f"level{depth}_name"] = df["kode_aksi"].map(lambda c, d=depth: catalogue[c].path[d][1])
    df["uraian_aksi"] = df["kode_aksi"].map(lambda c: catalogue[c].action.title)
    unit = df["kode_aksi"].map(lambda c: catalogue[c].action.unit.casefold())
    given = df["satuan"].fillna("").astype(str).str.casefold()
    df["satuan_sesuai"] = (given == unit) | (given == "")
    ids = validation.period.id + "-" + df["_agency"] + "-" + review.digest(df, review.IDENTITY)
    # rows alike in what identifies them get -2, -3, ... in the order of their content, not
    # of their rows, so that reordering a return changes no id
    content = pd.Series("", index=df.index)
    alike = ids.duplicated(keep=False)
    if alike.any():
        columns = [c for c in review.content_columns(rules) if c in df]
        content[alike] = review.digest(df.loc[alike], columns, 12)
    order = pd.DataFrame({"id": ids, "content": content}).sort_values(["id", "content"], kind="stable")
    repeat = order.groupby("id").cumcount().reindex(ids.index)
    df.insert(0, "id_kegiatan", ids.where(repeat == 0, ids + "-" + (repeat + 1).astype(str)))
    return df


def _metrics(df: pd.DataFrame, by: list[str], statuses: list[str]) -> pd.DataFrame:
    """Figures of groups of activities that can be added up (never across units: the
    achievement is `measure`'s and `achievement`'s)."""
    if df.empty:
        return pd.DataFrame(columns=[*by, *METRIC_COLUMNS, *statuses])
    x = df.assign(
        unik=~df["duplikat"],
        peserta_unik=df["jumlah_peserta"].astype("Float64").where(~df["duplikat"], 0),
    )
    g = x.groupby(by, sort=False, dropna=False)
    out = pd.DataFrame(
        {
            "kegiatan": g.size(),
            "kegiatan_unik": g["unik"].sum(),
            "kl": g["_agency"].nunique(),
            "peserta": g["jumlah_peserta"].sum(min_count=0).astype("float64"),
            "peserta_unik": g["peserta_unik"].sum().astype("float64"),
            "anggaran": g["anggaran"].sum(),
            "realisasi_anggaran": g["realisasi_anggaran"].sum(),
        }
    )
    out["serapan"] = (out["realisasi_anggaran"] / out["anggaran"]).where(out["anggaran"] > 0)
    counts = pd.crosstab([x[b] for b in by], x["status"]).reindex(columns=statuses, fill_value=0)
    return out.join(counts).fillna({s: 0 for s in statuses}).reset_index()


METRIC_COLUMNS = [
    "kegiatan",
    "kegiatan_unik",
    "kl",
    "peserta",
    "peserta_unik",
    "anggaran",
    "realisasi_anggaran",
    "serapan",
]


def measure(acts: pd.DataFrame, rules: Rules, by: list[str]) -> pd.DataFrame:
    """Target and realisation of groups of activities of one action each (`by` holds
    kode_aksi), over the rows whose unit is the action's: summed, or averaged where the
    action's unit is a rate (report.yaml mean_units); and the rows in another unit."""
    columns = ["target", "realisasi", "satuan_berbeda"]
    if acts.empty:
        return pd.DataFrame(columns=[*by, *columns])
    rates = {u.casefold() for u in rules.report.mean_units}
    rate = acts["kode_aksi"].map({fa.code: fa.action.unit.casefold() in rates for fa in rules.actions})
    x = acts.assign(
        target=acts["target"].where(acts["satuan_sesuai"]),
        realisasi=acts["realisasi"].where(acts["satuan_sesuai"]),
        satuan_berbeda=~acts["satuan_sesuai"],
        rate=rate.astype(bool),
    )
    g = x.groupby(by, sort=False)
    out = g[["target", "realisasi"]].sum(min_count=1)
    means = g[["target", "realisasi"]].mean()
    rated = g["rate"].first()
    out.loc[rated.to_numpy()] = means.loc[rated.to_numpy()]
    out["satuan_berbeda"] = g["satuan_berbeda"].sum()
    return out.reset_index()


def achievement(target: pd.Series, real: pd.Series) -> pd.Series:
    return (real / target).where(target > 0)


def group_achievement(actions: pd.DataFrame, by: str, cap: float) -> pd.DataFrame:
    """A group's achievement: the mean of its actions' achievements, each capped at `cap`,
    and how many of its actions have one."""
    capped = actions["capaian"].clip(upper=cap)
    g = capped.groupby(actions[by], sort=False)
    return pd.DataFrame({"capaian": g.mean(), "aksi_terukur": g.count()})


def _catalogue_frame(rules: Rules) -> pd.DataFrame:
    rows = []
    for fa in rules.actions:
        row = {f"level{d}_{k}": fa.path[d][i] for d in range(len(fa.path)) for i, k in enumerate(("code", "name"))}
        lead = ", ".join(rules.agency_by_code[c].short for c in fa.action.lead)
        support = ", ".join(rules.agency_by_code[c].short for c in fa.action.support)
        row.update(
            kode_aksi=fa.code,
            uraian_aksi=fa.action.title,
            satuan=fa.action.unit,
            pj=lead,
            pendukung=support,
            target_katalog=fa.action.target,
        )
        rows.append(row)
    return pd.DataFrame(rows)


ZERO = ["kegiatan", "kegiatan_unik", "kl", "peserta", "peserta_unik", "anggaran", "realisasi_anggaran"]
COUNTS = ["kegiatan", "kegiatan_unik", "kl"]  # of activities and agencies: whole numbers


def _zeros(df: pd.DataFrame, counts: list[str]) -> pd.DataFrame:
    """Groups without activities get zeros, and every count (COUNTS and `counts`) stays an
    integer: the missing figures of such a group had made its columns float ("3.0 K/L")."""
    filled = df.fillna(dict.fromkeys([*ZERO, *counts], 0))
    return filled.astype(dict.fromkeys([*COUNTS, *counts], "int64"))


def by_action(acts: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Every action of the catalogue, in catalogue order; unreported actions have zeros.
    Achievement is against the matrix target where the action has one (nothing realised
    counts 0), otherwise against the agencies' stated targets; `dasar_capaian` says which."""
    statuses = rules.choices("list:status")
    figures = _metrics(acts, ["kode_aksi"], statuses)
    out = _catalogue_frame(rules).merge(figures, on="kode_aksi", how="left")
    out = out.merge(measure(acts, rules, ["kode_aksi"]), on="kode_aksi", how="left")
    out = _zeros(out, [*statuses, "satuan_berbeda"])
    matrix = out["target_katalog"].fillna(0) > 0
    out["capaian"] = achievement(out["target_katalog"], out["realisasi"].fillna(0)).where(
        matrix, achievement(out["target"], out["realisasi"])
    )
    basis = np.where(
        matrix, t("consolidate.basis.matrix"), np.where(out["target"] > 0, t("consolidate.basis.agencies"), "")
    )
    out["dasar_capaian"] = basis
    out["target_dasar"] = out["target_katalog"].where(matrix, out["target"])
    return out


def by_level(acts: pd.DataFrame, rules: Rules, depth: int, actions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Figures per group at one catalogue level (depth 0 = pillars), with action coverage
    and the mean achievement of its actions (`actions`: by_action's, computed if not given)."""
    statuses = rules.choices("list:status")
    keys = [f"level{depth}_code", f"level{depth}_name"]
    cat = _catalogue_frame(rules)
    groups = cat[keys].drop_duplicates().reset_index(drop=True)
    groups["aksi"] = groups[keys[0]].map(cat.groupby(keys[0]).size())
    reported = acts.groupby(keys[0])["kode_aksi"].nunique() if len(acts) else pd.Series(dtype=int)
    groups["aksi_dilaporkan"] = groups[keys[0]].map(reported).fillna(0).astype(int)
    figures = _metrics(acts, keys, statuses)
    out = groups.merge(figures, on=keys, how="left")
    actions = by_action(acts, rules) if actions is None else actions
    out = out.join(group_achievement(actions, keys[0], rules.report.action_cap), on=keys[0])
    return _zeros(out, [*statuses, "aksi_terukur"])


def by_agency(acts: pd.DataFrame, validation: Validation, rules: Rules) -> pd.DataFrame:
    rows = []
    covered = acts.groupby("_agency")["kode_aksi"].agg(set).to_dict() if len(acts) else {}
    participants = acts.groupby("_agency")["jumlah_peserta"].sum() if len(acts) else pd.Series(dtype=float)
    budget = acts.groupby("_agency")[["anggaran", "realisasi_anggaran"]].sum() if len(acts) else pd.DataFrame()
    for a in rules.agencies:
        st = validation.agencies[a.code]
        assigned = [fa.code for fa, _ in rules.assigned_actions(a.code)]
        done = [c for c in assigned if c in covered.get(a.code, set())]
        rows.append(
            {
                "kode": a.code,
                "kl": a.short,
                "nama": a.name,
                "status": t(f"status.{st.state}"),
                "tepat_waktu": t("consolidate.late") if st.late else "" if st.missing else t("consolidate.on_time"),
                "terlambat_hari": (st.sent - validation.period.deadline).days if st.late and st.sent else None,
                "berkas": len(st.files),
                "diterima": st.accepted,
                "ditolak": st.rejected,
                "galat": st.errors,
                "peringatan": st.warnings,
                "aksi_ditugaskan": len(assigned),
                "aksi_dilaporkan": len(done),
                "aksi_belum": ", ".join(c for c in assigned if c not in done),
                "peserta": float(participants.get(a.code, 0)),
                "anggaran": float(budget["anggaran"].get(a.code, 0)) if len(budget) else 0.0,
                "realisasi_anggaran": float(budget["realisasi_anggaran"].get(a.code, 0)) if len(budget) else 0.0,
            }
        )
    out = pd.DataFrame(rows)
    figures = agency_figures(acts, rules)
    pos = out.columns.get_loc("aksi_belum") + 1
    for i, k in enumerate(("kegiatan", "capaian", "serapan")):
        out.insert(pos + i, k, figures[k].to_numpy())
    return out


def agency_figures(acts: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Activities, achievement and budget absorption per agency of the rules, in their order.
    An agency's achievement is the mean over its actions of its realisation against its own
    targets, each capped like a pillar's."""
    codes = [a.code for a in rules.agencies]
    figures = _metrics(acts, ["_agency"], rules.choices("list:status")).set_index("_agency")
    out = figures.reindex(codes)[["kegiatan", "serapan"]].fillna({"kegiatan": 0}).astype({"kegiatan": "int64"})
    own = measure(acts, rules, ["_agency", "kode_aksi"])
    if len(own):
        own["capaian"] = achievement(own["target"], own["realisasi"])
        out["capaian"] = group_achievement(own, "_agency", rules.report.action_cap)["capaian"].reindex(codes)
    else:
        out["capaian"] = np.nan
    return out[["kegiatan", "capaian", "serapan"]].rename_axis("kode").reset_index()


def by_province(acts: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    places = pd.DataFrame({"provinsi": rules.choices("provinces")})
    codes = {p.name: p.kemendagri for p in rules.provinces.provinces}
    places.insert(0, "kode_kemendagri", places["provinsi"].map(codes).fillna(""))
    if acts.empty:
        return places.assign(kegiatan=0, kegiatan_unik=0, kl=0, peserta=0.0)
    g = acts.assign(unik=~acts["duplikat"]).groupby("provinsi")
    figures = pd.DataFrame(
        {
            "kegiatan": g.size(),
            "kegiatan_unik": g["unik"].sum(),
            "kl": g["_agency"].nunique(),
            "peserta": g["jumlah_peserta"].sum().astype("float64"),
        }
    )
    return _zeros(places.merge(figures, left_on="provinsi", right_index=True, how="left"), [])


def completeness(acts: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Agencies x actions: role (PJ lead / P support) and whether any activity was accepted."""
    codes = [fa.code for fa in rules.actions]
    reported = set(zip(acts["_agency"], acts["kode_aksi"], strict=True)) if len(acts) else set()
    grid = {}
    for a in rules.agencies:
        row = {}
        for fa in rules.actions:
            role = "lead" if a.code in fa.action.lead else "support" if a.code in fa.action.support else "none"
            row[fa.code] = t(f"consolidate.matrix.{role}_{'yes' if (a.code, fa.code) in reported else 'no'}")
        grid[a.short] = row
    return pd.DataFrame.from_dict(grid, orient="index", columns=codes)


def overlap_table(c: Consolidation) -> pd.DataFrame:
    """The pairs with both rows side by side and the reasons in words."""
    acts = c.activities
    cols = [
        "kl",
        "_file",
        "_row",
        "kode_aksi",
        "nama_kegiatan",
        "provinsi",
        "kabupaten_kota",
        "tanggal_mulai",
        "tanggal_selesai",
        "sasaran",
        "jumlah_peserta",
    ]
    if c.overlaps.empty:
        head = ["jenis", "klaster", "skor", "alasan", "saran", "item"]
        return pd.DataFrame(columns=[*head, *[f"a_{k}" for k in cols], *[f"b_{k}" for k in cols]])
    p = c.overlaps
    sim = p["name_similarity"].round().astype(int)
    reasons = sim.map({v: t("consolidate.reason.name", sim=v) for v in sim.unique()})
    for flag, key in (("same_regency", "regency"), ("dates_overlap", "dates"), ("same_target_group", "group")):
        reasons = reasons.where(~p[flag].astype(bool), reasons + "; " + t(f"consolidate.reason.{key}"))
    kinds = {k: t(f"consolidate.kind.{k}") for k in p["kind"].unique()}
    advice = {k: t(f"consolidate.advice.{k}") for k in p["kind"].unique()}
    cluster = p["cluster"].astype("Int64").where(p["cluster"] > 0)  # the merged group, counted once
    out = pd.DataFrame(
        {"jenis": p["kind"].map(kinds), "klaster": cluster, "skor": p["score"], "alasan": reasons,
         "saran": p["kind"].map(advice), "item": p["item"]}
    )  # fmt: skip
    a = acts.loc[p["a"].to_numpy(), cols].reset_index(drop=True).add_prefix("a_")
    b = acts.loc[p["b"].to_numpy(), cols].reset_index(drop=True).add_prefix("b_")
    return pd.concat([out.reset_index(drop=True), a, b], axis=1)


def headline(c: Consolidation, validation: Validation) -> dict:
    """The figures of the summary's first sheet and the report's executive summary."""
    acts = c.activities
    states = pd.Series([a.state for a in validation.agencies.values()])
    late = sum(1 for a in validation.agencies.values() if a.late)
    received = states.isin(REPORTED).sum()
    return {
        "kl_total": len(validation.agencies),
        "kl_diterima": int(received),
        "kl_tepat_waktu": int(received - late),
        "kl_terlambat": int(late),
        "kl_belum": int((states == "not_received").sum()),
        "kl_ditolak": int((states == "rejected").sum()),
        "kl_nihil": int((states == "nihil").sum()),
        "kegiatan": len(acts),
        "kegiatan_unik": int((~acts["duplikat"]).sum()) if len(acts) else 0,
        "duplikat_digabung": c.merged,
        "pasangan_duplikat": int((c.overlaps["kind"] == DUPLICATE).sum()) if len(c.overlaps) else 0,
        "pasangan_irisan": int((c.overlaps["kind"] != DUPLICATE).sum()) if len(c.overlaps) else 0,
        "aksi_katalog": len(c.by_action),
        "aksi_dilaporkan": int((c.by_action["kegiatan"] > 0).sum()),
        "peserta": float(acts["jumlah_peserta"].sum()) if len(acts) else 0.0,
        "peserta_unik": float(acts.loc[~acts["duplikat"], "jumlah_peserta"].sum()) if len(acts) else 0.0,
        "anggaran": float(acts["anggaran"].sum()) if len(acts) else 0.0,
        "realisasi_anggaran": float(acts["realisasi_anggaran"].sum()) if len(acts) else 0.0,
        **validation.row_counts(),
    }
