"""The peer-corpus check: run `ranpe validate` and `ranpe consolidate` over the public test
files of other spreadsheet libraries (about 2,700 .xlsx, .xlsm, .xlsb, .xls and .ods,
encrypted, broken and hostile ones among them) and report what a secretariat would worry
about: tracebacks, files left unnamed, outputs written twice, a changed inbox, results that
depend on the order of the files, time and peak memory.

    python bench/peer_corpus.py [--cache DIR] [--mirrors DIR] [--sources xlsxwriter,sheetjs]

The test suites are taken from git: a mirror already on this machine (`--mirrors`, one
`<owner>+<name>/repo` git directory per repository, as the tool library's fetch leaves
them), or else a shallow `git clone` from GitHub into the cache. Nothing of them is
committed: the cache (default bench/work/peer_corpus/) is git-ignored. Every file is named
after an agency of rules/agencies.yaml, so that many files claim one agency, the way a
mis-sorted mailbox would. Exit status: 0 when every check passed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SOURCES = {  # name: (GitHub repository, folder of its test files; "" = the whole tree)
    "xlsxwriter": ("jmcnamara/XlsxWriter", "xlsxwriter/test/comparison/xlsx_files"),
    "sheetjs": ("SheetJS/test_files", ""),
    "closedxml": ("ClosedXML/ClosedXML", ""),
    "phpspreadsheet": ("PHPOffice/PhpSpreadsheet", ""),
    "calamine": ("tafia/calamine", "tests"),
    "roo": ("roo-rb/roo", "test"),
    "exceljs": ("exceljs/exceljs", ""),
    "openpyxl": ("theorchard/openpyxl", ""),
    "xlrd": ("python-excel/xlrd", ""),
}
EXTENSIONS = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".xltx", ".xltm")
PERIOD = "2026-S1"
FIXED_MTIME = 1780272000  # 2026-06-01: the same corpus gives the same inbox


# ---- collecting the corpus ------------------------------------------------------------
def git_dir(repo: str, mirrors: Path | None, cache: Path) -> Path:
    """A git directory holding `repo`: a local mirror, or a shallow clone made now."""
    candidates = []
    if mirrors:
        base = mirrors / repo.replace("/", "+") / "repo"
        candidates += [base / ".git", base]
    clone = cache / "git" / repo.replace("/", "+")
    candidates.append(clone)
    for c in candidates:
        if (c / "HEAD").is_file() or (c / "objects").is_dir():
            return c
    print(f"cloning https://github.com/{repo} ...", flush=True)
    clone.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["git", "clone", "--quiet", "--bare", "--depth", "1", f"https://github.com/{repo}", str(clone)],
                   check=True)  # fmt: skip
    return clone


def extract(name: str, git: Path, folder: str, into: Path) -> int:
    """Write the spreadsheet files of `git`'s HEAD under `folder` into `into`, flat, named
    `<source>--<path with / as -->`; returns how many."""
    listing = subprocess.run(["git", "--git-dir", str(git), "ls-tree", "-r", "-z", "--full-tree", "HEAD"],
                             check=True, capture_output=True).stdout  # fmt: skip
    blobs = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, path = entry.split(b"\t", 1)
        _mode, kind, sha = meta.split()
        text = path.decode("utf-8", "surrogateescape")
        if kind == b"blob" and text.lower().endswith(EXTENSIONS) and text.startswith(folder):
            blobs.append((sha.decode(), text))
    batch = subprocess.Popen(["git", "--git-dir", str(git), "cat-file", "--batch"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
    for sha, path in blobs:
        batch.stdin.write(sha.encode() + b"\n")
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if header[1] == b"missing":
            continue
        data = batch.stdout.read(int(header[2]))
        batch.stdout.read(1)
        flat = f"{name}--{path.replace('/', '--')}"
        if len(flat.encode("utf-8", "surrogateescape")) > 180:  # room for an agency prefix
            flat = (
                f"{name}--{hashlib.sha1(path.encode('utf-8', 'surrogateescape')).hexdigest()[:12]}{Path(path).suffix}"
            )
        target = into / flat
        target.write_bytes(data)
        os.utime(target, (FIXED_MTIME, FIXED_MTIME))
    batch.stdin.close()
    batch.wait()
    return len(blobs)


def collect(cache: Path, mirrors: Path | None, sources: list[str]) -> Path:
    files = cache / "files"
    shutil.rmtree(files, ignore_errors=True)
    files.mkdir(parents=True)
    for name in sources:
        repo, folder = SOURCES[name]
        n = extract(name, git_dir(repo, mirrors, cache), folder, files)
        print(f"  {name:<15} {repo:<28} {n:5d} files", flush=True)
    return files


def build_inbox(files: Path, inbox: Path) -> list[Path]:
    """The corpus as one inbox, each file's name starting with an agency's code in turn."""
    from pipeline.core.rules import load_rules

    codes = [a.code for a in load_rules().agencies]
    shutil.rmtree(inbox, ignore_errors=True)
    inbox.mkdir(parents=True)
    out = []
    for i, f in enumerate(sorted(files.iterdir())):
        target = inbox / f"{codes[i % len(codes)]} {f.name}"
        try:
            os.link(f, target)
        except OSError:
            shutil.copy2(f, target)
        out.append(target)
    return out


# ---- measuring -------------------------------------------------------------------------
def snapshot(folder: Path) -> dict[str, tuple]:
    return {
        p.name: (p.stat().st_size, p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.iterdir())
    }


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of `pid` and all its descendants now (Linux /proc), MB."""
    parent, rss = {}, {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            parent[int(entry.name)] = int(fields[1])
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += [c for c, pp in parent.items() if pp == p]
    return total / 2**20


def run_measured(args: list[str]) -> dict:
    """Run a command; its time, exit code, output and peak memory (process tree, sampled)."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = [0.0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], _tree_rss_mb(proc.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    sampler.join()
    return {"seconds": time.perf_counter() - start, "exit": proc.returncode, "peak_mb": peak[0],
            "stdout": out.decode("utf-8", "replace"), "stderr": err.decode("utf-8", "replace")}  # fmt: skip


def per_file_results(paths: list[Path]) -> dict[str, tuple]:
    """Each file read alone in a one-worker pool, in the order given: what came back."""
    from pipeline.core.rules import load_rules
    from pipeline.intake.read import read_all

    limits = load_rules().limits.model_copy(update={"workers": 1})
    books = read_all(paths, limits)
    return {
        b.path.name: (b.error, b.detail, b.has_vba, tuple(b.hidden),
                      hashlib.sha256(repr(sorted(b.sheets.items())).encode()).hexdigest())
        for b in books
    }  # fmt: skip


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=ROOT / "bench" / "work" / "peer_corpus")
    ap.add_argument("--mirrors", type=Path, default=Path("/work/.mirror") if Path("/work/.mirror").is_dir() else None)
    ap.add_argument("--sources", default=",".join(SOURCES))
    ap.add_argument("--skip-order", action="store_true", help="skip the order check (two single-worker reads)")
    opts = ap.parse_args()
    from pipeline.core.names import display_name

    print("collecting the corpus:", flush=True)
    files = collect(opts.cache, opts.mirrors, opts.sources.split(","))
    inbox = opts.cache / "inbox"
    paths = build_inbox(files, inbox)
    print(f"inbox: {len(paths)} files in {inbox}", flush=True)
    before = snapshot(inbox)
    outbox = opts.cache / "outbox"
    shutil.rmtree(outbox, ignore_errors=True)
    cli = [sys.executable, "-m", "pipeline.cli"]
    common = ["--period", PERIOD, "--inbox", str(inbox), "--outbox", str(outbox)]
    runs = {
        "validate": run_measured([*cli, "validate", "--json", *common]),
        "consolidate": run_measured([*cli, "consolidate", *common]),
    }
    checks = {}
    for name, r in runs.items():
        checks[f"{name}: no traceback"] = "Traceback" not in r["stderr"] + r["stdout"]
        checks[f"{name}: exit code 0 or 1 (not 2, not a crash)"] = r["exit"] in (0, 1)
    report = json.loads(runs["validate"]["stdout"] or "{}")
    named = {f["file"] for f in report.get("files", [])} | {p["file"] for p in report.get("problems", [])}
    unnamed = [n for n in before if display_name(n) not in named]
    checks["every file named in the validation"] = not unnamed
    manifest = (
        json.loads((outbox / PERIOD / "manifest.json").read_text())
        if (outbox / PERIOD / "manifest.json").is_file()
        else {}
    )
    outputs = [o["file"] for o in manifest.get("outputs", [])]
    checks["manifest lists each output once"] = bool(outputs) and len(outputs) == len(set(outputs))
    feedback = sorted((outbox / PERIOD / "umpan_balik").glob("*.xlsx"))
    agencies = {f.get("agency") for f in report.get("files", []) if f.get("agency")}
    checks["one feedback workbook per agency at most"] = len(feedback) <= len(agencies)
    checks["inbox unchanged"] = snapshot(inbox) == before
    order = {}
    if not opts.skip_order:
        t0 = time.perf_counter()
        first = per_file_results(paths)
        failed = [p for p in paths if first[p.name][0] == "unsafe-file"]
        rest = [p for p in reversed(paths) if p not in set(failed)]
        second = per_file_results(failed + rest)  # failures first, then the others reversed
        differ = sorted(n for n in first if first[n] != second[n])
        order = {"seconds": time.perf_counter() - t0, "failures_first": len(failed), "differ": differ}
        checks["per-file results independent of order (one worker, failures first)"] = not differ
    summary = {
        "files": len(paths),
        "rejected": sum(1 for f in report.get("files", []) if f.get("status") == "rejected"),
        "feedback_workbooks": len(feedback),
        "problems": len(report.get("problems", [])),
        "runs": {k: {x: v[x] for x in ("seconds", "exit", "peak_mb")} for k, v in runs.items()},
        "order": order,
        "unnamed": unnamed[:20],
        "checks": checks,
    }
    for name, r in runs.items():
        print(
            f"{name:<12} {r['seconds']:7.1f} s   peak {r['peak_mb']:6.0f} MB (process and workers)   exit {r['exit']}"
        )
        if "Traceback" in r["stderr"]:
            print(r["stderr"][-3000:])
    if order:
        print(f"order check  {order['seconds']:7.1f} s   ({order['failures_first']} failing files first)")
    print(f"{summary['files']} files: {summary['rejected']} rejected, {summary['problems']} problems, "
          f"{summary['feedback_workbooks']} feedback workbooks")  # fmt: skip
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAILED'}] {name}")
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "peer_corpus.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False))
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
