"""Where the project's folders are: rules, texts, templates and the default inbox and
outbox. Every other module asks here instead of working it out from its own location."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout: pipeline/core/paths.py -> ./
RULES_DIR = ROOT / "rules"
TEMPLATES_DIR = ROOT / "templates"
TEXTS_DIR = TEMPLATES_DIR / "texts"
XLSX_DIR = TEMPLATES_DIR / "xlsx"
DOCX_TEMPLATE = TEMPLATES_DIR / "docx" / "laporan.docx"
MAIL_DIR = TEMPLATES_DIR / "mail"
