"""E-mail drafts parse as standard messages with the right attachment and address; sending
goes through a real SMTP server on loopback (aiosmtpd), retries once, and logs only what
was delivered."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import socket

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from click.testing import CliRunner

from pipeline.analysis.board import status_board
from pipeline.cli import main
from pipeline.cycle.mail import SENT_LOG, Smtp, mail_folder, make_drafts, send
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
        assert att.get_filename() == workbook.name and att.get_content() == workbook.read_bytes()
        body = msg.get_body(("plain",)).get_content()
        assert "Yang perlu diperbaiki" in body and "Daftar Perbaikan" in body
    # the summary lists the cells of the workbook: KEMENAG's planted mistakes are named by cell
    status = result.validation.agencies
    errors = [c for c, s in status.items() if s.errors]
    body = _parse(by_agency[errors[0]]).get_body(("plain",)).get_content()
    assert f"{status[errors[0]].errors} galat" in body
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
    assert "telah lewat 3 hari" in text and "terlambat 3 hari" in _parse(after[0])["Subject"]


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
    assert send(paths[:2], server, folder, echo=lambda _: None) == (2, 0)
    assert len(handler.messages) == 2 and handler.messages[0]["X-Unsent"] is None
    draft = _parse(paths[0])
    got = handler.messages[0]
    assert got["Subject"] == draft["Subject"] and got["To"] == draft["To"]
    att = next(got.iter_attachments())
    assert att.get_content() == next(draft.iter_attachments()).get_content()
    log = [json.loads(line) for line in (folder / SENT_LOG).read_text().splitlines()]
    assert [e["file"] for e in log] == [p.name for p in paths[:2]]
    assert send(paths[:2], server, folder, echo=lambda _: None) == (0, 0)  # already sent: skipped
    assert len(handler.messages) == 2


def test_failing_server_records_nothing(rules, period, consolidated, tmp_path):
    inbox, outbox, _ = consolidated
    paths, _ = make_drafts("feedback", rules, period, inbox, outbox, dt.date(2026, 7, 20))
    said = []
    dead = Smtp("127.0.0.1", _free_port(), starttls=False, timeout=5)
    assert send(paths[:2], dead, tmp_path, echo=said.append) == (0, 2)
    assert not (tmp_path / SENT_LOG).exists()
    assert "server menolak sambungan" in said[0] and "TIDAK tercatat terkirim" in said[0]


def test_cli_mail_send_lists_first(rules, period, consolidated, smtp_server, rules_copy):
    inbox, outbox, _ = consolidated
    handler = _Inbox()
    server = smtp_server(handler)
    args = ["mail", "reminders", "--period", "2026-S1", "--inbox", str(inbox), "--outbox", str(outbox),
            "--today", "2026-07-10", "--send", "--smtp-host", server.host, "--smtp-port", str(server.port),
            "--smtp-user", "sekber", "--no-starttls"]  # fmt: skip
    sample = CliRunner().invoke(main, [*args, "--yes"], env={"RANPE_SMTP_PASSWORD": "rahasia"})
    assert sample.exit_code == 2 and "Surat tidak dikirim" in sample.output and handler.messages == []
    for name in ("catalogue.yaml", "agencies.yaml", "settings.yaml"):  # the rules made real
        path = rules_copy / name
        text = path.read_text(encoding="utf-8").replace("sample: true", "sample: false")
        path.write_text(text.replace(".example.go.id", ".go.id"), encoding="utf-8")
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
