"""The map of Indonesia by province for the Word report: a greyscale choropleth of the
activities per province, the provinces marked whose RAD PE reported, as PNG bytes that are
identical for the same data (like charts.py).

The outlines are rules/provinces_map.json (simplified from cahyadsn/wilayah_boundaries, MIT;
`bench/build_province_map.py` rebuilds it), keyed by Kemendagri code: a workspace without a
copy of its own reads the shipped one. Its attribution is the text `map.attribution`."""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as Outline

from ..core.formatting import angka
from ..core.paths import rules_dir
from ..core.rules import rules_file
from ..core.texts import t
from .charts import INK, _png

SHAPES = "provinces_map.json"
# no activity white, then lighter to darker: told apart in greyscale print
FILLS = {
    0: [],
    1: ["#7F7F7F"],
    2: ["#BFBFBF", "#404040"],
    3: ["#CCCCCC", "#808080", "#262626"],
    4: ["#D4D4D4", "#9C9C9C", "#5F5F5F", "#262626"],
}
NONE = "#FFFFFF"
MOST_CLASSES = 4
# equirectangular, a degree of longitude shortened to its length at Indonesia's middle latitude
MIDDLE_LATITUDE = -2.5
EXTENT = (94.7, 141.3, -11.3, 6.3)  # lon, lon, lat, lat


def shapes(folder: Path | None = None) -> dict[str, dict]:
    """The outline of each province by Kemendagri code: `rings` of [lon, lat] pairs and a
    `label` point inside its largest ring; from the rules folder, else the shipped copy."""
    path = rules_file(folder or rules_dir(), SHAPES)
    return json.loads(path.read_text(encoding="utf-8"))["provinces"]


def _nice(n: int) -> int:
    """n rounded up to one significant digit (8, 30, 400, 2.000): a class bound a reader takes in."""
    step = 10 ** (len(str(max(n, 1))) - 1)
    return -(-n // step) * step


def classes(values: Collection[int], most: int = MOST_CLASSES) -> list[tuple[int, int]]:
    """(low, high) of the classes of the positive `values`, at most `most`: bounds at round
    numbers near their quantiles, the last class ending at the largest value."""
    positive = sorted(v for v in values if v > 0)
    if not positive:
        return []
    top = positive[-1]
    wanted = min(most, len(set(positive)))
    quantiles = (positive[math.ceil(len(positive) * i / wanted) - 1] for i in range(1, wanted))
    highs = sorted({b for b in map(_nice, quantiles) if b < top} | {top})
    lows = [1, *(h + 1 for h in highs[:-1])]
    return list(zip(lows, highs, strict=True))


def _label(low: int, high: int) -> str:
    if low == high:
        return t("map.class_one", n=angka(low))
    return t("map.class_range", low=angka(low), high=angka(high))


def _fill(value: int, bounds: list[tuple[int, int]]) -> str:
    if value <= 0:
        return NONE
    fills = FILLS[len(bounds)]
    return next(fill for (_low, high), fill in zip(bounds, fills, strict=True) if value <= high)


def _outline(rings: list) -> Outline:
    """All rings of a province as one path, each ring closed."""
    vertices, codes = [], []
    for ring in rings:
        vertices += ring
        codes += [Outline.MOVETO] + [Outline.LINETO] * (len(ring) - 2) + [Outline.CLOSEPOLY]
    return Outline(vertices, codes)


def province_map(
    counts: Mapping[str, int], marked: Collection[str] = frozenset(), *, folder: Path | None = None
) -> bytes:
    """The map as PNG bytes, about 16 cm wide: each province shaded by its number of
    activities in `counts` (Kemendagri code -> count; a province not in it has none), a
    circle on each province in `marked` (codes of the provinces whose RAD PE reported), a
    legend of the classes below. `folder`: the rules folder (default: the workspace's)."""
    outlines = shapes(folder)
    unknown = sorted((set(counts) | set(marked)) - set(outlines))
    if unknown:
        raise ValueError(f"not a Kemendagri province code: {unknown}")
    bounds = classes([counts.get(code, 0) for code in outlines])
    fig = plt.figure(figsize=(6.1, 2.8))  # 16 cm wide with the margin of a tight bbox
    ax = fig.add_axes((0, 0.16, 1, 0.84))  # the map as wide as the page, the legend below
    for code in sorted(outlines):
        fill = _fill(counts.get(code, 0), bounds)
        ax.add_patch(PathPatch(_outline(outlines[code]["rings"]), facecolor=fill, edgecolor=INK, linewidth=0.3))
    points = [outlines[code]["label"] for code in sorted(marked)]
    if points:
        ax.scatter(*zip(*points, strict=True), s=16, marker="o", facecolor=NONE, edgecolor=INK, linewidth=0.9, zorder=3)
    ax.set_xlim(*EXTENT[:2])
    ax.set_ylim(*EXTENT[2:])
    ax.set_aspect(1 / math.cos(math.radians(MIDDLE_LATITUDE)))
    ax.set_axis_off()
    _legend(ax, bounds, bool(points))
    return _png(fig)


def _legend(ax, bounds: list[tuple[int, int]], marked: bool) -> None:
    fills = [NONE, *FILLS[len(bounds)]]
    labels = [_label(0, 0), *(_label(low, high) for low, high in bounds)]
    handles = [
        Patch(facecolor=f, edgecolor=INK, linewidth=0.5, label=text) for f, text in zip(fills, labels, strict=True)
    ]
    if marked:
        circle = {"marker": "o", "markersize": 5, "markerfacecolor": NONE, "markeredgecolor": INK}
        handles.append(Line2D([], [], linestyle="", markeredgewidth=0.9, label=t("map.marked"), **circle))
    ax.legend(
        handles=handles,
        title=t("map.legend_title"),
        loc="upper center",
        bbox_to_anchor=(0.5, 0.0),
        ncols=len(handles),
        fontsize=7,
        title_fontsize=7,
        frameon=False,
        handlelength=1.4,
        columnspacing=1.2,
    )
