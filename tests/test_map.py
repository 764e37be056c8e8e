"""The map of activities per province (pipeline/outputs/maps.py) and the outlines it is drawn
with (rules/provinces_map.json): every province of rules/provinces.yaml and no other, a
small file that credits its source, and a PNG identical for the same data."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from pipeline.core.paths import DEFAULTS
from pipeline.core.texts import t
from pipeline.outputs.maps import SHAPES, classes, province_map, shapes

BUDGET = 300_000  # bytes: the outlines travel in the wheel


@pytest.fixture(scope="module")
def codes(rules) -> list[str]:
    return sorted(p.kemendagri for p in rules.provinces.provinces)


def test_the_outlines_cover_the_38_provinces_exactly(rules, codes):
    outlines = shapes(rules.folder)
    assert sorted(outlines) == codes and len(codes) == 38
    assert {"93", "94", "95", "96"} <= set(outlines)  # the Papua provinces of 2022, by Kemendagri code
    for code, province in outlines.items():
        assert province["rings"], code
        for ring in province["rings"]:
            assert len(ring) >= 4 and ring[0] == ring[-1], code
            assert all(94 < lon < 142 and -12 < lat < 7 for lon, lat in ring), code


def test_the_outlines_stay_small_and_name_their_source(rules):
    path = rules.folder / SHAPES
    assert path.stat().st_size < BUDGET
    data = json.loads(path.read_text(encoding="utf-8"))
    source = data["source"]
    assert source["repository"] == "https://github.com/cahyadsn/wilayah_boundaries"
    assert len(source["commit"]) == 40 and source["licence"] == "MIT"
    assert source["copyright"] in data["licence_text"]  # MIT: the notice travels with the data
    assert data["simplification"]["tolerance_degrees"] > 0
    assert "cahyadsn/wilayah_boundaries" in t("map.attribution") and "MIT" in t("map.attribution")


def test_a_workspace_without_its_own_copy_reads_the_shipped_one(rules_copy, codes):
    (rules_copy / SHAPES).unlink()
    assert sorted(shapes(rules_copy)) == codes
    assert (DEFAULTS / "rules" / SHAPES).is_file()


def _counts(codes: list[str], step: int) -> dict[str, int]:
    return {code: (i * step) % 37 for i, code in enumerate(codes)}


def test_the_same_data_gives_the_same_bytes(rules, codes):
    counts, marked = _counts(codes, 7), set(codes[::5])
    first = province_map(counts, marked, folder=rules.folder)
    assert first == province_map(dict(reversed(counts.items())), set(reversed(sorted(marked))), folder=rules.folder)
    assert first.startswith(b"\x89PNG")
    width, _height = Image.open(io.BytesIO(first)).size
    assert 800 <= width <= 1100  # about 16 cm at 150 dpi: an A4 portrait page's width


def test_other_data_gives_other_bytes(rules, codes):
    counts = _counts(codes, 7)
    base = province_map(counts, set(), folder=rules.folder)
    assert province_map(_counts(codes, 11), set(), folder=rules.folder) != base
    assert province_map(counts, {"31"}, folder=rules.folder) != base
    assert province_map({}, set(), folder=rules.folder) != base  # no activity anywhere: one class, "0"


def test_a_code_that_is_no_province_is_refused(rules):
    with pytest.raises(ValueError, match="Nasional"):
        province_map({"Nasional": 3}, set(), folder=rules.folder)
    with pytest.raises(ValueError, match="97"):
        province_map({}, {"97"}, folder=rules.folder)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], []),
        ([0, 0], []),
        ([5, 5, 0], [(1, 5)]),
        ([1, 2], [(1, 1), (2, 2)]),
        ([1, 3, 8, 12, 20, 35, 60, 127, 0], [(1, 3), (4, 20), (21, 40), (41, 127)]),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 2400], [(1, 3), (4, 5), (6, 8), (9, 2400)]),
    ],
)
def test_classes_end_at_round_numbers_and_the_largest_value(values, expected):
    assert classes(values) == expected
