"""Obstacle themes: what the agencies' Hambatan texts are about (docs/angka.md section 12).

Every distinct text is folded and its abbreviations expanded (rules/obstacles.yaml, with
those of overlap.yaml), its words one or two letters off a theme's word corrected, and then
given every theme one of whose phrases or stems it contains, with the phrase that matched
(so that a theme can always be explained). Each sentence or list item of a cell is read on
its own, and so is each of its pieces between commas or before "namun", "tetapi": one that
only says what went well ("Personel cukup", "Koordinasi sudah baik namun ...") names no
obstacle; in "X sehingga Y", Y is X's effect, read for a theme only when X names none
("Jaringan internet lemah sehingga aplikasi tidak dapat diakses" is about access).

Near-identical texts ("Keterbatasan anggaran", "keterbatasan angaran.", "Anggaran terbatas")
are one obstacle: rapidfuzz's token sort ratio over the folded texts, compared only within a
block of texts sharing a theme (or, without a theme, their first word), joined transitively.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from ..core.model import Obstacles
from ..core.rules import Rules
from ..core.texts import has, t
from .activity_names import fold

_BLOCK = 2_000  # texts compared at once within a block (cdist's square, bounded)
_SENTENCE = re.compile(r"[.;!?\n]+(?=\s|$)|\n")  # a sentence's or list item's end (not "100.000")
_SHORT = re.compile(r"\b(kab|kec|kel|prov|rp|dll|dsb|dst|no|jl|tgl|s\.d)\.", re.IGNORECASE)  # "Kab. Malang": no end
_PIECE = re.compile(r",(?=\s)")  # not "92,3"


class Themes:
    """The taxonomy of rules/obstacles.yaml, compiled once. A theme's entry is a phrase
    ("payung hukum"), alternatives ("blokir|diblokir") or parts that must all be in the
    text ("petugas|pegawai + kurang|terbatas"), each compared as whole words; a stem is
    the beginning of a word; `unless` phrases are taken out of a text before its theme's
    entries are looked for ("koordinasi sudah baik")."""

    def __init__(self, rules: Rules) -> None:
        cfg = rules.obstacles
        self.cfg = cfg
        self.keys = [x.key for x in cfg.themes]
        expand = {fold(k): fold(v) for k, v in rules.overlap.names.abbreviations.items()}
        expand |= {fold(k): fold(v) for k, v in cfg.abbreviations.items()}
        self.single = {k: v for k, v in expand.items() if " " not in k}
        self.multi = [(re.compile(r"\b" + re.escape(k) + r"\b"), v) for k, v in expand.items() if " " in k]
        self.none = {self._words(fold(x)) for x in cfg.no_obstacle} | {""}
        self.entries: list[list[list[re.Pattern]]] = []  # per theme, per entry, its parts
        self.unless: list[re.Pattern | None] = []
        vocab = set()
        for theme in cfg.themes:
            entries = []
            for entry in theme.phrases:
                parts = [[self._words(fold(a)) for a in part.split("|") if fold(a)] for part in entry.split(" + ")]
                vocab |= {w for part in parts for a in part for w in a.split() if len(w) >= 6}
                entries.append([_any(part, r"\b") for part in parts if part])
            stems = [fold(x) for x in theme.stems if fold(x)]
            if stems:
                entries.append([re.compile(r"\b((?:" + "|".join(map(re.escape, stems)) + r")[a-z0-9]*)")])
            self.entries.append(entries)
            unless = [fold(x) for x in theme.unless if fold(x)]
            self.unless.append(_any(unless, r"\b") if unless else None)
        self.vocab = sorted(vocab - {fold(w) for w in cfg.not_typos})
        self.not_typos = {fold(w) for w in cfg.not_typos}
        self.stems = tuple(fold(s) for x in cfg.themes for s in x.stems)
        effect = [self._words(fold(x)) for x in cfg.consequence if fold(x)]
        self.effect = _any(effect, r"\b") if effect else None
        fine, trouble = ([self._words(fold(x)) for x in xs if fold(x)] for xs in (cfg.fine, cfg.trouble))
        self.fine = _any(fine, r"\b") if fine else None
        nothing = [self._words(fold(x)) for x in cfg.nothing if fold(x)]
        self.nothing = _any(nothing, r"\b") if nothing else None
        self.trouble = _any(trouble, r"\b") if trouble else re.compile(r"(?!)")
        turn = [self._words(fold(x)) for x in cfg.turns if fold(x)]
        self.turn = re.compile(r"\s(?=(?:" + "|".join(map(re.escape, turn)) + r")\b)") if turn else None

    def _words(self, folded: str) -> str:
        for pattern, v in self.multi:
            folded = pattern.sub(v, folded)
        return " ".join(self.single.get(w, w) for w in folded.split())

    def normalise(self, texts: list[str]) -> list[str]:
        """Each text folded, abbreviations expanded, a word that is a theme's word with one or
        two letters dropped ("angaran", "kordinasi": not its first letter) made that word
        (each distinct word looked up once)."""
        words = [self._words(fold(x)) for x in texts]
        known = set(self.vocab) | self.not_typos
        fix = {}
        for w in {w for x in words for w in x.split()}:
            if len(w) >= 5 and w not in known and not w.startswith(self.stems):
                hit = next((v for v in self.vocab if _dropped(w, v)), None)
                if hit:
                    fix[w] = hit
        return [" ".join(fix.get(w, w) for w in x.split()) if fix else x for x in words]

    def of(self, texts: list[str]) -> list[tuple[tuple[str, ...], tuple[str, ...], bool]]:
        """The themes of each cell of `texts`, with what matched each, and whether it says
        anything but what went well (read())."""
        cells = [[_PIECE.split(x) for x in _SENTENCE.split(_SHORT.sub(r"\1", u)) if x.strip()] for u in texts]
        flat = iter(self.normalise([p for c in cells for x in c for p in x]))
        return [self.read([[next(flat) for _ in x] for x in c]) for c in cells]

    def read(self, sentences: list[list[str]]) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
        """The themes of a cell, given as its sentences, each a list of its normalised pieces
        (between commas), in rules order, with what matched each. A sentence without a turn
        ("namun") or a piece that only says what went well names no obstacle; in a piece
        "X sehingga Y", Y is X's effect and is read only when X names nothing, and a piece
        that begins with the effect of the pieces before it ("..., sehingga Y") is left out
        when they named an obstacle. The third value: whether the cell says anything but
        what went well in words of no theme ("Kegiatan berjalan sesuai rencana" does not;
        "Personel cukup" does: it is listed untold, for the secretariat to see)."""
        found: dict[str, str] = {}
        told = False
        for pieces in sentences:
            whole = " ".join(pieces)
            if not (self.turn and self.turn.search(whole)) and self._fine(whole):
                told |= self._said(whole)
                continue
            named = False
            for piece in (p for x in pieces for p in self._turns(x)):
                if piece.strip().isdigit() or piece.strip() in self.none:  # "1." of a list, "Tidak ada"
                    continue
                if self._fine(piece):
                    told |= self._said(piece)
                    continue
                told = True
                if named and self.effect and self.effect.match(piece):
                    continue
                cut = self.effect.search(piece) if self.effect else None
                keys, hits = self.match(piece[: cut.start()]) if cut else ((), ())
                if not keys:
                    keys, hits = self.match(piece)
                named |= bool(keys)
                for k, h in zip(keys, hits, strict=True):
                    found.setdefault(k, h)
        keys = tuple(k for k in self.keys if k in found)
        return keys, tuple(found[k] for k in keys), told

    def _said(self, fine: str) -> bool:
        """Whether a text that says what went well should still be seen by the secretariat:
        it speaks of a theme ("Personel cukup"), unless it says there was no obstacle."""
        return not (self.nothing and self.nothing.match(fine)) and bool(self.match(fine)[0])

    def _fine(self, text: str) -> bool:
        if self.nothing and self.nothing.match(text):
            return True
        return bool(self.fine and self.fine.search(text) and not self.trouble.search(text))

    def _turns(self, piece: str) -> list[str]:
        """A piece cut before each word that turns it ("namun", "tetapi")."""
        return [x for x in self.turn.split(piece) if x.strip()] if self.turn else [piece]

    def match(self, normalised: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The themes of a normalised text, in rules order, with what matched each."""
        keys, found = [], []
        for key, entries, unless in zip(self.keys, self.entries, self.unless, strict=True):
            text = unless.sub(" ", normalised) if unless else normalised
            for parts in entries:
                hits = [p.search(text) for p in parts]
                if all(hits):
                    keys.append(key)
                    found.append(" + ".join(h.group(1) for h in hits))
                    break
        return tuple(keys), tuple(found)


def _dropped(typed: str, word: str) -> bool:
    """Whether `typed` is `word` with letters left out as fingers leave them out: one of a
    double letter ("angaran", "kordinasi"), or one other letter of a long word; never the
    first letter, never two that are not doubled ("tempat" is not "template")."""
    gap = len(word) - len(typed)
    if not 1 <= gap <= 2 or typed[0] != word[0]:
        return False
    dropped, j = [], 0
    for i, c in enumerate(word):
        if j < len(typed) and typed[j] == c:
            j += 1
        else:
            dropped.append(i)
    if j < len(typed) or len(dropped) != gap:
        return False
    doubled = [0 < i < len(word) and (word[i - 1] == word[i] or word[i : i + 2] == word[i] * 2) for i in dropped]
    return all(doubled) or (gap == 1 and len(typed) >= 7)


def _any(phrases: list[str], end: str) -> re.Pattern:
    words = sorted(set(phrases), key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(map(re.escape, words)) + ")" + end)


def classify(texts: pd.Series, rules: Rules) -> Obstacles:
    """The themes and groups of every text of `texts` (a column of obstacle cells)."""
    themes = Themes(rules)
    values = texts.where(texts.notna(), None)
    code, uniques = pd.factorize(values)
    uniques = [str(x).strip() for x in uniques]
    normal = themes.normalise(uniques)
    matched = themes.of(uniques)
    nil = np.array([n in themes.none or not m[2] for n, m in zip(normal, matched, strict=True)], dtype=bool)
    keys = [() if z else m[0] for m, z in zip(matched, nil, strict=True)]
    table = pd.DataFrame(
        {
            "teks": uniques,
            "normal": normal,
            "tema": keys,
            "frasa": [() if z else m[1] for m, z in zip(matched, nil, strict=True)],
            "nihil": nil,
        }
    )
    stop = {fold(w) for w in rules.obstacles.group_stopwords}
    table["kelompok"] = groups(table["normal"].tolist(), keys, rules.obstacles.group_score, stop)
    return Obstacles(table, code)


def groups(normal: list[str], keys: list[tuple], score: float, stopwords: set[str] = frozenset()) -> np.ndarray:
    """A group number per text: texts with the same themes whose words (less `stopwords`,
    their affixes -nya, ke-an and di- taken off) are at least `score` alike (rapidfuzz's
    token sort ratio) are joined, transitively. Compared only within a block of one set of
    themes (without a theme: one first word), in windows of alike texts side by side."""
    words = [" ".join(_root(w) for w in n.split() if w not in stopwords) for n in normal]
    parent = list(range(len(words)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    blocks: dict[tuple, list[int]] = {}
    for i, (n, k) in enumerate(zip(words, keys, strict=True)):
        blocks.setdefault(k if k else ("", *n.split()[:1]), []).append(i)
    for block in blocks.values():
        members = sorted(block, key=lambda i: " ".join(sorted(words[i].split())))  # alike texts side by side
        for start in range(0, len(members), _BLOCK):
            part = members[start : start + _BLOCK * 2]  # windows overlap by half, so neighbours meet
            if len(part) < 2:
                continue
            sim = cdist([words[i] for i in part], [words[i] for i in part], scorer=fuzz.token_sort_ratio,
                        score_cutoff=score, dtype=np.uint8, workers=1)  # fmt: skip
            for a, b in zip(*np.nonzero(np.triu(sim, 1)), strict=True):
                ra, rb = root(part[a]), root(part[b])
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
    return np.array([root(i) for i in range(len(words))], dtype=np.int64)


def _root(word: str) -> str:
    """A word without the affixes that make "keterbatasan" of "terbatas", "kurangnya" of
    "kurang" and "diblokir" of "blokir" (long words only: "dana" stays)."""
    if len(word) > 6 and word.endswith("nya"):
        word = word[:-3]
    if len(word) > 7 and word.startswith("ke") and word.endswith("an"):
        word = word[2:-2]
    if len(word) > 6 and word.startswith("di"):
        word = word[2:]
    return word


def label(key: str, rules: Rules) -> str:
    """A theme's name as the outputs show it: templates/texts `obstacles.themes.<key>`, else
    the label rules/obstacles.yaml gives a theme the secretariat added, else its key."""
    if has(f"obstacles.themes.{key}"):
        return t(f"obstacles.themes.{key}")
    return next((x.label for x in rules.obstacles.themes if x.key == key and x.label), key)


def by_theme(acts: pd.DataFrame, obs: Obstacles, rules: Rules) -> pd.DataFrame:
    """Per theme named on `acts` (rows of the consolidation, `_hambatan` their text's position
    in obs.texts), most units first: the K/L and regional governments that wrote it, the
    actions and activities it was written on, an example in the agencies' words (the text
    of its most written group) and the solutions written most beside it (docs/angka.md
    section 12)."""
    cols = ["tema", "nama", "kl", "daerah", "aksi", "kegiatan", "contoh", "penyelesaian"]
    if acts.empty or "_hambatan" not in acts:
        return pd.DataFrame(columns=cols)
    rows = acts[acts["_hambatan"] >= 0]
    texts = obs.texts
    keys = texts["tema"].iloc[rows["_hambatan"].to_numpy()].to_numpy()
    long = rows.assign(_tema=keys).explode("_tema").dropna(subset=["_tema"])
    if long.empty:
        return pd.DataFrame(columns=cols)
    level = {a.code: a.level for a in rules.agencies}
    long = long.assign(_regional=long["_agency"].map(level) != "kl",
                       _kelompok=texts["kelompok"].to_numpy()[long["_hambatan"].to_numpy()])  # fmt: skip
    order = {x.key: i for i, x in enumerate(rules.obstacles.themes)}
    out = []
    for key, g in long.groupby("_tema", sort=False):
        top = g["_kelompok"].value_counts(sort=False)
        group = top.index[int(np.argmax(top.to_numpy()))]  # the most written; a tie: the first written
        solutions = g["upaya_penyelesaian"].dropna().astype(str).str.strip()
        solutions = solutions[solutions != ""].value_counts(sort=False)
        best = sorted(solutions.index, key=lambda s: -solutions[s])[:2]
        out.append(
            {
                "tema": key,
                "nama": label(key, rules),
                "kl": g.loc[~g["_regional"], "_agency"].nunique(),
                "daerah": g.loc[g["_regional"], "_agency"].nunique(),
                "aksi": g["kode_aksi"].nunique(),
                "kegiatan": len(g),
                "contoh": representative(texts, g.loc[g["_kelompok"] == group, "_hambatan"]),
                "penyelesaian": "; ".join(best),
                "_order": order.get(key, len(order)),
            }
        )
    table = pd.DataFrame(out)
    table = table.assign(_units=table["kl"] + table["daerah"])
    table = table.sort_values(["_units", "_order"], ascending=[False, True], kind="stable")
    return table[cols].reset_index(drop=True)


def representative(texts: pd.DataFrame, codes: pd.Series) -> str:
    """A group's text as the agencies wrote it: the one written most often (`codes`: the
    group's rows' texts); a tie: the first written."""
    n = codes.value_counts(sort=False)
    return str(texts["teks"].iat[int(n.index[int(np.argmax(n.to_numpy()))])])


def grouped(acts: pd.DataFrame, obs: Obstacles, rules: Rules) -> pd.DataFrame:
    """One row per group of near-identical obstacle texts written on `acts` (a cell that says
    there was none left out): its text, themes and the phrases that gave them, how many
    activities, the units (short names) and action codes it came from, and the solution
    written most beside it; by theme in rules order (no theme last), most written first."""
    cols = ["teks", "tema", "frasa", "kegiatan", "unit", "aksi", "penyelesaian", "varian", "_tema"]
    if acts.empty or "_hambatan" not in acts:
        return pd.DataFrame(columns=cols)
    texts = obs.texts
    rows = acts[acts["_hambatan"] >= 0]
    rows = rows[~texts["nihil"].to_numpy()[rows["_hambatan"].to_numpy()]]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    rows = rows.assign(_kelompok=texts["kelompok"].to_numpy()[rows["_hambatan"].to_numpy()])
    order = {x.key: i for i, x in enumerate(rules.obstacles.themes)}
    short = {a.code: a.short for a in rules.agencies}
    out = []
    for group, g in rows.groupby("_kelompok", sort=False):
        first = texts.iloc[int(np.argmax(texts["kelompok"].to_numpy() == group))]  # its themes: every member's
        solutions = g["upaya_penyelesaian"].dropna().astype(str).str.strip()
        solutions = solutions[solutions != ""]
        out.append(
            {
                "teks": representative(texts, g["_hambatan"]),
                "tema": ", ".join(label(k, rules) for k in first["tema"]),
                "frasa": ", ".join(first["frasa"]),
                "kegiatan": len(g),
                "unit": ", ".join(short[c] for c in dict.fromkeys(g["_agency"])),
                "aksi": ", ".join(dict.fromkeys(g["kode_aksi"])),
                "penyelesaian": solutions.value_counts(sort=False).idxmax() if len(solutions) else "",
                "varian": int(g["_hambatan"].nunique()),
                "_tema": order.get(first["tema"][0], len(order)) if first["tema"] else len(order) + 1,
            }
        )
    table = pd.DataFrame(out)
    return table.sort_values(["_tema", "kegiatan"], ascending=[True, False], kind="stable").reset_index(drop=True)
