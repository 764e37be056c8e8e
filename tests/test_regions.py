"""Regional governments as reporting units (issue 27, items 3 and 4): a province or a
kab/kota government of rules/regions.yaml reports through the same pipeline as a K/L, named
and placed by the official code list; only the regions a period calls in are expected; its
rows default to its own region; a province reporting its kab/kota's event is counted once;
completeness and activities are told per level."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import openpyxl
import pytest
import yaml

from pipeline.analysis.consolidate import overlap_table
from pipeline.analysis.levels import level_status, region_table
from pipeline.analysis.overlap import DUPLICATE
from pipeline.core.errors import RanpeError
from pipeline.core.layout import HEADER_ROW
from pipeline.core.periods import parse_period
from pipeline.core.rules import load_rules
from pipeline.intake.validate import validate_period
from pipeline.outputs.report import data_path
from pipeline.outputs.template import Sheet, write_template
from pipeline.run import run

from .conftest import libreoffice_convert
from .test_regencies import _cell, _libreoffice_validity, resolve
from .test_twins_joint import _return

DAY = dt.date(2026, 7, 1)


def _edit(folder, name: str, change) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_region_is_a_unit_named_and_placed_by_the_code_list(rules):
    prov, kab, kota = (rules.get_agency(c) for c in ("PROV-35", "KABKOTA-35.24", "KABKOTA-35.78"))
    assert (prov.level, prov.province, prov.regency, prov.short) == ("provinsi", "35", "", "Provinsi Jawa Timur")
    assert prov.name == "Pemerintah Provinsi Jawa Timur" and "Pemprov Jatim" in prov.aliases
    assert (kab.level, kab.province, kab.regency, kab.name) == (
        "kabkota",
        "35",
        "35.24",
        "Pemerintah Kabupaten Lamongan",
    )
    assert kota.name == "Pemerintah Kota Surabaya" and "Pemkot Surabaya" in kota.aliases
    assert rules.find_agencies("Pemkab Lamongan") == ["KABKOTA-35.24"]
    assert not rules.get_agency("BNPT").regional
    # a region supports the actions its RAD PE is mapped to: all of its foci's
    assert {fa.code for fa, _ in rules.assigned_actions("KABKOTA-35.24")} == {
        fa.code for fa in rules.actions if fa.path[1][0] == "1.2"
    }
    assert [fa.code for fa, _ in rules.assigned_actions("KABKOTA-72.02")] == ["1.2.1", "1.3.1", "1.3.2"]


def test_only_the_regions_a_period_calls_in_are_expected(rules):
    s1 = [a.code for a in rules.expected("2026-S1")]
    assert s1[: len([a for a in rules.agencies if not a.regional])] == [
        a.code for a in rules.agencies if not a.regional
    ]
    assert "PROV-35" in s1 and "KABKOTA-72.02" in s1
    assert not [a for a in rules.expected("2027-S1") if a.regional]  # a period that calls in none


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["regions"].append({"code": "PROV-99", "email": "x@example.go.id", "foci": ["1.1"]}),
         "tidak ada provinsi berkode Kemendagri 99"),
        (lambda d: d["regions"].append({"code": "KAB-35.24", "email": "x@example.go.id", "foci": ["1.1"]}),
         "tidak berbentuk kode unit daerah"),
        (lambda d: d["regions"].append({"code": "KABKOTA-35.01", "email": "x@example.go.id"}),
         "tidak melaporkan aksi apa pun"),
    ],
)  # fmt: skip
def test_a_mistake_in_regions_yaml_names_the_file_and_what_to_do(rules_copy, change, expected):
    _edit(rules_copy, "regions.yaml", change)
    with pytest.raises(RanpeError, match=r"regions\.yaml") as err:
        load_rules(rules_copy)
    assert expected in str(err.value)


def test_a_mapping_to_codes_a_new_matrix_lacks_is_warned_not_fatal(rules_copy):
    """After the official matrix is imported, a region mapped to codes it no longer has still
    loads (the batch goes on) and every command says which region to map again."""
    _edit(rules_copy, "regions.yaml", lambda d: d["regions"][4].update(actions=["1.2.1", "9.9.9"]))
    rules = load_rules(rules_copy)
    (line,) = rules.stale_regions
    assert "KABKOTA-72.02" in line and "9.9.9" in line and "tinggal 1 aksi" in line
    assert [fa.code for fa, _ in rules.assigned_actions("KABKOTA-72.02")] == ["1.2.1"]


def test_a_period_may_call_in_only_a_listed_region(rules_copy):
    _edit(rules_copy, "periods.yaml", lambda d: d["regions"]["2026-S1"].append("KABKOTA-35.01"))
    with pytest.raises(RanpeError, match=r"periods\.yaml.*KABKOTA-35\.01.*tidak ada di rules/regions\.yaml"):
        load_rules(rules_copy)


def test_a_workspace_without_regions_has_none(rules_copy):
    (rules_copy / "regions.yaml").unlink()
    _edit(rules_copy, "periods.yaml", lambda d: d.pop("regions"))
    rules = load_rules(rules_copy)
    assert not [a for a in rules.agencies if a.regional] and rules.expected("2026-S1") == [
        a for a in rules.agencies if not a.regional
    ]


@pytest.fixture(scope="module")
def region_templates(rules, period, tmp_path_factory):
    folder = tmp_path_factory.mktemp("regions")
    out = {}
    for code in ("PROV-35", "KABKOTA-35.24"):
        path = write_template(folder / f"{code}_2026-S1.xlsx", rules, Sheet(rules.get_agency(code), period, DAY))
        (resaved,) = libreoffice_convert([path], "xlsx", folder / "lo")
        out[code] = {"written": path, "resaved": resaved}
    return out


@pytest.mark.parametrize("code", ["PROV-35", "KABKOTA-35.24"])
def test_a_regions_template_locks_its_identity_and_region(rules, region_templates, code):
    wb = openpyxl.load_workbook(region_templates[code]["resaved"])
    ident = {r[0].value: r[1] for r in wb["Identitas"].iter_rows(max_col=2) if r[0].value}
    unit = rules.get_agency(code)
    assert ident["Kode Instansi"].value == code and ident["Nama Instansi"].value == unit.name
    assert ident["Tingkat"].value == (
        "Pemerintah Provinsi" if unit.level == "provinsi" else "Pemerintah Kabupaten/Kota"
    )
    wanted = "Jawa Timur (kode Kemendagri 35)" if unit.level == "provinsi" else (
        "Kabupaten Lamongan, Jawa Timur (kode Kemendagri 35.24)")  # fmt: skip
    assert ident["Wilayah"].value == wanted
    assert all(ident[k].protection.locked for k in ("Kode Instansi", "Nama Instansi", "Tingkat", "Wilayah"))
    assert wb["Identitas"].protection.sheet
    rows = {wb["Laporan"].cell(r, 2).value for r in range(HEADER_ROW + 2, HEADER_ROW + 40)} - {None}
    assert rows == {fa.code for fa, _ in rules.assigned_actions(code)}


@pytest.mark.parametrize("kind", ["written", "resaved"])
def test_a_regions_template_offers_the_kabkota_of_the_chosen_province(rules, region_templates, kind):
    """The dependent list, resolved for two provinces, in a province's and a kab/kota's template."""
    for code in region_templates:
        wb = openpyxl.load_workbook(region_templates[code][kind])
        ws, cell = wb["Laporan"], _cell(rules, "kabupaten_kota", 6)
        assert resolve(wb, ws, cell, "Jawa Timur") == [r.name for r in rules.regencies_by_province["35"]]
        assert resolve(wb, ws, cell, "Sulawesi Tengah") == [r.name for r in rules.regencies_by_province["72"]]


def test_libreoffice_checks_the_kabkota_in_a_regions_template(rules, region_templates, tmp_path):
    at = lambda key, row: _cell(rules, key, row)  # noqa: E731
    typed = {at("provinsi", 6): "Jawa Timur", at("kabupaten_kota", 6): "Kabupaten Lamongan",
             at("provinsi", 7): "Jawa Timur", at("kabupaten_kota", 7): "Kabupaten Poso"}  # fmt: skip
    found = _libreoffice_validity(
        region_templates["KABKOTA-35.24"]["resaved"], rules, tmp_path, ["Jawa Timur", "Sulawesi Tengah"], typed
    )
    jatim, sulteng = rules.regencies_by_province["35"], rules.regencies_by_province["72"]
    assert found["lists"]["Jawa Timur"] == [jatim[0].name, jatim[-1].name, str(len(jatim))]
    assert found["lists"]["Sulawesi Tengah"] == [sulteng[0].name, sulteng[-1].name, str(len(sulteng))]
    assert found["invalid"] == [at("kabupaten_kota", 7)]


def _event(**values) -> dict:
    day = dt.date(2026, 4, 14)
    return {"kode_aksi": "1.2.1", "nama_kegiatan": "Sosialisasi pencegahan ekstremisme bagi pemuda",
            "tanggal_mulai": day, "tanggal_selesai": day + dt.timedelta(days=1), "satuan": "kegiatan",
            "target": 1, "realisasi": 1, "jumlah_peserta": 80, "anggaran": 20_000_000,
            "realisasi_anggaran": 20_000_000, "provinsi": "Jawa Timur", "kabupaten_kota": "Kabupaten Lamongan",
            **values}  # fmt: skip


def test_a_regions_rows_default_to_its_own_region(rules, period, tmp_path):
    inbox = tmp_path / "inbox"
    _return(inbox, rules, period, "KABKOTA-35.24", [_event(provinsi=None, kabupaten_kota=None)], DAY)
    _return(inbox, rules, period, "PROV-72", [_event(kode_aksi="1.1.1", provinsi=None, kabupaten_kota=None)], DAY)
    v = validate_period(inbox, rules, period)
    rows = v.accepted.set_index("_agency")
    assert rows.loc["KABKOTA-35.24", ["provinsi", "kabupaten_kota", "kode_kabupaten_kota"]].tolist() == [
        "Jawa Timur", "Kabupaten Lamongan", "35.24"]  # fmt: skip
    assert rows.loc["PROV-72", ["provinsi"]].tolist() == ["Sulawesi Tengah"]
    assert rows.loc["PROV-72", "kabupaten_kota"] is None  # a province's activity: no kab/kota assumed


@pytest.fixture(scope="module")
def rollup(rules, period, tmp_path_factory):
    """Lamongan reports a socialisation; East Java's province government reports the same event
    as its facilitation, worded its own way (too unlike for the ordinary duplicate rule); a
    K/L (Kemendagri) reports an activity of its own in Lamongan; Surabaya is late; the rest
    of the regions called in are silent."""
    inbox, outbox = tmp_path_factory.mktemp("inbox"), tmp_path_factory.mktemp("outbox")
    _return(inbox, rules, period, "KABKOTA-35.24", [_event()], DAY)
    name = "Fasilitasi Pemprov: sosialisasi pencegahan ekstremisme kepada pelajar dan pemuda Lamongan"
    _return(inbox, rules, period, "PROV-35", [_event(nama_kegiatan=name, anggaran=5_000_000)], DAY)
    _return(inbox, rules, period, "KABKOTA-35.78", [_event(kabupaten_kota="Kota Surabaya", nama_kegiatan="Dialog")],
            period.deadline + dt.timedelta(days=3))  # fmt: skip
    _return(inbox, rules, period, "KEMENDAGRI", [_event(kode_aksi="1.1.1", nama_kegiatan="Rakor Kesbangpol",
            tanggal_mulai=dt.date(2026, 2, 2), tanggal_selesai=dt.date(2026, 2, 2))], DAY)  # fmt: skip
    return run(inbox, outbox, rules, period, consolidation=True), outbox


def test_a_provinces_rollup_of_its_kabkotas_event_is_counted_once(rollup):
    c = rollup[0].consolidation
    pairs = c.overlaps
    assert pairs["kind"].tolist() == [DUPLICATE] and bool(pairs["rollup"].iat[0])
    assert pairs["name_similarity"].iat[0] < 85  # the ordinary duplicate rule would not have paired them
    acts = c.activities.set_index("_agency")
    assert not acts.loc["KABKOTA-35.24", "duplikat"] and acts.loc["PROV-35", "duplikat"]  # the kab/kota's is kept
    jatim = c.by_province.set_index("provinsi").loc["Jawa Timur"]
    assert (jatim["kegiatan"], jatim["kegiatan_unik"]) == (4, 3)
    assert (jatim["kegiatan_kl"], jatim["kegiatan_provinsi"], jatim["kegiatan_kabkota"]) == (1, 0, 2)
    assert "rekapitulasi provinsi" in overlap_table(c)["alasan"].iat[0]
    assert overlap_table(c)["jenis"].iat[0] == "rekapitulasi provinsi atas kegiatan kabupaten/kota"
    pairs = openpyxl.load_workbook(rollup[1] / "2026-S1" / "tinjauan_2026-S1.xlsx")["Pasangan"]
    kinds = [r[2] for r in pairs.iter_rows(min_row=2, values_only=True) if r[0]]
    assert kinds == ["rekapitulasi provinsi atas kegiatan kabupaten/kota"]  # what the officer decides on


def test_a_rollup_is_no_finding_of_joint_work(rollup, rules):
    """The finding "two units with N overlapping pairs" leaves out a province's roll-up of
    its kab/kota's event, which the review calls expected (an officer's year: the year's
    conclusions named Lamongan and East Java for their roll-ups)."""
    from pipeline.analysis.findings import findings

    result = rollup[0]
    report = rules.report.model_copy(update={"findings": rules.report.findings.model_copy(update={"joint_pairs": 1})})
    strict = dataclasses.replace(rules, report=report)
    found = findings(result.consolidation, result.validation, strict, None)
    assert not [f for f in found if f["aturan"] == "joint"]


def test_completeness_is_told_per_level(rollup, rules):
    v = rollup[0].validation
    levels = level_status(v, rules).set_index("tingkat")
    called = rules.called_in("2026-S1")
    assert levels.loc["Provinsi", "dipanggil"] == sum(c.startswith("PROV-") for c in called) == 3
    assert levels.loc["Provinsi", ["melapor", "terlambat", "belum"]].tolist() == [1, 0, 2]
    assert levels.loc["Kabupaten/Kota", ["dipanggil", "melapor", "tepat_waktu", "terlambat", "belum"]].tolist() == [
        3, 2, 1, 1, 1]  # fmt: skip
    assert levels.loc["K/L", "dipanggil"] == len([a for a in rules.agencies if not a.regional])
    assert (
        v.state_counts("provinsi")["not_received"] == 2
        and sum(v.state_counts().values()) == levels.loc["K/L", "dipanggil"]
    )
    table = region_table(v, rollup[0].consolidation.by_province, rules).set_index("provinsi")
    assert table.loc["Jawa Timur", ["kabkota_dipanggil", "kabkota_melapor", "rad_pe"]].tolist() == [2, 2, "Ya"]
    assert table.loc["Jawa Barat", "status_pemprov"] == "belum diterima"


def test_a_region_not_called_in_is_read_but_never_expected(rules_copy, tmp_path):
    _edit(rules_copy, "periods.yaml", lambda d: d["regions"].update({"2026-S1": ["PROV-35"]}))
    rules = load_rules(rules_copy)
    period = parse_period("2026-S1", rules)
    inbox = tmp_path / "inbox"
    _return(inbox, rules, period, "KABKOTA-72.02", [_event(kode_aksi="1.3.1", provinsi=None, kabupaten_kota=None)],
            DAY)  # fmt: skip
    v = validate_period(inbox, rules, period)
    assert v.agencies["KABKOTA-72.02"].state in ("accepted", "accepted_warnings") and "KABKOTA-35.24" not in v.agencies
    levels = level_status(v, rules).set_index("tingkat")
    assert levels.loc["Kabupaten/Kota", ["dipanggil", "tanpa_panggilan"]].tolist() == [0, 1]
    assert levels.loc["Provinsi", ["dipanggil", "belum"]].tolist() == [1, 1]


def test_the_report_data_tells_the_regions(rollup):
    data = json.loads(data_path(rollup[1], "2026-S1").read_text(encoding="utf-8"))
    regions = data["daerah"]
    assert regions["ada"] and regions["dipanggil_provinsi"] == 3 and regions["melapor_kabkota"] == 2
    assert regions["terlambat"] == [{"nama": "Kota Surabaya", "hari": 3}]
    assert "Provinsi Jawa Barat" in regions["belum"]
    jatim = next(p for p in regions["provinsi"] if p["nama"] == "Jawa Timur")
    assert (jatim["kl"], jatim["prov"], jatim["kab"], jatim["total"]) == (1, 0, 2, 3)
    assert regions["peta"]["kegiatan"]["35"] == 3 and regions["peta"]["rad_pe"] == ["35"]
