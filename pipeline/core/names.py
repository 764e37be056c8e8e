"""File names as users see them.

A name in the inbox can be any bytes: undecodable ones (names unpacked from a Windows zip
come as cp437), newlines, other control characters, or a right-to-left override that makes
'laporan<RLO>xslx.exe' print as 'laporanexe.xlsx'. Every output and console line shows a
file by `display_name`: printable text, everything else escaped Python-style, so that two
different names never show alike and nothing reaches an XML writer it cannot encode.
"""

from __future__ import annotations

import os
import unicodedata

_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}  # controls, format (bidi), surrogates, unassigned


def display_name(name: str | bytes) -> str:
    """`name` (as os.listdir gives it, or raw bytes) as safe printable text: bytes that are not
    UTF-8 as \\xNN, control and invisible characters as \\uNNNN, a backslash doubled."""
    raw = name if isinstance(name, bytes) else os.fsencode(name)
    return printable(raw.decode("utf-8", "surrogateescape").replace("\\", "\\\\"))


def printable(text: str) -> str:
    """`text` with undecodable bytes (surrogate escapes) as \\xNN and control and invisible
    characters as \\uNNNN: one line, shown as it is stored."""
    out = []
    for ch in text:
        if "\udc80" <= ch <= "\udcff":  # a byte that is not UTF-8
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        elif unicodedata.category(ch) in _UNSAFE_CATEGORIES:  # \\uNNNN: never alike a byte's \\xNN
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)
