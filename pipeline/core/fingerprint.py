"""The fingerprint of the code a run is made by: what a cached result is kept against
(intake/cache.py, outputs/unchanged.py), so that an upgrade, an edited module or another
version of a library that reads or writes the files never meets a result of the code before."""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata

import pipeline

from .paths import PACKAGE, TEXTS_DIR

LIBRARIES = ("python-calamine", "pandas", "numpy", "pandera", "rapidfuzz", "xlsxwriter")  # they read, check, write


def code_fingerprint() -> str:
    """The package's version, its sources and texts, and the versions of the libraries it
    reads, checks and writes with."""
    return hashlib.sha256(f"{pipeline.__version__}\n{_sources()}\n{_libraries()}".encode()).hexdigest()


@functools.cache
def _sources() -> str:
    """The SHA-256 of every module of the package and of the texts (read once a process)."""
    h = hashlib.sha256()
    for path in sorted([*PACKAGE.rglob("*.py"), *TEXTS_DIR.glob("*.yaml")]):
        h.update(path.relative_to(PACKAGE.parent).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


@functools.cache
def _libraries() -> str:
    return ";".join(f"{name}={_version(name)}" for name in LIBRARIES)


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "-"
