"""Activity names as the overlap comparison sees them.

Two agencies write one event their own way: capitals, "K/L" against "kementerian/lembaga",
"Kab." against "Kabupaten", the place added or not, words like "kegiatan" or "dalam rangka"
around it. A name is folded (lower case, no accents or punctuation), its abbreviations
expanded (rules/overlap.yaml `names.abbreviations`, plus every agency's short name and code
from rules/agencies.yaml), and the words that carry no meaning (`names.stopwords`) and the
row's own province and regency dropped. Batch numbers ("angkatan 2", "tahap II",
"gelombang ke-3") are taken out as a separate key: two rows whose batches differ are never
the same activity, however alike the rest of their names.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import numpy as np
import pandas as pd

from ..core.rules import Rules

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")  # after the ASCII folding and lower case: what isalnum() is not
_ROMAN = {"i": 1, "v": 5, "x": 10}
_SPELLED = re.compile(r"\b[a-z](?: [a-z]\b)+")  # "f k p t" from "F.K.P.T.": one word again
_ROMAN_NUMERAL = re.compile(r"x{0,3}(ix|iv|v?i{0,3})")  # up to xxxix; not a word like "civil"


def fold(text: object) -> str:
    """Lower case, accents removed, punctuation to spaces; "" for a missing value."""
    if not isinstance(text, str):
        return ""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(_NOT_ALNUM.sub(" ", text.lower()).split())


def fold_each(values: pd.Series) -> np.ndarray:
    """fold() of every value; each distinct value is folded once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.array([fold(u) for u in uniques], dtype=object)[codes]


def fold_places(values: pd.Series, rules: Rules) -> np.ndarray:
    """fold_each() with the abbreviations of rules/overlap.yaml expanded, so that "Kab. Poso"
    and "Kabupaten Poso" are one place."""
    expand = {fold(k): fold(v) for k, v in rules.overlap.names.abbreviations.items()}
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    return np.array([_expanded(fold(u), expand) for u in uniques], dtype=object)[codes]


def _expanded(folded: str, expand: dict[str, str]) -> str:
    return " ".join(expand.get(w, w) for w in folded.split())


def agencies_named(texts: pd.Series, rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """Which agencies of the rules each text names: (each text's row of the table, a table
    with a row per distinct text and a column per agency in the rules' order). An agency is
    named by its code, short name, name, an alias or one of its regional offices
    (agencies.yaml `offices`: "Polda" in "Polda Jatim"), compared folded with the
    abbreviations of rules/overlap.yaml expanded. A name several agencies share names none."""
    expand = {fold(k): fold(v) for k, v in rules.overlap.names.abbreviations.items()}
    owners: dict[str, set[int]] = {}
    for k, a in enumerate(rules.agencies):  # a region's short name is a place ("Kabupaten Poso"): not its name
        for written in (a.code, *([] if a.regional else [a.short]), a.name, *a.aliases, *a.offices):
            if phrase := _expanded(fold(written), expand):
                owners.setdefault(phrase, set()).add(k)
    owner = {phrase: ks.pop() for phrase, ks in owners.items() if len(ks) == 1}
    words = sorted(owner, key=len, reverse=True)  # the longest first: "kemenag kota" before "kemenag"
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b")
    codes, uniques = pd.factorize(texts.fillna("").astype(str))
    table = np.zeros((len(uniques), len(rules.agencies)), dtype=bool)
    for u, text in enumerate(uniques if words else []):
        for m in pattern.finditer(_expanded(fold(text), expand)):
            table[u, owner[m.group(1)]] = True
    return codes, table


class ActivityNames:
    """Normalise activity names with the domain knowledge of rules/overlap.yaml."""

    def __init__(self, rules: Rules) -> None:
        cfg = rules.overlap.names
        self.expand = {fold(k): fold(v).split() for k, v in cfg.abbreviations.items()}
        # an agency however written (its name, short name, code, aliases: "Tentara Nasional
        # Indonesia", "TNI", "Tni") becomes its code, one word
        self.agency: dict[str, str] = {}
        phrases: dict[str, str] = {}
        for a in (a for a in rules.agencies if not a.regional):  # a region's names are places: kept as words
            for written in (a.name, a.short, a.code, *a.aliases):
                key = fold(written)
                if key:
                    (phrases if " " in key else self.agency)[key] = fold(a.code).replace(" ", "")
        self.phrase_words = {p.split()[0] for p in phrases}
        self.phrases = phrases
        words = sorted(phrases, key=len, reverse=True)
        self.phrase = re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b") if words else None
        self.stopwords = {fold(w) for w in cfg.stopwords}
        self.batch_words = {fold(w) for w in cfg.batch_words}
        self.ordinals = {fold(k): v for k, v in cfg.ordinals.items()}

    def normalise(self, names: pd.Series, provinces: pd.Series, regencies: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """(normalised names, batch keys) per row; each distinct combination is done once."""
        keys = pd.DataFrame({"n": names.fillna("").astype(str), "p": provinces.fillna("").astype(str),
                             "r": regencies.fillna("").astype(str)})  # fmt: skip
        codes, uniques = pd.factorize(pd.MultiIndex.from_frame(keys))
        done = [self._one(n, p, r) for n, p, r in uniques]
        names_out = np.array([d[0] for d in done], dtype=object)
        batches = np.array([d[1] for d in done], dtype=object)
        return names_out[codes], batches[codes]

    def _one(self, name: str, province: str, regency: str) -> tuple[str, str]:
        words = _SPELLED.sub(_joined, fold(name)).split()
        batch = []
        if not self.batch_words.isdisjoint(words):  # "angkatan 2", "tahap ii", "gelombang ke 3", "sesi kedua"
            kept, i = [], 0
            while i < len(words):
                j = i + 2 if i + 1 < len(words) and words[i + 1] == "ke" else i + 1
                number = self._number(words[j]) if words[i] in self.batch_words and j < len(words) else None
                if number is not None:
                    batch.append(f"{words[i]}={number}")
                    i = j + 1
                else:
                    kept.append(words[i])
                    i += 1
            words = kept
        if self.phrase and not self.phrase_words.isdisjoint(words):
            words = self.phrase.sub(lambda m: self.phrases[m.group(1)], " ".join(words)).split()
        skip, expand, agency = self._skip(province, regency), self.expand, self.agency
        out = [x for w in words for x in expand.get(w) or (agency.get(w, w),) if x not in skip]
        return " ".join(out or words), " ".join(sorted(set(batch)))  # a name of place words only: as written

    def _number(self, word: str) -> int | None:
        """An arabic or roman numeral (I to XXXIX), or an ordinal word (pertama, kedua ...)."""
        if word.isdigit():
            return int(word)
        if _ROMAN_NUMERAL.fullmatch(word):
            values = [_ROMAN[c] for c in word]
            return sum(-v if v < nxt else v for v, nxt in zip(values, [*values[1:], 0], strict=True))
        return self.ordinals.get(word)

    @functools.lru_cache(maxsize=4096)  # noqa: B019 - one normaliser a run, a few hundred places
    def _skip(self, province: str, regency: str) -> frozenset[str]:
        """The words left out of a name at this place: meaningless words, the place's own."""
        return frozenset(self.stopwords | set(fold(province).split()) | set(fold(regency).split()))


def _joined(match: re.Match) -> str:
    return match.group(0).replace(" ", "")


def batches_differ(batches: np.ndarray) -> np.ndarray:
    """A square table over the distinct batch keys of `batches` (as `pd.factorize` numbers
    them): True where both name a batch of one kind with different numbers."""
    keys = pd.factorize(batches)[1]
    return np.array([[_conflict(x, y) for y in keys] for x in keys], dtype=bool).reshape(len(keys), len(keys))


def _conflict(a: str, b: str) -> bool:
    if a == b or not a or not b:
        return False
    left = dict(x.split("=") for x in a.split())
    right = dict(x.split("=") for x in b.split())
    return any(left[w] != right[w] for w in left.keys() & right.keys())
