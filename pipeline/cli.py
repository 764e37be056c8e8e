"""The `ranpe` command: thin click wrappers over the library functions."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import click

from .core.errors import RanpeError
from .core.paths import ENV
from .core.periods import parse_period
from .core.rules import load_rules
from .core.texts import t
from .core.workspace import GUIDE, workspace


def _help(key: str) -> str:
    return t(f"cli.help.{key}")


def _click_in_the_texts_language() -> None:
    """click's own words (usage lines, help, its errors) from the texts file. click looks each
    up through gettext's `_` and `ngettext`, which its modules import by name; the names of
    its types (the TEXT of `--period TEXT`) are attributes of its type singletons. Installed
    once, before any option is declared (a path option takes its name when declared)."""
    table = t("click.messages")

    def gettext(message: str) -> str:
        return table.get(message, message)

    def ngettext(singular: str, plural: str, n: int) -> str:
        return gettext(singular if n == 1 else plural)

    for module in (click.core, click.decorators, click.exceptions, click.formatting, click.parser, click.termui,
                   click.types):  # fmt: skip
        module._ = gettext
    for module in (click.core, click.exceptions, click.parser, click.types):
        module.ngettext = ngettext
    click.STRING.name, click.INT.name = t("click.types.text"), t("click.types.integer")


_click_in_the_texts_language()

PROBLEMS_FOUND, CANNOT_PROCEED, INTERRUPTED = 1, 2, 130  # exit codes; 0: done, nothing found


class _Command(click.Command):
    """A command whose usage line names its parts in the texts' words."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, options_metavar=t("click.options_metavar"), **kwargs)


class _Group(click.Group):
    """A run that cannot proceed (a RanpeError, or a failure of the tool itself) ends with one
    line on stderr and exit code 2; --debug shows the traceback instead. A bad input file
    never gets here: it is a problem in the outputs."""

    command_class = _Command
    group_class = type  # a group of commands under a command (catalogue) is a _Group too

    def __init__(self, *args, **kwargs) -> None:
        metavars = {"options_metavar": t("click.options_metavar"), "subcommand_metavar": t("click.commands_metavar")}
        super().__init__(*args, **metavars, **kwargs)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (KeyboardInterrupt, click.Abort):  # Ctrl-C: stopped, not "problems found"
            click.echo(t("cli.interrupted"), err=True)
            sys.exit(INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except Exception as exc:
            if ctx.find_root().params.get("debug"):
                raise
            if isinstance(exc, RanpeError):
                click.echo(t("cli.fatal", message=exc), err=True)
            else:
                click.echo(t("cli.internal_error", error=f"{type(exc).__name__}: {exc}"), err=True)
            sys.exit(CANNOT_PROCEED)


@click.group(cls=_Group, help=_help("commands.main"))
@click.option("--workspace", type=click.Path(file_okay=False, path_type=Path), help=_help("options.workspace"))
@click.option("--rules", "rules_dir", type=click.Path(file_okay=False, path_type=Path), help=_help("options.rules"))
@click.option("--debug", is_flag=True, help=_help("options.debug"))
@click.pass_context
def main(ctx: click.Context, workspace: Path | None, rules_dir: Path | None, debug: bool) -> None:
    if workspace is not None:  # read by core/paths.py wherever a path is needed
        os.environ[ENV] = str(workspace.resolve())
    ctx.obj = {"rules_dir": rules_dir}


def _rules(ctx: click.Context, outside: bool = False):
    """The rules; `outside`: the command makes something for outside (templates, feedback,
    letters, the report), so a warning is printed while the rules hold sample data."""
    rules = load_rules(ctx.obj["rules_dir"])
    if rules.stale_regions:
        click.echo("\n".join([t("sample.warning_regions"), *(f"- {x}" for x in rules.stale_regions)]) + "\n", err=True)
    if outside and rules.sample_data:
        click.echo("\n".join([t("sample.warning"), *(f"- {x}" for x in rules.sample_data)]) + "\n", err=True)
    return rules


period_option = click.option("--period", required=True, help=_help("options.period"))


def _writable(outbox: Path, period, reopen: bool, rules) -> None:
    """A command that writes into outbox/<period>/ refuses a finalised period unless `reopen`
    (recorded in the history; the period stays open until the next finalise)."""
    from .cycle.history import check_open

    check_open(outbox, period.id, reopen, rules.settings.timezone)


def _in_workspace(name: str):
    """An option's default: the folder `name` of the workspace, found when the command runs."""
    return lambda ctx, param, value: value if value is not None else workspace() / name


outbox_option = click.option(
    "--outbox", type=click.Path(file_okay=False, path_type=Path), callback=_in_workspace("outbox"),
    show_default="outbox/",
)  # fmt: skip
reopen_option = click.option("--reopen", is_flag=True, help=_help("options.reopen"))
inbox_option = click.option(
    "--inbox", type=click.Path(file_okay=False, path_type=Path), callback=_in_workspace("inbox"),
    show_default="inbox/",
)  # fmt: skip


@main.command(help=_help("commands.init"))
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def init(folder: Path) -> None:
    from .core.workspace import init_workspace

    init_workspace(folder)
    click.echo(t("workspace.created", folder=folder.resolve(), guide=folder.resolve() / GUIDE))


@main.command(help=_help("commands.panduan"))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), callback=_in_workspace(GUIDE),
              help=_help("options.panduan_out"))  # fmt: skip
def panduan(out: Path) -> None:
    from .core.workspace import write_guide

    click.echo(t("workspace.guide_written", path=write_guide(out).resolve()))


@main.command(help=_help("commands.templates"))
@period_option
@outbox_option
@click.option("--agency", "agencies", multiple=True, help=_help("options.agency"))
@reopen_option
@click.pass_context
def templates(ctx: click.Context, period: str, outbox: Path, agencies: tuple[str, ...], reopen: bool) -> None:
    from .outputs.template import write_templates

    rules = _rules(ctx, outside=True)
    for code in agencies:
        rules.get_agency(code)
    per = parse_period(period, rules)
    _writable(outbox, per, reopen, rules)
    paths = write_templates(rules, per, outbox, [a.upper() for a in agencies])
    click.echo(t("cli.templates_written", n=len(paths), folder=paths[0].parent if paths else outbox))


@main.group(help=_help("commands.catalogue"))
def catalogue() -> None:
    """The action catalogue (rules/catalogue.yaml)."""


@catalogue.command("import", help=_help("commands.catalogue_import"))
@click.argument(
    "matrix", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar=t("click.metavars.matrix")
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help=_help("options.catalogue_out"))
@click.pass_context
def catalogue_import(ctx: click.Context, matrix: Path, out: Path | None) -> None:
    from .cycle.catalogue_import import import_matrix, preview

    rules = _rules(ctx)
    # into the rules given, else the workspace's: never into the package's shipped defaults
    out = out or (rules.folder if ctx.obj["rules_dir"] else workspace() / "rules") / "catalogue.yaml"
    imported = import_matrix(matrix, rules, out)
    click.echo("\n".join([*preview(imported, rules), t("cli.catalogue_written", path=out)]))


@main.command(help=_help("commands.demo"))
@period_option
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), callback=_in_workspace("demo"),
              show_default="demo/")  # fmt: skip
@click.option("--seed", default=2026, show_default=True, help=_help("options.seed"))
@click.pass_context
def demo(ctx: click.Context, period: str, out: Path, seed: int) -> None:
    from .demo.sample import build_sample

    rules = _rules(ctx)
    sample = build_sample(rules, parse_period(period, rules), out, seed=seed)
    if not sample.resaved_by_libreoffice:
        click.echo(t("cli.demo_resave_skipped"), err=True)
    message = t("cli.demo_written", period=period, folder=sample.inbox, files=len(sample.files),
                planted=len(sample.planted), planted_file=sample.planted_file)  # fmt: skip
    click.echo(t("sample.demo", folder=out) + "\n" + message + "\n")
    _echo(*_run(ctx, period, sample.inbox, out / "outbox", consolidation=True))


def _run(ctx: click.Context, period: str, inbox: Path, outbox: Path, consolidation: bool, reopen: bool = False):
    """Validate (and consolidate) under the period lock; returns the rules and the result."""
    from .core.lock import period_lock
    from .intake.read import discover
    from .run import run

    rules = _rules(ctx, outside=True)
    if not inbox.is_dir():
        raise RanpeError(t("errors.inbox_missing", folder=inbox))
    per = parse_period(period, rules)
    n = len(discover(inbox, per.id)[0])  # the files to read
    bar = click.progressbar(length=n, label=t("cli.reading"), file=sys.stderr, hidden=n < 10)
    with period_lock(outbox / per.id):
        _writable(outbox, per, reopen, rules)  # a finalised period refused before a file is read
        with bar:
            result = run(inbox, outbox, rules, per, consolidation=consolidation, progress=bar.update, reopen=reopen)
    return rules, result


def _echo(rules, result) -> None:
    from .console import summary_lines

    for line in [*summary_lines(result.validation, rules), "", *result.lines()]:
        click.echo(line)


@main.command(help=_help("commands.validate"))
@period_option
@inbox_option
@outbox_option
@click.option("--json", "as_json", is_flag=True, help=_help("options.json"))
@reopen_option
@click.pass_context
def validate(ctx: click.Context, period: str, inbox: Path, outbox: Path, as_json: bool, reopen: bool) -> None:
    import json

    rules, result = _run(ctx, period, inbox, outbox, consolidation=False, reopen=reopen)
    if as_json:
        click.echo(json.dumps(result.validation.as_dict(), ensure_ascii=False, indent=1, default=str))
    else:
        _echo(rules, result)
    sys.exit(PROBLEMS_FOUND if result.validation.found else 0)


@main.command(help=_help("commands.consolidate"))
@period_option
@inbox_option
@outbox_option
@reopen_option
@click.pass_context
def consolidate(ctx: click.Context, period: str, inbox: Path, outbox: Path, reopen: bool) -> None:
    rules, result = _run(ctx, period, inbox, outbox, consolidation=True, reopen=reopen)
    _echo(rules, result)
    sys.exit(PROBLEMS_FOUND if result.validation.found else 0)


@main.command(help=_help("commands.review"))
@period_option
@inbox_option
@outbox_option
@reopen_option
@click.pass_context
def review(ctx: click.Context, period: str, inbox: Path, outbox: Path, reopen: bool) -> None:
    _, result = _run(ctx, period, inbox, outbox, consolidation=True, reopen=reopen)
    for line in result.review_lines():
        click.echo(line)
    sys.exit(PROBLEMS_FOUND if result.consolidation.review.problems else 0)


@main.command(help=_help("commands.finalise"))
@period_option
@outbox_option
@click.pass_context
def finalise(ctx: click.Context, period: str, outbox: Path) -> None:
    from .core.formatting import waktu
    from .cycle.finalise import open_ends
    from .cycle.history import finalise as lock

    rules = _rules(ctx)
    per = parse_period(period, rules)
    click.echo(t("history.finalised_now", period=per.id, at=waktu(lock(outbox, per.id), rules.settings.timezone)))
    for line in open_ends(outbox, rules, per):
        click.echo(line)


@main.command(help=_help("commands.report"))
@period_option
@outbox_option
@click.option(
    "--template", type=click.Path(exists=True, dir_okay=False, path_type=Path), help=_help("options.template")
)
@reopen_option
@click.pass_context
def report(ctx: click.Context, period: str, outbox: Path, template: Path | None, reopen: bool) -> None:
    from .core.lock import period_lock
    from .outputs.public import render_public
    from .outputs.report import load_data, render_report, report_path

    rules = _rules(ctx, outside=True)
    per = parse_period(period, rules)
    with period_lock(outbox / per.id):
        _writable(outbox, per, reopen, rules)
        data = load_data(outbox, per.id)
        finish_public = render_public(data, rules, outbox)  # the public edition too, in its own template
        paths, note = render_report(data, report_path(outbox, per.id), template)
        paths += finish_public()[0]
    for path in paths:
        click.echo(t("cli_outputs.written", path=path))
    if note:
        click.echo(note)


@main.command(help=_help("commands.year"))
@click.option("--year", required=True, type=int, help=_help("options.year"))
@outbox_option
@click.pass_context
def year(ctx: click.Context, year: int, outbox: Path) -> None:
    from .core.lock import period_lock
    from .cycle.year import year_report

    rules = _rules(ctx, outside=True)
    with period_lock(outbox / str(year)):
        paths, note = year_report(outbox, rules, year)
    for path in paths:
        click.echo(t("cli_outputs.written", path=path))
    if note:
        click.echo(note)


today_option = click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help=_help("options.today"))


def _today(value) -> dt.date:
    from .core.clock import run_date

    return value.date() if value else run_date()


def _outbox_if_any(ctx, param, value):
    """The status board's outbox (whose history tells the files of other periods): the one
    given, else the workspace's; outside a workspace, none."""
    from .core.paths import find_workspace

    found = find_workspace()
    return value if value is not None else found / "outbox" if found else None


@main.command(help=_help("commands.status"))
@period_option
@inbox_option
@click.option("--outbox", type=click.Path(file_okay=False, path_type=Path), callback=_outbox_if_any,
              show_default="outbox/")  # fmt: skip
@today_option
@click.pass_context
def status(ctx: click.Context, period: str, inbox: Path, outbox: Path | None, today) -> None:
    from .analysis.board import board_lines, status_board
    from .cycle.history import largest, seen
    from .intake.cache import Cache
    from .intake.validate import validate_period

    rules = _rules(ctx)
    per = parse_period(period, rules)
    if not inbox.is_dir():
        raise RanpeError(t("errors.inbox_missing", folder=inbox))
    day = _today(today)
    earlier = largest(outbox, per.id, rules)
    cache = Cache(outbox, rules, per, write=False) if outbox else None  # the last validation's results, read only
    validation = validate_period(inbox, rules, per, seen=seen(outbox), earlier=earlier, cache=cache)  # writes nothing
    for line in board_lines(status_board(validation, rules, day), validation, day):
        click.echo(line)


@main.command(help=_help("commands.mail"))
@click.argument("kind", type=click.Choice(["templates", "feedback", "reminders"]))
@period_option
@inbox_option
@outbox_option
@today_option
@click.option("--agency", "agencies", multiple=True, help=_help("options.mail_agency"))
@click.option("--send", is_flag=True, help=_help("options.send"))
@click.option("--yes", is_flag=True, help=_help("options.assume_yes"))
@click.option("--smtp-host", envvar="RANPE_SMTP_HOST", help=_help("options.smtp_host"))
@click.option("--smtp-port", envvar="RANPE_SMTP_PORT", type=int, default=587, show_default=True)
@click.option("--smtp-user", envvar="RANPE_SMTP_USER", help=_help("options.smtp_user"))
@click.option("--smtp-password", envvar="RANPE_SMTP_PASSWORD", help=_help("options.smtp_password"))
@click.option("--starttls/--no-starttls", envvar="RANPE_SMTP_STARTTLS", default=True, show_default=True)
@reopen_option
@click.pass_context
def mail(ctx: click.Context, kind, period, inbox, outbox, today, agencies, send, yes, reopen, **smtp) -> None:
    from .core.lock import period_lock
    from .cycle.mail import SENT_LOG, Smtp, mail_folder, make_drafts
    from .cycle.mail import send as send_all

    rules = _rules(ctx, outside=True)
    per = parse_period(period, rules)
    with period_lock(outbox / per.id):
        _writable(outbox, per, reopen, rules)
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
    if rules.sample_data:  # a draft may be looked at; a letter built on sample data is never sent
        raise RanpeError(t("sample.no_send"))
    if not smtp["smtp_host"]:
        raise RanpeError(t("mail.no_host"))
    server = Smtp(smtp["smtp_host"], smtp["smtp_port"], smtp["smtp_user"], smtp["smtp_password"], smtp["starttls"])
    _dry_run(paths, server)
    if not yes and not _confirmed(t("mail.confirm", n=len(paths))):
        click.echo(t("mail.cancelled"))
        return
    sent, failed = send_all(paths, server, folder.parent, rules.settings.timezone, echo=click.echo)
    click.echo(t("mail.summary", sent=sent, failed=failed, log=folder.parent / SENT_LOG))
    sys.exit(PROBLEMS_FOUND if failed else 0)


def _confirmed(question: str) -> bool:
    """Asked on the console in the texts' words (click.confirm takes only y/yes/n/no): only
    a yes confirms, an empty answer or anything else cancels."""
    answer = click.prompt(t("click.confirm", question=question), default=t("click.answer_no"))
    return answer.strip().casefold() in t("click.answers_yes")


def _dry_run(paths: list[Path], server) -> None:
    from .cycle.mail import outgoing

    click.echo(t("mail.dry_run_head", host=server.host, port=server.port, n=len(paths)))
    for p in paths:
        msg = outgoing(p)
        names = [part.get_filename() for part in msg.iter_attachments()]
        click.echo(t("mail.dry_run_row", to=msg["To"], subject=msg["Subject"], attachment=", ".join(names)))


if __name__ == "__main__":
    main()
