"""Sample data never goes out as if real: while the catalogue is marked sample or an
address is a placeholder, every command that makes something for outside warns, and the
templates, letters and report say CONTOH; with the secretariat's real rules, nothing does."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document

from pipeline.cli import main
from pipeline.core.rules import load_rules
from pipeline.core.texts import t
from pipeline.cycle.mail import Letter, eml_bytes
from pipeline.outputs.report import load_data, render_report
from pipeline.outputs.template import Sheet, write_template

DAY = dt.date(2026, 6, 1)
MARK = t("sample.mark_line")


@pytest.fixture
def real_rules(rules_copy):
    """The shipped rules made real: the official matrix loaded, real addresses filled in."""
    for name in ("catalogue.yaml", "agencies.yaml", "regions.yaml", "settings.yaml"):
        path = rules_copy / name
        text = path.read_text(encoding="utf-8").replace("sample: true", "sample: false")
        path.write_text(text.replace(".example.go.id", ".go.id").replace("0000-0000", "7000-1234"), "utf-8")
    return rules_copy


def _marks(rules, period, tmp_path) -> dict:
    path = write_template(tmp_path / "t.xlsx", rules, Sheet(rules.agencies[0], period, DAY))
    wb = openpyxl.load_workbook(path)
    letter = Letter(rules.agencies[0], "Templat Laporan RAN PE", "Yth. focal point", None)
    msg = email.message_from_bytes(eml_bytes(letter, rules, DAY), policy=email.policy.default)
    return {
        "petunjuk": wb["Petunjuk"]["A1"].value,
        "identitas": wb["Identitas"]["B1"].value,
        "subject": msg["Subject"],
        "body": msg.get_content().splitlines()[0],
    }


def test_sample_rules_mark_what_goes_out(rules, period, tmp_path):
    # the catalogue, the K/L's and the regions' focal points, the secretariat's e-mail and telephone, the signatory
    assert len(rules.sample_data) == 6
    assert "agencies.yaml" in rules.sample_data[1] and "regions.yaml" in rules.sample_data[2]
    assert "(021) 0000-0000" in rules.sample_data[4] and "sample: true" in rules.sample_data[5]
    marks = _marks(rules, period, tmp_path)
    assert marks == {"petunjuk": MARK, "identitas": MARK, "subject": "[CONTOH] Templat Laporan RAN PE", "body": MARK}


def test_real_rules_mark_nothing(real_rules, period, tmp_path):
    rules = load_rules(real_rules)
    assert rules.sample_data == []
    marks = _marks(rules, period, tmp_path)
    assert marks["petunjuk"] != MARK and marks["identitas"] is None
    assert marks["subject"] == "Templat Laporan RAN PE" and marks["body"] == "Yth. focal point"


def test_commands_warn_and_the_report_says_contoh(real_rules, tmp_path):
    runner = CliRunner()
    out = tmp_path / "out"
    warned = runner.invoke(main, ["templates", "--period", "2026-S1", "--outbox", str(out)])
    assert warned.exit_code == 0 and t("sample.warning") in warned.output
    assert "catalogue.yaml" in warned.output and "agencies.yaml" in warned.output
    quiet = runner.invoke(main, ["--rules", str(real_rules), "templates", "--period", "2026-S1", "--outbox", str(out)])
    assert quiet.exit_code == 0 and t("sample.warning") not in quiet.output
    demo = runner.invoke(main, ["demo", "--period", "2026-S1", "--out", str(tmp_path / "demo")])
    assert demo.output.startswith(t("sample.demo", folder=tmp_path / "demo"))
    doc = Document(tmp_path / "demo" / "outbox" / "2026-S1" / "laporan_2026-S1.docx")
    assert MARK in [p.text for p in doc.paragraphs[:12]]  # on the cover
    assert doc.sections[0].footer.paragraphs[0].text.startswith("CONTOH · ")
    data = {**load_data(tmp_path / "demo" / "outbox", "2026-S1"), "contoh": [], "tanda_contoh": ""}
    (path, *_), _ = render_report(data, tmp_path / "nyata.docx")
    real = Document(path)
    assert not any(re.search("CONTOH", p.text) for p in real.paragraphs)
    assert not real.sections[0].footer.paragraphs[0].text.startswith("CONTOH")
