"""Twins and joint activities (issue 26, item 5), from the officer's run of the whole cycle:
one number typed into Jumlah Peserta and copied into Realisasi is decided, and excluded,
together; with few agencies a participant count far above the row's own target, or above
what the agency reported before, is flagged; a same-day activity in one regency whose
partner column names the other agency is offered for review as a joint activity, the
regency compared with its abbreviations expanded ("Kab. Poso" is "Kabupaten Poso")."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pandas as pd

from pipeline.analysis.overlap import DUPLICATE, find_overlaps
from pipeline.core.periods import parse_period
from pipeline.outputs.report import data_path
from pipeline.outputs.template import Sheet, write_template
from pipeline.run import run

from .test_review import _decide, _ringkasan

JOINT = "joint-activity"  # a pair kind of analysis/overlap.py
FILLED = {"Nama Petugas Pengisi": "Rina", "Email": "r@example.go.id"}
ROW = {"status": "Selesai", "sasaran": "Pemuda", "provinsi": "Jawa Timur", "kabupaten_kota": "Kota Surabaya"}


def _return(inbox: Path, rules, period, agency: str, rows: list[dict], filled: dt.date) -> Path:
    """An agency's return: its template filled with openpyxl, `rows` from row 5 down."""
    inbox.mkdir(parents=True, exist_ok=True)
    path = write_template(inbox / f"{agency}.xlsx", rules, Sheet(rules.get_agency(agency), period, period.start))
    wb = openpyxl.load_workbook(path)
    col = {c.key: i + 1 for i, c in enumerate(rules.fields.columns)}
    roles = {fa.code: role for fa, role in rules.assigned_actions(agency)}
    for r, values in enumerate(rows, start=5):
        for key, value in {**ROW, "peran": roles[values["kode_aksi"]], **values}.items():
            wb["Laporan"].cell(r, col[key], value)
    ident = {c.value: c.row for c in wb["Identitas"]["A"]}
    for label, value in {**FILLED, "Tanggal Pengisian": filled}.items():
        wb["Identitas"].cell(ident[label], 2, value)
    wb.save(path)
    return path


def _training(**values) -> dict:
    """A 1.1.1 training (Polri leads, BNPT and Kemendagri support; counted in orang)."""
    day = dt.date(2026, 3, 10)
    return {"kode_aksi": "1.1.1", "nama_kegiatan": "Pelatihan pemolisian masyarakat", "tanggal_mulai": day,
            "tanggal_selesai": day + dt.timedelta(days=1), "satuan": "orang", "anggaran": 50_000_000,
            "realisasi_anggaran": 45_000_000, **values}  # fmt: skip


def _run(inbox: Path, outbox: Path, rules, period):
    return run(inbox, outbox, rules, period, consolidation=True)


def _items(result, **where) -> pd.DataFrame:
    items = result.consolidation.review.items
    for key, value in where.items():
        items = items[items[key] == value]
    return items


def _report_data(outbox: Path, period_id: str) -> dict:
    return json.loads(data_path(outbox, period_id).read_text(encoding="utf-8"))


def test_excluding_a_realisation_takes_the_participants_typed_with_it(rules, period, tmp_path):
    """Polri typed 1.200 participants for 120 and copied it into Realisasi; with three agencies
    on the action, only Realisasi was flagged, and once excluded the 1.200 stayed counted."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    day = dt.date(2026, 7, 1)
    _return(inbox, rules, period, "POLRI", [_training(jumlah_peserta=1200, target=120, realisasi=1200)], day)
    _return(inbox, rules, period, "BNPT", [_training(jumlah_peserta=100, target=100, realisasi=100,
                                                     kabupaten_kota="Kota Malang")], day)  # fmt: skip
    _return(inbox, rules, period, "KEMENDAGRI", [_training(jumlah_peserta=90, target=90, realisasi=90,
                                                           kabupaten_kota="Kab. Jember")], day)  # fmt: skip
    first = _run(inbox, out, rules, period)
    polri = _items(first, _agency="POLRI")
    assert sorted(zip(polri["code"], polri["label"], polri["value"], strict=True)) == [
        ("realisation-over-target", "Realisasi", 1200),
        ("twin-value", "Jumlah Peserta", 1200),
    ]
    twin = next(p for p in first.validation.problems if p.code == "twin-value")
    over = next(p for p in first.validation.problems if p.code == "realisation-over-target")
    assert twin.message == (
        f"Jumlah Peserta (1.200) sama dengan Realisasi di sel {over.cell}, yang ditandai untuk diperiksa: "
        "kemungkinan angka yang sama diisikan ke dua kolom. Periksa keduanya; jika benar, jelaskan di kolom Keterangan."
    )
    assert first.consolidation.review.provisional["peserta"] == 1200  # the copy waits for review too
    assert _ringkasan(out)["Peserta dilaporkan"][0] == 1390

    realisation = polri[polri["code"] == "realisation-over-target"].iloc[0]
    _decide(out / "2026-S1" / "tinjauan_2026-S1.xlsx", realisation["item"], "dikecualikan dari total", "Salah ketik")
    second = _run(inbox, out, rules, period)
    decided = _items(second, _agency="POLRI")
    assert set(decided["state"]) == {"decided"} and set(decided["decision"]) == {"exclude"}
    assert "peserta" not in second.consolidation.review.provisional
    assert _ringkasan(out)["Peserta dilaporkan"][0] == 190  # the 1.200 left with the realisation
    assert _report_data(out, "2026-S1")["h"]["peserta"] == 190
    polri_row = second.consolidation.activities.query("_agency == 'POLRI'").iloc[0]
    assert pd.isna(polri_row["jumlah_peserta"]) and pd.isna(polri_row["realisasi"])


def test_few_agencies_a_participant_count_far_above_its_own_target_is_flagged(rules, period, tmp_path):
    """The first period, one agency: no median to compare with, but 1.200 against its own 120."""
    _return(tmp_path / "inbox", rules, period, "POLRI", [_training(jumlah_peserta=1200, target=120, status="Berjalan")],
            dt.date(2026, 7, 1))  # fmt: skip
    result = _run(tmp_path / "inbox", tmp_path / "out", rules, period)
    found = [p for p in result.validation.problems if p.code == "participants-far-above"]
    assert [(p.column, p.value) for p in found] == [("Jumlah Peserta", "1.200")]
    assert found[0].message == (
        "Jumlah Peserta (1.200) melebihi 5 kali target baris ini (120). Periksa apakah ada salah ketik "
        "(mis. 1.200 untuk 120); jika angkanya benar, jelaskan di kolom Keterangan."
    )
    assert list(_items(result, code="participants-far-above")["value"]) == [1200]  # a review item
    assert result.consolidation.review.provisional["peserta"] == 1200


def test_a_participant_count_far_above_the_agencys_earlier_periods_is_flagged(rules, tmp_path):
    """Semester I stored with 120 participants; in Semester II the same training has 1.200 and no
    target to compare with: the history says it is far above."""
    s1, s2, out = parse_period("2026-S1", rules), parse_period("2026-S2", rules), tmp_path / "out"
    _return(tmp_path / "s1", rules, s1, "POLRI", [_training(jumlah_peserta=120, target=120, realisasi=120)],
            dt.date(2026, 7, 1))  # fmt: skip
    _run(tmp_path / "s1", out, rules, s1)
    later = _training(jumlah_peserta=1200, status="Berjalan", tanggal_mulai=dt.date(2026, 9, 8), tanggal_selesai=None)
    _return(tmp_path / "s2", rules, s2, "POLRI", [later], dt.date(2027, 1, 4))
    result = _run(tmp_path / "s2", out, rules, s2)
    found = [p for p in result.validation.problems if p.code == "participants-far-above"]
    assert [p.detail for p in found] == [
        "5 kali jumlah terbanyak yang dilaporkan instansi ini untuk aksi ini pada periode sebelumnya (120)"
    ]
    assert list(_items(result, code="participants-far-above")["value"]) == [1200]


def test_a_same_day_rakor_naming_the_other_agency_is_offered_as_a_joint_activity(rules, period, tmp_path):
    """Kemenag (1.2.1) and Polri (1.1.1) each filed a same-day Rakor in Kota Surabaya, 80
    participants each, Kemenag naming "Polda Jatim" as its partner."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    day, filled = dt.date(2026, 4, 14), dt.date(2026, 7, 1)
    common = {"tanggal_mulai": day, "tanggal_selesai": day, "jumlah_peserta": 80, "satuan": "orang", "realisasi": 80}
    kemenag = {**common, "kode_aksi": "1.2.1", "nama_kegiatan": "Rakor moderasi beragama", "mitra": "Polda Jatim"}
    polri = {**common, "kode_aksi": "1.1.1", "nama_kegiatan": "Rapat Koordinasi Pemolisian Masyarakat"}
    _return(inbox, rules, period, "KEMENAG", [kemenag], filled)
    _return(inbox, rules, period, "POLRI", [polri], filled)
    first = _run(inbox, out, rules, period)
    pair = _items(first, kind="pair")
    assert list(pair["code"]) == [JOINT] and list(pair["state"]) == ["open"]
    assert {pair.iloc[0]["a_kl"], pair.iloc[0]["b_kl"]} == {"Kemenag", "Polri"}
    c = first.consolidation
    assert c.overlaps["kind"].tolist() == [JOINT] and not c.activities["duplikat"].any()  # a candidate: not merged
    assert "mitra menyebut instansi lainnya" in _irisan_reasons(out)

    _decide(out / "2026-S1" / "tinjauan_2026-S1.xlsx", pair.iloc[0]["item"], "kegiatan bersama", "Rakor bersama")
    second = _run(inbox, out, rules, period)
    assert _items(second, kind="pair")["decision"].tolist() == ["joint"]
    assert second.consolidation.activities["duplikat"].sum() == 1  # counted once
    assert _ringkasan(out)["Peserta (duplikat dihitung sekali)"][0] == 80


def _irisan_reasons(outbox: Path) -> str:
    ws = openpyxl.load_workbook(outbox / "2026-S1" / "ringkasan_2026-S1.xlsx")["Irisan"]
    return "\n".join(str(v) for r in ws.iter_rows(values_only=True) for v in r if v)


def _pair(first: dict, second: dict) -> pd.DataFrame:
    """Two activities of one day in Sulawesi Tengah, as find_overlaps takes them."""
    day = dt.date(2026, 5, 20)
    base = {"provinsi": "Sulawesi Tengah", "tanggal_mulai": day, "tanggal_selesai": day, "sasaran": "Pemuda",
            "peran": "Pendukung", "jumlah_peserta": 60, "mitra": None}  # fmt: skip
    return pd.DataFrame([{**base, **first}, {**base, **second}])


# a Kemenag dialogue naming the police of Poso as partner, and a police visit there on the same day
POSO_KEMENAG = {"_agency": "KEMENAG", "kode_aksi": "1.2.1", "nama_kegiatan": "Dialog tokoh agama",
                "mitra": "Polres Poso"}  # fmt: skip
POSO_POLRI = {"_agency": "POLRI", "kode_aksi": "1.1.1", "nama_kegiatan": "Sambang masyarakat"}


def test_kab_and_kabupaten_are_one_regency(rules):
    """Kab. Poso and Kabupaten Poso are one place, for a likely duplicate and for a joint activity."""
    same = {"nama_kegiatan": "Dialog kebangsaan tokoh agama", "kode_aksi": "1.2.1"}
    dup = _pair({**same, "_agency": "KEMENAG", "kabupaten_kota": "Kab. Poso"},
                {**same, "_agency": "BNPT", "kabupaten_kota": "Kabupaten Poso"})  # fmt: skip
    assert find_overlaps(dup, rules)["kind"].tolist() == [DUPLICATE]
    kemenag, polri = POSO_KEMENAG, POSO_POLRI
    joint = _pair({**kemenag, "kabupaten_kota": "Kab. Poso"}, {**polri, "kabupaten_kota": "Kabupaten Poso"})
    assert find_overlaps(joint, rules)["kind"].tolist() == [JOINT]
    # near misses: the partner column naming nobody, or another agency; another regency; another day
    for change in ({"mitra": "FKUB Poso"}, {"mitra": "Kodim Poso"}, {"kabupaten_kota": "Kab. Sigi"},
                   {"tanggal_mulai": dt.date(2026, 5, 21), "tanggal_selesai": dt.date(2026, 5, 21)}):  # fmt: skip
        other = joint.copy()
        for key, value in change.items():
            other.loc[0, key] = value
        assert find_overlaps(other, rules).empty, change


def test_one_kabkota_code_is_one_place_whatever_its_text(rules):
    """The overlap detector compares kab/kota by the Kemendagri code the normaliser found; two
    codes are two places even where their texts fold alike."""
    kemenag, polri = POSO_KEMENAG, POSO_POLRI
    joint = _pair({**kemenag, "kabupaten_kota": "Poso", "kode_kabupaten_kota": "72.02"},
                  {**polri, "kabupaten_kota": "Kabupaten Poso", "kode_kabupaten_kota": "72.02"})  # fmt: skip
    assert find_overlaps(joint, rules)["kind"].tolist() == [JOINT]
    apart = joint.assign(kabupaten_kota="Kabupaten Poso", kode_kabupaten_kota=["72.02", "72.10"])
    assert find_overlaps(apart, rules).empty


def test_surabaya_and_kota_surabaya_are_one_place_from_the_returns(rules, period, tmp_path):
    """Issue 27: "Surabaya" typed by one agency and "Kota Surabaya" by another is one kab/kota,
    so their same-day Rakor is offered as a joint activity."""
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    day, filled = dt.date(2026, 4, 14), dt.date(2026, 7, 1)
    common = {"tanggal_mulai": day, "tanggal_selesai": day, "jumlah_peserta": 80, "satuan": "orang", "realisasi": 80}
    kemenag = {**common, "kode_aksi": "1.2.1", "nama_kegiatan": "Rakor moderasi beragama", "mitra": "Polda Jatim"}
    polri = {**common, "kode_aksi": "1.1.1", "nama_kegiatan": "Rapat Koordinasi Pemolisian Masyarakat",
             "kabupaten_kota": "Surabaya"}  # fmt: skip
    _return(inbox, rules, period, "KEMENAG", [kemenag], filled)
    _return(inbox, rules, period, "POLRI", [polri], filled)
    c = _run(inbox, out, rules, period).consolidation
    assert c.overlaps["kind"].tolist() == [JOINT]
    assert set(c.activities["kode_kabupaten_kota"]) == {"35.78"}
    summary = openpyxl.load_workbook(out / "2026-S1" / "ringkasan_2026-S1.xlsx")
    for sheet in ("Kegiatan", "Irisan"):  # the code beside the name, in the workbook too
        rows = list(summary[sheet].iter_rows(values_only=True))
        at = [j for j, v in enumerate(rows[0]) if "Kode Kab/Kota" in str(v)]
        assert at and {r[j] for r in rows[1:] for j in at} == {"35.78"}, sheet
