"""Obstacle themes (docs/angka.md section 12): each text's themes with the phrase that gave
them, near-identical texts grouped, and what the summary workbook and the report show of
them, on the sample's returned workbooks."""

from __future__ import annotations

import json

import openpyxl
import pandas as pd
import yaml

from pipeline.analysis.obstacles import Themes, classify, label
from pipeline.core.rules import load_rules
from pipeline.core.texts import t
from pipeline.run import run


def _themes(rules, text: str) -> tuple:
    th = Themes(rules)
    return th.match(th.normalise([text])[0])


def test_a_cell_naming_two_obstacles_gets_both_themes_with_the_phrases_that_gave_them(rules):
    keys, phrases = _themes(rules, "1. dana blm cair 2. cuaca buruk")
    assert keys == ("anggaran", "akses")
    assert phrases == ("dana", "cuaca")


def test_typos_abbreviations_and_parts_anywhere_in_the_text(rules):
    assert _themes(rules, "keterbatasan angaran")[0] == ("anggaran",)  # a double letter left out
    assert _themes(rules, "kordinasi dgn pemda msh kurang")[0] == ("koordinasi",)
    assert _themes(rules, "Jumlah penyuluh terlatih masih kurang")[0] == ("sdm",)  # "penyuluh" + "kurang"
    assert _themes(rules, "Adanya ancaman terhadap petugas pendamping")[0] == ("keamanan",)  # no shortage named
    assert _themes(rules, "tempat kegiatan jauh dari kota")[0] == ("akses",)  # "tempat" is no typo of "template"


def _read(rules, text: str) -> tuple:
    (keys,) = classify(pd.Series([text]), rules).texts["tema"]
    return keys


def test_an_effect_after_sehingga_is_not_a_second_obstacle(rules):
    """ "X sehingga Y" names X; Y is read only when X names nothing, sentence by sentence."""
    assert _read(rules, "Jaringan internet lemah di daerah 3T sehingga aplikasi pelaporan tidak dapat diakses") == (
        "akses",
    )
    assert _read(rules, "Mutasi pejabat, sehingga pencairan dana tertunda") == ("sdm",)  # after a comma too
    assert _read(rules, "Kegiatan padat sehingga anggaran tidak terserap") == ("anggaran",)  # X names nothing
    # each sentence or list item on its own: the second item's obstacle is still read
    assert _read(rules, "1. Dana blm cair shg kegiatan mundur\n2. Aplikasi error") == ("anggaran", "teknologi")


def test_what_went_well_is_no_obstacle(rules):
    """A sentence or piece that only says what went well names no obstacle; the rest of the
    cell is still read."""
    for text in ["Personel yang ditugaskan mencukupi", "Keamanan selama kegiatan terkendali",
                 "Peserta antusias, kehadiran 100%", "Tidak ada kendala anggaran maupun SDM",
                 "Data sasaran telah diverifikasi bersama Bapas"]:  # fmt: skip
        assert _read(rules, text) == (), text
    assert _read(rules, "Koordinasi sudah baik namun peserta dari kalangan pelajar minim") == ("partisipasi",)
    assert _read(rules, "Data sudah lengkap, hanya saja server sering down") == ("teknologi",)
    assert _read(rules, "Personel kurang") == ("sdm",)  # a word of trouble: an obstacle
    # a review of the change: a turn reads its pieces, whatever the sentence begins with
    assert _read(rules, "Tidak ada kendala anggaran, namun SDM kurang") == ("sdm",)
    assert _read(rules, "Dana tersedia, namun pencairan menunggu persetujuan pusat") == ("anggaran",)
    assert _read(rules, "Kegiatan terlaksana namun anggaran dialihkan") == ("anggaran",)
    for text in ["Anggaran sudah habis", "Personel telah dimutasi", "Anggaran baru tersedia di akhir tahun"]:
        assert _read(rules, text) != (), text  # "sudah", "telah", "tersedia" with a word of trouble
    assert _read(rules, "Anggaran: cukup; SDM: kurang") == ("sdm",)
    assert _read(rules, "Petugas di Kab. Malang kurang") == ("sdm",)  # "Kab." ends no sentence


def test_a_cell_saying_there_was_no_obstacle_has_no_theme_and_is_not_listed(rules):
    said = ["Tidak ada", "-", "nihil", "Kegiatan berjalan sesuai rencana", "1. Tidak ada kendala", "Tidak ada; nihil",
            "Tidak ada kendala anggaran maupun SDM"]  # fmt: skip
    seen = "Personel cukup, anggaran tersedia"  # what went well in a theme's words: no theme, but listed
    obs = classify(pd.Series([*said, seen, "Libur panjang akhir tahun", None]), rules)
    texts = obs.texts.set_index("teks")
    assert all(texts.loc[x, "nihil"] for x in said)  # what went well is no obstacle either (an officer's year)
    assert not texts.loc[seen, "nihil"] and texts.loc[seen, "tema"] == ()
    assert not texts.loc["Libur panjang akhir tahun", "nihil"]
    assert texts.loc["Libur panjang akhir tahun", "tema"] == ()
    assert obs.code[-1] == -1  # a blank cell is no text


def test_near_identical_texts_are_one_group_and_other_obstacles_of_one_theme_are_not(rules):
    texts = ["Keterbatasan anggaran", "anggaran terbatas.", "ANGGARAN TERBATAS", "Dana belum cair",
             "Anggaran masih dalam status blokir", "anggaran msh diblokir"]  # fmt: skip
    obs = classify(pd.Series(texts), rules)
    g = dict(zip(obs.texts["teks"], obs.texts["kelompok"], strict=True))
    assert g["Keterbatasan anggaran"] == g["anggaran terbatas."] == g["ANGGARAN TERBATAS"]
    assert g["Anggaran masih dalam status blokir"] == g["anggaran msh diblokir"]
    assert len({g["Keterbatasan anggaran"], g["Dana belum cair"], g["anggaran msh diblokir"]}) == 3


def test_a_theme_the_secretariat_adds_is_found_and_named_by_its_label(rules_copy):
    path = rules_copy / "obstacles.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["themes"].append({"key": "waktu", "label": "Waktu pelaksanaan", "phrases": ["waktu|ramadhan|libur"]})
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    mine = load_rules(rules_copy)
    assert _themes(mine, "Libur panjang akhir tahun")[0] == ("waktu",)
    assert label("waktu", mine) == "Waktu pelaksanaan"


def test_the_summary_and_report_state_the_themes_and_list_the_texts_without_one(rules, period, demo_sample, tmp_path):
    run(demo_sample.inbox, tmp_path, rules, period, consolidation=True)
    summary = tmp_path / period.id / f"ringkasan_{period.id}.xlsx"
    wb = openpyxl.load_workbook(summary, read_only=True)
    lab = t("summary.obstacles.columns")
    rows = list(wb[t("summary.sheets.hambatan")].iter_rows(values_only=True))
    head = rows[3]
    themes = []
    for r in rows[4:]:  # the table of themes, up to the blank row below it
        if r[0] is None:
            break
        themes.append(dict(zip(head, r, strict=False)))
    names = [r[lab["nama"]] for r in themes]
    assert t("obstacles.themes.anggaran") in names and t("obstacles.themes.akses") in names
    units = [r[lab["kl"]] + r[lab["daerah"]] for r in themes]
    assert units == sorted(units, reverse=True)  # most units first
    untold = [r[0] for r in wb[t("summary.sheets.hambatan_tanpa_tema")].iter_rows(min_row=5, values_only=True)]
    assert "Libur panjang akhir tahun" in untold
    assert "Kegiatan berjalan sesuai rencana" not in untold  # what went well: no obstacle, not listed
    data = json.loads((tmp_path / period.id / f"data_laporan_{period.id}.json").read_text(encoding="utf-8"))
    assert [x["tema"] for x in data["hambatan_tema"]] == names
    assert all(p["hambatan_tema"] is not None for p in data["pilar"])
    assert data["hambatan_kelompok"] and {"teks", "tema", "unit", "aksi", "kegiatan"} <= set(
        data["hambatan_kelompok"][0]
    )
    shared = [f for f in data["temuan"] if f["aturan"] == "shared_obstacle"]
    assert shared and "K/L" in shared[0]["kesimpulan"] and "aksi" in shared[0]["kesimpulan"]


def test_a_finding_names_its_last_item_rather_than_count_it():
    """'... dan 1 lainnya' says less than the name it stands for (an officer's year: eight
    themes of nine named, then "dan 1 lainnya")."""
    from pipeline.analysis.findings import MAX_LISTED, listed

    names = [f"T{i}" for i in range(MAX_LISTED + 2)]
    assert listed(names[: MAX_LISTED + 1]).endswith(f"dan T{MAX_LISTED}")
    assert listed(names).endswith(t("report_findings.more", n=2))
