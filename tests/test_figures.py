"""Every figure as docs/angka.md defines it (issue 26, items 1, 2, 8-11), each from a few rows
fed to the real consolidate(): achievement counts a duplicate cluster once, in the kept row's
action only; targets pair with their own realisations, budgets with their own realised
budgets; the kept row is the catalogue lead's; an excluded value of the kept row falls back
to the next row of its cluster; an action with no row in its unit cannot be measured; one
rounding for text and workbook. Actions are chosen by what they are, never by their code."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import yaml

from pipeline.analysis import review
from pipeline.analysis.consolidate import consolidate, headline
from pipeline.core.formatting import bulat, persen
from pipeline.core.model import AgencyStatus, Decision, Problem, Validation
from pipeline.core.rules import load_rules
from pipeline.intake.normalise import META_COLUMNS

DAY = dt.date(2026, 3, 10)


def _row(agency: str, action: str, **values) -> dict:
    base = {"_agency": agency, "kode_aksi": action, "nama_kegiatan": "Pelatihan pemolisian masyarakat angkatan 1",
            "status": "Selesai", "tanggal_mulai": DAY, "tanggal_selesai": DAY, "provinsi": "Jawa Timur",
            "kabupaten_kota": "Kota Surabaya", "sasaran": "Pemuda"}  # fmt: skip
    return {**base, **values}


def _validation(rules, period, rows: list[dict], problems=()) -> Validation:
    keys = [c.key for c in rules.fields.columns if c.input]
    frame = pd.DataFrame(rows)
    frame["_file"] = frame["_agency"] + ".xlsx"
    frame["_sheet"] = "Laporan"
    frame["_row"] = frame.groupby("_agency").cumcount() + 5
    accepted = frame.reindex(columns=[*META_COLUMNS, *keys])
    for c in (c for c in rules.fields.columns if c.key in accepted):  # typed as the normalisers type them
        numeric = c.type in ("number", "money", "integer", "percent")
        column = accepted[c.key]
        accepted[c.key] = pd.to_numeric(column, errors="coerce").astype("float64") if numeric else column.astype(object)
    agencies = {a.code: AgencyStatus("accepted") for a in rules.agencies}
    return Validation(period, [], list(problems), accepted, [], agencies=agencies)


def _consolidate(rules, period, rows, problems=(), decisions=None):
    return consolidate(_validation(rules, period, rows, problems), rules, decisions=decisions or {})


def _action(c, code: str) -> pd.Series:
    return c.by_action.set_index("kode_aksi").loc[code]


def _matrix_action(rules, unit="orang"):
    """An action with a matrix target, in `unit`, with a lead and a supporting agency."""
    return next(fa for fa in rules.actions if fa.action.target and fa.action.unit == unit and fa.action.support)


def _agencies_action(rules, unit="orang"):
    """An action without a matrix target, in `unit`, with a lead and a supporting agency."""
    return next(fa for fa in rules.actions if not fa.action.target and fa.action.unit == unit and fa.action.support)


def test_a_duplicate_counts_once_toward_achievement(rules, period):
    """Item 1: two agencies report the same training, 100 each: one activity, 100 realised."""
    fa = _matrix_action(rules)
    lead, support = fa.action.lead[0], fa.action.support[0]
    rows = [_row(lead, fa.code, jumlah_peserta=100, target=100, realisasi=100, satuan=fa.action.unit),
            _row(support, fa.code, jumlah_peserta=100, target=100, realisasi=100, satuan=fa.action.unit)]  # fmt: skip
    c = _consolidate(rules, period, rows)
    assert c.merged == 1
    assert _action(c, fa.code)["capaian"] == pytest.approx(100 / fa.action.target)  # not 200 / target


def test_a_joint_event_under_two_codes_counts_in_the_kept_rows_action_only(rules, period):
    """Item 1: the same event filed under two actions raises only the kept row's action."""
    a1 = _matrix_action(rules)
    a2 = next(fa for fa in rules.actions if fa.code != a1.code and fa.action.target and fa.action.unit == "orang")
    lead = a1.action.lead[0]
    other = next(x.code for x in rules.agencies if x.code not in (*a1.action.lead, *a2.action.lead))
    rows = [_row(lead, a1.code, jumlah_peserta=80, realisasi=80, satuan="orang"),
            _row(other, a2.code, jumlah_peserta=80, realisasi=80, satuan="orang")]  # fmt: skip
    c = _consolidate(rules, period, rows)
    assert c.merged == 1
    assert _action(c, a1.code)["capaian"] == pytest.approx(80 / a1.action.target)
    assert _action(c, a2.code)["capaian"] == 0 and _action(c, a2.code)["kegiatan_unik"] == 0


def test_targets_pair_with_their_own_realisations(rules, period):
    """Item 2: an action without a matrix target; one row 100/100, another with a realisation
    and no target: 100 %, not 200 %, and the unpaired row is counted apart."""
    fa = _agencies_action(rules)
    lead = fa.action.lead[0]
    rows = [_row(lead, fa.code, nama_kegiatan="Sosialisasi A", target=100, realisasi=100, satuan=fa.action.unit),
            _row(lead, fa.code, nama_kegiatan="Dialog B", realisasi=100, satuan=fa.action.unit)]  # fmt: skip
    a = _action(_consolidate(rules, period, rows), fa.code)
    assert a["capaian"] == pytest.approx(1.0) and a["tanpa_target"] == 1 and a["dasar_capaian"] == "target K/L"


def test_a_rate_action_averages_the_pairs(rules_copy, period):
    """Item 2: a rate (persen) action: the only complete pair is 100 %, whatever the rows
    with only a target or only a realisation say."""
    catalogue = yaml.safe_load((rules_copy / "catalogue.yaml").read_text(encoding="utf-8"))
    rules = load_rules(rules_copy)
    fa = _agencies_action(rules)
    for group in catalogue["groups"]:
        for sub in group["groups"]:
            for action in sub["actions"]:
                if action["code"] == fa.code:
                    action["unit"] = "persen"
    (rules_copy / "catalogue.yaml").write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")
    rules = load_rules(rules_copy)
    lead = fa.action.lead[0]
    rows = [_row(lead, fa.code, nama_kegiatan="Survei A", target=80, realisasi=80, satuan="persen"),
            _row(lead, fa.code, nama_kegiatan="Survei B", target=90, satuan="persen"),
            _row(lead, fa.code, nama_kegiatan="Survei C", realisasi=20, satuan="persen")]  # fmt: skip
    a = _action(_consolidate(rules, period, rows), fa.code)
    # pairs: (80, 80) and (90, blank = 0): mean realisation 40 over mean target 85
    assert a["capaian"] == pytest.approx(40 / 85) and a["tanpa_target"] == 1


def test_budget_absorption_pairs_each_budget_with_its_own_realised_budget(rules, period):
    """Item 2: a realised budget without a budget does not make absorption 200 %."""
    fa = _agencies_action(rules)
    lead = fa.action.lead[0]
    rows = [_row(lead, fa.code, nama_kegiatan="A", anggaran=1_000_000, realisasi_anggaran=1_000_000),
            _row(lead, fa.code, nama_kegiatan="B", realisasi_anggaran=1_000_000)]  # fmt: skip
    c = _consolidate(rules, period, rows)
    a = _action(c, fa.code)
    assert a["serapan"] == pytest.approx(1.0) and a["realisasi_tanpa_pagu"] == 1
    h = headline(c, _validation(rules, period, rows))
    assert h["serapan"] == pytest.approx(1.0) and h["realisasi_tanpa_pagu"] == 1


def test_the_kept_row_is_the_catalogue_leads(rules, period):
    """Item 8: the supporting agency typed itself as lead, the lead as support: the lead's row
    (120 participants) is kept, whatever the Peran cells say."""
    fa = _matrix_action(rules)
    lead, support = fa.action.lead[0], fa.action.support[0]
    lead_role, support_role = rules.lists.lists["peran"].values[:2]
    rows = [_row(support, fa.code, jumlah_peserta=80, peran=lead_role),
            _row(lead, fa.code, jumlah_peserta=120, peran=support_role)]  # fmt: skip
    c = _consolidate(rules, period, rows)
    kept = c.activities[~c.activities["duplikat"]]
    assert list(kept["_agency"]) == [lead]
    assert headline(c, _validation(rules, period, rows))["peserta_unik"] == 120


def test_an_excluded_value_of_the_kept_row_falls_back_to_the_next_row(rules, period):
    """Item 9: the kept row's participants excluded: the event counts the next row's 100,
    not 0, once."""
    fa = _matrix_action(rules)
    lead, support = fa.action.lead[0], fa.action.support[0]
    rows = [_row(lead, fa.code, jumlah_peserta=10_000), _row(support, fa.code, jumlah_peserta=100)]
    label = rules.column_by_key["jumlah_peserta"].label
    flagged = [Problem(f"{lead}.xlsx", "outlier", "Laporan", "L5", 5, label, "10000")]
    v = _validation(rules, period, rows, flagged)
    (item,) = review.value_items(v, rules).itertuples()
    decided = {item.item: Decision(item.item, review.EXCLUDE, "salah ketik", fingerprint=item.fingerprint)}
    c = consolidate(v, rules, decisions=decided)
    h = headline(c, v)
    assert (h["peserta"], h["peserta_unik"], h["kegiatan_unik"]) == (100, 100, 1)


def test_an_action_with_no_row_in_its_unit_cannot_be_measured(rules, period):
    """Item 10: reported only in another unit: no achievement, 'tidak dapat diukur', not a
    0 % that the report would name as lagging; an action with no activity stays 0 %."""
    fa = _matrix_action(rules)
    idle = next(x for x in rules.actions if x.action.target and x.code != fa.code)
    rows = [_row(fa.action.lead[0], fa.code, realisasi=3, satuan="kegiatan")]
    c = _consolidate(rules, period, rows)
    a = _action(c, fa.code)
    assert np.isnan(a["capaian"]) and a["dasar_capaian"] == "tidak dapat diukur" and a["satuan_berbeda"] == 1
    assert _action(c, idle.code)["capaian"] == 0
    pillar = c.by_level[0].set_index("level0_code").loc[fa.path[0][0]]
    measured = c.by_action[(c.by_action["level0_code"] == fa.path[0][0]) & c.by_action["capaian"].notna()]
    assert pillar["aksi_terukur"] == len(measured)  # the unmeasurable action is not averaged in


def test_one_rounding_half_away_from_zero(rules, period, tmp_path):
    """Item 11: 0,0625 is 6,3 % in the text and 0.063 in the workbook's cell."""
    assert persen(0.0625) == "6,3%" and bulat(0.0625, 3) == 0.063
    assert persen(0.0635) == "6,4%" and persen(-0.0625) == "-6,3%" and bulat(2.5) == 3
    import openpyxl

    from pipeline.outputs.summary import summary_path, write_summary

    fa = _matrix_action(rules)
    rows = [_row(fa.action.lead[0], fa.code, realisasi=fa.action.target * 0.0625, satuan=fa.action.unit)]
    v = _validation(rules, period, rows)
    c = consolidate(v, rules)
    path = write_summary(summary_path(tmp_path, period.id), c, v, rules, DAY)
    sheet = openpyxl.load_workbook(path)["Per Aksi"]
    head = [x.value for x in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[head.index("Kode Aksi")] == fa.code)
    assert row[head.index("Capaian")] == 0.063


def _flag(agency: str, row: int, code: str, column: str, rules) -> Problem:
    label = rules.column_by_key[column].label
    return Problem(f"{agency}.xlsx", code, "Laporan", f"X{row}", row, label, "")


def test_a_cluster_of_three_can_move_two_activities(rules, period):
    """Item 6: one meeting reported by three agencies, 100 each: at most 2 activities and 200
    participants await review (three pairs, one row each counted once); an outlier on a
    merged row moves the reported participants only."""
    fa = _matrix_action(rules)
    agencies = [fa.action.lead[0], *fa.action.support[:2]]
    rows = [_row(a, fa.code, jumlah_peserta=100) for a in agencies]
    rows[2]["jumlah_peserta"] = 10_000  # a typo on a row merged into the lead's
    flagged = [_flag(agencies[2], 5, "outlier", "jumlah_peserta", rules)]
    c = _consolidate(rules, period, rows, flagged)
    assert c.merged == 2
    assert c.review.provisional["kegiatan_unik"] == 2
    assert c.review.provisional["peserta_unik"] == 100 + 10_000  # the two rows merged away, each once
    assert c.review.provisional["peserta"] == 10_000
    value = c.review.items[c.review.items["kind"] == review.VALUE].iloc[0]
    assert set(value["moves"]) == {"peserta"}  # not counted once: it moves the reported figure only


def test_a_flagged_realisation_makes_the_achievement_provisional(rules, period):
    """Item 7: an undecided realisation of 2.000 against a target of 100 moves the action's
    and the pillar's achievement: both say 'angka sementara'."""
    fa = _agencies_action(rules)
    lead = fa.action.lead[0]
    rows = [_row(lead, fa.code, target=100, realisasi=2_000, satuan=fa.action.unit)]
    flagged = [_flag(lead, 5, "realisation-over-target", "realisasi", rules)]
    c = _consolidate(rules, period, rows, flagged)
    assert _action(c, fa.code)["capaian"] == 20
    assert c.review.achievement[fa.code] == pytest.approx(20.0)  # excluded, target and realisation leave: no pair
    assert fa.path[0][0] in c.review.pillars


def test_an_overspent_items_effect_names_the_budget_excluded_with_it(rules, period):
    fa = _agencies_action(rules)
    lead = fa.action.lead[0]
    rows = [_row(lead, fa.code, anggaran=1_000_000, realisasi_anggaran=1_500_000)]
    c = _consolidate(rules, period, rows, [_flag(lead, 5, "overspent", "realisasi_anggaran", rules)])
    (item,) = c.review.items.itertuples()
    assert item.moves == {"anggaran": 1_000_000, "realisasi_anggaran": 1_500_000}
