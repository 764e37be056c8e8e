"""The secretariat's review of flagged figures (issue 16), on the demo's sample period: the
review list and its stable ids, decisions typed into the review workbook (with openpyxl,
and re-saved by LibreOffice) and read back, stored in the history, applied to every total
and stated in every output; stale, unknown and wrong decisions; values sent back to their
agency; and row counts that reconcile across every sheet and the report."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import shutil
import sqlite3
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest

from pipeline.analysis.consolidate import consolidate, headline
from pipeline.core.model import Decision
from pipeline.core.problems import RAISED_IN
from pipeline.intake.validate import validate_period
from pipeline.outputs.ikhub import write_ikhub
from pipeline.run import run

from .conftest import libreoffice_convert

BNPT = "Laporan RAN PE BNPT Semester I 2026.xlsx"
OUTLIER_CELL = "L27"  # the demo's planted 250.000 participants (median 99)


@pytest.fixture
def inbox(demo_sample, tmp_path) -> Path:
    """A copy of the sample inbox the test may change."""
    return Path(shutil.copytree(demo_sample.inbox, tmp_path / "inbox"))


def _run(inbox: Path, outbox: Path, rules, period):
    return run(inbox, outbox, rules, period, consolidation=True)


def _review_file(outbox: Path) -> Path:
    return outbox / "2026-S1" / "tinjauan_2026-S1.xlsx"


def _items(result) -> pd.DataFrame:
    return result.consolidation.review.items


def _outlier(result) -> pd.Series:
    items = _items(result)
    return items[(items["code"] == "outlier") & (items["cell"] == OUTLIER_CELL)].iloc[0]


def _duplicate(result) -> pd.Series:
    items = _items(result)
    return items[items["code"] == "likely-duplicate"].iloc[0]


def _decide(path: Path, item: str, decision: str, note: str = "", by: str = "Rina (Sekber)", sheet=None) -> None:
    """Type a decision as an officer would: in the row of the item, in the unlocked columns."""
    wb = openpyxl.load_workbook(path)
    sheet = sheet or ("Nilai" if item.startswith("N-") else "Pasangan")
    ws = wb[sheet]
    head = [c.value for c in ws[1]]
    rows = [r for r in ws.iter_rows(min_row=2) if r[0].value == item]
    if not rows:  # an id typed by hand into an empty row
        ws.cell(ws.max_row + 1, 1, item)
        rows = [list(ws[ws.max_row])]
    row = rows[0]
    row[head.index("Keputusan")].value = decision
    row[head.index("Catatan")].value = note
    row[head.index("Diputuskan oleh")].value = by
    wb.save(path)


def _report_text(outbox: Path) -> str:
    d = docx.Document(outbox / "2026-S1" / "laporan_2026-S1.docx")
    cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def _ringkasan(outbox: Path) -> dict:
    ws = openpyxl.load_workbook(outbox / "2026-S1" / "ringkasan_2026-S1.xlsx")["Ringkasan"]
    return {r[0]: r[1:3] for r in ws.iter_rows(values_only=True) if isinstance(r[0], str)}


def test_excluding_the_outlier_corrects_the_headline_and_survives_the_workbook(inbox, rules, period, tmp_path):
    out = tmp_path / "out"
    first = _run(inbox, out, rules, period)
    item = _outlier(first)
    assert item["value"] == 250_000 and item["state"] == "open" and item["_file"] == BNPT
    # before any decision the participants headline is provisional, in the summary and the report
    assert first.consolidation.review.provisional["peserta"] == 250_000
    assert "angka sementara: 250.000 belum ditinjau" in _ringkasan(out)["Peserta dilaporkan"][1]
    assert "angka sementara: 250.000 peserta masih menunggu tinjauan Sekretariat" in _report_text(out)

    _decide(_review_file(out), item["item"], "dikecualikan dari total", "Salah ketik; BNPT mengonfirmasi 250 peserta")
    second = _run(inbox, out, rules, period)
    v, c = second.validation, second.consolidation
    recount = v.accepted.loc[~((v.accepted["_file"] == BNPT) & (v.accepted["_row"] == 27)), "jumlah_peserta"].sum()
    assert headline(c, v)["peserta"] == recount == first.consolidation.activities["jumlah_peserta"].sum() - 250_000
    assert "peserta" not in c.review.provisional
    assert second.taken == 1
    row = _outlier(second)
    assert (row["state"], row["decision"], row["by"]) == ("decided", "exclude", "Rina (Sekber)")
    text = _report_text(out)
    assert "Salah ketik; BNPT mengonfirmasi 250 peserta" in text and "1 nilai dikecualikan dari total" in text
    kegiatan = pd.DataFrame(openpyxl.load_workbook(out / "2026-S1" / "ringkasan_2026-S1.xlsx")["Kegiatan"].values)
    noted = kegiatan[kegiatan.iloc[:, -3].astype(str).str.contains(item["item"])]
    assert len(noted) == 1  # the activity stays, its excluded value is named beside it
    # the decision is in the history with who and when, and survives deleting the workbook
    with sqlite3.connect(out / "riwayat.sqlite") as con:
        stored = con.execute("SELECT item, decision, decided_by, decided_at FROM decisions").fetchall()
    assert stored[0][:3] == (item["item"], "exclude", "Rina (Sekber)") and stored[0][3]
    _review_file(out).unlink()
    third = _run(inbox, out, rules, period)
    assert headline(third.consolidation, third.validation)["peserta"] == recount
    assert _outlier(third)["decision"] == "exclude" and third.taken == 0
    regenerated = openpyxl.load_workbook(_review_file(out))["Nilai"]
    assert any(r[0] == item["item"] and "dikecualikan dari total" in r for r in regenerated.iter_rows(values_only=True))


def _summary_pairs(out: Path) -> dict[str, dict[str, str | None]]:
    """The pairs' review ids on the summary's Tinjauan sheet, and on Irisan with their state."""
    summary = openpyxl.load_workbook(out / "2026-S1" / "ringkasan_2026-S1.xlsx")
    head, *rows = summary["Irisan"].iter_rows(values_only=True)  # its columns told by their labels
    at = {label: j for j, label in enumerate(head)}
    irisan = {r[at["ID Tinjauan"]]: r[at["Status Tinjauan"]] for r in rows}
    tinjauan = {v: None for r in summary["Tinjauan"].iter_rows(values_only=True) for v in r
                if isinstance(v, str) and v.startswith("P-")}  # fmt: skip
    return {"Tinjauan": tinjauan, "Irisan": irisan}


def test_a_pair_that_is_not_a_duplicate_is_no_longer_merged(inbox, rules, period, tmp_path):
    out = tmp_path / "out"
    first = _run(inbox, out, rules, period)
    pair = _duplicate(first)
    before = _summary_pairs(out)  # open pairs: on Irisan, decided in the review workbook, not twice in the summary
    assert (
        not before["Tinjauan"] and set(before["Irisan"].values()) == {"belum diputuskan"} and len(before["Irisan"]) == 3
    )  # the K/L's duplicate, the province's roll-up, the overlapping work
    h1 = headline(first.consolidation, first.validation)
    acts = first.consolidation.activities
    members = first.consolidation.overlaps.set_index("item").loc[pair["item"], ["a", "b"]].tolist()
    merged = acts[acts["duplikat"] & acts.index.isin(members)]  # the pair's row merged into the other
    assert len(merged) == 1 and h1["duplikat_digabung"] == 2
    _decide(_review_file(out), pair["item"], "bukan duplikat", "Dua pelatihan terpisah")
    second = _run(inbox, out, rules, period)
    h2 = headline(second.consolidation, second.validation)
    assert h2["kegiatan_unik"] == h1["kegiatan_unik"] + 1
    assert h2["peserta_unik"] == h1["peserta_unik"] + merged["jumlah_peserta"].iloc[0]
    assert h2["peserta"] == h1["peserta"] and h2["duplikat_digabung"] == 1
    assert pair["item"] not in set(second.consolidation.overlaps["item"])  # left Irisan
    assert _duplicate(second)["decision"] == "distinct"  # still on the review list, decided
    # overlapping work declared no duplicate stays on Irisan, for coordination
    items = _items(second)
    work = items[items["code"] == "overlapping-work"].iloc[0]["item"]
    _decide(_review_file(out), work, "bukan duplikat")
    assert work in set(_run(inbox, out, rules, period).consolidation.overlaps["item"])
    # the summary lists a decided pair on Tinjauan; an open one only on Irisan, with its state
    after = _summary_pairs(out)
    assert after["Tinjauan"] == {work: None, pair["item"]: None} and after["Irisan"][work] == "sudah diputuskan"
    # and confirming the duplicate instead merges it again
    _decide(_review_file(out), pair["item"], "duplikat, dihitung sekali")
    third = _run(inbox, out, rules, period)
    assert headline(third.consolidation, third.validation)["kegiatan_unik"] == h1["kegiatan_unik"]
    # the report tells what was decided where it advised before
    from pipeline.outputs.report import load_data

    advice = [o["saran"] for o in load_data(out, "2026-S1")["irisan"]]
    assert "Telah diputuskan Sekretariat: duplikat, dihitung sekali." in advice
    assert "Telah diputuskan Sekretariat: bukan duplikat." in advice


def test_a_confirmed_pair_is_counted_once_even_against_the_chain_rule(rules):
    """B is a likely duplicate of A (kept, lead agency); the secretariat confirms B and C are
    one activity. Without the decision first, C could not join (it is no duplicate of A)."""
    import numpy as np

    from pipeline.analysis.overlap import DUPLICATE, OVERLAP, duplicate_clusters

    fa = rules.actions[0]  # A is the action's lead's row
    others = [a.code for a in rules.agencies if a.code not in fa.action.lead][:2]
    acts = pd.DataFrame({"_agency": [fa.action.lead[0], *others], "kode_aksi": [fa.code] * 3})
    pairs = pd.DataFrame({"a": [0, 1], "b": [1, 2], "kind": [DUPLICATE, OVERLAP]})
    cluster, kept = duplicate_clusters(acts, pairs, rules, np.array([True, True]), np.array([False, True]))
    assert cluster[1] == cluster[2] > 0 and kept[1] + kept[2] == 1


def test_ids_survive_reordered_rows_and_a_resubmitted_file(inbox, rules, period, tmp_path):
    before = _items(_run(inbox, tmp_path / "a", rules, period))
    source = inbox / BNPT
    wb = openpyxl.load_workbook(source)
    ws = wb["Laporan"]
    rows = [r for r in range(5, ws.max_row + 1) if ws.cell(r, 2).value]
    values = [[c.value for c in ws[r]] for r in rows]
    for r, vals in zip(rows, reversed(values), strict=True):
        for j, v in enumerate(vals, start=1):
            ws.cell(r, j).value = v
    source.unlink()
    wb.save(inbox / "BNPT kirim ulang.xlsx")  # the same rows, reordered, under another name
    after = _items(_run(inbox, tmp_path / "b", rules, period))
    assert sorted(after["item"]) == sorted(before["item"])
    moved = after[after["_agency"] == "BNPT"]
    assert set(moved["cell"]) != set(before.loc[before["_agency"] == "BNPT", "cell"])  # the rows did move
    assert sorted(after["fingerprint"]) == sorted(before["fingerprint"])


def test_activity_ids_of_rows_alike_follow_their_content_not_their_order(demo_sample, rules, period):
    """Two rows with the same name, date and place (a twice-held event) keep their ids, and
    so the ids of the items on them, when the agency swaps them."""
    from dataclasses import replace

    from pipeline.analysis.consolidate import activities
    from pipeline.intake.validate import validate_period

    v = validate_period(demo_sample.inbox, rules, period)
    first = v.accepted.iloc[[0]]
    twin = first.assign(jumlah_peserta=first["jumlah_peserta"] + 7, _row=first["_row"] + 1000)
    ids = []
    for rows in ([first, twin], [twin.assign(_row=first["_row"]), first.assign(_row=twin["_row"])]):
        acts = activities(replace(v, accepted=pd.concat([*rows, v.accepted.iloc[1:]], ignore_index=True)), rules)
        alike = acts[(acts["_file"] == first["_file"].iloc[0]) & acts["_row"].isin([*first["_row"], *twin["_row"]])]
        ids.append(dict(zip(alike["jumlah_peserta"], alike["id_kegiatan"], strict=True)))
    assert ids[0] == ids[1] and len(ids[0]) == 2


def test_a_decision_on_a_row_the_agency_changed_is_stale(inbox, rules, period, tmp_path):
    out = tmp_path / "out"
    item = _outlier(_run(inbox, out, rules, period))
    _decide(_review_file(out), item["item"], "benar, tetap dihitung", "Dikonfirmasi")
    assert _outlier(_run(inbox, out, rules, period))["state"] == "decided"
    wb = openpyxl.load_workbook(inbox / BNPT)
    wb["Laporan"][OUTLIER_CELL].value = 260_000
    wb.save(inbox / BNPT)
    again = _run(inbox, out, rules, period)
    row = _outlier(again)
    assert row["item"] == item["item"]  # the same item ...
    assert (row["state"], row["decision"], row["previous"]) == ("stale", "", "keep")  # ... asked again
    assert again.consolidation.review.provisional["peserta"] == 260_000
    sheet = openpyxl.load_workbook(_review_file(out))["Nilai"]
    head = [c.value for c in sheet[1]]
    shown = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == item["item"])
    assert shown[head.index("Keputusan")] is None
    assert shown[head.index("Keputusan sebelumnya")] == "benar, tetap dihitung"
    assert "diputuskan ulang" in shown[head.index("Status")]


def test_decisions_that_cannot_be_taken_are_listed_never_dropped(inbox, rules, period, tmp_path):
    out = tmp_path / "out"
    first = _run(inbox, out, rules, period)
    path = _review_file(out)
    _decide(path, _outlier(first)["item"], "hapus saja")
    _decide(path, _duplicate(first)["item"], "dikecualikan dari total")
    _decide(path, "N-BNPT-00000000", "benar, tetap dihitung")
    second = _run(inbox, out, rules, period)
    problems = {p.code: p for p in second.consolidation.review.problems}
    assert set(problems) == {"review-unknown-decision", "review-wrong-kind", "review-unknown-item"}
    assert problems["review-unknown-decision"].value == "hapus saja"
    assert problems["review-unknown-decision"].sheet == "Nilai" and problems["review-unknown-decision"].cell
    assert problems["review-unknown-item"].value == "N-BNPT-00000000"
    assert second.taken == 0 and all(_items(second)["state"] == "open")
    lines = "\n".join(second.lines())
    assert "hapus saja" in lines and "N-BNPT-00000000" in lines
    assert f"[tinjauan_2026-S1.xlsx Nilai!{problems['review-unknown-decision'].cell}]" in lines  # file, sheet, cell
    guide = [r for r in openpyxl.load_workbook(path)["Petunjuk"].iter_rows(values_only=True) if r[0]]
    assert any("hapus saja" in str(r) for r in guide)
    # a review workbook that cannot be read: said so, and the decisions stored still stand
    _decide(path, _outlier(first)["item"], "dikecualikan dari total")
    assert _outlier(_run(inbox, out, rules, period))["decision"] == "exclude"
    path.write_bytes(b"not a workbook")
    third = _run(inbox, out, rules, period)
    assert [p.code for p in third.consolidation.review.problems] == ["review-unreadable"]
    assert _outlier(third)["decision"] == "exclude"
    assert path.with_name("tinjauan_2026-S1_tidak_terbaca.xlsx").read_bytes() == b"not a workbook"  # kept aside
    assert openpyxl.load_workbook(path)["Nilai"]  # and a new one written


def test_an_older_copy_saved_back_reverts_no_newer_decision(inbox, rules, period, tmp_path):
    out = tmp_path / "out"
    item = _outlier(_run(inbox, out, rules, period))["item"]
    _decide(_review_file(out), item, "dikecualikan dari total", "Salah ketik")
    _run(inbox, out, rules, period)
    old_copy = tmp_path / "copy.xlsx"
    shutil.copy(_review_file(out), old_copy)  # shows the exclusion
    _decide(_review_file(out), item, "benar, tetap dihitung", "Dikonfirmasi K/L")
    assert _outlier(_run(inbox, out, rules, period))["decision"] == "keep"
    shutil.copy(old_copy, _review_file(out))  # a colleague saves the older copy back, untouched
    again = _run(inbox, out, rules, period)
    assert _outlier(again)["decision"] == "keep" and again.taken == 0


def test_the_year_report_keeps_the_periods_decisions(demo_sample, rules, tmp_path):
    from pipeline.core.periods import parse_period
    from pipeline.cycle.year import year_report
    from pipeline.demo.sample import build_sample

    out = tmp_path / "out"
    s1, s2 = parse_period("2026-S1", rules), parse_period("2026-S2", rules)
    first = _run(demo_sample.inbox, out, rules, s1)
    _decide(_review_file(out), _duplicate(first)["item"], "bukan duplikat")
    _decide(_review_file(out), _outlier(first)["item"], "dikecualikan dari total")
    decided = _run(demo_sample.inbox, out, rules, s1)
    second = _run(build_sample(rules, s2, tmp_path / "s2", seed=7).inbox, out, rules, s2)
    (_, data, *_), _ = year_report(out, rules, 2026)
    year = json.loads(data.read_text(encoding="utf-8"))
    halves = [headline(r.consolidation, r.validation) for r in (decided, second)]
    assert year["h"]["peserta"] == halves[0]["peserta"] + halves[1]["peserta"]  # the exclusion holds
    assert [(p["keputusan"], p["a_kl"], p["b_kl"]) for p in year["tinjauan_pasangan"]] == [
        ("bukan duplikat", "BNPT", "Polri")
    ]  # still decided, not merged, and not listed among the overlaps
    assert not any({o["a_kl"], o["b_kl"]} == {"BNPT", "Polri"} for o in year["irisan"])


def test_a_value_sent_back_reaches_the_agency_feedback_and_mail(inbox, rules, period, tmp_path):
    from pipeline.cycle.mail import make_drafts
    from pipeline.outputs.feedback import read_problem_list

    out = tmp_path / "out"
    item = _outlier(_run(inbox, out, rules, period))
    _decide(_review_file(out), item["item"], "tunggu perbaikan K/L", "Mohon konfirmasi jumlah peserta")
    second = _run(inbox, out, rules, period)
    assert _outlier(second)["state"] == "waiting"
    assert second.consolidation.review.provisional["peserta"] == 250_000  # still counted, still provisional
    listed = read_problem_list(out / "2026-S1" / "umpan_balik" / "BNPT_2026-S1.xlsx")
    asked = [p for p in listed if p["cell"] == OUTLIER_CELL and "Sekretariat meminta konfirmasi" in p["message"]]
    assert asked and "Mohon konfirmasi jumlah peserta" in asked[0]["message"]
    drafts, _ = make_drafts("feedback", rules, period, inbox, out, dt.date(2026, 7, 20), ["BNPT"])
    mail = email.message_from_bytes(drafts[0].read_bytes(), policy=email.policy.default)
    assert "Sekretariat meminta konfirmasi" in mail.get_body(("plain",)).get_content()


def test_the_review_workbook_resaved_by_libreoffice_is_read_back(inbox, rules, period, tmp_path):
    out = tmp_path / "out"
    item = _outlier(_run(inbox, out, rules, period))
    path = _review_file(out)
    _decide(path, item["item"], "dikecualikan dari total", "Salah ketik")
    (resaved,) = libreoffice_convert([path], "xlsx", tmp_path / "lo")
    wb = openpyxl.load_workbook(resaved)
    assert wb["Nilai"].protection.sheet and wb["Nilai"].data_validations.dataValidation  # locked, with the list
    shutil.copy(resaved, path)
    again = _run(inbox, out, rules, period)
    assert _outlier(again)["decision"] == "exclude" and again.taken == 1


def test_counts_reconcile_across_every_sheet_and_the_report(demo_sample, rules, period, tmp_path):
    _reconciles(_run(demo_sample.inbox, tmp_path / "out", rules, period), tmp_path / "out")


def test_counts_reconcile_for_the_hostile_corpus(rules, period, tmp_path):
    from .test_hostile import hostile_inbox

    inbox = hostile_inbox(tmp_path, rules, period)
    result = _run(inbox, tmp_path / "out", rules, period)
    assert len(result.validation.submissions) > 10
    _reconciles(result, tmp_path / "out")


def _reconciles(result, out: Path) -> None:
    """Rows read = accepted + rejected for errors + in rejected files + in superseded files +
    blank, with the same figures on Ringkasan, Per KL, Tentang, Kegiatan and in the report."""
    v, c = result.validation, result.consolidation
    h = headline(c, v)
    parts = ["baris_diterima", "baris_ditolak", "baris_berkas_ditolak", "baris_berkas_digantikan", "baris_kosong"]
    assert h["baris_dibaca"] == sum(h[k] for k in parts)
    wb = openpyxl.load_workbook(out / "2026-S1" / "ringkasan_2026-S1.xlsx")
    ring = _ringkasan(out)
    labels = {
        "baris_dibaca": "Baris dibaca",
        "baris_diterima": "Baris diterima",
        "baris_ditolak": "Baris ditolak karena galat",
        "baris_berkas_ditolak": "Baris dalam berkas yang ditolak",
        "baris_berkas_digantikan": "Baris dalam berkas yang digantikan kiriman baru",
        "baris_kosong": "Baris kosong dilewati",
    }
    for key, label in labels.items():
        assert ring[label][0] == h[key], key
    per_kl = pd.DataFrame(list(wb["Per KL"].values)[1:], columns=next(wb["Per KL"].values))
    assert per_kl["Baris Diterima"].sum() == h["baris_diterima"]
    assert per_kl["Baris Ditolak"].sum() == h["baris_ditolak"]
    about = list(wb["Tentang"].values)
    top = next(i for i, r in enumerate(about) if r[0] == "Berkas" and r[5] == "Baris Dibaca")
    inputs = pd.DataFrame(about[top + 1 :], columns=about[top]).dropna(subset=["Berkas"])
    assert inputs["Baris Dibaca"].sum() == h["baris_dibaca"]
    assert inputs["Diterima"].sum() == h["baris_diterima"]
    assert inputs["Ditolak"].sum() == h["baris_ditolak"] + h["baris_berkas_ditolak"] + h["baris_berkas_digantikan"]
    assert inputs["Kosong"].sum() == h["baris_kosong"]
    assert wb["Kegiatan"].max_row - 1 == h["baris_diterima"] or h["baris_diterima"] == 0
    data = json.loads((out / "2026-S1" / "data_laporan_2026-S1.json").read_text(encoding="utf-8"))
    assert {k: data["h"][k] for k in labels} == {k: h[k] for k in labels}
    text = _report_text(out)
    reported = f"{h['baris_dibaca'] - h['baris_kosong']:,}".replace(",", ".")
    assert f"Dari {reported} kegiatan yang dilaporkan" in text


def test_the_ikhub_export_tells_an_excluded_value_from_one_never_reported(demo_sample, rules, period, tmp_path):
    """Issue 26, item 13: the outlier the secretariat excluded is blank in the I-KHub export
    like a value never reported, but named in `dikecualikan` (format 2 on), as is an overspent
    realised budget with the budget excluded together with it; a blank value nobody
    excluded stays plainly blank. Whole numbers are written as integers, booleans as in
    the JSON."""
    validation = validate_period(demo_sample.inbox, rules, period)
    items = consolidate(validation, rules).review.items
    items = items[(items["code"] == "overspent") | (items["cell"] == OUTLIER_CELL)]
    assert sorted(items["code"]) == ["outlier", "overspent"]
    taken = {
        i.item: Decision(i.item, "exclude", "Salah ketik", "Rina (Sekber)", "", i.fingerprint)
        for i in items.itertuples()
    }
    c = consolidate(validation, rules, decisions=taken)  # as run() passes the decisions read back
    acts = c.activities
    at = {
        code: acts.index[(acts["_file"] == f) & (acts["_row"] == r)][0]
        for code, f, r in items[["code", "_file", "_row"]].to_numpy()
    }
    pos, budget = at["outlier"], at["overspent"]
    acts.loc[pos + 1, "realisasi"] = 87.5  # a number that is not whole keeps its decimals
    csv_path, json_path = write_ikhub(c, rules, tmp_path)
    table = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    doc = json.loads(json_path.read_text(encoding="utf-8"))
    assert doc["format_version"] == 3 and list(table.columns) == list(doc["kegiatan"][0])
    rows = {k: (table.iloc[i], doc["kegiatan"][i]) for k, i in (("excluded", pos), ("decimal", pos + 1))}
    for row in rows["excluded"]:
        assert (row["jumlah_peserta"] or None, row["dikecualikan"]) == (None, "jumlah_peserta")
    for row in (table.iloc[budget], doc["kegiatan"][budget]):
        assert [row["anggaran"] or None, row["realisasi_anggaran"] or None] == [None, None]
        assert row["dikecualikan"] == "anggaran;realisasi_anggaran"
    never = acts["realisasi"].isna().to_numpy()  # reported blank: no realisation yet
    assert never.sum() > 5
    assert (table.loc[never, "realisasi"] == "").all() and (table.loc[never, "dikecualikan"] == "").all()
    records = [r for r, n in zip(doc["kegiatan"], never, strict=True) if n]
    assert {(r["realisasi"], r["dikecualikan"]) for r in records} == {(None, None)}
    assert (table["dikecualikan"] != "").sum() == 2
    assert rows["decimal"][0]["realisasi"] == "87.5" and rows["decimal"][1]["realisasi"] == 87.5
    numbers = table[["jumlah_peserta", "target", "realisasi", "anggaran", "realisasi_anggaran"]].drop(index=pos + 1)
    assert not numbers.apply(lambda col: col.str.contains(".", regex=False)).any().any()  # 90, not 90.0
    assert table.loc[0, "anggaran"] == str(int(acts.loc[0, "anggaran"]))  # 45000000, not 45000000.0
    assert set(table["dihitung_sekali"]) == {"true", "false"}  # as documented, not Python's True and False
    assert {type(r["target"]) for r in doc["kegiatan"]} == {int}


def test_every_review_code_is_produced_here():
    """The review's problem codes are each produced by a test above (test_problem_codes.py
    covers the codes of validation)."""
    codes = {code for where, codes in RAISED_IN.items() if "review" in where for code in codes}
    assert codes == {"review-unknown-decision", "review-wrong-kind", "review-unknown-item", "review-unreadable",
                     "review-requested"}  # fmt: skip


def test_ids_hashed_in_two_halves_are_those_of_one_pass(demo_sample, rules, period, monkeypatch):
    """Many pairs or rows are hashed half by a forked worker (review.HALVES): every item's
    id and fingerprint, and so every decision's key, are those of one pass."""
    from pipeline.analysis import review

    validation = validate_period(demo_sample.inbox, rules, period)
    whole = consolidate(validation, rules).review.items
    monkeypatch.setattr(review, "HALVES", 1)
    halves = consolidate(validation, rules).review.items
    assert (whole["kind"] == "pair").sum() >= 2  # two halves of pairs
    for column in ("item", "fingerprint"):
        assert halves[column].tolist() == whole[column].tolist()
