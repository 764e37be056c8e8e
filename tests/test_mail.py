"""E-mail drafts parse as standard messages with the right attachment and address; sending
goes through a real SMTP server on loopback (aiosmtpd), retries once, and logs only what
was delivered."""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import email.policy
import json
import re
import socket
from pathlib import Path

import jinja2.meta
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner

from pipeline.analysis.board import status_board
from pipeline.cli import main
from pipeline.core.paths import text_templates
from pipeline.core.periods import parse_period
from pipeline.core.schema import Agency, Settings
from pipeline.core.texts import t
from pipeline.cycle.mail import (
    SENT_LOG,
    Letter,
    Smtp,
    _context,
    eml_bytes,
    mail_folder,
    make_drafts,
    outgoing,
    render_body,
    send,
)
from pipeline.intake.validate import validate_period
from pipeline.run import run


@pytest.fixture(scope="module")
def consolidated(rules, period, demo_sample, tmp_path_factory):
    outbox = tmp_path_factory.mktemp("outbox")
    result = run(demo_sample.inbox, outbox, rules, period, consolidation=True)
    return demo_sample.inbox, outbox, result


def _parse(path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def test_feedback_drafts(rules, period, consolidated):
    inbox, outbox, result = consolidated
    paths, skipped = make_drafts("feedback", rules, period, inbox, outbox, dt.date(2026, 7, 20))
    assert skipped == [] and len(paths) == len(result.feedback) > 0
    by_agency = {p.stem: p for p in paths}
    for workbook in result.feedback:
        code = workbook.name.split("_")[0]
        msg = _parse(by_agency[code])
        assert msg["To"].addresses[0].addr_spec == rules.get_agency(code).email
        assert msg["Subject"].startswith("[CONTOH] Umpan Balik Laporan RAN PE Semester I Tahun 2026")  # sample rules
        (att,) = list(msg.iter_attachments())
        body = msg.get_body(("plain",)).get_content()
        if workbook.name.endswith(f"_{period.id}.xlsx"):
            assert att.get_filename() == workbook.name and att.get_content() == workbook.read_bytes()
            assert "Yang perlu diperbaiki" in body and "Daftar Perbaikan" in body
        else:  # the demo's return made on the previous period's template: this period's template instead
            template = outbox / period.id / "templates" / f"{code}_{period.id}.xlsx"
            assert att.get_filename() == template.name and att.get_content() == template.read_bytes()
            assert "dibuat dengan templat periode Semester II Tahun 2025" in body
    # the summary lists the cells of the workbook: KEMENAG's planted mistakes are named by cell
    status = result.validation.agencies
    errors = [c for c, s in status.items() if s.errors]
    body = _parse(by_agency[errors[0]]).get_body(("plain",)).get_content()
    assert f"{status[errors[0]].errors} kesalahan isian" in body
    again, _ = make_drafts("feedback", rules, period, inbox, outbox, dt.date(2026, 7, 20))
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in paths]  # reproducible


def test_template_and_reminder_drafts(rules, period, consolidated):
    inbox, outbox, result = consolidated
    (path,), _ = make_drafts("templates", rules, period, inbox, outbox, dt.date(2026, 1, 5), ["BNPT"])
    msg = _parse(path)
    assert msg["Subject"] == "[CONTOH] Templat Laporan RAN PE Semester I Tahun 2026 — BNPT"  # sample rules
    assert [a.get_filename() for a in msg.iter_attachments()] == ["BNPT_2026-S1.xlsx"]
    assert msg["X-Unsent"] == "1"
    board = status_board(result.validation, rules, dt.date(2026, 7, 10))
    missing = set(board.loc[board["belum_masuk"], "kode"])
    assert missing
    before, _ = make_drafts("reminders", rules, period, inbox, outbox, dt.date(2026, 7, 10))
    assert {p.stem for p in before} == missing
    assert "batas waktu 5 hari lagi" in _parse(before[0])["Subject"]
    after, _ = make_drafts("reminders", rules, period, inbox, outbox, dt.date(2026, 7, 18))
    text = _parse(after[0]).get_body(("plain",)).get_content()
    assert "telah lewat 3 hari" in text and "batas waktu telah lewat 3 hari" in _parse(after[0])["Subject"]


class _Inbox:
    """aiosmtpd handler keeping what it received; can answer 451 to the first n messages."""

    def __init__(self, refuse_first: int = 0) -> None:
        self.messages, self.refuse = [], refuse_first

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            self.refuse -= 1
            return "451 4.3.0 coba lagi nanti"
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    servers = []

    def start(handler):
        def auth(server, session, envelope, mechanism, data):
            return AuthResult(success=data.login == b"sekber" and data.password == b"rahasia")

        port = _free_port()
        ctl = Controller(handler, hostname="127.0.0.1", port=port, authenticator=auth, auth_require_tls=False)
        ctl.start()
        servers.append(ctl)
        return Smtp("127.0.0.1", port, "sekber", "rahasia", starttls=False, timeout=10)

    yield start
    for ctl in servers:
        ctl.stop()


def test_send_delivers_logs_and_never_sends_twice(rules, period, consolidated, smtp_server, tmp_path):
    inbox, outbox, _ = consolidated
    paths, _ = make_drafts("feedback", rules, period, inbox, outbox, dt.date(2026, 7, 20))
    handler = _Inbox(refuse_first=1)  # a transient refusal: retried once
    server = smtp_server(handler)
    folder = tmp_path / "surat"
    assert send(paths[:2], server, folder, "Asia/Jakarta", echo=lambda _: None) == (2, 0)
    assert len(handler.messages) == 2 and handler.messages[0]["X-Unsent"] is None
    draft = _parse(paths[0])
    got = handler.messages[0]
    assert got["Subject"] == draft["Subject"] and got["To"] == draft["To"]
    att = next(got.iter_attachments())
    assert att.get_content() == next(draft.iter_attachments()).get_content()
    log = [json.loads(line) for line in (folder / SENT_LOG).read_text().splitlines()]
    assert [e["file"] for e in log] == [p.name for p in paths[:2]]
    said = []
    assert send(paths[:2], server, folder, "Asia/Jakarta", echo=said.append) == (0, 0)  # already sent: skipped
    assert len(handler.messages) == 2
    assert all(re.search(r"pada \d{2}/\d{2}/\d{4} \d{2}\.\d{2}; dilewati", x) for x in said), said  # not ISO


def test_failing_server_records_nothing(rules, period, consolidated, tmp_path):
    inbox, outbox, _ = consolidated
    paths, _ = make_drafts("feedback", rules, period, inbox, outbox, dt.date(2026, 7, 20))
    said = []
    dead = Smtp("127.0.0.1", _free_port(), starttls=False, timeout=5)
    assert send(paths[:2], dead, tmp_path, "Asia/Jakarta", echo=said.append) == (0, 2)
    assert not (tmp_path / SENT_LOG).exists()
    assert "server menolak sambungan" in said[0] and "TIDAK tercatat terkirim" in said[0]


def test_a_server_that_cannot_be_found_is_told_in_indonesian(rules, period, consolidated, tmp_path):
    """What the network library says (in English) is only the technical part of a message."""
    inbox, outbox, _ = consolidated
    paths, _ = make_drafts("feedback", rules, period, inbox, outbox, dt.date(2026, 7, 20))
    said = []
    nowhere = Smtp("server-surat.tidak-ada.invalid", 587, starttls=False, timeout=5)  # RFC 2606: never resolves
    assert send(paths[:1], nowhere, tmp_path, "Asia/Jakarta", echo=said.append) == (0, 1)
    assert "nama server tidak ditemukan" in said[0] and "Errno" not in said[0], said


def test_cli_mail_send_lists_first(rules, period, consolidated, smtp_server, rules_copy):
    inbox, outbox, _ = consolidated
    handler = _Inbox()
    server = smtp_server(handler)
    args = ["mail", "reminders", "--period", "2026-S1", "--inbox", str(inbox), "--outbox", str(outbox),
            "--today", "2026-07-10", "--send", "--smtp-host", server.host, "--smtp-port", str(server.port),
            "--smtp-user", "sekber", "--no-starttls"]  # fmt: skip
    sample = CliRunner().invoke(main, [*args, "--yes"], env={"RANPE_SMTP_PASSWORD": "rahasia"})
    assert sample.exit_code == 2 and "Surat tidak dikirim" in sample.output and handler.messages == []
    for name in ("catalogue.yaml", "agencies.yaml", "regions.yaml", "settings.yaml"):  # the rules made real
        path = rules_copy / name
        text = path.read_text(encoding="utf-8").replace("sample: true", "sample: false")
        path.write_text(text.replace(".example.go.id", ".go.id").replace("0000-0000", "7000-1234"), encoding="utf-8")
    args = ["--rules", str(rules_copy), *args]
    refused = CliRunner().invoke(main, args, input="n\n", env={"RANPE_SMTP_PASSWORD": "rahasia"})
    assert refused.exit_code == 0 and "Akan dikirim melalui" in refused.output and "Dibatalkan" in refused.output
    assert handler.messages == []
    done = CliRunner().invoke(main, [*args, "--yes"], env={"RANPE_SMTP_PASSWORD": "rahasia"})
    assert done.exit_code == 0, done.output
    board = status_board(validate_period(inbox, rules, period), rules, dt.date(2026, 7, 10))
    assert len(handler.messages) == int(board["belum_masuk"].sum())
    folder = mail_folder(outbox, period, "reminders")
    assert len((folder.parent / SENT_LOG).read_text().splitlines()) == len(handler.messages)


def test_feedback_list_is_read_back_by_its_header_labels(tmp_path):
    """The mail reads a feedback workbook's problem list by the column labels, so moving a
    column (or the header row) there cannot silently mix up what the mail says."""
    import xlsxwriter

    from pipeline.core.texts import t
    from pipeline.outputs.feedback import read_problem_list

    labels = t("feedback.columns")
    order = ["message", "cell", "no", "value", "severity", "column", "sheet"]  # not the writer's order
    path = tmp_path / "umpan_balik.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet(t("feedback.sheet"))
    ws.write_row(0, 0, ["Judul"])
    ws.write_row(5, 0, [*(labels[k] for k in order), "Catatan Sekretariat"])
    ws.write_row(6, 0, ["Kolom Status wajib diisi.", "F7", 1, "", t("severity.error"), "Status", "Laporan", "x"])
    wb.close()
    (problem,) = read_problem_list(path)
    assert problem["cell"] == "F7" and problem["severity"] == t("severity.error") and problem["column"] == "Status"
    assert problem["message"] == "Kolom Status wajib diisi." and "Catatan Sekretariat" not in problem


# ---- no missing value shows ----------------------------------------------------------------
# The values each mail template uses: those every letter has, and those a letter may lack. A
# template that starts using a new value fails the first test until it is listed here, so that
# its absence is tested too. Optional settings and agency fields are found in their schema.
ALWAYS = {"agency", "period", "settings", "deadline"}
FEEDBACK = {"attachment", "source", "made_for", "counts", "n_errors", "problems", "more"}
MAIL_VALUES = {  # kind: (values a letter may lack, values it always has besides ALWAYS)
    "templates": ({"n_assigned", "attachment"}, set()),
    "feedback": (FEEDBACK, set()),
    "reminders": ({"attachment", "feedback", "made_for", "due"}, {"status", "days_left"}),
}
EMPTY = {"source": "", "made_for": None, "problems": [], "more": 0, "n_assigned": 0, "n_errors": 0, "counts": "",
         "feedback": False, "due": ""}  # fmt: skip
SHOWS_A_GAP = re.compile(
    r"\(\s*\)|\(\s*,|,\s*\)|\bNone\b| {2}| [.,;](?=\s|$)|:\s*\.|[ \t|]$|:[ \t]*\n(?!- )|:\s*\Z|^- *$|\n{3}", re.M
)


def _letters(rules, period):
    """Each kind of letter with every value it can have (kind, values), as the letter
    functions of pipeline/cycle/mail.py give them to the context builder."""
    problems = [
        {"severity": "kesalahan isian", "cell": "E7", "column": "Nama", "message": "Kolom Nama wajib diisi."},
        {"severity": "peringatan", "cell": "Identitas!B9", "column": "Email", "message": "Identitas belum lengkap."},
    ]
    feedback = {"source": "Laporan Kemenag.xlsx", "made_for": None, "n_errors": 1, "problems": problems, "more": 3,
                "counts": "1 kesalahan isian, 1 peringatan"}  # fmt: skip
    earlier = parse_period("2025-S2", rules)
    nothing = {"feedback": False, "made_for": None, "due": ""}  # a reminder with no feedback to recall
    recalled = {"due": "14/12/2026", "feedback": True}  # a rejected file's feedback workbook, attached again
    return [
        ("templates", {"n_assigned": 4}),
        ("feedback", feedback),
        ("feedback", {**feedback, "made_for": earlier}),
        ("reminders", {"status": "rejected", "days_left": 5, **nothing}),
        ("reminders", {"status": "rejected", "days_left": -145, **recalled, "made_for": None}),
        ("reminders", {"status": "rejected", "days_left": -145, **recalled, "feedback": False, "made_for": earlier}),
        ("reminders", {"status": "not_received", "days_left": 0, **nothing}),
        ("reminders", {"status": "not_received", "days_left": -3, **nothing}),
    ]


def _render(rules, period, kind: str, values: dict, missing: set[str]) -> str:
    """The body of a letter of `kind` with the `missing` values empty (the attachment, a
    context value, `problem.column`, or a field `settings.x` / `agency.x`)."""
    blank = {m.split(".")[1]: "" for m in missing if m.startswith("settings.")}
    rules = dataclasses.replace(rules, settings=rules.settings.model_copy(update=blank))
    agency = rules.get_agency("KEMENAG").model_copy(
        update={m.split(".")[1]: "" for m in missing if m.startswith("agency.")}
    )
    values = {k: EMPTY[k] if k in missing else v for k, v in values.items()}
    if "problem.column" in missing:
        values["problems"] = [{**p, "column": ""} for p in values["problems"]]
    attachment = None if "attachment" in missing else Path(f"KEMENAG_{period.id}.xlsx")
    return render_body(kind, **_context(rules, period, agency, attachment, **values))


def _optional_fields(model) -> set[str]:
    return {name for name, f in model.model_fields.items() if f.default in ("", None)}


def test_every_value_a_mail_template_uses_is_listed():
    env = text_templates("mail")
    for kind, (optional, required) in MAIL_VALUES.items():
        source = env.loader.get_source(env, f"{kind}.txt.j2")[0]
        assert jinja2.meta.find_undeclared_variables(env.parse(source)) == ALWAYS | optional | required, kind


def test_no_mail_shows_a_missing_value(rules, period):
    """Every letter rendered with each optional value missing, then with all of them missing:
    no empty brackets, 'None', double spaces, dangling colons or empty paragraphs."""
    optional_fields = {f"settings.{f}" for f in _optional_fields(Settings)}
    optional_fields |= {f"agency.{f}" for f in _optional_fields(Agency)}
    assert "settings.contact_phone" in optional_fields
    for kind, values in _letters(rules, period):
        optional = (MAIL_VALUES[kind][0] & set(values)) | {"attachment"} | optional_fields
        optional |= {"problem.column"} if values.get("problems") else set()
        for missing in [set(), *({m} for m in sorted(optional)), optional, optional - {"made_for"}]:
            body = _render(rules, period, kind, values, missing)
            gaps = [m.group(0) for m in SHOWS_A_GAP.finditer(body)]
            assert not gaps, f"{kind} without {sorted(missing)}: {gaps}\n{body}"


def test_a_long_subject_reads_back_as_written(rules, period, tmp_path):
    """Python folds a long subject before the dash (an encoded word) with a space on both sides
    of the fold, which a mail program shows as two: the draft and the message sent keep one."""
    for agency in rules.agencies:
        subject = t("mail.subject.feedback", period_title=period.title, agency=agency.short, counts="1 kesalahan isian")
        path = tmp_path / f"{agency.code}.eml"
        path.write_bytes(eml_bytes(Letter(agency, subject, "Isi surat.", None), rules, dt.date(2026, 7, 10)))
        sent = email.message_from_bytes(outgoing(path).as_bytes(), policy=email.policy.default)
        assert _parse(path)["Subject"] == sent["Subject"] == f"[CONTOH] {subject}"
