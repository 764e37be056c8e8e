"""Render the Word report from its data with the editable docxtpl template.

Agency text is escaped (autoescape) so it can neither break the document nor inject
fields; a broken tag in an edited template stops with one line naming the tag and file."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import quoteattr

import jinja2
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from ..analysis.findings import listed
from ..core.errors import RanpeError
from ..core.files import atomic_path, write_text
from ..core.formatting import angka, persen, poin, rupiah, tanggal
from ..core.paths import docx_template
from ..core.texts import t
from . import charts, office
from .maps import province_map
from .report_data import NO_REVIEW
from .reproducible import normalise_zip
from .table_widths import fit_tables

_TAG = re.compile(r"\{[{%].*?[%}]\}", re.S)


def data_path(outbox: Path, period_id: str) -> Path:
    return outbox / period_id / f"data_laporan_{period_id}.json"


def report_path(outbox: Path, period_id: str) -> Path:
    return outbox / period_id / f"laporan_{period_id}.docx"


def save_data(data: dict, path: Path) -> Path:
    return write_text(path, json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


def load_data(outbox: Path, period_id: str) -> dict:
    path = data_path(outbox, period_id)
    if not path.is_file():
        raise RanpeError(t("errors.report_data_missing", period=period_id, file=path))
    data = {**NO_REVIEW, **json.loads(path.read_text(encoding="utf-8"))}
    shown = len(data["grafik"]["provinsi"])  # data written before the chart said what it leaves out
    data["grafik"] = {"provinsi_ada": shown, "provinsi_tampil": shown, "bukan_provinsi": 0, **data["grafik"]}
    return data


def environment() -> jinja2.Environment:
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.filters.update(angka=angka, rupiah=rupiah, persen=persen, poin=poin, tanggal=tanggal, daftar=listed)
    return env


def render_report(data: dict, out: Path, template: Path | None = None) -> tuple[list[Path], str]:
    """Write the report `out` and, when LibreOffice is installed, its PDF beside it, with a
    table of contents that has page numbers in both (LibreOffice lays the document out;
    without it the contents list the headings, which Word numbers when it updates the
    field). Returns the files written and, when no PDF could be made, the line saying so."""
    return start_report(data, out, template)()


def start_report(data: dict, out: Path, template: Path | None = None) -> Callable[[], tuple[list[Path], str]]:
    """render_report in two steps: render and hand the document to LibreOffice now; the
    returned function waits for it and writes the files (other work may go on between)."""
    tpl = _render(data, template)
    fit_tables(tpl.docx)
    headings = _headings(tpl.docx)
    numbers = _contents(tpl.docx, headings)
    pdf = out.with_suffix(".pdf")
    tmp = tempfile.TemporaryDirectory(prefix="ranpe-report-")
    draft = Path(tmp.name) / out.name
    _save(tpl, draft, data)
    job = office.start(draft, draft.with_suffix(".pdf"), dt.date.fromisoformat(data["tanggal"][:10]))

    def finish() -> tuple[list[Path], str]:
        with tmp:
            layout = job.layout()
            if [text for text, _ in layout.pages] == [text for _, text in headings]:  # else none, not wrong ones
                for run, (_, page) in zip(numbers, layout.pages, strict=True):
                    run.text = page
            if not layout.problem:
                with atomic_path(pdf) as final:
                    shutil.copyfile(draft.with_suffix(".pdf"), final)
        _save(tpl, out, data)
        if layout.problem:
            pdf.unlink(missing_ok=True)  # never a PDF of an earlier run beside this report
            why = t("cli_outputs.no_pdf_office") if layout.problem == "missing" else layout.problem
            return [out], t("cli_outputs.no_pdf", file=pdf.name, why=why)
        return [out, pdf], ""

    return finish


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TOC_LEVELS = {"Heading1": 1, "Heading2": 2}  # heading styles the contents list ({TOC \o "1-2"})


def _headings(doc) -> list[tuple[int, str]]:
    """(level, text) of the headings the contents list, in document order."""
    out = []
    for p in doc.element.body.iter(f"{_W}p"):
        style = p.find(f"{_W}pPr/{_W}pStyle")
        level = TOC_LEVELS.get(style.get(f"{_W}val")) if style is not None else None
        text = "".join(p.itertext(f"{_W}t")).strip()
        if level and text:
            out.append((level, text))
    return out


def _contents(doc, headings: list[tuple[int, str]]) -> list:
    """Write the entries of the template's table of contents field (between its start and
    its end) in its "toc 1"/"toc 2" styles: each heading, a tab, and an empty run for its
    page number, which is returned."""
    paragraphs = doc.paragraphs
    start = next((i for i, p in enumerate(paragraphs) if " TOC " in "".join(p._p.itertext(f"{_W}instrText"))), None)
    if start is None:  # the secretariat removed the contents from the template
        return []
    end = next(p for p in paragraphs[start:] if p._p.find(f".//{_W}fldChar[@{_W}fldCharType='end']") is not None)
    numbers = []
    for level, text in headings:
        entry = end.insert_paragraph_before(text + "\t", style=f"toc {level}")
        numbers.append(entry.add_run(""))
    return numbers


def _render(data: dict, template: Path | None) -> DocxTemplate:
    """The report rendered from `template` (else the workspace's, else the shipped one)."""
    template = template or docx_template()
    tpl = DocxTemplate(template)
    g = data["grafik"]
    images = {
        "grafik_status": charts.status(g["status"]),
        "grafik_capaian": charts.achievement(g["capaian"], data["tingkat"][0]),
        "grafik_provinsi": charts.provinces(g["provinsi"]),
    }
    regions = data["daerah"]
    if regions["ada"]:  # the map is drawn only for the chapter on the regions
        images["grafik_peta"] = province_map(regions["peta"]["kegiatan"], set(regions["peta"]["rad_pe"]))
    alt = alt_texts(data)
    context = {**data, **{k: Described(tpl, io.BytesIO(v), Mm(150), alt[k]) for k, v in images.items()}}
    try:
        tpl.render(context, environment(), autoescape=True)
    except (jinja2.TemplateSyntaxError, jinja2.UndefinedError, jinja2.TemplateError) as exc:
        raise RanpeError(_template_error(tpl, template, exc)) from None
    return tpl


class Described(InlineImage):
    """An inline image with its alternative text (read by screen readers, and the PDF's
    figure description)."""

    def __init__(self, tpl, image, width, descr: str):
        super().__init__(tpl, image, width=width)
        self.descr = descr

    def _insert_image(self):
        return super()._insert_image().replace("<wp:docPr ", f"<wp:docPr descr={quoteattr(self.descr)} ", 1)


def alt_texts(data: dict) -> dict[str, str]:
    """The charts' alternative text: what each shows, with its figures."""
    g = data["grafik"]

    def items(pairs, fmt) -> str:
        return "; ".join(f"{name} {fmt(v)}" for name, v in pairs) or t("public.alt_none")

    places = data["daerah"]["peta"]["kegiatan"]
    named = {p["kode"]: p["nama"] for p in data.get("provinsi_angka", [])}
    mapped = sorted((named.get(k, k), n) for k, n in places.items())
    return {
        "grafik_status": t("public.alt_status", items=items(g["status"], angka)),
        "grafik_capaian": t("public.alt_capaian", level=data["tingkat"][0].lower(),
                            items=items(g["capaian"], lambda v: persen(v) if v is not None else "-")),
        "grafik_provinsi": t("public.alt_provinsi", items=items(g["provinsi"], angka)),
        "grafik_peta": t("public.alt_peta", items=items(mapped, angka)),
    }  # fmt: skip


def _save(tpl: DocxTemplate, out: Path, data: dict) -> None:
    day = dt.datetime.fromisoformat(data["tanggal"])
    props = tpl.docx.core_properties
    props.created = props.modified = day
    props.last_printed = day
    props.revision = 1
    with atomic_path(out) as tmp:
        tpl.save(tmp)
        normalise_zip(tmp)


def _template_error(tpl: DocxTemplate, template: Path, exc: Exception) -> str:
    """One line naming the offending tag: the first tag of the template's text that does not
    parse on its own, or the undefined name."""
    problem = getattr(exc, "message", None) or str(exc)
    tag = ""
    if isinstance(exc, jinja2.UndefinedError):
        tag = problem.split("'")[1] if problem.count("'") >= 2 else ""
    else:
        tag = next((x for x in _tags(tpl) if not _parses(x)), "")
    return t(
        "errors.report_template", file=template, problem=problem, tag=t("errors.report_tag", tag=tag) if tag else ""
    )


def _tags(tpl: DocxTemplate) -> list[str]:
    """Tags as the secretariat sees them in the document: body, tables, headers and footers."""
    doc = tpl.get_docx()
    paragraphs = list(doc.paragraphs)
    for table in doc.tables:
        paragraphs += [p for row in table.rows for cell in row.cells for p in cell.paragraphs]
    for section in doc.sections:
        paragraphs += list(section.header.paragraphs) + list(section.footer.paragraphs)
    return [m for p in paragraphs for m in _TAG.findall(p.text)]


_CLOSE = {"for": "{% endfor %}", "if": "{% endif %}"}


def _parses(tag: str) -> bool:
    """Does one tag parse alone? Block tags of docxtpl ({%p for ...%}) are tried with their end."""
    text = tag
    if tag.startswith("{%"):
        inner = re.sub(r"^\{%(p|tr|tc|r)?\s*", "", tag[:-2]).strip()
        word = inner.split(" ", 1)[0]
        if word.startswith("end") or word in ("else", "elif"):
            return True
        text = "{% " + inner + " %}" + _CLOSE.get(word, "")
    try:
        jinja2.Environment().parse(text)
        return True
    except jinja2.TemplateSyntaxError:
        return False
