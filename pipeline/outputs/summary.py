"""Write the summary workbook ringkasan_<period>.xlsx with xlsxwriter: headline figures
and native charts, one sheet per catalogue level, per action, per agency, per province,
the completeness matrix, overlaps, every activity, every problem, and what it was made from.

Agency text is always written as text (strings_to_formulas off); numbers in Indonesian
style come from the number formats; the file is byte-reproducible for the same input.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from xlsxwriter.utility import xl_rowcol_to_cell

from .. import __version__
from ..analysis.board import status_board
from ..analysis.consolidate import OVERLAP_SIDE, headline, overlap_table
from ..analysis.levels import level_status, region_table
from ..analysis.review import OPEN, PAIR, VALUE, counts
from ..core.files import atomic_path
from ..core.formatting import PERCENT_DECIMALS, angka, bulat, dmy, poin, rupiah
from ..core.model import Comparison, Consolidation, Validation
from ..core.rules import Rules
from ..core.texts import t
from ..core.units import LEVELS
from .fastsheet import Cells, Workbook
from .paper import print_area, print_setup
from .problem_list import PROBLEM_COLUMNS, problem_table
from .reproducible import fixed_datetime
from .review_workbook import PAIR_COLUMNS, VALUE_COLUMNS, column_label, review_path, shown
from .template import WORKBOOK_OPTIONS, load_style

CELL_KIND = {"text": "string", "long": "string", "code": "string", "date": "date"}  # the rest are numbers
NUMBER_LABEL = 16
WIDTH = {"text": 24, "long": 44, "int": 11, "num": 12, "money": 17, "pct": 10, "date": 11, "code": 10}


def _width(label: str, kind: str) -> int:
    """A column's width: its kind's, or its label's where longer, a number's label wrapping
    over two lines past NUMBER_LABEL (the header wraps) so that the figures print one page wide."""
    return max(WIDTH[kind], min(len(label) + 2, 30 if CELL_KIND.get(kind) == "string" else NUMBER_LABEL))


def summary_path(outbox: Path, period_id: str) -> Path:
    return outbox / period_id / f"ringkasan_{period_id}.xlsx"


def _label(key: str, **kw) -> str:
    return t(f"summary.columns.{key}", **kw)


class _Writer:
    def __init__(self, wb: Workbook, rules: Rules) -> None:
        st = load_style()
        base, nf = st["font"], st["num_formats"]
        self.wb, self.rules = wb, rules
        self.statuses = rules.choices("list:status")
        own = ("kl", "_file", "_row", "id_kegiatan", "duplikat", "uraian_aksi", "kode_kabupaten_kota")
        self.labels = {c.key: c.label for c in rules.fields.columns} | {k: _label(k) for k in own}
        add = wb.add_format
        self.f = {
            "title": add({**base, **st["title"]}),
            "subtitle": add({**base, **st["subtitle"]}),
            "note": add({**base, **st["note"]}),
            "header": add({**base, **st["header"]}),
            "label": add({**base, **st["label"]}),
            "text": add(base),
            "long": add({**base, "text_wrap": False}),
            "code": add(base),
            "int": add({**base, "num_format": nf["integer"]}),
            "num": add({**base, "num_format": nf["number"]}),
            "money": add({**base, "num_format": '"Rp "#,##0'}),
            "pct": add({**base, "num_format": nf["percent"]}),
            "date": add({**base, "num_format": nf["date"]}),
            "good": add({"bg_color": "#C6EFCE", "font_color": "#006100"}),
            "bad": add({"bg_color": "#FFC7CE", "font_color": "#9C0006"}),
            "neutral": add({"bg_color": "#F2F2F2"}),
        }

    def table(self, ws, row: int, df: pd.DataFrame, cols: list[tuple[str, str, str]], freeze=True, filter=False) -> int:
        """Header and values of `cols` (key, label, kind) from row `row`, with filter buttons
        when `filter`; returns the row after. A frozen table sets its sheet's printing: its
        header repeated on each page, its leading columns one page wide (print_setup)."""
        widths = [_width(label, kind) for _, label, kind in cols]
        for j, ((_, label, _), width) in enumerate(zip(cols, widths, strict=True)):
            ws.set_column(j, j, width)
            ws.write_string(row, j, label, self.f["header"])
        ws.write_block(row + 1, {j: self._cells(df[key], kind) for j, (key, _, kind) in enumerate(cols) if key in df})
        if filter:
            ws.autofilter(row, 0, row + max(len(df), 1), len(cols) - 1)
        if freeze:
            ws.freeze_panes(row + 1, 0)
            print_setup(ws, repeat=row)
            print_area(ws, row + len(df), widths)  # the leading columns: the rest stays on screen
        return row + 1 + len(df)

    def _cells(self, values: pd.Series, kind: str) -> Cells:
        """One column for `FastSheet.write_block`: yes/no as text, the rest by its kind."""
        if pd.api.types.infer_dtype(values, skipna=True) == "boolean":
            return Cells(values.map({True: t("status_board.yes_text").capitalize()}), self.f[kind])
        if kind == "pct":  # stored as shown (docs/angka.md, section 10): the text formats the same number
            values = values.map(lambda v: v if pd.isna(v) else bulat(v, PERCENT_DECIMALS + 2))
        return Cells(values, self.f[kind], CELL_KIND.get(kind, "number"))


def write_summary(
    path: Path,
    c: Consolidation,
    validation: Validation,
    rules: Rules,
    day: dt.date,
    comparison: Comparison | None = None,
) -> Path:
    with atomic_path(path) as tmp:
        wb = Workbook(str(tmp), WORKBOOK_OPTIONS)
        wb.set_properties(
            {
                "title": t("summary.title", period_title=validation.period.title),
                "author": rules.settings.secretariat,
                "company": rules.settings.organisation,
                "created": fixed_datetime(day),
                "comments": f"ranpe-pipeline {__version__}",
            }
        )
        w = _Writer(wb, rules)
        ring = wb.add_worksheet(t("summary.sheets.ringkasan"))
        level_sheets = [_per_level(w, c, d) for d in range(len(c.levels))]
        _per_action(w, c)
        _per_agency(w, c)
        _status(w, validation, rules, day)
        if comparison is not None:
            _comparison(w, comparison, c)
        prov = _per_province(w, c)
        _regions(w, c, validation, rules)
        _completeness(w, c)
        _overlaps(w, c)
        _obstacles(w, c)
        _review(w, c)
        _activities(w, c)
        _problems(w, validation)
        _about(w, validation, rules, day)
        _ringkasan(w, ring, c, validation, level_sheets[0], prov)
        ring.activate()
        wb.close()
    return path


def _ringkasan(w: _Writer, ws, c: Consolidation, validation: Validation, pillar_sheet, prov_sheet) -> None:
    ws.write_string(0, 0, t("summary.title", period_title=validation.period.title), w.f["title"])
    ws.set_column(0, 0, 40)
    ws.set_column(1, 1, 20)
    figures = headline(c, validation)
    money = {"anggaran", "realisasi_anggaran"}
    provisional = c.review.provisional
    ws.set_column(2, 2, 34 if provisional else 8)
    for i, key in enumerate(t("summary.headline")):
        ws.write_string(2 + i, 0, t(f"summary.headline.{key}"), w.f["label"])
        if key == "serapan":  # a ratio, of the budgets paired with their realised budgets (docs/angka.md)
            if figures[key] is not None:
                ws.write_number(2 + i, 1, bulat(figures[key], PERCENT_DECIMALS + 2), w.f["pct"])
            continue
        ws.write_number(2 + i, 1, figures[key], w.f["money" if key in money else "int"])
        if key in provisional:
            amount = rupiah(provisional[key]) if key in money else angka(provisional[key])
            ws.write_string(2 + i, 2, t("review.provisional_mark", amount=amount), w.f["bad"])
    # status table for the chart
    row = 3 + len(t("summary.headline"))
    ws.write_string(row, 0, t("summary.status_table"), w.f["header"])
    ws.write_string(row, 1, t("summary.chart.count_axis"), w.f["header"])
    states = validation.state_counts()
    order = list(states)
    for i, key in enumerate(order, start=1):
        ws.write_string(row + i, 0, t(f"status.{key}"))
        ws.write_number(row + i, 1, states[key], w.f["int"])
    below = row + len(order) + 2
    ws.write_string(below, 0, t("review.counts_title"), w.f["header"])
    ws.write_string(below, 1, t("summary.chart.count_axis"), w.f["header"])
    n = counts(c.review)
    for i, key in enumerate(t("review.counts"), 1):
        ws.write_string(below + i, 0, t(f"review.counts.{key}"))
        ws.write_number(below + i, 1, n[key], w.f["int"])
    sheet = t("summary.sheets.ringkasan")
    status = _chart(w, "bar", (sheet, row + 1, row + len(order), 0, 1), t("summary.chart.status"), "#404040")
    status.set_x_axis({"name": t("summary.chart.count_axis")})
    ws.insert_chart(1, 3, status)
    name, n_pillars, col_name, col_capaian = pillar_sheet
    pillars = _chart(  # bars across: the long names of the pillars read on their axis
        w,
        "bar",
        (name, 1, n_pillars, col_name, col_capaian),
        t("summary.chart.capaian", level=c.levels[0]),
        "#1F3864",
        percent=True,
    )
    pillars.set_x_axis({"num_format": "0%", "min": 0, "name": t("summary.chart.capaian_axis")})
    pillars.set_y_axis({"reverse": True})
    ws.insert_chart(17, 3, pillars)
    pname, n_prov, col_prov, col_count, elsewhere = prov_sheet
    title = t("summary.chart.provinsi_tanpa", n=angka(elsewhere)) if elsewhere else t("summary.chart.provinsi")
    provinces = _chart(w, "bar", (pname, 1, n_prov, col_prov, col_count), title, "#7F7F7F")
    provinces.set_y_axis({"reverse": True})
    provinces.set_x_axis({"name": t("summary.chart.count_axis")})
    # beside the other two, not below them: the sheet prints on one landscape page at 60 % or more
    ws.insert_chart(1, 3, provinces, {"x_offset": 490, "x_scale": 0.85, "y_scale": 3.0})
    print_setup(ws, pages_tall=1)


def _chart(w: _Writer, kind: str, ref: tuple, title: str, colour: str, percent: bool = False):
    """A one-series native chart; ref = (sheet, first row, last row, category column, value column).
    Solid dark fills stay readable when printed in greyscale."""
    sheet, first, last, cat, val = ref
    chart = w.wb.add_chart({"type": kind})
    labels = {"value": True, "num_format": "0.0%"} if percent else {"value": True}  # as the text writes it
    chart.add_series(
        {
            "name": title,
            "categories": [sheet, first, cat, last, cat],
            "values": [sheet, first, val, last, val],
            "fill": {"color": colour},
            "data_labels": labels,
        }
    )
    chart.set_title({"name": title, "name_font": {"size": 11}})
    chart.set_legend({"none": True})
    return chart


def _level_cols(c: Consolidation, depth: int) -> list[tuple[str, str, str]]:
    level = c.levels[depth]
    return [
        (f"level{depth}_code", _label("level_code", level=level), "code"),
        (f"level{depth}_name", _label("level_name", level=level), "long"),
    ]


FIGURES = [
    ("kegiatan", "int"),
    ("kegiatan_unik", "int"),
    ("kl", "int"),
    ("peserta", "int"),
    ("peserta_unik", "int"),
    ("anggaran", "money"),
    ("realisasi_anggaran", "money"),
    ("serapan", "pct"),
    ("realisasi_tanpa_pagu", "int"),
]


LEADING_FIGURES = ["kegiatan", "kl", "peserta", "anggaran", "realisasi_anggaran", "serapan"]  # what prints


def _figure_cols(rules_statuses: list[str], first: list[str] = ()) -> list[tuple[str, str, str]]:
    """FIGURES and the activities per status, the figures `first` first (those a sheet prints)."""
    figures = sorted(FIGURES, key=lambda f: f[0] not in first or first.index(f[0]) - len(first))
    return [(k, _label(k), kind) for k, kind in figures] + [(s, s, "int") for s in rules_statuses]


def _per_level(w: _Writer, c: Consolidation, depth: int):
    name = t("summary.sheets.per_level", level=c.levels[depth])[:31]
    ws = w.wb.add_worksheet(name)
    df = c.by_level[depth]
    cols = [*_level_cols(c, depth), ("aksi", _label("aksi"), "int")]
    cols.append(("aksi_dilaporkan", _label("aksi_dilaporkan"), "int"))
    cols += [("aksi_terukur", _label("aksi_terukur"), "int"), ("capaian", _label("capaian_rerata"), "pct")]
    if depth == 0:
        cols.append(("sementara", _label("sementara"), "text"))
        df = df.assign(sementara=_provisional(df["level0_code"], c.review.pillars))
    cols += _figure_cols(w.statuses, LEADING_FIGURES)
    w.table(ws, 0, df, cols)
    keys = [k for k, _, _ in cols]
    return name, len(df), keys.index(f"level{depth}_name"), keys.index("capaian")


def _per_action(w: _Writer, c: Consolidation) -> None:
    ws = w.wb.add_worksheet(t("summary.sheets.per_aksi"))
    cols = [  # the action, its achievement and figures first: they print (print_columns)
        ("kode_aksi", _label("kode_aksi"), "code"),
        ("uraian_aksi", _label("uraian_aksi"), "long"),
        ("satuan", _label("satuan"), "code"),
        ("target", _label("target"), "num"),
        ("realisasi", _label("realisasi"), "num"),
        ("capaian", _label("capaian"), "pct"),
        ("sementara", _label("sementara"), "text"),
    ]
    cols += _figure_cols(w.statuses, ["kegiatan", "kl", "anggaran", "realisasi_anggaran", "serapan"])
    cols += [
        ("pj", _label("pj"), "text"),
        ("target_katalog", _label("target_katalog"), "num"),
        ("pendukung", _label("pendukung"), "text"),
        ("dasar_capaian", _label("dasar_capaian"), "text"),
        ("satuan_berbeda", _label("satuan_berbeda"), "int"),
        ("tanpa_target", _label("tanpa_target"), "int"),
    ]
    cols += [col for d in range(len(c.levels)) for col in _level_cols(c, d)]
    actions = c.by_action.assign(sementara=_provisional(c.by_action["kode_aksi"], c.review.achievement))
    w.table(ws, 0, actions, cols)


def _provisional(codes: pd.Series, moved: dict[str, float]) -> pd.Series:
    """Beside an achievement undecided review items can move: by how many points."""
    said = {code: t("review.provisional_points", points=poin(points, signed=False)) for code, points in moved.items()}
    return codes.map(lambda code: said.get(code, ""))


def _per_agency(w: _Writer, c: Consolidation) -> None:
    ws = w.wb.add_worksheet(t("summary.sheets.per_kl"))
    spec = [  # the agency, its report and figures first: they print (print_columns)
        ("kode", "code"),
        ("kl", "text"),
        ("status", "text"),
        ("tepat_waktu", "text"),
        ("terlambat_hari", "int"),
        ("aksi_ditugaskan", "int"),
        ("aksi_dilaporkan", "int"),
        ("kegiatan", "int"),
        ("capaian", "pct"),
        ("peserta", "int"),
        ("anggaran", "money"),
        ("realisasi_anggaran", "money"),
        ("serapan", "pct"),
        ("aksi_belum", "text"),
        ("nama", "long"),
        ("tingkat", "text"),
        ("provinsi", "text"),
        ("berkas", "int"),
        ("diterima", "int"),
        ("ditolak", "int"),
        ("galat", "int"),
        ("peringatan", "int"),
    ]
    w.table(ws, 0, c.by_agency, [(k, _label(k), kind) for k, kind in spec])


def _status(w: _Writer, validation: Validation, rules: Rules, day: dt.date) -> None:
    ws = w.wb.add_worksheet(t("status_board.sheet"))
    note = t("status_board.sheet_note", day=dmy(day), deadline=dmy(validation.period.deadline))
    ws.write_string(0, 0, note, w.f["note"])
    board = status_board(validation, rules, day)
    kinds = dict.fromkeys(["berkas", "baris_diterima", "baris_ditolak", "galat", "peringatan", "sisa_hari"], "int")
    kinds["dikirim"] = "date"
    labels = t("status_board.sheet_columns")
    w.table(ws, 2, board, [(k, labels[k], kinds.get(k, "text")) for k in labels])


def _comparison(w: _Writer, cmp: Comparison, c: Consolidation) -> None:
    ws = w.wb.add_worksheet(t("compare.sheet"))
    ws.write_string(0, 0, t("compare.title", period=c.period, previous=cmp.previous), w.f["title"])
    lab = t("compare.columns")
    level = c.levels[0]
    sections = [
        (t("compare.by_pillar", level=level), cmp.by_pillar,
         [("level0_code", "code"), ("level0_name", "long"), ("kegiatan_lalu", "int"), ("kegiatan", "int"),
          ("selisih_kegiatan", "int"), ("capaian_lalu", "pct"), ("capaian", "pct"), ("selisih_capaian", "pct"),
          ("serapan_lalu", "pct"), ("serapan", "pct")]),
        (t("compare.by_agency"), cmp.by_agency,
         [("kode", "code"), ("kl", "text"), ("status_lalu", "text"), ("status", "text"), ("kegiatan_lalu", "int"),
          ("kegiatan", "int"), ("capaian_lalu", "pct"), ("capaian", "pct"), ("selisih_capaian", "pct"),
          ("serapan_lalu", "pct"), ("serapan", "pct")]),
        (t("compare.new_actions"), cmp.new_actions,
         [("kode_aksi", "code"), ("uraian_aksi", "long"), ("kegiatan", "int"), ("kl", "int")]),
        (t("compare.stopped"), cmp.stopped,
         [("kode", "code"), ("kl", "text"), ("status_lalu", "text"), ("status", "text")]),
    ]  # fmt: skip
    row = 2
    for title, df, cols in sections:
        ws.write_string(row, 0, title, w.f["subtitle"])  # one line over the empty cells beside it
        end = w.table(ws, row + 1, df, [(k, lab[k].format(level=level), kind) for k, kind in cols], freeze=False)
        if df.empty:
            ws.write_string(row + 2, 0, t("compare.none"), w.f["note"])
            end += 1
        row = end + 2
    print_setup(ws)


def _per_province(w: _Writer, c: Consolidation):
    name = t("summary.sheets.per_provinsi")
    ws = w.wb.add_worksheet(name)
    spec = [
        ("kode_kemendagri", "code"),
        ("provinsi", "text"),
        ("kegiatan", "int"),
        ("kegiatan_unik", "int"),
        *[(f"kegiatan_{level}", "int") for level in LEVELS],
        ("kl", "int"),
        ("peserta", "int"),
    ]
    w.table(ws, 0, c.by_province, [(k, _label(k), kind) for k, kind in spec])
    province = c.by_province["kode_kemendagri"] != ""  # the provinces come first; then Nasional, Luar Negeri
    elsewhere = int(c.by_province.loc[~province, "kegiatan"].sum())  # what the chart of provinces leaves out
    return name, int(province.sum()), 1, 2, elsewhere


def _regions(w: _Writer, c: Consolidation, validation: Validation, rules: Rules) -> None:
    """Completeness per level, then per province its regional governments and activities by level."""
    ws = w.wb.add_worksheet(t("summary.sheets.daerah"))
    ws.write_string(0, 0, t("summary.levels_title"), w.f["title"])
    ws.write_string(1, 0, t("summary.levels_note"), w.f["note"])
    cols = [(k, label, "text" if k == "tingkat" else "int") for k, label in t("summary.level_columns").items()]
    row = w.table(ws, 3, level_status(validation, rules), cols, freeze=False)
    ws.write_string(row + 1, 0, t("summary.regions_title"), w.f["subtitle"])
    spec = [
        ("kode_kemendagri", "code"),
        ("provinsi", "text"),
        ("rad_pe", "text"),
        ("status_pemprov", "text"),
        ("terlambat_pemprov", "text"),
        ("kabkota_dipanggil", "int"),
        ("kabkota_melapor", "int"),
        ("kabkota_rad_pe", "int"),
        *[(f"kegiatan_{level}", "int") for level in LEVELS],
        ("kegiatan_unik", "int"),
    ]
    w.table(ws, row + 2, region_table(validation, c.by_province, rules), [(k, _label(k), kind) for k, kind in spec])


def _completeness(w: _Writer, c: Consolidation) -> None:
    ws = w.wb.add_worksheet(t("summary.sheets.kelengkapan"))
    m = c.completeness
    ws.write_string(0, 0, _label("kl"), w.f["header"])
    ws.set_column(0, 0, 20)
    ws.set_column(1, len(m.columns), 5)  # an action code's width: 35 actions print one page wide
    for j, code in enumerate(m.columns, start=1):
        ws.write_string(0, j, code, w.f["header"])
    cells = [m.index, *(m[code] for code in m.columns)]
    ws.write_block(1, {j: Cells(values, w.f["text"]) for j, values in enumerate(cells)})
    last = xl_rowcol_to_cell(len(m), len(m.columns))
    for kind, fmt in (("✓", "good"), ("✗", "bad")):
        ws.conditional_format(
            f"B2:{last}", {"type": "text", "criteria": "containing", "value": kind, "format": w.f[fmt]}
        )
    ws.write_string(len(m) + 2, 0, t("consolidate.matrix_legend"), w.f["note"])
    ws.freeze_panes(1, 1)
    print_setup(ws, repeat=0)
    print_area(ws, len(m) + 2, [20] + [5] * len(m.columns))


def _overlaps(w: _Writer, c: Consolidation) -> None:
    ws = w.wb.add_worksheet(t("summary.sheets.irisan"))
    df = overlap_table(c)
    items = c.review.items
    if len(items):  # each pair's review state, in words; the open ones are decided in the review workbook
        state = items.set_index("item")["state"]
        df["status_tinjauan"] = df["item"].map(state.map({s: t(f"review.states.{s}") for s in state.unique()}))
    kinds = {"kode_aksi": "code", "nama_kegiatan": "long", "kode_kabupaten_kota": "code", "tanggal_mulai": "date"}
    side = [(k, kinds.get(k, "text")) for k in OVERLAP_SIDE]
    labels = w.labels
    cols = [
        ("jenis", _label("jenis"), "text"),
        ("klaster", _label("klaster"), "int"),
        ("skor", _label("skor"), "num"),
        ("alasan", _label("alasan"), "long"),
        ("saran", _label("saran"), "long"),
        ("item", t("review.columns.item_full"), "code"),
        ("status_tinjauan", _label("status_tinjauan"), "text"),
    ]
    for prefix, key in (("a_", "side_a"), ("b_", "side_b")):
        cols += [(prefix + k, _label(key, label=labels.get(k, k)), kind) for k, kind in side]
    # what the pair is and what to do about it first: it prints (print_columns)
    first = ["jenis", "skor", "a_kl", "a_nama_kegiatan", "b_kl", "b_nama_kegiatan", "status_tinjauan", "saran"]
    w.table(ws, 0, df, _first(cols, first))


def _obstacles(w: _Writer, c: Consolidation) -> None:
    """The obstacle themes (docs/angka.md section 12), then every group of near-identical
    texts with its themes and the phrase that gave them; the texts with no theme on a sheet
    of their own, for the secretariat to extend rules/obstacles.yaml."""
    ws = w.wb.add_worksheet(t("summary.sheets.hambatan"))
    lab = t("summary.obstacles.columns")
    ws.write_string(0, 0, t("summary.obstacles.title"), w.f["title"])
    ws.write_string(1, 0, t("summary.obstacles.note"), w.f["note"])
    themes = c.by_theme if c.by_theme is not None else pd.DataFrame()
    cols = [("nama", lab["nama"], "text"), ("kl", lab["kl"], "int"), ("daerah", lab["daerah"], "int"),
            ("aksi", lab["aksi"], "int"), ("kegiatan", lab["kegiatan"], "int"), ("contoh", lab["contoh"], "long"),
            ("penyelesaian", lab["penyelesaian"], "long")]  # fmt: skip
    row = w.table(ws, 3, themes, cols, freeze=False) + 1
    groups = c.obstacle_groups if c.obstacle_groups is not None else pd.DataFrame()
    told = groups[groups["tema"] != ""] if len(groups) else groups
    ws.write_string(row, 0, t("summary.obstacles.groups_title"), w.f["subtitle"])
    cols = [("teks", lab["teks"], "long"), ("tema", lab["tema"], "text"), ("frasa", lab["frasa"], "text"),
            ("kegiatan", lab["kegiatan"], "int"), ("unit", lab["unit"], "text"), ("aksi", lab["aksi_kode"], "text"),
            ("penyelesaian", lab["penyelesaian"], "long"), ("varian", lab["varian"], "int")]  # fmt: skip
    w.table(ws, row + 1, told, cols, freeze=False)
    ws.set_column(0, 0, 50)
    print_setup(ws)
    ws = w.wb.add_worksheet(t("summary.sheets.hambatan_tanpa_tema"))
    untold = groups[groups["tema"] == ""] if len(groups) else groups
    ws.write_string(0, 0, t("summary.obstacles.untold_title"), w.f["title"])
    ws.write_string(1, 0, t("summary.obstacles.untold_note" if len(untold) else "summary.obstacles.untold_none"),
                    w.f["note"])  # fmt: skip
    cols = [c_ for c_ in cols if c_[0] not in ("tema", "frasa")]
    w.table(ws, 3, untold, cols)
    ws.set_column(0, 0, 50)


def _review(w: _Writer, c: Consolidation) -> None:
    """The flagged values with their decisions, then the pairs already decided or waiting
    (as in the review workbook); the open pairs are on Irisan, with their state, and in the
    review workbook, where they are decided: listing them twice here doubled the workbook
    where agencies report thousands of alike activities."""
    ws = w.wb.add_worksheet(t("summary.sheets.tinjauan"))
    name = review_path(Path(), c.period).name
    items = c.review.items
    pairs = items[(items["kind"] == PAIR) & (items["state"] != OPEN)] if len(items) else items
    still = int(((items["kind"] == PAIR) & (items["state"] == OPEN)).sum()) if len(items) else 0
    row = 0
    for kind, cols, shown_items in ((VALUE, VALUE_COLUMNS, items), (PAIR, PAIR_COLUMNS, pairs)):
        ws.write_string(row, 0, t(f"summary.review_{kind}", file=name, open=angka(still)), w.f["subtitle"])
        spec = [(key, column_label(key), k) for key, k in cols if key not in ("fingerprint", "written")]
        row = w.table(ws, row + 1, shown(shown_items, kind, w.rules.settings.timezone), spec, freeze=False) + 2
    print_setup(ws)
    widths = [_width(label, k) for _, label, k in spec]  # the pairs' columns, set last
    print_area(ws, row - 3, widths)


# what identifies an activity and its figures, printed (print_columns); in the order of rules/fields.yaml
ACTIVITY_PRINTED = {"kode_aksi", "nama_kegiatan", "tanggal_mulai", "provinsi", "satuan", "target", "realisasi",
                    "jumlah_peserta", "anggaran", "realisasi_anggaran"}  # fmt: skip


def _first(cols: list[tuple[str, str, str]], keys: list[str]) -> list[tuple[str, str, str]]:
    """`cols` with those of `keys` first, in that order (the rest as they were)."""
    return sorted(cols, key=lambda col: keys.index(col[0]) if col[0] in keys else len(keys))


def _activities(w: _Writer, c: Consolidation) -> None:
    ws = w.wb.add_worksheet(t("summary.sheets.kegiatan"))
    kinds = {"integer": "int", "number": "num", "money": "money", "date": "date", "percent": "pct", "code": "code"}
    cols = [("id_kegiatan", _label("id_kegiatan"), "text"), ("kl", _label("kl"), "text")]
    rest = [col for d in range(len(c.levels)) for col in _level_cols(c, d)]
    rest += [("uraian_aksi", _label("uraian_aksi"), "long")]
    for f in w.rules.fields.columns:
        if f.input and f.key != "no":
            col = (f.key, f.label, "code" if f.key == "satuan" else kinds.get(f.type, "text"))
            (cols if f.key in ACTIVITY_PRINTED else rest).append(col)
            if f.type == "regency":  # its Kemendagri code beside it
                rest.append((f"kode_{f.key}", _label(f"kode_{f.key}"), "code"))
    cols += rest
    cols += [
        ("duplikat", _label("duplikat"), "text"),
        ("dikecualikan", _label("dikecualikan"), "text"),
        ("_file", _label("_file"), "text"),
        ("_row", _label("_row"), "int"),
    ]
    w.table(ws, 0, c.activities, cols, filter=True)


def _problems(w: _Writer, validation: Validation) -> None:
    ws = w.wb.add_worksheet(t("summary.sheets.validasi"))
    kinds = ["text", "text", "text", "code", "int", "text", "code", "text", "text", "text", "long", "text"]
    cols = list(zip(PROBLEM_COLUMNS, t("validasi.columns"), kinds, strict=True))
    first = ["kl", "severity", "name", "column", "value", "message"]  # the problem itself prints (print_columns)
    w.table(ws, 0, problem_table(validation), _first(cols, first))


def _about(w: _Writer, validation: Validation, rules: Rules, day: dt.date) -> None:
    ws = w.wb.add_worksheet(t("summary.sheets.tentang"))
    ws.write_string(0, 0, t("summary.about.title"), w.f["title"])
    items = [
        ("period", validation.period.title),
        ("run_date", dmy(day)),
        ("tool", f"ranpe-pipeline {__version__}"),
        ("rules_hash", rules.rules_hash),
    ]
    for i, (k, v) in enumerate(items, start=2):
        ws.write_string(i, 0, t(f"summary.about.{k}"), w.f["label"])
        ws.write_string(i, 1, v)
    ws.write_string(7, 0, t("summary.about.merge_note"), w.f["note"])
    ws.write_string(8, 0, t("summary.about.unit_note"), w.f["note"])
    ws.write_string(10, 0, t("summary.about.inputs"), w.f["title"])
    counts = {f.file: f for f in validation.files}
    rows = [
        {
            "file": s.name,
            "sha": s.sha256,
            "size": s.path.stat().st_size,
            "kl": s.agency or "",
            "status": t(f"summary.about.statuses.{counts[s.name].status}"),
            "read": counts[s.name].read,
            "acc": counts[s.name].accepted,
            "rej": counts[s.name].rejected,
            "blank": counts[s.name].blank,
        }
        for s in sorted(validation.submissions, key=lambda s: s.name)
    ]
    keys = ["file", "sha", "size", "kl", "status", "read", "acc", "rej", "blank"]
    kinds = ["text", "code", "int", "code", "text", "int", "int", "int", "int"]
    w.table(
        ws, 11, pd.DataFrame(rows, columns=keys), list(zip(keys, t("summary.about.input_columns"), kinds, strict=True))
    )
    ws.set_column(0, 0, 44)
    ws.set_column(1, 1, 66)
