"""Read untrusted workbooks from the inbox, each in an isolated worker process.

In a worker, a file is first sniffed (magic bytes, zip directory checked without
inflating), then read by python-calamine with a memory limit and a time budget: calamine can abort
the whole process on some hostile files, so a crash or a hang costs only that file. The
workers (core/isolated.py) are replaced after an out-of-memory error, a panic, a crash, a
timeout or a large file, and what they print on stderr (Rust's messages) is kept per file:
no file's result depends on the file read before it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import stat
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from zlib import error as zlib_error

from ..core.formatting import angka
from ..core.isolated import Lost, address_space, retire, run_isolated
from ..core.names import printable
from ..core.schema import Limits
from ..core.texts import t

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".xltx", ".xltm")  # templates read like books
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = b"PK\x03\x04"
_LOCK = re.compile(r"^(~\$|\.~lock\.|\._)")
_BIFF_BOF = re.compile(rb"\x09\x08(\x10\x00\x00\x06|\x08\x00\x00\x05)\x05\x00")  # BOF of workbook globals, BIFF8/BIFF5
_FILEPASS = b"\x2f\x00"  # the record near BOF of a password-protected .xls


@dataclass
class RawBook:
    """What a worker read from one file: its sheets as lists of rows of plain values."""

    path: Path
    sheets: dict[str, list[list]] = field(default_factory=dict)
    hidden: list[str] = field(default_factory=list)
    has_vba: bool = False
    error: str | None = None  # problem code when the file can't be used
    detail: str = ""  # for the message, in the texts' language
    debug: str = ""  # what the libraries said, for the secretariat's technical column


def discover(inbox: Path, period_id: str = "") -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files of the inbox to read (and of its subfolder named `period_id`, in any case, when
    there is one), and every other entry with the reason it is ignored (lock files, other
    types, other folders, links leading out of the inbox or nowhere, pipes, sockets and
    devices, which are never opened)."""
    read, ignored = [], []
    home = inbox.resolve()
    for path in _entries(inbox):
        why = _ignored(path, home)
        if why == "folder" and period_id and path.name.upper() == period_id.upper() and not path.is_symlink():
            for inner in _entries(path):
                why = _ignored(inner, home)
                (ignored.append((inner, why)) if why else read.append(inner))
        elif why:
            ignored.append((path, why))
        else:
            read.append(path)
    return read, ignored


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.iterdir(), key=lambda p: os.fsencode(p.name))


def being_copied(paths: list[Path], window: float, pause: float = 0.3) -> list[Path]:
    """The files still being copied into the inbox: changed less than `window` seconds ago
    and, a moment later, grown or changed again, or a zip whose end (its central directory)
    is not written yet. Files changed longer ago are never held back."""
    if window <= 0:
        return []
    now, recent = time.time(), {}
    for path in paths:
        with contextlib.suppress(OSError):  # gone or unreadable: the reading says so
            st = path.stat()
            if now - st.st_mtime < window:
                recent[path] = (st.st_size, st.st_mtime_ns)
    if recent:
        time.sleep(pause)
    out = []
    for path, before in recent.items():
        with contextlib.suppress(OSError):
            st = path.stat()
            if (st.st_size, st.st_mtime_ns) != before or _zip_without_end(path, st.st_size):
                out.append(path)
    return out


def _zip_without_end(path: Path, size: int) -> bool:
    """A zip (xlsx, ods) whose end-of-central-directory record is not there (yet)."""
    with open(path, "rb") as fh:
        if fh.read(4) != _ZIP:
            return False
        fh.seek(max(0, size - 65_557))  # the record (22 bytes) and the longest comment after it
        return b"PK\x05\x06" not in fh.read()


def _ignored(path: Path, home: Path) -> str | None:
    """Why `path` is not read (a key of `ingest.ignored_*`), or None."""
    try:
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            target = path.resolve()
            if not target.exists():
                return "broken_link"
            if not target.is_relative_to(home):
                return "outside_link"
            mode = target.stat().st_mode
    except (OSError, RuntimeError):  # a loop of links, an entry gone meanwhile
        return "broken_link"
    if stat.S_ISDIR(mode):
        return "folder"
    if not stat.S_ISREG(mode):
        return "special"
    if _LOCK.match(path.name):
        return "lock"
    if path.name.startswith(".") or path.suffix.lower() not in WORKBOOK_SUFFIXES:
        return "type"
    return None


def sniff(path: Path, limits: Limits) -> RawBook:
    """Cheap checks before parsing: a book with only `error` (problem code) and `detail`
    set when the file must not be parsed, and whether it carries macros."""
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        return unreadable(path, exc)
    if size == 0:
        return RawBook(path, error="empty-file")
    if size > limits.max_file_mb * 2**20:
        detail = t("read.file_too_large", size=angka(size / 2**20), limit=angka(limits.max_file_mb, None))
        return RawBook(path, error="unsafe-file", detail=detail)
    if head.startswith(_OLE2):
        return _sniff_ole(path)
    if head.startswith(_ZIP):
        return _sniff_zip(path, size, limits)
    return RawBook(path, error="not-a-workbook", detail=_describe(head))


def unreadable(path: Path, exc: OSError) -> RawBook:
    """A file the system would not open: permission denied, locked by another program, gone."""
    return RawBook(path, error="unreadable-file", debug=_one_line(exc.strerror or type(exc).__name__))


def momentary(problems: list) -> bool:
    """Whether problems of a file's reading say what happened at the time (the file locked by
    another program or gone, memory short) rather than what the file is: such a result is
    not kept for the next run (intake/cache.py)."""
    return any(p.code == "unreadable-file" or p.debug.startswith("MemoryError") for p in problems)


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
    """OLE2 is a real .xls, a password-protected one (FILEPASS right after the workbook's
    BOF record), or an encrypted OOXML package (password to open)."""
    with open(path, "rb") as fh:
        data = fh.read(min(path.stat().st_size, 4 * 2**20))
    if "EncryptedPackage".encode("utf-16-le") in data or "EncryptionInfo".encode("utf-16-le") in data:
        return RawBook(path, error="encrypted-file")
    if any(_filepass_follows(data, bof.start()) for bof in _BIFF_BOF.finditer(data)):
        return RawBook(path, error="encrypted-file")
    return RawBook(path, has_vba="_VBA_PROJECT".encode("utf-16-le") in data)


def _filepass_follows(data: bytes, at: int, records: int = 8) -> bool:
    """Whether a FILEPASS record is among the first records after the BOF at `at` (Excel
    may write WRITEPROTECT and others before it)."""
    for _ in range(records):
        at += 4 + int.from_bytes(data[at + 2 : at + 4], "little")
        if data[at : at + 2] == _FILEPASS:
            return True
    return False


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
    if "META-INF/manifest.xml" in names and _has_marker(zf, zf.getinfo("META-INF/manifest.xml"), b"encryption-data"):
        return "encrypted-file", ""  # OpenDocument saved with a password
    for info in infos:
        if info.filename.endswith((".xml", ".rels")) and _has_marker(zf, info, b"<!DOCTYPE", 4096):
            return "unsafe-file", t("read.xml_entities")
    return None, ""


def _has_marker(zf: zipfile.ZipFile, info: zipfile.ZipInfo, marker: bytes, head: int = 2**20) -> bool:
    """Whether the first `head` bytes of a zip entry hold `marker` (case-insensitive). A DOCTYPE
    (entity bombs, external entities) sits before the root element: 4 KB are enough."""
    try:
        with zf.open(info) as fh:
            return marker.upper() in fh.read(head).upper()
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError, zlib_error):
        return False


def _limit_memory(megabytes: int) -> None:
    """Worker set-up: cap the address space at what the worker inherited plus `megabytes`
    (the same room for every file, however large the parent has grown); a crash is reported,
    not dumped; Rust prints no backtrace (collecting one can hang a process out of memory)."""
    import faulthandler

    os.environ["RUST_BACKTRACE"] = os.environ["RUST_LIB_BACKTRACE"] = "0"
    faulthandler.disable()
    try:
        import resource
    except ImportError:  # Windows: no address-space limit; the worker's timeout still holds
        return
    limit = address_space() + megabytes * 2**20
    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)  # an unprivileged process may not raise its hard limit
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def read_book(path: str, limits: Limits) -> RawBook:
    """Worker: sniff, then read every sheet with calamine (no formulas executed, no macros)."""
    from python_calamine import CalamineWorkbook, SheetVisibleEnum

    book = sniff(Path(path), limits)
    if book.error:
        return book
    try:
        with open(path, "rb") as fh:  # format from content, not extension: a renamed .xls still reads
            wb = CalamineWorkbook.from_filelike(fh)
        for meta in wb.sheets_metadata:
            if meta.visible != SheetVisibleEnum.Visible:
                book.hidden.append(meta.name)
            try:
                sheet = wb.get_sheet_by_name(meta.name)
                rows = sheet.to_python(skip_empty_area=False, nrows=limits.max_rows + 1)
            except Exception as exc:  # a broken sheet beside the report's (a chart sheet): the others are read
                if isinstance(exc, MemoryError) or meta.name == t("sheets.laporan"):
                    raise
                book.sheets[meta.name] = []
                continue
            if len(rows) > limits.max_rows:
                detail = t("read.too_many_rows", n=angka(limits.max_rows))
                return RawBook(book.path, error="unsafe-file", detail=detail)
            book.sheets[meta.name] = [r[: limits.max_columns] for r in rows]
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine raises several types, and a Rust panic is a BaseException
        if isinstance(exc, MemoryError) or not isinstance(exc, Exception):
            retire()  # its memory may be fragmented, a panic's state unknown: a fresh worker reads on
        return _failed(book.path, type(exc).__name__, str(exc), limits)
    return book


def _failed(path: Path, kind: str, text: str, limits: Limits) -> RawBook:
    """A file calamine could not read (`kind`: the exception's type name): the problem code,
    a detail in the texts' language, and what the library said for the technical column."""
    said = _one_line(f"{kind}: {text}" if text.strip() else kind)
    low = said.lower()
    if kind == "MemoryError":
        code, key = "unsafe-file", "too_much_memory"
    elif kind == "PasswordError" or "password" in low or "encrypt" in low:
        code, key = "encrypted-file", None
    elif kind == "ZipError" or "zip" in low:
        code, key = "corrupt-file", "zip_broken"
    elif kind == "XmlError" or "xml" in low:
        code, key = "corrupt-file", "xml_broken"
    elif "eof" in low or "truncat" in low:
        code, key = "corrupt-file", "truncated"
    elif "cfb" in low or "invalid" in low or "cannot detect" in low:
        code, key = "corrupt-file", "structure_broken"
    elif kind == "PanicException":
        code, key = "read-failed", "reader_crashed"
    else:
        code, key = "read-failed", "unsupported"
    detail = t(f"read.{key}", size=angka(limits.worker_memory_mb)) if key else ""
    return RawBook(path, error=code, detail=detail, debug=said)


def _one_line(text: str, limit: int = 300) -> str:
    """A library's message as one short printable line (it may quote the file's bytes)."""
    text = printable(" / ".join(line.strip() for line in text.splitlines() if line.strip()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _same(book: RawBook) -> RawBook:
    return book


def _read_one(paths: list[str], limits: Limits, finish: Callable[[RawBook], object], i: int) -> object:
    """A worker's task (module-level, so it pickles when workers are spawned)."""
    return finish(read_book(paths[i], limits))


def read_all(
    paths: list[Path],
    limits: Limits,
    progress=None,
    then: Callable[[RawBook], object] | None = None,
    lost: list[Path] | None = None,
) -> list:
    """Sniff and read each file in an isolated worker (core/isolated.py); results in the
    order of `paths`. `then(book)` runs in the worker after reading (so what it derives is
    computed on every core and only its result comes back); it runs here for a file whose
    worker failed, whose path is added to `lost` (a result of this machine's state at the
    time, such as a time-out, not of the file alone). `progress(n)` is called as files
    finish (for a progress bar)."""
    finish = then or _same
    values = run_isolated(
        functools.partial(_read_one, [str(p) for p in paths], limits, finish),
        len(paths),
        workers=min(limits.workers or os.cpu_count() or 1, len(paths)),
        timeout=limits.seconds_per_file,
        setup=functools.partial(_limit_memory, limits.worker_memory_mb),
        max_growth=limits.worker_memory_mb * 2**20 // 16,  # a file that took more: the next gets a fresh worker
        progress=progress,
    )
    if lost is not None:
        lost += [p for p, v in zip(paths, values, strict=True) if isinstance(v, Lost)]
    return [finish(_lost(p, v, limits)) if isinstance(v, Lost) else v for p, v in zip(paths, values, strict=True)]


def _lost(path: Path, lost: Lost, limits: Limits) -> RawBook:
    """A file whose worker timed out, died or failed outside calamine: rejected, with the
    worker's stderr (say Rust's 'memory allocation of … failed') as the technical note."""
    if lost.why == "timeout":
        book = RawBook(
            path, error="unsafe-file", detail=t("read.too_slow", seconds=angka(limits.seconds_per_file, None))
        )
    elif lost.why == "died":
        book = RawBook(path, error="unsafe-file", detail=t("read.worker_died", exitcode=lost.exitcode))
    else:
        book = _failed(path, lost.error_type, lost.error, limits)
    noise = ("note:", "stack backtrace", "at ", "0:", "thread '")
    said = [line for line in lost.stderr.splitlines() if line.strip() and not line.strip().startswith(noise)]
    book.debug = _one_line("\n".join([book.debug, *said[:2]]))
    return book
