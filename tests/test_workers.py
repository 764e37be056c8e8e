"""Reading workers cannot poison each other: a file's result never depends on the file read
before it in the same worker, whatever that file did to its worker (out of memory, a Rust
panic, an abort), and what a worker prints on stderr stays with its file.

The files are sparse sheets whose used range calamine materialises cell by cell (32 bytes a
cell) before Python lists are made of it (about 9 bytes a cell more). With the 1 GB a
worker may add to what it inherited: 24 million cells fit as Rust data but not once more
as lists (MemoryError; it starts at about 23 million), 30 million make pyo3 panic ('PyObject
pointer is null'; up to about 34 million), 42 million fail in Rust's allocator, which
aborts the process. The reads run in a fresh interpreter, as the command line tool does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import xlsxwriter

from pipeline.core.texts import t

ROOT = Path(__file__).resolve().parent.parent
READ = """
import json, sys
from pathlib import Path
from pipeline.core.rules import load_rules
from pipeline.intake.read import read_all
limits = load_rules().limits.model_copy(update={"workers": 1})
books = read_all([Path(p) for p in sys.argv[1:]], limits)
print(json.dumps({b.path.name: [b.error, b.detail, len(b.sheets.get("Laporan", []))] for b in books}))
"""


def _sparse(path: Path, rows: int, columns: int) -> Path:
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Laporan")
    ws.write(0, 0, "No")
    ws.write(rows - 1, columns - 1, "ujung")
    wb.close()
    return path


def _read(*paths: Path, env=None) -> dict:
    done = subprocess.run([sys.executable, "-c", READ, *map(str, paths)], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, **(env or {})})  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("workers")
    return {
        "memory": _sparse(d / "memori.xlsx", 99_990, 240),
        "panic": _sparse(d / "panik.xlsx", 99_990, 300),
        "abort": _sparse(d / "alokasi.xlsx", 99_990, 420),
        "large": _sparse(d / "besar.xlsx", 99_990, 100),  # 10 million cells: reads alone
    }


@pytest.mark.parametrize("bad", ["memory", "panic", "abort"])
def test_a_file_read_after_a_failure_reads_as_it_does_alone(bad, files):
    """One worker, the failing file first: the large file that follows reads as it does
    alone, and in the other order both results are the same."""
    alone = _read(files["large"])
    first = _read(files[bad], files["large"])
    second = _read(files["large"], files[bad])
    assert first == second
    assert first["besar.xlsx"] == alone["besar.xlsx"] == [None, "", 99_990]
    in_worker = {t("read.too_much_memory", size="1.024"), t("read.reader_crashed")}  # where the limit falls
    expected = {"memory": in_worker, "panic": in_worker, "abort": {t("read.worker_died", exitcode=-6)}}
    assert first[files[bad].name][1] in expected[bad]


def test_a_panic_with_rust_backtraces_on_does_not_hang(files):
    got = _read(files["panic"], files["large"], env={"RUST_BACKTRACE": "1"})
    assert got["besar.xlsx"] == [None, "", 99_990]
    assert "detik" not in got["panik.xlsx"][1]


def test_worker_stderr_stays_with_its_file(rules, period, files, tmp_path):
    """Rust's 'memory allocation of … failed' is the file's technical note, not console noise."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "KEMENAG alokasi.xlsx").write_bytes(files["abort"].read_bytes())
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "validate", "--json", "--period", period.id,
         "--inbox", str(inbox), "--outbox", str(tmp_path / "outbox")],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env={**os.environ, "RUST_BACKTRACE": "1"},
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "memory allocation" not in done.stderr and "backtrace" not in done.stderr.lower()
    (problem,) = [p for p in json.loads(done.stdout)["problems"] if p["file"] == "KEMENAG alokasi.xlsx"]
    assert problem["code"] == "unsafe-file"
    assert "memory allocation of" in problem["debug"] and "memory" not in problem["message"]


def test_a_hard_address_space_limit_is_respected(files, tmp_path):
    """Under `ulimit -v` (a hard limit an unprivileged process may not raise) files are read."""
    import resource

    small = _sparse(tmp_path / "kecil.xlsx", 10, 5)
    hard = 768 * 2**20  # below what a worker would ask for: what it inherited plus 1 GB

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))

    done = subprocess.run([sys.executable, "-c", READ, str(small)], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, preexec_fn=limit)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["kecil.xlsx"] == [None, "", 10]
