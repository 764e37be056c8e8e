"""One run over a period's inbox: validate (and consolidate), then write every output
atomically: feedback workbooks, validation list, summary workbook, manifest."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .consolidate import Consolidation, consolidate
from .feedback import write_feedback, write_validation_list
from .outputs import write_manifest
from .periods import Period
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

    def lines(self) -> list[str]:
        """Where the outputs are, for the console."""
        out = [t("cli_outputs.written", path=p) for p in self.files]
        if self.feedback:
            out.insert(0, t("cli_outputs.feedback_written", n=len(self.feedback), folder=self.feedback[0].parent))
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
) -> Result:
    report = validate_period(inbox, rules, period, progress, watch)
    day = output_date(report)
    folder = outbox / period.id
    result = Result(report)
    if consolidation:
        result.consolidation = consolidate(report, rules, watch)
        with stage(watch, "summary_workbook"):
            path = write_summary(summary_path(outbox, period.id), result.consolidation, report, rules, day)
        with stage(watch, "word_report"):
            data = report_data(result.consolidation, report, rules, path.name, day)
            result.files += [path, save_data(data, data_path(outbox, period.id))]
            result.files.append(render_report(data, report_path(outbox, period.id), template))
    with stage(watch, "feedback_workbooks"):
        result.files.append(write_validation_list(report, rules, folder / f"validasi_{period.id}.xlsx", day))
        result.feedback = write_feedback(report, rules, outbox, day)
    with stage(watch, "manifest"):
        result.files.append(write_manifest(report, rules, [*result.files, *result.feedback], folder))
    return result
