"""Find where agencies report the same activity twice, a joint activity, or overlapping work.

Candidate pairs are rows of different agencies that one of the blocking rules of
rules/overlap.yaml puts together (same action and province; same province within days;
same regency within a week ...): the union of their pairs, each scored once, so the work
grows with the block sizes, not with the square of all activities. Names are compared
after `ActivityNames` normalised them, with rapidfuzz's cpdist (one call per batch of
pairs); rows whose batch numbers differ are never duplicates. A pair that is no likely
duplicate, of one day and one regency, one row's partner column naming the other's agency,
is a candidate joint activity, whatever its actions and names: offered for review, counted
once only when the secretariat decides so. Places are compared folded with the names'
abbreviations expanded ("Kab. Poso" is "Kabupaten Poso").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.process import cdist, cpdist

from ..core.rules import Rules
from .activity_names import ActivityNames, agencies_named, batches_differ, fold_places

DUPLICATE, JOINT, OVERLAP = "likely-duplicate", "joint-activity", "overlapping-work"
ROLLUP = "rollup"  # how a likely duplicate that is a province's roll-up is told (`told_kind`)
RANK = {DUPLICATE: 2, JOINT: 1, OVERLAP: 0}  # which kind of pair an activity's list holds first

COLUMNS = ["a", "b", "kind", "score", "name_similarity", "same_regency", "dates_overlap", "same_target_group",
           "partner_named", "rollup"]  # fmt: skip
BATCH = 500_000  # candidate pairs scored at a time: memory stays bounded however many there are
THREADED = 200  # distinct names in a block from which cdist runs on every core
DENSE = 20_000_000  # pairs of distinct names marked in a table (of as many bytes) rather than sorted


def find_overlaps(activities: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """One row per pair (index positions `a` < `b` into `activities`), with kind, score and reasons."""
    cfg = rules.overlap
    if activities.empty:
        return pd.DataFrame(columns=COLUMNS)
    df = activities.reset_index(drop=True)
    names, batches = ActivityNames(rules).normalise(df[cfg.name_column], df["provinsi"], df["kabupaten_kota"])
    signals = _Signals(df, batches, rules)
    a, b, sim = candidates(df, names, rules)
    found = [
        signals.pairs(a[k : k + BATCH], b[k : k + BATCH], sim[k : k + BATCH], cfg) for k in range(0, len(a), BATCH)
    ]
    if not found:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(found, ignore_index=True)
    return out.sort_values(["kind", "score", "a", "b"], ascending=[True, False, True, True]).reset_index(drop=True)


def candidates(df: pd.DataFrame, names: np.ndarray, rules: Rules) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs (a < b) of rows of different agencies that any blocking rule puts together,
    each once, with their name similarity. A rule without a date window compares its blocks
    whole (rapidfuzz's cdist on the block's distinct names); the pairs of the windowed rules
    that no such block holds are compared pair by pair (cpdist), each distinct pair of names
    once: agencies reporting alike activities repeat a few hundred names thousands of times."""
    agency = pd.factorize(df["_agency"])[0]
    day = (pd.to_datetime(df["tanggal_mulai"]) - pd.Timestamp("2000-01-01")).dt.days.to_numpy(dtype=float)
    scorer = getattr(fuzz, rules.overlap.scorer)
    word, distinct = pd.factorize(names)  # each row's name as the number of its distinct name
    distinct = np.asarray(distinct, dtype=object)
    whole = [r for r in rules.overlap.blocking if r.within_days is None]
    codes = [_group_codes(df, r.by, rules) for r in whole]
    parts, windowed = [], []
    for k in range(len(whole)):
        for idx in _blocks(codes[k], agency):
            i, j = np.triu_indices(len(idx), k=1)
            keep = (agency[idx[i]] != agency[idx[j]]) & ~_held(codes[:k], idx[i], idx[j])
            i, j = i[keep], j[keep]
            used, at = np.unique(word[idx], return_inverse=True)  # the block's distinct names
            threads = -1 if len(used) > THREADED else 1  # a thread pool costs more than a small block's work
            sim = cdist(distinct[used], distinct[used], scorer=scorer, workers=threads)
            parts.append((idx[i], idx[j], sim[at[i], at[j]]))
    near = [r for r in rules.overlap.blocking if r.within_days is not None]
    near_codes = [_group_codes(df, r.by, rules) for r in near]
    for k, rule in enumerate(near):  # each pair once: not one an earlier rule already holds
        for idx in _blocks(near_codes[k], agency):
            a, b = _window(idx, day, rule.within_days)
            keep = (agency[a] != agency[b]) & ~_held(codes, a, b)
            keep &= ~_held(near_codes[:k], a, b, day, [r.within_days for r in near[:k]])
            windowed.append((np.minimum(a, b)[keep], np.maximum(a, b)[keep]))
    if windowed:
        a, b = (np.concatenate([w[x] for w in windowed]) for x in range(2))
        parts.append((a, b, _similarity(word[a], word[b], distinct, scorer)))
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    return tuple(np.concatenate([p[x] for p in parts]) for x in range(3))


def _similarity(x: np.ndarray, y: np.ndarray, distinct: np.ndarray, scorer) -> np.ndarray:
    """The scorer of the names numbered `x` and `y` (into `distinct`), pair by pair, each
    distinct (x, y) once."""
    m = len(distinct)
    pair, back = _distinct_inverse(x.astype(np.int64) * m + y, m * m)
    a, b = pair // m, pair % m
    sims = [cpdist(distinct[a[k : k + BATCH]], distinct[b[k : k + BATCH]], scorer=scorer, workers=-1)
            for k in range(0, len(a), BATCH)]  # fmt: skip
    return np.concatenate(sims)[back] if sims else np.zeros(0, dtype=np.float32)


def _distinct_inverse(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of `keys` (0 <= key < size), sorted, and each key's position among
    them: by a table of every possible key when there are few, else by sorting (np.unique's
    hashing is far slower on millions of large integers)."""
    if size <= DENSE:
        seen = np.zeros(size, dtype=bool)
        seen[keys] = True
        distinct = np.flatnonzero(seen)
        return distinct, np.searchsorted(distinct, keys)
    order = np.argsort(keys, kind="stable")
    ranked = keys[order]
    new = np.r_[True, ranked[1:] != ranked[:-1]] if len(keys) else np.zeros(0, dtype=bool)
    back = np.empty(len(keys), dtype=np.int64)
    back[order] = np.cumsum(new) - 1
    return ranked[new], back


def _group_codes(df: pd.DataFrame, by: list[str], rules: Rules) -> np.ndarray:
    """One integer per distinct combination of the `by` values, folded with the names'
    abbreviations expanded ("Kab. Poso" is "Kabupaten Poso"); -1 where one is blank."""
    keys = pd.DataFrame({c: _places(df, c, rules) for c in by})
    codes = pd.MultiIndex.from_frame(keys).factorize()[0] if len(by) > 1 else pd.factorize(keys[by[0]])[0]
    return np.where((keys != "").all(axis=1).to_numpy(), codes, -1)


def _places(df: pd.DataFrame, column: str, rules: Rules) -> np.ndarray:
    """A column's values as places to compare: a kab/kota by its Kemendagri code (the
    normaliser's `kode_<column>`) where it has one, else its text folded with the names'
    abbreviations expanded ("" where blank)."""
    folded = fold_places(df[column], rules)
    code = f"kode_{column}"
    if code not in df:
        return folded
    known = df[code].notna().to_numpy() & (df[code] != "").to_numpy()
    return np.where(known, df[code].astype(object).to_numpy(), folded)


def _blocks(codes: np.ndarray, agency: np.ndarray):
    """The rows of each block (code >= 0) that holds rows of at least two agencies."""
    order = np.argsort(codes, kind="stable")
    order = order[codes[order] >= 0]
    cuts = np.flatnonzero(np.diff(codes[order])) + 1
    for idx in np.split(order, cuts):
        if len(idx) > 1 and (agency[idx] != agency[idx[0]]).any():
            yield idx


def _held(codes: list[np.ndarray], a: np.ndarray, b: np.ndarray, day=None, within=()) -> np.ndarray:
    """Whether a rule already compares each pair (a, b): a whole-block rule's, or with `day`
    the windowed rules' of `within` days."""
    held = np.zeros(len(a), dtype=bool)
    for c, days in zip(codes, within or [None] * len(codes), strict=True):
        same = (c[a] == c[b]) & (c[a] >= 0)
        held |= same if days is None else same & (np.abs(day[a] - day[b]) <= days)
    return held


def _window(rows: np.ndarray, day: np.ndarray, days: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of `rows` whose start days are at most `days` apart (rows without a date: none)."""
    rows = rows[np.isfinite(day[rows])]
    rows = rows[np.argsort(day[rows], kind="stable")]
    t = day[rows]
    last = np.searchsorted(t, t + days, side="right")
    counts = last - np.arange(len(rows)) - 1
    first = np.repeat(np.arange(len(rows)), counts)
    step = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return rows[first], rows[first + 1 + step]


class _Signals:
    """What decides a pair besides the names, as compact arrays (codes, not strings)."""

    def __init__(self, df: pd.DataFrame, batches: np.ndarray, rules: Rules) -> None:
        self.batch = pd.factorize(batches)[0]
        self.batches_differ = batches_differ(batches)
        self.start = pd.to_datetime(df["tanggal_mulai"]).to_numpy()
        self.end = pd.to_datetime(df["tanggal_selesai"].where(df["tanggal_selesai"].notna(), df["tanggal_mulai"]))
        self.end = self.end.to_numpy()
        self.regency = _codes(pd.Series(_places(df, "kabupaten_kota", rules)))
        self.group = _codes(df["sasaran"].fillna("").astype(str))
        self.action = _codes(df["kode_aksi"].fillna("").astype(str))
        joint = rules.overlap.joint
        self.agency = df["_agency"].map({a.code: k for k, a in enumerate(rules.agencies)}).to_numpy(dtype=int)
        texts = df[joint.partner_column] if joint and joint.partner_column in df else pd.Series("", index=df.index)
        self.partners, self.named = agencies_named(texts, rules)  # the agencies each row's partner column names
        # a province government's rows carry its province as `parent`, a kab/kota government's as `child`
        regional = [u for u in rules.agencies if u.regional]
        province = _codes(df["_agency"].map({u.code: u.province for u in regional}).fillna(""))
        level = df["_agency"].map({u.code: u.level for u in regional}).to_numpy()
        self.parent = np.where(level == "provinsi", province, -1)
        self.child = np.where(level == "kabkota", province, -1)

    def pairs(self, a: np.ndarray, b: np.ndarray, sim: np.ndarray, cfg) -> pd.DataFrame:
        """Score candidate pairs and keep the duplicates, candidate joint activities and overlapping work."""
        sim = sim.astype(float)
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
        same_batch = ~self.batches_differ[self.batch[a], self.batch[b]]
        dup = (sim >= cfg.duplicate.min_name_similarity) & same_batch
        if cfg.duplicate.require_dates_overlap:
            dup &= dates
        if cfg.duplicate.require_same_regency:
            dup &= regency_ok
        rollup = np.zeros(len(a), dtype=bool)
        if cfg.rollup:  # a province and one of its kab/kota, one event at one kab/kota
            pa, pb, ca, cb = self.parent[a], self.parent[b], self.child[a], self.child[b]
            family = ((pa >= 0) & (pa == cb)) | ((pb >= 0) & (pb == ca))
            rollup = family & same_regency & dates & same_batch & (sim >= cfg.rollup.min_name_similarity)
            dup |= rollup
        named, agency = self.named, self.agency
        partner = named[self.partners[a], agency[b]] | named[self.partners[b], agency[a]]  # one names the other
        days_apart = np.abs((self.start[a] - self.start[b]) / np.timedelta64(1, "D"))
        joint = ~dup & partner & same_regency & (days_apart <= (cfg.joint.max_gap_days if cfg.joint else -1))
        work = (
            ~dup
            & ~joint
            & (self.action[a] == self.action[b])  # overlapping work is one action's; duplicates need not be
            & regency_ok  # the same place: two named regencies must be one
            & (gap_days <= cfg.overlap.max_gap_days)
            & (same_regency | same_group)
            & (score >= cfg.overlap.min_score)
        )
        k = dup | joint | work
        return pd.DataFrame(
            {
                "a": a[k],
                "b": b[k],
                "kind": np.where(dup[k], DUPLICATE, np.where(joint[k], JOINT, OVERLAP)),
                "score": score[k],
                "name_similarity": sim[k].round(1),
                "same_regency": same_regency[k],
                "dates_overlap": dates[k],
                "same_target_group": same_group[k],
                "partner_named": partner[k],
                "rollup": rollup[k],
            }
        )


def _codes(values: pd.Series) -> np.ndarray:
    """Integer code per value, -1 for blank."""
    codes, _ = pd.factorize(values.where(values != "", None))
    return codes


def told_kind(kinds: pd.Series, pairs: pd.DataFrame) -> pd.Series:
    """The kinds of `pairs` as outputs tell them: a province's roll-up of its kab/kota's event
    ("rollup", flagged in `pairs`) apart from the other likely duplicates (a period stored
    before roll-ups has no flag)."""
    if "rollup" not in pairs:
        return kinds
    return kinds.where(~pairs["rollup"].fillna(False).astype(bool), ROLLUP)


def strongest(pairs: pd.DataFrame, k: int) -> np.ndarray:
    """Which pairs are among the k strongest of either of their activities (duplicates, then
    candidate joint activities, before overlapping work): the list stays proportional to the
    activities however many agencies work at one place. Totals merge duplicates over all
    pairs, not just these."""
    if pairs.empty:
        return np.zeros(0, dtype=bool)
    rank_key = pairs["score"] + pairs["kind"].map(RANK)
    rank_a = rank_key.groupby(pairs["a"]).rank(method="first", ascending=False)
    rank_b = rank_key.groupby(pairs["b"]).rank(method="first", ascending=False)
    return ((rank_a <= k) | (rank_b <= k)).to_numpy()


def priority(activities: pd.DataFrame, rules: Rules) -> np.ndarray:
    """The order in which the rows of a duplicate cluster are taken (docs/angka.md, section 2):
    the rows of an action's lead agency first, as the matrix lists them (its actions in order,
    each action's leads in order), then the others; within each, the rows' own order (agency
    code, file, row). The first is the row kept; the next ones give a value it lacks."""
    df = activities.reset_index(drop=True)
    ranks = {f"{agency}|{fa.code}": i * 1_000 + j for i, fa in enumerate(rules.actions)
             for j, agency in enumerate(fa.action.lead)}  # fmt: skip
    key = df["_agency"].astype(str) + "|" + df["kode_aksi"].astype(str)
    rank = key.map(ranks).fillna(-1).to_numpy(dtype=np.int64)  # -1: not a lead of the row's action
    # among the others, a kab/kota government's row before its province's (a roll-up keeps the kab/kota's)
    level = df["_agency"].map({a.code: int(a.level == "provinsi") for a in rules.agencies}).fillna(0).to_numpy()
    order = np.lexsort((np.arange(len(df)), level, np.maximum(rank, 0), rank < 0))
    return np.argsort(order, kind="stable")


def _admitted(keeper: int, candidates: list[int], apart: set[tuple[int, int]]) -> list[int]:
    """The candidates that may join `keeper`'s cluster, in order: none declared apart from a row already in it."""
    inside = [keeper]
    for r in candidates:
        if not any((r, m) in apart for m in inside):
            inside.append(r)
    return inside[1:]


def duplicate_clusters(
    activities: pd.DataFrame,
    pairs: pd.DataFrame,
    rules: Rules,
    merge: np.ndarray | None = None,
    confirmed: np.ndarray | None = None,
    apart: set[tuple[int, int]] = frozenset(),
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's duplicate cluster (1, 2, ... in the order of their kept rows; 0 for none)
    and whether it is the row kept: the first by `priority` (the catalogue's lead agency's).
    A row joins a cluster only as a likely duplicate of the kept row itself, so a chain of
    pairs (A like B, B like C) does not join activities A and C that are not alike: rows
    are taken lead rows first, each not yet in a cluster keeps a new one, with those of
    its own duplicates not yet in one. The pairs merged are the likely duplicates, or those
    of `merge` when given; the pairs the secretariat `confirmed` are one activity whatever
    the others say: they are joined first, chains included. Two rows declared `apart` ("bukan
    duplikat", both orders) are never in one cluster: the later of them is left out."""
    n = len(activities)
    first = priority(activities, rules)  # rank of each row: the smaller, the sooner it is kept
    if merge is None:
        merge = (pairs["kind"] == DUPLICATE).to_numpy() if len(pairs) else np.zeros(0, dtype=bool)
    dup = pairs.loc[merge, ["a", "b"]].to_numpy(dtype=np.int64) if len(pairs) else None
    cluster, kept = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    if dup is None or not len(dup):
        return cluster, kept
    groups = []
    if confirmed is not None and confirmed.any():
        root: dict[int, int] = {}  # union-find over the few confirmed pairs

        def find(r: int) -> int:
            while root.setdefault(r, r) != r:
                r = root[r]
            return r

        for a, b in pairs.loc[confirmed, ["a", "b"]].to_numpy(dtype=np.int64).tolist():
            root[find(a)] = find(b)
        together: dict[int, list[int]] = {}
        for r in sorted(root):
            together.setdefault(find(r), []).append(r)
        for members in together.values():
            keeper, *others = sorted(members, key=lambda r: first[r])
            joined = _admitted(keeper, others, apart)
            if joined:
                cluster[[keeper, *joined]] = -1
                groups.append((keeper, joined))
    edges = np.concatenate([dup, dup[:, ::-1]])  # each row's partners, rows and partners in priority order
    edges = edges[np.lexsort((first[edges[:, 1]], first[edges[:, 0]]))]
    rows, partners = edges[:, 0].tolist(), edges[:, 1].tolist()
    starts = np.flatnonzero(np.r_[True, edges[1:, 0] != edges[:-1, 0]]).tolist()
    taken = (cluster != 0).tolist()
    for lo, hi in zip(starts, [*starts[1:], len(rows)], strict=True):
        keeper = rows[lo]
        if taken[keeper]:
            continue
        members = [r for r in partners[lo:hi] if not taken[r]]
        members = _admitted(keeper, members, apart) if apart else members
        if members:
            for r in (keeper, *members):  # taken; numbered below, in the order of the kept rows
                taken[r] = True
            groups.append((keeper, members))
    for number, (keeper, members) in enumerate(sorted(groups), start=1):
        cluster[[keeper, *members]] = number
        kept[keeper] = True
    return cluster, kept
