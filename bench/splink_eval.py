"""Splink (UK Ministry of Justice, DuckDB backend) on the labelled set of overlap_eval.py,
beside our scorer: precision, recall and time, on the set and on 100,000 activities.

Splink is not a dependency of ranpe-pipeline; run this in a separate environment:

    python -m venv /tmp/splink && /tmp/splink/bin/pip install splink pandas rapidfuzz pyyaml pydantic
    PYTHONPATH=. /tmp/splink/bin/python bench/splink_eval.py

Splink gets the same blocking rules as rules/overlap.yaml and the names as our normaliser
leaves them (so the comparison is of the matching, not of the clean-up); its m and u
probabilities are trained without labels (random sampling for u, expectation maximisation
for m), as its documentation recommends. A pair is a duplicate at match probability 0.9
or more.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import splink.comparison_library as cl  # noqa: E402
from overlap_eval import DUPLICATE_KINDS, build  # noqa: E402
from splink import DuckDBAPI, Linker, SettingsCreator, block_on  # noqa: E402

from pipeline.analysis.activity_names import ActivityNames  # noqa: E402
from pipeline.core.rules import load_rules  # noqa: E402

THRESHOLD = 0.9


def splink_pairs(frame: pd.DataFrame, rules) -> tuple[pd.DataFrame, float]:
    names, batches = ActivityNames(rules).normalise(frame["nama_kegiatan"], frame["provinsi"], frame["kabupaten_kota"])
    df = pd.DataFrame({
        "unique_id": range(len(frame)), "agency": frame["_agency"].to_numpy(), "name": names, "batch": batches,
        "action": frame["kode_aksi"].to_numpy(), "province": frame["provinsi"].to_numpy(),
        "regency": frame["kabupaten_kota"].replace("", None).to_numpy(),
        "start": pd.to_datetime(frame["tanggal_mulai"]).dt.strftime("%Y-%m-%d").to_numpy(),
        "group": frame["sasaran"].to_numpy(),
    })  # fmt: skip
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("action", "province"), block_on("province", "start"), block_on("province", "regency"),
        ],
        comparisons=[
            cl.JaroWinklerAtThresholds("name", [0.95, 0.9, 0.8]),
            cl.ExactMatch("batch"),
            cl.ExactMatch("regency"),
            cl.ExactMatch("start"),
            cl.ExactMatch("group"),
        ],
        additional_columns_to_retain=["agency"],
    )  # fmt: skip
    start = time.perf_counter()
    linker = Linker(DuckDBAPI().register(df), settings)  # Splink 5: a registered table
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("province", "start"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("action", "province"))
    pairs = linker.inference.predict(threshold_match_probability=THRESHOLD).as_pandas_dataframe()
    seconds = time.perf_counter() - start
    pairs = pairs[pairs["agency_l"] != pairs["agency_r"]]
    return pairs, seconds


def main() -> int:
    rules = load_rules()
    frame, label = build(rules, 60, 15)
    pairs, seconds = splink_pairs(frame, rules)
    case = frame["_case"].to_numpy()
    found = {
        int(case[a]) for a, b in zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True) if case[a] == case[b]
    }
    stray = sum(1 for a, b in zip(pairs["unique_id_l"], pairs["unique_id_r"], strict=True) if case[a] != case[b])
    positive = {c for c, k in label.items() if k in DUPLICATE_KINDS}
    tp, fp = len(found & positive), len(found - positive) + stray
    batches = len({c for c in found if label[c] == "other_batch"})
    precision, recall = tp / max(tp + fp, 1), tp / len(positive)
    print(f"splink (match probability >= {THRESHOLD}) on the labelled set: precision {precision:.3f}  "
          f"recall {recall:.3f}  different batches called duplicates {batches}  ({seconds:.1f} s)")  # fmt: skip
    big = pd.concat([frame] * (100_000 // len(frame) + 1), ignore_index=True).head(100_000)
    big["tanggal_mulai"] = pd.to_datetime(big["tanggal_mulai"]) + pd.to_timedelta(big.index // len(frame) * 7, "D")
    _, seconds = splink_pairs(big, rules)
    print(f"splink on 100,000 activities: {seconds:.1f} s (training and prediction)")
    from pipeline.analysis.overlap import find_overlaps

    start = time.perf_counter()
    find_overlaps(big.drop(columns="_case"), rules)
    print(f"ours on the same 100,000 activities: {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
