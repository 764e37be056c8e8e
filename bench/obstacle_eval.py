"""`make eval`: precision and recall of the obstacle themes and of their grouping, on the
labelled set bench/hambatan_berlabel.csv (written before the taxonomy and frozen; see
bench/hambatan_berlabel.md). The taxonomy (rules/obstacles.yaml) was tuned on the half
`tune`, then, after its first figures were reported, on `uji` too; so the figures that say
how it did on texts it had not seen are those of the first run on bench/hambatan_uji2.csv,
a second set written blind (without the taxonomy, the classifier or the first set;
bench/hambatan_uji2.md), given in bench/README.md: the taxonomy was extended from it since.

- Themes: for each theme, precision and recall over the texts (a text may have several
  themes, and none). Targets (issue 28): precision at least 0.90 and recall at least 0.85
  per theme on `uji`.
- Grouping: pairwise, over the pairs of texts of one half: a pair is right when both are in
  one labelled group (`kelompok`) and the pipeline put them in one group.

    python bench/obstacle_eval.py [--set uji2] [--half uji|tune|all] [--show N]
"""

from __future__ import annotations

import argparse
import json
import sys
from itertools import combinations
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.analysis.obstacles import classify  # noqa: E402
from pipeline.core.rules import load_rules  # noqa: E402

SETS = {"berlabel": ROOT / "bench" / "hambatan_berlabel.csv", "uji2": ROOT / "bench" / "hambatan_uji2.csv"}
PRECISION, RECALL = 0.90, 0.85


def evaluate(labelled: pd.DataFrame, rules) -> dict:
    got = classify(labelled["teks"], rules)
    rows = got.texts.iloc[got.code].reset_index(drop=True)
    want = labelled["tema"].fillna("").map(lambda x: {k.strip() for k in x.split(";") if k.strip()})
    have = rows["tema"].map(set)
    themes = {}
    for key in [x.key for x in rules.obstacles.themes]:
        w, h = want.map(lambda s, k=key: k in s), have.map(lambda s, k=key: k in s)
        tp, fp, fn = int((w & h).sum()), int((~w & h).sum()), int((w & ~h).sum())
        themes[key] = {
            "texts": int(w.sum()),
            "precision": tp / (tp + fp) if tp + fp else 1.0,
            "recall": tp / (tp + fn) if tp + fn else 1.0,
            "wrong": [labelled["teks"].iat[i] for i in (~w & h).to_numpy().nonzero()[0]],
            "missed": [labelled["teks"].iat[i] for i in (w & ~h).to_numpy().nonzero()[0]],
        }
    same_want = labelled["kelompok"].to_numpy()
    same_have = rows["kelompok"].to_numpy()
    tp = fp = fn = 0
    for a, b in combinations(range(len(labelled)), 2):
        w, h = same_want[a] == same_want[b], same_have[a] == same_have[b]
        tp, fp, fn = tp + (w and h), fp + (h and not w), fn + (w and not h)
    grouping = {"precision": tp / (tp + fp) if tp + fp else 1.0, "recall": tp / (tp + fn) if tp + fn else 1.0,
                "pairs": tp + fn}  # fmt: skip
    return {"themes": themes, "grouping": grouping, "texts": len(labelled)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", choices=list(SETS), default="berlabel", help="the labelled set")
    ap.add_argument("--half", choices=["uji", "tune", "all"], default="uji", help="the half of the first set")
    ap.add_argument("--show", type=int, default=0, help="texts wrongly themed or missed to print per theme")
    opts = ap.parse_args()
    labelled = pd.read_csv(SETS[opts.set], dtype={"tema": str}, keep_default_na=False)
    name = opts.set
    if "bagian" in labelled and opts.half != "all":
        labelled = labelled[labelled["bagian"] == opts.half].reset_index(drop=True)
        name = f"{opts.set}_{opts.half}"
    result = evaluate(labelled, load_rules())
    print(f"obstacle themes on {result['texts']} labelled texts ({SETS[opts.set].name}, {name}):")
    ok = True
    for key, r in result["themes"].items():
        met = r["precision"] >= PRECISION and r["recall"] >= RECALL
        ok &= met
        print(f"  {key:<12} precision {r['precision']:.3f}  recall {r['recall']:.3f}  ({r['texts']} texts)"
              f"{'' if met else '  NOT met'}")  # fmt: skip
        for title, texts in (("wrong", r["wrong"]), ("missed", r["missed"])):
            for x in texts[: opts.show]:
                print(f"      {title}: {x}")
    g = result["grouping"]
    print(f"grouping of near-identical texts: pairwise precision {g['precision']:.3f}  recall {g['recall']:.3f}"
          f"  ({g['pairs']} labelled pairs)")  # fmt: skip
    print("targets (precision >= 0.90, recall >= 0.85 per theme):", "met" if ok else "NOT met")
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / f"obstacle_eval_{name}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False, default=int))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
