"""One run over a period's inbox: validate (and consolidate), then write every output
atomically: feedback workbooks, validation list, summary workbook, Word report, I-KHub
export, manifest; a consolidation is then stored in the history."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

from . import history
from .compare import Comparison, compare
from .consolidate import Consolidation, consolidate
from .feedback import feedback_tasks, remove_stale, write_validation_list
from .forked import forked
from .ikhub import write_ikhub
from .outputs import write_manifest
from .periods import Period, previous_period_id
from .report import TEMPLATE, data_path, render_report, report_path, save_data
from .report_data import report_data
from .rules import Rules
from .stopwatch import Stopwatch, stage
from .summary import summary_path, write_summary
from .texts import t
from .validate import Report, output_date, validate_period


@dataclass
class Result:
    report: Report
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
            out.append(t(key, period=self.report.period.id, path=history.history_path(outbox)))
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
    report = validate_period(inbox, rules, period, progress, watch)
    day = output_date(report)
    folder = outbox / period.id
    result = Result(report)
    summary = []
    # The feedback workbooks need only the validation: their workers start now, beside the
    # consolidation; the summary workbook gets a worker of its own once that is done.
    with forked(feedback_tasks(report, rules, outbox, day), watch) as feedback_written:
        if consolidation:
            c = result.consolidation = consolidate(report, rules, watch)
            previous = history.load(outbox, previous_period_id(period, rules))
            result.comparison = compare(c, report.statuses, previous, rules) if previous else None
            write = functools.partial(write_summary, summary_path(outbox, period.id), c, report, rules, day)
            summary.append(("summary_workbook", functools.partial(write, result.comparison)))
        with stage(watch, "outputs"), forked(summary, watch) as summary_written:  # the rest is written here
            if consolidation:
                with stage(watch, "word_report"):
                    data = report_data(c, report, rules, summary_path(outbox, period.id).name, day, result.comparison)
                    result.files += [save_data(data, data_path(outbox, period.id))]
                    result.files.append(render_report(data, report_path(outbox, period.id), template))
                with stage(watch, "ikhub"):
                    result.files += write_ikhub(c, rules, outbox)
            with stage(watch, "validation_list"):
                result.files.append(write_validation_list(report, rules, folder / f"validasi_{period.id}.xlsx", day))
            with stage(watch, "waiting_for_workers"):
                result.files[:0] = summary_written()
                result.feedback = remove_stale(report, outbox, feedback_written())
    with stage(watch, "manifest"):
        manifest = write_manifest(report, rules, [*result.files, *result.feedback], folder)
        result.files.append(manifest)
    if consolidation:
        with stage(watch, "history"):
            data = json.loads(manifest.read_text(encoding="utf-8"))
            result.stored = history.store(outbox, data, result.consolidation.activities, report.statuses)
    return result
