"""The secretariat's review of flagged figures: a period's items (warnings on accepted rows
that rules/review.yaml lists, and pairs of activities that may be one), their stable ids,
what each changes in the totals, and the decisions taken on them.

An item's id is made from what identifies its row(s) (agency, action, name, start date,
place) and, for a value, the check and the column: it survives reruns, reordering and the
resubmission of unchanged rows. Its fingerprint is made from the whole content of its
row(s): a decision taken on another fingerprint is stale, and the item is asked again.
"""

from __future__ import annotations

import functools
import hashlib
from collections import defaultdict

import numpy as np
import pandas as pd

from ..core.forked import in_halves
from ..core.formatting import angka, poin
from ..core.model import Decision, Problem, Review, Validation
from ..core.rules import Rules
from ..core.texts import t

VALUE, PAIR = "value", "pair"
KEEP, EXCLUDE, ASK = "keep", "exclude", "ask_agency"  # decisions on a value
SAME, DISTINCT, JOINT = "duplicate", "distinct", "joint"  # decisions on a pair
CHOICES = {VALUE: (KEEP, EXCLUDE, ASK), PAIR: (SAME, DISTINCT, JOINT)}
OPEN, DECIDED, WAITING, STALE = "open", "decided", "waiting", "stale"  # an item's state
UNDECIDED = (OPEN, WAITING, STALE)
IDENTITY = ["_agency", "kode_aksi", "nama_kegiatan", "tanggal_mulai", "provinsi", "kabupaten_kota"]
FIGURES = {"jumlah_peserta": ("peserta", "peserta_unik"), "anggaran": ("anggaran",),
           "realisasi_anggaran": ("realisasi_anggaran",)}  # fmt: skip # headline figures a column adds to
MOVABLE = ("kegiatan_unik", "peserta", "peserta_unik", "anggaran", "realisasi_anggaran")  # headline figures items move
PAIR_SIDE = ["id_kegiatan", "kl", "_agency", "kode_aksi", "nama_kegiatan", "provinsi", "kabupaten_kota",
             "tanggal_mulai", "jumlah_peserta", "_file", "_row"]  # fmt: skip


def _value(cell, shown: str):
    """The value flagged: the row's, else (a value the period excluded, as the year's report
    meets it again) the one the problem showed ("250.000")."""
    if not pd.isna(cell):
        return cell
    try:
        return float(str(shown).replace(".", "").replace(",", "."))
    except ValueError:
        return np.nan


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def digest(df: pd.DataFrame, columns: list[str], n: int = 10) -> pd.Series:
    """The first `n` hex digits of the SHA-1 of each row's values of `columns`, blank for missing."""
    key = df[columns].astype(object).where(df[columns].notna(), "").astype(str)
    values = [key[c].to_numpy(dtype=object) for c in columns]
    (digests,) = in_halves(functools.partial(_digests, n), values, HALVES)
    return pd.Series(digests, index=key.index, dtype=object)


def _digests(n: int, *values: np.ndarray) -> tuple[list[str]]:
    joined = ["|".join(row) for row in zip(*values, strict=True)]  # Series.str.cat: 8 times slower
    return ([_sha(s)[:n] for s in joined],)


def _pair_keys(x, y, i, j, f, g) -> tuple[list[str], list[str]]:
    """Each pair's id, from its agencies `x`, `y` and their rows' ids `i`, `j`, and its
    fingerprint, from its rows' fingerprints `f`, `g`."""
    sha1 = hashlib.sha1
    pairs = zip(x, y, i, j, strict=True)
    item = [f"P-{a}-{b}-{sha1(f'{k}|{m}'.encode()).hexdigest()[:10].upper()}" for a, b, k, m in pairs]
    return item, [sha1((p + q).encode()).hexdigest()[:12] for p, q in zip(f, g, strict=True)]


HALVES = 50_000  # rows or pairs to hash from which a forked worker takes half of them


def content_columns(rules: Rules) -> list[str]:
    """The columns a row's fingerprint is made of: every input column but those that do not
    make two rows different (the `ignore` of the duplicate_rows check, such as the row number)."""
    ignore = {c for spec in rules.checks.checks if spec.check == "duplicate_rows" for c in spec.ignore}
    return [c.key for c in rules.fields.columns if c.input and c.key not in ignore]


def _numbered(base: pd.Series, fingerprint: pd.Series) -> pd.Series:
    """`base` made unique: repeats get -2, -3, ... in the order of their fingerprints."""
    repeated = base.duplicated(keep=False)
    if not repeated.any():
        return base
    order = pd.DataFrame({"b": base[repeated], "f": fingerprint[repeated]}).sort_values(["b", "f"], kind="stable")
    n = order.groupby("b").cumcount().reindex(base.index, fill_value=0)
    return base.where(n == 0, base + "-" + (n + 1).astype(str))


def value_items(validation: Validation, rules: Rules) -> pd.DataFrame:
    """One item per warning of review.yaml's codes on an accepted row: the value, where it
    is, what it was compared with, and the row's identity and fingerprint."""
    codes = set(rules.review.codes)
    key_of = {c.label: c.key for c in rules.fields.columns}
    found = [p for p in validation.problems if p.code in codes and p.row and p.column in key_of]
    acc = validation.accepted
    if not found or acc.empty:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    at = pd.Series(np.arange(len(acc)), index=pd.MultiIndex.from_arrays([acc["_file"], acc["_row"].astype(int)]))
    at = at[~at.index.duplicated()]
    probs = pd.DataFrame(
        [(p.file, int(p.row), p.code, key_of[p.column], p.column, p.detail, p.message, p.sheet, p.cell, p.value)
         for p in found],
        columns=["_file", "_row", "code", "column", "label", "detail", "message", "sheet", "cell", "value"],
    )  # fmt: skip
    probs["pos"] = at.reindex(pd.MultiIndex.from_arrays([probs["_file"], probs["_row"]])).to_numpy()
    probs = probs[probs["pos"].notna()].reset_index(drop=True)
    rows = acc.iloc[probs["pos"].astype(int).to_numpy()].reset_index(drop=True)
    fingerprint = digest(rows, content_columns(rules), 12)
    ident = digest(rows, IDENTITY, 40) + "|" + probs["code"] + "|" + probs["column"]
    base = "N-" + rows["_agency"] + "-" + ident.map(lambda s: _sha(s)[:10].upper())
    names = {a.code: a.short for a in rules.agencies}
    values = [
        _value(rows.at[i, c], shown) for i, (c, shown) in enumerate(zip(probs["column"], probs["value"], strict=True))
    ]
    out = pd.DataFrame(
        {
            "item": _numbered(base, fingerprint),
            "kind": VALUE,
            "code": probs["code"],
            "kl": rows["_agency"].map(names),
            "_agency": rows["_agency"],
            "kode_aksi": rows["kode_aksi"],
            "nama_kegiatan": rows["nama_kegiatan"],
            "provinsi": rows["provinsi"],
            "column": probs["column"],
            "label": probs["label"],
            "value": pd.array(values, dtype="Float64"),
            "detail": probs["detail"],
            "message": probs["message"],
            "_file": probs["_file"],
            "sheet": probs["sheet"],
            "cell": probs["cell"],
            "_row": probs["_row"],
            "fingerprint": fingerprint,
        }
    )
    out["twin"] = _twins(out, rules)
    return out.sort_values(["_agency", "_file", "_row", "item"], kind="stable").reset_index(drop=True)


VALUE_COLUMNS = ["item", "kind", "code", "kl", "_agency", "kode_aksi", "nama_kegiatan", "provinsi", "column", "label",
                 "value", "detail", "message", "_file", "sheet", "cell", "_row", "fingerprint", "twin"]  # fmt: skip


def _twins(items: pd.DataFrame, rules: Rules) -> pd.Series:
    """Each value item's twin ("" for none): the first other item of its row holding the same
    number in another column of a checks.yaml `twins` entry (one number typed into both
    columns), whose decision it follows until it has its own (`states`)."""
    twin = pd.Series("", index=items.index)
    for spec in (s for s in rules.checks.checks if s.check == "twins"):
        mine = items[items["column"].isin(spec.columns) & items["value"].notna()].reset_index()
        both = mine.merge(mine, on=["_file", "_row", "value"])
        first = both[both["column_x"] != both["column_y"]].groupby("index_x")["item_y"].min()
        twin[first.index] = twin[first.index].where(twin[first.index] != "", first)
    return twin


def pair_items(acts: pd.DataFrame, pairs: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """One item per pair (aligned with `pairs`), its rows ordered by their activity ids (at
    `pos_a`, `pos_b` in `acts`), with the pair's id and fingerprint; `pair_sides` adds both
    rows side by side to those kept."""
    cols = ["item", "kind", "code", "score", "fingerprint", "pos_a", "pos_b", "rollup"]
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    a, b = pairs["a"].to_numpy(dtype=int), pairs["b"].to_numpy(dtype=int)
    ids, agency = acts["id_kegiatan"].to_numpy(dtype=object), acts["_agency"].to_numpy(dtype=object)
    swap = ids[a] > ids[b]
    first, second = np.where(swap, b, a), np.where(swap, a, b)
    rows = np.unique(np.concatenate([first, second]))
    fp = np.empty(len(acts), dtype=object)
    fp[rows] = digest(acts.iloc[rows], content_columns(rules), 12).to_numpy()
    sides = [agency[first], agency[second], ids[first], ids[second], fp[first], fp[second]]
    item, fingerprint = in_halves(_pair_keys, sides, HALVES)
    out = pd.DataFrame(
        {
            "item": item,
            "kind": PAIR,
            "code": pairs["kind"].to_numpy(),
            "score": pairs["score"].to_numpy(),
            "fingerprint": fingerprint,
            "pos_a": first,
            "pos_b": second,
            # a province's roll-up of its kab/kota's event: a likely duplicate, told as such
            "rollup": pairs["rollup"].fillna(False).to_numpy(dtype=bool) if "rollup" in pairs else False,
        }
    )
    out["item"] = _numbered(out["item"], out["fingerprint"])
    return out


def pair_sides(acts: pd.DataFrame, items: pd.DataFrame) -> pd.DataFrame:
    """Pair items with both rows side by side (PAIR_SIDE, prefixed a_ and b_, after `pos_b`)."""
    items = items.reset_index(drop=True)
    sides = [acts.iloc[items[f"pos_{s}"].to_numpy(dtype=int)][PAIR_SIDE].reset_index(drop=True).add_prefix(f"{s}_")
             for s in "ab"]  # fmt: skip
    at = items.columns.get_loc("pos_b") + 1
    return pd.concat([items.iloc[:, :at], *sides, items.iloc[:, at:]], axis=1)


def states(items: pd.DataFrame, decisions: dict[str, Decision], check_content: bool = True) -> pd.DataFrame:
    """`items` with their decision (if any, and the one before when it is stale) and state:
    decided, waiting (for the agency), stale (taken on rows since changed) or open.
    `check_content` False: no decision is stale (rows as stored with their decisions). A value
    without a decision of its own takes its twin's (`_twins`): one number, decided once."""
    n = len(items)
    twins = items["twin"].fillna("") if "twin" in items else pd.Series("", index=items.index)
    known = list(decisions)
    hit = np.flatnonzero((items["item"].isin(known) | twins.isin(known)).to_numpy(dtype=bool))
    said = {k: [""] * n for k in ("decision", "note", "by", "at", "previous")}
    looked = (items[c].to_numpy(dtype=object)[hit] for c in ("item", "kind", "fingerprint"))
    for r, i, kind, f, w in zip(hit.tolist(), *looked, twins.to_numpy(dtype=object)[hit], strict=True):
        d = decisions.get(i) or decisions.get(w)
        if not d or d.decision not in CHOICES[kind]:
            continue
        if d.fingerprint == f or not check_content:
            for k in ("decision", "note", "by", "at"):
                said[k][r] = getattr(d, k)
        else:
            said["previous"][r] = d.decision
    out = items.assign(**said)
    state = np.where(out["previous"] != "", STALE, np.where(out["decision"] == ASK, WAITING, DECIDED))
    out["state"] = np.where((out["decision"] == "") & (out["previous"] == ""), OPEN, state)
    return out


def requests(validation: Validation, rules: Rules, decisions: dict[str, Decision]) -> list[Problem]:
    """The values the secretariat sent back to their agency ("tunggu perbaikan K/L"), as
    problems of the agency's file, for its feedback workbook and e-mail."""
    items = states(value_items(validation, rules), decisions)
    waiting = items[items["state"] == WAITING]
    return [
        Problem(r.file, "review-requested", r.sheet, r.cell, int(r.row), r.label, number(r.value), r.note or "-")
        for r in waiting.rename(columns={"_file": "file", "_row": "row"}).itertuples()
    ]


def number(value) -> str:
    return "" if pd.isna(value) else angka(value, 0 if float(value).is_integer() else 2)


def exclude(acts: pd.DataFrame, items: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """`acts` with the values the secretariat excluded removed (with the columns they go
    together with), and a column naming what was excluded and why."""
    acts = acts if "dikecualikan" in acts else acts.assign(dikecualikan="")
    out = items[(items["state"] == DECIDED) & (items["decision"] == EXCLUDE)]
    if out.empty:
        return acts
    joined = together(rules)
    where = pd.Series(np.arange(len(acts)), index=pd.MultiIndex.from_arrays([acts["_file"], acts["_row"]]))
    labels = {c.key: c.label for c in rules.fields.columns}
    gone: dict[str, list[int]] = defaultdict(list)
    notes = acts["dikecualikan"].to_numpy(dtype=object).copy()
    for r in out.rename(columns={"_file": "file", "_row": "row"}).itertuples():
        pos = where.get((r.file, r.row))
        if pos is None:
            continue
        for col in joined[r.column] | {r.column}:
            gone[col].append(pos)
        said = t("review.excluded_note", column=labels[r.column], value=number(r.value), item=r.item)
        if said not in str(notes[pos]):  # the year's report applies a stored period's exclusions again
            notes[pos] = f"{notes[pos]}; {said}" if notes[pos] else said
    for col, positions in sorted(gone.items()):
        mask = np.zeros(len(acts), dtype=bool)
        mask[positions] = True
        acts[col] = acts[col].mask(mask)
    acts["dikecualikan"] = notes
    return acts


def together(rules: Rules) -> dict[str, set[str]]:
    """Each column with the columns excluded with it (review.yaml exclude_together)."""
    out: dict[str, set[str]] = defaultdict(set)
    for group in rules.review.exclude_together:
        for col in group:
            out[col].update(group)
    return out


def effects(
    items: pd.DataFrame, acts: pd.DataFrame, figures: dict, cluster: np.ndarray, kept: np.ndarray, rules: Rules
) -> pd.DataFrame:
    """`items` with what each changes when decided otherwise than its default handling (a
    value counted, a likely duplicate counted once; docs/angka.md section 8): the headline
    figures it moves with the columns excluded with it (`moves`: key -> amount; `affects`
    its keys), the row it moves them on (`pos`: no figure counts a row twice), the main
    amount and its share of that figure (`amount`, `share`); `default_moves`: whether its
    default handling moves a headline figure. A value on a row not counted once (merged into
    another) moves the reported figures only."""
    out = items.copy()
    if out.empty:
        return out.assign(affects=[], amount=[], share=[], default_moves=[], moves=[], pos=[])
    joined = together(rules)
    counted = ~acts["duplikat"].to_numpy(dtype=bool)
    where = pd.Series(np.arange(len(acts)), index=pd.MultiIndex.from_arrays([acts["_file"], acts["_row"]]))
    where = where[~where.index.duplicated()]
    people = acts["jumlah_peserta"].astype("Float64").fillna(0).to_numpy(dtype=float)
    n = len(out)
    affects: list[tuple] = [("kegiatan_unik", "peserta_unik")] * n  # a pair's; a value's below
    moves: list[dict] = [{} for _ in range(n)]
    amount, default, at = np.zeros(n), np.zeros(n, dtype=bool), np.full(n, -1)
    value = (out["kind"] == VALUE).to_numpy()
    for i, r in zip(np.flatnonzero(value), out[value].rename(columns={"_file": "file", "_row": "row"}).itertuples(),
                    strict=True):  # fmt: skip
        pos = where.get((r.file, r.row))
        found: dict[str, float] = {}
        for col in sorted(joined[r.column] | {r.column}):
            v = float(r.value) if col == r.column and not pd.isna(r.value) else _at(acts, col, pos)
            for key in FIGURES.get(col, ()):
                if key != "peserta_unik" or (pos is not None and counted[pos]):
                    found[key] = v
        affects[i] = tuple(dict.fromkeys([*FIGURES.get(r.column, ()), *found]))
        amount[i], default[i], moves[i] = (0.0 if pd.isna(r.value) else float(r.value)), bool(found), found
        at[i] = -1 if pos is None else int(pos)
    pair = np.flatnonzero(~value)
    if len(pair):  # the row merged away (not the kept one) counted on its own, were the pair apart
        pa, pb = out["pos_a"].to_numpy()[pair].astype(int), out["pos_b"].to_numpy()[pair].astype(int)
        dropped = np.where(kept[pa] | ~kept[pb], pb, pa)
        merged = (cluster[pa] == cluster[pb]) & (cluster[pa] > 0)  # this pair's rows are counted once
        amount[pair], at[pair] = people[dropped], dropped
        default[pair] = merged & (out["code"].to_numpy()[pair] == "likely-duplicate")
        for i, m, p in zip(pair.tolist(), merged.tolist(), people[dropped].tolist(), strict=True):
            moves[i] = {"kegiatan_unik": 1.0, "peserta_unik": p} if m else {}
    out["affects"], out["amount"], out["default_moves"], out["moves"], out["pos"] = affects, amount, default, moves, at
    head = np.where(value, [k[0] if k else "" for k in affects], "peserta_unik")
    total = pd.Series([figures.get(k) or np.nan for k in head], dtype=float)
    excluded = ((out["state"] == DECIDED) & (out["decision"] == EXCLUDE)).to_numpy()
    out["share"] = (out["amount"] / (total + np.where(excluded, out["amount"], 0))).where(total > 0).to_numpy()
    return out


def figure_label(key: str) -> str:
    """The name of a figure an item moves: a headline figure, or an action's achievement."""
    if key.startswith(CAPAIAN):
        return t("review.capaian", code=key[len(CAPAIAN) :])
    return t(f"summary.headline.{key}").strip()


CAPAIAN = "capaian:"  # the key of an action's achievement among the figures an item moves


def _at(acts: pd.DataFrame, column: str, pos) -> float:
    if pos is None or column not in acts:
        return 0.0
    value = pd.to_numeric(pd.Series([acts[column].iat[int(pos)]]), errors="coerce").iat[0]
    return 0.0 if pd.isna(value) else float(value)


def provisional(items: pd.DataFrame, figures: dict, share: float) -> dict[str, float]:
    """Headline figures that undecided items can move by more than `share` of them, with the
    amount: each item's moves added up, a row counted once per figure (a cluster of n rows
    moves at most n-1 activities; a value and a pair on one row are not added twice)."""
    if items.empty:
        return {}
    undecided = items[items["state"].isin(UNDECIDED) & items["default_moves"]]
    amounts: dict[str, float] = defaultdict(float)
    seen: set[tuple[str, int]] = set()
    for pos, moves in zip(undecided["pos"], undecided["moves"], strict=True):  # not itertuples: 50 columns
        for key, value in moves.items():
            if (key, pos) not in seen:
                seen.add((key, pos))
                amounts[key] += value
    return {k: v for k, v in sorted(amounts.items()) if figures.get(k) and v > share * abs(figures[k])}


def _fold(text) -> str:
    return " ".join(str(text or "").split()).casefold()


ENTRY_COLUMNS = ["item", "decision", "note", "by", "fingerprint", "written", "sheet", "cell", "row"]


def kind_of(item: str) -> str | None:
    """An item's kind from its id: N-... a value, P-... a pair."""
    return {"N": VALUE, "P": PAIR}.get(str(item)[:1]) if str(item)[1:2] == "-" else None


def take(entries: pd.DataFrame, stored: dict[str, Decision], file: str, user: str, now: str):
    """The decisions read back from the review workbook `file` (ENTRY_COLUMNS; a decision is
    its text in the workbook or its key). One that differs from what the workbook was written
    with (`written`: "decision|note"; an older copy saved back reverts nothing), or, without
    it, from the stored decision, is new: by the name given (when it is not the name of the
    decision it replaces), else `user`, at `now`. A blank decision changes nothing; a value
    that is no decision for the item's kind is a problem and changes nothing. Returns (the
    stored decisions updated with the new ones, the new ones with where each was read, the
    problems)."""
    words = {_fold(t(f"review.decisions.{k}")): k for kind in CHOICES.values() for k in kind}
    words |= {k: k for kind in CHOICES.values() for k in kind}
    decisions, new, problems = dict(stored), [], []
    for r in entries.itertuples():
        if not _fold(r.decision):
            continue
        where = Problem(file, "", r.sheet, r.cell, int(r.row), t("review.columns.decision"), str(r.decision), r.item)
        key, kind = words.get(_fold(r.decision)), kind_of(r.item)
        if key is None:
            problems.append(_as(where, "review-unknown-decision"))
            continue
        if kind and key not in CHOICES[kind]:
            problems.append(_as(where, "review-wrong-kind"))
            continue
        old = stored.get(r.item)
        note = " ".join(str(r.note or "").split())
        if r.written and r.written == f"{key}|{note}":
            continue  # as written: untouched
        if not r.written and old and (old.decision, old.note, old.fingerprint) == (key, note, r.fingerprint):
            continue
        by = r.by if r.by and not (old and r.by == old.by) else user
        d = Decision(r.item, key, note, by, now, r.fingerprint)
        decisions[r.item] = d
        new.append((d, where))
    return decisions, new, problems


def check(items: pd.DataFrame, new: list[tuple[Decision, Problem]], stored: dict[str, Decision]):
    """Returns (the new decisions to store: those on an item of the period; problems for the
    others; orphans: the stored decisions whose item no longer exists)."""
    ids = set(items["item"])
    taken = [d for d, _ in new if d.item in ids]
    problems = [_as(where, "review-unknown-item", d.item) for d, where in new if d.item not in ids]
    orphans = [d for i, d in sorted(stored.items()) if i not in ids]
    return taken, problems, orphans


def _as(where: Problem, code: str, value: str | None = None) -> Problem:
    return Problem(where.file, code, where.sheet, where.cell, where.row, where.column,
                   where.value if value is None else value, where.detail)  # fmt: skip


def lines(r: Review, path, taken: int) -> list[str]:
    """For the console: the state of the review (its workbook `path`), the decisions taken in
    this run, the figures still provisional and the decisions that could not be taken."""
    out = [t("review.lines.summary", **counts(r), path=path)]
    if taken:
        out.append(t("review.lines.taken", n=taken))
    for key, amount in r.provisional.items():
        out.append(t("review.lines.provisional", figure=t(f"summary.headline.{key}").strip(), amount=angka(amount)))
    for code, points in r.achievement.items():
        figure = t("review.capaian", code=code)
        out.append(t("review.lines.provisional_achievement", figure=figure, points=poin(points, signed=False)))
    for p in r.problems:
        where = f"{p.file} {p.sheet}!{p.cell}" if p.sheet else p.file
        out.append(t("review.lines.problem", where=where, message=p.message))
    return out


def counts(r: Review) -> dict[str, int]:
    """What the review did, for every output: items by kind and by state, values excluded,
    pairs counted once or kept apart."""
    items = r.items
    decided = items[items["state"] == DECIDED]
    return {
        "items": len(items),
        "values": int((items["kind"] == VALUE).sum()),
        "pairs": int((items["kind"] == PAIR).sum()),
        **{k: int((items["state"] == k).sum()) for k in (DECIDED, WAITING, STALE, OPEN)},
        "excluded": int((decided["decision"] == EXCLUDE).sum()),
        "confirmed": int(decided["decision"].isin([SAME, JOINT]).sum()),
        "distinct": int((decided["decision"] == DISTINCT).sum()),
    }
