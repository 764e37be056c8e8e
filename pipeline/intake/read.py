"""Read untrusted workbooks from the inbox, each in an isolated worker process.

In a worker, a file is first sniffed (magic bytes, zip directory checked without
inflating), then read by python-calamine with a memory limit and a time budget: calamine can abort
the whole process on some hostile files, so a crash or a hang costs only that file.
pebble's ProcessPool survives a dead worker and times out a single task.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from pathlib import Path
from zlib import error as zlib_error

from pebble import ProcessExpired, ProcessPool

from ..core.formatting import angka
from ..core.schema import Limits
from ..core.texts import t

WORKBOOK_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_LOCK = re.compile(r"^(~\$|\.~lock\.|\._)")


@dataclass
class RawBook:
    """What a worker read from one file: its sheets as lists of rows of plain values."""

    path: Path
    sheets: dict[str, list[list]] = field(default_factory=dict)
    hidden: list[str] = field(default_factory=list)
    has_vba: bool = False
    error: str | None = None  # problem code when the file can't be used
    detail: str = ""


def discover(inbox: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files of the inbox to read, and files ignored with the reason (lock files, other types)."""
    read, ignored = [], []
    for path in sorted(p for p in inbox.iterdir() if p.is_file()):
        if _LOCK.match(path.name):
            ignored.append((path, "lock"))
        elif path.name.startswith(".") or path.suffix.lower() not in WORKBOOK_SUFFIXES:
            ignored.append((path, "type"))
        else:
            read.append(path)
    return read, ignored


def sniff(path: Path, limits: Limits) -> RawBook:
    """Cheap checks before parsing: a book with only `error` (problem code) and `detail`
    set when the file must not be parsed, and whether it carries macros."""
    size = path.stat().st_size
    if size == 0:
        return RawBook(path, error="empty-file")
    if size > limits.max_file_mb * 2**20:
        detail = t("read.file_too_large", size=angka(size / 2**20), limit=angka(limits.max_file_mb, None))
        return RawBook(path, error="unsafe-file", detail=detail)
    with open(path, "rb") as fh:
        head = fh.read(1024)
    if head.startswith(_OLE2):
        return _sniff_ole(path)
    if head.startswith(_ZIP):
        return _sniff_zip(path, size, limits)
    return RawBook(path, error="not-a-workbook", detail=_describe(head))


def _describe(head: bytes) -> str:
    text = head.lstrip()[:64].lower()
    for marker, name in (
        (b"%pdf", "PDF"),
        (b"<html", "HTML"),
        (b"<!doctype html", "HTML"),
        (b"<?xml", "XML"),
        (b"{\\rtf", "RTF"),
    ):
        if text.startswith(marker):
            return t("read.content", kind=name)
    if b"\x00" not in head and (b";" in head or b"," in head or b"\t" in head):
        return t("read.content_text")
    return t("read.content_unknown")


def _sniff_ole(path: Path) -> RawBook:
    """OLE2 is a real .xls, or an encrypted OOXML package (password to open)."""
    with open(path, "rb") as fh:
        data = fh.read(min(path.stat().st_size, 4 * 2**20))
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        return RawBook(path, error="encrypted-file")
    return RawBook(path, has_vba="_VBA_PROJECT".encode("utf-16-le") in data)


def _sniff_zip(path: Path, size: int, limits: Limits) -> RawBook:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            code, detail = _check_zip(zf, infos, size, limits)
    except zipfile.BadZipFile:
        code, detail = "corrupt-file", t("read.zip_broken")
    if code:
        return RawBook(path, error=code, detail=detail)
    return RawBook(path, has_vba=any("vbaproject" in i.filename.lower() for i in infos))


def _check_zip(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], size: int, limits: Limits) -> tuple[str | None, str]:
    names = [i.filename for i in infos]
    total = sum(i.file_size for i in infos)
    if len(infos) > limits.max_zip_entries:
        return "unsafe-file", t("read.zip_entries", n=angka(len(infos)))
    if any(n.startswith(("/", "\\")) or ".." in n.replace("\\", "/").split("/") for n in names):
        return "unsafe-file", t("read.zip_slip")
    if len(set(names)) != len(names):
        return "unsafe-file", t("read.zip_duplicate")
    if total > limits.max_uncompressed_mb * 2**20:
        return "unsafe-file", t(
            "read.zip_too_large", size=angka(total / 2**20), limit=angka(limits.max_uncompressed_mb, None)
        )
    if total / max(size, 1) > limits.max_compression_ratio:
        return "unsafe-file", t("read.zip_bomb", ratio=angka(total / max(size, 1)))
    if not any(n in ("[Content_Types].xml", "mimetype") for n in names):
        return "not-a-workbook", t("read.zip_not_workbook")
    if "word/document.xml" in names:
        return "not-a-workbook", t("read.zip_word")
    for info in infos:
        if info.filename.endswith((".xml", ".rels")) and _has_doctype(zf, info):
            return "unsafe-file", t("read.xml_entities")
    return None, ""


def _has_doctype(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """A DOCTYPE (entity bombs, external entities) sits before the root element: read at most 4 KB."""
    try:
        with zf.open(info) as fh:
            return b"<!DOCTYPE" in fh.read(4096).upper()
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError, zlib_error):
        return False


_FINISH: list[Callable] = []  # a worker's `then`, set by its initializer (inherited, not pickled, under fork)


def _start_worker(megabytes: int, finish: Callable) -> None:
    """Worker set-up: cap the address space; a crash is reported by the pool, not dumped."""
    import faulthandler
    import resource

    from ..core.workers import die_with_parent

    _FINISH[:] = [finish]
    faulthandler.disable()
    die_with_parent()
    limit = megabytes * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def read_book(path: str, limits: Limits) -> RawBook:
    """Worker: sniff, then read every sheet with calamine (no formulas executed, no macros)."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    book = sniff(Path(path), limits)
    if book.error:
        return book
    try:
        with open(path, "rb") as fh:  # format from content, not extension: a renamed .xls still reads
            wb = CalamineWorkbook.from_filelike(fh)
    except Exception as exc:  # calamine raises several types; classify by message
        book.error, book.detail = _classify(exc)
        return book
    for meta in wb.sheets_metadata:
        if meta.visible != SheetVisibleEnum.Visible:
            book.hidden.append(meta.name)
        try:
            sheet = wb.get_sheet_by_name(meta.name)
            rows = sheet.to_python(skip_empty_area=False, nrows=limits.max_rows + 1)
        except Exception as exc:  # a broken sheet: keep the others readable
            book.sheets[meta.name] = []
            book.detail = t("read.sheet_broken", sheet=meta.name, problem=_classify(exc)[1])
            continue
        if len(rows) > limits.max_rows:
            return RawBook(book.path, error="unsafe-file", detail=t("read.too_many_rows", n=angka(limits.max_rows)))
        book.sheets[meta.name] = [r[: limits.max_columns] for r in rows]
    return book


def _classify(exc: Exception) -> tuple[str, str]:
    text = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
    low = text.lower()
    if "password" in low or "encrypt" in low:
        return "encrypted-file", ""
    if "zip" in low or "eof" in low or "invalid" in low or "cfb" in low:
        return "corrupt-file", text
    return "read-failed", text


def read_all(paths: list[Path], limits: Limits, progress=None, then: Callable[[RawBook], object] | None = None) -> list:
    """Sniff and read each file in a worker pool; results in the order of `paths`.
    `then(book)` runs in the worker after reading (so what it derives is computed on every
    core and only its result comes back); it runs here for a file whose worker failed.
    `progress(n)` is called as files finish (for a progress bar)."""
    if not paths:
        return []
    finish = then or (lambda book: book)
    workers = limits.workers or os.cpu_count() or 1
    results = []
    with ProcessPool(
        max_workers=min(workers, len(paths)), initializer=_start_worker, initargs=(limits.worker_memory_mb, finish)
    ) as pool:
        futures = [pool.schedule(_read_task, args=(str(p), limits), timeout=limits.seconds_per_file) for p in paths]
        for p, fut in zip(paths, futures, strict=True):
            results.append(_result(p, fut, limits, finish))
            if progress:
                progress(1)
    return results


def _read_task(path: str, limits: Limits):
    return _FINISH[0](read_book(path, limits))


def _result(path: Path, future, limits: Limits, finish):
    try:
        return future.result()
    except FutureTimeout:
        book = RawBook(
            path, error="unsafe-file", detail=t("read.too_slow", seconds=angka(limits.seconds_per_file, None))
        )
    except ProcessExpired as exc:
        book = RawBook(path, error="unsafe-file", detail=t("read.worker_died", exitcode=exc.exitcode))
    except MemoryError:
        book = RawBook(path, error="unsafe-file", detail=t("read.too_much_memory", size=angka(limits.worker_memory_mb)))
    except Exception as exc:  # any other failure of one file must not stop the batch
        code, detail = _classify(exc)
        book = RawBook(path, error=code, detail=detail)
    return finish(book)
