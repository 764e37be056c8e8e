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
    assert {a.code for a in rules.agencies if not a.regional} <= owners, "every agency owns at least one action"


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
        # a workspace's overlap.yaml copied before merge_columns was removed (issue 26): what to do
        (
            "overlap.yaml",
            lambda d: d.update(merge_columns=["jumlah_peserta"]),
            "overlap.yaml tidak sah pada kunci 'merge_columns': kunci tidak dikenal (salah ketik, atau tidak "
            "dipakai lagi oleh versi ini: hapus barisnya)",
        ),
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


def _plant(folder, name: str, typed: str, typo: str) -> int:
    """Type `typo` for `typed` on the first line of rules file `name` holding it, as a person
    editing the file would; return that line's number."""
    path = folder / name
    lines = path.read_text(encoding="utf-8").split("\n")
    i = next(i for i, line in enumerate(lines) if typed in line)
    lines[i] = lines[i].replace(typed, typo, 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    return i + 1


def _cli(folder, *debug: str):
    from click.testing import CliRunner

    from pipeline.cli import main

    return CliRunner().invoke(main, [*debug, "--rules", str(folder), "templates", "--period", "2026-S1"])


def _traceback(exc: BaseException) -> str:
    """What Python prints for an exception that ends the program (`ranpe --debug`)."""
    import traceback

    return "".join(traceback.format_exception(exc))


# The common typos in a hand-edited rules file: (file, text of a line, typed instead, the
# hint expected, what the hint names). The line blamed is the one typed over.
TYPOS = {
    "missing-colon": ("settings.yaml", "correction_days: 7", "correction_days 7", "missing_colon", {}),
    "missing-colon-last-key": ("settings.yaml", "plan_end:", "plan_end", "missing_colon", {}),
    "missing-colon-nested": ("settings.yaml", "  place: Jakarta", "  place Jakarta", "missing_colon", {}),
    "missing-colon-in-list-item": ("agencies.yaml", "  - code: BNPT", "  - code BNPT", "missing_colon", {}),
    "no-space-after-colon": ("settings.yaml", "open_rows: 200", "open_rows:200", "missing_colon", {}),
    "unclosed-double-quote": ("settings.yaml", 'contact_phone: "(021) 0000-0000"', 'contact_phone: "(021)', "quote",
                              {"quote": '"'}),
    "unclosed-single-quote": ("settings.yaml", 'contact_phone: "(021) 0000-0000"', "contact_phone: '(021)", "quote",
                              {"quote": "'"}),
    "unclosed-quote-in-brackets": ("agencies.yaml", '    pillars: ["1", "2", "3"]', '    pillars: ["1", "2, "3"]',
                                   "quote", {"quote": '"'}),
    "tab-indentation": ("settings.yaml", "  place:", "\tplace:", "tab", {}),
    "tab-after-colon": ("settings.yaml", "open_rows: ", "open_rows:\t", "tab", {}),
    "indented-too-far": ("settings.yaml", "  title:", "    title:", "indent", {}),
    "indented-too-little": ("settings.yaml", "  title:", " title:", "indent", {}),
    "key-indented-in-list-item": ("agencies.yaml", "    short: Kemenko PMK", "     short: Kemenko PMK", "indent", {}),
    "list-item-indented-too-little": ("lists.yaml", "      - Pemuda", "    - Pemuda", "indent", {}),
    "stray-list-dash": ("settings.yaml", "correction_days: 7", "- correction_days: 7", "dash_mixed", {}),
    "stray-list-dash-nested": ("agencies.yaml", "    short: Kemenko PMK", "    - short: Kemenko PMK", "dash_mixed",
                               {}),
    "list-item-without-dash": ("lists.yaml", "      - Pemuda", "      Pemuda", "dash_missing", {}),
    "list-item-without-space": ("lists.yaml", "      - Pemuda", "      -Pemuda", "dash_space", {}),
    "colon-in-value": ("settings.yaml", "secretariat: ", "secretariat: Sekber: ", "colon_in_value", {}),
    "text-after-quote": ("settings.yaml", 'contact_phone: "(021) 0000-0000"', 'contact_phone: "(021)" 0000-0000',
                         "after_value", {}),
    "unclosed-bracket": ("agencies.yaml", "    aliases: [Kemenkopmk]", "    aliases: [Kemenkopmk", "bracket",
                         {"bracket": "]"}),
    "unclosed-brace": ("lists.yaml", "Terkait: Pendukung}", "Terkait: Pendukung", "bracket", {"bracket": "}"}),
    "colon-in-value-in-list-item": ("agencies.yaml", "    name: Badan", "    name: BNPT: Badan", "colon_in_value", {}),
    "value-starting-with-at": ("settings.yaml", "contact_email: ", "contact_email: @", "reserved", {"char": "@"}),
    "value-starting-with-star": ("settings.yaml", "secretariat: ", "secretariat: *", "reserved", {"char": "*"}),
    "duplicate-key": ("settings.yaml", "open_rows: 200", "correction_days: 200", "duplicate",
                      {"key": "correction_days"}),
    "impossible-date": ("settings.yaml", "plan_start: 2020-01-01", "plan_start: 2020-13-01", "date", {}),
    "invisible-character": ("settings.yaml", "secretariat: Sekretariat", "secretariat: Sekre\x07tariat", "character",
                            {}),
}  # fmt: skip


@pytest.mark.parametrize(("name", "start", "typo", "hint", "values"), TYPOS.values(), ids=TYPOS)
def test_a_typo_in_a_rules_file_names_its_line_and_what_to_do(rules_copy, name, start, typo, hint, values):
    """The message names the file, the line the typo is on (not where the parser gave up),
    quotes it and says what to do, in Indonesian; the parser's English only with --debug."""
    from pipeline.core.texts import t

    if hint == "duplicate":  # named with the line the key first appears on
        first = (rules_copy / name).read_text(encoding="utf-8").split("\n").index("correction_days: 7") + 1
        values = {**values, "first": str(first)}
    line = _plant(rules_copy, name, start, typo)
    typed = (rules_copy / name).read_text(encoding="utf-8").split("\n")[line - 1]
    with pytest.raises(RanpeError) as info:
        load_rules(rules_copy)
    hint_text = t(f"errors.rules_yaml_hint.{hint}", **values)
    expected = t("errors.rules_yaml", file=rules_copy / name, line=line, text=typed, hint=hint_text)
    assert str(info.value) == expected
    parser = info.value.__cause__
    assert isinstance(parser, yaml.YAMLError)
    english = getattr(parser, "problem", None) or parser.reason  # PyYAML's own words

    result = _cli(rules_copy)
    assert result.exit_code == 2 and result.output == t("cli.fatal", message=expected) + "\n"
    assert english not in result.output and "<unicode string>" not in result.output
    debug = _cli(rules_copy, "--debug")
    assert isinstance(debug.exception, RanpeError) and english in _traceback(debug.exception)


def test_the_parser_is_shown_with_debug(rules_copy):
    """`ranpe --debug` prints the parser's own report (English, with its line and column)
    above the Indonesian message; without --debug only the message."""
    import subprocess
    import sys

    line = _plant(rules_copy, "settings.yaml", "correction_days: 7", "correction_days 7")
    cmd = [sys.executable, "-m", "pipeline.cli", "--rules", str(rules_copy), "templates", "--period", "2026-S1"]
    plain = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    debug = subprocess.run([*cmd[:3], "--debug", *cmd[3:]], capture_output=True, text=True, timeout=120)
    assert plain.returncode == 2 and "could not find expected ':'" not in plain.stderr
    assert f"baris {line}: “correction_days 7”" in plain.stderr and "Traceback" not in plain.stderr
    assert "could not find expected ':'" in debug.stderr and f"line {line}, column 1" in debug.stderr
    assert f"baris {line}: “correction_days 7”" in debug.stderr


def test_a_rules_file_not_saved_as_utf8(rules_copy):
    """An old Notepad saves ANSI (cp1252): the message says so and how to save it again."""
    path = rules_copy / "settings.yaml"
    text = path.read_text(encoding="utf-8").replace("secretariat: Sekretariat", "secretariat: Sekretariat é")
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(RanpeError, match=r"settings\.yaml tidak tersimpan dalam pengodean UTF-8 .* baris 2\b"):
        load_rules(rules_copy)


@pytest.mark.parametrize(
    ("name", "typed", "typo", "expected"),
    [
        ("settings.yaml", "correction_days: 7", "correction_days: 0", "'correction_days': harus paling sedikit 1"),
        ("settings.yaml", "template_version: 1", "template_version: 1.5", "'template_version': harus berupa bilangan"),
        ("settings.yaml", "plan_start: 2020-01-01", "plan_start: 01-01-2020", "'plan_start': harus berupa tanggal"),
        ("settings.yaml", "open_rows: 200", "open_rows: banyak", "'open_rows': harus berupa bilangan bulat"),
        ("settings.yaml", "signature:", "signatur:", "'signatur': kunci tidak dikenal"),
        (
            "periods.yaml",
            "{month: 7, day: 15, year_offset: 0}",
            "15 Juli",
            "'kinds.S1.deadline': harus berupa pemetaan",
        ),
        (
            "review.yaml",
            "provisional_share: 0.05",
            "provisional_share: 5",
            "'provisional_share': harus paling banyak 1",
        ),
        ("report.yaml", "action_cap: 1.0", "action_cap: 0", "'action_cap': harus lebih besar dari 0"),
    ],
)
def test_a_wrong_value_in_a_rules_file_is_told_in_indonesian(rules_copy, name, typed, typo, expected):
    """pydantic's complaints about a file's shape are in the texts' words; its English only with --debug."""
    _plant(rules_copy, name, typed, typo)
    with pytest.raises(RanpeError) as info:
        load_rules(rules_copy)
    english = info.value.__cause__.errors()[0]["msg"]
    assert f"{name} tidak sah pada kunci {expected}" in str(info.value) and english not in str(info.value)
    result = _cli(rules_copy)
    assert result.exit_code == 2 and expected in result.output and english not in result.output
    assert english in _traceback(_cli(rules_copy, "--debug").exception)


def test_pydantic_choices_and_unknown_complaints_are_indonesian(rules_copy):
    """A choice lists the allowed values without pydantic's English "or"; a complaint the
    texts do not know is told in general words, not in pydantic's."""
    from pipeline.core.rules import _pydantic_problem

    line = _plant(rules_copy, "fields.yaml", "type: money", "type: uang")
    choices = r"'text', 'url', .*, 'choice', 'regency', 'percent'"
    with pytest.raises(RanpeError, match=rf"nilai tidak dikenal; pilihan: {choices} \(baris {line}\)$"):
        load_rules(rules_copy)  # and the line the key is on
    unknown = {"type": "uuid_parsing", "msg": "Input should be a valid UUID", "ctx": {"error": "bad"}}
    assert "Input should" not in _pydantic_problem(unknown) and "rules/README.md" in _pydantic_problem(unknown)


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
