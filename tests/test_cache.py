"""The fast re-run (issue 27, item 6): what reading and checking each file gave is kept for the
period's next run (intake/cache.py) and a feedback workbook made from the same inputs is left
as it is (outputs/unchanged.py). A run with the cache writes what a run without it writes,
byte for byte; a changed rule, file or version is never served from it; a damaged cache is
read past; a finalised period's folder is never touched. Speed is measured by `make bench`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import pipeline
from pipeline.cli import main
from pipeline.core import fingerprint
from pipeline.core.errors import RanpeError
from pipeline.core.model import Problem
from pipeline.core.periods import parse_period
from pipeline.core.rules import load_rules
from pipeline.intake import ingest, per_file
from pipeline.intake.cache import MAGIC, PACK, Cache, cache_folder
from pipeline.intake.checks import ACROSS, Context, _pairs, column_problems, row_problems
from pipeline.intake.normalise import normalise_frame
from pipeline.intake.per_file import _frame
from pipeline.intake.validate import validate_period
from pipeline.outputs.unchanged import NAME
from pipeline.run import run

from .conftest import file_tree


def _outputs(outbox) -> dict[str, bytes]:
    """Every output of an outbox (the history, which records when it was written, the lock
    and the cache aside)."""
    skip = {"riwayat.sqlite", ".ranpe.lock"}
    files = [p for p in sorted(outbox.rglob("*")) if p.is_file() and p.name not in skip]
    return {p.relative_to(outbox).as_posix(): p.read_bytes() for p in files if ".cache" not in p.parts}


def _stamps(outbox) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in (outbox / "2026-S1" / "umpan_balik").glob("*.xlsx")}


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The names of the files the runs read (a file taken from the cache is not read)."""
    names: list[str] = []
    real = ingest.read_all

    def counting(paths, *args, **kwargs):
        names.extend(p.name for p in paths)
        return real(paths, *args, **kwargs)

    monkeypatch.setattr(ingest, "read_all", counting)
    return names


@pytest.fixture
def inbox(demo_sample, tmp_path):
    """A copy of the sample period's inbox, to change."""
    folder = tmp_path / "inbox"
    shutil.copytree(demo_sample.inbox, folder)
    return folder


def _workbooks(folder) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.suffix in (".xlsx", ".ods") and not p.name.startswith("~$"))


def test_a_rerun_with_the_cache_writes_what_a_run_without_it_writes(demo_sample, rules, period, tmp_path, reads):
    plain, cached = tmp_path / "plain", tmp_path / "cached"
    without = run(demo_sample.inbox, plain, rules, period, consolidation=True, cache=False)
    assert not (plain / ".cache").exists()
    run(demo_sample.inbox, cached, rules, period, consolidation=True)
    pack = cache_folder(cached, "2026-S1") / PACK
    assert pack.exists() and not pack.is_relative_to(cached / "2026-S1")  # outside the period's outputs
    stamps, at = _stamps(cached), pack.stat().st_mtime_ns
    reads.clear()
    again = run(demo_sample.inbox, cached, rules, period, consolidation=True)
    assert reads == [], "every file comes from the cache"
    assert _stamps(cached) == stamps and len(stamps) > 10, "no feedback workbook is written again"
    assert pack.stat().st_mtime_ns == at, "nothing new to keep: the pack is left as it is"
    assert again.validation.as_dict() == without.validation.as_dict()
    assert again.validation.typed.equals(without.validation.typed)
    assert _outputs(cached) == _outputs(plain)


def test_after_one_new_file_only_it_is_read(inbox, rules, period, tmp_path, reads):
    """The file of an agency that had not sent yet arrives: it alone is read and checked, and
    only the feedback workbooks whose inputs changed are written again (the new agency's,
    and any whose rows the checks across files now see otherwise, re-read for that)."""
    new = "lap ranpe kemensos final.xlsx"
    held = tmp_path / new
    shutil.move(inbox / new, held)
    out = tmp_path / "out"
    run(inbox, out, rules, period, consolidation=False)
    stamps = _stamps(out)
    shutil.copy2(held, inbox / new)
    reads.clear()
    result = run(inbox, out, rules, period, consolidation=False)
    rewritten = {name for name, ns in _stamps(out).items() if stamps.get(name) != ns}
    assert reads[0] == new and "KEMENSOS_2026-S1.xlsx" in rewritten
    mains = {a.file for code, a in result.validation.agencies.items() if f"{code}_2026-S1.xlsx" in rewritten}
    assert set(reads[1:]) <= {n.rsplit("/", 1)[-1] for n in mains}, "only the files of rewritten workbooks"
    assert len(rewritten) < len(stamps) / 2
    plain = run(inbox, tmp_path / "plain", rules, period, consolidation=False, cache=False)
    assert result.validation.as_dict() == plain.validation.as_dict()
    assert _outputs(out) == _outputs(tmp_path / "plain")


def test_the_hostile_inbox_from_the_cache(rules, period, tmp_path, reads):
    """Every broken, hostile and odd file of tests/corpus.py: the same outcome from the cache."""
    from .test_hostile import hostile_inbox

    inbox = hostile_inbox(tmp_path, rules, period)
    plain = run(inbox, tmp_path / "plain", rules, period, consolidation=False, cache=False)
    run(inbox, tmp_path / "out", rules, period, consolidation=False)
    first = len(reads)
    reads.clear()
    again = run(inbox, tmp_path / "out", rules, period, consolidation=False)
    assert first > 20 and len(reads) < first / 4, reads
    assert again.validation.as_dict() == plain.validation.as_dict()
    assert _outputs(tmp_path / "out") == _outputs(tmp_path / "plain")


def test_a_changed_rule_is_never_served_from_the_cache(inbox, rules_copy, period, tmp_path, reads):
    out = tmp_path / "out"
    run(inbox, out, load_rules(rules_copy), period, consolidation=False)
    checks = rules_copy / "checks.yaml"  # realisation over 120% of target, not 150%: a check of each file's rows
    checks.write_text(checks.read_text(encoding="utf-8").replace("share: 1.5", "share: 1.2"), encoding="utf-8")
    stricter = load_rules(rules_copy)
    reads.clear()
    cached = run(inbox, out, stricter, period, consolidation=False)
    assert sorted(reads) == _workbooks(inbox), "every file is read again"
    plain = run(inbox, tmp_path / "plain", stricter, period, consolidation=False, cache=False)
    assert cached.validation.as_dict() == plain.validation.as_dict()
    assert _outputs(out) == _outputs(tmp_path / "plain")


def test_a_changed_deadline_is_never_served_from_the_cache(inbox, rules, period, tmp_path, reads):
    out = tmp_path / "out"
    run(inbox, out, rules, period, consolidation=False)
    later = dataclasses.replace(period, deadline=period.deadline + dt.timedelta(days=1))
    reads.clear()
    run(inbox, out, rules, later, consolidation=False)
    assert sorted(reads) == _workbooks(inbox)


def test_a_changed_file_is_never_served_from_the_cache(inbox, rules, period, tmp_path, reads):
    """The same name, other bytes: an agency sends its corrected file under the old name."""
    out = tmp_path / "out"
    run(inbox, out, rules, period, consolidation=False)
    name = "MA_2026-S1.xlsx"
    wb = openpyxl.load_workbook(inbox / name)
    wb["Laporan"]["E5"] = "Rapat koordinasi yang dikoreksi"  # Nama Kegiatan
    wb.save(inbox / name)
    reads.clear()
    cached = run(inbox, out, rules, period, consolidation=False)
    assert reads and reads[0] == name and name not in reads[1:]
    assert "Rapat koordinasi yang dikoreksi" in set(cached.validation.typed["nama_kegiatan"])
    plain = run(inbox, tmp_path / "plain", rules, period, consolidation=False, cache=False)
    assert cached.validation.as_dict() == plain.validation.as_dict()
    assert _outputs(out) == _outputs(tmp_path / "plain")


def test_another_version_is_never_served_from_the_cache(inbox, rules, period, tmp_path, reads, monkeypatch):
    out = tmp_path / "out"
    run(inbox, out, rules, period, consolidation=False)
    stamps = _stamps(out)
    monkeypatch.setattr(pipeline, "__version__", "99.0")
    reads.clear()
    run(inbox, out, rules, period, consolidation=False)
    assert sorted(reads[: len(_workbooks(inbox))]) == _workbooks(inbox)
    assert all(stamps[n] != ns for n, ns in _stamps(out).items()), "every feedback workbook is written again"


def test_an_edited_module_or_text_changes_the_code_fingerprint(tmp_path, monkeypatch):
    package = tmp_path / "pipeline"
    shutil.copytree(fingerprint.PACKAGE, package, ignore=shutil.ignore_patterns("__pycache__"))
    texts = tmp_path / "texts"
    shutil.copytree(fingerprint.TEXTS_DIR, texts)
    monkeypatch.setattr(fingerprint, "PACKAGE", package)
    monkeypatch.setattr(fingerprint, "TEXTS_DIR", texts)
    prints = []
    for edit in (None, package / "intake" / "checks.py", texts / "id.yaml"):
        if edit:
            edit.write_text(edit.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        fingerprint._sources.cache_clear()
        prints.append(fingerprint.code_fingerprint())
    fingerprint._sources.cache_clear()
    assert len(set(prints)) == 3


@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "not a pack", "empty"])
def test_a_damaged_cache_is_read_past(inbox, rules, period, tmp_path, reads, damage):
    out = tmp_path / "out"
    run(inbox, out, rules, period, consolidation=False)
    pack = cache_folder(out, "2026-S1") / PACK
    data = pack.read_bytes()
    if damage == "flipped byte":
        middle = len(data) // 2
        data = data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]
    elif damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "not a pack":  # whole, and checked, but not what a run writes
        import hashlib
        import pickle

        payload = pickle.dumps({"typed": None})
        data = MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload
    else:
        data = b""
    pack.write_bytes(data)
    (cache_folder(out, "2026-S1") / NAME).write_text("{not json", encoding="utf-8")
    stamps = _stamps(out)
    reads.clear()
    cached = run(inbox, out, rules, period, consolidation=False)
    assert sorted(reads[: len(_workbooks(inbox))]) == _workbooks(inbox), "every file is read again"
    assert all(stamps[n] != ns for n, ns in _stamps(out).items()), "every feedback workbook is written again"
    plain = run(inbox, tmp_path / "plain", rules, period, consolidation=False, cache=False)
    assert cached.validation.as_dict() == plain.validation.as_dict()
    assert _outputs(out) == _outputs(tmp_path / "plain")
    reads.clear()
    run(inbox, out, rules, period, consolidation=False)
    assert reads == [], "the cache was written whole again"


def test_a_file_changed_while_the_run_read_it_is_not_kept(inbox, rules, period, tmp_path):
    out = tmp_path / "out"
    cache = Cache(out, rules, period)
    validation = validate_period(inbox, rules, period, cache=cache)
    changed = next(s for s in validation.submissions if s.name == "MA_2026-S1.xlsx")
    st = changed.path.stat()
    os.utime(changed.path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # saved again meanwhile
    cache.save()
    again = Cache(out, rules, period)
    again.look([changed.path, *(s.path for s in validation.submissions if s is not changed)])
    assert again.read(changed.path, changed.sha256, changed.name) is None
    other = next(s for s in validation.submissions if s.name == "LPSK_2026-S1.xlsx")
    assert again.read(other.path, other.sha256, other.name) is not None


def test_a_reading_of_the_moment_is_not_kept(inbox, rules, period, tmp_path):
    """A file locked by another program, memory short, a reading worker lost: read again next time."""
    validation = validate_period(inbox, rules, period)
    subs = [
        s for s in validation.submissions if s.name in ("MA_2026-S1.xlsx", "LPSK_2026-S1.xlsx", "KEMLU_2026-S1.xlsx")
    ]
    locked = dataclasses.replace(subs[0], problems=[Problem(subs[0].name, "unreadable-file")])
    short = dataclasses.replace(subs[1], problems=[Problem(subs[1].name, "unsafe-file", debug="MemoryError: ...")])
    lost = subs[2]
    cache = Cache(tmp_path / "out", rules, period)
    cache.look([s.path for s in subs])
    cache.keep([locked, short, lost], lost=[lost.path])
    assert cache.new.reads == {}


def test_a_file_taken_from_the_cache_that_changed_since_stops_the_run(inbox, rules, period, tmp_path):
    out = tmp_path / "out"
    validate_period(inbox, rules, period, cache=(first := Cache(out, rules, period)))
    first.save()
    cache = Cache(out, rules, period)
    cache.look(sorted(inbox.iterdir()))
    path = inbox / "MA_2026-S1.xlsx"
    sub = cache.read(path, ingest.sha256(path), path.name)
    assert sub is not None and sub.rows is None and sub.count
    wb = openpyxl.load_workbook(path)
    wb["Laporan"]["E5"] = "Diubah"
    wb.save(path)
    with pytest.raises(RanpeError, match="berubah selagi perintah ini berjalan"):
        ingest.load_rows([sub], rules, period)


def test_a_finalised_period_stays_unchanged(inbox, rules, period, tmp_path):
    """The cache lives outside outbox/<period>/: a finalised period is refused before anything
    is read, and `ranpe status`, which reads the cache, writes nothing."""
    new = "lap ranpe kemensos final.xlsx"
    shutil.move(inbox / new, tmp_path / new)
    outbox = tmp_path / "outbox"
    where = ["--inbox", str(inbox), "--outbox", str(outbox)]
    assert CliRunner().invoke(main, ["consolidate", "--period", "2026-S1", *where]).exit_code == 1
    assert CliRunner().invoke(main, ["finalise", "--period", "2026-S1", "--outbox", str(outbox)]).exit_code == 0
    before, cache = file_tree(outbox / "2026-S1"), file_tree(outbox / ".cache")
    assert f"2026-S1/{PACK}" in cache and cache_folder(outbox, "2026-S1").parent == outbox / ".cache"
    shutil.copy2(tmp_path / new, inbox / new)
    refused = CliRunner().invoke(main, ["validate", "--period", "2026-S1", *where])
    assert refused.exit_code == 2 and "sudah difinalisasi" in refused.output
    status = CliRunner().invoke(main, ["status", "--period", "2026-S1", *where])
    assert status.exit_code == 0 and new in status.output, status.output
    assert file_tree(outbox / "2026-S1") == before
    assert file_tree(outbox / ".cache") == cache


def test_a_row_check_finds_on_each_file_alone_what_it_finds_on_all(demo_sample, rules, period):
    """The premise of keeping each file's checks: normalising, the column checks and every
    check of checks.yaml not marked `across` give on one file's rows what they give on that
    file's rows among all the period's rows."""
    validation = validate_period(demo_sample.inbox, rules, period)
    used = [s for s in validation.submissions if not s.rejected and not s.superseded and s.has_rows]
    assert len(used) > 20 and {"outlier", "far_above", "twins"} == ACROSS

    def found(subs) -> list:
        raw = _frame(subs, [c.key for c in rules.fields.columns if c.input])
        letters = {s.name: s.letters for s in subs}
        typed, corrections = normalise_frame(raw, rules, letters)
        ctx = Context(rules, period, letters, raw)
        values = [(-2, p) for p in corrections + column_problems(typed, ctx)]
        return sorted(values + row_problems(typed, ctx)), typed

    together, typed = found(used)
    alone = [found([s]) for s in used]
    assert len(together) > 10
    assert together == sorted(x for problems, _ in alone for x in problems)
    assert pd.concat([t for _, t in alone], ignore_index=True).equals(typed)


def test_pairs_are_looked_up_as_a_multiindex_would():
    a = pd.Series(["KEMENAG", "POLRI", "KEMENAG", None, "TNI"], dtype=object)
    b = pd.Series(["1.1.1", "1.1.1", None, "1.1.1", "2.1.1"], dtype=object)
    values = {("KEMENAG", "1.1.1"): 40.0, ("POLRI", "1.1.1"): 12.0, ("TNI", "9.9.9"): 3.0}
    expected = pd.Series(values, dtype=float).reindex(pd.MultiIndex.from_arrays([a, b])).to_numpy()
    np.testing.assert_array_equal(_pairs(a, b, values), expected)
    assert np.isnan(_pairs(a, b, {})).all()


def test_the_status_board_reads_the_cache_of_the_last_validation(inbox, rules, period, tmp_path, reads):
    outbox = tmp_path / "outbox"
    run(inbox, outbox, rules, period, consolidation=False)
    before = file_tree(outbox)
    reads.clear()
    args = ["status", "--period", "2026-S1", "--inbox", str(inbox), "--outbox", str(outbox)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0 and reads == [], result.output
    assert file_tree(outbox) == before


def test_another_period_keeps_its_own_cache(inbox, rules, tmp_path, reads):
    """Periods share the inbox: a run of another period leaves this period's cache as it is."""
    outbox, s1 = tmp_path / "outbox", parse_period("2026-S1", rules)
    run(inbox, outbox, rules, s1, consolidation=False)
    kept = file_tree(cache_folder(outbox, "2026-S1"))
    run(inbox, outbox, rules, parse_period("2026-S2", rules), consolidation=False)
    assert file_tree(cache_folder(outbox, "2026-S1")) == kept
    reads.clear()
    run(inbox, outbox, rules, s1, consolidation=False)
    assert reads == []


def test_libyaml_reads_the_texts_and_rules_as_pyyaml_does(rules):
    """Every command reads the texts and rules first: with libyaml where PyYAML has it, which
    must read them alike (a text it reads otherwise, with a tab, is left to PyYAML)."""
    import yaml

    from pipeline.core import texts, yaml_typos

    shipped = [texts.TEXTS_DIR / "id.yaml", *sorted(rules.folder.glob("*.yaml"))]
    for path in shipped:
        text = path.read_text(encoding="utf-8")
        assert yaml.load(text, Loader=yaml.CSafeLoader) == yaml.load(text, Loader=yaml.SafeLoader), path
        assert yaml_typos.load(text) == yaml.load(text, Loader=yaml_typos._Loader), path


def test_files_checked_in_two_shares_give_what_one_share_gives(demo_sample, rules, period, monkeypatch):
    """Many rows to check are shared with a forked worker (per_file.SHARED): the rows, their
    types and every problem are those of one process checking them all."""
    whole = validate_period(demo_sample.inbox, rules, period)
    monkeypatch.setattr(per_file, "SHARED", 1)
    assert len(per_file._shares([s for s in whole.submissions if s.has_rows and s.rows is not None])) == 2
    shared = validate_period(demo_sample.inbox, rules, period)
    assert shared.as_dict() == whole.as_dict()
    assert shared.typed.equals(whole.typed) and shared.accepted.equals(whole.accepted)
    assert (shared.typed.dtypes == whole.typed.dtypes).all()
