"""The `ranpe` command: thin click wrappers over the library functions."""

from __future__ import annotations

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


def _run(ctx: click.Context, period: str, inbox: Path, outbox: Path, consolidation: bool):
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
        return rules, run(inbox, outbox, rules, per, consolidation=consolidation, progress=bar.update)


def _echo(rules, result) -> None:
    from .console import summary_lines

    for line in [*summary_lines(result.report, rules), "", *result.lines()]:
        click.echo(line)


@main.command()
@period_option
@inbox_option
@outbox_option
@click.option("--json", "as_json", is_flag=True, help="Cetak laporan lengkap sebagai JSON.")
@click.pass_context
def validate(ctx: click.Context, period: str, inbox: Path, outbox: Path, as_json: bool) -> None:
    """Periksa semua berkas di INBOX dan tulis umpan balik; keluar 0 semua sah, 1 ada masalah, 2 galat."""
    import json

    rules, result = _run(ctx, period, inbox, outbox, consolidation=False)
    if as_json:
        click.echo(json.dumps(result.report.as_dict(), ensure_ascii=False, indent=1, default=str))
    else:
        _echo(rules, result)
    sys.exit(1 if result.report.problems else 0)


@main.command()
@period_option
@inbox_option
@outbox_option
@click.pass_context
def consolidate(ctx: click.Context, period: str, inbox: Path, outbox: Path) -> None:
    """Validasi, konsolidasi, ringkasan Excel, laporan Word dan umpan balik untuk satu periode."""
    _echo(*_run(ctx, period, inbox, outbox, consolidation=True))


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


if __name__ == "__main__":
    main()
