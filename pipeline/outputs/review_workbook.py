"""The secretariat's review workbook, outbox/<period>/tinjauan_<period>.xlsx: a guide with the
state of the review, one sheet of flagged values and one of pairs of activities, each row
an item with its values side by side, where they come from, what it changes in the totals
and the decision so far. Only the decision, note and name columns can be edited; the
decision is chosen from a list (data validation, honoured by Excel and LibreOffice).
Written again on every run from the decisions stored in the history, so deleting it loses
nothing. The same item table makes the summary workbook's Tinjauan sheet."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from ..analysis.overlap import told_kind
from ..analysis.review import CHOICES, PAIR, VALUE, counts, figure_label
from ..core.files import atomic_path
from ..core.formatting import angka, poin, waktu
from ..core.model import Review, Validation
from ..core.rules import Rules
from ..core.texts import t
from .fastsheet import Cells, Workbook
from .paper import print_area, print_setup
from .reproducible import fixed_datetime
from .template import WORKBOOK_OPTIONS, load_style

EDITABLE = ("decision", "note", "by")
# Each sheet prints one page wide (paper.py): first what an item is, its effect and its
# decision, wrapped where long (PRINTED widths); then, on screen, where it comes from.
SIDE = [("kl", "text"), ("kode_aksi", "code"), ("nama_kegiatan", "long"), ("provinsi", "text"),
        ("kabupaten_kota", "text"), ("tanggal_mulai", "date"), ("jumlah_peserta", "int"), ("_file", "text"),
        ("_row", "int")]  # fmt: skip
DECIDE = [("decision", "text"), ("note", "long"), ("by", "text")]
AFTER = [("amount", "num"), ("share", "pct"), ("at", "text"), ("previous", "text"), ("fingerprint", "code"),
         ("written", "code")]  # fmt: skip
VALUE_COLUMNS = [("item", "code"), ("state", "text"), ("kl", "text"), ("nama_kegiatan", "long"), ("label", "text"),
                 ("value", "num"), ("message", "long"), ("affects", "text"), *DECIDE, ("kode_aksi", "code"),
                 ("provinsi", "text"), ("detail", "text"), ("_file", "text"), ("sheet", "code"), ("cell", "code"),
                 *AFTER]  # fmt: skip
PAIR_COLUMNS = [("item", "code"), ("state", "text"), ("code", "text"), ("a_kl", "text"), ("a_nama_kegiatan", "long"),
                ("b_kl", "text"), ("b_nama_kegiatan", "long"), ("affects", "text"), *DECIDE, ("score", "num"),
                *[(f"a_{k}", kind) for k, kind in SIDE if k not in ("kl", "nama_kegiatan")],
                *[(f"b_{k}", kind) for k, kind in SIDE if k not in ("kl", "nama_kegiatan")], *AFTER]  # fmt: skip
WIDTH = {"code": 21, "text": 22, "long": 45, "num": 14, "int": 9, "pct": 9, "date": 11}
PRINTED = {"item": 21, "state": 13, "code": 20, "kl": 14, "a_kl": 14, "b_kl": 14, "nama_kegiatan": 28,
           "a_nama_kegiatan": 26, "b_nama_kegiatan": 26, "label": 14, "value": 12, "message": 30, "affects": 22,
           "decision": 16, "note": 22, "by": 13}  # fmt: skip
ROW_HEIGHT = 52  # points: four lines of the wrapped columns, on screen and on paper

CELL_KIND = {"text": "string", "long": "string", "code": "string", "date": "date"}


def review_path(outbox: Path, period_id: str) -> Path:
    return outbox / period_id / f"tinjauan_{period_id}.xlsx"


def shown(items: pd.DataFrame, kind: str, tz: str) -> pd.DataFrame:
    """The items of one kind as the workbooks show them: words for states, decisions, kinds
    and the totals an item moves; the time of a decision in the secretariat's zone `tz`."""
    out = items[items["kind"] == kind].reset_index(drop=True)
    if out.empty:
        return out
    out["written"] = (out["decision"] + "|" + out["note"]).where(out["decision"] != "", "")  # as keys
    words = {k: t(f"review.decisions.{k}") for ks in CHOICES.values() for k in ks} | {"": ""}
    out["state"] = _each(out["state"], lambda s: t(f"review.states.{s}"))
    out["decision"], out["previous"] = out["decision"].map(words), out["previous"].map(words)
    if kind == PAIR:
        label = {k: t(f"summary.headline.{k}").strip() for k in ("kegiatan_unik", "peserta_unik")}
        said = {"kegiatan": label["kegiatan_unik"], "peserta": label["peserta_unik"]}
        out["affects"] = _each(out["amount"], lambda amount: t("review.pair_affects", **said, people=angka(amount)))
        out["code"] = _each(told_kind(out["code"], out), lambda k: t(f"consolidate.kind.{k}"))
    else:
        out["affects"] = ["; ".join(figure_label(k) for k in keys) for keys in out["affects"]]
    out["at"] = _each(out["at"], lambda at: waktu(at, tz) if at else "")
    return out


def _each(values: pd.Series, word) -> pd.Series:
    """`word` of each value, worked out once per distinct value."""
    return values.map({v: word(v) for v in values.unique()})


def column_label(key: str) -> str:
    for side in ("a", "b"):
        if key.startswith(f"{side}_"):
            rest = key[2:]
            return t(f"review.columns.side_{side}", label=column_label(rest))
    return t(f"review.columns.{key}")


def write_review_workbook(path: Path, review: Review, validation: Validation, rules: Rules, day: dt.date) -> Path:
    st = load_style()
    base, nf = st["font"], st["num_formats"]
    top = {**base, "valign": "top"}  # an item's cells read from the top of its row of four lines
    with atomic_path(path) as tmp:
        wb = Workbook(str(tmp), WORKBOOK_OPTIONS)
        wb.set_properties({"title": t("review.title", period_title=validation.period.title),
                           "author": rules.settings.secretariat, "created": fixed_datetime(day)})  # fmt: skip
        f = {
            "title": wb.add_format({**base, **st["title"]}),
            "subtitle": wb.add_format({**base, **st["subtitle"]}),
            "header": wb.add_format({**base, **st["header"]}),
            "label": wb.add_format({**base, **st["label"]}),
            "wrap": wb.add_format({**base, **st["wrap"]}),
            "text": wb.add_format(top),
            "long": wb.add_format(top),
            "code": wb.add_format(top),
            "int": wb.add_format({**top, "num_format": nf["integer"]}),
            "num": wb.add_format({**top, "num_format": nf["number"]}),
            "pct": wb.add_format({**top, "num_format": nf["percent"]}),
            "date": wb.add_format({**top, "num_format": nf["date"]}),
            "input": wb.add_format({**top, **st["input"], "bg_color": "#FFF2CC"}),
            "wrap_input": wb.add_format({**top, **st["input"], **st["wrap"], "bg_color": "#FFF2CC"}),
        }
        for k in ("text", "long", "code"):
            f[f"wrap_{k}"] = f["wrap"]
        _guide(wb.add_worksheet(t("review.sheets.guide")), f, review, validation, rules)
        sheets = {kind: wb.add_worksheet(t(f"review.sheets.{kind}")) for kind in (VALUE, PAIR)}
        lists = wb.add_worksheet(t("review.sheets.choices"))  # the dropdowns' choices: any text, commas too
        for j, kind in enumerate((VALUE, PAIR)):
            lists.write_column(0, j, [t(f"review.decisions.{k}") for k in CHOICES[kind]])
        lists.hide()
        for j, (kind, cols) in enumerate(((VALUE, VALUE_COLUMNS), (PAIR, PAIR_COLUMNS))):
            source = f"='{lists.name}'!${'AB'[j]}$1:${'AB'[j]}${len(CHOICES[kind])}"
            _items(sheets[kind], f, shown(review.items, kind, rules.settings.timezone), cols, kind, source)
        wb.close()
    return path


def _items(ws, f: dict, df: pd.DataFrame, cols: list[tuple[str, str]], kind: str, source: str) -> None:
    """The items' table from A1, only the decision columns editable, the decision from a list."""
    widths, formats = [], []
    for j, (key, k) in enumerate(cols):
        wrap = key in PRINTED and CELL_KIND.get(k) == "string"  # a long text wraps in its printed column
        formats.append(f[("wrap_" if wrap else "") + ("input" if key in EDITABLE else k)])
        widths.append(PRINTED.get(key) or max(WIDTH[k], min(len(column_label(key)) + 2, 24)))
        ws.set_column(j, j, widths[-1], formats[-1], {"hidden": key in ("fingerprint", "written")})
        ws.write_string(0, j, column_label(key), f["header"])
    rows = max(len(df), 1)
    block = {j: Cells(df[key], formats[j], CELL_KIND.get(k, "number"))
             for j, (key, k) in enumerate(cols) if key in df}  # fmt: skip
    ws.write_block(1, block, height=ROW_HEIGHT)
    j = [key for key, _ in cols].index("decision")
    choices = [t(f"review.decisions.{k}") for k in CHOICES[kind]]
    ws.data_validation(1, j, rows + 200, j, {"validate": "list", "source": source,
                                             "input_title": column_label("decision")[:32],
                                             "input_message": " / ".join(choices)[:255]})  # fmt: skip
    ws.freeze_panes(1, 1)
    ws.autofilter(0, 0, rows, len(cols) - 1)
    ws.protect("", {"autofilter": True, "sort": False, "format_columns": True, "format_rows": True})
    print_setup(ws, repeat=0)
    print_area(ws, rows, widths)


def _guide(ws, f: dict, review: Review, validation: Validation, rules: Rules) -> None:
    ws.set_column(0, 0, 60)
    ws.set_column(1, 4, 18)
    ws.write_string(0, 0, t("review.title", period_title=validation.period.title), f["title"])
    row = 2
    share = f"{rules.review.provisional_share:.0%}"
    p = validation.period
    command = t("review.command_year" if p.kind == "Y" else "review.command_period", period=p.id)
    for line in t("review.guide"):
        ws.merge_range(row, 0, row, 4, line.format(share=share, period=p.id, command=command), f["wrap"])
        ws.set_row(row, 30)
        row += 1
    row += 1
    ws.write_string(row, 0, t("review.counts_title"), f["subtitle"])
    n = counts(review)
    for key in t("review.counts"):
        row += 1
        ws.write_string(row, 0, t(f"review.counts.{key}"), f["label"])
        ws.write_number(row, 1, n[key], f["int"])
    if review.provisional:
        row += 2
        ws.write_string(row, 0, t("review.provisional_title"), f["subtitle"])
        for key, amount in review.provisional.items():
            row += 1
            ws.write_string(row, 0, t(f"summary.headline.{key}").strip(), f["label"])
            ws.write_string(row, 1, t("review.provisional_mark", amount=angka(amount)))
    if review.achievement:
        row += 2
        ws.write_string(row, 0, t("review.provisional_achievement_title"), f["subtitle"])
        for code, points in review.achievement.items():
            row += 1
            ws.write_string(row, 0, t("review.capaian", code=code), f["label"])
            ws.write_string(row, 1, t("review.provisional_points", points=poin(points, signed=False)))
    for title, heads, lines in (
        (t("review.problems_title"), t("review.problem_columns"),
         [(p.sheet, p.cell, p.value, p.message) for p in review.problems]),
        (t("review.orphans_title"), t("review.orphan_columns"),
         [(d.item, t(f"review.decisions.{d.decision}"), d.note, d.by, waktu(d.at, rules.settings.timezone))
          for d in review.orphans]),
    ):  # fmt: skip
        if not lines:
            continue
        row += 2
        ws.write_string(row, 0, title, f["subtitle"])
        row += 1
        for j, h in enumerate(heads):
            ws.write_string(row, j, h, f["header"])
        for line in lines:
            row += 1
            for j, v in enumerate(line):
                ws.write_string(row, j, str(v), f["text"])
    print_setup(ws)
    ws.activate()
