"""The public edition of the report (laporan_publik_<period>.docx/.pdf): the signed report's
data, filtered by rules/report.yaml `public`, with officers' NIPs, contact details and the
review's internals left out and free text scanned for NIPs, e-mail addresses and phone
numbers (`redact`)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..core.paths import public_docx_template
from ..core.rules import Rules
from ..core.texts import t
from .report import start_report

# An NIP: 18 digits (birth date, appointment month, sex, number), often typed in groups.
_NIP = re.compile(r"(?<![\d.,])\d(?:[ \u00a0]?\d){17}(?![\d])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# A phone number: +62, 62 or 0, then digits in groups (9 to 14 digits in all).
_PHONE = re.compile(r"(?<![\w+(])\(?(?:\+62|62|0)[\s.\-()]{0,2}\d(?:[\s.\-()]{0,2}\d){7,13}(?!\d)")

# Keys of the report's data that never leave the secretariat: the review's items, notes and
# decisions, the per-agency feedback counts and the sample-data notes naming rules files.
PRIVATE = ("tinjauan", "tinjauan_belum", "tinjauan_dikecualikan", "tinjauan_pasangan", "tinjauan_sementara",
           "sementara", "irisan", "irisan_lain", "kualitas", "contoh", "berkas_ringkasan")  # fmt: skip
# Findings that speak of the review's items (the values under review, said in words instead)
# or of pairs of activities the secretariat has not published.
PRIVATE_FINDINGS = ("provisional", "joint")
DATA_PACKAGE = "data_terbuka/datapackage.json"  # the open data, named in the foreword (open_data.FOLDER)


def public_path(outbox: Path, period_id: str) -> Path:
    return outbox / period_id / f"laporan_publik_{period_id}.docx"


def _phone(m: re.Match) -> str:
    digits = sum(ch.isdigit() for ch in m.group())
    return t("public.redacted") if 9 <= digits <= 14 else m.group()


def redact(text):
    """`text` with every NIP, e-mail address and phone number replaced by [disamarkan];
    anything that is not text as it is."""
    if not isinstance(text, str) or not text:
        return text
    out = _NIP.sub(t("public.redacted"), text)
    out = _EMAIL.sub(t("public.redacted"), out)
    return _PHONE.sub(_phone, out)


def redact_each(values: pd.Series) -> pd.Series:
    """`redact` of every value of a column: its distinct texts joined by NUL (which no
    pattern crosses) and scanned in one pass each; anything that is not text as it is."""
    out = values.astype(object).copy()
    text = out.map(lambda x: isinstance(x, str)).to_numpy(dtype=bool)
    codes, uniques = pd.factorize(out[text])
    if len(uniques) and not any("\0" in x for x in uniques):
        done = np.array(redact("\0".join(uniques)).split("\0"), dtype=object)
    else:
        done = np.array([redact(u) for u in uniques], dtype=object)
    out[text] = done[codes]
    return out


def redact_all(value):
    """`redact` over every text of a JSON-like value."""
    if isinstance(value, dict):
        return {k: redact_all(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_all(v) for v in value]
    return redact(value)


def public_data(data: dict, rules: Rules) -> dict:
    """The report's data for the public edition: the sections rules/report.yaml makes public,
    the signer's name without the NIP, provisional figures named (without the values under
    review), no item of the review; every text scanned (`redact`)."""
    out = {k: v for k, v in data.items() if k not in PRIVATE}
    out["ttd"] = {k: v for k, v in data["ttd"].items() if k != "id"}
    out["temuan"] = [x for x in data["temuan"] if x["aturan"] not in PRIVATE_FINDINGS]
    out["contoh"] = bool(data["contoh"])  # sample data: marked, without the notes naming the rules files
    out["angka_sementara"] = [x["angka"] for x in data.get("tinjauan_sementara", [])]
    out["publik"] = {"bagian": list(rules.report.public.sections), "data_terbuka": DATA_PACKAGE}
    out.setdefault("hambatan_tema", [])
    return redact_all(out)


def render_public(data: dict, rules: Rules, outbox: Path, template: Path | None = None):
    """Start rendering the public edition (report.start_report with the public template);
    returns the function that finishes it, as start_report does."""
    pub = public_data(data, rules)
    return start_report(pub, public_path(outbox, data["periode"]["id"]), template or public_docx_template())
