"""Normalise values typed by focal points into canonical form, safely.

Each parser takes one raw cell value (as read by calamine: str, float, int, bool, date,
datetime) and returns a `Parsed`: the canonical value, or an error code when the value
cannot be read or is ambiguous. Nothing ambiguous is guessed. `normalise_frame` types
every column of a period's rows, parsing each distinct value once (typed values repeat a
lot), and reports each value that could not be read or was safely corrected. A kab/kota
(type regency) is matched to the official code list once per distinct value and province
(regencies.py), and its Kemendagri code added beside it as `kode_<key>`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process, utils

from ..core.formatting import bilangan, dmy, tanggal
from ..core.model import Problem
from ..core.rules import Rules
from ..core.schema import Column
from ..core.texts import t
from .regencies import Matcher

EXCEL_EPOCH = dt.date(1899, 12, 30)
MONTHS = {
    "jan": 1, "januari": 1, "january": 1,
    "feb": 2, "februari": 2, "pebruari": 2, "february": 2,
    "mar": 3, "maret": 3, "march": 3,
    "apr": 4, "april": 4,
    "mei": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "agu": 8, "agt": 8, "agus": 8, "agustus": 8, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oktober": 10, "oct": 10, "october": 10,
    "nov": 11, "nop": 11, "november": 11, "nopember": 11,
    "des": 12, "desember": 12, "dec": 12, "december": 12,
}  # fmt: skip
MULTIPLIERS = {
    "rb": 1e3, "ribu": 1e3,
    "jt": 1e6, "juta": 1e6,
    "m": 1e9, "miliar": 1e9, "milyar": 1e9, "mlyr": 1e9,
    "t": 1e12, "triliun": 1e12,
}  # fmt: skip
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f]+")
_MONEY = re.compile(r"^(?:rp\.?|idr)\s*", re.I)
_NUMBER = re.compile(r"^([+-]?)([\d.,]+)\s*([a-z]*)\s*(%?)$", re.I)
_THOUSANDS_DOT = re.compile(r"^\d{1,3}(\.\d{3})+$")
_THOUSANDS_COMMA = re.compile(r"^\d{1,3}(,\d{3}){2,}$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
_TEXT_DATE = re.compile(r"^(\d{1,2})[\s\-]+([a-z]+)\.?[\s\-]+(\d{4})$", re.I)
_CODE = re.compile(r"^(?:aksi|kode(?:\s+aksi)?|no\.?)?\s*[:.]?\s*(\d+(?:\.\d+)*)\.?$", re.I)


@dataclass(frozen=True)
class Parsed:
    value: object = None
    error: str | None = None  # problem code when the value can't be used
    changed: bool = False  # a safe correction was applied (value differs from what was typed)
    detail: str = ""


EMPTY = Parsed()


def clean_text(value: object) -> Parsed:
    """Trim, drop invisible characters, collapse runs of (non-breaking) spaces."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return EMPTY
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    raw = str(value)
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", raw).translate(_INVISIBLE)).strip()
    if not text:
        return EMPTY
    return Parsed(text, changed=text != raw and isinstance(value, str))


def has_content(value: object) -> bool:
    """What clean_text would keep a value for, without building it (cheap for the many
    empty cells of a template)."""
    if value is None or value == "":
        return False
    if isinstance(value, str):
        return bool(value.translate(_INVISIBLE).strip())
    return not (isinstance(value, float) and math.isnan(value))


def parse_number(value: object) -> Parsed:
    """Numbers in Indonesian writing: '1.234.567', '1.234,5', 'Rp 1,2 juta', '2 M', '75%'."""
    if isinstance(value, bool):
        return Parsed(error="invalid-number")
    if isinstance(value, int | float):
        return EMPTY if isinstance(value, float) and math.isnan(value) else Parsed(float(value))
    cleaned = clean_text(value)
    if cleaned.value is None:
        return EMPTY
    raw = str(cleaned.value)
    text = _MONEY.sub("", raw).replace(" ", "") if _MONEY.match(raw) else raw
    m = _NUMBER.match(text.replace(" ", ""))
    if not m:
        return Parsed(error="invalid-number")
    sign, digits, word, percent = m.groups()
    factor = 1.0
    if word:
        if word.lower() not in MULTIPLIERS:
            return Parsed(error="invalid-number")
        factor = MULTIPLIERS[word.lower()]
    number = _digits(digits, has_multiplier=bool(word))
    if number is None:
        return Parsed(error="ambiguous-value", detail=t("normalise.separators"))
    result = float(f"{sign}1") * number * factor
    if factor != 1:
        result = round(result, 2)
    changed = text != raw or bool(word) or bool(percent) or not re.fullmatch(r"[+-]?\d+", digits)
    return Parsed(result, changed=changed, detail=bilangan(result))


def _digits(digits: str, has_multiplier: bool) -> float | None:
    """Read the digit part. Indonesian: dot = thousands, comma = decimal."""
    if re.fullmatch(r"\d+", digits):
        return float(digits)
    if _THOUSANDS_DOT.match(digits):
        return float(digits.replace(".", ""))
    if re.fullmatch(r"\d{1,3}(\.\d{3})*,\d+", digits) or re.fullmatch(r"\d+,\d+", digits):
        if re.fullmatch(r"\d{1,3},\d{3}", digits) and not has_multiplier:
            return None  # "1,500": Indonesian 1,5 or English 1500
        return float(digits.replace(".", "").replace(",", "."))
    if _THOUSANDS_COMMA.match(digits):
        return float(digits.replace(",", ""))
    if has_multiplier and re.fullmatch(r"\d+\.\d{1,2}", digits):
        return float(digits)  # "1.2 juta": a grouping dot can't be followed by 1-2 digits
    return None


def parse_integer(value: object) -> Parsed:
    p = parse_number(value)
    if p.value is not None and not float(p.value).is_integer():
        return Parsed(error="invalid-number", detail=t("normalise.whole_number"))
    return Parsed(int(p.value), changed=p.changed, detail=p.detail) if p.value is not None else p


def parse_date(value: object) -> Parsed:
    """Dates as Excel serials, dd/mm/yyyy, ISO yyyy-mm-dd or '3 Des 2026' / '3 Desember 2026'."""
    if isinstance(value, dt.datetime):
        return Parsed(value.date())
    if isinstance(value, dt.date):
        return Parsed(value)
    if isinstance(value, bool):
        return Parsed(error="invalid-date")
    if isinstance(value, int | float):
        if isinstance(value, float) and math.isnan(value):
            return EMPTY
        if not 1 <= value < 2958466 or not float(value).is_integer():
            return Parsed(error="invalid-date")
        day = EXCEL_EPOCH + dt.timedelta(days=int(value))
        return Parsed(day, changed=True, detail=tanggal(day))
    cleaned = clean_text(value)
    if cleaned.value is None:
        return EMPTY
    text = str(cleaned.value).lower()
    try:
        if m := _DMY.match(text):
            d, mth, y = int(m[1]), int(m[2]), int(m[3])
            if len(m[3]) == 2:
                return Parsed(error="ambiguous-value", detail=t("normalise.two_digit_year"))
            day = dt.date(y, mth, d)
        elif m := _ISO.match(text):
            day = dt.date(int(m[1]), int(m[2]), int(m[3]))
        elif (m := _TEXT_DATE.match(text)) and m[2] in MONTHS:
            day = dt.date(int(m[3]), MONTHS[m[2]], int(m[1]))
        else:
            return Parsed(error="invalid-date")
    except ValueError:
        return Parsed(error="invalid-date")
    return Parsed(day, changed=True, detail=tanggal(day))


def parse_code(value: object) -> Parsed:
    """Action codes written '1.1.2.', 'Aksi 1.1.2', ' 1.1.2' or as the number 1.1 (a float)."""
    cleaned = clean_text(value)
    if cleaned.value is None:
        return EMPTY
    raw = str(cleaned.value)
    m = _CODE.match(raw)
    if not m:
        return Parsed(raw)
    code = m[1]
    return Parsed(code, changed=code != raw or cleaned.changed, detail=code)


def choice_parser(allowed: list[str], aliases: dict[str, str]) -> Callable[[object], Parsed]:
    """Exact value, or a declared alias / different case (a correction). Anything else: not-in-list."""
    exact = set(allowed)
    folded = {v.casefold(): v for v in allowed} | aliases

    def parse(value: object) -> Parsed:
        cleaned = clean_text(value)
        if cleaned.value is None:
            return EMPTY
        text = str(cleaned.value)
        if text in exact:
            return Parsed(text, changed=cleaned.changed)
        hit = folded.get(text.casefold())
        if hit:
            return Parsed(hit, changed=True, detail=hit)
        return Parsed(text, error="not-in-list")

    return parse


_NO_BOOLEANS = {"empty", "string", "floating", "integer", "mixed-integer-float", "date", "datetime", "time"}


def apply(series: pd.Series, parser: Callable[[object], Parsed]) -> tuple[np.ndarray, list[Parsed]]:
    """Parse each distinct value once: `(codes, parsed)`, the row's value being
    `parsed[codes[row]]`. Equal numbers typed as int or float parse alike, but True == 1
    in Python, so a column that may hold a boolean beside numbers is keyed by type too."""
    if pd.api.types.infer_dtype(series, skipna=True) in _NO_BOOLEANS:
        codes, uniques = pd.factorize(series, use_na_sentinel=False)
    else:
        codes, keyed = pd.factorize(pd.Series([(type(v).__name__, v) for v in series], dtype=object))
        uniques = [v for _, v in keyed]
    return codes, [parser(u) for u in uniques]


# ---- a period's rows ---------------------------------------------------------------------
META_COLUMNS = ["_file", "_sheet", "_agency", "_row"]  # where each row comes from


def parser_for(col: Column, rules: Rules) -> Callable[[object], Parsed]:
    if col.type in ("text", "url"):
        return clean_text
    if col.type == "integer":
        return parse_integer
    if col.type in ("number", "money"):
        return parse_number
    if col.type == "date":
        return parse_date
    if col.type == "code":
        codes = set(rules.choices("catalogue"))
        return lambda v: _known_code(parse_code(v), codes)
    return choice_parser(rules.choices(col.source), rules.aliases(col.source))


def _known_code(parsed: Parsed, codes: set[str]) -> Parsed:
    if parsed.value is None or parsed.value in codes:
        return parsed
    return Parsed(parsed.value, error="unknown-action-code")


def own_region(raw: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """A regional government's rows default to its own region: an empty province is its
    province; an empty kab/kota of a row in its province, a kab/kota government's own."""
    regional = {a.code: a for a in rules.agencies if a.regional}
    if raw.empty or not raw["_agency"].isin(list(regional)).any():
        return raw
    raw = raw.copy()
    unit = raw["_agency"].map(regional)
    mine = unit.notna()
    home = unit[mine].map(lambda a: rules.province_name(a.province)).reindex(raw.index)
    town = unit[mine].map(lambda a: a.short if a.level == "kabkota" else None).reindex(raw.index)
    for col in (c for c in rules.fields.columns if c.source == "provinces" and c.key in raw):
        empty = mine & ~raw[col.key].map(has_content).astype(bool)
        raw.loc[empty, col.key] = home[empty]
        for sub in (c for c in rules.fields.columns if c.within == col.key and c.key in raw):
            blank = town.notna() & (raw[col.key] == home) & ~raw[sub.key].map(has_content).astype(bool)
            raw.loc[blank, sub.key] = town[blank]
    return raw


def normalise_frame(raw: pd.DataFrame, rules: Rules, letters: dict) -> tuple[pd.DataFrame, list[Problem]]:
    """Typed frame (unreadable values become empty) and the problems found while reading values."""
    typed = raw[[c for c in META_COLUMNS if c in raw]].copy()
    problems: list[Problem] = []
    for col in rules.fields.columns:
        if col.key not in raw or not col.input or col.type == "regency":
            continue
        codes, parsed = apply(raw[col.key], parser_for(col, rules))
        values = np.fromiter((None if p.error else p.value for p in parsed), dtype=object, count=len(parsed))[codes]
        typed[col.key] = _dtype(pd.Series(values, index=raw.index), col.type)
        flagged = np.array([bool(p.error or p.changed) for p in parsed], dtype=bool)[codes]
        for pos in np.flatnonzero(flagged):
            problems.append(_value_problem(raw, raw.index[pos], col, parsed[codes[pos]], rules, letters))
    for col in rules.fields.columns:  # after the province they are read within
        if col.key in raw and col.input and col.type == "regency":
            problems += _regencies(raw, typed, col, rules, letters)
    return typed, problems


def _regencies(raw: pd.DataFrame, typed: pd.DataFrame, col: Column, rules: Rules, letters: dict) -> list[Problem]:
    """Type a kab/kota column (official name, or the text as typed when it names none or
    several) and add its Kemendagri code after it: each distinct value and province once.
    A name corrected is `alias-replaced`; unknown, ambiguous or outside the row's province
    a warning, the value kept."""
    codes, cleaned = apply(raw[col.key], clean_text)
    text = pd.Series(np.array([p.value for p in cleaned], dtype=object)[codes], index=raw.index)
    spaces = np.array([p.changed for p in cleaned], dtype=bool)[codes]  # "  Kota Malang" as typed
    within = typed[col.within] if col.within in typed else pd.Series(None, index=raw.index, dtype=object)
    pair, uniques = pd.factorize(text.fillna("") + "\x1f" + within.fillna("").astype(str))
    place = _Places(rules)
    found = [place.read(*u.split("\x1f")) for u in uniques] + [(None, None, [])]  # [-1]: no rows
    typed[col.key] = _dtype(pd.Series(np.array([f[0] for f in found], dtype=object)[pair], index=raw.index), "text")
    kemendagri = pd.Series(np.array([f[1] for f in found], dtype=object)[pair], index=raw.index)
    typed.insert(typed.columns.get_loc(col.key) + 1, f"kode_{col.key}", _dtype(kemendagri, "text"))
    noted = np.array([bool(f[2]) for f in found], dtype=bool)[pair]
    out = []
    for pos in np.flatnonzero(noted | spaces):
        notes = found[pair[pos]][2] or [Parsed(changed=True)]  # only spaces tidied
        out += [_value_problem(raw, raw.index[pos], col, p, rules, letters) for p in notes]
    return out


class _Places:
    """Reads one kab/kota typed in a row of a province (regencies.py matches it)."""

    def __init__(self, rules: Rules) -> None:
        self.match = Matcher(rules).match
        self.code = {p.name: p.kemendagri for p in rules.provinces.provinces}
        self.name = {p.kemendagri: p.name for p in rules.provinces.provinces}
        self.abroad = {s.name for s in rules.provinces.special if not s.domestic}

    def read(self, text: str, province: str) -> tuple[str | None, str | None, list[Parsed]]:
        """(value, Kemendagri code, what to tell) of `text` in a row of `province`."""
        if not text:
            return None, None, []
        if province in self.abroad:  # any place abroad, as typed
            return text, None, []
        m = self.match(text, self.code.get(province))
        if m.regency is None and m.candidates:
            names = ", ".join(r.name for r in m.candidates)
            return text, None, [Parsed(error="ambiguous-regency", detail=names)]
        if m.regency is None:
            hint = t("validate.suggestion", value=m.suggestion) if m.suggestion else ""
            return text, None, [Parsed(error="unknown-regency", detail=hint)]
        r, notes = m.regency, []
        if r.name != text:
            notes.append(Parsed(r.name, changed=True, detail=r.name))
        if province in self.code and r.province != self.code[province]:
            home = t("normalise.regency_home", province=self.name.get(r.province, r.province))
            notes.append(Parsed(error="regency-outside-province", detail=home))
        return r.name, r.code, notes


def _dtype(values: pd.Series, kind: str) -> pd.Series:
    if kind in ("number", "money"):
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if kind == "integer":
        return pd.to_numeric(values, errors="coerce").astype("Int64")
    return values.astype(object).where(values.notna(), None)


_CHANGE_CODE = {  # the correction a parser's change is, by column type
    "integer": "number-reformatted",
    "number": "number-reformatted",
    "money": "number-reformatted",
    "date": "date-reformatted",
    "code": "code-reformatted",
    "choice": "alias-replaced",
    "regency": "alias-replaced",
}


def _value_problem(raw: pd.DataFrame, i, col: Column, p: Parsed, rules: Rules, letters: dict) -> Problem:
    value = raw.at[i, col.key]
    shown = dmy(value) if hasattr(value, "strftime") else str(value)
    code = p.error or (_CHANGE_CODE.get(col.type, "whitespace-normalised") if p.detail else "whitespace-normalised")
    detail = p.detail
    if code == "not-in-list":  # no suggestion for action codes: a near code is another action
        detail = _suggest(str(p.value), rules.choices(col.source))
    file, row = raw.at[i, "_file"], int(raw.at[i, "_row"])
    cell = f"{letters.get(file, {}).get(col.key, '')}{row}"
    return Problem(
        file,
        code,
        sheet=raw.at[i, "_sheet"],
        cell=cell,
        row=row,
        column=col.label,
        value=shown.strip() if code != "whitespace-normalised" else shown,
        detail=detail,
    )


def _suggest(value: str, allowed: list[str]) -> str:
    hit = process.extractOne(value, allowed, scorer=fuzz.WRatio, processor=utils.default_process, score_cutoff=85)
    return t("validate.suggestion", value=hit[0]) if hit else ""
