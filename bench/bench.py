"""`make bench`: the real pipeline end to end at national and regional scale, beside the
bare floor (python-calamine reading, xlsxwriter writing) and the usual way (pandas +
openpyxl), and the re-run of `ranpe validate` and `ranpe status` after one new file, from
the cache. Inboxes are built with the project's own template builder and sample row
generator (fixed seed) and cached under bench/work/. Each measurement runs in a fresh
interpreter so its peak memory is its own. Results: printed, and JSON in bench/results/.

    python bench/bench.py [--sizes 25x50,50x200,585x200,20x5000] [--skip-baseline]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
RESULTS = ROOT / "bench" / "results"
SIZES = "25x50,50x200,585x200,20x5000"
PERIOD = "2026-S1"
INPUTS_VERSION = "5"  # bump when the generated inputs change: cached inboxes are rebuilt
sys.path.insert(0, str(ROOT))


# ---- building the inputs -------------------------------------------------------------
def bench_rules(units: int) -> Path:
    """rules/ as shipped, its sample regions left out; when more units report than there are
    K/L, every province and kab/kota government of the code list as a reporting unit called in
    for the period (33 K/L + 38 + 514 = 585, the real shape), each reporting on every action."""
    folder = WORK / f"rules_{units}"
    shutil.rmtree(folder, ignore_errors=True)  # always the rules as shipped now
    shutil.copytree(ROOT / "rules", folder)
    n_kl = len(yaml.safe_load((folder / "agencies.yaml").read_text())["agencies"])
    regions = []
    if units > n_kl:
        provinces = yaml.safe_load((folder / "provinces.yaml").read_text())["provinces"]
        kabkota = yaml.safe_load((folder / "regencies.yaml").read_text())["regencies"]
        codes = [f"PROV-{p['kemendagri']}" for p in provinces] + [f"KABKOTA-{r['code']}" for r in kabkota]
        groups = [g["code"] for g in yaml.safe_load((folder / "catalogue.yaml").read_text())["groups"]]
        regions = [{"code": c, "email": f"kesbangpol.{c.lower()}@example.go.id", "rad_pe": i % 3 == 0, "foci": groups}
                   for i, c in enumerate(codes[: units - n_kl])]  # fmt: skip
    (folder / "regions.yaml").write_text(yaml.safe_dump({"regions": regions}, allow_unicode=True))
    periods = yaml.safe_load((folder / "periods.yaml").read_text())
    periods["regions"] = {PERIOD: [r["code"] for r in regions]}
    (folder / "periods.yaml").write_text(yaml.safe_dump(periods, allow_unicode=True))
    return folder


def _one_return(args) -> None:
    rules_dir, code, n_rows, seed, path = args
    from pipeline.core.periods import parse_period
    from pipeline.core.rules import load_rules
    from pipeline.demo.activities import Filler
    from pipeline.outputs.template import Sheet, write_template

    rules = load_rules(rules_dir)
    period = parse_period(PERIOD, rules)
    rng = random.Random(seed)
    filler = Filler(rules, rng, period)
    assigned = rules.assigned_actions(code) or [(fa, "Pendukung") for fa in rules.actions]
    unit = rules.get_agency(code)
    regional = unit.regional
    home = next((p for p in rules.provinces.provinces if p.kemendagri == unit.province), None)
    places = rules.regencies_by_province[unit.province] if regional else []
    # a kab/kota government in its own kab/kota; a province's in one of its province's
    place = next((r for r in places if r.code == unit.regency), places[seed % len(places)] if places else None)
    short = {p.name: (p.aliases or [p.name])[0] for p in rules.provinces.provinces}
    rows = []
    for i in range(n_rows):
        fa, role = assigned[i % len(assigned)]
        row = filler.activity(code, fa, role, i)
        row["no"] = i + 1
        if regional:  # a regional government works in its own province and kab/kota (of the code list)
            row["provinsi"], row["kabupaten_kota"] = home.name, place.name
            row["nama_kegiatan"] = row["nama_kegiatan"].split(" di ")[0] + f" di {place.name}"
        if rng.random() < 0.02:  # typical retyping, corrected by the normalisers
            row["anggaran"] = f"{row['anggaran']:,}".replace(",", ".")
        if rng.random() < 0.01:  # the province's short form ("Jatim"), its kab/kota still in it
            row["provinsi"] = short.get(row["provinsi"], row["provinsi"])
        rows.append(row)
    if rng.random() < 0.25:  # a quarter of the units get a row or two sent back to fix
        for row in rng.sample(rows, k=min(len(rows), rng.randint(1, 3))):
            row["jumlah_peserta"] = "sekitar 50 orang"
    identity = {"nama_petugas": "Petugas", "email": "p@example.go.id", "tanggal_pengisian": period.deadline}
    sheet = Sheet(rules.get_agency(code), period, dt.date(2026, 1, 5), rows=rows, identity=identity)
    write_template(Path(path), rules, sheet)


def build_inbox(units: int, rows: int) -> tuple[Path, Path]:
    rules_dir = bench_rules(units)
    inbox = WORK / f"{units}x{rows}" / "inbox"
    done = inbox.parent / ".complete"
    if done.exists() and done.read_text() == INPUTS_VERSION:
        return inbox, rules_dir
    shutil.rmtree(inbox, ignore_errors=True)
    inbox.mkdir(parents=True)
    codes = [a["code"] for a in yaml.safe_load((rules_dir / "agencies.yaml").read_text())["agencies"]]
    codes = (codes + [r["code"] for r in yaml.safe_load((rules_dir / "regions.yaml").read_text())["regions"]])[:units]
    jobs = [(str(rules_dir), c, rows, 1000 + i, str(inbox / f"{c}_{PERIOD}.xlsx")) for i, c in enumerate(codes)]
    with ProcessPoolExecutor(max_workers=os.cpu_count()) as pool:
        list(pool.map(_one_return, jobs, chunksize=4))
    done.write_text(INPUTS_VERSION)
    return inbox, rules_dir


# ---- the measurements (each in a fresh interpreter) ---------------------------------
def measure_pipeline(inbox: Path, rules_dir: Path, out: Path) -> dict:
    from pipeline.core.periods import parse_period
    from pipeline.core.rules import load_rules
    from pipeline.core.stopwatch import Stopwatch, peak_mb
    from pipeline.run import run

    rules = load_rules(rules_dir)
    watch = Stopwatch()
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    result = run(inbox, out, rules, parse_period(PERIOD, rules), consolidation=True, watch=watch)
    seconds = time.perf_counter() - start
    files = result.validation.files
    return {"seconds": seconds, "peak_mb": peak_mb(), "stages": watch.stages,
            "accepted_rows": sum(f.accepted for f in files), "rows_read": sum(f.read for f in files),
            "feedback_files": len(result.feedback)}  # fmt: skip


def measure_floor(inbox: Path, out: Path) -> dict:
    """python-calamine reading every sheet into lists, then xlsxwriter writing the report rows
    once as plain values: the least any tool must do."""
    import xlsxwriter
    from python_calamine import CalamineWorkbook

    from pipeline.core.stopwatch import peak_mb

    start = time.perf_counter()
    rows = []
    for path in sorted(inbox.glob("*.xlsx")):
        wb = CalamineWorkbook.from_path(str(path))
        sheets = {n: wb.get_sheet_by_name(n).to_python() for n in wb.sheet_names}
        rows += sheets["Laporan"][4:]
    read = time.perf_counter() - start
    out.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(out / "floor.xlsx"), {"constant_memory": True})
    ws = wb.add_worksheet()
    for r, row in enumerate(rows):
        ws.write_row(r, 0, [v if not isinstance(v, dt.date) else v.isoformat() for v in row])
    wb.close()
    return {"seconds": time.perf_counter() - start, "read_seconds": read, "peak_mb": peak_mb(), "rows": len(rows)}


def measure_baseline(inbox: Path, out: Path) -> dict:
    """The usual way: pandas.read_excel with openpyxl in a loop, concat, one to_excel."""
    import pandas as pd

    from pipeline.core.stopwatch import peak_mb

    start = time.perf_counter()
    frames = [pd.read_excel(p, sheet_name="Laporan", header=3, engine="openpyxl") for p in sorted(inbox.glob("*.xlsx"))]
    data = pd.concat(frames, ignore_index=True)
    out.mkdir(parents=True, exist_ok=True)
    data.to_excel(out / "baseline.xlsx", engine="openpyxl", index=False)
    return {"seconds": time.perf_counter() - start, "peak_mb": peak_mb(), "rows": len(data)}


def measure_rerun(inbox: Path, rules_dir: Path, out: Path) -> dict:
    """The officer's re-run during collection: `ranpe validate` on every file but one (which
    fills the cache), then that file added to the inbox and `ranpe validate` and `ranpe
    status` run again, each a fresh command as typed at the console. The file keeps its
    time, so the outputs keep their date (a file of a later day dates every feedback
    workbook anew: they are all written again once that day)."""
    shutil.rmtree(out, ignore_errors=True)
    work, outbox = out / "inbox", out / "outbox"
    work.mkdir(parents=True)
    files = sorted(inbox.glob("*.xlsx"))
    new = next(f for f in files[len(files) // 2 :] if _sent_back(f))  # one with something to fix, as a quarter have
    for f in files:
        if f != new:
            shutil.copy2(f, work / f.name)

    def ranpe(command: str) -> float:
        args = [command, "--period", PERIOD, "--inbox", str(work), "--outbox", str(outbox)]
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pipeline.cli", "--rules", str(rules_dir), *args],
                              capture_output=True, text=True, cwd=ROOT)  # fmt: skip
        assert done.returncode in (0, 1), done.stderr
        return time.perf_counter() - start

    first = ranpe("validate")
    feedback = outbox / PERIOD / "umpan_balik"
    stamps = {p.name: p.stat().st_mtime_ns for p in feedback.glob("*.xlsx")}
    shutil.copy2(new, work / new.name)
    again = ranpe("validate")
    rewritten = sum(stamps.get(p.name) != p.stat().st_mtime_ns for p in feedback.glob("*.xlsx"))
    status = ranpe("status")
    cache = sum(p.stat().st_size for p in (outbox / ".cache").rglob("*") if p.is_file())
    return {"first_validate_seconds": first, "validate_seconds": again, "status_seconds": status,
            "files": len(files), "feedback_rewritten": rewritten, "feedback_files": len(stamps),
            "cache_mb": cache / 2**20}  # fmt: skip


def _sent_back(path: Path) -> bool:
    """Whether a generated return has a row to send back (an unreadable participant count)."""
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Laporan").to_python()
    return any(value == "sekitar 50 orang" for row in rows for value in row)


def _child(kind: str, inbox: Path, rules_dir: Path) -> dict:
    out = WORK / "out" / f"{kind}_{inbox.parent.name}"
    cmd = [sys.executable, __file__, "--child", kind, str(inbox), str(rules_dir), str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- report ---------------------------------------------------------------------------
# In order; "outputs" is the wall time of the writing stage, in which the summary and the
# feedback workbooks are written by forked workers (their own time, summed over workers)
# while the main process writes the Word report, the I-KHub export and the validation list.
STAGES = ["read", "normalise_validate", "review", "consolidate", "obstacle themes", "overlaps", "outputs",
          "summary_workbook", "feedback_workbooks", "cache", "word_report", "public_report", "ikhub", "open_data",
          "review_workbook", "validation_list", "manifest", "history"]  # fmt: skip
IN_WORKERS = {"summary_workbook": "in a worker", "review_workbook": "in a worker",
              "feedback_workbooks": "in workers, summed", "cache": "in a worker"}  # fmt: skip
IN_OUTPUTS = {"word_report", "public_report", "ikhub", "open_data", "validation_list"}


def machine() -> dict:
    cpu = ""
    with open("/proc/cpuinfo") as fh:
        cpu = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem, 1), "python": platform.python_version(),
            "platform": platform.platform()}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", SIZES))
    ap.add_argument("--skip-baseline", action="store_true")
    ap.add_argument("--child", nargs=4)
    args = ap.parse_args()
    if args.child:
        kind, inbox, rules_dir, out = args.child
        fn = {"pipeline": lambda: measure_pipeline(Path(inbox), Path(rules_dir), Path(out)),
              "rerun": lambda: measure_rerun(Path(inbox), Path(rules_dir), Path(out)),
              "floor": lambda: measure_floor(Path(inbox), Path(out)),
              "baseline": lambda: measure_baseline(Path(inbox), Path(out))}[kind]  # fmt: skip
        print(json.dumps(fn()))
        return
    results = {"machine": machine(), "date": dt.date.today().isoformat(), "sizes": []}
    print(f"machine: {results['machine']['cpu']}, {results['machine']['cores']} cores, "
          f"{results['machine']['memory_gb']} GB, Python {results['machine']['python']}")  # fmt: skip
    for size in args.sizes.split(","):
        units, rows = map(int, size.split("x"))
        t0 = time.perf_counter()
        inbox, rules_dir = build_inbox(units, rows)
        print(
            f"\n== {units} units x {rows} rows ({units * rows:,} rows; "
            f"inputs ready in {time.perf_counter() - t0:.0f} s)"
        )
        entry = {"units": units, "rows_per_unit": rows, "rows": units * rows}
        entry["pipeline"] = _child("pipeline", inbox, rules_dir)
        entry["floor"] = _child("floor", inbox, rules_dir)
        entry["rerun"] = _child("rerun", inbox, rules_dir)
        if not args.skip_baseline:
            entry["baseline"] = _child("baseline", inbox, rules_dir)
        _print(entry)
        results["sizes"].append(entry)
    _scaling(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"bench_{dt.datetime.now().strftime('%Y%m%d_%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=1))
    print(f"\nresults: {path}")


def _print(e: dict) -> None:
    p, f = e["pipeline"], e["floor"]
    word = p["stages"].get("word_report", {}).get("seconds", 0)
    print(f"pipeline end to end   {p['seconds']:8.2f} s   peak {p['peak_mb']:7.0f} MB   "
          f"{p['rows_read'] / p['seconds']:9,.0f} rows/s   ({p['accepted_rows']:,} accepted, "
          f"{p['feedback_files']} feedback files)")  # fmt: skip
    for name in STAGES:
        s = p["stages"].get(name)
        if s:
            indent = "    " if name in IN_WORKERS or name in IN_OUTPUTS else "  "
            note = f"   ({IN_WORKERS[name]})" if name in IN_WORKERS else ""
            print(f"{indent}{name:<{22 - len(indent)}}{s['seconds']:8.2f} s   peak {s['peak_mb']:7.0f} MB{note}")
    print(f"floor (calamine+xlsxwriter) {f['seconds']:8.2f} s   (reading alone {f['read_seconds']:.2f} s)")
    print(f"ratio pipeline/floor          {p['seconds'] / f['seconds']:6.2f}   "
          f"(without the Word report: {(p['seconds'] - word) / f['seconds']:.2f})")  # fmt: skip
    if "baseline" in e:
        b = e["baseline"]
        print(f"baseline (pandas+openpyxl)  {b['seconds']:8.2f} s   peak {b['peak_mb']:7.0f} MB")
        print(f"ratio baseline/pipeline       {b['seconds'] / p['seconds']:6.2f}")
    r = e["rerun"]
    print(f"validate, every file but one  {r['first_validate_seconds']:6.2f} s   (fills the cache)")
    print(f"validate after one new file   {r['validate_seconds']:6.2f} s   ({r['feedback_rewritten']} of "
          f"{r['feedback_files']} feedback files written again; cache {r['cache_mb']:.0f} MB)")  # fmt: skip
    print(f"status after one new file     {r['status_seconds']:6.2f} s")
    if e["units"] == 20 and e["rows_per_unit"] == 5000:  # dense units: the floor and memory targets
        checks = [
            ("peak under 1.5 GB", p["peak_mb"] < 1536),
            ("within 1.5x the floor", p["seconds"] <= 1.5 * f["seconds"]),
        ]
        print("targets: " + "; ".join(f"{name} {'met' if ok else 'NOT met'}" for name, ok in checks))
    if e["units"] == 585 and e["rows_per_unit"] == 200:  # the targets, at the real regional scale
        checks = [("under 30 s", p["seconds"] < 30), ("peak under 1.5 GB", p["peak_mb"] < 1536),
                  ("within 1.5x the floor", p["seconds"] <= 1.5 * f["seconds"]),
                  ("re-run after one new file under 3 s", r["validate_seconds"] < 3)]  # fmt: skip
        if "baseline" in e:
            checks.append(("3x faster than the baseline", e["baseline"]["seconds"] >= 3 * p["seconds"]))
        print("targets: " + "; ".join(f"{name} {'met' if ok else 'NOT met'}" for name, ok in checks))


def _scaling(results: dict) -> None:
    """Slope of log(time) against log(rows) over the sizes run: 1.0 is linear."""
    pts = [(math.log(e["rows"]), math.log(e["pipeline"]["seconds"])) for e in results["sizes"]]
    if len(pts) < 2:
        return
    mx, my = sum(x for x, _ in pts) / len(pts), sum(y for _, y in pts) / len(pts)
    slope = sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)
    results["scaling_exponent"] = slope
    print(f"\nscaling exponent (log time vs log rows, all sizes): {slope:.2f}")


if __name__ == "__main__":
    main()
