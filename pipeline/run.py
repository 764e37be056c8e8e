"""One run over a period's inbox: validate (and consolidate), then write every output
atomically: feedback workbooks, validation list, summary workbook, Word report, I-KHub
export, manifest; a consolidation is then stored in the history."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

from .analysis.compare import compare
from .analysis.consolidate import consolidate
from .core.clock import output_date
from .core.forked import forked
from .core.model import Comparison, Consolidation, Period, Validation
from .core.periods import previous_period_id
from .core.rules import Rules
from .core.stopwatch import Stopwatch, stage
from .core.texts import t
from .cycle import history
from .intake.validate import validate_period
from .outputs.feedback import feedback_tasks, remove_stale
from .outputs.ikhub import write_ikhub
from .outputs.manifest import write_manifest
from .outputs.problem_list import write_validation_list
from .outputs.report import TEMPLATE, data_path, render_report, report_path, save_data
from .outputs.report_data import report_data
from .outputs.summary import summary_path, write_summary


@dataclass
class Result:
    validation: Validation
    consolidation: Consolidation | None = None
    feedback: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # the other outputs, manifest last
    comparison: Comparison | None = None  # with the previous period, when it is in the history
    stored: bool | None = None  # history: True stored, False unchanged (same inputs), None not consolidated

    def lines(self) -> list[str]:
        """Where the outputs are, for the console."""
        out = [t("cli_outputs.written", path=p) for p in self.files]
        if self.feedback:
            out.insert(0, t("cli_outputs.feedback_written", n=len(self.feedback), folder=self.feedback[0].parent))
        if self.stored is not None:
            outbox = self.files[-1].parent.parent
            key = "history.stored" if self.stored else "history.unchanged"
            out.append(t(key, period=self.validation.period.id, path=history.history_path(outbox)))
        return out


def run(
    inbox: Path,
    outbox: Path,
    rules: Rules,
    period: Period,
    *,
    consolidation: bool,
    progress=None,
    template=TEMPLATE,
    watch: Stopwatch | None = None,
    reopen: bool = False,
) -> Result:
    history.check_open(outbox, period.id, reopen)  # a finalised period is not overwritten
    validation = validate_period(inbox, rules, period, progress, watch)
    day = output_date(validation)
    folder = outbox / period.id
    result = Result(validation)
    summary = []
    # The feedback workbooks need only the validation: their workers start now, beside the
    # consolidation; the summary workbook gets a worker of its own once that is done.
    with forked(feedback_tasks(validation, rules, outbox, day), watch) as feedback_written:
        if consolidation:
            c = result.consolidation = consolidate(validation, rules, watch)
            previous = history.load(outbox, previous_period_id(period, rules))
            result.comparison = compare(c, validation.agencies, previous, rules) if previous else None
            write = functools.partial(write_summary, summary_path(outbox, period.id), c, validation, rules, day)
            summary.append(("summary_workbook", functools.partial(write, result.comparison)))
        with stage(watch, "outputs"), forked(summary, watch) as summary_written:  # the rest is written here
            if consolidation:
                with stage(watch, "word_report"):
                    data = report_data(
                        c, validation, rules, summary_path(outbox, period.id).name, day, result.comparison
                    )
                    result.files += [save_data(data, data_path(outbox, period.id))]
                    result.files.append(render_report(data, report_path(outbox, period.id), template))
                with stage(watch, "ikhub"):
                    result.files += write_ikhub(c, rules, outbox)
            with stage(watch, "validation_list"):
                result.files.append(
                    write_validation_list(validation, rules, folder / f"validasi_{period.id}.xlsx", day)
                )
            with stage(watch, "waiting_for_workers"):
                result.files[:0] = summary_written()
                result.feedback = remove_stale(validation, outbox, feedback_written())
    with stage(watch, "manifest"):
        manifest = write_manifest(validation, rules, [*result.files, *result.feedback], folder)
        result.files.append(manifest)
    if consolidation:
        with stage(watch, "history"):
            data = json.loads(manifest.read_text(encoding="utf-8"))
            result.stored = history.store(outbox, data, result.consolidation.activities, validation.agencies)
    return result
