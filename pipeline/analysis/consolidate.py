"""Add up the accepted activities of a period: by catalogue level and action, by agency,
by province, an agency x action completeness matrix, and overlaps between agencies.
Pure DataFrame functions over the rows of `activities`; what each figure means is written
once in docs/angka.md, which this module follows (tests/reference.py recounts it)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.model import REPORTED, Consolidation, Decision, Review, Validation
from ..core.rules import Rules
from ..core.stopwatch import stage
from ..core.texts import t
from ..core.units import LEVELS
from . import obstacles, review
from .overlap import DUPLICATE, duplicate_clusters, find_overlaps, priority, strongest, told_kind

SUMS = ["jumlah_peserta", "anggaran", "realisasi_anggaran"]


def consolidate(
    validation: Validation,
    rules: Rules,
    watch=None,
    acts: pd.DataFrame | None = None,
    decisions: dict[str, Decision] | None = None,
    check_content: bool = True,
    targets: dict[str, float] | None = None,
) -> Consolidation:
    """Figures, overlaps and duplicates of the validation's accepted rows, or of `acts` when
    given (activities already built, as the history stores them), honouring the
    secretariat's `decisions`: excluded values leave every total, a pair that is not one
    activity is not merged (a likely duplicate leaves the overlaps, overlapping work stays
    listed), a confirmed one is counted once. `check_content`
    False takes the decisions as they were when `acts` were stored (the year's report).
    `targets`: the matrix targets, when not the catalogue's for one period (the year's)."""
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
        apart = {
            (int(x), int(y)) for a_, b_ in pairs.loc[~keep, ["a", "b"]].to_numpy() for x, y in ((a_, b_), (b_, a_))
        }
        cluster, kept = duplicate_clusters(acts, pairs[keep], rules, merge[keep], confirmed[keep], apart)
        acts["duplikat"] = (cluster > 0) & ~kept  # every row of a cluster but the one kept
        acts["klaster"] = cluster
        a, b = pairs["a"].to_numpy(dtype=int), pairs["b"].to_numpy(dtype=int)
        same = (cluster[a] == cluster[b]) & (cluster[a] > 0) & merge & keep
        merged = same & (kept[a] | kept[b])  # the pairs that merge a row into its kept one
        strong = np.zeros(len(pairs), dtype=bool)
        strong[~rejected] = strongest(pairs[~rejected], rules.overlap.overlap.max_partners)
        asked = ((pair_list["decision"] != "") | (pair_list["previous"] != "")).to_numpy()
        listed = ~rejected & (strong | merged | asked)
        pairs = pairs.assign(cluster=np.where(same, cluster[a], 0), item=pair_list["item"].to_numpy())
        pair_list = review.pair_sides(acts, pair_list[listed | rejected])
        pairs = pairs[listed].reset_index(drop=True)
    with stage(watch, "consolidate"):
        values = review.states(review.value_items(validation, rules), decisions, check_content)
        acts = review.exclude(acts, values, rules)
        acts["_urutan"] = priority(acts, rules)  # the order of a cluster's rows (docs/angka.md, section 2)
    with stage(watch, "obstacle themes"):
        obs = obstacles.classify(acts["hambatan"] if "hambatan" in acts else pd.Series([], dtype=object), rules)
        acts["_hambatan"] = obs.code if len(acts) else np.zeros(0, dtype=np.int64)
    with stage(watch, "consolidate"):
        c = Consolidation(
            period=validation.period.id,
            levels=list(rules.catalogue.levels),
            activities=acts,
            by_action=(actions := by_action(acts, rules, targets)),
            by_level=[by_level(acts, rules, depth, actions) for depth in range(len(rules.catalogue.levels))],
            by_agency=by_agency(acts, validation, rules),
            by_province=by_province(acts, rules),
            completeness=completeness(acts, rules, validation.agencies),
            overlaps=pairs,
            obstacles=obs,
            by_theme=obstacles.by_theme(acts, obs, rules),
            obstacle_groups=obstacles.grouped(acts, obs, rules),
        )
        figures = _figures(acts)
        items = review.effects(pd.concat([values, pair_list], ignore_index=True), acts, figures, cluster, kept, rules)
        matrix = actions.set_index("kode_aksi")["target_katalog"].to_dict()
        moved = achievement_moves(items, acts, rules, matrix)
        items["moves"] = [m | a for m, a in zip(items["moves"], moved, strict=True)]
        items["affects"] = [tuple(dict.fromkeys([*k, *a])) for k, a in zip(items["affects"], moved, strict=True)]
        share = rules.review.provisional_share
        actions_moved, pillars_moved = provisional_achievement(items, c, rules, share)
        c.review = Review(items, provisional=review.provisional(items, figures, share), achievement=actions_moved,
                          pillars=pillars_moved)  # fmt: skip
        return c


CAPAIAN = review.CAPAIAN


def achievement_moves(
    items: pd.DataFrame, acts: pd.DataFrame, rules: Rules, targets: dict[str, float]
) -> list[dict[str, float]]:
    """For each review item, the achievement of the action it can move and by how much (a
    ratio: 0.6 is 60 points), were it decided otherwise than by default (docs/angka.md,
    section 8): a value excluded with the columns excluded with it, a merged pair counted
    apart. Computed from each action's sums, with the item's row taken out or put in."""
    if items.empty or acts.empty:
        return [{} for _ in range(len(items))]
    sums = _action_sums(acts, rules, targets)
    if not sums:
        return [{} for _ in range(len(items))]
    joined = review.together(rules)
    # each action's sums as columns: matrix, rate, real, n_real, paired_target, paired_real
    base = np.array(list(sums.values()))
    action = {code: i for i, code in enumerate(sums)}
    pos = items["pos"].to_numpy(dtype=int)
    p = np.maximum(pos, 0)
    codes = acts["kode_aksi"].to_numpy()[p]
    a = pd.Series(codes).map(action).to_numpy(dtype=float)
    unit = acts["satuan_sesuai"].to_numpy(dtype=bool)[p]
    counted = ~acts["duplikat"].to_numpy(dtype=bool)[p]
    target = pd.to_numeric(acts["target"], errors="coerce").to_numpy(dtype=float)[p]
    real = pd.to_numeric(acts["realisasi"], errors="coerce").to_numpy(dtype=float)[p]
    value = (items["kind"] == review.VALUE).to_numpy()
    gone = {c: joined[c] | {c} for c in items["column"].dropna().unique()} if "column" in items else {}
    column = items["column"] if "column" in items else pd.Series("", index=items.index)
    gone_t = column.map(lambda c: "target" in gone.get(c, ())).to_numpy(dtype=bool)
    gone_r = column.map(lambda c: "realisasi" in gone.get(c, ())).to_numpy(dtype=bool)
    apart = np.array(["kegiatan_unik" in m for m in items["moves"]], dtype=bool) & ~value
    # a value (and its partners) taken out of a counted row; a merged pair apart: the row merged
    # away counted on its own; a pair apart merged: one of its rows no longer counted
    moves = (pos >= 0) & unit & ~np.isnan(a) & np.where(value, counted & (gone_t | gone_r), apart | counted)
    r = np.where(value & ~gone_r, np.nan, real)
    kept_real, paired = np.nan_to_num(r), target > 0
    sign = np.where(apart, 1.0, -1.0)
    before = base[np.where(moves, a, 0).astype(int)]
    after = before.copy()
    after[:, 2] += sign * kept_real
    after[:, 3] += sign * ~np.isnan(r)
    after[:, 4] += sign * np.where(paired & (~value | gone_t), target, 0.0)
    after[:, 5] += sign * np.where(paired, kept_real, 0.0)
    move = np.abs(np.nan_to_num(_ratio(after)) - np.nan_to_num(_ratio(before)))  # to or from "not measurable": all
    return [
        {f"{CAPAIAN}{code}": m} if ok and m else {} for ok, code, m in zip(moves, codes, move.tolist(), strict=True)
    ]


def _ratio(s: np.ndarray) -> np.ndarray:
    """The achievement of rows of _action_sums: over the matrix target (a rate: the mean), else
    the paired realisation over the paired target; nan when neither can be measured."""
    matrix, rate, real, n, pt, pr = s.T
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(n > 0, real / np.where(n > 0, n, 1), 0.0)
        on_matrix = np.where(rate > 0, mean, real) / np.where(matrix > 0, matrix, 1)
        return np.where(matrix > 0, on_matrix, np.where(pt > 0, pr / np.where(pt > 0, pt, 1), np.nan))


def _action_sums(acts: pd.DataFrame, rules: Rules, targets: dict[str, float]) -> dict[str, list[float]]:
    """Each action's achievement as sums (docs/angka.md, section 4), to see what one row
    changes: matrix target, rate (1 or 0), realisation, rows with one, and the paired target
    and realisation (a mean back to its sum)."""
    m = measure(acts, rules, ["kode_aksi"]).set_index("kode_aksi")
    counted = acts["satuan_sesuai"].astype(bool) & ~acts["duplikat"].astype(bool)
    real = once(acts, "realisasi").where(counted)
    n_real = real.notna().groupby(acts["kode_aksi"]).sum()
    rates = {u.casefold() for u in rules.report.mean_units}
    out = {}
    for fa in rules.actions:
        if fa.code not in m.index:
            continue
        row, rate = m.loc[fa.code], fa.action.unit.casefold() in rates
        n = int(n_real.get(fa.code, 0))
        total = row["realisasi_matriks"] * n if rate else row["realisasi_matriks"]
        paired_n = row["berpasangan"] or 1
        out[fa.code] = [
            float(np.nan_to_num(targets.get(fa.code) or 0)), float(rate), float(np.nan_to_num(total)), float(n),
            float(np.nan_to_num(row["target"] * (paired_n if rate else 1))),
            float(np.nan_to_num(row["realisasi"] * (paired_n if rate else 1))),
        ]  # fmt: skip
    return out


def provisional_achievement(items: pd.DataFrame, c: Consolidation, rules: Rules, share: float):
    """The achievements undecided items can move by more than `share` (as points: 0.05 is 5),
    with by how much: of the actions (code -> move), and of the top level's groups (the mean
    of its actions', each capped like the figure)."""
    if items.empty:
        return {}, {}
    undecided = items[
        items["state"].isin(review.UNDECIDED) & ((items["kind"] == review.VALUE) | items["default_moves"])
    ]
    moved: dict[str, float] = {}
    seen: set[tuple[str, int]] = set()
    for pos, moves in zip(undecided["pos"], undecided["moves"], strict=True):  # not itertuples: 50 columns
        for key, value in moves.items():
            if key.startswith(CAPAIAN) and (key, pos) not in seen:
                seen.add((key, pos))
                moved[key[len(CAPAIAN) :]] = moved.get(key[len(CAPAIAN) :], 0.0) + value
    cap = rules.report.action_cap
    pillar_of = c.by_action.set_index("kode_aksi")["level0_code"]
    measured = c.by_level[0].set_index("level0_code")["aksi_terukur"]
    pillars: dict[str, float] = {}
    for code, value in moved.items():
        p = pillar_of[code]
        pillars[p] = pillars.get(p, 0.0) + min(value, cap) / max(int(measured.get(p, 0)), 1)
    actions = {k: v for k, v in sorted(moved.items()) if v > share}
    return actions, {k: v for k, v in sorted(pillars.items()) if v > share}


def _figures(acts: pd.DataFrame) -> dict[str, float]:
    """The headline sums a review item can move."""
    unique = acts.loc[~acts["duplikat"]] if len(acts) else acts
    return {
        "kegiatan_unik": float(len(unique)),
        "peserta": float(acts["jumlah_peserta"].sum()) if len(acts) else 0.0,
        "peserta_unik": float(once(acts, "jumlah_peserta").sum()) if len(acts) else 0.0,
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
    x = df.assign(unik=~df["duplikat"], peserta_unik=once(df, "jumlah_peserta").fillna(0), **_budget_pairs(df))
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
            "realisasi_tanpa_pagu": g["realisasi_tanpa_pagu"].sum(),
        }
    )
    paired = g[["pagu_berpasangan", "realisasi_berpasangan"]].sum()
    out["serapan"] = absorption(paired["pagu_berpasangan"], paired["realisasi_berpasangan"])
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
    "realisasi_tanpa_pagu",
    "serapan",
]


def once(acts: pd.DataFrame, column: str) -> pd.Series:
    """`column` with every duplicate cluster counted once (docs/angka.md, section 2): on the
    row kept, the cluster's first value in its order (`_urutan`: the kept row's, else the
    next row's that has one, say when the kept row's was excluded; for a target or a
    realisation, only a row of the kept row's action in its unit); nothing on the cluster's
    other rows. Rows outside a cluster keep their value."""
    values = pd.to_numeric(acts[column], errors="coerce").astype("float64").to_numpy(copy=True)
    cluster = acts["klaster"].to_numpy(dtype=np.int64) if "klaster" in acts else np.zeros(len(acts), np.int64)
    inside = cluster > 0
    if inside.any():
        order = acts["_urutan"].to_numpy() if "_urutan" in acts else np.arange(len(acts))
        if column in MEASURED:  # another action's (or unit's) target is no target of this one
            alike = (acts["kode_aksi"] == kept_action(acts)).to_numpy() & acts["satuan_sesuai"].to_numpy(dtype=bool)
            values[inside & ~alike & acts["duplikat"].to_numpy(dtype=bool)] = np.nan
        members = pd.DataFrame({"c": cluster[inside], "o": order[inside], "v": values[inside]})
        first = members.sort_values(["c", "o"], kind="stable").groupby("c")["v"].first()  # the first value there is
        kept = inside & ~acts["duplikat"].to_numpy(dtype=bool)
        values[inside] = np.nan
        values[kept] = first.reindex(cluster[kept]).to_numpy()
    return pd.Series(values, index=acts.index)


MEASURED = ("target", "realisasi")  # the columns an achievement is made of


def kept_action(acts: pd.DataFrame) -> pd.Series:
    """Each row's action as its cluster counts it: the kept row's (docs/angka.md, section 2)."""
    if "klaster" not in acts or not (acts["klaster"] > 0).any():
        return acts["kode_aksi"]
    kept = acts[(acts["klaster"] > 0) & ~acts["duplikat"].astype(bool)]
    code = acts["klaster"].map(kept.set_index("klaster")["kode_aksi"])
    return code.where(acts["klaster"] > 0, acts["kode_aksi"])


def _budget_pairs(df: pd.DataFrame) -> dict[str, pd.Series]:
    """Budget absorption's pairs (docs/angka.md, section 3): a row's budget with its own
    realised budget (blank 0); a realised budget without a budget is counted apart."""
    budget, spent = (
        pd.to_numeric(df[c], errors="coerce").astype("float64") for c in ["anggaran", "realisasi_anggaran"]
    )
    paired = budget > 0
    return {
        "pagu_berpasangan": budget.where(paired, 0),
        "realisasi_berpasangan": spent.fillna(0).where(paired, 0),
        "realisasi_tanpa_pagu": spent.notna() & ~paired,
    }


def absorption(budget, spent):
    """Realised budget over budget, of the pairs; none without a budget."""
    return (spent / budget).where(budget > 0) if isinstance(budget, pd.Series) else (spent / budget if budget else None)


MEASURE_COLUMNS = ["target", "realisasi", "realisasi_matriks", "baris_sendiri", "baris_satuan", "berpasangan",
                   "tanpa_target", "satuan_berbeda"]  # fmt: skip


def measure(acts: pd.DataFrame, rules: Rules, by: list[str], as_reported: bool = False) -> pd.DataFrame:
    """Target and realisation of groups of rows of one action each (`by` holds kode_aksi), as
    docs/angka.md section 4 counts them: the rows in the action's unit, each duplicate cluster
    once (`as_reported`: every row, for an agency's own figures). `realisasi_matriks`: against
    the matrix target, summed (blank 0); `target`, `realisasi`: the agencies' basis, the rows
    with a target and their own realisation (blank 0); either averaged for a rate unit
    (report.yaml mean_units). Also the rows counted (`baris_sendiri`: one per cluster), those
    in the action's unit (`baris_satuan`), in another unit (`satuan_berbeda`), with a target
    (`berpasangan`), and with a realisation and no target (`tanpa_target`)."""
    if acts.empty:
        return pd.DataFrame(columns=[*by, *MEASURE_COLUMNS])
    rates = {u.casefold() for u in rules.report.mean_units}
    unit = acts["satuan_sesuai"].astype(bool)
    own = acts["kode_aksi"].notna() if as_reported or "duplikat" not in acts else ~acts["duplikat"].astype(bool)
    counted = unit & own  # one row per cluster (docs/angka.md, section 4): the kept row stands for it
    value = (lambda c: acts[c].astype("float64")) if as_reported else (lambda c: once(acts, c))
    target, real = value("target").where(counted), value("realisasi").where(counted)
    paired = counted & (target > 0)
    x = acts[by].assign(
        baris_sendiri=own,
        baris_satuan=counted,
        berpasangan=paired,
        tanpa_target=counted & real.notna() & ~paired,
        satuan_berbeda=~unit & own,
        real_sum=real.fillna(0).where(counted),
        real_mean=real,
        target_pair=target.where(paired),
        real_pair=real.fillna(0).where(paired),
        rate=acts["kode_aksi"].map({fa.code: fa.action.unit.casefold() in rates for fa in rules.actions}).astype(bool),
    )
    g = x.groupby(by, sort=False)
    out = g[["baris_sendiri", "baris_satuan", "berpasangan", "tanpa_target", "satuan_berbeda"]].sum()
    sums, means = (
        g[["real_sum", "target_pair", "real_pair"]].sum(min_count=1),
        g[["real_mean", "target_pair", "real_pair"]].mean(),
    )
    rated = g["rate"].first().to_numpy()
    out["realisasi_matriks"] = np.where(rated, means["real_mean"], sums["real_sum"])
    out["target"] = np.where(rated, means["target_pair"], sums["target_pair"])
    out["realisasi"] = np.where(rated, means["real_pair"], sums["real_pair"])
    return out.reset_index()


def achievement(target: pd.Series, real: pd.Series) -> pd.Series:
    return (real / target).where(target > 0)


def group_achievement(actions: pd.DataFrame, by: str, cap: float) -> pd.DataFrame:
    """A group's achievement: the mean of its actions' achievements, each capped at `cap`,
    and how many of its actions have one."""
    capped = actions["capaian"].clip(upper=cap)
    g = capped.groupby(actions[by], sort=False)
    return pd.DataFrame({"capaian": g.mean(), "aksi_terukur": g.count()})


def _catalogue_frame(rules: Rules, targets: dict[str, float] | None = None) -> pd.DataFrame:
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
            target_katalog=(targets or {}).get(fa.code, fa.action.target),
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


def by_action(acts: pd.DataFrame, rules: Rules, targets: dict[str, float] | None = None) -> pd.DataFrame:
    """Every action of the catalogue, in catalogue order; unreported actions have zeros.
    Achievement is against the matrix target where the action has one (nothing realised
    counts 0), otherwise against the agencies' stated targets; `dasar_capaian` says which."""
    statuses = rules.choices("list:status")
    figures = _metrics(acts, ["kode_aksi"], statuses)
    out = _catalogue_frame(rules, targets).merge(figures, on="kode_aksi", how="left")
    out = out.merge(measure(acts, rules, ["kode_aksi"]), on="kode_aksi", how="left")
    counts = ["satuan_berbeda", "baris_sendiri", "baris_satuan", "berpasangan", "tanpa_target", "realisasi_tanpa_pagu"]
    out = _zeros(out, [*statuses, *counts])
    matrix = (out["target_katalog"].fillna(0) > 0).to_numpy()
    reported = (out["baris_sendiri"] > 0).to_numpy()  # not the rows counted once in another action's cluster
    measurable = np.where(matrix, ~reported | (out["baris_satuan"] > 0), out["berpasangan"] > 0)
    on_matrix = achievement(out["target_katalog"], out["realisasi_matriks"].fillna(0))
    out["capaian"] = on_matrix.where(matrix, achievement(out["target"], out["realisasi"])).where(measurable)
    basis = np.where(matrix, t("consolidate.basis.matrix"), t("consolidate.basis.agencies"))
    out["dasar_capaian"] = np.where(measurable, basis, np.where(reported, t("consolidate.basis.unmeasurable"), ""))
    out["tanpa_target"] = out["tanpa_target"].where(~matrix, 0)  # against the matrix, every realisation counts
    out["target_dasar"] = out["target_katalog"].where(matrix, out["target"].where(measurable))
    out["realisasi"] = out["realisasi_matriks"].where(matrix, out["realisasi"]).where(measurable | matrix)
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
    units = rules.units(validation.agencies)
    for a in units:
        st = validation.agencies[a.code]
        assigned = [fa.code for fa, _ in rules.assigned_actions(a.code)]
        done = [c for c in assigned if c in covered.get(a.code, set())]
        rows.append(
            {
                "kode": a.code,
                "kl": a.short,
                "nama": a.name,
                "tingkat": t(f"units.level.{a.level}"),
                "provinsi": rules.province_name(a.province),
                "status": t(f"status.{st.state}"),
                "tepat_waktu": t("consolidate.late") if st.late else "" if st.missing else t("consolidate.on_time"),
                "terlambat_hari": st.days_late if st.late else None,
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
    figures = agency_figures(acts, rules, [a.code for a in units])
    pos = out.columns.get_loc("aksi_belum") + 1
    for i, k in enumerate(("kegiatan", "capaian", "serapan")):
        out.insert(pos + i, k, figures[k].to_numpy())
    return out


def agency_figures(acts: pd.DataFrame, rules: Rules, codes: list[str] | None = None) -> pd.DataFrame:
    """Activities, achievement and budget absorption per unit of `codes` (default: every
    unit of the rules), in that order. A unit's achievement is the mean over its actions of
    its realisation against its own targets, each capped like a pillar's."""
    codes = codes if codes is not None else [a.code for a in rules.agencies]
    figures = _metrics(acts, ["_agency"], rules.choices("list:status")).set_index("_agency")
    out = figures.reindex(codes)[["kegiatan", "serapan"]].fillna({"kegiatan": 0}).astype({"kegiatan": "int64"})
    own = measure(acts, rules, ["_agency", "kode_aksi"], as_reported=True)
    if len(own):
        own["capaian"] = achievement(own["target"], own["realisasi"]).where(own["berpasangan"] > 0)
        out["capaian"] = group_achievement(own, "_agency", rules.report.action_cap)["capaian"].reindex(codes)
    else:
        out["capaian"] = np.nan
    return out[["kegiatan", "capaian", "serapan"]].rename_axis("kode").reset_index()


def by_province(acts: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """Per place of the province list: activities as reported, counted once (a duplicate's
    kept row only; docs/angka.md, section 11), and of those, the K/L's, the province
    government's and its kab/kota governments' (LEVELS order), the units reporting there and
    the participants."""
    places = pd.DataFrame({"provinsi": rules.choices("provinces")})
    codes = {p.name: p.kemendagri for p in rules.provinces.provinces}
    places.insert(0, "kode_kemendagri", places["provinsi"].map(codes).fillna(""))
    per_level = [f"kegiatan_{level}" for level in LEVELS]
    if acts.empty:
        return places.assign(kegiatan=0, kegiatan_unik=0, **dict.fromkeys(per_level, 0), kl=0, peserta=0.0)
    level = acts["_agency"].map({a.code: a.level for a in rules.agencies}).fillna("kl")
    unique = acts.assign(unik=~acts["duplikat"], tingkat=level)
    g = unique.groupby("provinsi")
    figures = pd.DataFrame(
        {
            "kegiatan": g.size(),
            "kegiatan_unik": g["unik"].sum(),
            **{f"kegiatan_{lv}": unique[unique["unik"] & (level == lv)].groupby("provinsi").size() for lv in LEVELS},
            "kl": g["_agency"].nunique(),
            "peserta": g["jumlah_peserta"].sum().astype("float64"),
        }
    )
    return _zeros(places.merge(figures, left_on="provinsi", right_index=True, how="left"), per_level)


def completeness(acts: pd.DataFrame, rules: Rules, units=None) -> pd.DataFrame:
    """Units (those of `units`, default all) x actions: role (PJ lead / P support, a region's
    mapped actions as support) and whether any activity was accepted."""
    codes = [fa.code for fa in rules.actions]
    reported = set(zip(acts["_agency"], acts["kode_aksi"], strict=True)) if len(acts) else set()
    lead = rules.lists.lists["peran"].values[0]
    grid = {}
    for a in rules.units(units) if units is not None else rules.agencies:
        roles = {fa.code: "lead" if role == lead else "support" for fa, role in rules.assigned_actions(a.code)}
        row = {}
        for fa in rules.actions:
            role = roles.get(fa.code, "none")
            row[fa.code] = t(f"consolidate.matrix.{role}_{'yes' if (a.code, fa.code) in reported else 'no'}")
        grid[a.short] = row
    return pd.DataFrame.from_dict(grid, orient="index", columns=codes)


OVERLAP_SIDE = ["kl", "id_kegiatan", "kode_aksi", "nama_kegiatan", "provinsi", "kabupaten_kota", "kode_kabupaten_kota",
                "tanggal_mulai"]  # fmt: skip


def overlap_table(c: Consolidation) -> pd.DataFrame:
    """The pairs with both rows side by side and the reasons in words. Each row is told by
    what places the pair (agency, action, name, place, start) and its activity id, under
    which the Kegiatan sheet has the whole row and the review workbook its file and row:
    agencies reporting thousands of alike activities give hundreds of thousands of pairs."""
    acts = c.activities
    cols = OVERLAP_SIDE
    if "kode_kabupaten_kota" not in acts:  # a period stored before kab/kota codes were kept
        acts = acts.assign(kode_kabupaten_kota=None)
    if c.overlaps.empty:
        head = ["jenis", "klaster", "skor", "alasan", "saran", "item"]
        return pd.DataFrame(columns=[*head, *[f"a_{k}" for k in cols], *[f"b_{k}" for k in cols]])
    p = c.overlaps
    flags = (("same_regency", "regency"), ("dates_overlap", "dates"), ("same_target_group", "group"),
             ("partner_named", "partner"), ("rollup", "rollup"))  # fmt: skip
    flags = [f for f in flags if f[0] in p]  # a period stored before roll-ups has no such column
    sim = p["name_similarity"].round().to_numpy(dtype=np.int64)
    key = sim << len(flags)  # the similarity and the flags in one number: their reasons in words once per number
    for bit, (f, _) in enumerate(flags):
        key |= p[f].fillna(False).to_numpy(dtype=bool).astype(np.int64) << bit
    combos, each = pd.factorize(key)
    words = [
        "; ".join([t("consolidate.reason.name", sim=k >> len(flags))]
                  + [t(f"consolidate.reason.{name}") for bit, (_, name) in enumerate(flags) if k >> bit & 1])
        for k in each.tolist()
    ]  # fmt: skip
    reasons = pd.Series(np.asarray(words, dtype=object)[combos], index=p.index)
    kind = told_kind(p["kind"], p)
    kinds = {k: t(f"consolidate.kind.{k}") for k in kind.unique()}
    advice = {k: t(f"consolidate.advice.{k}") for k in kind.unique()}
    cluster = p["cluster"].astype("Int64").where(p["cluster"] > 0)  # the merged group, counted once
    out = pd.DataFrame(
        {"jenis": kind.map(kinds), "klaster": cluster, "skor": p["score"], "alasan": reasons,
         "saran": kind.map(advice), "item": p["item"]}
    )  # fmt: skip
    a = acts.loc[p["a"].to_numpy(), cols].reset_index(drop=True).add_prefix("a_")
    b = acts.loc[p["b"].to_numpy(), cols].reset_index(drop=True).add_prefix("b_")
    return pd.concat([out.reset_index(drop=True), a, b], axis=1)


def _headline_absorption(acts: pd.DataFrame) -> dict:
    pairs = {k: v.sum() for k, v in _budget_pairs(acts).items()} if len(acts) else {}
    return {
        "serapan": absorption(float(pairs.get("pagu_berpasangan", 0)), float(pairs.get("realisasi_berpasangan", 0))),
        "realisasi_tanpa_pagu": int(pairs.get("realisasi_tanpa_pagu", 0)),
    }


def headline(c: Consolidation, validation: Validation) -> dict:
    """The figures of the summary's first sheet and the report's executive summary."""
    acts = c.activities
    kl = [a for a in validation.agencies.values() if a.level == "kl"]  # the regions: analysis/levels.py
    states = pd.Series([a.state for a in kl])
    late = sum(1 for a in kl if a.late)
    received = states.isin(REPORTED).sum()
    return {
        "kl_total": len(kl),
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
        "peserta_unik": float(once(acts, "jumlah_peserta").sum()) if len(acts) else 0.0,
        "anggaran": float(acts["anggaran"].sum()) if len(acts) else 0.0,
        "realisasi_anggaran": float(acts["realisasi_anggaran"].sum()) if len(acts) else 0.0,
        **_headline_absorption(acts),
        **validation.row_counts(),
    }
