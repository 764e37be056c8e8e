"""Normalisers read what Indonesian focal points type, and never change a canonical value."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.intake.normalise import (
    choice_parser,
    clean_text,
    has_content,
    parse_code,
    parse_date,
    parse_integer,
    parse_number,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1.500.000", 1_500_000),
        ("1.234.567", 1_234_567),
        ("1.234,5", 1234.5),
        ("12,75", 12.75),
        ("Rp 1,2 juta", 1_200_000),
        ("Rp. 2.500.000", 2_500_000),
        ("Rp 2,5 juta", 2_500_000),
        ("2 M", 2_000_000_000),
        ("1,5 miliar", 1_500_000_000),
        ("750 rb", 750_000),
        ("75%", 75),
        ("0,75", 0.75),
        ("1,234,567", 1_234_567),
        (" 300 ", 300),
        ("1.2 juta", 1_200_000),
        (1500000.0, 1_500_000),
    ],
)
def test_numbers(typed, expected):
    assert parse_number(typed).value == pytest.approx(expected)
    assert parse_number(typed).error is None


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("1,500", "ambiguous-value"),
        ("1.5", "ambiguous-value"),
        ("dua juta", "invalid-number"),
        ("12 ekor", "invalid-number"),
        ("1.2.3", "ambiguous-value"),
        (True, "invalid-number"),
    ],
)
def test_numbers_never_guess(typed, code):
    assert parse_number(typed).error == code and parse_number(typed).value is None


def test_integer_rejects_fractions():
    assert parse_integer("1.250").value == 1250
    assert parse_integer("12,5").error == "invalid-number"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("03/12/2026", dt.date(2026, 12, 3)),
        ("3/2/2026", dt.date(2026, 2, 3)),
        ("2026-12-03", dt.date(2026, 12, 3)),
        ("3 Des 2026", dt.date(2026, 12, 3)),
        ("3 Desember 2026", dt.date(2026, 12, 3)),
        ("17 Agustus 2026", dt.date(2026, 8, 17)),
        ("1-Mei-2026", dt.date(2026, 5, 1)),
        ("5 Nopember 2026", dt.date(2026, 11, 5)),
        (46359.0, dt.date(2026, 12, 3)),
        (dt.datetime(2026, 12, 3, 0, 0), dt.date(2026, 12, 3)),
    ],
)
def test_dates(typed, expected):
    assert parse_date(typed).value == expected


@pytest.mark.parametrize("typed", ["31/02/2026", "3/12/26", "besok", "13/13/2026", "3 Foo 2026", 46359.5])
def test_bad_or_ambiguous_dates(typed):
    assert parse_date(typed).value is None and parse_date(typed).error in ("invalid-date", "ambiguous-value")


@pytest.mark.parametrize("typed", ["1.1.2.", "Aksi 1.1.2", " 1.1.2", "Kode Aksi: 1.1.2", "1.1.2"])
def test_action_codes(typed):
    assert parse_code(typed).value == "1.1.2"
    assert parse_code(typed).changed == (typed != "1.1.2")


def test_whitespace():
    p = clean_text("  Sosialisasi\u00a0 moderasi\u200b  beragama ")
    assert p.value == "Sosialisasi moderasi beragama" and p.changed


def test_choice_aliases_and_case():
    parse = choice_parser(["Jawa Timur", "DKI Jakarta"], {"jatim": "Jawa Timur"})
    assert parse("Jatim").value == "Jawa Timur" and parse("Jatim").changed
    assert parse("jawa timur").value == "Jawa Timur"
    assert parse("Jawa Timr").error == "not-in-list"
    assert not parse("Jawa Timur").changed


@given(st.integers(min_value=0, max_value=10**13))
def test_canonical_numbers_unchanged(n):
    for value in (n, float(n), str(n)):
        p = parse_number(value)
        assert p.value == n and not p.changed


@given(st.floats(min_value=0, max_value=1e12, allow_nan=False))
def test_canonical_floats_unchanged(x):
    p = parse_number(x)
    assert p.value == x and not p.changed


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_canonical_dates_unchanged(d):
    p = parse_date(d)
    assert p.value == d and not p.changed


@given(st.text(alphabet=st.characters(codec="utf-8", categories=["L", "N", "P"]), min_size=1).map(lambda s: s.strip()))
def test_canonical_text_unchanged(s):
    import unicodedata

    s = unicodedata.normalize("NFC", s)
    if s:
        p = clean_text(s)
        assert p.value == s and not p.changed


@given(st.one_of(st.none(), st.text(alphabet=" \t\u00a0\u2007\u202f\u200b\ufeff\u3000ab"), st.floats(), st.integers()))
def test_has_content_agrees_with_clean_text(v):
    assert has_content(v) == (clean_text(v).value is not None)


_MIXED = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(-3, 3), st.sampled_from(["1", " 1", "Ya"]))


@given(st.lists(_MIXED))
def test_apply_parses_each_distinct_value_once_and_keeps_types_apart(values):
    """True == 1 in Python: a boolean must not share the parse of the number 1."""
    import pandas as pd

    from pipeline.intake.normalise import apply

    codes, parsed = apply(pd.Series(values, dtype=object), parse_number)
    assert len(codes) == len(values)
    for v, code in zip(values, codes, strict=True):
        assert parsed[code] == parse_number(v)


def test_a_correction_says_what_the_value_was_read_as(rules, period, tmp_path):
    """'12/03/2026' read as 12/03/2026 settled nothing: the month is written out, and a number
    is shown without a thousands separator to read two ways."""
    from pipeline.intake.validate import validate_period

    from .test_problem_codes import _workbook

    _workbook(tmp_path / "inbox", rules, period, [{"anggaran": "1.500.000", "tanggal_mulai": "12/03/2026"}])
    said = {p.code: p.message for p in validate_period(tmp_path / "inbox", rules, period).problems}
    assert "dibaca sebagai 12 Maret 2026" in said["date-reformatted"]
    assert "'1.500.000' pada kolom Anggaran (Rp) dibaca sebagai 1500000." in said["number-reformatted"]
