"""The open data of the public edition: a Frictionless data package in
outbox/<period>/data_terbuka/ (datapackage.json with Indonesian titles and descriptions, a
table schema per resource, CSV in UTF-8): the public columns of the activities
(rules/report.yaml `public`), and the figures per action, per province and per target
group of the report's data. Free text is scanned (public.redact), a value still under
review or excluded in review is left blank, and no text begins like a formula."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..analysis.consolidate import achievement
from ..analysis.review import DECIDED, KEEP, VALUE
from ..core.files import write_text
from ..core.model import Consolidation
from ..core.rules import Rules
from ..core.texts import t
from .ikhub import _FORMULA_START, _iso
from .public import redact_each

FOLDER = "data_terbuka"
_RISKY = set(_FORMULA_START)  # a text's first character that makes it a formula
_TYPES = {"integer": "integer", "number": "number", "money": "number", "percent": "number", "date": "date"}


def folder(outbox: Path, period_id: str) -> Path:
    return outbox / period_id / FOLDER


def withheld(c: Consolidation) -> pd.Series:
    """Per activity, the columns whose value is not published: still under review, or
    excluded in review (';'-separated, sorted); '' where none."""
    items = c.review.items
    blank = pd.Series("", index=c.activities.index, dtype=object)
    if items.empty:
        return blank
    values = items[items["kind"] == VALUE]
    held = values[~((values["state"] == DECIDED) & (values["decision"] == KEEP))]
    if held.empty:
        return blank
    named = (
        held.assign(_row=held["_row"].astype(int))
        .groupby(["_file", "_row"])["column"]
        .agg(lambda cols: ";".join(sorted(set(cols))))
    )
    at = pd.MultiIndex.from_arrays([c.activities["_file"], c.activities["_row"].astype(int)])
    return pd.Series(named.reindex(at).fillna("").to_numpy(), index=c.activities.index)


def activities(c: Consolidation, rules: Rules) -> tuple[pd.DataFrame, list[dict]]:
    """The public columns of the activities, with their Table Schema fields."""
    public = rules.report.public
    spec = {f.key: f for f in rules.fields.columns}
    acts = c.activities
    period = acts.get("_periode", c.period)  # the year's: each row its report's period
    out = pd.DataFrame({"periode": period, "kl": acts["kl"], "id_kegiatan": acts["id_kegiatan"]})
    fields = [
        {"name": "periode", "type": "string", "title": t("open_data.col_periode")},
        {"name": "kl", "type": "string", "title": t("open_data.col_kl")},
        {"name": "id_kegiatan", "type": "string", "title": t("open_data.col_id")},
    ]
    for key in public.activity_columns:
        f = spec[key]
        values = acts[key] if key in acts else pd.Series(None, index=acts.index, dtype=object)
        kind = _TYPES.get(f.type, "string")
        if f.type == "date":
            values = values.map(_iso)
        elif kind != "string":
            values = pd.to_numeric(values, errors="coerce").astype(object)
        elif key in public.scanned_columns:
            values = redact_each(values)
        out[key] = values
        fields.append({"name": key, "type": kind, "title": f.label, **({"description": f.hint} if f.hint else {})})
    if "capaian" in out:  # a formula of the template, whose stored result a file may lack: made again
        out["capaian"] = None
        if {"target", "realisasi"} <= set(out):  # of the published figures only
            target, real = (pd.to_numeric(out[k], errors="coerce") for k in ("target", "realisasi"))
            out["capaian"] = achievement(target, real).round(4).astype(object)
    held = withheld(c)
    some = held != ""
    if some.any():  # values under review or excluded (and an achievement made of them): left blank
        cols = held[some].str.split(";")
        for key in public.activity_columns:
            made_of = {key, "target", "realisasi"} if key == "capaian" else {key}
            out.loc[cols[cols.map(lambda x, k=made_of: bool(k & set(x)))].index, key] = None
    out["dihitung_sekali"] = (~acts["duplikat"].astype(bool)).map({True: "true", False: "false"})
    out["nilai_ditahan"] = held
    fields += [
        {"name": "dihitung_sekali", "type": "boolean", "title": t("open_data.col_once"),
         "description": t("open_data.col_once_desc")},
        {"name": "nilai_ditahan", "type": "string", "title": t("open_data.col_held"),
         "description": t("open_data.col_held_desc")},
    ]  # fmt: skip
    out = out.sort_values(["kl", "id_kegiatan"], kind="stable")
    return out, fields


def _table(records: list[dict], columns: list[tuple[str, str, str]]) -> tuple[pd.DataFrame, list[dict]]:
    df = pd.DataFrame([{k: r.get(k) for k, _, _ in columns} for r in records], columns=[k for k, _, _ in columns])
    for k, kind, _ in columns:
        if kind in ("number", "integer"):
            df[k] = pd.to_numeric(df[k], errors="coerce").astype(float)
        elif kind == "string":
            df[k] = redact_each(df[k])
    return df, [{"name": k, "type": kind, "title": t(f"open_data.{title}")} for k, kind, title in columns]


def _cell(v) -> str:
    """One CSV cell: blank for no value, whole numbers without a decimal point, a text
    beginning like a formula with a leading apostrophe."""
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return str(int(v))
    if isinstance(v, str) and v.startswith(_FORMULA_START):
        return "'" + v
    return str(v)


def _cells(values: pd.Series) -> np.ndarray:
    """_cell of every value of a column: a column of texts or of numbers at once, another
    value by value."""
    v = values.to_numpy(dtype=object)
    kind = pd.api.types.infer_dtype(v, skipna=True)
    if kind in ("string", "empty"):
        return np.array([("'" + x if x[:1] in _RISKY else x) if isinstance(x, str) else "" for x in v], dtype=object)
    if kind not in ("floating", "integer", "mixed-integer-float"):
        return np.array([_cell(x) for x in v], dtype=object)
    f = pd.to_numeric(pd.Series(v, dtype=object), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(f) & (np.mod(f, 1) == 0) & (np.abs(f) < 2**53)
    out = np.full(len(f), "", dtype=object)
    out[whole] = f[whole].astype(np.int64).astype(str)
    rest = ~whole & ~np.isnan(f)
    out[rest] = [str(x) for x in v[rest]]
    return out


def _csv(df: pd.DataFrame) -> str:
    """CSV text, UTF-8, LF."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(list(df.columns))
    writer.writerows(zip(*[_cells(df[col]) for col in df.columns], strict=True))
    return buf.getvalue()


def write_open_data(c: Consolidation, rules: Rules, data: dict, outbox: Path) -> list[Path]:
    """Write the data package of a period; returns its files, datapackage.json last."""
    where = folder(outbox, c.period)
    per_action = [{**a, "capaian": round(a["capaian"], 4) if a["capaian"] is not None else None,
                   "sementara": "true" if a["kode"] in data.get("aksi_sementara", {}) else "false"}
                  for a in data["lampiran_aksi"]]  # fmt: skip
    tables = {
        "kegiatan": activities(c, rules),
        "aksi": _table(per_action, [
            ("kode", "string", "col_kode_aksi"), ("uraian", "string", "col_uraian"), ("pj", "string", "col_pj"),
            ("pelapor", "string", "col_pelapor"), ("kegiatan", "integer", "col_kegiatan"),
            ("peserta", "number", "col_peserta"), ("anggaran", "number", "col_anggaran"),
            ("satuan", "string", "col_satuan"), ("target", "number", "col_target"),
            ("realisasi", "number", "col_realisasi"), ("capaian", "number", "col_capaian"),
            ("dasar", "string", "col_dasar"), ("sementara", "boolean", "col_sementara")]),
        "provinsi": _table(data.get("provinsi_angka", []), [
            ("kode", "string", "col_kode_provinsi"), ("nama", "string", "col_provinsi"),
            ("kegiatan", "integer", "col_kegiatan_unik"), ("unit", "integer", "col_unit"),
            ("peserta", "number", "col_peserta")]),
        "sasaran": _table(data.get("sasaran", []), [
            ("sasaran", "string", "col_sasaran"), ("kegiatan", "integer", "col_kegiatan_unik"),
            ("unit", "integer", "col_unit"), ("peserta", "number", "col_peserta")]),
    }  # fmt: skip
    written, resources = [], []
    for name, (df, fields) in tables.items():
        path = write_text(where / f"{name}.csv", _csv(df))
        written.append(path)
        resources.append({
            "name": name, "path": path.name, "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "title": t(f"open_data.{name}_title"),
            "description": t(f"open_data.{name}_desc"), "schema": {"fields": fields},
        })  # fmt: skip
    package = {
        "profile": "tabular-data-package",
        "name": f"ran-pe-{c.period.lower()}",
        "title": t("open_data.title", period=data["periode"]["judul"]),
        "description": t("open_data.description", organisation=data["organisasi"], period=data["periode"]["judul"]),
        "created": f"{data['tanggal'][:10]}T00:00:00Z",
        "contributors": [{"title": data["organisasi"], "role": "publisher"}],
        "resources": resources,
    }
    written.append(write_text(where / "datapackage.json", json.dumps(package, ensure_ascii=False, indent=1) + "\n"))
    return written
