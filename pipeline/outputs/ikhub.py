"""The I-KHub export: one record per accepted activity, with stable keys (agency code,
action code, period, activity id), as CSV and JSON. The format is described in
docs/ikhub.md."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.review import DECIDED, EXCLUDE
from ..core.files import atomic_path
from ..core.model import Consolidation
from ..core.rules import Rules

FORMAT_VERSION = 3  # 2: `dikecualikan`; whole numbers without a decimal point; true/false in the CSV; 3: kab/kota codes
KEYS = ["periode", "kode_kl", "kode_aksi", "id_kegiatan"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 10_000  # records made into JSON text at a time: the export is written without a copy of it whole


def ikhub_paths(outbox: Path, period_id: str) -> tuple[Path, Path]:
    folder = outbox / period_id
    return folder / f"ikhub_{period_id}.csv", folder / f"ikhub_{period_id}.json"


def records(c: Consolidation, rules: Rules) -> pd.DataFrame:
    fields = [f for f in rules.fields.columns if f.input and f.key not in ("no", "kode_aksi")]
    acts = c.activities
    out = pd.DataFrame({"periode": c.period, "kode_kl": acts["_agency"], "kode_aksi": acts["kode_aksi"]})
    out["id_kegiatan"] = acts["id_kegiatan"]
    for f in fields:  # pandas writes numbers, text and empty cells itself; dates as YYYY-MM-DD
        out[f.key] = (acts[f.key].map(_iso) if f.type == "date" else _whole(acts[f.key])) if f.key in acts else None
        if f.type == "regency":  # its Kemendagri code beside it (none in a period stored before it was kept)
            out[f"kode_{f.key}"] = acts.get(f"kode_{f.key}")
    out["dihitung_sekali"] = ~acts["duplikat"].astype(bool)  # False: a likely duplicate of another agency's row
    out["dikecualikan"] = _excluded(c, rules)
    return out


def _iso(v):
    return v.isoformat() if isinstance(v, dt.date) else None


def _whole(values: pd.Series) -> pd.Series:
    """Whole numbers as integers (90, not 90.0), the others as they are."""
    if not pd.api.types.is_float_dtype(values):
        return values
    x = values.to_numpy(dtype=float, na_value=np.nan)
    whole = np.isfinite(x) & (x == np.round(x)) & (np.abs(x) < 2**53)  # exact as an integer
    out = x.astype(object)
    out[whole] = x[whole].astype(np.int64)
    out[np.isnan(x)] = None
    return pd.Series(out, index=values.index)


def _excluded(c: Consolidation, rules: Rules) -> pd.Series:
    """Per activity, the keys of the values the secretariat excluded in review, with those
    excluded together with them (rules/review.yaml), ';'-separated in column order; None
    where nothing was, so that a blank value with none is a value never reported."""
    items = c.review.items
    out = items[(items["state"] == DECIDED) & (items["decision"] == EXCLUDE)]
    if out.empty:
        return pd.Series(None, index=c.activities.index, dtype=object)
    groups = rules.review.exclude_together
    together = {col: set().union(*(g for g in groups if col in g)) for g in groups for col in g}
    order = {f.key: i for i, f in enumerate(rules.fields.columns)}
    keys = out.assign(key=[together.get(col, {col}) for col in out["column"]], _row=out["_row"].astype(int))
    named = keys.explode("key").groupby(["_file", "_row"])["key"].agg(lambda k: ";".join(sorted(set(k), key=order.get)))
    at = pd.MultiIndex.from_arrays([c.activities["_file"], c.activities["_row"].astype(int)])
    return pd.Series(named.reindex(at).to_numpy(), index=c.activities.index)


def write_ikhub(c: Consolidation, rules: Rules, outbox: Path) -> list[Path]:
    df = records(c, rules)
    csv_path, json_path = ikhub_paths(outbox, c.period)
    head = {"format": "ranpe-ikhub", "format_version": FORMAT_VERSION, "periode": c.period, "kunci": KEYS}
    with atomic_path(json_path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "kegiatan": [\n')
        for k in range(0, len(df), CHUNK):  # one record per line, no copy as dicts, a chunk of rows at a time
            rows = df.iloc[k : k + CHUNK].to_json(orient="records", force_ascii=False, lines=True)
            fh.write((",\n" if k else "") + rows.rstrip("\n").replace("\n", ",\n"))  # to_json escapes newlines in text
        fh.write("\n]}\n")
    for col in df.select_dtypes(bool):  # as in the JSON, not Python's True and False
        df[col] = df[col].map({True: "true", False: "false"})
    for col in df.columns:
        text = df[col]
        if not (pd.api.types.is_object_dtype(text) or pd.api.types.is_string_dtype(text)):
            continue
        codes, uniques = pd.factorize(text)  # each distinct text tested once
        risky = np.fromiter((isinstance(u, str) and u.startswith(_FORMULA_START) for u in uniques), bool, len(uniques))
        if risky.any():
            at = (codes >= 0) & risky[codes]
            df[col] = text.where(~at, "'" + text.astype(str))
    with atomic_path(csv_path) as tmp, open(tmp, "w", encoding="utf-8", newline="") as fh:
        df.to_csv(fh, index=False, lineterminator="\n")
    return [csv_path, json_path]
