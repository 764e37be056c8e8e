"""A finalised period stays put (issue 25, item 2): every command that writes into
outbox/<period>/ refuses it with one Indonesian line unless --reopen is given; reopening is
an event of the history, and the period stays open until the next finalise."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from pipeline.cli import main
from pipeline.core.periods import parse_period
from pipeline.cycle import history

from .conftest import file_tree
from .test_periods import _return


@pytest.fixture(scope="module")
def finalised(rules, tmp_path_factory):
    base = tmp_path_factory.mktemp("final")
    inbox, outbox = base / "inbox", base / "outbox"
    s1 = parse_period("2026-S1", rules)
    _return(inbox / "KEMENAG.xlsx", rules, s1, "KEMENAG")
    _return(inbox / "POLRI.xlsx", rules, s1, "POLRI")
    where = ["--inbox", str(inbox), "--outbox", str(outbox)]
    assert CliRunner().invoke(main, ["consolidate", "--period", "2026-S1", *where]).exit_code in (0, 1)
    done = CliRunner().invoke(main, ["finalise", "--period", "2026-S1", "--outbox", str(outbox)])
    assert done.exit_code == 0, done.output
    return inbox, outbox


PERIOD = ["--period", "2026-S1"]
COMMANDS = {
    "templates": lambda i, o: ["templates", *PERIOD, "--outbox", o, "--agency", "KEMENAG"],
    "validate": lambda i, o: ["validate", *PERIOD, "--inbox", i, "--outbox", o],
    "consolidate": lambda i, o: ["consolidate", *PERIOD, "--inbox", i, "--outbox", o],
    "review": lambda i, o: ["review", *PERIOD, "--inbox", i, "--outbox", o],
    "report": lambda i, o: ["report", *PERIOD, "--outbox", o],
    "mail templates": lambda i, o: ["mail", "templates", *PERIOD, "--inbox", i, "--outbox", o],
    "mail feedback": lambda i, o: ["mail", "feedback", *PERIOD, "--inbox", i, "--outbox", o],
    "mail reminders": lambda i, o: ["mail", "reminders", *PERIOD, "--inbox", i, "--outbox", o],
    "mail --send": lambda i, o: [*COMMANDS["mail reminders"](i, o), "--send", "--yes", "--smtp-host", "localhost"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_refuses_a_finalised_period(finalised, command):
    inbox, outbox = finalised
    before = file_tree(outbox / "2026-S1")
    result = CliRunner().invoke(main, COMMANDS[command](str(inbox), str(outbox)))
    lines = [x for x in result.output.splitlines() if x.strip() and not x.startswith(("PERINGATAN", "- "))]
    assert result.exit_code == 2, result.output
    assert lines == [lines[-1]] and "sudah difinalisasi" in lines[0] and "--reopen" in lines[0], lines
    assert file_tree(outbox / "2026-S1") == before
    assert history.events(outbox, "2026-S1")[-1][0] == "finalised"


def test_reopen_is_recorded_and_holds_until_the_next_finalise(finalised):
    inbox, outbox = finalised
    reopened = CliRunner().invoke(main, [*COMMANDS["report"](str(inbox), str(outbox)), "--reopen"])
    assert reopened.exit_code == 0, reopened.output
    again = CliRunner().invoke(main, COMMANDS["templates"](str(inbox), str(outbox)))
    assert again.exit_code == 0, again.output  # open until the next finalise
    CliRunner().invoke(main, ["finalise", *PERIOD, "--outbox", str(outbox)])
    assert [e for e, _ in history.events(outbox, "2026-S1")][-3:] == ["finalised", "reopened", "finalised"]
    assert CliRunner().invoke(main, COMMANDS["validate"](str(inbox), str(outbox))).exit_code == 2


def test_finalise_tells_what_is_still_open(finalised, rules):
    """Locking a period tells the officer what is still open in it (the units with nothing
    usable, by name; the deadline when it has not passed), without refusing: the
    secretariat may lock it all the same (an officer's year: no warning at all)."""
    _, outbox = finalised
    done = CliRunner().invoke(main, ["finalise", *PERIOD, "--outbox", str(outbox)])
    assert done.exit_code == 0, done.output
    snap = history.load(outbox, "2026-S1")
    missing = [rules.get_agency(code).short for code, a in snap.agencies.items() if a.missing]
    assert missing and rules.get_agency("KEMENAG").short not in missing
    (line,) = [x for x in done.output.splitlines() if "belum memiliki laporan yang dapat diolah" in x]
    assert line.startswith("Perhatian:") and f"{len(missing)} unit" in line and missing[0] in line
    assert "batas waktu" not in done.output  # 15 July 2026 has passed


def test_a_period_changed_after_a_later_one_says_the_later_compares_with_it(rules, tmp_path):
    """S1 consolidated again after S2 (a late report): S2's report compares with the old S1,
    and the console says which period to run again (an officer's year: S2's comparison went
    stale without a word)."""
    s1, s2 = parse_period("2026-S1", rules), parse_period("2026-S2", rules)
    inbox, outbox = tmp_path / "inbox", tmp_path / "outbox"
    _return(inbox / "KEMENAG_S1.xlsx", rules, s1, "KEMENAG")
    _return(inbox / "KEMENAG_S2.xlsx", rules, s2, "KEMENAG")
    where = ["--inbox", str(inbox), "--outbox", str(outbox)]
    for p in ("2026-S1", "2026-S2"):
        assert CliRunner().invoke(main, ["consolidate", "--period", p, *where]).exit_code in (0, 1)
    _return(inbox / "POLRI_S1.xlsx", rules, s1, "POLRI")  # a late report of S1
    again = CliRunner().invoke(main, ["consolidate", "--period", "2026-S1", *where])
    (line,) = [x for x in again.output.splitlines() if "memakai angka periode 2026-S1 sebagai pembanding" in x]
    assert "2026-S2" in line and "--reopen" in line
    same = CliRunner().invoke(main, ["consolidate", "--period", "2026-S1", *where])  # nothing new: no word
    assert "sebagai pembanding" not in same.output


def test_a_finalised_period_is_refused_before_any_file_is_read(finalised, tmp_path):
    """The refusal is the only line: no progress bar of files read first (an officer's year:
    "Membaca berkas" printed above the refusal)."""
    _, outbox = finalised
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for i in range(12):  # enough for the progress bar to show
        (inbox / f"KL{i}.xlsx").write_bytes(b"not a workbook")
    result = CliRunner().invoke(main, ["validate", *PERIOD, "--inbox", str(inbox), "--outbox", str(outbox)])
    assert result.exit_code == 2 and "sudah difinalisasi" in result.output
    assert "Membaca berkas" not in result.output
