"""Find where agencies report the same activity twice, or overlapping work.

Candidate pairs are rows of different agencies inside one block (rows sharing the
`block_by` columns of rules/overlap.yaml); names are compared with rapidfuzz's cdist per
block, so 100,000 activities compare in seconds.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from ..core.rules import Rules

DUPLICATE, OVERLAP = "likely-duplicate", "overlapping-work"


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")  # after the ASCII folding and lower case: what isalnum() is not


def fold(text: object) -> str:
    """Lower case, accents removed, punctuation to spaces: what the name comparison sees."""
    s = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower()
    return " ".join(_NOT_ALNUM.sub(" ", s).split())


COLUMNS = ["a", "b", "kind", "score", "name_similarity", "same_regency", "dates_overlap", "same_target_group"]
BATCH = 500_000  # candidate pairs scored at a time: memory stays bounded however big the blocks


def find_overlaps(activities: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """One row per pair (index positions `a` < `b` into `activities`), with kind, score and reasons."""
    cfg = rules.overlap
    if activities.empty:
        return pd.DataFrame(columns=COLUMNS)
    df = activities.reset_index(drop=True)
    names = df[cfg.name_column].map(fold).to_numpy()
    agency = pd.factorize(df["_agency"])[0]
    signals = _Signals(df)
    scorer = getattr(fuzz, cfg.scorer)
    found, batch, size = [], [], 0
    for _, idx in df.groupby(cfg.block_by, sort=True, dropna=False).indices.items():
        if len(idx) < 2 or len(set(agency[idx])) < 2:
            continue
        sim = cdist(names[idx], names[idx], scorer=scorer, workers=-1)
        i, j = np.triu_indices(len(idx), k=1)
        keep = agency[idx[i]] != agency[idx[j]]
        i, j = i[keep], j[keep]
        batch.append((idx[i], idx[j], sim[i, j]))
        size += len(i)
        if size >= BATCH:
            found.append(signals.pairs(batch, cfg))
            batch, size = [], 0
    if batch:
        found.append(signals.pairs(batch, cfg))
    if not found:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(found, ignore_index=True)
    return out.sort_values(["kind", "score", "a", "b"], ascending=[True, False, True, True]).reset_index(drop=True)


class _Signals:
    """What decides a pair besides the names, as compact arrays (codes, not strings)."""

    def __init__(self, df: pd.DataFrame) -> None:
        self.start = pd.to_datetime(df["tanggal_mulai"]).to_numpy()
        self.end = pd.to_datetime(df["tanggal_selesai"].where(df["tanggal_selesai"].notna(), df["tanggal_mulai"]))
        self.end = self.end.to_numpy()
        self.regency = _codes(df["kabupaten_kota"].map(fold))
        self.group = _codes(df["sasaran"].fillna("").astype(str))

    def pairs(self, batch: list[tuple], cfg) -> pd.DataFrame:
        """Score candidate pairs and keep the duplicates and overlapping work."""
        a = np.concatenate([p[0] for p in batch])
        b = np.concatenate([p[1] for p in batch])
        sim = np.concatenate([p[2] for p in batch]).astype(float)
        gap_days = (np.maximum(self.start[a], self.start[b]) - np.minimum(self.end[a], self.end[b])) / np.timedelta64(
            1, "D"
        )
        dates = gap_days <= 0
        ra, rb = self.regency[a], self.regency[b]
        both = (ra >= 0) & (rb >= 0)
        same_regency = both & (ra == rb)
        regency_ok = same_regency | ~both
        same_group = (self.group[a] == self.group[b]) & (self.group[a] >= 0)
        w = cfg.weights
        score = (w.name * sim / 100 + w.regency * same_regency + w.dates * dates + w.target_group * same_group).round(3)
        dup = sim >= cfg.duplicate.min_name_similarity
        if cfg.duplicate.require_dates_overlap:
            dup &= dates
        if cfg.duplicate.require_same_regency:
            dup &= regency_ok
        work = (
            ~dup
            & regency_ok  # the same place: two named regencies must be one
            & (gap_days <= cfg.overlap.max_gap_days)
            & (same_regency | same_group)
            & (score >= cfg.overlap.min_score)
        )
        k = dup | work
        return pd.DataFrame(
            {
                "a": a[k],
                "b": b[k],
                "kind": np.where(dup[k], DUPLICATE, OVERLAP),
                "score": score[k],
                "name_similarity": sim[k].round(1),
                "same_regency": same_regency[k],
                "dates_overlap": dates[k],
                "same_target_group": same_group[k],
            }
        )


def _codes(values: pd.Series) -> np.ndarray:
    """Integer code per value, -1 for blank."""
    codes, _ = pd.factorize(values.where(values != "", None))
    return codes


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
