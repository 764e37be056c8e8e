"""A kab/kota as focal points type it, matched to the official code list (rules/regencies.yaml).

Names are compared folded: case, dots, hyphens and spaces do not count, the short words of
`words` are expanded ("Kep." is "Kepulauan") and a leading prefix of `prefixes` ("Kab.",
"Kabupaten", "Kota", "Kota Adm.") says the type and is set aside. A name or alias then names
one kab/kota, or several (a kabupaten and a kota of one name, "Bekasi"): the prefix's type
chooses among them, then the row's province; what is still several is ambiguous and never
guessed. An unknown name gets the nearest official name as a suggestion, never as a value.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from ..core.rules import Rules
from ..core.schema import Regency

_NOT_WORD = re.compile(r"[\W_]+")
# rapidfuzz's plain ratio (edit distance over the whole name): a misspelling ("Lamongn") is
# near, a word shared with a longer name ("Kota" in "Lima Puluh Kota") is not
SUGGEST_CUTOFF = 80


@dataclass(frozen=True)
class Match:
    """What a typed name names: one kab/kota, several (ambiguous), or none (with the nearest name)."""

    regency: Regency | None = None
    candidates: tuple[Regency, ...] = ()
    suggestion: str = ""


class Matcher:
    """The code list indexed by folded name, built once per validation."""

    def __init__(self, rules: Rules) -> None:
        cfg = rules.regencies
        self.words = {k.casefold(): v.casefold() for k, v in cfg.words.items()}
        prefixes = [(tuple(self._tokens(p)), kind) for kind, ps in cfg.prefixes.items() for p in ps]
        self.prefixes = sorted(prefixes, key=lambda x: -len(x[0]))  # "kota administrasi" before "kota"
        self.by_key: dict[str, list[Regency]] = {}
        self.bare: dict[str, list[tuple[str, Regency]]] = {}  # province -> (name without prefix, regency)
        for r in cfg.regencies:
            for name in (r.name, *r.aliases):
                key = self.split(name)[2]
                found = self.by_key.setdefault(key, [])
                if r not in found:
                    found.append(r)
            self.bare.setdefault(r.province, []).append((self.split(r.name)[1], r))
        self.everywhere = [pair for pairs in self.bare.values() for pair in pairs]

    def _tokens(self, text: str) -> list[str]:
        words = _NOT_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold()).split()
        return [self.words.get(w, w) for w in words]

    def split(self, text: str) -> tuple[str | None, str, str, str]:
        """(type said by the prefix or None, the name without it, its key, the key of the whole text)."""
        tokens = self._tokens(text)
        kind, rest = None, tokens
        for prefix, k in self.prefixes:
            if len(tokens) > len(prefix) and tuple(tokens[: len(prefix)]) == prefix:
                kind, rest = k, tokens[len(prefix) :]
                break
        return kind, " ".join(rest), "".join(rest), "".join(tokens)

    def match(self, text: str, province: str | None) -> Match:
        """The kab/kota `text` names, `province` (a Kemendagri code, or None) choosing among namesakes."""
        kind, bare, key, whole = self.split(text)
        found = self.by_key.get(key, [])
        if not found and kind:  # "Kota Baru": the word is part of the name (Kabupaten Kotabaru)
            found = self.by_key.get(whole, [])
        if kind and len(found) > 1:
            found = [r for r in found if r.type == kind] or found
        if province and len(found) > 1:
            found = [r for r in found if r.province == province] or found
        if len(found) == 1:
            return Match(found[0])
        if found:
            return Match(candidates=tuple(found))
        return Match(suggestion=self._nearest(bare, kind, province))

    def _nearest(self, bare: str, kind: str | None, province: str | None) -> str:
        """The official name nearest to `bare`: in the row's province first, then anywhere;
        among namesakes, the one of the type the prefix said."""
        for pairs in (self.bare.get(province, []) if province else [], self.everywhere):
            if kind:
                pairs = sorted(pairs, key=lambda pair: pair[1].type != kind)  # stable: code order kept
            if not pairs or not bare:
                continue
            hit = process.extractOne(
                bare, [b for b, _ in pairs], scorer=fuzz.ratio, processor=utils.default_process,
                score_cutoff=SUGGEST_CUTOFF,
            )  # fmt: skip
            if hit:
                return pairs[hit[2]][1].name
        return ""
