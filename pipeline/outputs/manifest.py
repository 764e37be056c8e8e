"""The manifest a run leaves in outbox/<period>/: tool version, rules hash, and every input
(with what became of its rows) and output with its SHA-256."""

from __future__ import annotations

import json
from pathlib import Path

from .. import __version__
from ..core.errors import RanpeError
from ..core.files import sha256, write_text
from ..core.model import Validation
from ..core.rules import Rules
from ..core.texts import t


def manifest(validation: Validation, rules: Rules, outputs: list[Path], folder: Path, decisions: str = "") -> dict:
    """`decisions`: the hash of the review decisions in force, when there are any."""
    counts = {f.file: f for f in validation.files}
    inputs = []
    for s in sorted(validation.submissions, key=lambda s: s.name):
        f = counts[s.name]
        inputs.append(
            {
                "file": s.name,
                "sha256": s.sha256,
                "size": s.path.stat().st_size,
                "agency": s.agency,
                "period": s.period,  # the period the file names itself (None: it names none)
                "status": f.status,
                "rows_read": f.read,
                "rows_accepted": f.accepted,
                "rows_rejected": f.rejected,
                "rows_blank": f.blank,
            }
        )
    return {
        "tool": "ranpe-pipeline",
        "tool_version": __version__,
        "period": validation.period.id,
        "rules_hash": rules.rules_hash,
        **({"decisions_hash": decisions} if decisions else {}),
        "inputs": inputs,
        "outputs": [{"file": str(p.relative_to(folder)), "sha256": sha256(p)} for p in sorted(outputs)],
    }


def write_manifest(
    validation: Validation, rules: Rules, outputs: list[Path], folder: Path, decisions: str = ""
) -> Path:
    data = manifest(validation, rules, outputs, folder, decisions)
    return write_text(folder / "manifest.json", json.dumps(data, indent=1, ensure_ascii=False) + "\n")


def load_manifest(outbox: Path, period_id: str) -> dict:
    """The manifest of the last run of a period (a clear error when there was none)."""
    path = outbox / period_id / "manifest.json"
    if not path.exists():
        raise RanpeError(t("errors.manifest_missing", period=period_id, file=path))
    return json.loads(path.read_text(encoding="utf-8"))
