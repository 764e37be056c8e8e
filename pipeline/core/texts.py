"""All user-facing text, loaded from templates/texts/<lang>.yaml and looked up by key."""

from __future__ import annotations

import functools
import os

import yaml

from .paths import TEXTS_DIR


@functools.cache
def _load(lang: str) -> dict:
    """The texts, read by libyaml where PyYAML has it (a tenth of the time: every command
    starts by reading them); tests/test_cache.py checks both read them alike."""
    with open(TEXTS_DIR / f"{lang}.yaml", encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def lang() -> str:
    return os.environ.get("RANPE_LANG", "id")


def t(key: str, /, **values: object):
    """Return the text at dotted `key`, with {placeholders} filled from `values`
    (a list or mapping of texts is returned as it is)."""
    node: object = _load(lang())
    for part in key.split("."):
        node = node[part]  # type: ignore[index]
    if not isinstance(node, str):
        return node
    return node.format(**values) if values else node


def has(key: str) -> bool:
    node: object = _load(lang())
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True
