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

from playbook.cli.safe_text import plain
from playbook.core.journey import STAGES
from playbook.run.batch import (
    BatchEvent,
    BatchResult,
    JobResult,
    Outcome,
)
from playbook.tasks.kpi import format_amount

_OUTCOME_STYLE = {
    Outcome.COMPLETE: ("complete", "green"),
    Outcome.SKIPPED: ("skipped (done before)", "green"),
    Outcome.STOPPED: ("stopped by a gate", "yellow"),
    Outcome.FAILED: ("failed", "red"),
    Outcome.TIMED_OUT: ("timed out", "red"),
    Outcome.CRASHED: ("crashed", "red"),
    Outcome.INTERRUPTED: ("interrupted", "red"),
    Outcome.NOT_STARTED: ("not started", "red"),
}
_DECISION_STYLE = {"go": "bold green", "iterate": "bold yellow", "stop": "bold red"}


class BatchProgress:
    """Live progress of a batch; call it with each `BatchEvent`.

    Args:
        console: Where to draw.
        total: How many journeys the batch has.
    """

    def __init__(self, console: Console, *, total: int) -> None:
        """Start counting; nothing is drawn until the `with` block starts."""
        self.console = console
        self.total = total
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
                self.console.print(plain(f"started  {job.name}"))
        elif event.kind == "stage" and job.index in self.running:
            if event.status == "running":
                self.running[job.index].update(
                    stage=event.stage, since=time.monotonic()
                )
        elif event.kind == "finished" and event.result is not None:
            self.running.pop(job.index, None)
            outcome = event.result.outcome
            self.ended[outcome] = self.ended.get(outcome, 0) + 1
            self.console.print(_finished_line(event.result))
        if self._live is not None:
            self._live.update(self._render())

    def _render(self) -> Group:
        done = sum(self.ended.values())
        queued = self.total - done - len(self.running)
        counts = ", ".join(
            f"{count} {_OUTCOME_STYLE[outcome][0]}"
            for outcome, count in sorted(self.ended.items())
        )
        elapsed = time.monotonic() - self.started
        head = Text(
            f"{done} of {self.total} journeys ended"
            + (f" ({counts})" if counts else "")
            + f"; {len(self.running)} running, {max(queued, 0)} queued; "
            f"{_clock(elapsed)} elapsed"
        )
        table = Table(box=None, show_header=bool(self.running), pad_edge=False)
        table.add_column("Running")
        table.add_column("Stage")
        table.add_column("For", justify="right")
        now = time.monotonic()
        for state in self.running.values():
            stage = state["stage"]
            label = (
                f"{stage} of {len(STAGES)}: {STAGES[stage - 1].title}"
                if stage
                else "starting"
            )
            table.add_row(plain(state["name"]), label, _clock(now - state["since"]))
        return Group(head, table)


def results_table(result: BatchResult) -> Group:
    """Each journey's outcome, decision, lift and run folder, in the spec's order.

    Below the table, one line per journey that did not complete says why.
    """
    table = Table(title=f"Batch {result.batch_id}", show_edge=False, pad_edge=False)
    table.add_column("Journey", overflow="fold")
    table.add_column("Outcome")
    table.add_column("Decision")
    table.add_column("Lift per period", justify="right")
    table.add_column("Run", overflow="fold")
    reasons = []
    for job_result in result.results:
        word, style = _OUTCOME_STYLE.get(job_result.outcome, (job_result.outcome, ""))
        decision = job_result.decision
        if job_result.seconds:
            word += f" in {job_result.seconds:.0f}s"
        table.add_row(
            plain(job_result.job.name),
            Text(word, style=style),
            Text(decision.upper(), style=_DECISION_STYLE.get(decision, ""))
            if decision
            else Text("-"),
            _lift(job_result.kpi),
            plain(_short(job_result.run_dir) if job_result.run_dir else "-"),
        )
        if (
            job_result.outcome not in (Outcome.COMPLETE, Outcome.SKIPPED)
            and job_result.message
        ):
            stage = f" at stage {job_result.stage}" if job_result.stage else ""
            reasons.append(
                plain(f"- {job_result.job.name}{stage}: {job_result.message}")
            )
    if reasons:
        return Group(table, Text("Why some did not complete:"), *reasons)
    return Group(table)


def _finished_line(result: JobResult) -> Text:
    word, style = _OUTCOME_STYLE.get(result.outcome, (result.outcome, ""))
    line = Text("ended    ")
    line.append(plain(result.job.name))
    line.append(": ")
    line.append(word, style=style)
    if result.decision:
        line.append(
            f", {result.decision.upper()}",
            style=_DECISION_STYLE.get(result.decision, ""),
        )
    if result.kpi:
        line.append(f", lift {_lift(result.kpi)}")
    if result.seconds:
        line.append(f" in {result.seconds:.1f}s")
    if result.outcome not in (Outcome.COMPLETE, Outcome.SKIPPED) and result.message:
        line.append(plain(f" - {result.message}", style="dim"))
    return line


def _lift(kpi: Mapping[str, Any] | None) -> str:
    if not kpi or kpi.get("lift") is None:
        return "-"
    unit = str(kpi.get("unit") or "")
    text = format_amount(kpi["lift"], unit)
    low, high = kpi.get("lift_ci_low"), kpi.get("lift_ci_high")
    if low is not None and high is not None:
        text += (
            f" [{format_amount(low, '').strip()}, {format_amount(high, '').strip()}]"
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
