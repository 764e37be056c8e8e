"""A workspace of the secretariat's own: made by `ranpe init` without overwriting anything,
named by --workspace from anywhere, and overriding the shipped templates file by file."""

from __future__ import annotations

import openpyxl
import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.paths import ENV, MARKER, ROOT


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)  # restored after the test: --workspace sets it for the process


def test_a_workspace_named_from_elsewhere_holds_the_run(tmp_path, clean_env, monkeypatch):
    runner = CliRunner()
    work = tmp_path / "kerja"
    made = runner.invoke(main, ["init", str(work)])
    assert made.exit_code == 0, made.output
    assert {p.name for p in work.iterdir()} == {MARKER, "rules", "templates", "docs", "inbox", "outbox"}
    # an edited guide of the workspace's own, beside the shipped styles it does not copy
    (work / "templates" / "xlsx").mkdir(parents=True)
    (work / "templates" / "xlsx" / "petunjuk.txt.j2").write_text(
        "# Petunjuk khusus Sekretariat\nIsi sesuai surat edaran.\n"
    )
    monkeypatch.chdir(tmp_path)  # not in the workspace: it is named
    done = runner.invoke(main, ["--workspace", str(work), "templates", "--period", "2026-S1", "--agency", "BNPT"])
    assert done.exit_code == 0, done.output
    ws = openpyxl.load_workbook(work / "outbox" / "2026-S1" / "templates" / "BNPT_2026-S1.xlsx")["Petunjuk"]
    assert [c.value for c in ws["A"] if c.value][-2:] == ["Petunjuk khusus Sekretariat", "Isi sesuai surat edaran."]


def test_init_never_overwrites(tmp_path, clean_env):
    runner = CliRunner()
    work = tmp_path / "kerja"
    own = work / "templates" / "docx" / "laporan.docx"
    own.parent.mkdir(parents=True)
    own.write_bytes(b"laporan Sekretariat")
    refused = runner.invoke(main, ["init", str(work)])
    assert refused.exit_code == 2 and "tidak ada yang ditimpa" in refused.output
    assert own.read_bytes() == b"laporan Sekretariat" and not (work / "rules").exists() and not (work / MARKER).exists()


def test_the_guide_travels_with_the_workspace(tmp_path, clean_env, monkeypatch):
    """An officer with an installed wheel has no checkout: init copies the guide into the new
    workspace and says where; `ranpe panduan` writes it into an older workspace, or anywhere."""
    runner = CliRunner()
    guide = (ROOT / "docs" / "panduan.md").read_bytes()
    work = tmp_path / "kerja"
    made = runner.invoke(main, ["init", str(work)])
    assert made.exit_code == 0, made.output
    assert (work / "docs" / "panduan.md").read_bytes() == guide
    assert (work / "docs" / "angka.md").read_bytes() == (ROOT / "docs" / "angka.md").read_bytes()  # the figures' page
    assert f"Panduan petugas: {work.resolve() / 'docs' / 'panduan.md'}" in made.output
    (work / "docs" / "panduan.md").unlink()  # a workspace made before the guide travelled
    monkeypatch.chdir(work / "inbox")
    written = runner.invoke(main, ["panduan"])
    assert written.exit_code == 0, written.output
    assert (work / "docs" / "panduan.md").read_bytes() == guide
    assert str(work.resolve() / "docs" / "panduan.md") in written.output
    out = tmp_path / "salinan" / "PANDUAN.md"
    assert runner.invoke(main, ["panduan", "--out", str(out)]).exit_code == 0 and out.read_bytes() == guide
    monkeypatch.chdir(ROOT)  # the checkout is a workspace whose guide is the shipped one: left as it is
    inode = (ROOT / "docs" / "panduan.md").stat().st_ino
    assert runner.invoke(main, ["panduan"]).exit_code == 0 and (ROOT / "docs" / "panduan.md").stat().st_ino == inode
