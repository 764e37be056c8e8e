"""The `ranpe` command: thin click wrappers over the library functions."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import click

from .errors import RanpeError
from .periods import parse_period
from .rules import load_rules
from .texts import t

ROOT = Path(__file__).resolve().parent.parent


class _Group(click.Group):
    """Turn a RanpeError into one line on stderr and exit code 2 (traceback with --debug)."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except RanpeError as exc:
            if ctx.find_root().params.get("debug"):
                raise
            click.echo(t("cli.fatal", message=exc), err=True)
            sys.exit(2)


@click.group(cls=_Group)
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help="Folder aturan (rules/).")
@click.option("--debug", is_flag=True, help="Tampilkan traceback lengkap saat galat.")
@click.pass_context
def main(ctx: click.Context, rules_dir: Path | None, debug: bool) -> None:
    """ranpe: pengumpulan dan konsolidasi laporan RAN PE dari berkas Excel."""
    ctx.obj = {"rules_dir": rules_dir}


def _rules(ctx: click.Context):
    return load_rules(ctx.obj["rules_dir"])


period_option = click.option("--period", required=True, help="Periode, mis. 2026-S1.")
outbox_option = click.option(
    "--outbox", type=click.Path(file_okay=False, path_type=Path), default=ROOT / "outbox", show_default="outbox/"
)
reopen_option = click.option(
    "--reopen", is_flag=True, help="Buka kembali periode yang sudah difinalisasi (tercatat di riwayat)."
)
inbox_option = click.option(
    "--inbox", type=click.Path(file_okay=False, path_type=Path), default=ROOT / "inbox", show_default="inbox/"
)


@main.command()
@period_option
@outbox_option
@click.option("--agency", "agencies", multiple=True, help="Kode K/L (boleh diulang); tanpa ini semua K/L.")
@click.pass_context
def templates(ctx: click.Context, period: str, outbox: Path, agencies: tuple[str, ...]) -> None:
    """Tulis templat Excel per K/L ke OUTBOX/<periode>/templates/."""
    from .template import write_templates

    rules = _rules(ctx)
    for code in agencies:
        rules.get_agency(code)
    paths = write_templates(rules, parse_period(period, rules), outbox, [a.upper() for a in agencies])
    click.echo(t("cli.templates_written", n=len(paths), folder=paths[0].parent if paths else outbox))


@main.group()
def catalogue() -> None:
    """Katalog aksi RAN PE (rules/catalogue.yaml)."""


@catalogue.command("import")
@click.argument("matrix", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Berkas tujuan (bawaan: rules/catalogue.yaml)."
)
@click.pass_context
def catalogue_import(ctx: click.Context, matrix: Path, out: Path | None) -> None:
    """Ubah matriks aksi (xlsx) menjadi rules/catalogue.yaml."""
    from .catalogue_import import import_matrix

    rules = _rules(ctx)
    out = out or rules.folder / "catalogue.yaml"
    groups, actions = import_matrix(matrix, rules, out)
    click.echo(t("cli.catalogue_written", path=out, groups=groups, actions=actions))


@main.command()
@period_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=ROOT / "demo", show_default="demo/")
@click.option("--seed", default=2026, show_default=True, help="Benih acak (hasil sama untuk benih sama).")
@click.pass_context
def demo(ctx: click.Context, period: str, out: Path, seed: int) -> None:
    """Buat periode contoh (berkas kembalian K/L) di OUT lalu jalankan konsolidasi atasnya."""
    from .sample import build_sample

    rules = _rules(ctx)
    sample = build_sample(rules, parse_period(period, rules), out, seed=seed)
    if not sample.resaved_by_libreoffice:
        click.echo(t("cli.demo_resave_skipped"), err=True)
    message = t("cli.demo_written", period=period, folder=sample.inbox, files=len(sample.files),
                planted=len(sample.planted), planted_file=sample.planted_file)  # fmt: skip
    click.echo(message + "\n")
    _echo(*_run(ctx, period, sample.inbox, out / "outbox", consolidation=True))


def _run(ctx: click.Context, period: str, inbox: Path, outbox: Path, consolidation: bool, reopen: bool = False):
    """Validate (and consolidate) under the period lock; returns the rules and the result."""
    from .outputs import period_lock
    from .run import run

    rules = _rules(ctx)
    if not inbox.is_dir():
        raise RanpeError(t("errors.inbox_missing", folder=inbox))
    per = parse_period(period, rules)
    n = sum(1 for p in inbox.iterdir() if p.is_file())
    bar = click.progressbar(length=n, label=t("cli.reading"), file=sys.stderr, hidden=n < 10)
    with period_lock(outbox / per.id), bar:
        return rules, run(inbox, outbox, rules, per, consolidation=consolidation, progress=bar.update, reopen=reopen)


def _echo(rules, result) -> None:
    from .console import summary_lines

    for line in [*summary_lines(result.report, rules), "", *result.lines()]:
        click.echo(line)


@main.command()
@period_option
@inbox_option
@outbox_option
@click.option("--json", "as_json", is_flag=True, help="Cetak laporan lengkap sebagai JSON.")
@reopen_option
@click.pass_context
def validate(ctx: click.Context, period: str, inbox: Path, outbox: Path, as_json: bool, reopen: bool) -> None:
    """Periksa semua berkas di INBOX dan tulis umpan balik; keluar 0 semua sah, 1 ada masalah, 2 galat."""
    import json

    rules, result = _run(ctx, period, inbox, outbox, consolidation=False, reopen=reopen)
    if as_json:
        click.echo(json.dumps(result.report.as_dict(), ensure_ascii=False, indent=1, default=str))
    else:
        _echo(rules, result)
    sys.exit(1 if result.report.problems else 0)


@main.command()
@period_option
@inbox_option
@outbox_option
@reopen_option
@click.pass_context
def consolidate(ctx: click.Context, period: str, inbox: Path, outbox: Path, reopen: bool) -> None:
    """Validasi, konsolidasi, ringkasan Excel, laporan Word, ekspor I-KHub dan umpan balik untuk satu periode."""
    _echo(*_run(ctx, period, inbox, outbox, consolidation=True, reopen=reopen))


@main.command()
@period_option
@outbox_option
@click.pass_context
def finalise(ctx: click.Context, period: str, outbox: Path) -> None:
    """Kunci periode: jalankan ulang untuk periode ini kemudian memerlukan --reopen."""
    from .history import finalise as lock

    per = parse_period(period, _rules(ctx))
    click.echo(t("history.finalised_now", period=per.id, at=lock(outbox, per.id)))


@main.command()
@period_option
@outbox_option
@click.option("--template", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Templat Word lain.")
@click.pass_context
def report(ctx: click.Context, period: str, outbox: Path, template: Path | None) -> None:
    """Tulis ulang laporan Word dari data konsolidasi yang tersimpan (tanpa membaca inbox)."""
    from .outputs import period_lock
    from .report import TEMPLATE, load_data, render_report, report_path

    rules = _rules(ctx)
    per = parse_period(period, rules)
    with period_lock(outbox / per.id):
        path = render_report(load_data(outbox, per.id), report_path(outbox, per.id), template or TEMPLATE)
    click.echo(t("cli_outputs.written", path=path))


@main.command()
@click.option("--year", required=True, type=int, help="Tahun, mis. 2026.")
@outbox_option
@click.pass_context
def year(ctx: click.Context, year: int, outbox: Path) -> None:
    """Laporan tahunan (Semester I + II) dari periode yang tersimpan di riwayat, ke OUTBOX/<tahun>/."""
    from .outputs import period_lock
    from .year import year_report

    rules = _rules(ctx)
    with period_lock(outbox / str(year)):
        for path in year_report(outbox, rules, year):
            click.echo(t("cli_outputs.written", path=path))


today_option = click.option(
    "--today", type=click.DateTime(["%Y-%m-%d"]), help="Tanggal acuan (YYYY-MM-DD); bawaan: hari ini."
)


def _today(value) -> dt.date:
    from .atomic import run_date

    return value.date() if value else run_date()


@main.command()
@period_option
@inbox_option
@today_option
@click.pass_context
def status(ctx: click.Context, period: str, inbox: Path, today) -> None:
    """Papan status per K/L: diterima, ditolak, nihil, belum masuk, terlambat, sisa hari (tanpa menulis apa pun)."""
    from .status import board_lines, status_board
    from .validate import validate_period

    rules = _rules(ctx)
    per = parse_period(period, rules)
    if not inbox.is_dir():
        raise RanpeError(t("errors.inbox_missing", folder=inbox))
    day = _today(today)
    report = validate_period(inbox, rules, per)
    for line in board_lines(status_board(report, rules, day), report, day):
        click.echo(line)


@main.command()
@click.argument("kind", type=click.Choice(["templates", "feedback", "reminders"]))
@period_option
@inbox_option
@outbox_option
@today_option
@click.option("--agency", "agencies", multiple=True, help="Hanya K/L ini (boleh diulang).")
@click.option("--send", is_flag=True, help="Kirim melalui server SMTP setelah daftar ditampilkan.")
@click.option("--yes", is_flag=True, help="Kirim tanpa pertanyaan konfirmasi.")
@click.option("--smtp-host", envvar="RANPE_SMTP_HOST", help="Server SMTP (atau RANPE_SMTP_HOST).")
@click.option("--smtp-port", envvar="RANPE_SMTP_PORT", type=int, default=587, show_default=True)
@click.option("--smtp-user", envvar="RANPE_SMTP_USER", help="Nama pengguna SMTP (atau RANPE_SMTP_USER).")
@click.option("--smtp-password", envvar="RANPE_SMTP_PASSWORD", help="Kata sandi SMTP (sebaiknya RANPE_SMTP_PASSWORD).")
@click.option("--starttls/--no-starttls", envvar="RANPE_SMTP_STARTTLS", default=True, show_default=True)
@click.pass_context
def mail(ctx: click.Context, kind, period, inbox, outbox, today, agencies, send, yes, **smtp) -> None:
    """Draf surat .eml per K/L (templates, feedback, reminders) di OUTBOX/<periode>/surat/; --send mengirimnya."""
    from .mail import SENT_LOG, Smtp, mail_folder, make_drafts
    from .mail import send as send_all
    from .outputs import period_lock

    rules = _rules(ctx)
    per = parse_period(period, rules)
    with period_lock(outbox / per.id):
        paths, skipped = make_drafts(kind, rules, per, inbox, outbox, _today(today), agencies)
    for line in skipped:
        click.echo(line, err=True)
    folder = mail_folder(outbox, per, kind)
    label = t(f"mail.kinds.{kind}")
    if not paths:
        click.echo(t("mail.none", kind=label, period=per.id))
        return
    click.echo(t("mail.written", n=len(paths), kind=label, folder=folder))
    if not send:
        return
    if not smtp["smtp_host"]:
        raise RanpeError(t("mail.no_host"))
    server = Smtp(smtp["smtp_host"], smtp["smtp_port"], smtp["smtp_user"], smtp["smtp_password"], smtp["starttls"])
    _dry_run(paths, server)
    if not yes and not click.confirm(t("mail.confirm", n=len(paths))):
        click.echo(t("mail.cancelled"))
        return
    sent, failed = send_all(paths, server, folder.parent, echo=click.echo)
    click.echo(t("mail.summary", sent=sent, failed=failed, log=folder.parent / SENT_LOG))
    sys.exit(1 if failed else 0)


def _dry_run(paths: list[Path], server) -> None:
    from .mail import outgoing

    click.echo(t("mail.dry_run_head", host=server.host, port=server.port, n=len(paths)))
    for p in paths:
        msg = outgoing(p)
        names = [part.get_filename() for part in msg.iter_attachments()]
        click.echo(t("mail.dry_run_row", to=msg["To"], subject=msg["Subject"], attachment=", ".join(names)))


if __name__ == "__main__":
    main()
