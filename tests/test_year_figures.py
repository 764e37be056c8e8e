"""The year, done properly (issue 26, item 3; docs/angka.md section 9): the matrix targets of
the periods added up; an activity reported in both semesters one activity, its later
realisation and its targets added; the periods' exclusions and late agencies carried into
the year; a likely duplicate spanning the semesters offered in the year's review, whose
decision is stored under the year, applied and kept on a rerun."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from pipeline.core.periods import parse_period
from pipeline.core.texts import t
from pipeline.cycle import history
from pipeline.cycle.year import year_report
from pipeline.outputs.template import Sheet, write_template
from pipeline.run import run

from .test_review import _decide


def _return(path: Path, rules, period, agency: str, rows: list[dict], filled: dt.date) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_template(path, rules, Sheet(rules.get_agency(agency), period, period.start - dt.timedelta(days=10)))
    wb = openpyxl.load_workbook(path)
    col = {c.key: i + 1 for i, c in enumerate(rules.fields.columns)}
    for r, values in enumerate(rows, start=5):
        base = {"status": "Selesai", "provinsi": "Jawa Timur", "kabupaten_kota": "Kota Surabaya", "sasaran": "Pemuda"}
        for key, value in {**base, **values}.items():
            wb["Laporan"].cell(r, col[key], value)
    ident = {c.value: c.row for c in wb["Identitas"]["A"]}
    for label, value in {
        "Nama Petugas Pengisi": "Rina",
        "Email": "r@example.go.id",
        "Tanggal Pengisian": filled,
    }.items():
        wb["Identitas"].cell(ident[label], 2, value)
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def year(rules, tmp_path_factory):
    """S1 and S2 of one action with a matrix target: its lead's training reported in both
    semesters (60 then, cumulatively, 150 participants); another agency's typo excluded in S1;
    an agency late in S1; one event of two agencies on 29 June - 2 July, one reporting it in
    each semester."""
    base = tmp_path_factory.mktemp("year")
    fa = next(x for x in rules.actions if x.action.target and x.action.unit == "orang" and len(x.action.support) >= 2)
    lead, support, other = fa.action.lead[0], fa.action.support[0], fa.action.support[1]
    s1, s2 = parse_period("2026-S1", rules), parse_period("2026-S2", rules)
    training = {"kode_aksi": fa.code, "nama_kegiatan": "Pelatihan fasilitator pencegahan ekstremisme angkatan 7",
                "tanggal_mulai": dt.date(2026, 3, 2), "satuan": fa.action.unit, "target": 100}  # fmt: skip
    event = {"kode_aksi": fa.code, "nama_kegiatan": "Dialog kebangsaan lintas iman tokoh pemuda Jawa Timur",
             "tanggal_mulai": dt.date(2026, 6, 29), "tanggal_selesai": dt.date(2026, 7, 2), "satuan": "orang",
             "jumlah_peserta": 40, "realisasi": 40, "kabupaten_kota": "Kabupaten Malang"}  # fmt: skip
    inbox1, inbox2, outbox = base / "in1", base / "in2", base / "out"
    _return(inbox1 / "lead.xlsx", rules, s1, lead,
            [{**training, "tanggal_selesai": dt.date(2026, 6, 20), "realisasi": 60, "jumlah_peserta": 60,
              "status": "Berjalan"}], dt.date(2026, 7, 10))  # fmt: skip
    typo = [{"kode_aksi": fa.code, "nama_kegiatan": f"Sosialisasi {i}", "tanggal_mulai": dt.date(2026, 4, i),
             "tanggal_selesai": dt.date(2026, 4, i), "jumlah_peserta": n, "satuan": "orang", "status": "Berjalan"}
            for i, n in enumerate([50, 55, 45, 60, 52, 48, 250_000], start=1)]  # fmt: skip
    _return(inbox1 / "support.xlsx", rules, s1, support, [*typo, event], dt.date(2026, 7, 22))  # late
    first = run(inbox1, outbox, rules, s1, consolidation=True)
    items = first.consolidation.review.items
    outlier = items[(items["kind"] == "value") & (items["value"] == 250_000)].iloc[0]
    _decide(outbox / "2026-S1" / "tinjauan_2026-S1.xlsx", outlier["item"], "dikecualikan dari total", "salah ketik")
    run(inbox1, outbox, rules, s1, consolidation=True)
    _return(inbox2 / "lead.xlsx", rules, s2, lead,
            [{**training, "tanggal_selesai": dt.date(2026, 8, 30), "realisasi": 150, "jumlah_peserta": 150}],
            dt.date(2027, 1, 5))  # fmt: skip
    _return(inbox2 / "other.xlsx", rules, s2, other, [{**event, "jumlah_peserta": 45, "realisasi": 45}],
            dt.date(2027, 1, 6))  # fmt: skip
    run(inbox2, outbox, rules, s2, consolidation=True)
    (summary, data, *_rest), _ = year_report(outbox, rules, 2026)
    return {"fa": fa, "outbox": outbox, "data": json.loads(data.read_text(encoding="utf-8")), "summary": summary,
            "lead": lead, "support": support, "other": other}  # fmt: skip


def _per_action(data: dict, code: str) -> dict:
    return next(a for a in data["lampiran_aksi"] if a["kode"] == code)


def test_the_year_adds_the_periods_targets_and_counts_a_continued_activity_once(year):
    fa, data = year["fa"], year["data"]
    action = _per_action(data, fa.code)
    # the training once, with its cumulative 150 (not 60 + 150); the event reported in each
    # semester merged (kept: S1's, the first of two supporting agencies' rows); the sosialisasi
    # rows realised nothing
    assert action["target"] == fa.action.target * 2  # two periods' matrix targets
    assert action["capaian"] == pytest.approx((150 + 40) / (fa.action.target * 2))


def test_the_year_lists_the_periods_exclusions_and_late_agencies(year, rules):
    data = year["data"]
    excluded = data["tinjauan_dikecualikan"]
    assert [(x["kl"], x["nilai"]) for x in excluded] == [(rules.get_agency(year["support"]).short, "250.000")]
    assert data["tinjauan"]["excluded"] == 1
    # late in S1 but silent in S2: it still owes S2's report, so the year lists it as not
    # received, not as late (docs/angka.md section 9)
    support = rules.get_agency(year["support"]).short
    assert support in data["k"]["belum"]
    assert support not in [x["nama"] for x in data["k"]["terlambat"]]


def test_a_duplicate_across_the_semesters_is_decided_in_the_years_review(year, rules):
    outbox = year["outbox"]
    path = outbox / "2026" / "tinjauan_2026.xlsx"
    wb = openpyxl.load_workbook(path)
    head = [c.value for c in wb[t("review.sheets.pair")][1]]
    rows = [r for r in wb[t("review.sheets.pair")].iter_rows(min_row=2, values_only=True) if r[0]]
    (pair,) = [r for r in rows if "Dialog kebangsaan" in str(r)]
    before = year["data"]["h"]["kegiatan_unik"]
    _decide(path, pair[head.index("ID")], "bukan duplikat", "dua kegiatan berbeda")
    _, note = year_report(outbox, rules, 2026)
    assert t("review.lines.taken", n=1) in note.splitlines()  # the officer is told (an officer's year)
    assert pair[head.index("ID")] in history.decisions(outbox, "2026")  # stored under the year
    assert not any(pair[head.index("ID")] in history.decisions(outbox, p) for p in ("2026-S1", "2026-S2"))
    again = json.loads((outbox / "2026" / "data_laporan_2026.json").read_text(encoding="utf-8"))
    assert again["h"]["kegiatan_unik"] == before + 1
    year_report(outbox, rules, 2026)  # a rerun keeps it
    third = json.loads((outbox / "2026" / "data_laporan_2026.json").read_text(encoding="utf-8"))
    assert third["h"]["kegiatan_unik"] == before + 1


def test_every_number_of_the_years_executive_summary_is_a_workbook_cell(year, rules):
    """The trace of tests/test_report.py, on the year's report."""
    from .test_report import numbers_are_cells

    numbers_are_cells(year["outbox"] / "2026", "2026", rules)


def test_the_years_open_data_tells_each_activity_its_semester(year):
    """The year's data package: each activity with the period of the report it comes from,
    not the year alone (an officer's year), and its achievement made from its figures."""
    import csv

    path = year["outbox"] / "2026" / "data_terbuka" / "kegiatan.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert {r["periode"] for r in rows} == {"2026-S1", "2026-S2"}
    assert all(r["id_kegiatan"].startswith(r["periode"] + "-") for r in rows)


def test_the_years_summary_says_why_it_counts_fewer_activities_than_usable_rows(year):
    """The training reported in both semesters is two usable rows and one activity: the
    executive summary says so where it gives both figures (an officer's year: 499 and 500
    stood side by side unexplained)."""
    from docx import Document

    data = year["data"]
    assert data["h"]["baris_diterima"] == data["h"]["kegiatan"] + 1
    text = "\n".join(p.text for p in Document(year["outbox"] / "2026" / "laporan_2026.docx").paragraphs)
    said = "1 di antaranya laporan lanjutan atas kegiatan semester sebelumnya, yang dihitung sekali"
    assert f"{said}: {data['h']['kegiatan']} kegiatan" in text
