"""Render the Word report from its data with the editable docxtpl template.

Agency text is escaped (autoescape) so it can neither break the document nor inject
fields; a broken tag in an edited template stops with one line naming the tag and file."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import jinja2
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from ..core.errors import RanpeError
from ..core.files import atomic_path, write_text
from ..core.formatting import angka, persen, poin, rupiah, tanggal
from ..core.paths import DOCX_TEMPLATE as TEMPLATE
from ..core.texts import t
from . import charts
from .report_data import NO_REVIEW
from .reproducible import normalise_zip

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
    env.filters.update(angka=angka, rupiah=rupiah, persen=persen, poin=poin, tanggal=tanggal)
    return env


def render_report(data: dict, out: Path, template: Path = TEMPLATE) -> Path:
    tpl = DocxTemplate(template)
    g = data["grafik"]
    images = {
        "grafik_status": charts.status(g["status"]),
        "grafik_capaian": charts.achievement(g["capaian"], data["tingkat"][0]),
        "grafik_provinsi": charts.provinces(g["provinsi"]),
    }
    context = {**data, **{k: InlineImage(tpl, io.BytesIO(v), width=Mm(150)) for k, v in images.items()}}
    try:
        tpl.render(context, environment(), autoescape=True)
    except (jinja2.TemplateSyntaxError, jinja2.UndefinedError, jinja2.TemplateError) as exc:
        raise RanpeError(_template_error(tpl, template, exc)) from None
    day = dt.datetime.fromisoformat(data["tanggal"])
    props = tpl.docx.core_properties
    props.created = props.modified = day
    props.last_printed = day
    props.revision = 1
    with atomic_path(out) as tmp:
        tpl.save(tmp)
        normalise_zip(tmp)
    return out


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
