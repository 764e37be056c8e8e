"""Charts of the Word report as PNG images (matplotlib), readable in greyscale print and
byte-identical for the same data."""

from __future__ import annotations

import functools
import io
import json
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ..core.formatting import angka, persen
from ..core.texts import t

INK, GREY = "#1A1A1A", "#8C8C8C"
# the report's font (Arial) where the machine has it, else its metric twin, else matplotlib's own
FONT = {"font.family": "sans-serif", "font.sans-serif": ["Arial", "Liberation Sans", "DejaVu Sans"]}
matplotlib.rcParams.update(FONT)


def _once(chart):
    """A chart of the same figures, in the same words, drawn once: the signed report and
    its public edition show the same charts (the last few kept)."""

    @functools.lru_cache(maxsize=8)
    def drawn(key: str) -> bytes:
        return chart(*json.loads(key)[0])

    @functools.wraps(chart)
    def draw(*args) -> bytes:
        words = [t(f"summary.chart.{k}") for k in ("capaian_axis", "count_axis")]
        return drawn(json.dumps([args, words], ensure_ascii=False))

    return draw


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _style(ax) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=INK, labelsize=8)


def _counts(axis) -> None:
    """Whole numbers written the Indonesian way (1.500): a count has no fractions."""
    axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(lambda v, _: angka(v)))


@_once
def achievement(data: list, level: str) -> bytes:
    names = ["\n".join(textwrap.wrap(n, 22)) for n, _ in data]
    values = [(v or 0) * 100 for _, v in data]
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    bars = ax.bar(names, values, color=INK, edgecolor=INK, hatch="")
    for bar, v, (_, ratio) in zip(bars, values, data, strict=True):
        ax.annotate(persen(ratio or 0), (bar.get_x() + bar.get_width() / 2, v), ha="center", va="bottom", fontsize=8)
    ax.set_ylabel(t("summary.chart.capaian_axis"), fontsize=8)
    ax.set_ylim(0, max([100, *values]) * 1.15)
    _style(ax)
    return _png(fig)


@_once
def status(data: list) -> bytes:
    labels = [n for n, _ in data][::-1]
    values = [v for _, v in data][::-1]
    fig, ax = plt.subplots(figsize=(6.5, 2.6))
    ax.barh(labels, values, color=[INK if i >= len(values) - 3 else GREY for i in range(len(values))])
    for i, v in enumerate(values):
        ax.annotate(str(v), (v, i), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_xlabel(t("summary.chart.count_axis"), fontsize=8)
    _counts(ax.xaxis)
    _style(ax)
    return _png(fig)


@_once
def provinces(data: list) -> bytes:
    rows = data[::-1]
    fig, ax = plt.subplots(figsize=(6.5, max(2.0, 0.22 * len(rows) + 0.6)))
    ax.barh([n for n, _ in rows], [v for _, v in rows], color=GREY, edgecolor=INK, linewidth=0.5)
    ax.set_xlabel(t("summary.chart.count_axis"), fontsize=8)
    _counts(ax.xaxis)
    _style(ax)
    return _png(fig)
