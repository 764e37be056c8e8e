"""No English in what a person reads: every workbook the sample period produces (templates,
feedback, validation list, review workbook, summary: cells, comments, input messages,
headers and footers, chart titles), the Word report, the e-mail drafts, what the console
says, and the command line's help and usage errors (click's own words included).

Exempt (issue 25): the keys and states of `validate --json` and of other machine files
(manifest, I-KHub export), problem codes, the *Keterangan teknis* column (what a library
said), and the hidden `_meta` and `_ref` sheets, which hold keys the tool reads back."""

from __future__ import annotations

import ast
import email
import email.policy
import inspect
import re
import zipfile

import click
import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document

from pipeline.cli import main
from pipeline.core.problems import CODES
from pipeline.core.texts import t

# What the outputs used to carry, as whole words; case-sensitive, so no Indonesian is hit.
ENGLISH = re.compile(
    r"\b(?:used|superseded|rejected|accepted|ignored|required|default|Usage|Options|Commands|Arguments|"
    r"Show this message|Error|Missing (?:option|argument|parameter|command)|Invalid value|No such|Aborted|"
    r"Try '|for help|Did you mean|is not|does not|not a valid|TEXT|INTEGER|DIRECTORY|FILE|PATH|OPTIONS|COMMAND|"
    r"ARGS|y/N|Y/n|None|nan|NaN|True|False|Traceback)\b"
)
TECHNICAL = t("validasi.columns")[-1]  # the Keterangan teknis column: a library's words, exempt
KINDS = ("templates", "feedback", "reminders")


def _english(texts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(where, text) of every text holding one of the English words."""
    return [(where, text) for where, text in texts if isinstance(text, str) and ENGLISH.search(text)]


@pytest.fixture(scope="module")
def produced(demo_sample, tmp_path_factory):
    """The sample period consolidated through the command line, every kind of e-mail draft
    made and the status board printed: (outbox, what the console said)."""
    outbox = tmp_path_factory.mktemp("outbox")
    common = ["--period", "2026-S1", "--inbox", str(demo_sample.inbox)]
    runs = [
        ["consolidate", *common, "--outbox", str(outbox)],
        *(["mail", kind, *common, "--outbox", str(outbox), "--today", "2026-07-20"] for kind in KINDS),
        ["status", *common, "--outbox", str(outbox), "--today", "2026-07-20"],
    ]
    said = []
    for args in runs:
        result = CliRunner().invoke(main, args)
        assert result.exit_code in (0, 1), result.output
        said.append((" ".join(args[:2]), result.output))
    return outbox / "2026-S1", said


def _cells(path) -> list[tuple[str, str]]:
    wb = openpyxl.load_workbook(path)
    out = []
    for ws in wb.worksheets:
        if ws.title.startswith("_"):
            continue
        out.append((f"{path.name} sheet name", ws.title))
        technical = {c.column for row in ws.iter_rows() for c in row if c.value == TECHNICAL}
        for row in ws.iter_rows():
            for c in row:
                where = f"{path.name} {ws.title}!{c.coordinate}"
                readable = isinstance(c.value, str) and not c.value.startswith("=")  # not a formula
                exempt = c.value in CODES or (c.column in technical and c.value != TECHNICAL)
                if readable and not exempt:
                    out.append((where, c.value))
                if c.comment:
                    out.append((f"{where} comment", c.comment.text))
        for dv in ws.data_validations.dataValidation:
            out += [(f"{path.name} {ws.title} input message", x) for x in (dv.prompt, dv.promptTitle)]
            out += [(f"{path.name} {ws.title} error message", x) for x in (dv.error, dv.errorTitle)]
        for part in (ws.oddHeader, ws.oddFooter, ws.evenHeader, ws.evenFooter, ws.firstHeader, ws.firstFooter):
            out += [(f"{path.name} {ws.title} header/footer", x.text) for x in (part.left, part.center, part.right)]
    with zipfile.ZipFile(path) as zf:  # chart titles, axis names and series names
        for name in zf.namelist():
            if name.startswith("xl/charts/chart"):
                xml = zf.read(name).decode("utf-8")
                out += [(f"{path.name} {name}", x) for x in re.findall(r"<(?:a:t|c:v)>([^<]*)</", xml)]
    return out


def _report(path) -> list[tuple[str, str]]:
    doc = Document(path)
    out = [(f"{path.name} paragraph", p.text) for p in doc.paragraphs]
    out += [(f"{path.name} table", c.text) for table in doc.tables for row in table.rows for c in row.cells]
    for section in doc.sections:
        for part in (section.header, section.footer, section.first_page_header, section.first_page_footer):
            out += [(f"{path.name} header/footer", p.text) for p in part.paragraphs]
    return out


def _mail(path) -> list[tuple[str, str]]:
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    out = [(f"{path.name} subject", str(msg["Subject"])), (f"{path.name} to", str(msg["To"]))]
    out += [(f"{path.name} body", part.get_content()) for part in msg.walk() if part.get_content_maintype() == "text"]
    return out + [(f"{path.name} attachment", part.get_filename()) for part in msg.iter_attachments()]


def test_no_english_in_the_workbooks(produced):
    folder, _ = produced
    books = sorted(folder.rglob("*.xlsx"))
    names = {p.name for p in books}
    assert {"ringkasan_2026-S1.xlsx", "validasi_2026-S1.xlsx", "tinjauan_2026-S1.xlsx"} <= names
    assert any(p.parent.name == "umpan_balik" for p in books) and any(p.parent.name == "templates" for p in books)
    texts = [x for p in books for x in _cells(p)]
    assert any(text == TECHNICAL for _, text in texts) and len(texts) > 10_000  # the scan reads them
    assert _english(texts) == []


def test_no_english_in_the_report(produced):
    folder, _ = produced
    texts = _report(folder / "laporan_2026-S1.docx")
    assert len(texts) > 100
    assert _english(texts) == []


def test_no_english_in_the_mail_drafts(produced):
    folder, _ = produced
    drafts = sorted((folder / "surat").rglob("*.eml"))
    assert {p.parent.name for p in drafts} == {t(f"mail.kinds.{kind}") for kind in KINDS}
    assert _english([x for p in drafts for x in _mail(p)]) == []


def test_no_english_on_the_console(produced):
    _, said = produced
    assert _english(said) == []


def _commands(group: click.Group, path: list[str]):
    yield path
    for name, command in group.commands.items():
        yield from _commands(command, [*path, name]) if isinstance(command, click.Group) else [[*path, name]]


def test_no_english_in_the_help():
    said = []
    for path in _commands(main, []):
        result = CliRunner().invoke(main, [*path, "--help"])
        assert result.exit_code == 0 and t("click.messages")["Usage:"] in result.output
        said.append((" ".join(path), result.output))
    assert len(said) > 10 and _english(said) == []


def test_no_english_in_usage_errors(tmp_path):
    """click's own errors, in the texts' words; exit code 2 as for any run that cannot proceed."""
    (tmp_path / "berkas.txt").write_text("x")
    usage_errors = [
        ["templates"],  # a required option missing
        ["validasi", "--period", "2026-S1"],  # no such command
        ["validate", "--period", "2026-S1", "--bogus"],  # no such option
        ["year", "--year", "dua ribu"],  # not a number
        ["mail", "surat", "--period", "2026-S1"],  # not a choice
        ["mail", "--period", "2026-S1"],  # a required argument missing
        ["status", "--period", "2026-S1", "--today", "20-07-2026"],  # not the date format
        ["catalogue", "import", str(tmp_path / "tidak_ada.xlsx")],  # no such file
        ["--workspace", str(tmp_path / "berkas.txt"), "status", "--period", "2026-S1"],  # a file, not a folder
        ["catalogue"],  # no subcommand: its help
    ]
    said = []
    for args in usage_errors:
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        said.append((" ".join(args), result.output))
    assert sum(t("click.messages")["Error: {message}"].split("{")[0] in out for _, out in said) == len(said) - 1
    assert _english(said) == []


def test_the_question_before_sending_is_indonesian(produced, demo_sample, rules_copy, tmp_path):
    """click.confirm asks "[y/N]" and takes only y/yes/n/no: the question is the texts' (only
    their yes, ya or y, sends), and an empty answer cancels."""
    import shutil

    outbox = shutil.copytree(produced[0].parent, tmp_path / "outbox")  # the drafts of the other tests stay
    for name in ("catalogue.yaml", "agencies.yaml", "regions.yaml", "settings.yaml"):  # the rules made real
        path = rules_copy / name
        text = path.read_text(encoding="utf-8").replace("sample: true", "sample: false")
        path.write_text(text.replace(".example.go.id", ".go.id").replace("0000-0000", "7000-1234"), encoding="utf-8")
    args = ["--rules", str(rules_copy), "mail", "reminders", "--period", "2026-S1", "--outbox", str(outbox),
            "--inbox", str(demo_sample.inbox), "--today", "2026-07-20", "--send", "--smtp-host", "smtp"]  # fmt: skip
    result = CliRunner().invoke(main, args, input="\n")
    assert result.exit_code == 0 and t("mail.cancelled") in result.output
    assert re.search(r"surat sekarang\? \(ya/tidak\) \[tidak\]: ", result.output)
    assert _english([("mail --send", result.output)]) == []


# Texts of click that only a programmer meets (a wrong declaration of an option), or that
# belong to features the command line does not use (colours, pause, repr of a type).
PROGRAMMERS_ONLY = {
    "Name '{name}' defined twice",
    "Could not determine name for option with declarations {decls!r}",
    "No options defined but a name was passed ({name}). Did you mean to declare an argument instead? Did you mean "
    "to pass '--{name}'?",
    "Arguments take exactly one parameter declaration, got {length}: {decls}.",
    "Boolean option {decl!r} cannot use the same flag for true/false.",
    "DeprecationWarning: The command {name!r} is deprecated.{extra_message}",
    "DeprecationWarning: The {param_type} {name!r} is deprecated.{extra_message}",
    "Invalid start character for option ({option})",
    "Unknown color {colour!r}",
    "Choice({choices})",
}


def test_every_text_of_click_is_in_the_texts_file():
    """Every text click looks up in the modules ranpe speaks through is translated, so an
    upgrade of click that adds or rewords one fails here until the texts file has it."""
    modules = (
        click.core,
        click.decorators,
        click.exceptions,
        click.formatting,
        click.parser,
        click.termui,
        click.types,
    )
    found = set()
    for module in modules:
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("_", "ngettext"):
                found |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    table = t("click.messages")
    assert found - set(table) == PROGRAMMERS_ONLY
    assert set(table) - found == {"required"}  # looked up as _(extra["required"])
    for english, indonesian in table.items():  # the same placeholders, or click's format() fails
        assert sorted(re.findall(r"\{[^}]*\}|%\(\w+\)s", english)) == sorted(
            re.findall(r"\{[^}]*\}|%\(\w+\)s", indonesian)
        ), english
