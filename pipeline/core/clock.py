"""The date stamped on outputs, chosen so that the same inputs give the same bytes."""

from __future__ import annotations

import datetime as dt
import os

from .model import Validation


def run_date() -> dt.date:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else today."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def output_date(validation: Validation) -> dt.date:
    """The date of a period's outputs: SOURCE_DATE_EPOCH when set, else the newest input
    file's date, so the same inbox gives the same bytes whatever day it is run."""
    if os.environ.get("SOURCE_DATE_EPOCH"):
        return run_date()
    times = [s.mtime.date() for s in validation.submissions]
    return max(times) if times else validation.period.deadline
