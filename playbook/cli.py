"""The `playbook` command line: a thin shell over the package."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
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


@app.command()
def score(
    model: Annotated[
        Path,
        typer.Argument(
            help="A run folder whose stage 4 ran, its model/ folder, or model.joblib."
        ),
    ],
    data: Annotated[Path, typer.Argument(help="The data to score (CSV).")],
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the scores (CSV).")
    ] = Path("scores.csv"),
    force: Annotated[
        bool, typer.Option("--force", help="Replace --out when it exists.")
    ] = False,
) -> None:
    """Score new data with a saved model, refusing data that breaks its contract.

    Writes one row per input row: id, period, probability, rank in its period, and
    whether it makes the period's call list. Exit codes: 0 scored, 2 the data breaks
    the model's data contract (nothing is written), 1 any other error.
    """
    from playbook import score as scoring

    try:
        result = scoring.score_file(model, data, out=out, force=force)
    except PlaybookError as error:
        _fail(error)
    console.print(
        f"Scored {result.rows:,} rows over {result.periods} period(s); "
        f"{result.contacted:,} on the call list. Data contract: "
        f"{result.contract.evaluated} expectations met."
    )
    console.print(f"Scores: {result.out}")


@app.command()
def batch(
    spec: Annotated[
        Path,
        typer.Argument(
            help="YAML listing POCs and parameter grids, or a folder of charters."
        ),
    ],
    runs_dir: Annotated[
        Path | None,
        typer.Option(
            "--runs-dir", help="Where runs go (default: the spec's runs_dir, or runs)."
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, help="Journeys at once (default: the number of cores)."
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout", min=1, help="Seconds per journey (default: the spec's, 3600)."
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Run journeys that already completed with the same inputs."
        ),
    ] = False,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Dask scheduler address (tcp://HOST:8786): run the journeys there; "
            'needs pip install "playbook[dask]".',
        ),
    ] = None,
) -> None:
    """Run many POCs and parameter sets in parallel, then refresh the portfolio page.

    Exit codes: 0 every journey completed (or had already), 2 none failed but a gate
    stopped at least one, 1 at least one failed, crashed or timed out, 130 interrupted.
    """
    from playbook import batch as batches
    from playbook import progress

    try:
        plan = batches.load_spec(spec, runs_dir=runs_dir)
        with progress.BatchProgress(console, total=len(plan.jobs)) as show:
            result = batches.run_batch(
                plan,
                workers=workers,
                timeout=timeout,
                force=force,
                scheduler=scheduler,
                on_event=show,
            )
    except PlaybookError as error:
        _fail(error)
    console.print(progress.results_table(result))
    if result.interrupted:
        console.print("[red]Interrupted:[/] finished runs are kept; see the record.")
    console.print(f"Record: {result.record}")
    console.print(f"Portfolio: {result.portfolio}")
    raise typer.Exit(code=result.exit_code)


@app.command()
def report(
    runs_dir: Annotated[
        Path, typer.Argument(help="The runs folder (holds <poc>/<run-id>/ folders).")
    ] = Path("runs"),
) -> None:
    """Write the portfolio page, RUNS_DIR/index.html, over every run found there."""
    from playbook import portfolio

    if not runs_dir.is_dir():
        _fail(
            PlaybookError(
                f"{runs_dir}: no such runs folder. Point `playbook report` at the "
                "folder given to --runs-dir (default: runs)."
            )
        )
    page = portfolio.write(runs_dir)
    console.print(f"Portfolio: {page}")


checks_app = typer.Typer(
    help="Data contracts (Great Expectations suites in data_checks/).",
    no_args_is_help=True,
)
app.add_typer(checks_app, name="checks")


@checks_app.command("suggest")
def checks_suggest(
    data: Annotated[
        Path, typer.Argument(help="The data: a CSV or Parquet file, or a folder.")
    ],
    target: Annotated[str, typer.Option("--target", help="The target column.")],
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Where to write it (default: data_checks/<data>.yaml)."
        ),
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id", help="The id column: one row per id.")
    ] = None,
    time: Annotated[str | None, typer.Option("--time", help="The time column.")] = None,
    encoding: Annotated[
        str | None, typer.Option("--encoding", help="CSV encoding (default utf-8).")
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace --out when it exists.")
    ] = False,
) -> None:
    """Write a starter data contract inferred from the data, for a person to edit.

    Types, missing values, ranges from quantiles, allowed values, unique ids and row
    count bounds, each with a comment saying what the data showed. Exit codes: 0
    written, 2 the data or an option is unfit (nothing is written), 1 any other error.
    """
    from playbook import suggestions

    stem = data.stem if data.suffix else data.name
    try:
        result = suggestions.suggest_file(
            data,
            target=target,
            out=out or Path("data_checks") / f"{stem}.yaml",
            id_column=id_column,
            time=time,
            encoding=encoding,
            force=force,
        )
    except PlaybookError as error:
        _fail(error)
    console.print(
        f"Wrote {result.path}: suite {result.name!r}, {result.expectations} "
        f"expectations over {result.columns} columns, inferred from {result.rows:,} "
        "rows. Review every range and set before you commit it."
    )
    if not result.passes:
        console.print("[yellow]Its own data breaks it:[/]")
        for failure in result.failures:
            console.print(f"  - {failure}")


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
    console.print(f"[red]error:[/] {escape(str(error))}")
    raise typer.Exit(code=error.exit_code)
