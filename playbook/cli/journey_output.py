"""One journey in the terminal, for `playbook run` and `playbook demo`.

While the journey runs: a spinner for the stage that is running and a line for each
stage that ends (done, stopped by a gate or failed, its time and its summary). At the
end: the failed stage and cell, the gate that stopped the journey and its reasons, the
decision and its reasons, the KPI, and where the report is.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from playbook import charter as charters
from playbook import errors
from playbook.charter import check as charter_check
from playbook.charter import overrides as charter_overrides
from playbook.cli.commands import exit_on_error
from playbook.cli.safe_text import shown
from playbook.core.journey import STAGES, Stage
from playbook.core.language import Language, language_of
from playbook.core.locale_format import format_money
from playbook.core.messages import marked, translated
from playbook.errors import PlaybookError
from playbook.report.page_templates import stage_title
from playbook.run import interruption, rerun, runner

_STATUS_MARK = {
    "complete": ("green", marked("done")),
    "stopped": ("yellow", marked("stopped by a gate")),
    "failed": ("red", marked("failed")),
}
_DECISION_WORDS = {
    "go": marked("GO"),
    "iterate": marked("ITERATE"),
    "stop": marked("STOP"),
}
# How the run folder of an interrupted journey travels with the interruption.
_RUN_FOLDER = "run folder: "
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
    language = journey_language(charter, options)
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
            label = stage_label(event.stage, language)
            if event.status == "running":
                tasks[event.stage.key] = progress.add_task(label)
                return
            progress.remove_task(tasks.pop(event.stage.key))
            style, word = _STATUS_MARK.get(event.status, ("", event.status))
            mark = f"[{style}]{translated(language, word)}[/]" if style else word
            summary = f" - {shown(event.summary)}" if event.summary else ""
            ended = translated(
                language,
                "%(stage)s: %(status)s in %(seconds)ss",
                stage=label,
                status=mark,
                seconds=f"{event.seconds:.1f}",
            )
            progress.console.print(f"{ended}{summary}")

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
            stop.add_note(f"{_RUN_FOLDER}{reached[0]}" if reached else "no run folder")
            raise


def decision_word(code: str, language: Language) -> str:
    """A decision as the terminal shows it: GO, or 진행 (GO) in Korean."""
    return translated(language, _DECISION_WORDS.get(code, code.upper()))


def stage_label(stage: Stage, language: Language) -> str:
    """A stage as the terminal names it: "Stage 4 of 7: POC: baseline versus model"."""
    return translated(
        language,
        "Stage %(number)s of %(total)s: %(title)s",
        number=stage.number,
        total=len(STAGES),
        title=stage_title(stage.title, language=language),
    )


def journey_language(charter: Path, options: JourneyOptions) -> Language:
    """The language of a journey's terminal lines: --lang, else what the run asks for.

    A run asks in its charter's `report.language`, or, run again from its manifest,
    in the language it ran in. A charter that cannot be loaded is refused by the
    runner right after, with its problems, in the language its YAML asks for
    (English when even that cannot be read).
    """
    if options.language is not None:
        return options.language
    try:
        earlier = rerun.manifest_of(charter)
        if earlier is not None:
            again = rerun.read(earlier)
            if charter_overrides.LANGUAGE in again.overrides:
                return language_of(again.overrides[charter_overrides.LANGUAGE])
            charter = again.charter
        return charters.load(charter).language
    except PlaybookError:
        return charter_check.language_asked(charter)


def _filled(options: JourneyOptions, again: rerun.Rerun) -> JourneyOptions:
    """The command line's options, each left out taken from the earlier run's.

    The allowed folders are both: the earlier run's and any the command line adds.
    """
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
        allowed_paths=tuple(
            dict.fromkeys([*options.allowed_paths, *again.allowed_paths])
        ),
    )


def print_interrupted(
    console: Console, stop: KeyboardInterrupt, *, language: Language = "en"
) -> None:
    """One line for a journey stopped by Ctrl-C or SIGTERM: where its record is."""
    notes = getattr(stop, "__notes__", [])
    where = next((note for note in notes if note.startswith(_RUN_FOLDER)), None)
    cause = (
        "SIGTERM"
        if interruption.exit_code_of(stop) != interruption.INTERRUPTED
        else "Ctrl-C"
    )
    head = translated(language, "interrupted")
    if where:
        rest = translated(
            language,
            " by %(cause)s; what ran is kept and its manifest says interrupted "
            "(run folder: %(folder)s).",
            cause=cause,
            folder=shown(where.removeprefix(_RUN_FOLDER)),
        )
    else:
        rest = translated(language, " by %(cause)s; nothing was run.", cause=cause)
    console.print(f"[red]{head}[/]{rest}")


def print_abandoned(
    console: Console, found: list[tuple[Path, str]], *, language: Language = "en"
) -> None:
    """One line per earlier run found abandoned (its process died while it ran)."""
    for run_dir, reason in found:
        head = translated(language, "abandoned:")
        rest = translated(
            language,
            " %(folder)s: %(reason)s; its manifest now says abandoned.",
            folder=shown(run_dir),
            reason=shown(reason),
        )
        console.print(f"[yellow]{head}[/]{rest}")


def print_summary(console: Console, result: runner.JourneyResult) -> None:
    """Print how a journey ended: failures, gates, the decision, the KPI, the report.

    Earlier runs found abandoned on the way are listed first. Everything is written
    in the run's language.
    """
    record = result.manifest
    language = language_of(record.get("language"))
    print_abandoned(console, list(result.abandoned), language=language)
    for key, entry in record["stages"].items():
        if entry["status"] == "failed" and entry["error"]:
            error = entry["error"]
            where = (
                translated(language, "cell %(cell)s", cell=error["cell"])
                if error["cell"]
                else translated(language, "a cell")
            )
            failed = translated(
                language,
                "Stage %(number)s (%(key)s) failed in %(where)s of %(notebook)s:",
                number=entry["number"],
                key=key,
                where=where,
                notebook=shown(result.run_dir / entry["notebook"]),
            )
            console.print(
                f"[red]{failed}[/] {shown(error['name'])}: "
                f"{shown(error['message'], keep_newlines=True)}"
            )
    for gate in record["gates"]:
        if not gate["passed"]:
            stage = record["stages"][gate["stage"]]
            stopped = translated(
                language,
                "The %(gate)s gate stopped the journey at stage %(number)s "
                "(%(title)s):",
                gate=shown(gate["gate"]),
                number=stage["number"],
                title=stage_title(stage["title"], language=language),
            )
            console.print(f"[yellow]{stopped}[/]")
            for reason in gate["reasons"]:
                console.print(f"  - {shown(reason)}")
    if record["decision"]:
        word = decision_word(record["decision"], language)
        console.print(
            translated(
                language,
                "Decision: %(decision)s",
                decision=f"[{_DECISION_STYLE[record['decision']]}]{word}[/]",
            )
        )
        for reason in record["reasons"]:
            console.print(f"  - {shown(reason)}")
    kpi = record["kpi"]
    if kpi:
        console.print(
            shown(
                translated(
                    language,
                    "%(metric)s: model %(model)s, today %(baseline)s",
                    metric=kpi["metric"],
                    model=format_money(kpi["model"], kpi["unit"], language=language),
                    baseline=format_money(
                        kpi["baseline"], kpi["unit"], language=language
                    ),
                )
            )
        )
    console.print(translated(language, "Report: %(path)s", path=shown(result.index)))


def run_and_exit(
    charter: Path,
    options: JourneyOptions,
    *,
    console: Console,
    fail_on: str = "never",
    junit: Path | None = None,
) -> NoReturn:
    """Run a journey with its progress and summary, then exit with its code.

    Ctrl-C or SIGTERM stops it with the interruption's code; `fail_on` turns a
    decision below that bar into exit code 5, and `junit` writes the CI report.
    """
    from playbook.run import ci

    restore = interruption.interrupt_on_sigterm(sigint=True)
    asked: Language = options.language or "en"
    try:
        asked = journey_language(charter, options)
        with exit_on_error(asked):
            result = run_with_progress(charter, options, console=console)
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM
        print_interrupted(console, stop, language=asked)
        raise typer.Exit(code=interruption.exit_code_of(stop)) from None
    finally:
        restore()
    print_summary(console, result)
    language = language_of(result.manifest.get("language"))
    if junit is not None:
        with exit_on_error(language):
            written = ci.write_junit(
                junit, [ci.suite_of(result.manifest, fail_on=fail_on)]
            )
        console.print(
            translated(language, "JUnit report: %(path)s", path=shown(written))
        )
    code = ci.exit_code(result.exit_code, result.manifest["decision"], fail_on=fail_on)
    if code == errors.BELOW_BAR:
        below = translated(language, "Below the bar:")
        console.print(
            f"[red]{below}[/] "
            + translated(
                language,
                "--fail-on %(bar)s fails a %(decision)s decision (exit %(code)s).",
                bar=fail_on,
                decision=decision_word(result.manifest["decision"], language),
                code=code,
            )
        )
    raise typer.Exit(code=code)
