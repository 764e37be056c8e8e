"""Numbers and moments as Indonesian prose in every output (issue 25, item 4). Counts are
whole numbers however the data fall: a pillar and an action nobody reported on read
"0 kegiatan oleh 0 instansi", and no count anywhere reads "3.0 K/L" (pandas makes a count float
once an empty group's NaN enters it). Moments the history stores as ISO text (a period
finalised, a review decision taken) read "07/12/2026 07.18" in the secretariat's time zone
(settings.yaml `timezone`), never "2026-12-07T00:18:04+00:00"."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.errors import RanpeError
from pipeline.core.formatting import waktu
from pipeline.core.model import Decision
from pipeline.core.paths import rules_dir
from pipeline.core.periods import parse_period
from pipeline.core.rules import load_rules
from pipeline.cycle import history
from pipeline.run import run

from .test_review import _decide, _outlier

FLOAT_LEAK = re.compile(r"\b\d+\.0\b(?= [A-Za-z/])")  # "3.0 K/L"; spares 1.1.1, 1.500 and 53,2 %
ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
SHORT_TIME = re.compile(r"\b\d{2}/\d{2}/\d{4} \d{2}\.\d{2}\b")
STORED = "2026-12-07T00:18:04+00:00"  # a moment as the history stores it, on a machine set to UTC
ORPHAN = "N-BNPT-00000000"  # a stored decision whose item no longer exists: listed in the review guide
# A pillar with one action the catalogue assigns but nobody reports on (the catalogue is data).
EMPTY_PILLAR = """\
  - code: "4"
    name: Pilar Tanpa Kegiatan
    groups:
      - code: "4.1"
        name: Fokus Tanpa Kegiatan
        actions:
          - code: "4.1.1"
            title: Aksi yang belum dilaporkan
            indicator: Jumlah kegiatan
            unit: kegiatan
            target: 10
            lead: [BNPT]
"""


def _rules_with(folder: Path, timezone: str | None = None) -> Path:
    """A copy of the rules whose catalogue has the empty pillar (and, if given, another zone)."""
    shutil.copytree(rules_dir(), folder)
    catalogue = folder / "catalogue.yaml"
    catalogue.write_text(catalogue.read_text(encoding="utf-8") + EMPTY_PILLAR, encoding="utf-8")
    if timezone:
        settings = folder / "settings.yaml"
        text = settings.read_text(encoding="utf-8").replace("timezone: Asia/Jakarta", f"timezone: {timezone}")
        settings.write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def decided(demo_sample, tmp_path_factory):
    """The sample period consolidated with the empty pillar, then again after a decision typed
    into the review workbook and one stored on an item that no longer exists."""
    tmp = tmp_path_factory.mktemp("prose")
    rules = load_rules(_rules_with(tmp / "rules"))
    period = parse_period("2026-S1", rules)
    out = tmp / "out"
    first = run(demo_sample.inbox, out, rules, period, consolidation=True)
    _decide(out / "2026-S1" / "tinjauan_2026-S1.xlsx", _outlier(first)["item"], "dikecualikan dari total", "Salah")
    history.add_decisions(out, period.id, [Decision(ORPHAN, "keep", "", "Rina", STORED)], rules.settings.timezone)
    run(demo_sample.inbox, out, rules, period, consolidation=True)
    return tmp, out, rules, period


def _docx_texts(path: Path) -> list[str]:
    """Every paragraph of the document: body, tables (nested ones too), headers and footers."""
    d = docx.Document(path)
    parts: list[str] = []

    def block(container) -> None:
        parts.extend(p.text for p in container.paragraphs)
        for table in container.tables:
            for row in table.rows:
                for cell in row.cells:
                    block(cell)

    block(d)
    for s in d.sections:
        for part in (s.header, s.footer, s.first_page_header, s.first_page_footer, s.even_page_header,
                     s.even_page_footer):  # fmt: skip
            block(part)
    return parts


def _xlsx_texts(path: Path) -> list[str]:
    """Every text cell of every sheet, with where it is."""
    wb = openpyxl.load_workbook(path)
    return [f"{ws.title}!{c.coordinate}: {c.value}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if isinstance(c.value, str)]  # fmt: skip


def _leaks(texts: list[str]) -> list[str]:
    return [x for x in texts if FLOAT_LEAK.search(x) or ISO_TIME.search(x)]


def test_the_report_reads_whole_counts_for_a_pillar_nobody_reported_on(decided):
    _, out, _, _ = decided
    texts = _docx_texts(out / "2026-S1" / "laporan_2026-S1.docx")
    assert _leaks(texts) == []
    assert any("dilaporkan 0 kegiatan oleh 0 instansi untuk 0 dari 1 aksi" in x for x in texts)
    assert any(re.search(r"dilaporkan [\d.]+ kegiatan oleh \d+ instansi", x) for x in texts)
    data = json.loads((out / "2026-S1" / "data_laporan_2026-S1.json").read_text(encoding="utf-8"))
    empty = data["pilar"][-1]
    assert [type(empty[k]) for k in ("kegiatan", "kl", "aksi_dilaporkan")] == [int, int, int]
    assert {type(a["kegiatan"]) for a in data["lampiran_aksi"]} == {int}


def test_the_workbooks_hold_no_float_count_and_no_stored_time(decided):
    _, out, _, _ = decided
    folder = out / "2026-S1"
    for name in ("ringkasan_2026-S1.xlsx", "tinjauan_2026-S1.xlsx", "validasi_2026-S1.xlsx"):
        assert _leaks(_xlsx_texts(folder / name)) == [], name
    # the decision typed into the review workbook and the one stored earlier, as the secretariat reads them
    review = openpyxl.load_workbook(folder / "tinjauan_2026-S1.xlsx")
    guide = [str(v) for row in review["Petunjuk"].iter_rows(values_only=True) for v in row if v]
    assert "07/12/2026 07.18" in guide  # 00.18 UTC is 07.18 WIB
    for sheet in (review["Nilai"], openpyxl.load_workbook(folder / "ringkasan_2026-S1.xlsx")["Tinjauan"]):
        times = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
        assert any(SHORT_TIME.fullmatch(x) for x in times), sheet.title


def test_moments_in_the_secretariats_time_zone():
    assert waktu(STORED, "Asia/Jakarta") == "07/12/2026 07.18"
    assert waktu(STORED, "Asia/Makassar") == "07/12/2026 08.18"
    assert waktu("2026-12-31T20:05:00+00:00", "Asia/Jayapura") == "01/01/2027 05.05"  # the next day there
    assert waktu(STORED, "Asia/Jakarta", long=True) == "7 Desember 2026 pukul 07.18 WIB"
    assert waktu(STORED, "Asia/Makassar", long=True) == "7 Desember 2026 pukul 08.18 WITA"
    assert waktu(STORED, "Asia/Jayapura", long=True) == "7 Desember 2026 pukul 09.18 WIT"
    assert waktu("2026-12-07T07:18:04", "Asia/Jakarta") == "07/12/2026 07.18"  # no zone: the secretariat's
    assert waktu("", "Asia/Jakarta") == waktu(None, "Asia/Jakarta") == "-"


def test_an_unknown_time_zone_is_named_when_the_rules_load(rules_copy):
    settings = rules_copy / "settings.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("Asia/Jakarta", "Asia/Bandung"), "utf-8")
    with pytest.raises(RanpeError, match=r"settings\.yaml.*timezone.*Asia/Bandung.*Asia/Makassar \(WITA\)"):
        load_rules(rules_copy)


def test_finalise_says_when_as_the_secretariat_reads_it(decided, tmp_path):
    tmp, out, _, period = decided
    outbox = Path(shutil.copytree(out, tmp_path / "out"))
    args = ["--rules", str(tmp / "rules"), "finalise", "--period", "2026-S1", "--outbox", str(outbox)]
    now = CliRunner().invoke(main, args)
    assert now.exit_code == 0 and not ISO_TIME.search(now.output), now.output
    assert re.search(rf"difinalisasi pada {SHORT_TIME.pattern}\.", now.output), now.output
    with sqlite3.connect(outbox / "riwayat.sqlite") as con:  # finalised at a known moment
        con.execute("UPDATE periods SET finalised_at = ? WHERE period = '2026-S1'", (STORED,))
    con.close()
    again = CliRunner().invoke(main, args)
    assert again.output.splitlines()[0] == "Periode 2026-S1 difinalisasi pada 07/12/2026 07.18. " + (
        "Jalankan ulang untuk periode ini kini memerlukan --reopen."
    )
    assert all(x.startswith("Perhatian: ") for x in again.output.splitlines()[1:])  # what is still open
    makassar = load_rules(_rules_with(tmp_path / "rules", "Asia/Makassar"))
    with pytest.raises(RanpeError, match=r"sudah difinalisasi pada 07/12/2026 08\.18;") as refused:
        run(tmp / "unused", outbox, makassar, period, consolidation=True)
    assert not ISO_TIME.search(str(refused.value))
