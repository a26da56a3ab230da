"""A batch's progress and results in the terminal, for `playbook batch`.

While the batch runs: one line per journey that is running (its current stage and how
long it has been at it) under a line of counts (done, stopped, failed, queued) and the
elapsed time; each journey that ends prints one line above. At the end: a table with
each journey's outcome, decision, lift and run folder. Without a terminal (CI logs) only
the lines are printed.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from playbook.cli.journey_output import decision_word
from playbook.cli.safe_text import plain
from playbook.core.journey import STAGES
from playbook.core.language import Language
from playbook.core.locale_format import format_money
from playbook.core.messages import marked, translated
from playbook.report.page_templates import stage_title
from playbook.run.batch import (
    BatchEvent,
    BatchResult,
    JobResult,
    Outcome,
)

_OUTCOME_STYLE = {
    Outcome.COMPLETE: (marked("complete"), "green"),
    Outcome.SKIPPED: (marked("skipped (done before)"), "green"),
    Outcome.STOPPED: (marked("stopped by a gate"), "yellow"),
    Outcome.FAILED: (marked("failed"), "red"),
    Outcome.TIMED_OUT: (marked("timed out"), "red"),
    Outcome.CRASHED: (marked("crashed"), "red"),
    Outcome.INTERRUPTED: (marked("interrupted"), "red"),
    Outcome.NOT_STARTED: (marked("not started"), "red"),
}
_DECISION_STYLE = {"go": "bold green", "iterate": "bold yellow", "stop": "bold red"}


class BatchProgress:
    """Live progress of a batch; call it with each `BatchEvent`.

    Args:
        console: Where to draw.
        total: How many journeys the batch has.
        language: The reader's language.
    """

    def __init__(
        self, console: Console, *, total: int, language: Language = "en"
    ) -> None:
        """Start counting; nothing is drawn until the `with` block starts."""
        self.console = console
        self.total = total
        self.language = language
        self.started = time.monotonic()
        self.running: dict[int, dict[str, Any]] = {}
        self.ended: dict[Outcome, int] = {}
        self._live: Live | None = None

    def __enter__(self) -> BatchProgress:
        """Start drawing (live only on a terminal)."""
        if self.console.is_terminal:
            self._live = Live(
                self._render(), console=self.console, refresh_per_second=4
            )
            self._live.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop drawing."""
        if self._live is not None:
            self._live.update(self._render())
            self._live.__exit__(kind, error, traceback)

    def __call__(self, event: BatchEvent) -> None:
        """Take one event and redraw."""
        job = event.job
        if event.kind == "started":
            self.running[job.index] = {
                "name": job.name,
                "stage": None,
                "since": time.monotonic(),
                "began": time.monotonic(),
            }
            if self._live is None:
                started = translated(self.language, "started  %(name)s", name=job.name)
                self.console.print(plain(started))
        elif event.kind == "stage" and job.index in self.running:
            if event.status == "running":
                self.running[job.index].update(
                    stage=event.stage, since=time.monotonic()
                )
        elif event.kind == "finished" and event.result is not None:
            self.running.pop(job.index, None)
            outcome = event.result.outcome
            self.ended[outcome] = self.ended.get(outcome, 0) + 1
            self.console.print(_finished_line(event.result, self.language))
        if self._live is not None:
            self._live.update(self._render())

    def _render(self) -> Group:
        language = self.language
        done = sum(self.ended.values())
        queued = self.total - done - len(self.running)
        counts = ", ".join(
            translated(
                language,
                "%(count)s %(outcome)s",
                count=count,
                outcome=translated(language, _OUTCOME_STYLE[outcome][0]),
            )
            for outcome, count in sorted(self.ended.items())
        )
        head = Text(
            translated(
                language,
                "%(done)s of %(total)s journeys ended%(counts)s; %(running)s running, "
                "%(queued)s queued; %(elapsed)s elapsed",
                done=done,
                total=self.total,
                counts=f" ({counts})" if counts else "",
                running=len(self.running),
                queued=max(queued, 0),
                elapsed=_clock(time.monotonic() - self.started),
            )
        )
        table = Table(box=None, show_header=bool(self.running), pad_edge=False)
        table.add_column(translated(language, "Running"))
        table.add_column(translated(language, "Stage"))
        table.add_column(translated(language, "For"), justify="right")
        now = time.monotonic()
        for state in self.running.values():
            stage = state["stage"]
            label = (
                translated(
                    language,
                    "%(number)s of %(total)s: %(title)s",
                    number=stage,
                    total=len(STAGES),
                    title=stage_title(STAGES[stage - 1].title, language=self.language),
                )
                if stage
                else translated(language, "starting")
            )
            table.add_row(plain(state["name"]), label, _clock(now - state["since"]))
        return Group(head, table)


def results_table(result: BatchResult, *, language: Language = "en") -> Group:
    """Each journey's outcome, decision, lift and run folder, in the spec's order.

    Below the table, one line per journey that did not complete says why.
    """
    table = Table(
        title=translated(language, "Batch %(id)s", id=result.batch_id),
        show_edge=False,
        pad_edge=False,
    )
    table.add_column(translated(language, "Journey"), overflow="fold")
    table.add_column(translated(language, "Outcome"))
    table.add_column(translated(language, "Decision"))
    table.add_column(translated(language, "Lift per period"), justify="right")
    table.add_column(translated(language, "Run"), overflow="fold")
    reasons = []
    for job_result in result.results:
        word, style = _outcome(job_result.outcome, language)
        decision = job_result.decision
        if job_result.seconds:
            word = translated(
                language,
                "%(outcome)s in %(seconds)ss",
                outcome=word,
                seconds=f"{job_result.seconds:.0f}",
            )
        table.add_row(
            plain(job_result.job.name),
            Text(word, style=style),
            Text(
                decision_word(decision, language),
                style=_DECISION_STYLE.get(decision, ""),
            )
            if decision
            else Text("-"),
            _lift(job_result.kpi, language),
            plain(_short(job_result.run_dir) if job_result.run_dir else "-"),
        )
        if (
            job_result.outcome not in (Outcome.COMPLETE, Outcome.SKIPPED)
            and job_result.message
        ):
            where = (
                translated(language, " at stage %(number)s", number=job_result.stage)
                if job_result.stage
                else ""
            )
            reasons.append(
                plain(f"- {job_result.job.name}{where}: {job_result.message}")
            )
    if reasons:
        return Group(
            table, Text(translated(language, "Why some did not complete:")), *reasons
        )
    return Group(table)


def _outcome(outcome: Outcome, language: Language) -> tuple[str, str]:
    """An outcome's word in the reader's language, and its colour."""
    word, style = _OUTCOME_STYLE.get(outcome, (str(outcome), ""))
    return translated(language, word), style


def _finished_line(result: JobResult, language: Language = "en") -> Text:
    word, style = _outcome(result.outcome, language)
    line = Text(translated(language, "ended    "))
    line.append(plain(result.job.name))
    line.append(": ")
    line.append(word, style=style)
    if result.decision:
        line.append(
            ", " + decision_word(result.decision, language),
            style=_DECISION_STYLE.get(result.decision, ""),
        )
    if result.kpi:
        line.append(
            translated(language, ", lift %(lift)s", lift=_lift(result.kpi, language))
        )
    if result.seconds:
        line.append(
            translated(language, " in %(seconds)ss", seconds=f"{result.seconds:.1f}")
        )
    if result.outcome not in (Outcome.COMPLETE, Outcome.SKIPPED) and result.message:
        line.append(plain(f" - {result.message}", style="dim"))
    return line


def _lift(kpi: Mapping[str, Any] | None, language: Language = "en") -> str:
    if not kpi or kpi.get("lift") is None:
        return "-"
    unit = str(kpi.get("unit") or "")
    text = format_money(kpi["lift"], unit, language=language)
    low, high = kpi.get("lift_ci_low"), kpi.get("lift_ci_high")
    if low is not None and high is not None:
        # The interval's unit is the lift's: Korean won keep theirs (만원) to read.
        bare = "" if language == "en" else unit
        text += (
            f" [{format_money(low, bare, language=language).strip()}, "
            f"{format_money(high, bare, language=language).strip()}]"
        )
    return text


def _short(path: Path) -> str:
    """The path relative to the current folder when it is inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _clock(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes}:{rest:02d}"
