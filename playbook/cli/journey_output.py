"""One journey in the terminal, for `playbook run` and `playbook demo`.

While the journey runs: a spinner for the stage that is running and a line for each
stage that ends (done, stopped by a gate or failed, its time and its summary). At the
end: the failed stage and cell, the gate that stopped the journey and its reasons, the
decision and its reasons, the KPI, and where the report is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from playbook.cli.safe_text import shown
from playbook.core.journey import STAGES
from playbook.core.language import Language
from playbook.run import interruption, rerun, runner
from playbook.tasks.kpi import format_amount

_STATUS_MARK = {
    "complete": "[green]done[/]",
    "stopped": "[yellow]stopped by a gate[/]",
    "failed": "[red]failed[/]",
}
_DECISION_STYLE = {"go": "bold green", "iterate": "bold yellow", "stop": "bold red"}


@dataclass(frozen=True)
class JourneyOptions:
    """What `playbook run` and `playbook demo` were asked for, besides the charter.

    Attributes:
        runs_dir: Where the run folder goes.
        data: Data file instead of the charter's.
        stages: Stages to run as the user typed them (e.g. "1-4"); None for all.
        seed: Seed instead of the charter's.
        tuning_seconds: Wall time stage 4 may spend tuning.
        data_docs: Build GX Data Docs of stage 3's data contract into the run.
        allowed_paths: Folders outside the charter's that its files may be in.
        language: The reader's language instead of the charter's.
    """

    runs_dir: Path
    data: Path | None = None
    stages: str | None = None
    seed: int | None = None
    tuning_seconds: float | None = None
    data_docs: bool = False
    allowed_paths: tuple[Path, ...] = ()
    language: Language | None = None


def run_with_progress(
    charter: Path, options: JourneyOptions, *, console: Console
) -> runner.JourneyResult:
    """Run a journey, showing each stage as it runs and a line as it ends.

    Args:
        charter: The charter to run, or a run folder (or its manifest.json) to run
            again with what it was asked for; options given on the command line win.
        options: The command line's data, stages, runs folder, seed and tuning time.
        console: Where to draw.

    Raises:
        PlaybookError: The stages, the charter or the data are unfit to start.
    """
    overrides: dict[str, Any] = {}
    earlier = rerun.manifest_of(charter)
    if earlier is not None:
        again = rerun.read(earlier)
        charter, overrides = again.charter, again.overrides
        options = _filled(options, again)
    selected = runner.parse_stages(options.stages)
    reached: list[Path] = []
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as progress:
        tasks = {}

        def show(event: runner.StageEvent) -> None:
            if event.run_dir is not None and not reached:
                reached.append(event.run_dir)
            label = f"Stage {event.stage.number} of {len(STAGES)}: {event.stage.title}"
            if event.status == "running":
                tasks[event.stage.key] = progress.add_task(label)
                return
            progress.remove_task(tasks.pop(event.stage.key))
            mark = _STATUS_MARK.get(event.status, event.status)
            summary = f" - {shown(event.summary)}" if event.summary else ""
            progress.console.print(f"{label}: {mark} in {event.seconds:.1f}s{summary}")

        try:
            return runner.run_journey(
                charter,
                runs_dir=options.runs_dir,
                seed=options.seed,
                data_path=options.data,
                stages=selected,
                on_event=show,
                tuning_seconds=options.tuning_seconds,
                data_docs=options.data_docs,
                allowed_paths=options.allowed_paths,
                overrides=overrides,
                language=options.language,
            )
        except KeyboardInterrupt as stop:
            stop.add_note(f"run folder: {reached[0]}" if reached else "no run folder")
            raise


def _filled(options: JourneyOptions, again: rerun.Rerun) -> JourneyOptions:
    """The command line's options, each left out taken from the earlier run's."""
    stages = ",".join(map(str, again.stages)) or None
    return replace(
        options,
        data=options.data or again.data,
        stages=options.stages or stages,
        seed=again.seed if options.seed is None else options.seed,
        tuning_seconds=options.tuning_seconds
        if options.tuning_seconds is not None
        else again.tuning_seconds,
        data_docs=options.data_docs or again.data_docs,
    )


def print_interrupted(console: Console, stop: KeyboardInterrupt) -> None:
    """One line for a journey stopped by Ctrl-C or SIGTERM: where its record is."""
    notes = getattr(stop, "__notes__", [])
    where = next((note for note in notes if note.startswith("run folder: ")), None)
    cause = (
        "SIGTERM"
        if interruption.exit_code_of(stop) != interruption.INTERRUPTED
        else "Ctrl-C"
    )
    kept = (
        f"; what ran is kept and its manifest says interrupted ({shown(where)})"
        if where
        else "; nothing was run"
    )
    console.print(f"[red]interrupted[/] by {cause}{kept}.")


def print_abandoned(console: Console, found: list[tuple[Path, str]]) -> None:
    """One line per earlier run found abandoned (its process died while it ran)."""
    for run_dir, reason in found:
        console.print(
            f"[yellow]abandoned:[/] {shown(run_dir)}: {shown(reason)}; its manifest "
            "now says abandoned."
        )


def print_summary(console: Console, result: runner.JourneyResult) -> None:
    """Print how a journey ended: failures, gates, the decision, the KPI, the report.

    Earlier runs found abandoned on the way are listed first.
    """
    print_abandoned(console, list(result.abandoned))
    record = result.manifest
    for key, entry in record["stages"].items():
        if entry["status"] == "failed" and entry["error"]:
            error = entry["error"]
            where = f"cell {error['cell']}" if error["cell"] else "a cell"
            console.print(
                f"[red]Stage {entry['number']} ({key}) {entry['status']} in {where} of "
                f"{shown(result.run_dir / entry['notebook'])}:[/] "
                f"{shown(error['name'])}: {shown(error['message'], keep_newlines=True)}"
            )
    for gate in record["gates"]:
        if not gate["passed"]:
            stage = record["stages"][gate["stage"]]
            console.print(
                f"[yellow]The {shown(gate['gate'])} gate stopped the journey at stage "
                f"{stage['number']} ({stage['title']}):[/]"
            )
            for reason in gate["reasons"]:
                console.print(f"  - {shown(reason)}")
    if record["decision"]:
        console.print(
            f"Decision: [{_DECISION_STYLE[record['decision']]}]"
            f"{record['decision'].upper()}[/]"
        )
        for reason in record["reasons"]:
            console.print(f"  - {shown(reason)}")
    kpi = record["kpi"]
    if kpi:
        console.print(
            shown(
                f"{kpi['metric']}: model {format_amount(kpi['model'], kpi['unit'])}, "
                f"today {format_amount(kpi['baseline'], kpi['unit'])}"
            )
        )
    console.print(f"Report: {shown(result.index)}")
