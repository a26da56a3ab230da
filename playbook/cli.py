"""The `playbook` command line: a thin shell over the package."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from playbook import __version__, runner
from playbook import demo as demo_example
from playbook.errors import PlaybookError
from playbook.journey import STAGES
from playbook.kpi import format_amount

app = typer.Typer(
    help=(
        "Walk a machine-learning proof of concept through the seven-stage adoption "
        "journey and get a go / iterate / stop decision in business terms.\n\n"
        "Start with `playbook demo`, then point `playbook run` at your own charter."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)
console = Console(highlight=False, soft_wrap=True)

_STATUS_MARK = {
    "complete": "[green]done[/]",
    "stopped": "[yellow]stopped by a gate[/]",
    "failed": "[red]failed[/]",
}
_DECISION_STYLE = {"go": "bold green", "iterate": "bold yellow", "stop": "bold red"}

StagesOption = Annotated[
    str | None,
    typer.Option(
        "--stages",
        help=(
            "Stages to run, e.g. 1-4 or 3,4 (default: all seven). "
            "Stage 6 needs stage 4."
        ),
    ),
]
RunsDirOption = Annotated[
    Path,
    typer.Option(
        "--runs-dir",
        help="Each run goes to RUNS_DIR/<poc>/<run-id>/; nothing is overwritten.",
    ),
]
SeedOption = Annotated[
    int | None,
    typer.Option(
        "--seed", help="Seed for every random choice (default: the charter's seed)."
    ),
]


def _version(value: bool) -> None:
    if value:
        console.print(f"playbook {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version."
        ),
    ] = False,
) -> None:
    """Walk a POC through the seven-stage ML adoption journey."""


@app.command()
def run(
    charter: Annotated[
        Path,
        typer.Argument(help="The POC charter (YAML); see templates/ for examples."),
    ],
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", help="Data file to use instead of the charter's data.path."
        ),
    ] = None,
    stages: StagesOption = None,
    runs_dir: RunsDirOption = Path("runs"),
    seed: SeedOption = None,
) -> None:
    """Run the journey for one charter and write its reports.

    Exit codes: 0 the journey completed, 2 a gate stopped it (the charter or the data
    must be fixed), 1 an error (a stage crashed; its notebook and cell are named).
    """
    _journey(charter, data=data, stages=stages, runs_dir=runs_dir, seed=seed)


@app.command()
def demo(
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Working folder for the example's charter, contract and data."
        ),
    ] = Path("examples/churn"),
    customers: Annotated[
        int,
        typer.Option(
            "--customers", min=500, help="Rows of SYNTHETIC data to generate."
        ),
    ] = 20000,
    stages: StagesOption = None,
    runs_dir: RunsDirOption = Path("runs"),
    seed: SeedOption = None,
) -> None:
    """Write the SYNTHETIC churn example and run the whole journey on it.

    Files in the working folder that you have edited since the demo wrote them are kept
    as they are, so you can change the example's charter and run the demo again.
    """
    try:
        example = demo_example.write_example(out, customers=customers, seed=seed)
    except PlaybookError as error:
        _fail(error)
    console.print(f"SYNTHETIC churn example in {example.folder}/")
    for name in example.kept:
        console.print(f"  kept your edited {name} (delete it to get the original back)")
    _journey(example.charter, data=None, stages=stages, runs_dir=runs_dir, seed=seed)


def _journey(
    charter: Path,
    *,
    data: Path | None,
    stages: str | None,
    runs_dir: Path,
    seed: int | None,
) -> None:
    try:
        selected = runner.parse_stages(stages)
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            tasks = {}

            def show(event: runner.StageEvent) -> None:
                label = (
                    f"Stage {event.stage.number} of {len(STAGES)}: {event.stage.title}"
                )
                if event.status == "running":
                    tasks[event.stage.key] = progress.add_task(label)
                    return
                progress.remove_task(tasks.pop(event.stage.key))
                mark = _STATUS_MARK.get(event.status, event.status)
                summary = f" - {event.summary}" if event.summary else ""
                progress.console.print(
                    f"{label}: {mark} in {event.seconds:.1f}s{summary}"
                )

            result = runner.run_journey(
                charter,
                runs_dir=runs_dir,
                seed=seed,
                data_path=data,
                stages=selected,
                on_event=show,
            )
    except PlaybookError as error:
        _fail(error)
    _summarise(result)
    raise typer.Exit(code=result.exit_code)


def _summarise(result: runner.JourneyResult) -> None:
    record = result.manifest
    for key, entry in record["stages"].items():
        if entry["status"] == "failed" and entry["error"]:
            error = entry["error"]
            where = f"cell {error['cell']}" if error["cell"] else "a cell"
            console.print(
                f"[red]Stage {entry['number']} ({key}) {entry['status']} in {where} of "
                f"{result.run_dir / entry['notebook']}:[/] "
                f"{error['name']}: {error['message']}"
            )
    for gate in record["gates"]:
        if not gate["passed"]:
            stage = record["stages"][gate["stage"]]
            console.print(
                f"[yellow]The {gate['gate']} gate stopped the journey at stage "
                f"{stage['number']} ({stage['title']}):[/]"
            )
            for reason in gate["reasons"]:
                console.print(f"  - {reason}")
    if record["decision"]:
        console.print(
            f"Decision: [{_DECISION_STYLE[record['decision']]}]"
            f"{record['decision'].upper()}[/]"
        )
        for reason in record["reasons"]:
            console.print(f"  - {reason}")
    kpi = record["kpi"]
    if kpi:
        console.print(
            f"{kpi['metric']}: model {format_amount(kpi['model'], kpi['unit'])}, "
            f"today {format_amount(kpi['baseline'], kpi['unit'])}"
        )
    console.print(f"Report: {result.index}")


def _fail(error: PlaybookError) -> None:
    console.print(f"[red]error:[/] {error}")
    raise typer.Exit(code=error.exit_code)
