"""E-mail to the agencies' focal points: one standard .eml draft per agency (templates,
feedback, reminders), opened and sent from Outlook or Thunderbird; or sent through an SMTP
server by `send`, after a listing, with one retry on a transient failure and a log of what
was sent. Drafts are reproducible: the same inputs give the same bytes."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import hashlib
import json
import mimetypes
import smtplib
import socket
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from zoneinfo import ZoneInfo

from ..analysis.board import status_board
from ..core.errors import RanpeError
from ..core.files import write_bytes
from ..core.formatting import dmy, waktu
from ..core.model import Period
from ..core.paths import text_templates
from ..core.periods import parse_period
from ..core.problems import ERROR, WARNING
from ..core.rules import Rules
from ..core.schema import Agency
from ..core.texts import t
from ..intake.validate import validate_period
from ..outputs.feedback import feedback_path, read_problem_list
from ..outputs.manifest import load_manifest
from ..outputs.template import read_due, read_meta, template_path, write_templates
from . import history

KINDS = ("templates", "feedback", "reminders")
SHOWN_PROBLEMS = 15  # lines of "what to fix" in a feedback mail; the rest are in the workbook
SENT_LOG = "terkirim.jsonl"
# Header lines are not folded (they stay far below the limit of 998): Python 3.11 folds a long
# subject before an encoded word (the dash) with a space on both sides of the fold, which a
# mail program then shows as two. The body is encoded as before, in lines of at most 78.
UNFOLDED = email.policy.SMTP.clone(max_line_length=998)


def mail_folder(outbox: Path, period: Period, kind: str) -> Path:
    return outbox / period.id / t("mail.folder") / t(f"mail.kinds.{kind}")


@dataclass
class Letter:
    """What one e-mail says, before it becomes an .eml file."""

    agency: Agency
    subject: str
    body: str
    attachment: Path | None


def write_drafts(letters: list[Letter], rules: Rules, folder: Path, day: dt.date) -> list[Path]:
    """One .eml per letter, named after the agency; drafts of agencies no longer concerned
    are removed, so the folder is exactly what is to be sent."""
    paths = [write_bytes(folder / f"{x.agency.code}.eml", eml_bytes(x, rules, day)) for x in letters]
    for old in folder.glob("*.eml") if folder.is_dir() else []:
        if old not in paths:
            old.unlink()
    return paths


def eml_bytes(letter: Letter, rules: Rules, day: dt.date) -> bytes:
    """The draft as an .eml file; marked CONTOH (subject and first line) while the rules hold
    sample data, so that it is not sent as if real."""
    s = rules.settings
    if rules.sample_data:
        mark = t("sample.mark")
        letter = Letter(letter.agency, f"[{mark}] {letter.subject}", t("sample.mark_line") + "\n\n" + letter.body,
                        letter.attachment)  # fmt: skip
    msg = EmailMessage(policy=email.policy.SMTP)
    msg["From"] = formataddr((s.secretariat, s.contact_email))
    msg["To"] = formataddr((t("mail.focal_point", agency=letter.agency.short), letter.agency.email))
    msg["Subject"] = letter.subject
    msg["Date"] = format_datetime(dt.datetime(day.year, day.month, day.day, 8, 0, tzinfo=ZoneInfo(s.timezone)))
    msg["X-Unsent"] = "1"  # Outlook opens the file as a draft ready to send
    digest = hashlib.sha256(f"{letter.subject}\n{letter.body}".encode())
    msg.set_content(letter.body)
    if letter.attachment:
        data = letter.attachment.read_bytes()
        digest.update(data)
        kind = mimetypes.guess_type(letter.attachment.name)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=letter.attachment.name)
        msg.set_boundary(f"ranpe-{digest.hexdigest()[:24]}")
    domain = s.contact_email.rpartition("@")[2] or "ranpe.invalid"
    msg["Message-ID"] = f"<ranpe-{digest.hexdigest()[:32]}@{domain}>"
    return msg.as_bytes(policy=UNFOLDED)


def render_body(kind: str, **context) -> str:
    return text_templates("mail").get_template(f"{kind}.txt.j2").render(**context)


def _context(rules: Rules, period: Period, agency: Agency, attachment: Path | None, **more) -> dict:
    return {
        "agency": agency,
        "period": period,
        "settings": rules.settings,
        "deadline": dmy(period.deadline),
        "attachment": attachment.name if attachment else "",
        **more,
    }


# ---- the three kinds of letter --------------------------------------------------------
def template_letters(rules: Rules, period: Period, outbox: Path, codes: list[str]) -> list[Letter]:
    """Each agency its own template (written first when it is not there yet)."""
    missing = [c for c in codes if not template_path(outbox, period, c).exists()]
    if missing:
        write_templates(rules, period, outbox, missing)
    out = []
    for code in codes:
        agency = rules.get_agency(code)
        path = template_path(outbox, period, code)
        body = render_body(
            "templates",
            **_context(rules, period, agency, path, n_assigned=len(rules.assigned_actions(code))),
        )
        subject = t("mail.subject.templates", period_title=period.title, agency=agency.short)
        out.append(Letter(agency, subject, body, path))
    return out


def feedback_workbooks(outbox: Path, period: Period) -> dict[str, tuple[Path, dict]]:
    """The feedback workbooks the last run of `period` wrote, by agency, each with the items of
    its _meta sheet (a clear error when the period was never run)."""
    folder = feedback_path(outbox, period, "_").parent
    written = [outbox / period.id / o["file"] for o in load_manifest(outbox, period.id)["outputs"]]
    metas = [(p, read_meta(p)) for p in written if p.parent == folder]
    return {meta["agency_code"]: (p, meta) for p, meta in metas}


def feedback_letters(rules: Rules, period: Period, outbox: Path) -> list[Letter]:
    """Each agency whose last run produced a feedback workbook: that workbook, and a summary
    of what to fix read back from its 'Daftar Perbaikan' sheet (so the mail matches the file),
    with the date its Identitas sheet says it is due (before the period's deadline or after).
    When its rows were made for another period (its _meta says which), the template of the
    period reported instead, and what to do with it in plain words."""
    workbooks = feedback_workbooks(outbox, period)
    out = []
    for agency in [a for a in rules.agencies if a.code in workbooks]:
        path, meta = workbooks[agency.code]
        due = dmy(read_due(path, rules))
        if meta.get("period", period.id) != period.id:
            out.append(_other_period_letter(rules, period, outbox, agency, meta, due))
        else:
            out.append(_feedback_letter(rules, period, agency, path, meta, due))
    return out


def _feedback_letter(rules: Rules, period: Period, agency: Agency, path: Path, meta: dict, due: str) -> Letter:
    """What to fix: the errors and warnings of the workbook's list (what the agency cannot fix
    in its file is listed there as information only, and is not asked for here)."""
    severities = {t(f"feedback.severity.{k}"): k for k in (ERROR, WARNING)}
    problems = [
        {"severity": r["severity"], "cell": _where(r), "column": r["column"], "message": r["message"]}
        for r in read_problem_list(path)
        if r["severity"] in severities
    ]
    n_errors = sum(severities[p["severity"]] == ERROR for p in problems)
    counts = found(n_errors, len(problems) - n_errors)
    context = _context(
        rules,
        period,
        agency,
        path,
        deadline=due,
        source=meta.get("source", ""),
        made_for=None,
        problems=problems[:SHOWN_PROBLEMS],
        more=max(0, len(problems) - SHOWN_PROBLEMS),
        n_errors=n_errors,
        counts=counts,
    )
    kind = "feedback" if counts else "feedback_plain"  # nothing counted: no count in the subject
    subject = t(f"mail.subject.{kind}", period_title=period.title, agency=agency.short, counts=counts)
    return Letter(agency, subject, render_body("feedback", **context), path)


def found(n_errors: int, n_warnings: int) -> str:
    """What a check found, as a feedback letter says it, leaving out a count of 0 ('' when
    both are)."""
    return ", ".join(t(f"mail.found.{k}", n=n) for k, n in (("errors", n_errors), ("warnings", n_warnings)) if n)


def _where(problem: dict) -> str:
    """A listed problem's cell as the mail names it: with its sheet when not on Laporan."""
    if not problem["cell"]:
        return t("feedback.whole_file")
    on_laporan = problem["sheet"] in ("", t("sheets.laporan"))
    return problem["cell"] if on_laporan else f"{problem['sheet']}!{problem['cell']}"


def _other_period_letter(rules: Rules, period: Period, outbox: Path, agency: Agency, meta: dict, due: str) -> Letter:
    """A return made on another period's template: nothing in it to fix, the template of the
    period reported to use instead (attached in place of the feedback workbook, which is not
    to be sent back), by the date the feedback workbook gives."""
    path = template_path(outbox, period, agency.code)
    if not path.exists():
        write_templates(rules, period, outbox, [agency.code])
    made_for = parse_period(meta["period"], rules)
    context = _context(rules, period, agency, path, deadline=due, source=meta.get("source", ""), made_for=made_for)
    subject = t("other_period.subject", period_title=period.title, agency=agency.short)
    return Letter(agency, subject, render_body("feedback", **context), path)


def reminder_letters(rules: Rules, period: Period, outbox: Path, board, today: dt.date) -> list[Letter]:
    """Agencies with nothing usable yet (not received, or every file rejected), with the days
    to or past the deadline and their template attached again; for a rejected file, where the
    feedback of the last run says why (its feedback workbook attached again in place of the
    template, when that is the file to fix and send back)."""
    out = []
    days = (period.deadline - today).days
    when = t("mail.when_left", n=days) if days > 0 else t("mail.when_past", n=-days) if days else t("mail.when_today")
    try:
        workbooks = feedback_workbooks(outbox, period)
    except RanpeError:  # the period was never validated: no feedback to point to
        workbooks = {}
    for r in board[board["belum_masuk"]].itertuples():
        agency = rules.get_agency(r.kode)
        workbook = workbooks.get(r.kode) if r.status_kode == "rejected" else None
        said = _feedback_said(rules, period, workbook, today)
        path = workbook[0] if said["feedback"] else template_path(outbox, period, r.kode)
        if not path.exists():
            write_templates(rules, period, outbox, [r.kode])
        context = _context(rules, period, agency, path, status=r.status_kode, days_left=days, **said)
        subject = t("mail.subject.reminders", period_title=period.title, agency=agency.short, when=when)
        out.append(Letter(agency, subject, render_body("reminders", **context), path))
    return out


def _feedback_said(rules: Rules, period: Period, workbook: tuple[Path, dict] | None, today: dt.date) -> dict:
    """What a reminder recalls of a rejected file's feedback workbook: that it is the file to
    fix, or the period the file was made for (the template to use is attached), and its due
    date while that is still ahead and not the period's deadline."""
    if workbook is None:
        return {"feedback": False, "made_for": None, "due": ""}
    path, meta = workbook
    due = read_due(path, rules)
    shown = dmy(due) if due >= today and due != period.deadline else ""
    other = meta.get("period", period.id) != period.id
    return {"feedback": not other, "made_for": parse_period(meta["period"], rules) if other else None, "due": shown}


# ---- sending ------------------------------------------------------------------------------
@dataclass
class Smtp:
    host: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    timeout: float = 30.0


TRANSIENT = (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError)


def outgoing(path: Path) -> EmailMessage:
    """A draft as it goes on the wire (the draft marker removed)."""
    msg = email.message_from_bytes(path.read_bytes(), policy=UNFOLDED)
    del msg["X-Unsent"]
    return msg


def sent_log(folder: Path) -> dict[str, dict]:
    """What was sent before, by Message-ID (a draft sent once is not sent again)."""
    log = folder / SENT_LOG
    if not log.exists():
        return {}
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {e["message_id"]: e for e in entries}


def send(paths: list[Path], smtp: Smtp, folder: Path, tz: str, echo=print) -> tuple[int, int]:
    """Send drafts one by one; each success is appended to the log at once, a failure (after
    one retry when transient) is reported and not logged; times in the secretariat's zone
    `tz`. Returns (sent, failed)."""
    before = sent_log(folder)
    sent = failed = 0
    for path in paths:
        msg = outgoing(path)
        if msg["Message-ID"] in before:
            echo(
                t("mail.already_sent", file=path.name, to=msg["To"], at=waktu(before[msg["Message-ID"]]["sent_at"], tz))
            )
            continue
        try:
            _deliver(msg, smtp)
        except (smtplib.SMTPException, OSError) as exc:
            failed += 1
            echo(t("mail.failed", file=path.name, to=msg["To"], problem=_describe(exc)))
            continue
        entry = {
            "file": str(path.name),
            "kind": path.parent.name,
            "to": msg["To"],
            "subject": msg["Subject"],
            "message_id": msg["Message-ID"],
            "sent_at": dt.datetime.now(ZoneInfo(tz)).isoformat(timespec="seconds"),
            "server": f"{smtp.host}:{smtp.port}",
        }
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / SENT_LOG, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
        sent += 1
        echo(t("mail.sent", to=msg["To"], file=path.name))
    return sent, failed


def _deliver(msg: EmailMessage, smtp: Smtp) -> None:
    try:
        _once(msg, smtp)
    except Exception as exc:
        if not _transient(exc):
            raise
        _once(msg, smtp)  # one retry


def _once(msg: EmailMessage, smtp: Smtp) -> None:
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as server:
        server.ehlo()
        if smtp.starttls:
            server.starttls(context=ssl.create_default_context())
            server.ehlo()
        if smtp.user:
            server.login(smtp.user, smtp.password or "")
        server.send_message(msg)


def _transient(exc: Exception) -> bool:
    if isinstance(exc, TRANSIENT):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPResponseException) and 400 <= exc.smtp_code < 500


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return t("mail.problem.authentication")
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return t("mail.problem.response", code=exc.smtp_code, text=text)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return t("mail.problem.recipients")
    kinds = [(ConnectionRefusedError, "refused"), (socket.gaierror, "unknown_host"), (TimeoutError, "timeout"),
             (ssl.SSLError, "tls")]  # fmt: skip
    kind = next((k for cls, k in kinds if isinstance(exc, cls)), None)
    return t(f"mail.problem.{kind}") if kind else t("mail.problem.other", detail=str(exc) or type(exc).__name__)


def make_drafts(
    kind: str, rules: Rules, period: Period, inbox: Path, outbox: Path, today: dt.date, agencies=()
) -> tuple[list[Path], list[str]]:
    """Write the drafts of one kind; returns their paths and the agencies skipped (with why)."""
    codes = [c.upper() for c in agencies] or [a.code for a in rules.expected(period.id)]
    if kind == "templates":
        letters = template_letters(rules, period, outbox, codes)
    elif kind == "feedback":
        letters = feedback_letters(rules, period, outbox)
    else:
        seen, earlier = history.seen(outbox), history.largest(outbox, period.id, rules)
        board = status_board(validate_period(inbox, rules, period, seen=seen, earlier=earlier), rules, today)
        letters = reminder_letters(rules, period, outbox, board, today)
    if agencies:  # else every letter: a region not called in that sent a file all the same gets its feedback
        letters = [x for x in letters if x.agency.code in codes]
    skipped = [t("mail.no_email", agency=x.agency.short) for x in letters if not x.agency.email]
    letters = [x for x in letters if x.agency.email]
    return write_drafts(letters, rules, mail_folder(outbox, period, kind), today), skipped
