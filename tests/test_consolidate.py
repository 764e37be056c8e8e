"""Consolidation: totals reconcile everywhere, overlaps are found and only where they
should be, the summary workbook opens in LibreOffice and its charts point at the data."""

from __future__ import annotations

import datetime as dt
import json
import math

import openpyxl
import pandas as pd
import pytest

from pipeline.analysis.overlap import DUPLICATE, OVERLAP, find_overlaps
from pipeline.run import run

from .conftest import libreoffice_convert


@pytest.fixture(scope="module")
def demo_run(rules, period, demo_sample, tmp_path_factory):
    return run(demo_sample.inbox, tmp_path_factory.mktemp("out"), rules, period, consolidation=True)


@pytest.fixture(scope="module")
def summary(demo_run):
    path = next(p for p in demo_run.files if p.name.startswith("ringkasan_"))
    return path, openpyxl.load_workbook(path)


def _sheet(wb, name, header_row=1) -> pd.DataFrame:
    rows = list(wb[name].iter_rows(min_row=header_row, values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_totals_reconcile_across_sheets(summary):
    _, wb = summary
    acts = _sheet(wb, "Kegiatan")
    total_people, total_budget = acts["Jumlah Peserta"].fillna(0).sum(), acts["Anggaran (Rp)"].fillna(0).sum()
    for name, _filt in (("Per Aksi", None), ("Per Pilar", None), ("Per Fokus", None), ("Per KL", None),
                       ("Per Provinsi", None)):  # fmt: skip
        df = _sheet(wb, name)
        assert df["Peserta"].fillna(0).sum() == total_people, name
        if "Anggaran (Rp)" in df:
            assert df["Anggaran (Rp)"].fillna(0).sum() == total_budget, name
        if "Kegiatan" in df:
            assert df["Kegiatan"].fillna(0).sum() == len(acts), name
    per_action = _sheet(wb, "Per Aksi")
    assert len(per_action) == 35, "every catalogue action is listed, reported or not"
    ring = {r[0]: r[1] for r in wb["Ringkasan"].iter_rows(min_row=3, max_row=25, values_only=True) if r[0]}
    assert ring["Kegiatan dilaporkan"] == len(acts)
    assert ring["Peserta dilaporkan"] == total_people


def test_totals_equal_the_inputs_summed_independently(demo_run, demo_sample, summary):
    """Sum the accepted rows straight from the input workbooks with openpyxl."""
    _, wb = summary
    acts = _sheet(wb, "Kegiatan")
    expected = 0.0
    for (file, row), _ in acts.groupby(["Berkas", "Baris"]):
        path = demo_sample.inbox / file
        if path.suffix == ".ods":
            continue
        value = openpyxl.load_workbook(path, read_only=True)["Laporan"].cell(int(row), 12).value
        expected += float(value or 0)
    ods = acts[acts["Berkas"].str.endswith(".ods")]["Jumlah Peserta"].fillna(0).sum()
    assert math.isclose(expected + ods, acts["Jumlah Peserta"].fillna(0).sum())
    assert len(acts) == sum(f.accepted for f in demo_run.validation.files)


def test_planted_overlaps_found_and_merged(demo_run, demo_sample):
    planted = json.loads(demo_sample.planted_file.read_text())["overlaps"]
    c = demo_run.consolidation
    acts = c.activities
    found = {(frozenset({acts.at[r.a, "_agency"], acts.at[r.b, "_agency"]}), r.kind, acts.at[r.a, "kode_aksi"])
             for r in c.overlaps.itertuples()}  # fmt: skip
    assert found == {(frozenset(p["agencies"]), p["kind"], p["action"]) for p in planted}
    dups = c.overlaps[c.overlaps["kind"] == DUPLICATE]
    dropped = acts[acts["duplikat"]]
    assert len(dropped) == len(dups) == 2  # the K/L's joint activity, the province's roll-up
    assert all(i in (d.a, d.b) for i, d in zip(dropped.index, dups.sort_values("a").itertuples(), strict=True))
    lead = json.loads(demo_sample.planted_file.read_text())["overlaps"][0]
    first = dropped[dropped["_agency"].isin(lead["agencies"])].iloc[0]
    assert first["peran"] == "Pendukung" or first["_agency"] != lead["agencies"][0]
    assert dropped[dropped["_agency"].str.startswith("PROV-")].shape[0] == 1  # the roll-up: the kab/kota's kept
    total, once = acts["jumlah_peserta"].sum(), acts.loc[~acts["duplikat"], "jumlah_peserta"].sum()
    assert total - once == dropped["jumlah_peserta"].sum()


def _row(agency, name, province="Jawa Timur", regency="Kota Surabaya", start=dt.date(2026, 3, 1), days=1,
         code="1.2.1", group="Pemuda", role="Penanggung Jawab"):  # fmt: skip
    return {"_agency": agency, "nama_kegiatan": name, "provinsi": province, "kabupaten_kota": regency,
            "tanggal_mulai": start, "tanggal_selesai": start + dt.timedelta(days=days), "kode_aksi": code,
            "sasaran": group, "peran": role, "jumlah_peserta": 50}  # fmt: skip


def test_overlap_near_misses(rules):
    name = "Pelatihan penyuluh agama moderasi beragama angkatan I"
    rows = [
        _row("KEMENAG", name),
        _row("BNPT", name.upper() + ".", role="Pendukung"),  # same activity, other agency: duplicate
        _row("BPIP", name, province="Jawa Barat", regency="Kota Bandung"),  # same name, other province
        _row("POLRI", name, start=dt.date(2025, 3, 1)),  # same name, a year earlier
        _row("KEMENDAGRI", "Rapat koordinasi forum kewaspadaan dini", code="1.1.2"),  # other action, same place
        _row("KEMENAG", name + " gelombang II"),  # same agency: never a pair
    ]
    pairs = find_overlaps(pd.DataFrame(rows), rules)
    assert [(r.a, r.b, r.kind) for r in pairs.itertuples()] == [(0, 1, DUPLICATE), (1, 5, DUPLICATE)]


def test_overlapping_work(rules):
    rows = [_row("KEMENAG", "Pelatihan penyuluh agama moderasi beragama"),
            _row("BNPT", "Dialog pemuda lintas iman di kampus", start=dt.date(2026, 3, 12))]  # fmt: skip
    pairs = find_overlaps(pd.DataFrame(rows), rules)
    assert list(pairs["kind"]) == [OVERLAP]
    far = [rows[0], _row("BNPT", "Dialog pemuda lintas iman di kampus", start=dt.date(2026, 6, 1))]
    assert find_overlaps(pd.DataFrame(far), rules).empty
    # two regencies of one province, both named: not the same place, however alike the work
    apart = [rows[0], _row("BNPT", "Pelatihan penyuluh agama moderasi beragama", regency="Kab. Sidoarjo")]
    assert find_overlaps(pd.DataFrame(apart), rules).empty


def test_blocking_keeps_comparisons_sub_quadratic(rules):
    """20,000 activities spread over actions and places: the candidate pairs compared are a
    small fraction of all n(n-1)/2 pairs (time is measured by `make bench`, not here)."""
    import random

    rng = random.Random(1)
    codes = [fa.code for fa in rules.actions]
    places = rules.choices("provinces")
    agencies = [a.code for a in rules.agencies]
    n = 20_000
    rows = pd.DataFrame([_row(rng.choice(agencies), f"Kegiatan {rng.randrange(10**6)}", province=rng.choice(places),
                              code=rng.choice(codes), regency=f"Kab {rng.randrange(500)}",
                              start=dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(180)))
                         for _ in range(n)])  # fmt: skip
    from pipeline.analysis.activity_names import ActivityNames
    from pipeline.analysis.overlap import candidates

    names, _ = ActivityNames(rules).normalise(rows["nama_kegiatan"], rows["provinsi"], rows["kabupaten_kota"])
    compared = len(candidates(rows, names, rules)[0])
    assert compared < n * (n - 1) // 2 / 200
    pairs = find_overlaps(rows, rules)
    assert (pairs["kind"] == DUPLICATE).sum() == 0  # distinct names never make duplicates


def test_summary_opens_in_libreoffice_and_charts_point_at_data(summary, tmp_path):
    path, wb = summary
    pdf = libreoffice_convert([path], "pdf", tmp_path)[0]
    assert pdf.stat().st_size > 10_000
    charts = wb["Ringkasan"]._charts
    assert len(charts) == 3
    refs = []
    for chart in charts:
        for series in chart.series:
            refs.append((series.cat.strRef.f if series.cat.strRef else series.cat.numRef.f, series.val.numRef.f))
    assert ("'Per Pilar'!$C$2:$C$4", "'Per Pilar'!$P$2:$P$4") in refs or any("'Per Pilar'" in v for _, v in refs)
    pillar = next(v for _, v in refs if "Per Pilar" in v)
    column = pillar.split("!")[1].split(":")[0].strip("$").rstrip("0123456789").strip("$")
    assert wb["Per Pilar"][f"{column}1"].value.startswith("Capaian")
    assert any("'Per Provinsi'" in v for _, v in refs) and any("Ringkasan" in v for _, v in refs)
    # the status chart plots the status table: its labels and their counts, top to bottom
    cats, vals = next((c, v) for c, v in refs if v.startswith("Ringkasan!"))
    ring = wb["Ringkasan"]
    labels = [c.value for row in ring[cats.split("!")[1].replace("$", "")] for c in row]
    counts = [c.value for row in ring[vals.split("!")[1].replace("$", "")] for c in row]
    assert labels == ["diterima", "diterima dengan catatan", "diterima sebagian", "nihil", "ditolak", "belum diterima"]
    assert sum(counts) == 33
    assert not wb["Per Aksi"].merged_cells.ranges and wb["Kegiatan"].auto_filter.ref


def test_wide_sheets_print_readably_narrow_ones_on_one_page_wide(summary):
    """Issue 28: a sheet wider than a page prints its leading columns (what leadership reads,
    listed first) one page wide, as one contiguous print area from A1, repeating its header
    row; Per Provinsi fits one page wide whole (tests/test_paper.py measures the pages)."""
    _, wb = summary
    for name in ("Kegiatan", "Per Aksi", "Per KL", "Validasi"):
        ws = wb[name]
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (1, None), name
        assert ws.print_title_rows == "$1:$1" and ws.page_setup.orientation == "landscape", name
        area = ws.print_area
        assert "," not in area and area.split("!")[1].startswith("$A$1:"), (name, area)
    narrow = wb["Per Provinsi"]
    assert narrow.sheet_properties.pageSetUpPr.fitToPage and narrow.page_setup.fitToWidth in (1, None)
    assert not narrow.print_area


def test_agency_text_stays_text_in_summary(summary):
    _, wb = summary
    for ws in wb:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f" or ws.title == "Ringkasan", (ws.title, cell.coordinate)


def test_activity_ids_unique_for_identical_rows(rules, period):
    from types import SimpleNamespace

    from pipeline.analysis.consolidate import activities

    row = _row("KEMENAG", "Pelatihan penyuluh agama") | {"_file": "a.xlsx", "satuan": "", "target": None}
    rows = pd.DataFrame([row | {"_row": 5}, row | {"_row": 6}, row | {"_row": 7, "nama_kegiatan": "Lain"}])
    ids = activities(SimpleNamespace(accepted=rows, period=period), rules)["id_kegiatan"]
    assert ids.is_unique and ids[1] == ids[0] + "-2" and not ids[2].endswith("-2")


def _clusters(rows, rules):
    from pipeline.analysis.overlap import duplicate_clusters

    frame = pd.DataFrame(rows)
    return duplicate_clusters(frame, find_overlaps(frame, rules), rules)


def test_one_event_under_two_action_codes_written_two_ways_is_one_cluster(rules):
    rows = [
        _row("KEMENDAGRI", "Rapat Koordinasi Lintas K/L Pencegahan Ekstremisme di Kota Surabaya", code="1.1.2"),
        _row("BNPT", "rakor lintas kementerian/lembaga pencegahan ekstremisme", code="1.2.1", role="Pendukung"),
    ]
    cluster, kept = _clusters(rows, rules)
    assert list(cluster) == [1, 1] and list(kept) == [True, False]


def test_different_batches_are_never_merged(rules):
    for first, second in (("angkatan 1", "angkatan 2"), ("Tahap I", "tahap II"), ("gelombang ke-2", "Gelombang 3")):
        rows = [_row("KEMENAG", f"Pelatihan penyuluh agama {first}"),
                _row("BNPT", f"Pelatihan penyuluh agama {second}")]  # fmt: skip
        pairs = find_overlaps(pd.DataFrame(rows), rules)
        assert DUPLICATE not in set(pairs["kind"]), (first, second)
    same = [
        _row("KEMENAG", "Pelatihan penyuluh agama angkatan II"),
        _row("BNPT", "pelatihan penyuluh agama angkatan 2"),
    ]
    assert list(find_overlaps(pd.DataFrame(same), rules)["kind"]) == [DUPLICATE]


def test_a_five_agency_meeting_is_one_cluster_counted_once(rules):
    names = ["Rapat koordinasi FKPT se-Jawa Timur", "RAKOR Forum Koordinasi Pencegahan Terorisme se Jawa Timur",
             "Rapat Koordinasi FKPT se-Jawa Timur di Surabaya", "rapat koordinasi fkpt se jawa timur",
             "Rapat koordinasi  F.K.P.T. se-Jawa Timur"]  # fmt: skip
    agencies = ["BNPT", "KEMENDAGRI", "POLRI", "KEMENAG", "BPIP"]
    codes = ["1.1.1", "1.1.2", "1.2.1", "1.2.1", "1.1.1"]
    rows = [_row(a, n, code=c, role="Penanggung Jawab" if a == "BNPT" else "Pendukung")
            for a, n, c in zip(agencies, names, codes, strict=True)]  # fmt: skip
    cluster, kept = _clusters(rows, rules)
    # one cluster; the row kept is a catalogue lead's (Kemendagri leads 1.1.2, Kemenag 1.2.1:
    # the first of them), whatever the rows' own Peran cells say
    assert set(cluster) == {1} and list(kept) == [False, True, False, False, False]


def test_a_chain_of_weak_pairs_does_not_join_unrelated_activities(rules):
    """Names drifting a word at a time: neighbours are alike, the ends are not. Every row of
    a cluster is a likely duplicate of the row kept, never only of another member."""
    words = ["dialog", "kebangsaan", "pemuda", "lintas", "iman", "budaya", "daerah", "perbatasan"]
    agencies = ["BNPT", "KEMENAG", "BPIP", "POLRI", "KEMENDAGRI"]
    rows = [_row(a, " ".join(words[i : i + 4])) for i, a in enumerate(agencies)]
    pairs = find_overlaps(pd.DataFrame(rows), rules)
    linked = {(r.a, r.b) for r in pairs.itertuples() if r.kind == DUPLICATE}
    linked |= {(b, a) for a, b in linked}
    cluster, kept = _clusters(rows, rules)
    for number in set(cluster) - {0}:
        (keeper,) = [r for r in range(len(rows)) if cluster[r] == number and kept[r]]
        assert all((keeper, r) in linked for r in range(len(rows)) if cluster[r] == number and r != keeper)
    assert not (cluster[0] and cluster[0] == cluster[4])


def test_names_are_compared_with_care(rules):
    """Place words only: not alike. Ordinals are batches. A word of roman-numeral letters is
    not a batch number. An agency acronym that is also a word ('Mari') is not expanded."""

    def kinds(first, second):
        return set(find_overlaps(pd.DataFrame([_row("KEMENAG", first), _row("BNPT", second)]), rules)["kind"])

    assert DUPLICATE not in kinds("Kegiatan di Kota Surabaya", "Penyelenggaraan kegiatan tingkat Provinsi Jawa Timur")
    assert DUPLICATE not in kinds("Pelatihan penyuluh angkatan pertama", "Pelatihan penyuluh angkatan kedua")
    assert DUPLICATE in kinds("Sesi civil society moderasi", "sesi civil society moderasi")
    assert DUPLICATE in kinds("Kampanye Mari Cegah Radikalisme di Sekolah", "Kampanye Ayo Cegah Radikalisme di Sekolah")


def test_row_counts_have_one_definition_everywhere(demo_run):
    """Rows read = accepted + rejected for errors + in rejected files + in superseded files +
    blank; the headline's 'rejected for errors' is what Per KL adds up (issue 16, item 5)."""
    from pipeline.analysis.consolidate import headline

    v, c = demo_run.validation, demo_run.consolidation
    h = headline(c, v)
    parts = ["baris_diterima", "baris_ditolak", "baris_berkas_ditolak", "baris_berkas_digantikan", "baris_kosong"]
    assert h["baris_dibaca"] == sum(h[k] for k in parts) == sum(f.read for f in v.files)
    assert h["baris_ditolak"] == int(c.by_agency["ditolak"].sum())
    assert h["baris_diterima"] == int(c.by_agency["diterima"].sum()) == len(v.accepted)
    assert h["baris_berkas_ditolak"] + h["baris_berkas_digantikan"] > 0  # the sample has such files
