"""rules/ loads, holds what the domain needs, and malformed files give one clear message."""

from __future__ import annotations

import pytest
import yaml

from pipeline.core.errors import RanpeError
from pipeline.core.periods import parse_period
from pipeline.core.rules import load_rules


def test_agencies_are_real_and_complete(rules):
    assert len(rules.agencies) >= 30
    codes = {a.code for a in rules.agencies}
    assert {"BNPT", "KEMENAG", "POLRI", "KOMDIGI", "LPSK", "PPATK", "BPIP", "KEMLU"} <= codes
    # the 2024 renames and splits stay resolvable through aliases
    assert rules.find_agencies("Kominfo") == ["KOMDIGI"]
    assert rules.find_agencies("kemenko  polhukam") == ["KEMENKOPOLKAM"]
    assert sorted(rules.find_agencies("Kemenkumham")) == ["KEMENHAM", "KEMENIMIPAS", "KEMENKUM"]
    assert len(rules.find_agencies("Kemendikbudristek")) == 3


def test_catalogue_shape(rules):
    cat = rules.catalogue
    assert cat.sample is True
    assert [g.name for g in cat.groups] == [
        "Pencegahan (Kesiapsiagaan, Kontra Radikalisasi, dan Deradikalisasi)",
        "Penegakan Hukum, Pelindungan Saksi dan Korban, dan Penguatan Kerangka Legislasi Nasional",
        "Kemitraan dan Kerja Sama Internasional",
    ]
    assert len(rules.actions) >= 25
    assert len({fa.path[1] for fa in rules.actions}) >= 3
    owners = {c for fa in rules.actions for c in (*fa.action.lead, *fa.action.support)}
    assert {a.code for a in rules.agencies} <= owners, "every agency owns at least one action"


def test_provinces(rules):
    names = rules.choices("provinces")
    assert len(names) == 40 and names[-2:] == ["Nasional", "Luar Negeri"]
    aliases = rules.aliases("provinces")
    assert (
        aliases["jatim"] == "Jawa Timur" and aliases["dki"] == "DKI Jakarta" and aliases["ntb"] == "Nusa Tenggara Barat"
    )
    papua = {p.name: (p.kemendagri, p.bps) for p in rules.provinces.provinces}
    assert papua["Papua"] == ("91", "94")


def test_periods(rules):
    s1 = parse_period("2026-S1", rules)
    assert (s1.start.isoformat(), s1.end.isoformat(), s1.deadline.isoformat()) == (
        "2026-01-01",
        "2026-06-30",
        "2026-07-15",
    )
    s2 = parse_period("2026-s2", rules)
    assert s2.id == "2026-S2" and s2.deadline.isoformat() == "2027-01-15" and s2.title == "Semester II Tahun 2026"
    for bad in ("2026-S3", "2026", "S1-2026", ""):
        with pytest.raises(RanpeError, match="tidak dikenal"):
            parse_period(bad, rules)


def _edit(folder, name, change):
    path = folder / name
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        (
            "agencies.yaml",
            lambda d: d["agencies"][3].pop("code"),
            "agencies.yaml tidak sah pada kunci 'agencies.3.code': wajib diisi",
        ),
        (
            "fields.yaml",
            lambda d: d["columns"][5].update(type="angka"),
            "fields.yaml tidak sah pada kunci 'columns.5.type'",
        ),
        ("fields.yaml", lambda d: d["columns"][1].update(colour="red"), "'columns.1.colour': kunci tidak dikenal"),
        ("settings.yaml", lambda d: d.update(open_rows="banyak"), "'open_rows': harus berupa bilangan bulat"),
        (
            "catalogue.yaml",
            lambda d: d["groups"][0]["groups"][0]["actions"][0].update(lead=["XYZ"]),
            "kode K/L 'XYZ' tidak ada",
        ),
        ("catalogue.yaml", lambda d: d.update(levels=["Pilar"]), "kedalaman kelompok tidak sesuai"),
        (
            "agencies.yaml",
            lambda d: d["agencies"].append(dict(d["agencies"][0])),
            "kode 'BNPT' muncul lebih dari sekali",
        ),
        (
            "fields.yaml",
            lambda d: d["columns"][4].update(source="list:warna"),
            "sumber nilai 'list:warna' tidak dikenal",
        ),
        ("fields.yaml", lambda d: d["columns"][1].update(type="text"), "tepat satu kolom bertipe code"),
        # checks.yaml: a misspelt check, problem code, column or parameter is a rules error, not a crash
        (
            "checks.yaml",
            lambda d: d["checks"][0].update(check="end_befor_start"),
            "cek 'end_befor_start' tidak dikenal",
        ),
        (
            "checks.yaml",
            lambda d: d["checks"][3].update(code="overspend"),
            "'checks.3.at_most.code': kode masalah 'overspend' tidak dikenal",
        ),
        ("checks.yaml", lambda d: d["checks"][3].update(code="duplicate-row"), "kode masalah 'duplicate-row' tidak"),
        (
            "checks.yaml",
            lambda d: d["checks"][2].update(value="realisasii"),
            "'checks.2': kolom 'realisasii' tidak dikenal",
        ),
        (
            "checks.yaml",
            lambda d: d["checks"][8]["group_only_for"].update(unit=["realisasi"]),
            "'checks.8': kolom 'unit' tidak dikenal",
        ),
        ("checks.yaml", lambda d: d["checks"][5].update(colum="x"), "'checks.5.url.colum': kunci tidak dikenal"),
        ("checks.yaml", lambda d: d["checks"][4].pop("then"), "'checks.4.requires.then': wajib diisi"),
        ("checks.yaml", lambda d: d["checks"][0].pop("check"), "kunci 'check' wajib diisi"),
    ],
)
def test_malformed_rules_name_file_and_key(rules_copy, name, change, expected):
    _edit(rules_copy, name, change)
    with pytest.raises(RanpeError) as info:
        load_rules(rules_copy)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_yaml_syntax_error_names_line(rules_copy):
    (rules_copy / "lists.yaml").write_text("lists:\n  status: [Selesai\n")
    with pytest.raises(RanpeError, match=r"lists.yaml bukan YAML yang sah \(baris \d+\)"):
        load_rules(rules_copy)


def test_missing_rules_file(rules_copy):
    (rules_copy / "provinces.yaml").unlink()
    with pytest.raises(RanpeError, match=r"provinces\.yaml tidak ditemukan"):
        load_rules(rules_copy)


def test_cli_reports_rules_error_without_traceback(rules_copy):
    from click.testing import CliRunner

    from pipeline.cli import main

    _edit(rules_copy, "settings.yaml", lambda d: d.pop("template_version"))
    result = CliRunner().invoke(main, ["--rules", str(rules_copy), "templates", "--period", "2026-S1"])
    assert result.exit_code == 2
    assert result.output.strip().startswith("Galat: Berkas aturan")
    assert "Traceback" not in result.output


def test_every_check_of_checks_yaml_is_implemented():
    """The checks rules/checks.yaml may name (core/schema.py) are the checks intake/checks.py implements."""
    import typing

    from pipeline.core.schema import CheckSpec
    from pipeline.intake.checks import REGISTRY

    union = typing.get_args(CheckSpec)[0]
    named = {typing.get_args(model.model_fields["check"].annotation)[0] for model in typing.get_args(union)}
    assert named == set(REGISTRY)
