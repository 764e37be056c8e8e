"""One run over a period's inbox: validate (and consolidate), then write every output
atomically: feedback workbooks, validation list, summary workbook, Word report, I-KHub
export, manifest; a consolidation is then stored in the history."""

from __future__ import annotations

import contextlib
import functools
import json
from dataclasses import dataclass, field
from pathlib import Path

from .analysis import review
from .core.clock import output_date
from .core.forked import forked
from .core.model import Comparison, Consolidation, Period, Validation
from .core.rules import Rules
from .core.stopwatch import Stopwatch, stage
from .core.texts import t
from .cycle import history
from .intake.cache import Cache
from .intake.validate import validate_period
from .outputs.feedback import feedback_tasks, remove_stale
from .outputs.manifest import manifest, write_manifest
from .outputs.problem_list import list_path, write_validation_list
from .outputs.unchanged import Made


@dataclass
class Result:
    validation: Validation
    consolidation: Consolidation | None = None
    feedback: list[Path] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)  # the other outputs, manifest last
    comparison: Comparison | None = None  # with the previous period, when it is in the history
    stored: bool | None = None  # history: True stored, False unchanged (same inputs), None not consolidated
    taken: int = 0  # review decisions read back from the review workbook and stored
    notes: list[str] = field(default_factory=list)  # what could not be made, one line each (no PDF)
    later: list[str] = field(default_factory=list)  # periods stored after this one (history.later)

    def lines(self) -> list[str]:
        """Where the outputs are, for the console."""
        out = [t("cli_outputs.written", path=p) for p in self.files]
        if self.feedback:
            out.insert(0, t("cli_outputs.feedback_written", n=len(self.feedback), folder=self.feedback[0].parent))
        out += self.notes
        if self.consolidation is not None:
            out += self.review_lines()
        if self.stored is not None:
            outbox = self.files[-1].parent.parent
            key = "history.stored" if self.stored else "history.unchanged"
            out.append(t(key, period=self.validation.period.id, path=history.history_path(outbox)))
            if self.later:  # their comparison with this period is now out of date (set only when stored)
                out.append(t("history.later", period=self.validation.period.id, later=", ".join(self.later)))
        return out

    def review_lines(self) -> list[str]:
        """The state of the review, the decisions taken in this run, the figures still
        provisional and the decisions that could not be taken."""
        from .outputs.review_workbook import review_path

        path = review_path(self.files[-1].parent.parent, self.validation.period.id)
        return review.lines(self.consolidation.review, path, self.taken)


def run(
    inbox: Path,
    outbox: Path,
    rules: Rules,
    period: Period,
    *,
    consolidation: bool,
    progress=None,
    template: Path | None = None,
    watch: Stopwatch | None = None,
    reopen: bool = False,
    cache: bool = True,
) -> Result:
    """`cache`: take each file's results from the period's last run where it is unchanged
    (intake/cache.py) and leave the feedback workbooks made from the same inputs as they
    are; the outputs are the same either way."""
    if consolidation:  # imported here: a validation starts faster without them
        from .analysis.compare import compare
        from .analysis.consolidate import consolidate
        from .core.periods import previous_period_id
        from .cycle.decisions import read_back
        from .outputs.ikhub import write_ikhub
        from .outputs.open_data import write_open_data
        from .outputs.public import render_public
        from .outputs.report import data_path, report_path, save_data, start_report
        from .outputs.report_data import report_data
        from .outputs.review_workbook import review_path, write_review_workbook
        from .outputs.summary import summary_path, write_summary
    history.check_open(outbox, period.id, reopen, rules.settings.timezone)  # a finalised period is not overwritten
    earlier = history.largest(outbox, period.id, rules)  # what the agencies reported before, for the checks
    kept = Cache(outbox, rules, period) if cache else None
    validation = validate_period(
        inbox, rules, period, progress, watch, seen=history.seen(outbox), earlier=earlier, cache=kept
    )
    history.record_inputs(outbox, period.id, validation.submissions)  # later periods set these aside
    day = output_date(validation)
    folder = outbox / period.id
    result = Result(validation)
    summary = []
    stored = history.decisions(outbox, period.id)
    decided, new, problems = stored, [], []
    if consolidation:  # the review workbook is read back first: its decisions count in this run
        with stage(watch, "review"):
            decided, new, problems = read_back(review_path(outbox, period.id), stored)
    # The feedback workbooks need only the validation and the values sent back to their
    # agency: their workers start now, beside the consolidation; the summary and review
    # workbooks get a worker each once that is done.
    # The period's cache is written by a worker of its own (a pack of every row takes a while
    # to pickle), first, as the longest task.
    made = Made(outbox, period.id) if cache else None
    feedback = feedback_tasks(validation, rules, outbox, day, review.requests(validation, rules, decided), made)
    saving = [("cache", kept.save)] if kept and kept.changed() else []
    with contextlib.ExitStack() as snapshot:  # the history's transaction, begun while the workers finish
        with forked(saving + feedback.tasks, watch) as written:
            if consolidation:
                c = result.consolidation = consolidate(validation, rules, watch, decisions=decided)
                taken, unknown, c.review.orphans = review.check(c.review.items, new, stored)
                c.review.problems = problems + unknown
                history.add_decisions(outbox, period.id, taken, rules.settings.timezone)
                result.taken = len(taken)
                in_force = history.decisions_hash(stored | {d.item: d for d in taken})
                previous = history.load(outbox, previous_period_id(period, rules))
                result.comparison = compare(c, validation.agencies, previous, rules) if previous else None
                write = functools.partial(write_summary, summary_path(outbox, period.id), c, validation, rules, day)
                summary.append(("summary_workbook", functools.partial(write, result.comparison)))
                review_file = functools.partial(write_review_workbook, review_path(outbox, period.id), c.review)
                summary.append(("review_workbook", functools.partial(review_file, validation, rules, day)))
            with stage(watch, "outputs"), forked(summary, watch) as summary_written:  # the rest is written here
                if consolidation:
                    with stage(watch, "word_report"):
                        data = report_data(
                            c, validation, rules, summary_path(outbox, period.id).name, day, result.comparison
                        )
                        result.files += [save_data(data, data_path(outbox, period.id))]
                        finish_report = start_report(data, report_path(outbox, period.id), template)
                    with stage(watch, "public_report"):  # the public edition, laid out beside it
                        finish_public = render_public(data, rules, outbox)
                    with stage(watch, "ikhub"):  # while LibreOffice lays the reports out
                        ikhub = write_ikhub(c, rules, outbox)
                    with stage(watch, "open_data"):
                        open_data = write_open_data(c, rules, data, outbox)
                    with stage(watch, "word_report"):
                        reports, note = finish_report()
                        result.files += [*reports, *ikhub]
                        result.notes += [note] if note else []
                    with stage(watch, "public_report"):
                        public, _ = finish_public()  # no PDF: the same reason as the signed report's, said once
                        result.files += [*public, *open_data]
                if consolidation:
                    result.files.append(review_path(outbox, period.id))  # written by a worker of its own
                with stage(watch, "validation_list"):
                    result.files.append(write_validation_list(validation, rules, list_path(outbox, period.id), day))
                if consolidation:  # the history's snapshot, while the workers finish; the manifest ends it, below
                    with stage(watch, "history"):
                        key = history.inputs_hash(manifest(validation, rules, [], folder, in_force))
                        flags = [p for p in validation.problems if p.code in rules.review.codes]  # the year lists them
                        done = snapshot.enter_context(history.snapshot(outbox, period.id, key, c.activities,
                                                                       validation.agencies, flags))  # fmt: skip
                with stage(watch, "waiting_for_workers"):
                    result.files[:0] = summary_written()[:1]  # the summary workbook first
                    result.feedback = remove_stale(validation, outbox, feedback.paths(written()[len(saving) :]))
        if made:
            made.save(feedback.made_from)
        with stage(watch, "manifest"):
            written_manifest = write_manifest(
                validation, rules, [*result.files, *result.feedback], folder, in_force if consolidation else ""
            )
            result.files.append(written_manifest)
        if consolidation:
            with stage(watch, "history"):
                result.stored = done(json.loads(written_manifest.read_text(encoding="utf-8")))
                result.later = history.later(outbox, period.id, rules) if result.stored else []
    return result
