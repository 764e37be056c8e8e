"""The report leadership signs (issue 17): its table of contents and PDF, signature block,
row layout, findings drawn by documented rules, and achievement computed soundly; the
summary workbook's charts; the template's guide and live counter."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from docx import Document

from pipeline.analysis.consolidate import consolidate
from pipeline.analysis.findings import findings
from pipeline.core.formatting import angka, persen
from pipeline.core.model import REPORTED
from pipeline.core.rules import load_rules
from pipeline.outputs import office
from pipeline.outputs.report import load_data, render_report
from pipeline.run import run


@pytest.fixture(scope="module")
def demo(rules, period, demo_sample, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    return out, run(demo_sample.inbox, out, rules, period, consolidation=True)


def _pdf_pages(pdf) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")


def test_the_pdf_is_written_beside_the_report_with_its_contents_paged(demo):
    """The contents list every chapter and section heading with the page it is on, in the
    PDF (as LibreOffice lays it out) and in the DOCX; the PDF is reproducible."""
    out, result = demo
    folder = out / "2026-S1"
    pdf = folder / "laporan_2026-S1.pdf"
    assert pdf in result.files and not result.notes
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert "laporan_2026-S1.pdf" in {o["file"] for o in manifest["outputs"]}
    pages = _pdf_pages(pdf)
    doc = Document(folder / "laporan_2026-S1.docx")
    headings = [p.text for p in doc.paragraphs if p.style.name in ("Heading 1", "Heading 2")]
    entries = [p.text for p in doc.paragraphs if p.style.name in ("toc 1", "toc 2") and p.text]
    assert len(entries) == len(headings) > 15
    contents = next(i for i, page in enumerate(pages) if "DAFTAR ISI" in page)
    toc = " ".join(pages[contents].split())
    # the number each page prints in its footer: none on the cover, the front matter in
    # roman numerals (the cover counted), the chapters from 1
    labels = [(re.findall(r"· halaman (\S+)\s*$", page.strip()) or [""])[0] for page in pages if page.strip()]
    first = labels.index("1")
    assert labels[:first] == ["", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"][:first] and first > 3
    assert labels[first:] == [str(n) for n in range(1, len(labels) - first + 1)]
    assert "BAB I " in pages[first]
    for heading, entry in zip(headings, entries, strict=True):
        text, number = entry.rsplit("\t", 1)
        assert text == heading and number in labels
        assert heading.split("(")[0].strip()[:40] in toc, heading
        on_page = " ".join(pages[labels.index(number)].split())
        assert heading[:40] in on_page, (heading, number)  # the page the contents name holds the heading
    again = folder.parent / "again.pdf"
    assert office.lay_out(folder / "laporan_2026-S1.docx", again, result.validation.period.end).pages
    before = pdf.read_bytes()
    render_report(load_data(out, "2026-S1"), folder / "laporan_2026-S1.docx")
    assert pdf.read_bytes() == before  # same data, same PDF bytes


def test_without_libreoffice_the_report_says_so_and_lists_the_headings(demo, tmp_path, monkeypatch):
    out, _ = demo
    monkeypatch.setattr(office, "soffice", lambda: None)
    stale = tmp_path / "laporan.pdf"
    stale.write_bytes(b"%PDF old")
    files, note = render_report(load_data(out, "2026-S1"), tmp_path / "laporan.docx")
    assert files == [tmp_path / "laporan.docx"] and not stale.exists()
    assert "laporan.pdf" in note and "LibreOffice tidak ditemukan" in note
    doc = Document(files[0])
    entries = [p.text for p in doc.paragraphs if p.style.name in ("toc 1", "toc 2") and p.text]
    assert entries[:3] == ["KATA PENGANTAR\t", "RINGKASAN EKSEKUTIF\t", "BAB I PENDAHULUAN\t"]
    assert "TOC \\o" in doc.element.xml  # Word fills the page numbers when it updates the field


def test_the_signature_block_comes_from_the_settings(demo, rules_copy, tmp_path):
    out, _ = demo
    data = load_data(out, "2026-S1")
    signed = load_rules(rules_copy)
    settings = (rules_copy / "settings.yaml").read_text(encoding="utf-8")
    (rules_copy / "settings.yaml").write_text(
        settings.replace("name: Andi Prasetyo", "name: Dr. Siti Aminah, M.Si.").replace(
            'id: ""', 'id: "197001012000032001"'
        ),
        encoding="utf-8",
    )
    signed = load_rules(rules_copy).settings.signature
    (path, *_), _ = render_report({**data, "ttd": signed.model_dump()}, tmp_path / "laporan.docx")
    texts = [p.text for p in Document(path).paragraphs]
    closing = texts.index("BAB VI PENUTUP")
    tail = texts[closing:]
    block = [x for x in tail if x][tail.index(next(x for x in tail if x.startswith("Demikian"))) :][:6]
    assert block[1].startswith("Jakarta, ") and block[2] == "Ketua Sekretariat Bersama RAN PE"
    assert block[3] == "Dr. Siti Aminah, M.Si." and block[4] == "NIP 197001012000032001"
    unnamed = {**data, "ttd": {**signed.model_dump(), "name": "", "id": ""}}
    (path, *_), _ = render_report(unnamed, tmp_path / "tanpa_nama.docx")
    assert any(p.text.startswith("......") for p in Document(path).paragraphs)  # a line to write the name on


def test_tables_repeat_their_header_and_never_split_a_row(demo):
    out, _ = demo
    with zipfile.ZipFile(out / "2026-S1" / "laporan_2026-S1.docx") as z:
        xml = z.read("word/document.xml").decode()
    doc = Document(out / "2026-S1" / "laporan_2026-S1.docx")
    assert len(doc.tables) > 10
    for table in doc.tables:
        rows = table._tbl.findall("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tr")
        assert all("cantSplit" in r.xml for r in rows)
        assert "tblHeader" in rows[0].xml
    assert 'w:lang w:val="id-ID"' in xml or "id-ID" in doc.core_properties.language


def test_every_chart_of_the_summary_points_at_its_table(demo, rules):
    """Every chart of every sheet, read back: its categories are the labels and its values the
    figures of one table (header row excluded, every row of it but the places that are not
    provinces), on a sheet that exists."""
    out, _ = demo
    wb = openpyxl.load_workbook(out / "2026-S1" / "ringkasan_2026-S1.xlsx")
    seen = 0
    for ws in wb:
        for chart in ws._charts:
            for series in chart.series:
                cat = series.cat.strRef.f if series.cat.strRef else series.cat.numRef.f
                val = series.val.numRef.f
                sheet, cells = val.rsplit("!", 1)
                target = wb[sheet.strip("'")]
                assert cat.rsplit("!", 1)[0] == sheet
                labels = [c.value for row in target[cat.rsplit("!", 1)[1].replace("$", "")] for c in row]
                values = [c.value for row in target[cells.replace("$", "")] for c in row]
                assert labels and all(isinstance(x, str) and x for x in labels), (ws.title, cat)
                assert all(isinstance(x, int | float) for x in values), (ws.title, val)
                first, last = (int("".join(ch for ch in part if ch.isdigit())) for part in cells.split(":"))
                assert first <= last  # top to bottom
                header = target.cell(first - 1, target[cells.split(":")[0].replace("$", "")].column).value
                assert isinstance(header, str)  # the row above is the table's header
                if sheet.strip("'") != "Ringkasan":
                    places = len(rules.provinces.special) if sheet.strip("'") == "Per Provinsi" else 0
                    assert first == 2 and last == target.max_row - places, (sheet, cells)  # the whole table
                seen += 1
    assert seen == 3


def test_the_province_chart_plots_the_provinces_only(demo, rules):
    """As in the report (issue 26, item 12): no bar for "Nasional" (the longest) or "Luar
    Negeri", and the chart's title says how many activities it leaves out."""
    out, _ = demo
    wb = openpyxl.load_workbook(out / "2026-S1" / "ringkasan_2026-S1.xlsx")
    chart = next(ch for ch in wb["Ringkasan"]._charts if ch.series[0].val.numRef.f.startswith("'Per Provinsi'!"))
    table, cat = wb["Per Provinsi"], chart.series[0].cat
    labels = [c.value for row in table[(cat.strRef or cat.numRef).f.rsplit("!", 1)[1].replace("$", "")] for c in row]
    assert labels == [p.name for p in rules.provinces.provinces]
    assert not {"Nasional", "Luar Negeri"} & set(labels)
    elsewhere = sum(r[2] for r in table.iter_rows(min_row=2, values_only=True) if r[0] in ("", None))
    title = "".join(run.t for p in chart.title.tx.rich.p for run in p.r or [])
    assert elsewhere > 0  # the sample has national activities
    said = f"{angka(elsewhere)} kegiatan tingkat nasional atau di luar negeri tidak termasuk"
    assert title == f"Kegiatan per provinsi ({said})"


# ---- findings ----------------------------------------------------------------------------


def _consolidated(result, rules, change=None):
    validation = copy.copy(result.validation)
    accepted = validation.accepted.copy()
    validation.accepted = change(accepted) if change else accepted
    return validation, consolidate(validation, rules)


def test_findings_follow_their_rules(demo, rules):
    _, result = demo
    gone = "1.2.3"
    validation, c = _consolidated(result, rules, lambda a: a[a["kode_aksi"] != gone])
    found = {f["aturan"]: f for f in findings(c, validation, rules, None)}
    assert gone in found["no_activity"]["kesimpulan"]
    lead = rules.agency_by_code[rules.action_by_code[gone].action.lead[0]].short
    assert lead in found["no_activity"]["rekomendasi"]
    low = c.by_action[c.by_action["capaian"] < rules.report.findings.low_achievement]
    assert all(
        f"{r.kode_aksi} ({persen(r.capaian)})" in found["low_achievement"]["kesimpulan"] for r in low.itertuples()
    )
    assert "KPAI" in found["reporting"]["kesimpulan"] and "Kemendagri" in found["reporting"]["kesimpulan"]
    assert "silent" not in found  # no previous period to compare with
    done = set(zip(c.activities["_agency"], c.activities["kode_aksi"], strict=True))
    idle = {(rules.agency_by_code[lead].short, fa.code) for fa in rules.actions for lead in fa.action.lead
            if (lead, fa.code) not in done and validation.agencies[lead].state in REPORTED}  # fmt: skip
    assert idle and all(f"{kl} (" in found["lead_missing"]["kesimpulan"] for kl, _ in idle)
    assert all(code in found["lead_missing"]["kesimpulan"] for _, code in idle)
    assert "“Peserta dilaporkan” (250.000 belum ditinjau)" in found["provisional"]["kesimpulan"]
    themes = result.consolidation.by_theme  # docs/angka.md section 12: a theme, not a text, is shared
    shared = themes[themes["kl"] + themes["daerah"] >= rules.report.findings.shared_obstacle_agencies]
    assert len(shared) and all(
        f"hambatan {x.lower()} " in found["shared_obstacle"]["kesimpulan"] for x in shared["nama"]
    )


def test_the_report_states_each_finding_and_the_rules_it_follows(demo):
    out, _ = demo
    data = json.loads((out / "2026-S1" / "data_laporan_2026-S1.json").read_text(encoding="utf-8"))
    texts = [p.text for p in Document(out / "2026-S1" / "laporan_2026-S1.docx").paragraphs]
    for i, f in enumerate(data["temuan"], 1):
        assert f"{i}.\t{f['kesimpulan']}" in texts
    for i, f in enumerate([f for f in data["temuan"] if f["rekomendasi"]], 1):
        assert f"{i}.\t{f['rekomendasi']}" in texts
    assert {f["aturan"] for f in data["temuan"]} >= {"coverage", "low_achievement", "reporting"}
    for rule in data["aturan_temuan"]:
        assert rule in texts  # the method section lists every rule
    assert "3.\tPeraturan Presiden Nomor 7 Tahun 2021" in " ".join(texts)  # after the law and its regulation


# ---- achievement ---------------------------------------------------------------------------


def test_achievement_is_per_action_against_its_target_and_never_adds_units(demo, rules):
    _, result = demo
    c = result.consolidation
    a = c.by_action.set_index("kode_aksi")
    for fa in rules.actions:
        row = a.loc[fa.code]
        if fa.action.target:
            assert row["dasar_capaian"] == "target matriks" and row["target_dasar"] == fa.action.target
            assert row["capaian"] == pytest.approx((row["realisasi"] or 0) / fa.action.target)
        elif row["target"] > 0:
            assert row["dasar_capaian"] == "target K/L"
            assert row["capaian"] == pytest.approx(row["realisasi"] / row["target"])
    # a pillar: the mean of its actions' achievements, each capped at 100%
    for _, p in c.by_level[0].iterrows():
        mine = c.by_action[c.by_action["level0_code"] == p["level0_code"]]["capaian"].dropna()
        assert p["capaian"] == pytest.approx(mine.clip(upper=1).mean()) and p["aksi_terukur"] == len(mine)
    assert "target" not in c.by_level[0] and "realisasi" not in c.by_level[0]  # no sum across units


def test_a_row_in_another_unit_is_listed_not_counted(demo, rules, tmp_path):
    _, result = demo
    code = "1.1.1"
    acts = result.consolidation.activities
    mine = acts[acts["kode_aksi"] == code]
    kept, dropped = mine[~mine["duplikat"]].iloc[0], mine[mine["duplikat"]].iloc[0]

    def other_unit(accepted):
        for r in (kept, dropped):
            at = (accepted["_file"] == r["_file"]) & (accepted["_row"] == r["_row"])
            accepted.loc[at, "satuan"] = "persen"
        return accepted

    validation, c = _consolidated(result, rules, other_unit)
    row = c.activities[(c.activities["kode_aksi"] == code) & ~c.activities["satuan_sesuai"] & ~c.activities["duplikat"]]
    assert len(row) == 1 and row.iloc[0]["_row"] == kept["_row"]
    action = c.by_action.set_index("kode_aksi").loc[code]
    same = c.activities[(c.activities["kode_aksi"] == code) & c.activities["satuan_sesuai"] & ~c.activities["duplikat"]]
    # one per cluster: the dropped row in another unit is its kept row's event, neither counted
    # again nor listed; the kept row in another unit is listed and not counted
    assert action["satuan_berbeda"] == 1 and action["realisasi"] == same["realisasi"].sum()
    from pipeline.outputs.report_data import report_data

    data = report_data(c, validation, rules, "ringkasan.xlsx", result.validation.period.end)
    listed = [u for p in data["pilar"] for u in p["satuan_berbeda"] if u["kode"] == code]
    assert listed == [{"kl": row.iloc[0]["kl"], "kode": code, "nama": row.iloc[0]["nama_kegiatan"], "satuan": "persen",
                       "satuan_aksi": "orang"}]  # fmt: skip
    (path, *_), _ = render_report(data, tmp_path / "laporan.docx")
    text = "\n".join(p.text for p in Document(path).paragraphs)
    assert f"aksi {code}: {row.iloc[0]['nama_kegiatan']} (satuan persen; satuan aksi orang)" in text


def test_an_action_measured_in_a_rate_takes_the_mean(demo, rules_copy):
    _, result = demo
    catalogue = (rules_copy / "catalogue.yaml").read_text(encoding="utf-8")
    first = catalogue.index('code: "1.1.5"')
    unit = catalogue.index("unit: orang", first)
    (rules_copy / "catalogue.yaml").write_text(
        catalogue[:unit] + "unit: persen" + catalogue[unit + 11 :], encoding="utf-8"
    )
    rated = load_rules(rules_copy)

    def in_percent(acts):
        mine = acts["kode_aksi"] == "1.1.5"
        acts.loc[mine, "satuan"] = "persen"
        acts.loc[mine, "target"] = [(80.0, 90.0, 100.0, 70.0)[i % 4] for i in range(mine.sum())]
        acts.loc[mine, "realisasi"] = [(40.0, 90.0, 80.0, 70.0)[i % 4] for i in range(mine.sum())]
        return acts

    _, c = _consolidated(result, rated, in_percent)
    row = c.by_action.set_index("kode_aksi").loc["1.1.5"]
    mine = c.activities[c.activities["kode_aksi"] == "1.1.5"]
    assert row["target"] == pytest.approx(mine["target"].mean()) and row["realisasi"] == pytest.approx(
        mine["realisasi"].mean()
    )


# ---- the agency's workbook -------------------------------------------------------------------


def test_the_guide_prints_whole_on_a4_in_libreoffice(rules, period, tmp_path):
    """Every line of the template's Petunjuk sheet prints whole on its first A4 page: none
    runs past the page edge or over the next item."""
    import datetime as dt

    from pipeline.outputs.template import Sheet, write_template

    from .conftest import libreoffice_convert

    path = write_template(tmp_path / "t.xlsx", rules, Sheet(rules.agencies[0], period, dt.date(2026, 6, 1)))
    ws = openpyxl.load_workbook(path)["Petunjuk"]
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "portrait"
    pdf = libreoffice_convert([path], "pdf", tmp_path / "pdf")[0]
    page = " ".join(_pdf_pages(pdf)[0].split())
    lines = [" ".join(c.value.split()) for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert len(lines) > 10
    assert [x for x in lines if x not in page] == []


def test_the_live_counter_stores_what_it_computes(demo, rules, tmp_path):
    """A feedback workbook whose rows still break a rule opens with the Identitas counter
    already counting them (an office suite that does not recalculate shows the stored value)."""
    out, _ = demo
    files = sorted((out / "2026-S1" / "umpan_balik").glob("*.xlsx"))
    counted = 0
    for path in files:
        wb = openpyxl.load_workbook(path, data_only=True)
        formulas = openpyxl.load_workbook(path)["Identitas"]
        cell = next(c for row in formulas.iter_rows() for c in row if str(c.value).startswith("=SUM("))
        stored = wb["Identitas"][cell.coordinate].value
        laporan = wb["Laporan"]
        check = cell.value.split("!")[1].rstrip(")").split(":")[0].rstrip("0123456789")
        column = [laporan[f"{check}{r}"].value for r in range(2, laporan.max_row + 1)]
        assert stored == sum(v or 0 for v in column if isinstance(v, int | float)), path.name
        counted += stored
    assert counted > 0  # the sample's feedback has rows with empty required cells or bad values
    # and LibreOffice, made to recalculate everything, computes what was stored
    recalculated = _recalculated(files, tmp_path)
    assert len(recalculated) == len(files)
    for name, pairs in recalculated.items():
        assert pairs and all(stored == again for stored, again in pairs), name


def _recalculated(files: list[Path], tmp_path: Path) -> dict[str, list[list[float]]]:
    """{file: [[stored, recalculated by LibreOffice], ...]} of each Identitas formula."""
    soffice = office.soffice()
    python = office.uno_python(soffice)
    script = Path(__file__).with_name("lo_recalc.py")
    done = subprocess.run([*python, str(script), str(soffice), str(tmp_path / "profile"), *map(str, files)],
                          capture_output=True, text=True, timeout=600, check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_counter_takes_odd_cells_as_the_formulas_do(demo, rules, period, tmp_path):
    """Dates in number columns, a time of day, TRUE, text where a number belongs, a code
    in other case: the stored count is what LibreOffice computes."""
    import datetime as dt

    from pipeline.outputs.template import Sheet, write_template

    _, result = demo
    keys = [c.key for c in rules.fields.columns if c.input]
    good = result.validation.typed[keys].iloc[0].to_dict()
    odd = {
        "jumlah_peserta": [dt.datetime(2026, 3, 1, 12, 0), dt.date(2026, 3, 1), True, "12 orang", 7.5],
        "target": [dt.date(2026, 3, 1), -1, "", None],
        "kode_aksi": [str(good["kode_aksi"]).lower(), "9.9.9", 2.1],
        "peran": ["*", "P*", ">a", "~"],
    }
    rows = [good] + [{**good, key: value} for key, values in odd.items() for value in values]
    path = write_template(
        tmp_path / "t.xlsx", rules, Sheet(rules.get_agency("BNPT"), period, dt.date(2026, 6, 1), rows)
    )
    (pairs,) = _recalculated([path], tmp_path).values()
    assert pairs and all(stored == again for stored, again in pairs)
    assert max(stored for stored, _ in pairs) >= 5  # the broken rows were counted


def test_no_table_breaks_a_word(demo):
    """Every word of every table (up to 20 letters: names, codes, headers) fits its column on
    one line, measured with the font LibreOffice prints Arial with (fontconfig's choice) at
    the cell's size."""
    from PIL import ImageFont

    out, _ = demo
    fonts = {}
    for bold in (True, False):
        found = subprocess.run(["fc-match", "-f", "%{file}", "Arial:bold" if bold else "Arial"],
                               capture_output=True, text=True, check=True).stdout  # fmt: skip
        fonts[bold] = ImageFont.truetype(found, 100)  # lengths in hundredths of the size
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    doc = Document(out / "2026-S1" / "laporan_2026-S1.docx")
    checked = 0
    for table in doc.tables:
        widths = [int(c.get(f"{w}w")) / 20 for c in table._tbl.tblGrid.findall(f"{w}gridCol")]  # points
        for row in table.rows:
            for cell, width in zip(row.cells, widths, strict=True):
                runs = [r for p in cell.paragraphs for r in p.runs if r.text]
                if not runs:
                    continue
                size, bold = runs[0].font.size.pt, bool(runs[0].bold)
                inner = width - 2 * 5.4  # the cell's left and right margins (0.19 cm)
                for word in (x for x in re.split(r"[\s-]+", cell.text) if 0 < len(x) <= 20):  # a hyphen may break
                    assert fonts[bold].getlength(word) / 100 * size <= inner, (cell.text, word, width)
                    checked += 1
    assert checked > 500


def test_lists_read_as_indonesian_sentences():
    from pipeline.analysis.findings import MAX_LISTED, listed

    assert [listed(list("abc")[:n]) for n in range(4)] == ["", "a", "a dan b", "a, b, dan c"]
    many = [str(i) for i in range(MAX_LISTED + 3)]
    assert listed(many).endswith(f"{MAX_LISTED - 1}, dan 3 lainnya")


def test_a_late_agency_says_so_in_the_quality_table(demo):
    out, result = demo
    data = load_data(out, "2026-S1")
    a = result.consolidation.by_agency
    a = a[a["tingkat"] == "K/L"]  # a region's lateness is told in its own chapter
    late = dict(zip(a["kl"], a["terlambat_hari"], strict=True))
    late = {kl: int(days) for kl, days in late.items() if days == days and days is not None}  # not NaN, not None
    assert late
    rows = {r["kl"]: r for r in data["kualitas"]}
    for kl, days in late.items():
        assert rows[kl]["keterangan"].startswith(f"Terlambat {days} hari.")
