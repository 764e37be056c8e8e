"""History across periods: the comparison agrees with the two summary workbooks, a finalised
period is not overwritten, re-running on the same inbox leaves the history unchanged, and
the I-KHub export holds one record per accepted activity with stable keys."""

from __future__ import annotations

import json
import shutil
import sqlite3

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.errors import RanpeError
from pipeline.core.periods import parse_period
from pipeline.core.texts import t
from pipeline.cycle import history
from pipeline.demo.sample import build_sample
from pipeline.intake.validate import validate_period
from pipeline.run import run


@pytest.fixture(scope="module")
def two_periods(rules, period, demo_sample, tmp_path_factory):
    """2025-S2 then 2026-S1 consolidated into one outbox; one agency that reported in 2025-S2
    sends nothing in 2026-S1."""
    base = tmp_path_factory.mktemp("history")
    earlier = parse_period("2025-S2", rules)
    old = build_sample(rules, earlier, base / "s2", seed=7)
    outbox = base / "outbox"
    first = run(old.inbox, outbox, rules, earlier, consolidation=True)
    inbox = base / "inbox_s1"
    shutil.copytree(demo_sample.inbox, inbox)
    files: dict[str, list[str]] = {}
    for sub in validate_period(inbox, rules, period).submissions:
        files.setdefault(sub.agency, []).append(sub.name)
    gone = next(c for c, st in first.validation.agencies.items() if st.state == "accepted" and c in files)
    for name in files[gone]:
        (inbox / name).unlink()
    second = run(inbox, outbox, rules, period, consolidation=True)
    second.gone = gone
    return outbox, inbox, first, second


def _sheet(path, name, header_row=1) -> pd.DataFrame:
    rows = list(openpyxl.load_workbook(path, read_only=True)[name].iter_rows(min_row=header_row, values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def _summary(result):
    return next(p for p in result.files if p.name.startswith("ringkasan_"))


def _section(path, title: str) -> pd.DataFrame:
    """A table of the Perbandingan sheet: the rows after its title, up to the blank row."""
    rows = list(openpyxl.load_workbook(path, read_only=True)["Perbandingan"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == title)
    head, body = rows[start + 1], []
    for r in rows[start + 2 :]:
        if all(v is None for v in r):
            break
        body.append(r)
    return pd.DataFrame(body, columns=head)


def test_comparison_equals_the_two_summary_workbooks(rules, two_periods):
    outbox, _, first, second = two_periods
    assert second.comparison is not None and second.comparison.previous == "2025-S2"
    now, before = _summary(second), _summary(first)
    for sheet, key, title in (("Per Pilar", "Kode Pilar", "Capaian per Pilar"), ("Per KL", "Kode", "Capaian per K/L")):
        a = _sheet(before, sheet).set_index(key)
        b = _sheet(now, sheet).set_index(key)
        cmp = _section(now, title).set_index(key if sheet == "Per KL" else "Kode Pilar")
        assert list(cmp.index) == list(b.index)
        for label, frame in (("periode lalu", a), ("periode ini", b)):
            achieved = "Capaian" if sheet == "Per KL" else _label("capaian_rerata")  # a pillar's: its actions' mean
            listed = cmp.index.intersection(frame.index)  # a region not called in then: none listed
            for figure, column in (("Kegiatan", "Kegiatan"), ("Capaian", achieved)):
                got = pd.to_numeric(cmp.loc[listed, f"{figure} {label}"], errors="coerce")
                want = pd.to_numeric(frame.loc[listed, column], errors="coerce")
                pd.testing.assert_series_equal(got, want, check_names=False, check_dtype=False)
            absent = pd.to_numeric(cmp.loc[cmp.index.difference(frame.index), f"Kegiatan {label}"])
            assert (absent == 0).all()  # no activity where it was not a unit of that period
    # actions newly started: reported now, not before (from the two Per Aksi sheets)
    acts_before = _sheet(before, "Per Aksi").set_index("Kode Aksi")["Kegiatan"]
    acts_now = _sheet(now, "Per Aksi").set_index("Kode Aksi")["Kegiatan"]
    expected = sorted(c for c in acts_now.index if acts_now[c] > 0 and not acts_before.get(c, 0))
    listed = _section(now, _title("new_actions"))["Kode Aksi"].dropna()
    assert sorted(c for c in listed if c != _title("none")) == expected
    stopped = _section(now, _title("stopped"))
    assert second.gone in set(stopped["Kode"])
    # the Word report's data carry the same comparison
    data = json.loads((outbox / "2026-S1" / "data_laporan_2026-S1.json").read_text())
    assert data["perbandingan"]["sebelumnya"] == "Semester II Tahun 2025"
    pillars = _sheet(now, "Per Pilar").set_index("Kode Pilar")
    for p in data["perbandingan"]["pilar"]:
        assert p["kegiatan"] == pillars.loc[p["kode"], "Kegiatan"]
    assert any(b["kl"] == rules.get_agency(second.gone).short for b in data["perbandingan"]["berhenti"])
    # an agency with nothing usable in both periods is a finding of its own
    silent = [a.short for a in rules.agencies if a.code in first.validation.agencies
              and first.validation.agencies[a.code].missing and second.validation.agencies[a.code].missing]  # fmt: skip
    found = [f["kesimpulan"] for f in data["temuan"] if f["aturan"] == "silent"]
    assert silent and len(found) == 1 and all(k in found[0] for k in silent) and "Semester II Tahun 2025" in found[0]
    # the executive summary states the change per pillar
    from docx import Document

    from pipeline.core.formatting import angka

    texts = [p.text for p in Document(outbox / "2026-S1" / "laporan_2026-S1.docx").paragraphs]
    assert "Dibandingkan periode Semester II Tahun 2025:" in texts
    for p in data["perbandingan"]["pilar"]:
        assert any(
            x.startswith(f"{p['nama']}: {angka(p['kegiatan_lalu'])} menjadi {angka(p['kegiatan'])}") for x in texts
        )


def test_actions_newly_started(rules, two_periods):
    from pipeline.analysis.compare import compare

    outbox, _, _, second = two_periods
    prev = history.load(outbox, "2025-S2")
    code = second.consolidation.activities["kode_aksi"].iloc[0]
    prev.activities = prev.activities[prev.activities["kode_aksi"] != code]
    cmp = compare(second.consolidation, second.validation.agencies, prev, rules)
    assert list(cmp.new_actions["kode_aksi"]) == [code]


def _title(key: str) -> str:
    from pipeline.core.texts import t

    return t(f"compare.{key}")


def test_history_is_idempotent_and_replaced_when_inputs_change(rules, period, two_periods, tmp_path):
    outbox, inbox, _, second = two_periods
    db = history.history_path(outbox)
    before = db.read_bytes()
    again = run(inbox, outbox, rules, period, consolidation=True)
    assert again.stored is False and db.read_bytes() == before
    with sqlite3.connect(db) as con:
        n = con.execute("SELECT COUNT(*) FROM activities WHERE period = '2026-S1'").fetchone()[0]
        periods = con.execute("SELECT COUNT(*) FROM periods").fetchone()[0]
    accepted = sum(f.accepted for f in second.validation.files)
    assert n == accepted == len(second.consolidation.activities) and periods == 2
    # one more file withdrawn: the period's snapshot is replaced, never added to
    smaller = tmp_path / "inbox"
    shutil.copytree(inbox, smaller)
    next(p for p in sorted(smaller.iterdir()) if "BNPT" in p.name.upper()).unlink()
    third = run(smaller, outbox, rules, period, consolidation=True)
    with sqlite3.connect(db) as con:
        n = con.execute("SELECT COUNT(*) FROM activities WHERE period = '2026-S1'").fetchone()[0]
    assert third.stored is True and n == sum(f.accepted for f in third.validation.files) < accepted
    run(inbox, outbox, rules, period, consolidation=True)  # back to the module's state


def test_a_run_that_fails_before_its_manifest_leaves_the_history_as_it_was(
    rules, period, two_periods, tmp_path, monkeypatch
):
    """The snapshot is written while the workers finish the outputs, in a transaction the
    manifest ends: a worker that fails leaves the stored period as it was."""
    from pipeline.outputs import summary

    outbox = tmp_path / "outbox"
    shutil.copytree(two_periods[0], outbox)
    smaller = tmp_path / "inbox"  # other inputs: a snapshot to replace the stored one
    shutil.copytree(two_periods[1], smaller)
    next(p for p in sorted(smaller.iterdir()) if "BNPT" in p.name.upper()).unlink()

    def stored() -> list:
        with sqlite3.connect(history.history_path(outbox)) as con:
            return [con.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() for table in
                    ("periods", "activities", "statuses", "flags")]  # fmt: skip

    before = stored()

    def failing(*args, **kwargs):
        raise OSError("disk penuh")

    monkeypatch.setattr(summary, "write_summary", failing)
    with pytest.raises(OSError, match="disk penuh"):
        run(smaller, outbox, rules, period, consolidation=True)
    assert stored() == before
    monkeypatch.undo()
    assert run(smaller, outbox, rules, period, consolidation=True).stored is True
    assert stored() != before


def test_finalised_period_refuses_to_be_overwritten(rules, two_periods):
    outbox, _, first, _ = two_periods
    earlier = parse_period("2025-S2", rules)
    inbox = first.validation.submissions[0].path.parent
    summary = _summary(first).read_bytes()
    cli = CliRunner().invoke(main, ["finalise", "--period", "2025-S2", "--outbox", str(outbox)])
    assert cli.exit_code == 0 and "difinalisasi" in cli.output
    with pytest.raises(RanpeError, match="sudah difinalisasi"):
        run(inbox, outbox, rules, earlier, consolidation=True)
    refused = CliRunner().invoke(
        main, ["consolidate", "--period", "2025-S2", "--inbox", str(inbox), "--outbox", str(outbox)]
    )
    assert refused.exit_code == 2 and "--reopen" in refused.output
    assert _summary(first).read_bytes() == summary
    reopened = run(inbox, outbox, rules, earlier, consolidation=True, reopen=True)
    assert reopened.stored is False  # same inputs: the history keeps what it had
    assert [e for e, _ in history.events(outbox, "2025-S2")] == ["stored", "finalised", "reopened"]


def test_ikhub_export(rules, two_periods):
    outbox, _, _, second = two_periods
    csv_path = outbox / "2026-S1" / "ikhub_2026-S1.csv"
    doc = json.loads((outbox / "2026-S1" / "ikhub_2026-S1.json").read_text())
    table = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    acts = second.consolidation.activities
    assert len(doc["kegiatan"]) == len(table) == len(acts)
    assert list(table.columns[:4]) == doc["kunci"] == ["periode", "kode_kl", "kode_aksi", "id_kegiatan"]
    assert table["id_kegiatan"].is_unique and set(table["periode"]) == {"2026-S1"}
    assert set(table["kode_aksi"]) <= {fa.code for fa in rules.actions}
    first = doc["kegiatan"][0]
    assert first["tanggal_mulai"][:4] in ("2025", "2026") and isinstance(first["jumlah_peserta"], int | None)


def test_ikhub_csv_never_carries_a_formula(rules, two_periods, tmp_path):
    from pipeline.outputs.ikhub import write_ikhub

    _, _, _, second = two_periods
    c = second.consolidation
    c.activities.loc[0, "nama_kegiatan"] = '=HYPERLINK("http://x","klik")'
    csv_path, json_path = write_ikhub(c, rules, tmp_path)
    row = pd.read_csv(csv_path, dtype=str, keep_default_na=False).iloc[0]
    assert row["nama_kegiatan"].startswith("'=")
    assert json.loads(json_path.read_text())["kegiatan"][0]["nama_kegiatan"].startswith("=HYPERLINK")


def test_year_report_adds_up_the_stored_semesters(rules, two_periods, tmp_path_factory):
    from pipeline.cycle.year import year_report

    outbox, _, first, _ = two_periods
    with pytest.raises(RanpeError, match=r"2025-S1.*ranpe consolidate --period 2025-S1"):
        year_report(outbox, rules, 2025)
    base = tmp_path_factory.mktemp("s1_2025")
    s1 = parse_period("2025-S1", rules)
    earlier = run(build_sample(rules, s1, base, seed=7).inbox, outbox, rules, s1, consolidation=True)
    cli = CliRunner().invoke(main, ["year", "--year", "2025", "--outbox", str(outbox)])
    assert cli.exit_code == 0, cli.output
    files, note = year_report(outbox, rules, 2025)
    summary, data, docx, pdf = files[:4]
    reviewed = files[-1]
    assert reviewed == outbox / "2025" / "tinjauan_2025.xlsx"  # the year's own review
    assert pdf.suffix == ".pdf" and pdf.exists()  # LibreOffice is installed where tests run
    assert note.splitlines()[-1] == t("year.not_finalised", periods="2025-S1, 2025-S2")  # neither is finalised
    assert note.splitlines()[0].startswith("Tinjauan:") and "tinjauan_2025.xlsx" in note  # the year's review told
    assert summary == outbox / "2025" / "ringkasan_2025.xlsx" and docx.exists()
    year = _sheet(summary, "Per Pilar").set_index("Kode Pilar")
    halves = [_sheet(_summary(r), "Per Pilar").set_index("Kode Pilar") for r in (earlier, first)]
    for col in [_label(k) for k in ("kegiatan", "peserta", "anggaran")]:
        assert list(year[col]) == list(halves[0][col] + halves[1][col])
    doc = json.loads(data.read_text())
    assert doc["periode"]["judul"] == "Semester I dan II Tahun 2025"
    assert doc["h"]["kegiatan"] == len(earlier.consolidation.activities) + len(first.consolidation.activities)


def _label(key: str) -> str:
    from pipeline.core.texts import t

    return t(f"summary.columns.{key}")


def test_word_report_lists_each_comparison_heading_once(rules, two_periods):
    """The comparison section of the Word report: new actions and stopped agencies, each
    under its own heading, once."""
    from docx import Document

    from pipeline.core.texts import t

    _, _, _, second = two_periods
    docx = next(p for p in second.files if p.suffix == ".docx")
    texts = [p.text for p in Document(docx).paragraphs]
    new, stopped = t("report.compare_new"), t("report.compare_stopped")
    assert texts.count(new) == 1 and texts.count(stopped) == 1
    gone = rules.get_agency(second.gone).short
    assert any(p.startswith(f"{gone} (") for p in texts[texts.index(stopped) + 1 :])
