"""Find where agencies report the same activity twice, or overlapping work.

Candidate pairs are rows of different agencies inside one block (rows sharing the
`block_by` columns of rules/overlap.yaml); names are compared with rapidfuzz's cdist per
block, so 100,000 activities compare in seconds.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from .rules import Rules

DUPLICATE, OVERLAP = "likely-duplicate", "overlapping-work"


def fold(text: object) -> str:
    """Lower case, accents removed, punctuation to spaces: what the name comparison sees."""
    s = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in s).split())


def find_overlaps(activities: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """One row per pair (index positions `a` < `b` into `activities`), with kind, score and reasons."""
    cfg = rules.overlap
    cols = ["a", "b", "kind", "score", "name_similarity", "same_regency", "dates_overlap", "same_target_group"]
    if activities.empty:
        return pd.DataFrame(columns=cols)
    df = activities.reset_index(drop=True)
    names = df[cfg.name_column].map(fold).to_numpy()
    start = pd.to_datetime(df["tanggal_mulai"]).to_numpy()
    end = pd.to_datetime(df["tanggal_selesai"].where(df["tanggal_selesai"].notna(), df["tanggal_mulai"])).to_numpy()
    regency = df["kabupaten_kota"].map(fold).to_numpy()
    group = df["sasaran"].fillna("").to_numpy()
    agency = df["_agency"].to_numpy()
    parts = []
    for _, idx in df.groupby(cfg.block_by, sort=True, dropna=False).indices.items():
        if len(idx) < 2 or len(set(agency[idx])) < 2:
            continue
        sim = cdist(names[idx], names[idx], scorer=getattr(fuzz, cfg.scorer), workers=-1)
        i, j = np.triu_indices(len(idx), k=1)
        a, b = idx[i], idx[j]
        keep = agency[a] != agency[b]
        parts.append((a[keep], b[keep], sim[i[keep], j[keep]]))
    if not parts:
        return pd.DataFrame(columns=cols)
    a = np.concatenate([p[0] for p in parts])
    b = np.concatenate([p[1] for p in parts])
    sim = np.concatenate([p[2] for p in parts]).astype(float)
    gap = np.maximum(start[a], start[b]) - np.minimum(end[a], end[b])
    gap_days = gap / np.timedelta64(1, "D")
    dates = gap_days <= 0
    both = (regency[a] != "") & (regency[b] != "")
    same_regency = both & (regency[a] == regency[b])
    regency_ok = same_regency | ~both
    same_group = (group[a] == group[b]) & (group[a] != "")
    w = cfg.weights
    score = (w.name * sim / 100 + w.regency * same_regency + w.dates * dates + w.target_group * same_group).round(3)
    dup = sim >= cfg.duplicate.min_name_similarity
    if cfg.duplicate.require_dates_overlap:
        dup &= dates
    if cfg.duplicate.require_same_regency:
        dup &= regency_ok
    work = (
        ~dup & (gap_days <= cfg.overlap.max_gap_days) & (same_regency | same_group) & (score >= cfg.overlap.min_score)
    )
    out = pd.DataFrame(
        {
            "a": a,
            "b": b,
            "kind": np.where(dup, DUPLICATE, OVERLAP),
            "score": score,
            "name_similarity": sim.round(1),
            "same_regency": same_regency,
            "dates_overlap": dates,
            "same_target_group": same_group,
        }
    )
    out = out[dup | work]
    return out.sort_values(["kind", "score", "a", "b"], ascending=[True, False, True, True]).reset_index(drop=True)


def strongest(pairs: pd.DataFrame, k: int) -> pd.DataFrame:
    """The pairs among the k strongest of either of their activities (duplicates before
    overlapping work): the list stays proportional to the activities however many agencies
    work at one place. Totals merge duplicates over all pairs, not just these."""
    if pairs.empty:
        return pairs
    rank_key = pairs["score"] + (pairs["kind"] == DUPLICATE)
    rank_a = rank_key.groupby(pairs["a"]).rank(method="first", ascending=False)
    rank_b = rank_key.groupby(pairs["b"]).rank(method="first", ascending=False)
    return pairs[(rank_a <= k) | (rank_b <= k)].reset_index(drop=True)


def duplicate_rows(activities: pd.DataFrame, pairs: pd.DataFrame, rules: Rules) -> pd.Series:
    """True for rows to leave out of 'counted once' totals: in each group of likely duplicates,
    every row but one (the lead agency's when there is one, else the first)."""
    df = activities.reset_index(drop=True)
    parent = list(range(len(df)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs.loc[pairs["kind"] == DUPLICATE, ["a", "b"]].itertuples(index=False):
        parent[root(int(b))] = root(int(a))
    lead_role = rules.lists.lists["peran"].values[0]
    roots = pd.Series([root(i) for i in range(len(df))])
    is_lead = (df["peran"] == lead_role).astype(int)
    order = pd.DataFrame({"root": roots, "lead": -is_lead, "pos": range(len(df))}).sort_values(["root", "lead", "pos"])
    keep = order.groupby("root")["pos"].transform("first") == order["pos"]
    return (~keep).reindex(range(len(df))).to_numpy()
