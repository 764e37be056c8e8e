"""Office files that are byte-identical for the same data: fixed document dates, and zip
packages re-written with fixed entry dates by libraries that stamp the current time."""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable
from pathlib import Path

from ..core.files import atomic_path

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


def fixed_datetime(value: dt.date | dt.datetime) -> dt.datetime:
    """A naive datetime (xlsxwriter ignores plain dates in document properties)."""
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    return dt.datetime(value.year, value.month, value.day)


def normalise_zip(path: Path, rewrite: Callable[[str, bytes], bytes] | None = None) -> None:
    """Rewrite a zip (xlsx/docx/ods) in place with fixed entry dates, entries in their order
    and with their compression (an .ods must start with its uncompressed mimetype);
    `rewrite(name, data)` may change an entry's content on the way."""
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info)) for info in src.infolist()]
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w") as dst:
        for info, data in entries:
            fixed = zipfile.ZipInfo(info.filename, ZIP_EPOCH)
            fixed.compress_type = info.compress_type
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, rewrite(info.filename, data) if rewrite else data)
